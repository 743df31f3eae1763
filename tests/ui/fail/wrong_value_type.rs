// Test: an option given a value of the wrong kind.
use fastrs::prelude::*;

#[derive(Resource)]
#[resource(table = 5, page_size = "ten")]
pub struct Item {
    #[resource(id)]
    pub id: i64,
}

fn main() {}
