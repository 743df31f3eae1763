//! "Dependencies": each dependency of the page, through HTTP.

use fastrs::prelude::*;
use fastrs::serde_json::{Value, json};
use fastrs::testing::TestClient;
use fastrs_guide_samples::dependencies::{Caller, Upstream, app, busy};

fn settings() -> Settings {
    Settings {
        database_url: "sqlite::memory:".into(),
        ..Settings::default()
    }
}

/// The teardowns run after the response: wait (a bounded while) until
/// every slot is back.
async fn slots_taken(client: &TestClient) -> Value {
    let mut busy = json!(null);
    for _ in 0..10_000 {
        busy = client.get("/upstream/busy").await.json();
        if busy == 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    busy
}

#[tokio::test]
async fn a_dependency_reads_a_header_and_a_service() -> fastrs::Result<()> {
    let client = app(settings()).test_client().await?;
    let ann = client
        .get("/whoami")
        .header("x-api-key", "ann-key-0001")
        .await;
    assert_eq!(ann.json(), "ann");
    let unknown = client
        .get("/whoami")
        .header("x-api-key", "nobody-1234")
        .await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(unknown.header("www-authenticate"), Some("Bearer"));
    let missing = client.get("/whoami").await;
    assert_eq!(missing.status(), 422);
    assert_eq!(
        missing.json()["detail"][0]["loc"],
        json!(["header", "x-api-key"])
    );
    Ok(())
}

#[tokio::test]
async fn a_slot_is_given_back_after_each_answer() -> fastrs::Result<()> {
    let client = app(settings()).test_client().await?;
    let report = client
        .get("/reports")
        .header("x-api-key", "ann-key-0001")
        .await;
    assert_eq!(report.json(), "report for ann, in a slot of ann");
    assert_eq!(slots_taken(&client).await, 0);
    Ok(())
}

// ANCHOR: order
#[tokio::test]
async fn the_first_extractor_that_fails_answers() -> fastrs::Result<()> {
    let client = app(settings()).test_client().await?;
    let bad_body = json!({"title": ""});

    // No key: the header's 422; the query and the body are not read.
    let response = client.post("/reports?format=pdf").json(&bad_body).await;
    let detail = response.json()["detail"].clone();
    assert_eq!(detail.as_array().map(Vec::len), Some(1));
    assert_eq!(detail[0]["loc"], json!(["header", "x-api-key"]));

    // A key: the query's 422; the body is not read.
    let response = client
        .post("/reports?format=pdf")
        .header("x-api-key", "ann-key-0001")
        .json(&bad_body)
        .await;
    let detail = response.json()["detail"].clone();
    assert_eq!(detail.as_array().map(Vec::len), Some(1));
    assert_eq!(detail[0]["loc"], json!(["query", "format"]));

    let response = client
        .post("/reports?format=csv")
        .header("x-api-key", "ann-key-0001")
        .json(&json!({"title": "sales"}))
        .await;
    assert_eq!(response.status(), 202);
    assert_eq!(response.json(), "sales.csv for ann");
    Ok(())
}
// ANCHOR_END: order

// ANCHOR: overrides
#[tokio::test]
async fn a_test_replaces_dependencies() -> fastrs::Result<()> {
    let client = app(settings())
        // `Depends<Caller>` gets this value; `Caller::build` never runs.
        .override_dep(Caller("tester".into()))
        // `Dep<Upstream>` gets this one: no slot at all.
        .override_dep(Upstream::new(0))
        .test_client()
        .await?;
    assert_eq!(client.get("/whoami").await.json(), "tester");
    let report = client.get("/reports").await;
    assert_eq!(report.status(), 503);
    assert_eq!(report.header("retry-after"), Some("1"));
    assert_eq!(report.json(), json!({"detail": "Every slot is taken"}));
    Ok(())
}
// ANCHOR_END: overrides

// ANCHOR: missing
#[tokio::test]
async fn a_missing_dep_stops_the_start_up() {
    let app = App::new(settings()).route("/upstream/busy", get(busy));
    let error = app.test_client().await.err().map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some(
            "configuration error: GET /upstream/busy needs \
             Dep<fastrs_guide_samples::dependencies::Upstream>, but none is \
             registered: call App::dep(...)"
        )
    );
}
// ANCHOR_END: missing

#[test]
fn what_a_dependency_reads_is_documented() {
    let document: Value =
        fastrs::serde_json::from_str(&app(settings()).openapi_json())
            .unwrap_or_default();
    for method in ["get", "post"] {
        let parameters = &document["paths"]["/reports"][method]["parameters"];
        assert_eq!(parameters[0]["name"], "x-api-key", "{method}");
        assert_eq!(parameters[0]["in"], "header");
    }
}
