//! "Routes and the data API": each route of the page, through HTTP.

use fastrs::Settings;
use fastrs::serde_json::{Value, json};
use fastrs::testing::TestClient;
use fastrs_guide_samples::routes::app;

async fn client() -> fastrs::Result<TestClient> {
    let settings = Settings {
        database_url: "sqlite::memory:".into(),
        ..Settings::default()
    };
    app(settings).test_client().await
}

/// Creates a note through the generated route; its id.
async fn note(client: &TestClient, body: Value) -> Value {
    let created = client.post("/notes").json(&body).await;
    assert_eq!(created.status(), 201, "{}", created.text());
    created.json()["id"].clone()
}

#[tokio::test]
async fn health_answers_text() -> fastrs::Result<()> {
    let client = client().await?;
    let response = client.get("/health").await;
    assert_eq!(response.text(), "ok");
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    Ok(())
}

#[tokio::test]
async fn one_path_two_methods() -> fastrs::Result<()> {
    let client = client().await?;
    let id = note(&client, json!({"title": "milk"})).await;
    let pinned = client.put(&format!("/notes/{id}/pin")).await;
    assert_eq!(pinned.json()["pinned"], true);
    let unpinned = client.delete(&format!("/notes/{id}/pin")).await;
    assert_eq!(unpinned.status(), 204);
    assert_eq!(
        client.get(&format!("/notes/{id}")).await.json()["pinned"],
        false
    );
    let missing = client.put("/notes/99/pin").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json(), json!({"detail": "Note not found"}));
    let bad = client.put("/notes/abc/pin").await;
    assert_eq!(bad.status(), 422);
    assert_eq!(bad.json()["detail"][0]["loc"], json!(["path", "id"]));
    assert_eq!(bad.json()["detail"][0]["type"], "int_parsing");
    Ok(())
}

#[tokio::test]
async fn search_pages_and_counts() -> fastrs::Result<()> {
    let client = client().await?;
    for (title, priority, pinned) in [
        ("Buy milk", 3, false),
        ("Buy bread", 1, true),
        ("Call mum", 2, false),
        ("buy stamps", 5, false),
    ] {
        let body =
            json!({"title": title, "priority": priority, "pinned": pinned});
        note(&client, body).await;
    }
    let page = client.get("/notes/search?q=BUY&limit=2").await;
    assert_eq!(page.status(), 200, "{}", page.text());
    let page = page.json();
    assert_eq!(page["total"], 3);
    assert_eq!(page["limit"], 2);
    let titles: Vec<&str> = page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["title"].as_str())
        .collect();
    assert_eq!(titles, ["Buy bread", "Buy milk"]);
    let unpinned = client.get("/notes/search?q=buy&pinned=false").await;
    assert_eq!(unpinned.json()["total"], 2);
    let refused = client.get("/notes/search?q=b&limit=0").await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        refused.json()["detail"][0]["loc"],
        json!(["query", "limit"])
    );
    Ok(())
}

#[tokio::test]
async fn a_form_creates_a_note() -> fastrs::Result<()> {
    let client = client().await?;
    let created = client
        .post("/notes/quick")
        .form(&[("title", "from a form"), ("pinned", "true")])
        .await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let id = &created.json()["id"];
    assert_eq!(created.header("location"), Some(&*format!("/notes/{id}")));
    assert_eq!(created.json()["pinned"], true);
    let refused = client.post("/notes/quick").form(&[("title", "")]).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(refused.json()["detail"][0]["loc"], json!(["body", "title"]));
    Ok(())
}

/// A `multipart/form-data` body with a file and a text field.
fn multipart(file: &str, caption: &str) -> String {
    format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; \
         filename=\"list.txt\"\r\nContent-Type: text/plain\r\n\r\n{file}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n\
         {caption}\r\n--XyZ--\r\n"
    )
}

