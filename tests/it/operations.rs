//! Per-operation control of generated routes: a subset of the five, and a hand-written route
//! replacing one at the same method and path.

use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs_tests::{Gadget, TestDb, on_every_backend};
use serde_json::{Value, json};

/// A read-only catalogue: listed and read, never written through the API.
#[derive(Resource)]
#[resource(table = "entries", path = "/entries", operations(list, read))]
pub struct Entry {
    #[resource(id)]
    pub id: i64,
    pub title: String,
}

/// Replaces the generated `GET /gadgets` (same path, same method).
async fn featured() -> Json<Value> {
    Json(json!({"items": [], "featured": true}))
}

fn app(settings: Settings) -> App {
    App::new(settings)
        .resource::<Entry>()
        .resource::<Gadget>()
        .route("/gadgets", get(featured))
}

async fn only_declared_operations_are_routed(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = app(db.settings()).test_client().await.expect("app starts");
    assert_eq!(client.get("/entries").send().await.status(), 200);
    assert_eq!(client.get("/entries/1").send().await.status(), 404);
    let response = client
        .post("/entries")
        .json(&json!({"title": "x"}))
        .send()
        .await;
    assert_eq!(response.status(), 405);
    assert_eq!(client.delete("/entries/1").send().await.status(), 405);
    // The replaced list answers the hand-written handler; the rest is still generated.
    let response = client.get("/gadgets").send().await;
    assert_eq!(response.json()["featured"], true);
    let created = client
        .post("/gadgets")
        .json(&json!({"name": "lamp", "price": 1.0, "stock": 0, "sku": "ABC-123", "tags": []}))
        .send()
        .await;
    assert_eq!(created.status(), 201, "{}", created.text());
}

on_every_backend!(
    only_declared_operations_are_routed,
    a_prefix_serves_everything_under_it,
);

#[test]
fn the_document_shows_each_route_once() {
    let document: Value =
        serde_json::from_str(&app(fastrs_tests::memory()).openapi_json()).unwrap();
    let paths = &document["paths"];
    assert!(paths["/entries"].get("post").is_none());
    assert!(paths["/entries/{id}"].get("delete").is_none());
    assert!(paths["/entries/{id}"].get("get").is_some());
    assert_eq!(paths["/gadgets"]["get"]["operationId"], "featured_get");
    assert!(paths["/gadgets"].get("post").is_some());
}

async fn a_prefix_serves_everything_under_it(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = app(db.settings())
        .prefix("/api/v1")
        .test_client()
        .await
        .expect("app starts");
    assert_eq!(client.get("/api/v1/entries").send().await.status(), 200);
    assert_eq!(client.get("/entries").send().await.status(), 404);
    let created = client
        .post("/api/v1/gadgets")
        .json(&json!({"name": "lamp", "price": 1.0, "stock": 0, "sku": "ABC-123", "tags": []}))
        .send()
        .await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let location = created.header("location").unwrap_or_default().to_owned();
    assert!(location.starts_with("/api/v1/gadgets/"), "{location}");
    assert_eq!(client.get(&location).send().await.status(), 200);
    assert_eq!(client.get("/openapi.json").send().await.status(), 200);
}

#[test]
fn a_prefix_is_the_documents_server() {
    let app = app(fastrs_tests::memory()).prefix("/api/v1");
    let document: Value = serde_json::from_str(&app.openapi_json()).unwrap();
    assert_eq!(document["servers"][0]["url"], "/api/v1");
    assert!(document["paths"].get("/entries").is_some());
}

#[tokio::test]
async fn a_malformed_prefix_is_a_start_up_error() {
    for prefix in ["api", "/api/", "/{x}"] {
        let error = fastrs_tests::start_up_error(app(fastrs_tests::memory()).prefix(prefix)).await;
        assert!(error.contains("prefix"), "{prefix}: {error}");
    }
}

#[test]
fn generated_and_hand_written_operations_take_summaries_and_tags() {
    use fastrs::openapi::OperationDocs;
    let app = app(fastrs_tests::memory())
        .describe(
            "get",
            "/entries",
            OperationDocs::new()
                .summary("Browse the catalogue")
                .tag("public"),
        )
        .describe(
            "GET",
            "/gadgets",
            OperationDocs::new()
                .description("The featured gadgets first")
                .deprecated(),
        );
    let document: Value = serde_json::from_str(&app.openapi_json()).unwrap();
    let list = &document["paths"]["/entries"]["get"];
    assert_eq!(list["summary"], "Browse the catalogue");
    assert_eq!(list["tags"], json!(["entries", "public"]));
    let gadgets = &document["paths"]["/gadgets"]["get"];
    assert_eq!(gadgets["description"], "The featured gadgets first");
    assert_eq!(gadgets["deprecated"], true);
}

#[tokio::test]
async fn describing_a_missing_operation_is_a_start_up_error() {
    use fastrs::openapi::OperationDocs;
    let app = app(fastrs_tests::memory()).describe("DELETE", "/entries/{id}", OperationDocs::new());
    let error = fastrs_tests::start_up_error(app).await;
    assert!(
        error.contains(r#"App::describe("DELETE", "/entries/{id}") names no documented operation"#),
        "{error}"
    );
}
