// Test: an option given twice is reported at the second one.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[resource(unique, unique)]
    pub name: String,
}

fn main() {}
