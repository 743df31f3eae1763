// Test: table names must be identifiers and paths must look like `/items`.
use fastrs::prelude::*;

#[derive(Resource)]
#[resource(table = "my items", path = "items/")]
pub struct Item {
    #[resource(id)]
    pub id: i64,
}

fn main() {}
