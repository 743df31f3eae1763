// Test: `owner` must name a field of an id type; `owner_reads` needs an owner.
use fastrs::prelude::*;

#[derive(Resource)]
#[resource(owner = creator)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    pub owner_id: i64,
}

#[derive(Resource)]
#[resource(owner = owner_id)]
pub struct Thing {
    #[resource(id)]
    pub id: i64,
    #[resource(read_only)]
    pub owner_id: Option<f64>,
}

#[derive(Resource)]
#[resource(owner_reads)]
pub struct Other {
    #[resource(id)]
    pub id: i64,
}

fn main() {}
