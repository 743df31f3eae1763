// Test: enums are not resources.
use fastrs::prelude::*;

#[derive(Resource)]
pub enum Item {
    A,
    B,
}

fn main() {}
