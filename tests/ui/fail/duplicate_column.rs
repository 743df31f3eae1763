// Test: two fields mapped to one column.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    pub name: String,
    #[resource(column = "name")]
    pub title: String,
}

fn main() {}
