//! Link routes of a `link` reference: the caller favourites an article and takes it back, once
//! per pair, 404 for a missing article.

use fastrs::auth::Secret;
use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs::testing::TestClient;
use fastrs_tests::{SECRET, Staff, TestDb, on_every_backend, staff_token};
use serde_json::{Value, json};

/// Something to favourite.
#[derive(Resource)]
#[resource(table = "link_articles", path = "/articles")]
pub struct Article {
    #[resource(id)]
    pub id: i64,
    pub title: String,
}

/// A user's favourite article.
#[derive(Resource)]
#[resource(table = "favorites", path = "/favorites", owner = user_id)]
pub struct Favorite {
    #[resource(id)]
    pub id: i64,
    pub user_id: Uuid,
    #[resource(references = Article, on_delete = "cascade", link, filter)]
    pub article_id: i64,
    #[resource(created_at)]
    pub created_at: DateTime<Utc>,
}

async fn client(backend: Backend) -> Option<(TestClient, TestDb)> {
    let db = TestDb::new(backend).await?;
    let mut settings = db.settings();
    settings.auth.secret_key = Some(Secret::new(SECRET));
    let client = App::new(settings)
        .auth::<Staff>()
        .resource::<Article>()
        .resource::<Favorite>()
        .test_client()
        .await
        .expect("app starts");
    Some((client, db))
}

async fn favourites(client: &TestClient, article: &Value) -> i64 {
    let list = client
        .get(&format!("/favorites?article_id={article}"))
        .await;
    list.json()["total"].as_i64().unwrap()
}

async fn callers_link_and_unlink_once(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let (ann, ben) = (
        staff_token(&client, "ann").await,
        staff_token(&client, "ben").await,
    );
    let article = client
        .post("/articles")
        .json(&json!({"title": "t"}))
        .await
        .json()["id"]
        .clone();
    let path = format!("/articles/{article}/favorites");

    assert_eq!(client.put(&path).await.status(), 401, "the caller links");
    assert_eq!(client.put(&path).bearer(&ann).await.status(), 204);
    assert_eq!(
        client.put(&path).bearer(&ann).await.status(),
        204,
        "idempotent"
    );
    assert_eq!(favourites(&client, &article).await, 1);
    assert_eq!(client.put(&path).bearer(&ben).await.status(), 204);
    assert_eq!(favourites(&client, &article).await, 2);

    assert_eq!(client.delete(&path).bearer(&ann).await.status(), 204);
    assert_eq!(
        client.delete(&path).bearer(&ann).await.status(),
        204,
        "idempotent"
    );
    assert_eq!(
        favourites(&client, &article).await,
        1,
        "ben's is still there"
    );

    assert_eq!(
        client
            .put("/articles/999/favorites")
            .bearer(&ann)
            .await
            .status(),
        404
    );
    assert_eq!(
        client
            .delete("/articles/999/favorites")
            .bearer(&ann)
            .await
            .status(),
        404
    );
    let bad = client.put("/articles/abc/favorites").bearer(&ann).await;
    assert_eq!(bad.status(), 422);
    assert_eq!(bad.json()["detail"][0]["loc"], json!(["path", "id"]));

    // Deleting the article takes its favourites with it.
    assert_eq!(
        client
            .delete(&format!("/articles/{article}"))
            .await
            .status(),
        204
    );
    assert_eq!(client.get("/favorites").await.json()["total"], 0);
}

on_every_backend!(
    callers_link_and_unlink_once,
    rows_link_to_rows_through_a_join
);

#[test]
fn link_routes_are_documented() {
    let app = App::new(fastrs_tests::memory())
        .auth::<Staff>()
        .resource::<Article>()
        .resource::<Favorite>();
    let document: Value = serde_json::from_str(&app.openapi_json()).unwrap();
    let path = &document["paths"]["/articles/{id}/favorites"];
    assert_eq!(path["put"]["operationId"], "link_favorite_article");
    assert_eq!(path["delete"]["operationId"], "unlink_favorite_article");
    assert!(path["put"]["responses"]["204"].is_object());
    assert!(path["put"]["security"].is_array());
}

/// A private note.
#[derive(Resource)]
#[resource(table = "link_notes", path = "/notes", owner = owner_id, owner_reads)]
pub struct PrivateNote {
    #[resource(id)]
    pub id: i64,
    pub owner_id: Uuid,
}

/// A pin on someone's private note: would tell which notes exist.
#[derive(Resource)]
#[resource(table = "pins", path = "/pins", owner = user_id)]
pub struct Pin {
    #[resource(id)]
    pub id: i64,
    pub user_id: Uuid,
    #[resource(references = PrivateNote, link)]
    pub note_id: i64,
}

/// A link whose body needs more than the linked id.
#[derive(Resource)]
#[resource(table = "stars", path = "/stars", owner = user_id)]
pub struct Star {
    #[resource(id)]
    pub id: i64,
    pub user_id: Uuid,
    #[resource(references = Article, link)]
    pub article_id: i64,
    pub comment: String,
}

