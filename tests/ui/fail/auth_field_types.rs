// Test: password and login are strings, active a bool, scopes a Vec<String>.
use fastrs::prelude::*;

#[derive(Resource)]
#[resource(user)]
pub struct User {
    #[resource(id)]
    pub id: i64,
    #[resource(login)]
    pub email: Option<String>,
    #[resource(password)]
    pub password: i64,
    #[resource(active)]
    pub active: String,
    #[resource(scopes)]
    pub scopes: String,
}

fn main() {}
