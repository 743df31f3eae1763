// Test: a field type fastrs cannot store.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    pub size: u8,
    pub nested: Vec<Vec<String>>,
}

fn main() {}
