// Test: `rename_all` on a resource is "camelCase" (the JSON names; columns keep the Rust names).
use fastrs::prelude::*;

#[derive(Resource)]
#[resource(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    pub item_name: String,
}

fn main() {}
