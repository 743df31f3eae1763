use fastrs::prelude::*;

#[derive(Resource)]
#[resource(unique(hall), index(hall, nowhere))]
pub struct Seat {
    #[resource(id)]
    pub id: i64,
    pub hall: String,
}

fn main() {}
