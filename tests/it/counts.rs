//! Computed counts (`#[resource(count = Comment)]`): the number of rows of another resource
//! that reference a row, computed in the statement that reads it (no query per row), in every
//! response, filterable and sortable, never stored or read from a body.

use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs::testing::TestClient;
use fastrs_tests::{TestDb, on_every_backend, start_up_error};
use serde_json::{Value, json};

/// A story.
#[derive(Resource)]
#[resource(table = "stories", path = "/stories")]
pub struct Story {
    #[resource(id)]
    pub id: i64,
    pub title: String,
    /// How many (live) remarks the story has.
    #[resource(count = Remark, filter, sort)]
    pub remarks_count: i64,
}

/// A remark on a story; deleted remarks are not counted.
#[derive(Resource)]
#[resource(table = "remarks", path = "/remarks", soft_delete)]
pub struct Remark {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Story, on_delete = "cascade", nested)]
    pub story_id: i64,
    pub text: String,
}

async fn client(backend: Backend) -> Option<(TestClient, TestDb)> {
    let db = TestDb::new(backend).await?;
    let client = App::new(db.settings())
        .resource::<Story>()
        .resource::<Remark>()
        .test_client()
        .await
        .expect("app starts");
    Some((client, db))
}

async fn remark(client: &TestClient, story: &Value, text: &str) -> Value {
    let created = client
        .post(&format!("/stories/{story}/remarks"))
        .json(&json!({ "text": text }))
        .await;
    assert_eq!(created.status(), 201, "{}", created.text());
    created.json()["id"].clone()
}

async fn counts_are_computed_on_every_read(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let created = client
        .post("/stories")
        .json(&json!({"title": "a", "remarks_count": 99}))
        .await;
    assert_eq!(created.status(), 201, "{}", created.text());
    assert_eq!(created.json()["remarks_count"], 0, "never read from a body");
    let a = created.json()["id"].clone();
    let b = client
        .post("/stories")
        .json(&json!({"title": "b"}))
        .await
        .json()["id"]
        .clone();
    let c = client
        .post("/stories")
        .json(&json!({"title": "c"}))
        .await
        .json()["id"]
        .clone();
    for text in ["1", "2", "3"] {
        remark(&client, &b, text).await;
    }
    let gone = remark(&client, &a, "x").await;
    remark(&client, &a, "y").await;
    assert_eq!(
        client.delete(&format!("/remarks/{gone}")).await.status(),
        204
    );

    let story = client.get(&format!("/stories/{a}")).await.json();
    assert_eq!(
        story["remarks_count"], 1,
        "a soft-deleted remark is not counted"
    );
    let updated = client
        .patch(&format!("/stories/{b}"))
        .json(&json!({"title": "b2"}))
        .await;
    assert_eq!(updated.json()["remarks_count"], 3, "{}", updated.text());
    let patched = client
        .patch(&format!("/stories/{c}"))
        .json(&json!({"remarks_count": 5}))
        .await;
    assert_eq!(patched.json()["remarks_count"], 0, "{}", patched.text());

    let list = client.get("/stories?sort=-remarks_count").await;
    assert_eq!(list.status(), 200, "{}", list.text());
    let counts: Vec<Value> = list.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["remarks_count"].clone())
        .collect();
    assert_eq!(counts, [json!(3), json!(1), json!(0)]);
    let busy = client.get("/stories?remarks_count__ge=1").await.json();
    assert_eq!(busy["total"], 2);
    assert_eq!(busy["items"][0]["id"], a);

    // The data API reads and filters the same field.
    let mut tx = Db::begin(client.pool()).await;
    let story = Story::get(&mut tx, b.as_i64().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(story.remarks_count, 3);
    let quiet = Story::select()
        .filter(Story::REMARKS_COUNT.eq(0))
        .all(&mut tx)
        .await
        .unwrap();
    assert_eq!(quiet.len(), 1);
    assert_eq!(quiet[0].title, "c");
}

on_every_backend!(counts_are_computed_on_every_read);

#[test]
fn counts_are_documented_as_read_only_response_fields() {
    let app = App::new(fastrs_tests::memory())
        .resource::<Story>()
        .resource::<Remark>();
    let document: Value = serde_json::from_str(&app.openapi_json()).unwrap();
    let schemas = &document["components"]["schemas"];
    assert_eq!(
        schemas["StoryResponse"]["properties"]["remarks_count"]["type"],
        "integer"
    );
    assert!(
        schemas["StoryCreate"]["properties"]
            .get("remarks_count")
            .is_none()
    );
    assert!(
        schemas["StoryUpdate"]["properties"]
            .get("remarks_count")
            .is_none()
    );
    let ddl = app.ddl(Backend::Sqlite);
    assert!(!ddl.contains("remarks_count"), "{ddl}");
}

/// Counts rows of a resource that has no reference to it.
#[derive(Resource)]
#[resource(table = "lonely")]
pub struct Lonely {
    #[resource(id)]
    pub id: i64,
    #[resource(count = Story)]
    pub stories_count: i64,
}

#[tokio::test]
async fn a_count_without_a_reference_is_a_start_up_error() {
    let app = App::new(fastrs_tests::memory())
        .resource::<Story>()
        .resource::<Remark>()
        .resource::<Lonely>();
    let error = start_up_error(app).await;
    assert!(
        error.contains("Lonely.stories_count counts the Story rows"),
        "{error}"
    );
    let app = App::new(fastrs_tests::memory()).resource::<Story>();
    let error = start_up_error(app).await;
    assert!(error.contains("Remark is not mounted"), "{error}");
}
