//! Routers with tags and dependencies (FastAPI's `APIRouter`), dependencies with teardown
//! (`yield`), and lifespan hooks (start-up and shutdown).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use fastrs::axum::extract::FromRequestParts;
use fastrs::axum::http::request::Parts;
use fastrs::db::{Backend, Db};
use fastrs::extract::{Dependency, Depends};
use fastrs::openapi::{Operation, ParameterIn, Registry, ToSchema, operation};
use fastrs::prelude::*;
use fastrs::routing::ApiRouter;
use fastrs::state::AppState;
use fastrs_tests::{TestDb, on_every_backend, start_up_error};
use serde_json::Value;

/// Counts of what happened, shared with the test.
#[derive(Clone, Default)]
struct Counts {
    admin_checks: Arc<AtomicUsize>,
    open: Arc<AtomicUsize>,
    shutdowns: Arc<AtomicUsize>,
    /// What a background task saw open (plus 100, to tell it ran).
    seen_by_task: Arc<AtomicUsize>,
}

/// The caller is an admin: `X-Admin: yes`.
#[derive(Clone)]
struct Admin;

impl Dependency for Admin {
    async fn build(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Dep(counts) = Dep::<Counts>::from_request_parts(parts, state).await?;
        counts.admin_checks.fetch_add(1, Ordering::SeqCst);
        match parts.headers.get("x-admin").map(|v| v.as_bytes()) {
            Some(b"yes") => Ok(Admin),
            _ => Err(ApiError::forbidden("admins only")),
        }
    }

    fn document(op: &mut Operation, _registry: &mut Registry) {
        operation::parameter(op, "X-Admin", ParameterIn::Header, true, String::schema());
    }
}

/// A connection-like resource: counted open while a request holds it, closed after the
/// response whatever it was.
#[derive(Clone)]
struct Session(Arc<AtomicUsize>);

impl Dependency for Session {
    async fn build(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Dep(counts) = Dep::<Counts>::from_request_parts(parts, state).await?;
        counts.open.fetch_add(1, Ordering::SeqCst);
        Ok(Session(counts.open))
    }

    fn teardown(self) -> Option<impl Future<Output = ()> + Send> {
        Some(async move {
            self.0.fetch_sub(1, Ordering::SeqCst);
        })
    }
}

async fn stats(Depends(_admin): Depends<Admin>) -> &'static str {
    "stats"
}

async fn purge() -> &'static str {
    "purged"
}

async fn ping() -> &'static str {
    "pong"
}

/// Holds a session; `?fail` answers 500 (the teardown still runs); `?task` queues a task that
/// looks at the session after the response.
async fn work(
    Depends(session): Depends<Session>,
    Dep(counts): Dep<Counts>,
    tasks: fastrs::tasks::BackgroundTasks,
    uri: fastrs::http::Uri,
) -> Result<String, ApiError> {
    let open = session.0.load(Ordering::SeqCst);
    if uri.query() == Some("task") {
        let held = session.0.clone();
        tasks.add(async move {
            counts
                .seen_by_task
                .store(100 + held.load(Ordering::SeqCst), Ordering::SeqCst);
        });
    }
    if uri.query() == Some("fail") {
        return Err(ApiError::internal("failed"));
    }
    Ok(format!("open {open}"))
}

/// How many rows the start-up hook seeded.
async fn seeded(mut db: Db) -> Result<String, ApiError> {
    let (n,): (i64,) = db
        .query("SELECT COUNT(*) FROM tokens WHERE label = 'seed'")
        .fetch_one(&mut db)
        .await?;
    Ok(n.to_string())
}

fn app(settings: Settings, counts: Counts) -> App {
    let maintenance = ApiRouter::new()
        .tag("maintenance")
        .route("/purge", post(purge).summary("Purge caches"));
    let admin = ApiRouter::new()
        .tag("admin")
        .dependency::<Depends<Admin>>()
        .route("/stats", get(stats))
        .nest("/maintenance", maintenance);
    let shutdowns = counts.shutdowns.clone();
    App::new(settings)
        .resource::<fastrs_tests::Token>()
        .dep(counts)
        .nest("/admin", admin)
        .route("/ping", get(ping))
        .route("/work", get(work))
        .route("/seeded", get(seeded))
        .on_startup(|state| async move {
            let mut db = Db::begin(state.pool()).await;
            db.query("INSERT INTO tokens (id, label) VALUES ($1, 'seed')")
                .bind(Uuid::now_v7())
                .execute(&mut db)
                .await?;
            db.commit().await
        })
        .on_shutdown(move |_state| async move {
            shutdowns.fetch_add(1, Ordering::SeqCst);
        })
}

async fn routers_teardown_and_lifespan(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let counts = Counts::default();
    let client = app(db.settings(), counts.clone())
        .test_client()
        .await
        .expect("app starts");

    // The router's dependency guards every route in it, nested routers included; the handler
    // asking for the same dependency gets the guard's value (built once).
    assert_eq!(client.get("/admin/stats").await.status(), 403);
    assert_eq!(
        client.post("/admin/maintenance/purge").await.status(),
        403,
        "nested routes inherit the guard"
    );
    let before = counts.admin_checks.load(Ordering::SeqCst);
    let stats = client.get("/admin/stats").header("x-admin", "yes").await;
    assert_eq!(stats.text(), "stats");
    assert_eq!(counts.admin_checks.load(Ordering::SeqCst) - before, 1);
    let purged = client
        .post("/admin/maintenance/purge")
        .header("x-admin", "yes")
        .await;
    assert_eq!(purged.text(), "purged");
    assert_eq!(
        client.get("/ping").await.text(),
        "pong",
        "outside: no guard"
    );

    // Teardown after every answer, failures included.
    assert_eq!(client.get("/work").await.text(), "open 1");
    assert_eq!(client.get("/work?fail").await.status(), 500);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        counts.open.load(Ordering::SeqCst),
        0,
        "every session closed"
    );

    // Lifespan: the start-up hook ran before the first request; shutdown runs the other.
    assert_eq!(client.get("/seeded").await.text(), "1");
    assert_eq!(counts.shutdowns.load(Ordering::SeqCst), 0);
    client.shutdown().await;
    assert_eq!(counts.shutdowns.load(Ordering::SeqCst), 1);
}

on_every_backend!(routers_teardown_and_lifespan);

#[test]
fn router_tags_and_dependencies_are_documented() {
    let app = app(fastrs_tests::memory(), Counts::default());
    let document: Value = serde_json::from_str(&app.openapi_json()).unwrap();
    let purge = &document["paths"]["/admin/maintenance/purge"]["post"];
    assert_eq!(purge["tags"], serde_json::json!(["admin", "maintenance"]));
    assert_eq!(purge["summary"], "Purge caches");
    let names: Vec<&str> = purge["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["X-Admin"], "the guard's header, on every route");
    let stats = &document["paths"]["/admin/stats"]["get"];
    assert_eq!(stats["tags"], serde_json::json!(["admin"]));
    assert!(
        document["paths"]["/ping"]["get"]["parameters"].is_null(),
        "outside the router"
    );
}

#[tokio::test]
async fn a_failing_start_up_hook_stops_the_start() {
    let app = App::new(fastrs_tests::memory())
        .on_startup(|_state| async { Err::<(), _>("the mail server is unreachable") });
    let error = start_up_error(app).await;
    assert!(
        error.contains("a start-up hook failed: the mail server is unreachable"),
        "{error}"
    );
}
