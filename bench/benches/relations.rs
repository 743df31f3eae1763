//! Relations and filters against the same queries written by hand with axum + sqlx (issue #12),
//! through each side's router in process, on a SQLite file in WAL mode with the baseline's
//! design (one writer connection, `query_only` readers, no ping before use):
//!
//! - a filtered, sorted list page of 20 (`?shelf_id=3&title__icontains=7&sort=-title`);
//! - a page of 20 with its shelves embedded (`?include=shelf`);
//! - a nested create (`POST /shelves/{id}/books`: the parent checked, the row inserted).
//!
//! Interleaved: each of 25 rounds times 200 requests of both sides back to back; the figure is
//! the median of the rounds' ratios, requests/s fastrs / by hand. Then a table of 1 000 000 rows:
//! the latency of a keyset page (`#[resource(cursor)]`) deep in it, beside a get by id, the
//! offset page at the same depth and the count. `cargo bench -p fastrs-bench --bench relations`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a benchmark tool

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use fastrs::prelude::*;
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use tower::ServiceExt;

/// A shelf.
#[derive(Resource)]
#[resource(table = "shelves", path = "/shelves")]
struct Shelf {
    #[resource(id)]
    id: i64,
    name: String,
}

/// A book on a shelf.
#[derive(Resource)]
#[resource(table = "books", path = "/books")]
struct Book {
    #[resource(id)]
    id: i64,
    #[resource(filter, sort)]
    title: String,
    #[resource(references = Shelf, on_delete = "cascade", nested, filter)]
    shelf_id: i64,
    #[resource(default = 0)]
    pages: i64,
}

/// A log line of a big table, paged by cursor.
#[derive(Resource)]
#[resource(table = "events", path = "/events", cursor)]
struct Event {
    #[resource(id, filter)]
    id: i64,
    name: String,
}

const SHELVES: i64 = 20;
const BOOKS: i64 = 5000;
const EVENTS: i64 = 1_000_000;

// ---- the same API by hand ------------------------------------------------------------------

#[derive(Clone)]
struct Hand {
    writer: SqlitePool,
    readers: SqlitePool,
}

#[derive(Serialize, sqlx::FromRow)]
struct BookRow {
    id: i64,
    title: String,
    shelf_id: i64,
    pages: i64,
}

#[derive(Serialize, sqlx::FromRow, Clone)]
struct ShelfRow {
    id: i64,
    name: String,
}

#[derive(Serialize)]
struct Embedded {
    #[serde(flatten)]
    book: BookRow,
    shelf: Option<ShelfRow>,
}

#[derive(Serialize)]
struct PageOf<T> {
    items: Vec<T>,
    total: i64,
    offset: u64,
    limit: u32,
}

#[derive(Deserialize)]
struct ListParams {
    shelf_id: Option<i64>,
    #[serde(rename = "title__icontains")]
    title_icontains: Option<String>,
    sort: Option<String>,
    include: Option<String>,
    #[serde(default = "twenty")]
    limit: u32,
    #[serde(default)]
    offset: u64,
}

fn twenty() -> u32 {
    20
}

#[derive(Deserialize)]
struct NewBook {
    title: String,
}

type Answer = Result<axum::response::Response, StatusCode>;

fn internal(_: sqlx::Error) -> StatusCode {
    StatusCode::INTERNAL_SERVER_ERROR
}

