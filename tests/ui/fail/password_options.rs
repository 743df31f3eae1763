// Test: a password is write-only by nature: never read-only or skipped in create.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Account {
    #[resource(id)]
    pub id: i64,
    #[resource(password, read_only, default = "x")]
    pub password: String,
    #[resource(password, skip_create)]
    pub pin: String,
}

fn main() {}
