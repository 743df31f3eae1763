// Test: a NOT NULL field nobody can set on insert.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[resource(skip_create)]
    pub status: String,
    #[resource(read_only)]
    pub views: i64,
}

fn main() {}
