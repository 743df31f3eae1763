use fastrs::prelude::*;

#[derive(Resource)]
pub struct Shelf {
    #[resource(id)]
    pub id: i64,
    #[resource(filter)]
    pub tags: Vec<String>,
    #[resource(filter)]
    pub counts: Vec<i64>,
    #[resource(sort)]
    pub labels: Vec<String>,
    #[resource(filter)]
    pub extra: serde_json::Value,
    #[resource(write_only, filter)]
    pub secret: String,
}

fn main() {}
