// Test: `email` (and `url`, `pattern`) only apply to strings.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[validate(email)]
    pub count: i32,
    #[validate(pattern = "^a")]
    pub flag: bool,
}

fn main() {}
