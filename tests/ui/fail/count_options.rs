// Test: a `count` field is an `i64` and a `flag` a `bool`, computed when read: never stored,
// set, validated or a reference, playing no other part; a flag (the caller's) is neither
// filtered on nor sorted by.
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
    #[resource(flag = Comment)]
    pub wrong_flag: i64,
    #[resource(flag = Comment, filter, sort)]
    pub queried: bool,
}

#[derive(Resource)]
pub struct Comment {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Post)]
    pub post_id: i64,
}

fn main() {}
