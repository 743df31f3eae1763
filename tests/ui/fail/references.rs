use fastrs::prelude::*;

#[derive(Resource)]
pub struct Board {
    #[resource(id)]
    pub id: i64,
}

#[derive(Resource)]
pub struct Note {
    #[resource(id)]
    pub id: i64,
    #[resource(on_delete = "cascade")]
    pub orphan_option: i64,
    #[resource(references = Board, on_delete = "set_null")]
    pub required_board: i64,
    #[resource(references = Board)]
    pub by_name: String,
    #[resource(references = Board, on_delete = "explode")]
    pub exploding: i64,
    #[resource(nested)]
    pub nested_without_reference: i64,
    #[resource(link)]
    pub link_without_reference: i64,
    #[resource(references = Board, link)]
    pub link_without_owner: i64,
    #[resource(embed)]
    pub embed_without_reference: i64,
}

fn main() {}
