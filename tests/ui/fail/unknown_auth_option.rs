// Test: an unknown `auth(...)` option, and an empty scope.
use fastrs::prelude::*;

#[derive(Resource)]
#[resource(auth(creat))]
pub struct Item {
    #[resource(id)]
    pub id: i64,
}

#[derive(Resource)]
#[resource(auth(scope = ""))]
pub struct Other {
    #[resource(id)]
    pub id: i64,
}

fn main() {}
