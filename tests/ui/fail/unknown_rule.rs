// Test: an unknown validation rule suggests the right one.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[validate(lenght(min = 1))]
    pub name: String,
}

fn main() {}
