// Test: generic structs are not resources.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item<T> {
    #[resource(id)]
    pub id: i64,
    pub value: T,
}

fn main() {}
