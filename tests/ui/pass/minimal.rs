// Test: the smallest resource; private structs and raw identifiers work.
use fastrs::prelude::*;

#[derive(Resource)]
struct Note {
    #[resource(id)]
    id: i32,
    r#type: String,
}

fn main() {
    let _ = App::new(Settings::default()).resource::<Note>();
    let create = NoteCreate { r#type: "x".into() };
    let _ = create.r#type;
}
