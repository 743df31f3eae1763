// Test: `range` on a string.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[validate(range(gt = 0))]
    pub name: String,
}

fn main() {}
