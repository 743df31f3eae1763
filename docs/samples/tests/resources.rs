//! "Resources and their options": what each option does, through HTTP.

#![allow(clippy::unwrap_used)] // a test: failing loudly is the point

use fastrs::Settings;
use fastrs::auth::Secret;
use fastrs::serde_json::{Value, json};
use fastrs::testing::TestClient;
use fastrs_guide_samples::resources::{Member, app};

async fn client() -> fastrs::Result<TestClient> {
    let mut settings = Settings {
        database_url: "sqlite::memory:".into(),
        ..Settings::default()
    };
    settings.auth.secret_key =
        Some(Secret::new("test-secret-test-secret-test-secret-0123"));
    app(settings).test_client().await
}

/// Registers `email`, makes them staff when asked, and logs them in.
async fn token(client: &TestClient, email: &str, staff: bool) -> String {
    let body = json!({"email": email, "password": "correct horse"});
    let registered = client.post("/auth/register").json(&body).await;
    assert_eq!(registered.status(), 201, "{}", registered.text());
    if staff {
        let mut db = fastrs::db::Db::begin(client.pool()).await;
        db.query("UPDATE members SET scopes = '[\"staff\"]' WHERE email = $1")
            .bind(email.to_owned())
            .execute(&mut db)
            .await
            .unwrap();
        db.commit().await.unwrap();
    }
    let form = [("username", email), ("password", "correct horse")];
    let login = client.post("/auth/token").form(&form).await;
    login.json()["access_token"].as_str().unwrap().to_owned()
}

// ANCHOR: walk
#[tokio::test]
async fn a_library_at_work() -> fastrs::Result<()> {
    let client = client().await?;
    let staff = token(&client, "ann@example.com", true).await;
    let reader = token(&client, "bob@example.com", false).await;

    // Only staff change shelves (403 for others, 401 without a token).
    let shelf = json!({"name": "history"});
    let refused = client.post("/shelves").bearer(&reader).json(&shelf).await;
    assert_eq!(refused.status(), 403);
    let created = client.post("/shelves").bearer(&staff).json(&shelf).await;
    assert_eq!(created.status(), 201);

    // Books are created under their shelf; one title per shelf.
    let book = json!({"title": "SPQR", "year": 2015});
    let added = client.post("/shelves/1/books").json(&book).await;
    assert_eq!(added.status(), 201, "{}", added.text());
    let again = client.post("/shelves/1/books").json(&book).await;
    assert_eq!(again.status(), 409);

    // The count is computed; the star is the caller's.
    assert_eq!(client.get("/shelves/1").await.json()["books"], 1);
    let starred = client.put("/books/1/stars").bearer(&reader).await;
    assert_eq!(starred.status(), 204);
    let seen = client.get("/books/1").bearer(&reader).await;
    assert_eq!(seen.json()["starred"], true);
    assert_eq!(client.get("/books/1").await.json()["starred"], false);

    // Keyset pages, with the shelf embedded.
    let page = client.get("/books?limit=1&include=shelf").await;
    let page: Value = page.json();
    assert_eq!(page["items"][0]["shelf"]["name"], "history");
    assert!(page["next_cursor"].is_null());

    // Deleting marks the book; restoring brings it back.
    assert_eq!(client.delete("/books/1").await.status(), 204);
    assert_eq!(client.get("/books/1").await.status(), 404);
    assert_eq!(client.post("/books/1/restore").await.status(), 200);
    Ok(())
}
// ANCHOR_END: walk

#[test]
fn the_member_model_is_the_user() {
    fn is_user<U: fastrs::auth::AuthUser>() {}
    is_user::<Member>();
}
