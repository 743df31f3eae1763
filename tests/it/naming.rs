//! `#[resource(rename_all = "camelCase")]`: the JSON names of a resource's fields in bodies,
//! answers, filters, sorts, errors and the document, while the columns keep the Rust names.

use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs_tests::{TestDb, failures, on_every_backend};
use serde_json::{Value, json};

/// A book, in camelCase JSON.
#[derive(Resource)]
#[resource(table = "camel_books", path = "/books", rename_all = "camelCase")]
pub struct Book {
    #[resource(id)]
    pub id: i64,
    #[validate(length(min = 1))]
    pub book_title: String,
    #[resource(filter, sort)]
    #[validate(range(ge = 1))]
    pub page_count: i32,
    #[resource(filter)]
    pub tag_list: Vec<String>,
    #[resource(created_at)]
    pub created_at: DateTime<Utc>,
}

fn app(settings: Settings) -> App {
    App::new(settings).resource::<Book>()
}

async fn json_names_are_camel_case(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = app(db.settings()).test_client().await.unwrap();
    let created = client
        .post("/books")
        .json(&json!({"bookTitle": "Dune", "pageCount": 412, "tagList": ["sf"]}))
        .await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let book = created.json();
    assert_eq!(
        (&book["bookTitle"], &book["pageCount"], &book["tagList"]),
        (&json!("Dune"), &json!(412), &json!(["sf"]))
    );
    assert!(book["createdAt"].is_string() && book.get("book_title").is_none());
    client
        .post("/books")
        .json(&json!({"bookTitle": "Emma", "pageCount": 474, "tagList": []}))
        .await;
    let patched = client
        .patch(&format!("/books/{}", book["id"]))
        .json(&json!({"pageCount": 500}))
        .await;
    assert_eq!(patched.json()["pageCount"], 500, "{}", patched.text());

    let list = client.get("/books?pageCount__ge=470&sort=-pageCount").await;
    assert_eq!(list.status(), 200, "{}", list.text());
    assert_eq!(list.json()["items"][0]["bookTitle"], "Dune");
    assert_eq!(list.json()["total"], 2);
    assert_eq!(client.get("/books?tagList=sf").await.json()["total"], 1);

    let refused = client
        .post("/books")
        .json(&json!({"bookTitle": "", "pageCount": 0, "tagList": []}))
        .await;
    assert_eq!(
        failures(&refused),
        vec![
            (json!(["body", "bookTitle"]), "string_too_short".to_owned()),
            (
                json!(["body", "pageCount"]),
                "greater_than_equal".to_owned()
            ),
        ]
    );
    let unknown = client.get("/books?page_count__ge=1").await;
    assert_eq!(unknown.status(), 422, "the Rust name is not a parameter");
}

on_every_backend!(json_names_are_camel_case);

#[test]
fn the_document_and_the_ddl_use_their_own_names() {
    let app = app(fastrs_tests::memory());
    let document: Value = serde_json::from_str(&app.openapi_json()).unwrap();
    let schemas = &document["components"]["schemas"];
    assert!(
        schemas["BookCreate"]["properties"]
            .get("bookTitle")
            .is_some()
    );
    assert!(
        schemas["BookUpdate"]["properties"]
            .get("pageCount")
            .is_some()
    );
    assert!(
        schemas["BookResponse"]["properties"]
            .get("createdAt")
            .is_some()
    );
    let parameters = document["paths"]["/books"]["get"]["parameters"].to_string();
    assert!(parameters.contains("pageCount__ge"), "{parameters}");
    let ddl = app.ddl(Backend::Sqlite);
    assert!(
        ddl.contains("\"page_count\"") && !ddl.contains("pageCount"),
        "{ddl}"
    );
}
