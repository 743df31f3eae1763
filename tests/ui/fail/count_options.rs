// Test: a `count` field is an `i64` computed when read: it is never stored, set, validated or
// a reference, and plays no other part.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Post {
    #[resource(id)]
    pub id: i64,
    #[resource(count = Comment)]
    pub wrong_type: String,
    #[resource(count = Comment, unique, read_only)]
    pub stored: i64,
    #[resource(count = Comment, default = 3)]
    pub defaulted: i64,
    #[resource(count = Comment)]
    #[validate(range(ge = 0))]
    pub validated: i64,
    #[resource(count = Comment, created_at)]
    pub two_parts: i64,
}

#[derive(Resource)]
pub struct Comment {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Post)]
    pub post_id: i64,
}

fn main() {}
