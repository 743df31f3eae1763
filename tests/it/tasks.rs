//! Background tasks: after the response and the commit, never after a failure; a failing or
//! panicking task is logged and harms nothing.

use std::time::Duration;

use fastrs::db::{Backend, Db, Pool};
use fastrs::extract::Query;
use fastrs::prelude::*;
use fastrs::tasks::BackgroundTasks;
use fastrs_tests::{TestDb, Token, on_every_backend};

/// `?label=...&fail=true&panic=true`
#[derive(Model)]
struct Work {
    label: String,
    #[serde(default)]
    fail: bool,
    #[serde(default)]
    panic: bool,
}

async fn count(pool: &Pool, label: &str) -> i64 {
    let mut db = Db::begin(pool).await;
    let (n,): (i64,) = db
        .query("SELECT COUNT(*) FROM tokens WHERE label = $1")
        .bind(label.to_owned())
        .fetch_one(&mut db)
        .await
        .expect("count");
    n
}

/// Inserts a row in the request's transaction; its task checks that row is committed, then
/// records that it ran.
async fn work(
    mut db: Db,
    tasks: BackgroundTasks,
    Query(work): Query<Work>,
) -> Result<StatusCode, ApiError> {
    db.query("INSERT INTO tokens (id, label) VALUES ($1, $2)")
        .bind(Uuid::now_v7())
        .bind(format!("{}-request", work.label))
        .execute(&mut db)
        .await?;
    let pool = db.pool().clone();
    let label = work.label.clone();
    let panic = work.panic;
    tasks.add(async move {
        assert!(!panic, "a task that panics");
        let committed = count(&pool, &format!("{label}-request")).await;
        let mut db = Db::begin(&pool).await;
        db.query("INSERT INTO tokens (id, label) VALUES ($1, $2)")
            .bind(Uuid::now_v7())
            .bind(format!("{label}-task-saw-{committed}"))
            .execute(&mut db)
            .await?;
        db.commit().await
    });
    tasks.add(async { Err::<(), _>("a task that fails is logged") });
    if work.fail {
        return Err(ApiError::conflict("refused"));
    }
    Ok(StatusCode::ACCEPTED)
}

async fn client(backend: Backend) -> Option<(fastrs::testing::TestClient, TestDb)> {
    let db = TestDb::new(backend).await?;
    let client = App::new(db.settings())
        .resource::<Token>()
        .route("/work", post(work))
        .test_client()
        .await
        .expect("app starts");
    Some((client, db))
}

async fn eventually(pool: &Pool, label: &str) -> i64 {
    for _ in 0..100 {
        let n = count(pool, label).await;
        if n > 0 {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    0
}

async fn tasks_run_after_the_commit(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let response = client.post("/work?label=ok").send().await;
    assert_eq!(response.status(), 202);
    assert_eq!(
        eventually(client.pool(), "ok-task-saw-1").await,
        1,
        "the task ran, and saw the request's row committed"
    );
}

async fn a_failed_request_runs_no_task(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let response = client.post("/work?label=no&fail=true").send().await;
    assert_eq!(response.status(), 409);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(count(client.pool(), "no-request").await, 0, "rolled back");
    assert_eq!(count(client.pool(), "no-task-saw-0").await, 0);
    assert_eq!(count(client.pool(), "no-task-saw-1").await, 0);
}

async fn a_panicking_task_harms_nothing(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let response = client.post("/work?label=boom&panic=true").send().await;
    assert_eq!(response.status(), 202);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let response = client.post("/work?label=after").send().await;
    assert_eq!(response.status(), 202);
    assert_eq!(eventually(client.pool(), "after-task-saw-1").await, 1);
}

on_every_backend!(
    tasks_run_after_the_commit,
    a_failed_request_runs_no_task,
    a_panicking_task_harms_nothing,
);