#[tokio::test]
async fn an_upload_is_a_model_field() -> fastrs::Result<()> {
    let client = client().await?;
    let id = note(&client, json!({"title": "shopping"})).await;
    let content_type = "multipart/form-data; boundary=XyZ";
    let received = client
        .post(&format!("/notes/{id}/attachments"))
        .body(content_type, multipart("milk, bread", "the list"))
        .await;
    assert_eq!(received.status(), 202, "{}", received.text());
    assert_eq!(
        received.json(),
        json!({
            "note_id": id,
            "filename": "list.txt",
            "bytes": 11,
            "caption": "the list",
        })
    );
    let empty = client
        .post(&format!("/notes/{id}/attachments"))
        .body(content_type, multipart("", "nothing"))
        .await;
    assert_eq!(empty.status(), 422);
    assert_eq!(empty.json()["detail"][0]["loc"], json!(["body", "file"]));
    let missing = client
        .post("/notes/99/attachments")
        .body(content_type, multipart("x", "y"))
        .await;
    assert_eq!(missing.status(), 404);
    Ok(())
}

#[tokio::test]
async fn headers_and_cookies_are_models() -> fastrs::Result<()> {
    let client = client().await?;
    let response = client
        .get("/client")
        .header("user-agent", "curl/8")
        .header("accept-language", "fr")
        .header("cookie", "theme=dark; other=1")
        .await;
    assert_eq!(
        response.json(),
        json!({"agent": "curl/8", "language": "fr", "theme": "dark"})
    );
    let refused = client.get("/client").header("cookie", "theme=blue").await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        refused.json()["detail"][0]["loc"],
        json!(["cookie", "theme"])
    );
    Ok(())
}

#[tokio::test]
async fn the_data_api_reads_and_deletes() -> fastrs::Result<()> {
    let client = client().await?;
    let stats = client.get("/stats/notes").await.json();
    assert_eq!(
        stats,
        json!({"total": 0, "pinned": 0, "urgent": false, "latest": null})
    );
    note(&client, json!({"title": "old", "priority": 5})).await;
    note(
        &client,
        json!({"title": "kept", "priority": 5, "pinned": true}),
    )
    .await;
    note(&client, json!({"title": "urgent", "priority": 1})).await;
    let stats = client.get("/stats/notes").await.json();
    assert_eq!(
        stats,
        json!({"total": 3, "pinned": 1, "urgent": true, "latest": "urgent"})
    );
    let found = client.get("/notes/by-title/kept").await;
    assert_eq!(found.json()["priority"], 5);
    assert_eq!(client.get("/notes/by-title/none").await.status(), 404);
    let cleared = client.delete("/notes/unpinned").await;
    assert_eq!(cleared.json(), 1);
    assert_eq!(client.get("/stats/notes").await.json()["total"], 2);
    Ok(())
}

#[test]
fn the_document_describes_each_route() {
    let app = app(Settings::default());
    let document: Value =
        fastrs::serde_json::from_str(&app.openapi_json()).unwrap_or_default();
    let paths = &document["paths"];
    let pin = &paths["/notes/{id}/pin"];
    assert!(pin["put"]["responses"]["404"].is_object(), "{pin}");
    assert!(pin["delete"]["responses"]["204"].is_object(), "{pin}");
    let quick = &paths["/notes/quick"]["post"];
    assert!(
        quick["requestBody"]["content"]["application/x-www-form-urlencoded"]
            .is_object()
    );
    assert!(quick["responses"]["201"]["headers"]["Location"].is_object());
    let attach = &paths["/notes/{id}/attachments"]["post"];
    assert!(
        attach["requestBody"]["content"]["multipart/form-data"].is_object()
    );
    assert!(attach["responses"]["202"].is_object());
    let search = &paths["/notes/search"]["get"]["parameters"];
    let names: Vec<&str> = search
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|parameter| parameter["name"].as_str())
        .collect();
    assert_eq!(names, ["offset", "limit", "q", "pinned"]);
    assert_eq!(paths["/stats/notes"]["get"]["tags"], json!(["stats"]));
    let client = &paths["/client"]["get"]["parameters"];
    assert_eq!(client[0]["in"], "header");
    assert_eq!(client[2]["in"], "cookie");
}
