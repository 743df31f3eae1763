//! Findings of the adversarial review, each shown through HTTP: slow bodies, extractor order,
//! pool exhaustion, panics, login collisions, id reuse, reading bodies before authenticating,
//! values the database cannot store.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use fastrs::axum::body::{Body, Bytes};
use fastrs::axum::http::{Request, StatusCode, header};
use fastrs::db::{Backend, Query};
use fastrs::prelude::*;
use fastrs::testing::TestClient;
use fastrs_tests::{SECRET, TestDb, client as gadgets_client, items_client, on_every_backend};
use http_body::Frame;
use serde_json::json;
use tower::ServiceExt;

use crate::auth::{PASSWORD, assert_401, login, register};

/// Something written by the hand-written routes below.
#[derive(Resource)]
#[resource(table = "hits", path = "/hits")]
pub struct Hit {
    #[resource(id)]
    pub id: i64,
    pub label: String,
}

async fn write(mut db: Db, ValidJson(hit): ValidJson<HitCreate>) -> Result<StatusCode, ApiError> {
    db.query("INSERT INTO hits (label) VALUES ($1)")
        .bind(hit.label)
        .execute(&mut db)
        .await?;
    Ok(StatusCode::CREATED)
}

/// Holds the writer (or the only PostgreSQL connection) for a while.
async fn hold(mut db: Db) -> Result<StatusCode, ApiError> {
    db.query("INSERT INTO hits (label) VALUES ('held')")
        .execute(&mut db)
        .await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    Ok(StatusCode::CREATED)
}

#[allow(clippy::panic)]
async fn crash(mut db: Db) -> Result<StatusCode, ApiError> {
    db.query("INSERT INTO hits (label) VALUES ('lost')")
        .execute(&mut db)
        .await?;
    panic!("the handler failed");
}

async fn db_then_user(mut db: Db, user: CurrentUser<items::User>) -> Result<String, ApiError> {
    let (n,): (i64,) = db
        .query("SELECT COUNT(*) FROM hits")
        .fetch_one(&mut db)
        .await?;
    Ok(format!("{} {n}", user.username))
}

async fn user_then_db(user: CurrentUser<items::User>, mut db: Db) -> Result<String, ApiError> {
    db.query("INSERT INTO hits (label) VALUES ($1)")
        .bind(user.username.clone())
        .execute(&mut db)
        .await?;
    Ok(user.username.clone())
}

fn app(settings: Settings) -> App {
    App::new(settings)
        .auth::<items::User>()
        .resource::<Hit>()
        .route("/write", post(write))
        .route("/hold", post(hold))
        .route("/crash", post(crash))
        .route("/db-then-user", get(db_then_user).post(db_then_user))
        .route("/user-then-db", get(user_then_db).post(user_then_db))
}

fn settings_of(db: &TestDb) -> Settings {
    let mut settings = db.settings();
    settings.auth.secret_key = Some(fastrs::auth::Secret::new(SECRET));
    settings.pool.acquire_timeout = Duration::from_millis(500);
    settings
}

/// A body that sends one byte of the thousand it announces, then nothing.
struct Stalled(bool);

impl http_body::Body for Stalled {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.0 {
            Poll::Pending
        } else {
            self.0 = true;
            Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"{")))))
        }
    }
}

fn stalled(path: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "1000")
        .body(Body::new(Stalled(false)))
        .unwrap()
}

/// Clients that announce a body and never send it hold nothing: writes go on, and each stalled
/// request ends with a JSON 408 when its body deadline passes.
async fn slow_bodies_hold_no_connection(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let mut settings = settings_of(&db);
    settings.body_timeout = Some(Duration::from_secs(2));
    if backend == Backend::Postgres {
        settings.pool.max_connections = Some(2);
    }
    let (router, pool) = app(settings).build().await.unwrap();
    let client = TestClient::new(router.clone(), pool);
    let slow: Vec<_> = (0..100)
        .map(|_| tokio::spawn(router.clone().oneshot(stalled("/write"))))
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    for n in 0..20 {
        let written = client
            .post("/write")
            .json(&json!({"label": n.to_string()}))
            .await;
        assert_eq!(written.status(), 201, "{}", written.text());
        let created = client.post("/hits").json(&json!({"label": "x"})).await;
        assert_eq!(created.status(), 201);
        assert_eq!(client.get("/hits?limit=1").await.status(), 200);
    }
    for request in slow {
        let response = request.await.unwrap().unwrap();
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        let body = fastrs::axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(body["detail"].is_string(), "{body}");
    }
}

