//! Hooks: code in the write's transaction before and after create, update and delete; an error
//! answers the request and rolls everything back; tasks queued by hooks run after the commit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use fastrs::auth::Secret;
use fastrs::db::Backend;
use fastrs::hooks::{HookCx, Hooks};
use fastrs::prelude::*;
use fastrs::testing::TestClient;
use fastrs_tests::{SECRET, Staff, TestDb, on_every_backend, staff_token};
use serde_json::json;

/// An article: its slug follows its title; published articles need a body.
#[derive(Resource)]
#[resource(table = "hooked_articles", path = "/articles", hooks, owner = author_id)]
pub struct Article {
    #[resource(id)]
    pub id: i64,
    #[validate(length(min = 1, max = 100))]
    pub title: String,
    #[resource(read_only, default = String::new())]
    pub slug: String,
    pub body: Option<String>,
    #[resource(default = false)]
    pub published: bool,
    pub author_id: Uuid,
}

/// What the hooks record.
#[derive(Resource)]
#[resource(table = "hooked_audit", path = "/audit", operations(list))]
pub struct Audit {
    #[resource(id)]
    pub id: i64,
    pub event: String,
}

/// Tasks run, per backend (the two backends' tests may share a process).
static TASKS_RUN: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];

fn tasks_run(backend: Backend) -> &'static AtomicUsize {
    &TASKS_RUN[usize::from(backend == Backend::Postgres)]
}

fn slugify(title: &str) -> String {
    title
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
}

async fn audit(cx: &mut HookCx<'_>, event: String) -> Result<(), ApiError> {
    Audit::insert(cx.db, AuditCreate { event }).await?;
    Ok(())
}

impl Hooks for Article {
    async fn before_create(cx: &mut HookCx<'_>, new: &mut ArticleCreate) -> Result<(), ApiError> {
        if new.title == "refused" {
            return Err(ApiError::unprocessable("title", "not this title"));
        }
        new.slug = slugify(&new.title);
        // A unique slug, checked in the same transaction with the data API.
        if Article::find_by(cx.db, Article::SLUG, new.slug.clone())
            .await?
            .is_some()
        {
            return Err(ApiError::conflict("an article with this title exists"));
        }
        Ok(())
    }

