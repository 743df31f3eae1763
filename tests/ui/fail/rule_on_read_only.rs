// Test: validation rules on a field that is never input.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[resource(read_only, default = 0)]
    #[validate(range(ge = 0))]
    pub views: i64,
}

fn main() {}