/// `Db` and `CurrentUser` in either order, on the one connection of an in-memory database:
/// nothing waits for a second connection.
#[tokio::test]
async fn db_and_current_user_in_any_order_on_one_connection() {
    let mut settings = fastrs_tests::memory();
    settings.auth.secret_key = Some(fastrs::auth::Secret::new(SECRET));
    settings.pool.acquire_timeout = Duration::from_millis(500);
    let client = app(settings).test_client().await.unwrap();
    register(&client, "mem").await;
    let (token, _) = login(&client, "mem").await;
    for path in ["/db-then-user", "/user-then-db"] {
        let read = client.get(path).bearer(&token).await;
        assert_eq!(read.status(), 200, "GET {path}: {}", read.text());
        let written = client.post(path).bearer(&token).await;
        assert_eq!(written.status(), 200, "POST {path}: {}", written.text());
    }
}

/// Every connection busy: a quick 503 with `Retry-After`, never a 500 after 30 s.
async fn pool_exhaustion_is_a_quick_503(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let mut settings = settings_of(&db);
    settings.pool.max_connections = Some(1);
    let client = app(settings).test_client().await.unwrap();
    let holder = {
        let client = client.clone();
        tokio::spawn(async move { client.post("/hold").await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let busy = client.post("/write").json(&json!({"label": "x"})).await;
    assert_eq!(busy.status(), 503, "{}", busy.text());
    assert_eq!(busy.header("retry-after"), Some("1"));
    assert!(busy.json()["detail"].is_string());
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(holder.await.unwrap().status(), 201);
    assert_eq!(
        client
            .post("/write")
            .json(&json!({"label": "y"}))
            .await
            .status(),
        201,
        "recovered"
    );
}

/// A panicking handler answers a JSON 500 and its transaction is rolled back.
async fn panics_answer_json_and_roll_back(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = app(settings_of(&db)).test_client().await.unwrap();
    let crashed = client.post("/crash").await;
    assert_eq!(crashed.status(), 500);
    assert_eq!(crashed.json(), json!({"detail": "Internal Server Error"}));
    assert_eq!(client.get("/hits").await.json()["total"], 0, "rolled back");
    assert_eq!(
        client
            .post("/write")
            .json(&json!({"label": "after"}))
            .await
            .status(),
        201
    );
}

/// A value may name at most one user, whatever login column it is in.
async fn a_login_value_names_one_user(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    let squatter = client
        .post("/auth/register")
        .json(&json!({"email": "bob@example.com", "username": "alice@example.com", "password": PASSWORD}))
        .await;
    assert_eq!(squatter.status(), 201);
    let alice = client
        .post("/auth/register")
        .json(&json!({"email": "alice@example.com", "username": "alice", "password": PASSWORD}))
        .await;
    assert_eq!(alice.status(), 409, "{}", alice.text());
    assert!(alice.json()["detail"].is_string());
    // The other way round: an e-mail address taken as a username.
    register(&client, "carol").await;
    let taker = client
        .post("/auth/register")
        .json(&json!({"email": "dave@example.com", "username": "carol@example.com", "password": PASSWORD}))
        .await;
    assert_eq!(taker.status(), 409, "{}", taker.text());
    // Nothing of the refused registrations was kept.
    let (token, _) = login(&client, "carol").await;
    assert_eq!(client.get("/users/me").bearer(&token).await.status(), 200);
    let refused = client
        .post("/auth/token")
        .form(&[("username", "dave@example.com"), ("password", PASSWORD)])
        .await;
    assert_401(&refused);
}

/// A deleted user's id is never given again, and what they owned goes with them.
async fn ids_are_never_reused(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    register(&client, "ann").await;
    let ben = register(&client, "ben").await;
    let (token, _) = login(&client, "ben").await;
    let item = client
        .post("/items")
        .bearer(&token)
        .json(&json!({"name": "bike", "price": 10}))
        .await;
    assert_eq!(item.status(), 201);
    let ben_id = ben["id"].as_i64().unwrap();
    Query::new(backend, "DELETE FROM users WHERE id = $1")
        .bind(ben_id)
        .execute(client.pool())
        .await
        .unwrap();
    assert_eq!(
        client
            .get(&format!("/items/{}", item.json()["id"]))
            .await
            .status(),
        404,
        "owned rows are deleted with their owner"
    );
    let cat = register(&client, "cat").await;
    assert!(cat["id"].as_i64().unwrap() > ben_id, "{cat}");
    assert_401(&client.get("/users/me").bearer(&token).await);
}

/// An anonymous write is refused before its body is read.
async fn the_caller_is_checked_before_the_body(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    let garbage = "{\"a\": ".repeat(10_000);
    assert_401(
        &client
            .post("/items")
            .body("application/json", garbage.clone())
            .await,
    );
    assert_401(
        &client
            .patch("/items/1")
            .body("application/json", garbage)
            .await,
    );
}

/// What PostgreSQL cannot store is a 422 on both databases, and integers are never clamped.
async fn values_the_database_cannot_store_are_422(backend: Backend) {
    let Some(client) = gadgets_client(backend).await else {
        return;
    };
    let base = json!({"name": "nul", "price": 9.5, "stock": 3, "sku": "ABC-123", "tags": ["a"]});
    let mut nul = base.clone();
    nul["extra"] = json!({"a": ["x\u{0}"]});
    let refused = client.post("/gadgets").json(&nul).await;
    assert_eq!(refused.status(), 422, "{}", refused.text());
    assert_eq!(refused.json()["detail"][0]["loc"], json!(["body", "extra"]));
    let mut huge = base.clone();
    huge["weight"] = json!(9_223_372_036_854_775_808_u64);
    let refused = client.post("/gadgets").json(&huge).await;
    assert_eq!(refused.status(), 422, "{}", refused.text());
    assert_eq!(
        refused.json()["detail"][0]["loc"],
        json!(["body", "weight"])
    );
    assert_eq!(client.post("/gadgets").json(&base).await.status(), 201);
}

on_every_backend!(
    slow_bodies_hold_no_connection,
    pool_exhaustion_is_a_quick_503,
    panics_answer_json_and_roll_back,
    a_login_value_names_one_user,
    ids_are_never_reused,
    the_caller_is_checked_before_the_body,
    values_the_database_cannot_store_are_422,
    a_patch_cannot_take_another_users_login,
);

/// A user model whose pattern parses but is too big to compile (a parse error is a compile
/// error).
#[derive(Resource)]
#[resource(table = "bad_users", user)]
pub struct BadUser {
    #[resource(id)]
    pub id: i64,
    #[resource(login, unique)]
    #[validate(pattern = "(a{1000}){1000}")]
    pub handle: String,
    #[resource(password)]
    pub password: String,
}

#[tokio::test]
async fn the_user_models_patterns_are_checked_at_start_up() {
    let mut settings = fastrs_tests::memory();
    settings.auth.secret_key = Some(fastrs::auth::Secret::new(SECRET));
    let error = fastrs_tests::start_up_error(App::new(settings).auth::<BadUser>()).await;
    assert!(error.contains("BadUser.handle: invalid pattern"), "{error}");
}

/// The SQLite file turns read-only, or the disk fills up: writes answer a clear 503 in the
/// app's error shape, reads go on, nothing panics, and the data is intact afterwards.
#[tokio::test]
async fn a_read_only_or_full_sqlite_file_answers_503() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let client = app(settings_of(&db)).test_client().await.unwrap();
    for n in 0..20 {
        let created = client
            .post("/hits")
            .json(&json!({"label": n.to_string()}))
            .await;
        assert_eq!(created.status(), 201);
    }
    let fastrs::db::Pool::Sqlite(pools) = client.pool() else {
        panic!("a SQLite pool")
    };

    // The disk is full: SQLite's page limit stands in for it (SQLITE_FULL).
    {
        let mut writer = pools.writer().acquire().await.unwrap();
        let (pages,): (i64,) = fastrs::sqlx::query_as("PRAGMA page_count")
            .fetch_one(&mut *writer)
            .await
            .unwrap();
        fastrs::sqlx::raw_sql(fastrs::sqlx::AssertSqlSafe(format!(
            "PRAGMA max_page_count = {pages}"
        )))
        .execute(&mut *writer)
        .await
        .unwrap();
    }
    let big = "x".repeat(100_000);
    let full = client.post("/hits").json(&json!({"label": big})).await;
    assert_eq!(full.status(), 503, "{}", full.text());
    assert_eq!(full.header("retry-after"), Some("1"));
    assert!(full.json()["detail"].is_string());
    assert_eq!(client.get("/hits").await.json()["total"], 20, "reads go on");
    {
        let mut writer = pools.writer().acquire().await.unwrap();
        fastrs::sqlx::query("PRAGMA max_page_count = 1073741823")
            .execute(&mut *writer)
            .await
            .unwrap();
    }
    assert_eq!(
        client
            .post("/hits")
            .json(&json!({"label": big}))
            .await
            .status(),
        201,
        "space again: writes work"
    );

    // The same file opened read-only.
    let mut settings = settings_of(&db);
    settings.database_url = format!("{}?mode=ro", db.url);
    let read_only = app(settings).test_client().await.unwrap();
    assert_eq!(read_only.get("/hits").await.json()["total"], 21);
    let refused = read_only.post("/hits").json(&json!({"label": "ro"})).await;
    assert_eq!(refused.status(), 503, "{}", refused.text());
    assert!(refused.json()["detail"].is_string());

    let (check,): (String,) = Query::new(Backend::Sqlite, "PRAGMA integrity_check")
        .fetch_one(client.pool())
        .await
        .unwrap();
    assert_eq!(check, "ok");
    assert_eq!(client.get("/hits").await.json()["total"], 21);
}

/// A request that runs past `REQUEST_TIMEOUT_SECONDS` answers 503 with `Retry-After`, in the
/// app's error shape, and its transaction is rolled back.
#[tokio::test]
async fn a_request_past_its_deadline_is_a_503() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let mut settings = settings_of(&db);
    settings.request_timeout = Some(Duration::from_millis(300));
    let client = app(settings).test_client().await.unwrap();
    let late = client.post("/hold").await;
    assert_eq!(late.status(), 503, "{}", late.text());
    assert_eq!(late.header("retry-after"), Some("1"));
    assert!(late.json()["detail"].is_string());
    assert_eq!(client.get("/hits").await.json()["total"], 0, "rolled back");
}

/// The user model mounted as a resource too: a PATCH cannot make a login value name two users.
async fn a_patch_cannot_take_another_users_login(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = App::new(settings_of(&db))
        .auth::<items::User>()
        .resource::<items::User>()
        .test_client()
        .await
        .unwrap();
    let bob = register(&client, "bob").await;
    register(&client, "alice").await;
    let path = format!("/users/{}", bob["id"]);
    let taken = client
        .patch(&path)
        .json(&json!({"username": "alice@example.com"}))
        .await;
    assert_eq!(taken.status(), 409, "{}", taken.text());
    let (token, _) = login(&client, "alice").await;
    assert_eq!(client.get("/users/me").bearer(&token).await.status(), 200);
    let alice_by_email = client
        .post("/auth/token")
        .form(&[("username", "alice@example.com"), ("password", PASSWORD)])
        .await;
    assert_eq!(
        alice_by_email.status(),
        200,
        "alice still logs in by e-mail"
    );
    let renamed = client
        .patch(&path)
        .json(&json!({"username": "robert"}))
        .await;
    assert_eq!(renamed.status(), 200, "{}", renamed.text());
    assert_eq!(renamed.json()["username"], "robert");
}
