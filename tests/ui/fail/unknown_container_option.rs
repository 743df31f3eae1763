// Test: an unknown struct-level option names itself and suggests the right one.
use fastrs::prelude::*;

#[derive(Resource)]
#[resource(tabel = "items")]
pub struct Item {
    #[resource(id)]
    pub id: i64,
}

fn main() {}
