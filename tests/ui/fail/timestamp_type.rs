// Test: `created_at` / `updated_at` must be DateTime<Utc>, and one field plays one part.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[resource(created_at)]
    pub created: String,
    #[resource(updated_at, created_at)]
    pub changed: DateTime<Utc>,
}

fn main() {}
