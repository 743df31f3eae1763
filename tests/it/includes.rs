//! `?include=`: the rows a page's references name, embedded, one statement per relation;
//! only relations whose rows anyone may read; unknown names are a 422.

use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs_tests::{TestDb, failures, on_every_backend, staff_token};
use serde_json::{Value, json};

/// Where books stand; anyone may read it.
#[derive(Resource)]
#[resource(table = "shelves", path = "/shelves")]
pub struct Shelf {
    #[resource(id)]
    pub id: i64,
    pub name: String,
}

/// A private place: only its owner reads it.
#[derive(Resource)]
#[resource(table = "vaults", path = "/vaults", owner = owner_id, owner_reads)]
pub struct Vault {
    #[resource(id)]
    pub id: i64,
    pub name: String,
    pub owner_id: Uuid,
}

/// A book, on a shelf or not, maybe kept in a vault.
#[derive(Resource)]
#[resource(table = "books", path = "/books")]
pub struct Book {
    #[resource(id)]
    pub id: i64,
    pub title: String,
    #[resource(references = Shelf, on_delete = "set_null", filter)]
    pub shelf_id: Option<i64>,
    #[resource(references = Vault, on_delete = "set_null")]
    pub vault_id: Option<i64>,
}

/// A drop box: anyone may post into it, no one reads it back.
#[derive(Resource)]
#[resource(table = "drops", path = "/drops", operations(create))]
pub struct Drop {
    #[resource(id)]
    pub id: i64,
    pub text: String,
}

/// A receipt for a drop.
#[derive(Resource)]
#[resource(table = "receipts", path = "/receipts")]
pub struct Receipt {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Drop)]
    pub drop_id: i64,
}

/// A bookmark: its reads show its shelf unless asked not to.
#[derive(Resource)]
#[resource(table = "bookmarks", path = "/bookmarks")]
pub struct Bookmark {
    #[resource(id)]
    pub id: i64,
    pub label: String,
    #[resource(references = Shelf, embed, filter)]
    pub shelf_id: i64,
}

/// A key to a vault, which would embed what only the vault's owner may read.
#[derive(Resource)]
#[resource(table = "keys", path = "/keys")]
pub struct Key {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Vault, embed)]
    pub vault_id: i64,
}

/// The app of these tests (`users` from the shared fixtures for the vault's owner).
pub fn app(settings: Settings) -> App {
    App::new(settings)
        .auth::<fastrs_tests::Staff>()
        .resource::<Shelf>()
        .resource::<Vault>()
        .resource::<Book>()
        .resource::<Drop>()
        .resource::<Receipt>()
        .resource::<Bookmark>()
}

async fn client(backend: Backend) -> Option<(fastrs::testing::TestClient, TestDb)> {
    let db = TestDb::new(backend).await?;
    let mut settings = db.settings();
    settings.auth.secret_key = Some(fastrs::auth::Secret::new(fastrs_tests::SECRET));
    Some((app(settings).test_client().await.expect("app starts"), db))
}

async fn includes_embed_the_named_rows(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    for name in ["oak", "pine"] {
        let created = client.post("/shelves").json(&json!({"name": name})).await;
        assert_eq!(created.status(), 201, "{}", created.text());
    }
    for (title, shelf) in [
        ("a", json!(1)),
        ("b", json!(2)),
        ("c", json!(1)),
        ("d", Value::Null),
    ] {
        let created = client
            .post("/books")
            .json(&json!({"title": title, "shelf_id": shelf}))
            .await;
        assert_eq!(created.status(), 201, "{}", created.text());
    }
    let page = client.get("/books?include=shelf").await;
    assert_eq!(page.status(), 200, "{}", page.text());
    let shelves: Vec<Value> = page.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|book| book["shelf"]["name"].clone())
        .collect();
    assert_eq!(
        shelves,
        [json!("oak"), json!("pine"), json!("oak"), Value::Null]
    );
    assert_eq!(
        page.json()["items"][0]["shelf"],
        json!({"id": 1, "name": "oak"})
    );
    // With filters, repeated, on one row.
    let page = client.get("/books?shelf_id=2&include=shelf,shelf").await;
    assert_eq!(page.json()["items"][0]["shelf"]["name"], "pine");
    let one = client.get("/books/3?include=shelf").await;
    assert_eq!(one.status(), 200, "{}", one.text());
    assert_eq!(one.json()["shelf"]["name"], "oak");
    // Not asked, not embedded.
    let plain = client.get("/books/3").await;
    assert!(plain.json().get("shelf").is_none(), "{}", plain.text());
    // A deleted shelf: the reference is cleared, the embed is null.
    assert_eq!(client.delete("/shelves/1").await.status(), 204);
    assert_eq!(
        client.get("/books/1?include=shelf").await.json()["shelf"],
        Value::Null
    );
}