    async fn after_create(cx: &mut HookCx<'_>, row: &Article) -> Result<(), ApiError> {
        audit(cx, format!("created {}", row.slug)).await?;
        if row.title == "boom after" {
            return Err(ApiError::unprocessable("title", "refused after the insert"));
        }
        let counter = tasks_run(cx.db.backend());
        cx.tasks.add(async move {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        Ok(())
    }

    async fn before_update(
        _cx: &mut HookCx<'_>,
        old: &Article,
        patch: &mut ArticleUpdate,
    ) -> Result<(), ApiError> {
        if let Patch::Value(title) = &patch.title
            && *title != old.title
        {
            patch.slug = Patch::Value(slugify(title));
        }
        Ok(())
    }

    async fn after_update(
        cx: &mut HookCx<'_>,
        old: &Article,
        new: &Article,
    ) -> Result<(), ApiError> {
        if new.published && new.body.is_none() {
            return Err(ApiError::unprocessable(
                "published",
                "A published article needs a body",
            ));
        }
        audit(cx, format!("updated {} -> {}", old.slug, new.slug)).await
    }

    async fn before_delete(_cx: &mut HookCx<'_>, row: &Article) -> Result<(), ApiError> {
        if row.published {
            return Err(ApiError::conflict("unpublish it first"));
        }
        Ok(())
    }

    async fn after_delete(cx: &mut HookCx<'_>, row: &Article) -> Result<(), ApiError> {
        audit(cx, format!("deleted {}", row.slug)).await
    }
}

async fn app(backend: Backend) -> Option<TestClient> {
    let db = TestDb::new(backend).await?;
    let mut settings = db.settings();
    settings.auth.secret_key = Some(Secret::new(SECRET));
    let app = App::new(settings)
        .auth::<Staff>()
        .resource::<Article>()
        .resource::<Audit>();
    Some(app.test_client().await.expect("app starts"))
}

async fn events(client: &TestClient) -> Vec<String> {
    let list = client.get("/audit?limit=100").await.json();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["event"].as_str().unwrap().to_owned())
        .collect()
}

async fn hooks_run_in_the_write_transaction(backend: Backend) {
    let Some(client) = app(backend).await else {
        return;
    };
    let ann = staff_token(&client, "ann").await;
    let ben = staff_token(&client, "ben").await;
    let before = tasks_run(backend).load(Ordering::SeqCst);

    // before_create computes a server-set field the body may not send.
    let created = client
        .post("/articles")
        .json(&json!({"title": "Hello Hooks", "slug": "ignored"}))
        .bearer(&ann)
        .await;
    assert_eq!(created.status(), 201, "{}", created.text());
    assert_eq!(created.json()["slug"], "hello-hooks");
    let path = format!("/articles/{}", created.json()["id"]);
    assert_eq!(events(&client).await, ["created hello-hooks"]);

    // A hook's error answers and nothing is written, the audit row of after_create included.
    let refused = client
        .post("/articles")
        .json(&json!({"title": "refused"}))
        .bearer(&ann)
        .await;
    assert_eq!(refused.status(), 422);
    assert_eq!(refused.json()["detail"][0]["loc"], json!(["body", "title"]));
    let late = client
        .post("/articles")
        .json(&json!({"title": "boom after"}))
        .bearer(&ann)
        .await;
    assert_eq!(late.status(), 422, "{}", late.text());
    let duplicate = client
        .post("/articles")
        .json(&json!({"title": "hello   hooks"}))
        .bearer(&ann)
        .await;
    assert_eq!(duplicate.status(), 409, "{}", duplicate.text());
    assert_eq!(client.get("/articles").await.json()["total"], 1);
    assert_eq!(events(&client).await, ["created hello-hooks"]);

    // The merged row: `published` alone is checked against the stored body, and refused.
    let published = client
        .patch(&path)
        .json(&json!({"published": true}))
        .bearer(&ann)
        .await;
    assert_eq!(published.status(), 422, "{}", published.text());
    assert_eq!(
        published.json()["detail"][0]["msg"],
        "A published article needs a body"
    );
    assert_eq!(
        client.get(&path).await.json()["published"],
        false,
        "rolled back"
    );
    let renamed = client
        .patch(&path)
        .json(&json!({"title": "Second Title", "body": "text"}))
        .bearer(&ann)
        .await;
    assert_eq!(renamed.status(), 200, "{}", renamed.text());
    assert_eq!(renamed.json()["slug"], "second-title");
    let published = client
        .patch(&path)
        .json(&json!({"published": true}))
        .bearer(&ann)
        .await;
    assert_eq!(published.status(), 200, "{}", published.text());

    // Ownership holds on the hooked routes: 403 for another user's row, 404 for none.
    let other = client
        .patch(&path)
        .json(&json!({"title": "mine now"}))
        .bearer(&ben)
        .await;
    assert_eq!(other.status(), 403);
    assert_eq!(
        client
            .patch("/articles/999999")
            .json(&json!({"title": "x"}))
            .bearer(&ann)
            .await
            .status(),
        404
    );
    assert_eq!(client.delete(&path).bearer(&ben).await.status(), 403);

    // before_delete refuses, after_delete records.
    assert_eq!(client.delete(&path).bearer(&ann).await.status(), 409);
    client
        .patch(&path)
        .json(&json!({"published": false}))
        .bearer(&ann)
        .await;
    assert_eq!(client.delete(&path).bearer(&ann).await.status(), 204);
    assert_eq!(client.get(&path).await.status(), 404);
    assert_eq!(
        events(&client).await,
        [
            "created hello-hooks",
            "updated hello-hooks -> second-title",
            "updated second-title -> second-title",
            "updated second-title -> second-title",
            "deleted second-title",
        ]
    );

    // The task queued by after_create ran once: not for the rolled-back creates.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(tasks_run(backend).load(Ordering::SeqCst) - before, 1);
}

on_every_backend!(hooks_run_in_the_write_transaction);

#[test]
fn server_set_fields_are_not_in_the_bodies_document() {
    let app = App::new(fastrs_tests::memory()).resource::<Article>();
    let document: serde_json::Value = serde_json::from_str(&app.openapi_json()).unwrap();
    let schemas = &document["components"]["schemas"];
    assert!(schemas["ArticleCreate"]["properties"]["slug"].is_null());
    assert!(schemas["ArticleUpdate"]["properties"]["slug"].is_null());
    assert!(schemas["ArticleUpdate"]["properties"]["title"].is_object());
    assert!(schemas["ArticleResponse"]["properties"]["slug"].is_object());
}
