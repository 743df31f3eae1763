// Test: ids must be i32, i64 or Uuid.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: String,
}

fn main() {}
