// Test: tuple structs have no field names to map.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item(i64, String);

fn main() {}
