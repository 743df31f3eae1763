//! Belongs-to relations: a field that references another resource is a foreign key with an
//! explicit `ON DELETE`, an index, and a 422 at the field for a row that does not exist.

use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs_tests::{TestDb, memory, on_every_backend, start_up_error};
use serde_json::{Value, json};

/// What everything else hangs on.
#[derive(Resource)]
#[resource(table = "boards", path = "/boards")]
pub struct Board {
    #[resource(id)]
    pub id: i64,
    pub name: String,
}

/// Keeps its board: a board with notes cannot be deleted.
#[derive(Resource)]
#[resource(table = "notes", path = "/notes")]
pub struct Note {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Board)]
    pub board_id: i64,
    pub text: String,
}

/// Goes with its board.
#[derive(Resource)]
#[resource(table = "pins", path = "/pins")]
pub struct Pin {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Board, on_delete = "cascade")]
    pub board_id: i64,
}

/// Outlives its board, unattached.
#[derive(Resource)]
#[resource(table = "cards", path = "/cards")]
pub struct Card {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Board, on_delete = "set_null")]
    pub board_id: Option<i64>,
}

fn app(settings: Settings) -> App {
    // Declared before the board on purpose: tables are created referenced-first.
    App::new(settings)
        .resource::<Note>()
        .resource::<Pin>()
        .resource::<Card>()
        .resource::<Board>()
}

async fn references_are_checked_and_deletes_do_what_they_say(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = app(db.settings()).test_client().await.expect("app starts");
    let post = |path: &'static str, body: Value| {
        let client = &client;
        async move { client.post(path).json(&body).send().await }
    };
    let orphan = post("/notes", json!({"board_id": 999, "text": "x"})).await;
    assert_eq!(orphan.status(), 422, "{}", orphan.text());
    assert_eq!(
        orphan.json()["detail"][0]["loc"],
        json!(["body", "board_id"])
    );
    assert_eq!(orphan.json()["detail"][0]["type"], "reference_not_found");

    let board = post("/boards", json!({"name": "b"})).await.json()["id"].clone();
    let note = post("/notes", json!({"board_id": board, "text": "x"})).await;
    assert_eq!(note.status(), 201);
    let note_id = note.json()["id"].clone();
    let patched = client
        .patch(&format!("/notes/{note_id}"))
        .json(&json!({"board_id": 12345}))
        .send()
        .await;
    assert_eq!(patched.status(), 422, "{}", patched.text());
    let pin = post("/pins", json!({"board_id": board})).await.json()["id"].clone();
    let card = post("/cards", json!({"board_id": board})).await.json()["id"].clone();

    let refused = client.delete(&format!("/boards/{board}")).send().await;
    assert_eq!(
        refused.status(),
        409,
        "restrict: the note still refers to it"
    );
    assert_eq!(
        client.get(&format!("/pins/{pin}")).send().await.status(),
        200
    );

    assert_eq!(
        client
            .delete(&format!("/notes/{note_id}"))
            .send()
            .await
            .status(),
        204
    );
    assert_eq!(
        client
            .delete(&format!("/boards/{board}"))
            .send()
            .await
            .status(),
        204
    );
    assert_eq!(
        client.get(&format!("/pins/{pin}")).send().await.status(),
        404,
        "cascade"
    );
    let card = client.get(&format!("/cards/{card}")).send().await;
    assert_eq!(card.json()["board_id"], Value::Null, "set null");
}

on_every_backend!(references_are_checked_and_deletes_do_what_they_say);

#[tokio::test]
async fn a_reference_to_a_resource_not_mounted_is_a_start_up_error() {
    let error = start_up_error(App::new(memory()).resource::<Note>()).await;
    assert!(error.contains("Note.board_id references Board"), "{error}");
}

/// A note whose reference is narrower than the id it holds.
#[derive(Resource)]
#[resource(table = "narrow_notes", path = "/narrow-notes")]
pub struct NarrowNote {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Board)]
    pub board_id: i32,
}

/// MariaDB would refuse the foreign key, the others cut the ids past `i32`: refused at start-up
/// on every backend, naming both types.
#[tokio::test]
async fn a_reference_of_another_type_than_the_id_is_a_start_up_error() {
    let app = App::new(memory())
        .resource::<Board>()
        .resource::<NarrowNote>();
    let error = start_up_error(app).await;
    assert!(
        error.contains("NarrowNote.board_id references Board, so it must have the type of Board.id (i64), not i32"),
        "{error}"
    );
}

#[test]
fn references_are_foreign_keys_with_an_index_and_documented() {
    let ddl = app(memory()).ddl(Backend::Postgres);
    assert!(
        ddl.contains(r#"CONSTRAINT "pins_board_id_fkey" FOREIGN KEY ("board_id") REFERENCES "boards" ("id") ON DELETE CASCADE"#),
        "{ddl}"
    );
    assert!(ddl.contains(r#"ON DELETE SET NULL"#) && ddl.contains("ON DELETE RESTRICT"));
    assert!(ddl.contains(r#""notes_board_id_idx""#), "{ddl}");
    assert!(
        ddl.find(r#"TABLE IF NOT EXISTS "boards""#) < ddl.find(r#"TABLE IF NOT EXISTS "notes""#),
        "referenced tables first"
    );
    let document: Value = serde_json::from_str(&app(memory()).openapi_json()).unwrap();
    let field = &document["components"]["schemas"]["NoteCreate"]["properties"]["board_id"];
    assert_eq!(field["description"], "The id of a `Board`.");
    // Link objects: an answer's `board_id` leads to the board's GET.
    for (path, method, status) in [
        ("/notes", "post", "201"),
        ("/notes/{id}", "get", "200"),
        ("/notes/{id}", "patch", "200"),
    ] {
        let link = &document["paths"][path][method]["responses"][status]["links"]["board"];
        assert_eq!(link["operationId"], "get_board", "{path} {method}");
        assert_eq!(link["parameters"]["id"], "$response.body#/board_id");
        let target = &document["paths"]["/boards/{id}"]["get"]["operationId"];
        assert_eq!(target, "get_board");
    }
    // No link to a route that is not served.
    let without_boards = App::new(memory()).resource::<Note>();
    let document: Value = serde_json::from_str(&without_boards.openapi_json()).unwrap();
    let responses = &document["paths"]["/notes"]["post"]["responses"]["201"];
    assert!(responses.get("links").is_none(), "{responses}");
}
