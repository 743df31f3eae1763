// Test: two id fields; the second is reported.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[resource(id)]
    pub other: i64,
}

fn main() {}
