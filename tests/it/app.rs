//! The application: hand-written routes, `Db` transactions, `Dep` and overrides, extractors'
//! rejections, start-up checks and the DDL.

use fastrs::db::Backend;
use fastrs::extract::{Path, Query};
use fastrs::prelude::*;
use fastrs::routing::ApiRouter;
use fastrs_tests::{Gadget, TestDb, Token, memory, on_every_backend, start_up_error};
use serde_json::{Value, json};

#[derive(Clone)]
struct Greeting(&'static str);

async fn greet(Dep(greeting): Dep<Greeting>, Path(name): Path<String>) -> String {
    format!("{} {name}", greeting.0)
}

#[derive(Model)]
struct Fail {
    fail: bool,
}

/// Reads, then inserts a token in the request's transaction (the read-then-write shape that
/// makes a deferred SQLite transaction fail with "database is locked"), then succeeds or fails
/// as asked.
async fn insert_token(mut db: Db, Query(params): Query<Fail>) -> Result<StatusCode, ApiError> {
    let (_before,): (i64,) = db
        .query("SELECT COUNT(*) FROM tokens")
        .fetch_one(&mut db)
        .await?;
    db.query("INSERT INTO tokens (id, label) VALUES ($1, $2)")
        .bind(Uuid::now_v7())
        .bind("from a handler".to_owned())
        .execute(&mut db)
        .await?;
    if params.fail {
        Err(ApiError::bad_request("changed my mind"))
    } else {
        Ok(StatusCode::CREATED)
    }
}

async fn count_tokens(mut db: Db) -> Result<Json<i64>, ApiError> {
    let (n,): (i64,) = db
        .query("SELECT COUNT(*) FROM tokens")
        .fetch_one(&mut db)
        .await?;
    Ok(Json(n))
}

async fn window(page: Page) -> Json<Value> {
    Json(json!({"offset": page.offset, "limit": page.limit}))
}

async fn app(backend: Backend, greeting: &'static str) -> Option<fastrs::testing::TestClient> {
    let db = TestDb::new(backend).await?;
    let app = App::new(db.settings())
        .resource::<Token>()
        .dep(Greeting("hello"))
        .override_dep(Greeting(greeting))
        .route("/greet/{name}", get(greet))
        .route("/tokens-tx", post(insert_token).get(count_tokens))
        .nest("/util", ApiRouter::new().route("/window", get(window)));
    Some(app.test_client().await.expect("app starts"))
}

async fn db_commits_on_success_and_rolls_back_on_error(backend: Backend) {
    let Some(client) = app(backend, "hi").await else {
        return;
    };
    assert_eq!(client.post("/tokens-tx?fail=false").await.status(), 201);
    let failed = client.post("/tokens-tx?fail=true").await;
    assert_eq!(failed.status(), 400);
    assert_eq!(failed.json(), json!({"detail": "changed my mind"}));
    assert_eq!(
        client.get("/tokens-tx").await.json(),
        1,
        "the failed request left nothing"
    );
    assert_eq!(client.get("/tokens").await.json()["total"], 1);
}

async fn dependencies_are_injected_and_overridden(backend: Backend) {
    let Some(client) = app(backend, "howdy").await else {
        return;
    };
    let response = client.get("/greet/ann").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text(), "howdy ann");
}

async fn hand_written_extractors_answer_fastapi_422s(backend: Backend) {
    let Some(client) = app(backend, "hi").await else {
        return;
    };
    let response = client.post("/tokens-tx?fail=maybe").await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.json()["detail"][0]["loc"],
        json!(["query", "fail"])
    );
    assert_eq!(response.json()["detail"][0]["type"], "bool_parsing");
    let response = client.post("/tokens-tx").await;
    assert_eq!(response.json()["detail"][0]["type"], "missing");
    assert_eq!(
        response.json()["detail"][0]["loc"],
        json!(["query", "fail"])
    );

    let page = client.get("/util/window?offset=3").await;
    assert_eq!(page.json(), json!({"offset": 3, "limit": 20}));
    let page = client.get("/util/window?limit=101").await;
    assert_eq!(page.status(), 422);
    assert_eq!(page.json()["detail"][0]["loc"], json!(["query", "limit"]));
}

async fn concurrent_transactions_never_see_a_locked_database(backend: Backend) {
    let Some(client) = app(backend, "hi").await else {
        return;
    };
    let tasks: Vec<_> = (0..30)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.post("/tokens-tx?fail=false").await })
        })
        .collect();
    for task in tasks {
        let response = task.await.unwrap();
        assert_eq!(response.status(), 201, "{}", response.text());
    }
    assert_eq!(client.get("/tokens-tx").await.json(), 30);
}

