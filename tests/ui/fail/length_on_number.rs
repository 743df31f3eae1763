// Test: `length` on a number.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[validate(length(min = 1))]
    pub count: i64,
}

fn main() {}