async fn only_what_anyone_may_read_is_included(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let token = staff_token(&client, "keeper").await;
    let vault = client
        .post("/vaults")
        .bearer(&token)
        .json(&json!({"name": "secrets"}))
        .await;
    assert_eq!(vault.status(), 201, "{}", vault.text());
    let book = client
        .post("/books")
        .json(&json!({"title": "diary", "vault_id": 1}))
        .await;
    assert_eq!(book.status(), 201, "{}", book.text());
    // The vault's rows are its owner's: no one, not even the owner, embeds them here.
    for request in [
        client.get("/books?include=vault"),
        client.get("/books/1?include=vault").bearer(&token),
    ] {
        let refused = request.await;
        assert_eq!(refused.status(), 422, "{}", refused.text());
        assert!(!refused.text().contains("secrets"), "{}", refused.text());
        let (loc, kind) = failures(&refused).remove(0);
        assert_eq!(
            (loc, kind.as_str()),
            (json!(["query", "include"]), "value_error")
        );
    }
    // Unknown names and bad filters are reported together.
    let refused = client.get("/books?include=nope&shelf_id=x").await;
    let mut locs: Vec<Value> = failures(&refused).into_iter().map(|(loc, _)| loc).collect();
    locs.sort_by_key(Value::to_string);
    assert_eq!(
        locs,
        [json!(["query", "include"]), json!(["query", "shelf_id"])]
    );
    let nothing = client.get("/shelves?include=books").await;
    assert_eq!(nothing.status(), 422, "{}", nothing.text());
    // A resource that serves no read is not read through another's include either.
    let dropped = client
        .post("/drops")
        .json(&json!({"text": "whistle"}))
        .await;
    assert_eq!(dropped.status(), 201, "{}", dropped.text());
    let receipt = client.post("/receipts").json(&json!({"drop_id": 1})).await;
    assert_eq!(receipt.status(), 201, "{}", receipt.text());
    let refused = client.get("/receipts/1?include=drop").await;
    assert_eq!(refused.status(), 422, "{}", refused.text());
    assert!(!refused.text().contains("whistle"));
}

async fn embed_declares_the_default_include(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let shelf = client.post("/shelves").json(&json!({"name": "oak"})).await;
    assert_eq!(shelf.status(), 201, "{}", shelf.text());
    let mark = client
        .post("/bookmarks")
        .json(&json!({"label": "p. 12", "shelf_id": 1}))
        .await;
    assert_eq!(mark.status(), 201, "{}", mark.text());
    // Embedded without asking, on a page (filtered too) and on one row.
    for path in ["/bookmarks", "/bookmarks?shelf_id=1"] {
        let page = client.get(path).await;
        assert_eq!(page.status(), 200, "{}", page.text());
        assert_eq!(
            page.json()["items"][0]["shelf"],
            json!({"id": 1, "name": "oak"})
        );
    }
    assert_eq!(
        client.get("/bookmarks/1").await.json()["shelf"]["name"],
        "oak"
    );
    // `?include=` with nothing after it embeds nothing.
    let bare = client.get("/bookmarks/1?include=").await;
    assert_eq!(bare.status(), 200, "{}", bare.text());
    assert!(bare.json().get("shelf").is_none(), "{}", bare.text());
    let bare = client.get("/bookmarks?include=").await;
    assert!(bare.json()["items"][0].get("shelf").is_none());
    // A wrong name is still a 422.
    let wrong = client.get("/bookmarks?include=vault").await;
    assert_eq!(
        failures(&wrong),
        [(json!(["query", "include"]), "value_error".to_owned())]
    );
}

on_every_backend!(
    includes_embed_the_named_rows,
    only_what_anyone_may_read_is_included,
    embed_declares_the_default_include,
);

#[tokio::test]
async fn embedding_what_not_everyone_may_read_is_refused_at_start_up() {
    let error = fastrs_tests::start_up_error(app(fastrs_tests::memory()).resource::<Key>()).await;
    assert!(
        error.contains("Key.vault_id is declared `embed`, but Vault rows cannot be embedded"),
        "{error}"
    );
}

#[test]
fn includes_are_documented() {
    let document: Value =
        serde_json::from_str(&app(fastrs_tests::memory()).openapi_json()).unwrap();
    for (path, method) in [("/books", "get"), ("/books/{id}", "get")] {
        let parameters = document["paths"][path][method]["parameters"]
            .as_array()
            .unwrap();
        let include = parameters
            .iter()
            .find(|p| p["name"] == "include")
            .expect("documented");
        assert_eq!(include["in"], "query");
        assert_eq!(include["schema"]["pattern"], "^(?:shelf)(?:,(?:shelf))*$");
    }
    let shelf = &document["components"]["schemas"]["BookResponse"]["properties"]["shelf"];
    assert_eq!(
        shelf["oneOf"][0]["$ref"],
        "#/components/schemas/ShelfResponse"
    );
    let required = &document["components"]["schemas"]["BookResponse"]["required"];
    assert!(!required.as_array().unwrap().contains(&json!("shelf")));
    assert!(
        document["components"]["schemas"]["BookResponse"]["properties"]
            .get("vault")
            .is_none()
    );
    // A declared default is the parameter's default; empty is allowed (embeds none).
    let include = document["paths"]["/bookmarks"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "include")
        .expect("documented")
        .clone();
    assert_eq!(include["schema"]["default"], "shelf");
    assert_eq!(
        include["schema"]["pattern"],
        "^(?:(?:shelf)(?:,(?:shelf))*)?$"
    );
    let shelves = document["paths"]["/shelves"]["get"]["parameters"]
        .as_array()
        .unwrap();
    assert!(!shelves.iter().any(|p| p["name"] == "include"));
}
