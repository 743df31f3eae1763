//! "OpenAPI and the docs": what the document says, and where it is served.

use fastrs::Settings;
use fastrs::serde_json::{Value, json};
use fastrs::testing::TestClient;
use fastrs_guide_samples::openapi::app;

fn settings() -> Settings {
    Settings {
        database_url: "sqlite::memory:".into(),
        ..Settings::default()
    }
}

async fn client() -> fastrs::Result<TestClient> {
    app(settings()).test_client().await
}

// ANCHOR: served
#[tokio::test]
async fn the_docs_are_where_the_options_say() -> fastrs::Result<()> {
    let client = client().await?;
    let document = client.get("/api/openapi.json").await.json();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["info"]["title"], "Boards");
    assert_eq!(document["info"]["version"], "1.2.0");
    let swagger = client.get("/api/docs").await;
    assert_eq!(swagger.status(), 200);
    assert!(swagger.text().contains("swagger-ui"));
    for off in ["/openapi.json", "/docs", "/redoc"] {
        assert_eq!(client.get(off).await.status(), 404, "{off}");
    }
    Ok(())
}
// ANCHOR_END: served

/// The document, without a database.
fn document() -> Value {
    fastrs::serde_json::from_str(&app(Settings::default()).openapi_json())
        .unwrap_or_default()
}

// ANCHOR: derived
#[test]
fn the_document_says_what_the_models_say() {
    let document = document();
    let schemas = &document["components"]["schemas"];
    let card = &schemas["CardCreate"];
    assert_eq!(card["properties"]["title"]["maxLength"], 200);
    assert_eq!(card["properties"]["points"]["maximum"], 100);
    assert_eq!(card["properties"]["colour"]["pattern"], "^#[0-9a-f]{6}$");
    assert_eq!(card["properties"]["points"]["description"], "Story points.");
    assert_eq!(card["required"], json!(["board_id", "title"]));
    assert!(card["examples"][0]["title"].is_string(), "{card}");
    assert_eq!(schemas["Card"], Value::Null, "only the bodies and answers");

    let cards = &document["paths"]["/cards"];
    let created = &cards["post"]["responses"]["201"];
    let link = &created["links"]["board"];
    assert_eq!(link["operationId"], "get_board");
    assert_eq!(link["parameters"]["id"], "$response.body#/board_id");
    for status in ["413", "422"] {
        assert!(cards["post"]["responses"][status].is_object(), "{status}");
    }
    let names: Vec<&str> = cards["get"]["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|parameter| parameter["name"].as_str())
        .collect();
    assert!(names.contains(&"board_id"), "{names:?}");
    assert!(names.contains(&"include"), "{names:?}");
}
// ANCHOR_END: derived

// ANCHOR: described
#[test]
fn hand_written_docs_are_applied() {
    let document = document();
    let totals = &document["paths"]["/boards/{id}/totals"]["get"];
    assert_eq!(totals["operationId"], "board_totals");
    assert_eq!(totals["summary"], "Count a board's cards");
    assert_eq!(
        totals["responses"]["404"]["description"],
        "No board has this id"
    );
    assert_eq!(totals["parameters"][0]["name"], "id");
    let browse = &document["paths"]["/cards"]["get"];
    assert_eq!(browse["summary"], "Browse the cards");
    assert_eq!(browse["operationId"], "list_card");
}
// ANCHOR_END: described

#[tokio::test]
async fn include_embeds_the_board() -> fastrs::Result<()> {
    let client = client().await?;
    let board = client
        .post("/boards")
        .json(&json!({"name": "Sprint"}))
        .await;
    let card = json!({"board_id": board.json()["id"], "title": "Fix login"});
    let card = client.post("/cards").json(&card).await;
    assert_eq!(card.status(), 201, "{}", card.text());
    let path = format!("/cards/{}?include=board", card.json()["id"]);
    let read = client.get(&path).await;
    assert_eq!(read.json()["board"]["name"], "Sprint", "{}", read.text());
    let totals = client
        .get(&format!("/boards/{}/totals", board.json()["id"]))
        .await;
    assert_eq!(totals.json(), json!({"cards": 1, "points": 0}));
    Ok(())
}
