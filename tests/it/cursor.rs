//! Keyset pages (`#[resource(cursor)]`): opaque, signed cursors; every row exactly once in any
//! sort; the total only on request.

use fastrs::db::{Backend, Db};
use fastrs::prelude::*;
use fastrs::testing::TestClient;
use fastrs_tests::{TestDb, b64url, on_every_backend};
use serde_json::{Value, json};

/// A sensor reading.
#[derive(Resource)]
#[resource(table = "readings", path = "/readings", cursor)]
pub struct Reading {
    #[resource(id)]
    pub id: i64,
    #[resource(filter)]
    pub sensor: String,
    #[resource(filter, sort)]
    pub value: f64,
    #[resource(sort)]
    pub note: Option<String>,
}

async fn client(backend: Backend) -> Option<(TestClient, TestDb)> {
    let db = TestDb::new(backend).await?;
    let client = App::new(db.settings())
        .resource::<Reading>()
        .test_client()
        .await
        .expect("app starts");
    let mut tx = Db::begin(client.pool()).await;
    for n in 0..25 {
        let reading = ReadingCreate {
            sensor: if n % 2 == 0 { "even" } else { "odd" }.to_owned(),
            value: f64::from(n % 7),
            note: None,
        };
        Reading::insert(&mut tx, reading).await.unwrap();
    }
    tx.commit().await.unwrap();
    Some((client, db))
}

/// Every page of `query`, following `next_cursor`; the ids in order.
async fn walk(client: &TestClient, query: &str) -> (Vec<i64>, usize) {
    let (mut ids, mut pages) = (Vec::new(), 0);
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/readings?{query}&cursor={cursor}"),
            None => format!("/readings?{query}"),
        };
        let page = client.get(&path).await;
        assert_eq!(page.status(), 200, "{path}: {}", page.text());
        let page = page.json();
        assert!(page.get("total").is_none(), "no count unless asked");
        pages += 1;
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return (ids, pages),
        }
        assert!(pages < 20, "pagination does not end");
    }
}

async fn cursors_page_through_every_row_once(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let (ids, pages) = walk(&client, "limit=10").await;
    assert_eq!(ids, (1..=25).collect::<Vec<_>>());
    assert_eq!(pages, 3);

    // Sorted by a column with ties: the id breaks them, nothing repeats or goes missing.
    let (ids, _) = walk(&client, "limit=4&sort=-value").await;
    let mut expected: Vec<i64> = (1..=25).collect();
    expected.sort_by_key(|id| (-((id - 1) % 7), *id));
    assert_eq!(ids, expected);

    // With filters.
    let (ids, _) = walk(&client, "limit=3&sensor=odd&value__gt=2&sort=value").await;
    let mut expected: Vec<i64> = (1..=25)
        .filter(|id| (id - 1) % 2 == 1 && (id - 1) % 7 > 2)
        .collect();
    expected.sort_by_key(|id| ((id - 1) % 7, *id));
    assert_eq!(ids, expected);

    // The total, on request.
    let page = client
        .get("/readings?limit=2&sensor=even&total=true")
        .await
        .json();
    assert_eq!(page["total"], 13);
    assert_eq!(page["limit"], 2);
}

async fn bad_cursors_and_parameters_are_refused(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let first = client.get("/readings?limit=5&sort=-value").await.json();
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let refusal = |response: fastrs::testing::TestResponse| -> Value {
        assert_eq!(response.status(), 422, "{}", response.text());
        response.json()["detail"][0].clone()
    };

    // A cursor belongs to its sort, and cannot be edited.
    let other_sort = refusal(client.get(&format!("/readings?cursor={cursor}")).await);
    assert_eq!(other_sort["loc"], json!(["query", "cursor"]));
    // A well-formed payload for the right sort, with the genuine cursor's signature.
    let (_, signature) = cursor.split_once('.').unwrap();
    let forged = b64url(br#"{"s":"-value","v":[0.0,1]}"#);
    let edited = client
        .get(&format!(
            "/readings?sort=-value&cursor={forged}.{signature}"
        ))
        .await;
    assert_eq!(refusal(edited)["loc"], json!(["query", "cursor"]));
    let garbage = client.get("/readings?cursor=not-a-cursor").await;
    assert_eq!(refusal(garbage)["loc"], json!(["query", "cursor"]));

    // Offsets belong to offset pages; keyset pages order by non-null columns only.
    let offset = refusal(client.get("/readings?offset=5").await);
    assert_eq!(
        (offset["loc"].clone(), offset["type"].clone()),
        (json!(["query", "offset"]), json!("extra_forbidden"))
    );
    let nullable = refusal(client.get("/readings?sort=note").await);
    assert_eq!(nullable["loc"], json!(["query", "sort"]));
    let total = refusal(client.get("/readings?total=maybe").await);
    assert_eq!(total["loc"], json!(["query", "total"]));
}

on_every_backend!(
    cursors_page_through_every_row_once,
    bad_cursors_and_parameters_are_refused
);

#[test]
fn keyset_pages_are_documented() {
    let app = App::new(fastrs_tests::memory()).resource::<Reading>();
    let document: Value = serde_json::from_str(&app.openapi_json()).unwrap();
    let list = &document["paths"]["/readings"]["get"];
    let names: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"cursor") && names.contains(&"total"),
        "{names:?}"
    );
    assert!(!names.contains(&"offset"), "{names:?}");
    assert_eq!(
        list["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ReadingCursorPage"
    );
    let page = &document["components"]["schemas"]["ReadingCursorPage"];
    assert_eq!(page["required"], json!(["items", "next_cursor", "limit"]));
}
