//! Soft delete: deleting marks the row, reads no longer see it, restore brings it back.

use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs_tests::{TestDb, memory, on_every_backend};
use serde_json::{Value, json};

/// A note that can be taken out of the bin.
#[derive(Resource)]
#[resource(table = "memos", path = "/memos", soft_delete)]
pub struct Memo {
    #[resource(id)]
    pub id: i64,
    #[resource(filter)]
    pub text: String,
}

async fn deleted_rows_are_hidden_and_restorable(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = App::new(db.settings())
        .resource::<Memo>()
        .test_client()
        .await
        .expect("app starts");
    let id = client
        .post("/memos")
        .json(&json!({"text": "keep"}))
        .await
        .json()["id"]
        .clone();
    client.post("/memos").json(&json!({"text": "other"})).await;
    let path = format!("/memos/{id}");
    assert_eq!(client.delete(&path).await.status(), 204);
    assert_eq!(client.get(&path).await.status(), 404);
    assert_eq!(client.delete(&path).await.status(), 404, "already deleted");
    assert_eq!(
        client
            .patch(&path)
            .json(&json!({"text": "x"}))
            .await
            .status(),
        404
    );
    let list = client.get("/memos").await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(
        client.get("/memos?text=keep").await.json()["total"],
        0,
        "filtered too"
    );
    // The row is still there.
    let mut tx = fastrs::db::Db::begin(client.pool()).await;
    let (n,): (i64,) = tx
        .query("SELECT COUNT(*) FROM memos")
        .fetch_one(&mut tx)
        .await
        .unwrap();
    assert_eq!(n, 2);
    drop(tx);
    let restored = client.post(&format!("{path}/restore")).await;
    assert_eq!(restored.status(), 200, "{}", restored.text());
    assert_eq!(restored.json()["text"], "keep");
    assert_eq!(client.get(&path).await.status(), 200);
    assert_eq!(
        client.post(&format!("{path}/restore")).await.status(),
        404,
        "not deleted"
    );
}

on_every_backend!(deleted_rows_are_hidden_and_restorable);

#[test]
fn restore_is_documented_and_the_column_created() {
    let app = App::new(memory()).resource::<Memo>();
    let document: Value = serde_json::from_str(&app.openapi_json()).unwrap();
    assert!(
        document["paths"]["/memos/{id}/restore"]
            .get("post")
            .is_some()
    );
    assert!(
        app.ddl(Backend::Postgres)
            .contains(r#""deleted_at" TIMESTAMPTZ"#)
    );
}
