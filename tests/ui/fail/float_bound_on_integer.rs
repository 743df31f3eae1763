// Test: a fractional bound on an integer field.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[validate(range(ge = 0.5))]
    pub count: i64,
}

fn main() {}
