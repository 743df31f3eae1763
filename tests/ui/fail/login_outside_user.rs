// Test: `login`, `active` and `scopes` only mean something on a user model.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[resource(login)]
    pub name: String,
    #[resource(active)]
    pub live: bool,
}

fn main() {}
