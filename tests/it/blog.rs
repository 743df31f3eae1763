//! `examples/blog` through HTTP: models for the publish body and the search query, an enum
//! column, comments that belong to posts, a background task.

use fastrs::db::Backend;
use fastrs::testing::TestClient;
use fastrs_tests::{SECRET, TestDb, on_every_backend};
use serde_json::{Value, json};

use crate::auth::{login, register};

async fn client(backend: Backend) -> Option<(TestClient, TestDb)> {
    let db = TestDb::new(backend).await?;
    let mut settings = db.settings();
    settings.auth.secret_key = Some(fastrs::auth::Secret::new(SECRET));
    let client = blog::app(settings).test_client().await.expect("app starts");
    Some((client, db))
}

async fn writer(client: &TestClient, name: &str) -> String {
    register(client, name).await;
    login(client, name).await.0
}

async fn draft(client: &TestClient, token: &str, body: Value) -> Value {
    let response = client.post("/posts").bearer(token).json(&body).await;
    assert_eq!(response.status(), 201, "{}", response.text());
    response.json()
}

async fn publishing_checks_the_whole_post(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let ann = writer(&client, "ann").await;
    let bob = writer(&client, "bob").await;
    let empty = draft(&client, &ann, json!({"title": "Empty"})).await;
    assert_eq!(empty["status"], "draft");
    let full = draft(
        &client,
        &ann,
        json!({"title": "Rust tips", "body": "Use clippy."}),
    )
    .await;

    let response = client
        .post(&format!("/posts/{}/publish", empty["id"]))
        .bearer(&ann)
        .json(&json!({}))
        .await;
    assert_eq!(response.status(), 422, "{}", response.text());
    assert_eq!(response.json()["detail"][0]["loc"], json!(["body", "body"]));

    let path = format!("/posts/{}/publish", full["id"]);
    let response = client.post(&path).bearer(&bob).json(&json!({})).await;
    assert_eq!(response.status(), 403);
    let response = client
        .post(&path)
        .bearer(&ann)
        .json(&json!({"note": "x".repeat(201)}))
        .await;
    assert_eq!(response.json()["detail"][0]["type"], "string_too_long");
    let response = client
        .post(&path)
        .bearer(&ann)
        .json(&json!({"note": "new!"}))
        .await;
    assert_eq!(response.status(), 200, "{}", response.text());
    assert_eq!(response.json()["status"], "published");
    // The status is read-only through the generated PATCH.
    let response = client
        .patch(&format!("/posts/{}", full["id"]))
        .bearer(&ann)
        .json(&json!({"status": "draft"}))
        .await;
    assert_eq!(response.json()["status"], "published");
    // The rule holds on the merged row of every PATCH (a hook): emptying a published post's
    // body is refused and changes nothing.
    let item = format!("/posts/{}", full["id"]);
    let response = client
        .patch(&item)
        .bearer(&ann)
        .json(&json!({"body": null}))
        .await;
    assert_eq!(response.status(), 422, "{}", response.text());
    assert_eq!(response.json()["detail"][0]["loc"], json!(["body", "body"]));
    assert_eq!(client.get(&item).await.json()["body"], "Use clippy.");
    let response = client
        .patch(&item)
        .bearer(&ann)
        .json(&json!({"title": "Rust tips, revised"}))
        .await;
    assert_eq!(response.status(), 200, "{}", response.text());
}

async fn search_validates_its_query(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let ann = writer(&client, "ann").await;
    draft(&client, &ann, json!({"title": "Rust tips"})).await;
    draft(&client, &ann, json!({"title": "Go tips"})).await;
    let response = client.get("/search?q=rust").await;
    assert_eq!(response.status(), 200, "{}", response.text());
    let titles: Vec<Value> = response
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].clone())
        .collect();
    assert_eq!(titles, [json!("Rust tips")]);
    let response = client.get("/search?q=tips&status=published").await;
    assert_eq!(response.json(), json!([]));
    let response = client.get("/search?q=ru&status=gone&limit=99").await;
    assert_eq!(response.status(), 422);
    let kinds: Vec<Value> = response.json()["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].clone())
        .collect();
    assert_eq!(
        kinds,
        [
            json!("string_too_short"),
            json!("enum"),
            json!("less_than_equal")
        ]
    );
}

async fn comments_belong_to_posts(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let ann = writer(&client, "ann").await;
    let post = draft(&client, &ann, json!({"title": "Rust tips"})).await;
    let orphan = client
        .post("/comments")
        .bearer(&ann)
        .json(&json!({"post_id": 999, "body": "hi"}))
        .await;
    assert_eq!(orphan.status(), 422, "{}", orphan.text());
    let comment = client
        .post("/comments")
        .bearer(&ann)
        .json(&json!({"post_id": post["id"], "body": "hi"}))
        .await;
    assert_eq!(comment.status(), 201, "{}", comment.text());
    let path = format!("/comments/{}", comment.json()["id"]);
    assert_eq!(
        client
            .patch(&path)
            .bearer(&ann)
            .json(&json!({"body": "x"}))
            .await
            .status(),
        405
    );
    let deleted = client
        .delete(&format!("/posts/{}", post["id"]))
        .bearer(&ann)
        .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(client.get(&path).await.status(), 404, "gone with its post");
}

/// `GET /posts/live`: an event for each post published after the stream opened.
async fn published_posts_stream_live(backend: Backend) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let mut settings = db.settings();
    settings.auth.secret_key = Some(fastrs::auth::Secret::new(SECRET));
    let (router, pool) = blog::app(settings).build().await.expect("app starts");
    let client = TestClient::new(router.clone(), pool);
    let ann = writer(&client, "ann").await;
    let post = draft(&client, &ann, json!({"title": "Live one", "body": "text"})).await;

    let request = fastrs::http::Request::get("/posts/live")
        .header("accept", "text/event-stream")
        .body(fastrs::axum::body::Body::empty())
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let published = client
        .post(&format!("/posts/{}/publish", post["id"]))
        .bearer(&ann)
        .json(&json!({}))
        .await;
    assert_eq!(published.status(), 200, "{}", published.text());
    let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
        .await
        .expect("an event within 5 s")
        .unwrap()
        .unwrap();
    let text = String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap();
    assert_eq!(text, "event: published\ndata: Live one\n\n");
}

on_every_backend!(
    published_posts_stream_live,
    publishing_checks_the_whole_post,
    search_validates_its_query,
    comments_belong_to_posts,
);
