//! Nested routes of a `nested` reference: a post's comments at `/posts/{id}/comments`, listed
//! and created there, 404 for a missing post.

use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs::testing::TestClient;
use fastrs_tests::{TestDb, on_every_backend, start_up_error};
use serde_json::{Value, json};

/// A thread.
#[derive(Resource)]
#[resource(table = "threads", path = "/threads", soft_delete)]
pub struct Thread {
    #[resource(id)]
    pub id: i64,
    pub title: String,
}

/// A reply in a thread.
#[derive(Resource)]
#[resource(table = "replies", path = "/replies")]
pub struct Reply {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Thread, on_delete = "cascade", nested, filter)]
    pub thread_id: i64,
    #[resource(filter)]
    #[validate(length(min = 1))]
    pub text: String,
}

async fn client(backend: Backend) -> Option<(TestClient, TestDb)> {
    let db = TestDb::new(backend).await?;
    let client = App::new(db.settings())
        .resource::<Thread>()
        .resource::<Reply>()
        .prefix("/api")
        .test_client()
        .await
        .expect("app starts");
    Some((client, db))
}

async fn replies_live_under_their_thread(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let first = client
        .post("/api/threads")
        .json(&json!({"title": "a"}))
        .await
        .json()["id"]
        .clone();
    let second = client
        .post("/api/threads")
        .json(&json!({"title": "b"}))
        .await
        .json()["id"]
        .clone();

    // Created under the thread: the id comes from the path.
    for text in ["one", "two", "three"] {
        let created = client
            .post(&format!("/api/threads/{first}/replies"))
            .json(&json!({ "text": text }))
            .await;
        assert_eq!(created.status(), 201, "{}", created.text());
        assert_eq!(created.json()["thread_id"], first);
        let location = created.header("location").unwrap().to_owned();
        assert_eq!(location, format!("/api/replies/{}", created.json()["id"]));
        assert_eq!(client.get(&location).await.status(), 200);
    }
    client
        .post(&format!("/api/threads/{second}/replies"))
        .json(&json!({"text": "elsewhere"}))
        .await;

    // Listed under the thread: only its rows, with the list's own filters and pages.
    let list = client
        .get(&format!("/api/threads/{first}/replies?limit=2"))
        .await;
    assert_eq!(list.status(), 200, "{}", list.text());
    let list = list.json();
    assert_eq!(list["total"], 3);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let filtered = client
        .get(&format!("/api/threads/{first}/replies?text=two"))
        .await
        .json();
    assert_eq!(filtered["total"], 1);
    assert_eq!(
        client.get("/api/replies").await.json()["total"],
        4,
        "the flat list is whole"
    );

    // The body may not name another thread; a missing thread is a 404; a bad id a 422.
    let other = client
        .post(&format!("/api/threads/{first}/replies"))
        .json(&json!({"text": "x", "thread_id": second}))
        .await;
    assert_eq!(other.status(), 422, "{}", other.text());
    assert_eq!(
        other.json()["detail"][0]["loc"],
        json!(["body", "thread_id"])
    );
    assert_eq!(other.json()["detail"][0]["type"], "extra_forbidden");
    for path in ["/api/threads/999/replies"] {
        assert_eq!(client.get(path).await.status(), 404);
        let missing = client.post(path).json(&json!({"text": "x"})).await;
        assert_eq!(missing.status(), 404);
        assert_eq!(missing.json()["detail"], "Thread not found");
    }
    let bad = client.get("/api/threads/abc/replies").await;
    assert_eq!(bad.status(), 422);
    assert_eq!(bad.json()["detail"][0]["loc"], json!(["path", "id"]));
    let invalid = client
        .post(&format!("/api/threads/{first}/replies"))
        .json(&json!({"text": ""}))
        .await;
    assert_eq!(invalid.json()["detail"][0]["loc"], json!(["body", "text"]));

    // A deleted (soft-deleted) thread is missing too.
    assert_eq!(
        client
            .delete(&format!("/api/threads/{second}"))
            .await
            .status(),
        204
    );
    assert_eq!(
        client
            .get(&format!("/api/threads/{second}/replies"))
            .await
            .status(),
        404
    );
}

/// Staff-only notes on a thread.
#[derive(Resource)]
#[resource(table = "memos_nested", path = "/memos", auth(read, create))]
pub struct Memo {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Thread, nested)]
    pub thread_id: i64,
}

async fn the_caller_is_checked_before_the_parent(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let mut settings = db.settings();
    settings.auth.secret_key = Some(fastrs::auth::Secret::new(fastrs_tests::SECRET));
    let client = App::new(settings)
        .auth::<fastrs_tests::Staff>()
        .resource::<Thread>()
        .resource::<Memo>()
        .test_client()
        .await
        .expect("app starts");
    let thread = client
        .post("/threads")
        .json(&json!({"title": "a"}))
        .await
        .json()["id"]
        .clone();
    // Anonymous: 401 whether or not the thread exists (no telling which ids do).
    for path in [
        format!("/threads/{thread}/memos"),
        "/threads/999/memos".to_owned(),
    ] {
        assert_eq!(client.get(&path).await.status(), 401, "{path}");
        assert_eq!(
            client.post(&path).json(&json!({})).await.status(),
            401,
            "{path}"
        );
    }
}

on_every_backend!(
    replies_live_under_their_thread,
    the_caller_is_checked_before_the_parent
);

#[test]
fn nested_routes_are_documented() {
    let app = App::new(fastrs_tests::memory())
        .resource::<Thread>()
        .resource::<Reply>();
    let document: Value = serde_json::from_str(&app.openapi_json()).unwrap();
    let path = &document["paths"]["/threads/{id}/replies"];
    assert_eq!(path["get"]["operationId"], "list_reply_of_thread");
    assert_eq!(path["post"]["operationId"], "create_reply_in_thread");
    assert!(path["get"]["responses"]["404"].is_object());
    assert_eq!(
        path["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ReplyInThreadCreate"
    );
    let body = &document["components"]["schemas"]["ReplyInThreadCreate"];
    assert!(body["properties"]["thread_id"].is_null());
    assert!(body["properties"]["text"].is_object());
    assert!(
        document["components"]["schemas"]["ReplyCreate"]["properties"]["thread_id"].is_object()
    );
}

/// A note only its owner sees.
#[derive(Resource)]
#[resource(table = "diaries", path = "/diaries", owner = owner_id, owner_reads)]
pub struct Diary {
    #[resource(id)]
    pub id: i64,
    pub owner_id: i64,
}

/// An entry nested under a private diary.
#[derive(Resource)]
#[resource(table = "entries_nested", path = "/entries")]
pub struct Entry {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Diary, nested)]
    pub diary_id: i64,
}

#[tokio::test]
async fn nesting_under_private_rows_is_a_start_up_error() {
    let app = App::new(fastrs_tests::memory())
        .auth::<fastrs_tests::Staff>()
        .resource::<Diary>()
        .resource::<Entry>();
    let error = start_up_error(app).await;
    assert!(
        error.contains("Entry.diary_id is nested under Diary"),
        "{error}"
    );
}
