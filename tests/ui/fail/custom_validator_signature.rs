// Test: a custom validator with the wrong signature is a type error at the path.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[validate(custom = check)]
    pub name: String,
}

fn check(_: &i64) -> bool {
    true
}

fn main() {}
