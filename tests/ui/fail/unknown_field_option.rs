// Test: an unknown field option is reported at the option.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[resource(uniqe)]
    pub name: String,
}

fn main() {}
