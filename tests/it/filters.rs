//! Filters and sorting declared per field: FastCRUD's syntax, every parameter documented, any
//! unknown or malformed one a 422 at its `loc`.

use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs_tests::{TestDb, memory, on_every_backend};
use serde_json::{Value, json};

/// What kind of thing.
#[derive(Model, Debug, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Lamp,
    Chair,
    Desk,
}

/// Something sold.
#[derive(Resource)]
#[resource(table = "products", path = "/products")]
pub struct Product {
    #[resource(id)]
    pub id: i64,
    #[resource(filter, sort)]
    pub name: String,
    #[resource(filter, sort)]
    pub price: f64,
    #[resource(filter)]
    pub stock: i32,
    #[resource(filter)]
    pub active: bool,
    #[resource(filter)]
    pub kind: Kind,
    pub note: Option<String>,
}

async fn client(backend: Backend) -> Option<(fastrs::testing::TestClient, TestDb)> {
    let db = TestDb::new(backend).await?;
    let client = App::new(db.settings())
        .resource::<Product>()
        .test_client()
        .await
        .expect("app starts");
    for (name, price, stock, active, kind) in [
        ("Brass Lamp", 40.0, 3, true, "lamp"),
        ("Desk lamp", 25.5, 0, true, "lamp"),
        ("Oak chair", 120.0, 7, false, "chair"),
        ("100% wool chair", 80.0, 1, true, "chair"),
        ("Standing desk", 300.0, 2, true, "desk"),
    ] {
        let response = client
            .post("/products")
            .json(&json!({"name": name, "price": price, "stock": stock, "active": active, "kind": kind}))
            .await;
        assert_eq!(response.status(), 201, "{}", response.text());
    }
    Some((client, db))
}

async fn names(client: &fastrs::testing::TestClient, query: &str) -> (Vec<String>, i64) {
    let response = client.get(&format!("/products?{query}")).await;
    assert_eq!(response.status(), 200, "{query}: {}", response.text());
    let body = response.json();
    let names = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    (names, body["total"].as_i64().unwrap())
}

async fn filters_and_sorts_select_and_order(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    assert_eq!(
        names(&client, "name__icontains=LAMP&sort=name").await,
        (vec!["Brass Lamp".into(), "Desk lamp".into()], 2)
    );
    // `%` is a character to look for, not a wildcard.
    assert_eq!(names(&client, "name__icontains=%25").await.1, 1);
    assert_eq!(
        names(&client, "price__gt=30&price__le=120&sort=-price")
            .await
            .0,
        ["Oak chair", "100% wool chair", "Brass Lamp"]
    );
    assert_eq!(names(&client, "kind__in=desk,chair&active=true").await.1, 2);
    assert_eq!(
        names(&client, "kind=lamp&stock__gt=0").await.0,
        ["Brass Lamp"]
    );
    assert_eq!(
        names(&client, "stock__in=0,7&sort=-name").await.0,
        ["Oak chair", "Desk lamp"]
    );
    let (page, total) = names(&client, "active=true&sort=price&limit=2&offset=1").await;
    assert_eq!(
        (page, total),
        (vec!["Brass Lamp".into(), "100% wool chair".into()], 4)
    );
}

async fn unknown_or_malformed_parameters_are_422s(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let response = client
        .get("/products?note=x&price__gt=cheap&kind=sofa&sort=stock&stock__icontains=1&limit=0")
        .await;
    assert_eq!(response.status(), 422);
    let mut found: Vec<(Value, Value)> = response.json()["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["loc"].clone(), e["type"].clone()))
        .collect();
    found.sort_by_key(|(loc, _)| loc.to_string());
    assert_eq!(
        found,
        [
            (json!(["query", "kind"]), json!("enum")),
            (json!(["query", "limit"]), json!("greater_than_equal")),
            (json!(["query", "note"]), json!("extra_forbidden")),
            (json!(["query", "price__gt"]), json!("float_parsing")),
            (json!(["query", "sort"]), json!("value_error")),
            (
                json!(["query", "stock__icontains"]),
                json!("extra_forbidden")
            ),
        ]
    );
    let many = (0..101)
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let response = client.get(&format!("/products?stock__in={many}")).await;
    assert_eq!(response.json()["detail"][0]["type"], "too_long");
}

/// An article with tags (a list stored as JSON).
#[derive(Resource)]
#[resource(table = "tagged", path = "/tagged")]
pub struct Tagged {
    #[resource(id)]
    pub id: i64,
    pub title: String,
    #[resource(filter)]
    pub tags: Vec<String>,
}

async fn a_list_field_filters_by_membership(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = App::new(db.settings())
        .resource::<Tagged>()
        .test_client()
        .await
        .expect("app starts");
    for (title, tags) in [
        ("a", json!(["rust", "web"])),
        ("b", json!(["go"])),
        ("c", json!(["rust"])),
        ("d", json!([])),
        ("e", json!(["rust%", "o'brien"])),
    ] {
        let created = client
            .post("/tagged")
            .json(&json!({"title": title, "tags": tags}))
            .await;
        assert_eq!(created.status(), 201, "{}", created.text());
    }
    let titles = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        titles(client.get("/tagged?tags=rust").await.json()),
        ["a", "c"]
    );
    assert_eq!(
        titles(client.get("/tagged?tags=rust%25").await.json()),
        ["e"],
        "literal"
    );
    assert_eq!(
        titles(client.get("/tagged?tags=o'brien").await.json()),
        ["e"]
    );
    assert_eq!(client.get("/tagged?tags=none").await.json()["total"], 0);
    let refused = client.get("/tagged?tags__in=rust").await;
    assert_eq!(refused.status(), 422, "only membership");

    // The data API says the same.
    let mut tx = fastrs::db::Db::begin_read(client.pool()).await;
    let web = Tagged::select()
        .filter(Tagged::TAGS.holds("web"))
        .all(&mut tx)
        .await
        .unwrap();
    assert_eq!(
        web.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(),
        ["a"]
    );
}

on_every_backend!(
    a_list_field_filters_by_membership,
    filters_and_sorts_select_and_order,
    unknown_or_malformed_parameters_are_422s,
);

#[test]
fn every_filter_and_sort_key_is_documented() {
    let app = App::new(memory()).resource::<Product>();
    let document: Value = serde_json::from_str(&app.openapi_json()).unwrap();
    let parameters = document["paths"]["/products"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = parameters
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for expected in [
        "name",
        "name__icontains",
        "name__in",
        "price__gt",
        "price__le",
        "stock__in",
        "active",
        "kind",
        "kind__in",
        "sort",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    assert!(!names.contains(&"note"));
    assert!(!names.contains(&"kind__icontains"));
    let price = parameters
        .iter()
        .find(|p| p["name"] == "price__gt")
        .unwrap();
    assert_eq!(price["schema"]["type"], "number");
    let kind = parameters.iter().find(|p| p["name"] == "kind").unwrap();
    assert_eq!(kind["schema"]["enum"], json!(["lamp", "chair", "desk"]));
}
