// Test: page sizes must be within bounds.
use fastrs::prelude::*;

#[derive(Resource)]
#[resource(page_size = 500, max_page_size = 100)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
}

fn main() {}