async fn hand_list(State(hand): State<Hand>, Query(params): Query<ListParams>) -> Answer {
    use axum::response::IntoResponse;
    let mut conditions = Vec::new();
    if params.shelf_id.is_some() {
        conditions.push(format!("shelf_id = ${}", conditions.len() + 1));
    }
    if params.title_icontains.is_some() {
        conditions.push(format!(
            "LOWER(title) LIKE ${} ESCAPE '\\'",
            conditions.len() + 1
        ));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let order = match params.sort.as_deref() {
        Some("-title") => "title DESC, id",
        Some("title") => "title, id",
        _ => "id",
    };
    let n = conditions.len();
    let page_sql = format!(
        "SELECT id, title, shelf_id, pages FROM books{filter} ORDER BY {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let count_sql = format!("SELECT COUNT(*) FROM books{filter}");
    let pattern = params.title_icontains.as_ref().map(|t| {
        format!(
            "%{}%",
            t.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    let mut tx = hand.readers.begin().await.map_err(internal)?;
    let mut page = sqlx::query_as::<_, BookRow>(sqlx::AssertSqlSafe(page_sql));
    let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
    if let Some(shelf) = params.shelf_id {
        page = page.bind(shelf);
        count = count.bind(shelf);
    }
    if let Some(pattern) = &pattern {
        page = page.bind(pattern.clone());
        count = count.bind(pattern.clone());
    }
    let offset = i64::try_from(params.offset).unwrap_or(i64::MAX);
    let books = page
        .bind(i64::from(params.limit))
        .bind(offset)
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?;
    let total = count.fetch_one(&mut *tx).await.map_err(internal)?;
    if params.include.as_deref() != Some("shelf") {
        tx.commit().await.map_err(internal)?;
        let page = PageOf {
            items: books,
            total,
            offset: params.offset,
            limit: params.limit,
        };
        return Ok(Json(page).into_response());
    }
    let mut ids: Vec<i64> = books.iter().map(|b| b.shelf_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, name FROM shelves WHERE id IN ({})",
        placeholders.join(", ")
    );
    let mut shelves = sqlx::query_as::<_, ShelfRow>(sqlx::AssertSqlSafe(sql));
    for id in &ids {
        shelves = shelves.bind(id);
    }
    let shelves: HashMap<i64, ShelfRow> = shelves
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    tx.commit().await.map_err(internal)?;
    let items = books
        .into_iter()
        .map(|book| Embedded {
            shelf: shelves.get(&book.shelf_id).cloned(),
            book,
        })
        .collect();
    let page = PageOf {
        items,
        total,
        offset: params.offset,
        limit: params.limit,
    };
    Ok(Json(page).into_response())
}

async fn hand_nested_create(
    State(hand): State<Hand>,
    Path(shelf): Path<i64>,
    Json(new): Json<NewBook>,
) -> Answer {
    use axum::response::IntoResponse;
    if new.title.is_empty() {
        return Err(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let mut tx = hand
        .writer
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(internal)?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM shelves WHERE id = $1")
        .bind(shelf)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
    if exists.is_none() {
        return Err(StatusCode::NOT_FOUND);
    }
    let book: BookRow = sqlx::query_as(
        "INSERT INTO books (title, shelf_id, pages) VALUES ($1, $2, 0) RETURNING id, title, shelf_id, pages",
    )
    .bind(&new.title)
    .bind(shelf)
    .fetch_one(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok((StatusCode::CREATED, Json(book)).into_response())
}

async fn hand_router(path: &std::path::Path) -> axum::Router {
    let base = SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
        .foreign_keys(true);
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect_with(base.clone())
        .await
        .unwrap();
    let readers = SqlitePoolOptions::new()
        .max_connections(2)
        .test_before_acquire(false)
        .connect_with(base.pragma("query_only", "true"))
        .await
        .unwrap();
    axum::Router::new()
        .route("/books", get(hand_list))
        .route("/shelves/{id}/books", post(hand_nested_create))
        .with_state(Hand { writer, readers })
}

// ---- measuring ------------------------------------------------------------------------------

async fn call(
    router: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<&str>,
) -> (StatusCode, bytes_len::Len) {
    let mut request = Request::builder().method(method).uri(uri);
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, bytes_len::Len(bytes.len()))
}

mod bytes_len {
    /// A body's length: kept so the work of answering is not optimised away.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Len(pub usize);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("fastrs-relations-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (fastrs_router, hand, events) = runtime.block_on(async {
        // Two databases of the same rows, one per side.
        let mut routers = Vec::new();
        for side in ["fastrs", "hand"] {
            let path = dir.join(format!("{side}.db"));
            let settings = Settings {
                database_url: format!("sqlite://{}", path.display()),
                ..Settings::default()
            };
            let (router, pool) = App::new(settings)
                .resource::<Shelf>()
                .resource::<Book>()
                .resource::<Event>()
                .build()
                .await
                .unwrap();
            pool.execute_script(&format!(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT {SHELVES}) \
                 INSERT INTO shelves (name) SELECT 'shelf ' || x FROM n; \
                 WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT {BOOKS}) \
                 INSERT INTO books (title, shelf_id, pages) SELECT 'book ' || x, x % {SHELVES} + 1, 0 FROM n"
            ))
            .await
            .unwrap();
            if side == "fastrs" {
                pool.execute_script(&format!(
                    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT {EVENTS}) \
                     INSERT INTO events (name) SELECT 'event ' || x FROM n"
                ))
                .await
                .unwrap();
                routers.push((router, Some(pool)));
            } else {
                pool.close().await;
                routers.push((hand_router(&path).await, None));
            }
        }
        let (hand, _) = routers.pop().unwrap();
        let (fastrs_router, pool) = routers.pop().unwrap();
        (fastrs_router, hand, pool.unwrap())
    });

    let scenarios: [(&str, &str, &str, Option<&str>); 3] = [
        (
            "filtered, sorted page of 20",
            "GET",
            "/books?shelf_id=3&title__icontains=7&sort=-title&limit=20",
            None,
        ),
        (
            "page of 20 with its shelves",
            "GET",
            "/books?limit=20&offset=1000&include=shelf",
            None,
        ),
        (
            "nested create",
            "POST",
            "/shelves/3/books",
            Some(r#"{"title": "new"}"#),
        ),
    ];
    // Both sides answer the same (statuses, and the lists' shapes).
    runtime.block_on(async {
        for (name, method, uri, body) in scenarios {
            let (a, _) = call(&fastrs_router, method, uri, body).await;
            let (b, _) = call(&hand, method, uri, body).await;
            assert!(a.is_success() && a == b, "{name}: fastrs {a}, by hand {b}");
        }
    });
    let time = |router: &axum::Router, method: &str, uri: &str, body: Option<&str>| {
        let start = Instant::now();
        for _ in 0..200 {
            black_box(runtime.block_on(call(router, method, uri, body)));
        }
        start.elapsed().as_secs_f64() / 200.0
    };
    println!("interleaved, median of 25 rounds of 200 requests: requests/s fastrs / by hand");
    for (name, method, uri, body) in scenarios {
        let mut ratios: Vec<f64> = (0..25)
            .map(|round| {
                if round % 2 == 0 {
                    let ours = time(&fastrs_router, method, uri, body);
                    time(&hand, method, uri, body) / ours
                } else {
                    let theirs = time(&hand, method, uri, body);
                    theirs / time(&fastrs_router, method, uri, body)
                }
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        println!("  {name:32} {:.3}", ratios[ratios.len() / 2]);
    }

    // A million rows: a keyset page deep in the table against a get by id.
    let depth = EVENTS * 9 / 10;
    let cursor = runtime.block_on(async {
        let request = Request::builder()
            .uri(format!("/events?limit=1&id__ge={depth}"))
            .body(Body::empty())
            .unwrap();
        let response = fastrs_router.clone().oneshot(request).await.unwrap();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let page: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        page["next_cursor"].as_str().unwrap().to_owned()
    });
    let median = |work: &dyn Fn()| {
        let mut times: Vec<f64> = (0..200)
            .map(|_| {
                let start = Instant::now();
                work();
                start.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    };
    let get = || {
        let uri = format!("/events/{depth}");
        black_box(runtime.block_on(call(&fastrs_router, "GET", &uri, None)));
    };
    let keyset = || {
        let uri = format!("/events?limit=20&cursor={cursor}");
        let (status, _) = runtime.block_on(call(&fastrs_router, "GET", &uri, None));
        assert!(status.is_success());
    };
    // The ratio from interleaved rounds (the machine drifts), the latencies as medians.
    let mut ratios: Vec<f64> = (0..25)
        .map(|_| {
            let timed = |work: &dyn Fn()| {
                let start = Instant::now();
                for _ in 0..50 {
                    work();
                }
                start.elapsed().as_secs_f64()
            };
            timed(&keyset) / timed(&get)
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let ratio = ratios[ratios.len() / 2];
    let get = median(&get);
    let keyset = median(&keyset);
    let offset = median(&|| {
        let sql = format!("SELECT id, name FROM events ORDER BY id LIMIT 20 OFFSET {depth}");
        let rows: Vec<(i64, String)> = runtime
            .block_on(
                fastrs::db::Query::new(events.backend(), sqlx::AssertSqlSafe(sql))
                    .fetch_all(events.read()),
            )
            .unwrap();
        black_box(rows);
    });
    let count = median(&|| {
        let (n,): (i64,) = runtime
            .block_on(
                fastrs::db::Query::new(events.backend(), "SELECT COUNT(*) FROM events")
                    .fetch_one(events.read()),
            )
            .unwrap();
        black_box(n);
    });
    println!("a table of {EVENTS} rows, median latency of 200 (µs):");
    println!("  GET /events/{{id}}                 {get:9.0}");
    println!(
        "  keyset page of 20 at row {depth}  {keyset:9.0}   ({ratio:.2}x the get: median of 25 interleaved rounds)"
    );
    println!("  offset page of 20 at row {depth}  {offset:9.0}   (SQL only)");
    println!("  COUNT(*)                          {count:9.0}   (SQL only)");
    drop(runtime);
    let _ = std::fs::remove_dir_all(dir);
}
