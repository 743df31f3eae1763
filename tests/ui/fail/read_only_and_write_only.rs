// Test: contradictory options.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[resource(read_only, write_only)]
    pub secret: Option<String>,
}

fn main() {}
