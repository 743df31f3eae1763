// Test: `length` and `range` without bounds, and min above max.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[validate(length())]
    pub name: String,
    #[validate(range())]
    pub price: f64,
    #[validate(length(min = 5, max = 2))]
    pub code: String,
    #[validate(range(gt = 10, lt = 1))]
    pub score: i32,
}

fn main() {}
