// Test: a resource without an id field.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    pub name: String,
}

fn main() {}