on_every_backend!(
    concurrent_transactions_never_see_a_locked_database,
    db_commits_on_success_and_rolls_back_on_error,
    dependencies_are_injected_and_overridden,
    hand_written_extractors_answer_fastapi_422s,
);

#[tokio::test]
async fn a_missing_dependency_is_a_start_up_error() {
    let app = App::new(memory()).route("/greet/{name}", get(greet));
    let error = start_up_error(app).await;
    assert!(error.contains("GET /greet/{name} needs Dep<"), "{error}");
    assert!(error.contains("Greeting"), "{error}");
}

#[tokio::test]
async fn a_route_registered_twice_is_a_start_up_error() {
    async fn other() -> &'static str {
        "other"
    }
    // (A hand-written route at a generated one's method and path replaces it: see
    // `operations.rs`. Two hand-written ones clash.)
    let app = App::new(memory())
        .resource::<Token>()
        .route("/other", post(other))
        .route("/other", post(other));
    let error = start_up_error(app).await;
    assert!(error.contains("POST /other is registered twice"), "{error}");
}

#[tokio::test]
async fn a_bad_database_url_is_a_clear_start_up_error() {
    let app = App::new(Settings {
        database_url: "oracle://x".into(),
        ..Settings::default()
    });
    let error = start_up_error(app).await;
    assert!(
        error.contains("DATABASE_URL must start with sqlite:, postgres: or mariadb:"),
        "{error}"
    );
}

#[derive(Resource)]
#[resource(table = "slugs")]
pub struct Slug {
    #[resource(id)]
    pub id: i64,
    #[validate(pattern = "(a{1000}){1000}")]
    pub slug: String,
}

#[tokio::test]
async fn a_bad_pattern_is_a_start_up_error() {
    let error = start_up_error(App::new(memory()).resource::<Slug>()).await;
    assert!(error.contains("Slug.slug: invalid pattern"), "{error}");
}

#[test]
fn ddl_is_printed_for_either_backend() {
    let app = App::new(memory()).resource::<Gadget>();
    let sqlite = app.ddl(Backend::Sqlite);
    assert!(
        sqlite
            .contains("CREATE TABLE IF NOT EXISTS \"gadgets\" (\n    \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,"),
        "{sqlite}"
    );
    assert!(sqlite.contains("\"sku_code\" TEXT NOT NULL"), "{sqlite}");
    assert!(
        sqlite.contains("\"status\" TEXT NOT NULL DEFAULT 'new'"),
        "{sqlite}"
    );
    assert!(
        sqlite.contains("CONSTRAINT \"gadgets_name_key\" UNIQUE (\"name\")"),
        "{sqlite}"
    );
    assert!(
        sqlite.contains("CREATE INDEX IF NOT EXISTS \"gadgets_sku_code_idx\""),
        "{sqlite}"
    );
    let postgres = app.ddl(Backend::Postgres);
    assert!(
        postgres.contains("\"id\" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
        "{postgres}"
    );
    assert!(postgres.contains("\"ref_id\" UUID,"), "{postgres}");
    assert!(postgres.contains("\"extra\" JSONB,"), "{postgres}");
    assert!(
        postgres.contains("\"created_at\" TIMESTAMPTZ NOT NULL"),
        "{postgres}"
    );
    assert!(
        postgres.contains("\"active\" BOOLEAN NOT NULL DEFAULT TRUE"),
        "{postgres}"
    );
}

#[tokio::test]
async fn into_router_mounts_inside_an_axum_app() {
    use fastrs::axum::{Router, body::Body, http::Request};
    use tower::ServiceExt;

    let api = App::new(memory())
        .resource::<Token>()
        .into_router()
        .await
        .unwrap();
    let app: Router = Router::new().nest("/api", api);
    let request = Request::post("/api/tokens")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"label": "x"}"#))
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn a_malformed_route_path_is_a_start_up_error_not_a_panic() {
    async fn handler() -> &'static str {
        "x"
    }
    let error = start_up_error(App::new(memory()).route("/files/{name", get(handler))).await;
    assert!(
        error.contains("route path \"/files/{name\" has a brace"),
        "{error}"
    );
    let docs = fastrs::openapi::DocsOptions {
        swagger_path: Some("docs".into()),
        ..Default::default()
    };
    let error = start_up_error(App::new(memory()).docs(docs)).await;
    assert!(
        error.contains("route path \"docs\" must start with '/'"),
        "{error}"
    );
}