#[tokio::test]
async fn links_that_would_leak_or_cannot_be_made_are_start_up_errors() {
    let private = App::new(fastrs_tests::memory())
        .auth::<Staff>()
        .resource::<PrivateNote>()
        .resource::<Pin>();
    let error = fastrs_tests::start_up_error(private).await;
    assert!(
        error.contains("Pin.note_id links to PrivateNote"),
        "{error}"
    );
    let needy = App::new(fastrs_tests::memory())
        .auth::<Staff>()
        .resource::<Article>()
        .resource::<Star>();
    let error = fastrs_tests::start_up_error(needy).await;
    assert!(error.contains("Star also needs comment"), "{error}");
}

/// A label.
#[derive(Resource)]
#[resource(table = "link_tags", path = "/tags")]
pub struct Tag {
    #[resource(id)]
    pub id: i64,
    #[resource(unique)]
    pub name: String,
}

/// Tags on articles: a join resource, linked from the article's row.
#[derive(Resource)]
#[resource(table = "article_tags", path = "/article-tags", auth(create, delete))]
pub struct ArticleTag {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Article, on_delete = "cascade", nested)]
    pub article_id: i64,
    #[resource(references = Tag, on_delete = "cascade", link)]
    pub tag_id: i64,
}

async fn rows_link_to_rows_through_a_join(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let mut settings = db.settings();
    settings.auth.secret_key = Some(Secret::new(SECRET));
    let client = App::new(settings)
        .auth::<Staff>()
        .resource::<Article>()
        .resource::<Tag>()
        .resource::<ArticleTag>()
        .test_client()
        .await
        .expect("app starts");
    let ann = staff_token(&client, "ann").await;
    let article = client
        .post("/articles")
        .json(&json!({"title": "t"}))
        .await
        .json()["id"]
        .clone();
    let other = client
        .post("/articles")
        .json(&json!({"title": "u"}))
        .await
        .json()["id"]
        .clone();
    let mut tags = Vec::new();
    for name in ["rust", "web", "db"] {
        tags.push(
            client
                .post("/tags")
                .json(&json!({"name": name}))
                .await
                .json()["id"]
                .clone(),
        );
    }
    let link = |a: &Value, t: &Value| format!("/articles/{a}/tags/{t}");

    assert_eq!(
        client.put(&link(&article, &tags[0])).await.status(),
        401,
        "auth(create)"
    );
    for tag in &tags[..2] {
        assert_eq!(
            client.put(&link(&article, tag)).bearer(&ann).await.status(),
            204
        );
    }
    assert_eq!(
        client
            .put(&link(&article, &tags[0]))
            .bearer(&ann)
            .await
            .status(),
        204,
        "idempotent"
    );
    assert_eq!(
        client
            .put(&link(&other, &tags[2]))
            .bearer(&ann)
            .await
            .status(),
        204
    );

    // The linked rows, as the target's own responses.
    let listed = client.get(&format!("/articles/{article}/tags")).await;
    assert_eq!(listed.status(), 200, "{}", listed.text());
    let listed = listed.json();
    assert_eq!(listed["total"], 2);
    let names: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["rust", "web"]);
    assert_eq!(
        client
            .get(&format!("/articles/{article}/tags?limit=1"))
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(client.get("/articles/999/tags").await.status(), 404);
    assert_eq!(
        client
            .put(&link(&article, &json!(999)))
            .bearer(&ann)
            .await
            .status(),
        404
    );

    // Unlink: only that pair.
    assert_eq!(
        client
            .delete(&link(&article, &tags[0]))
            .bearer(&ann)
            .await
            .status(),
        204
    );
    assert_eq!(
        client
            .delete(&link(&article, &tags[0]))
            .bearer(&ann)
            .await
            .status(),
        204,
        "idempotent"
    );
    assert_eq!(
        client
            .get(&format!("/articles/{article}/tags"))
            .await
            .json()["total"],
        1
    );
    assert_eq!(
        client.get(&format!("/articles/{other}/tags")).await.json()["total"],
        1
    );
}

#[test]
fn join_routes_are_documented() {
    let app = App::new(fastrs_tests::memory())
        .auth::<Staff>()
        .resource::<Article>()
        .resource::<Tag>()
        .resource::<ArticleTag>();
    let document: Value = serde_json::from_str(&app.openapi_json()).unwrap();
    let pair = &document["paths"]["/articles/{id}/tags/{link_id}"];
    assert!(
        pair["put"].is_object() && pair["delete"].is_object(),
        "{pair}"
    );
    let list = &document["paths"]["/articles/{id}/tags"]["get"];
    assert_eq!(list["operationId"], "list_tag_of_article");
    assert_eq!(
        list["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/TagPage"
    );
}
