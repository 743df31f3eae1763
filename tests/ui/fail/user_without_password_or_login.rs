// Test: a user model needs a password field and a login field.
use fastrs::prelude::*;

#[derive(Resource)]
#[resource(user)]
pub struct User {
    #[resource(id)]
    pub id: i64,
    pub email: String,
}

fn main() {}
