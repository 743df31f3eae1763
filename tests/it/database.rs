//! The database layer under load: SQLite's WAL stays bounded while readers and writers run
//! at once, and each generated route costs the round trips it must on PostgreSQL.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use fastrs::db::{Backend, CheckpointPolicy, Pool};
use fastrs_tests::{SECRET, TestDb, items_client};
use serde_json::json;

use crate::auth::{login, register};

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// Readers, lists and writers at once for a few seconds: the checkpointer keeps the WAL near
/// its limit, the rows reach the database file, and every request answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_wal_stays_bounded_under_concurrent_reads_and_writes() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let mut settings = db.settings();
    settings.auth.secret_key = Some(fastrs::auth::Secret::new(SECRET));
    settings.pool.checkpoint = CheckpointPolicy {
        interval: Duration::from_millis(100),
        wal_limit: 1 << 20,
        max_wait: Duration::from_secs(1),
    };
    let client = items::app(settings).test_client().await.unwrap();
    let Pool::Sqlite(pools) = client.pool() else {
        panic!("a SQLite pool")
    };
    let file = pools.file().unwrap().to_owned();
    let wal = file.with_file_name(format!(
        "{}-wal",
        file.file_name().unwrap().to_string_lossy()
    ));
    register(&client, "wal").await;
    let (token, _) = login(&client, "wal").await;
    for n in 0..50 {
        let created = client
            .post("/items")
            .bearer(&token)
            .json(&json!({"name": format!("seed {n}"), "price": 1}))
            .await;
        assert_eq!(created.status(), 201);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for worker in 0..12 {
        let (client, token, stop, answered) = (
            client.clone(),
            token.clone(),
            stop.clone(),
            answered.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let response = match worker % 3 {
                    0 => {
                        client
                            .post("/items")
                            .bearer(&token)
                            .json(&json!({"name": "x".repeat(100), "price": 2, "description": "y".repeat(2000)}))
                            .await
                    }
                    1 => client.get(&format!("/items/{}", 1 + n % 50)).await,
                    _ => client.get("/items?limit=20&offset=10").await,
                };
                assert!(
                    response.status().is_success(),
                    "{} {}",
                    response.status(),
                    response.text()
                );
                answered.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let mut largest = 0;
    for _ in 0..80 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        largest = largest.max(file_size(&wal));
    }
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    assert!(answered.load(Ordering::Relaxed) > 100);
    // Written pages reached the database file...
    assert!(
        file_size(&file) > 256 * 1024,
        "database file {}",
        file_size(&file)
    );
    // ...and the WAL never ran away: at most its limit plus what a few ticks write.
    assert!(largest < 16 << 20, "the WAL reached {largest} bytes");
    // Once the load stops, the next truncating checkpoint brings it under its limit.
    let mut settled = u64::MAX;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        settled = file_size(&wal);
        if settled <= 1 << 20 {
            break;
        }
    }
    assert!(settled <= 1 << 20, "the WAL stayed at {settled} bytes");
}

/// Why the WAL used to grow without bound: SQLite runs its automatic checkpoint from the WAL
/// hook, which fires only when a statement is stepped to its end, and sqlx's `fetch_optional`
/// stops at the first row. Every generated write is an `INSERT`/`UPDATE ... RETURNING` read
/// for one row, so not one of them ever checkpointed: the database file stayed at 4 KB while
/// the WAL grew by every write. Shown here on a plain sqlx connection with SQLite's defaults:
/// sqlx's `fetch_optional` never checkpoints, fastrs's `Query::fetch_optional` does.
#[tokio::test]
async fn writes_read_for_one_row_run_sqlites_own_checkpoint() {
    use fastrs::db::{Conn, Query};
    use fastrs::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
    use fastrs::sqlx::{ConnectOptions, Connection};
    async fn inserts(via_fastrs: bool) -> u64 {
        let db = TestDb::new(Backend::Sqlite).await.unwrap();
        let path = db.url.trim_start_matches("sqlite://").to_owned();
        let mut conn = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .connect()
            .await
            .unwrap();
        fastrs::sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            .execute(&mut conn)
            .await
            .unwrap();
        let text = "y".repeat(3000);
        for _ in 0..1500 {
            let sql = "INSERT INTO t (v) VALUES ($1) RETURNING id";
            if via_fastrs {
                let _: Option<(i64,)> = Query::new(Backend::Sqlite, sql)
                    .bind(text.clone())
                    .fetch_optional(Conn::Sqlite(&mut conn))
                    .await
                    .unwrap();
            } else {
                let _: Option<(i64,)> = fastrs::sqlx::query_as(sql)
                    .bind(text.clone())
                    .fetch_optional(&mut conn)
                    .await
                    .unwrap();
            }
        }
        let size = file_size(std::path::Path::new(&path));
        conn.close().await.unwrap();
        size
    }
    let with_sqlx = inserts(false).await;
    assert!(
        with_sqlx <= 64 * 1024,
        "sqlx's fetch_optional checkpointed: {with_sqlx} bytes"
    );
    let with_fastrs = inserts(true).await;
    assert!(
        with_fastrs > 1 << 20,
        "database file {with_fastrs} bytes: no checkpoint ran"
    );
}

/// Counts the statements sqlx runs (its `sqlx::query` events) on the thread that asked.
/// Installed once as the process's subscriber: a thread-local one misses events whose callsite
/// interest another test's thread cached first.
struct Statements {
    thread: std::sync::Mutex<Option<std::thread::ThreadId>>,
    count: AtomicUsize,
}

static STATEMENTS: Statements = Statements {
    thread: std::sync::Mutex::new(None),
    count: AtomicUsize::new(0),
};

struct CountLayer;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CountLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let ours = *STATEMENTS.thread.lock().unwrap() == Some(std::thread::current().id());
        if ours && event.metadata().target() == "sqlx::query" {
            STATEMENTS.count.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Each generated route runs the statements it needs and no more (no extra lookup per
/// authenticated request, no ping before each statement).
#[tokio::test]
async fn round_trips_per_route_on_postgres() {
    use tracing_subscriber::layer::SubscriberExt;
    let Some(client) = items_client(Backend::Postgres).await else {
        return;
    };
    let Pool::Postgres(pool) = client.pool() else {
        panic!("a PostgreSQL pool")
    };
    assert!(
        !pool.options().get_test_before_acquire(),
        "no ping before each use"
    );
    register(&client, "trips").await;
    let (token, _) = login(&client, "trips").await;
    let created = client
        .post("/items")
        .bearer(&token)
        .json(&json!({"name": "one", "price": 1}))
        .await;
    let path = format!("/items/{}", created.json()["id"]);

    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(CountLayer))
        .expect("no other test sets a global subscriber");
    *STATEMENTS.thread.lock().unwrap() = Some(std::thread::current().id());
    let trips = |expected: usize, what: &str| {
        let counted = STATEMENTS.count.swap(0, Ordering::Relaxed);
        assert_eq!(counted, expected, "{what}");
    };
    trips(0, "nothing yet");
    assert_eq!(client.get(&path).await.status(), 200);
    trips(1, "GET item: one SELECT");
    assert_eq!(client.get("/items?limit=5").await.status(), 200);
    trips(2, "GET list: the page and the count");
    assert_eq!(client.get("/users/me").bearer(&token).await.status(), 200);
    trips(1, "GET /users/me: the user");
    let created = client
        .post("/items")
        .bearer(&token)
        .json(&json!({"name": "two", "price": 2}))
        .await;
    assert_eq!(created.status(), 201);
    trips(2, "POST: the caller, the INSERT");
    let patched = client
        .patch(&path)
        .bearer(&token)
        .json(&json!({"price": 3}))
        .await;
    assert_eq!(patched.status(), 200);
    trips(2, "PATCH: the caller, the UPDATE");
    assert_eq!(client.delete(&path).bearer(&token).await.status(), 204);
    trips(2, "DELETE: the caller, the DELETE");

    // Conduit's article list: authors, tags, favourite counts and flags, whatever the page size.
    let Some(db) = fastrs_tests::TestDb::new(Backend::Postgres).await else {
        return;
    };
    let mut settings = db.settings();
    settings.auth.secret_key = Some(fastrs::auth::Secret::new(fastrs_tests::SECRET));
    let conduit = conduit::app(settings).test_client().await.unwrap();
    let mut tokens = Vec::new();
    for name in ["ann", "ben", "cy"] {
        let user = json!({"user": {"username": name, "email": format!("{name}@example.com"), "password": "password1"}});
        let created = conduit.post("/api/users").json(&user).await;
        tokens.push(created.json()["user"]["token"].as_str().unwrap().to_owned());
    }
    for n in 0..25 {
        let article = json!({"article": {"title": format!("t{n}"), "description": "d", "body": "b", "tagList": ["x"]}});
        let token = &tokens[n % 3];
        let created = conduit
            .post("/api/articles")
            .header("authorization", &format!("Token {token}"))
            .json(&article)
            .await;
        assert_eq!(created.status(), 201);
    }
    STATEMENTS.count.swap(0, Ordering::Relaxed);
    let page = conduit.get("/api/articles?limit=20").await;
    assert_eq!(page.json()["articles"].as_array().unwrap().len(), 20);
    // A reading request's plain SELECTs run without BEGIN and COMMIT.
    trips(3, "conduit list: the page, its count, its authors");
    let page = conduit
        .get("/api/articles?limit=20")
        .header("authorization", &format!("Token {}", tokens[0]))
        .await;
    assert_eq!(page.json()["articlesCount"], 25);
    trips(4, "conduit list for a caller: the caller, then the same");

    // `?include=`: one statement per relation, whatever the page size.
    let Some(db) = fastrs_tests::TestDb::new(Backend::Postgres).await else {
        return;
    };
    let mut settings = db.settings();
    settings.auth.secret_key = Some(fastrs::auth::Secret::new(fastrs_tests::SECRET));
    let shelves = crate::includes::app(settings).test_client().await.unwrap();
    for n in 0..3 {
        let created = shelves
            .post("/shelves")
            .json(&json!({"name": format!("s{n}")}))
            .await;
        assert_eq!(created.status(), 201);
    }
    for n in 0..20 {
        let book = json!({"title": format!("b{n}"), "shelf_id": n % 3 + 1});
        assert_eq!(shelves.post("/books").json(&book).await.status(), 201);
    }
    STATEMENTS.count.swap(0, Ordering::Relaxed);
    let page = shelves.get("/books?limit=20&include=shelf").await;
    assert_eq!(page.json()["items"][19]["shelf"]["name"], "s1");
    trips(
        3,
        "a page with its shelves: the page, its count, the shelves",
    );
}

/// A row a reading request writes.
#[derive(fastrs::Resource)]
#[resource(table = "marks", path = "/marks")]
pub struct Mark {
    #[resource(id)]
    pub id: i64,
    pub n: i64,
}

/// Records `?n` in `marks`, after a read (the data API's: no transaction yet), then fails when
/// `?fail=1`.
async fn read_then_write(
    mut db: fastrs::db::Db,
    fastrs::extract::Query(params): fastrs::extract::Query<std::collections::HashMap<String, i64>>,
) -> Result<fastrs::Json<i64>, fastrs::ApiError> {
    use fastrs::data::Table;
    let before = Mark::select().count(&mut db).await?;
    db.query("INSERT INTO marks (n) VALUES ($1)")
        .bind(params.get("n").copied().unwrap_or(0))
        .execute(&mut db)
        .await?;
    if params.get("fail") == Some(&1) {
        return Err(fastrs::ApiError::bad_request("failed after the write"));
    }
    Ok(fastrs::Json(before))
}

/// A GET on PostgreSQL reads without a transaction, but its first write begins one: a failure
/// after the write still rolls it back.
#[tokio::test]
async fn a_reading_request_that_writes_still_rolls_back_on_postgres() {
    let Some(db) = fastrs_tests::TestDb::new(Backend::Postgres).await else {
        return;
    };
    let client = fastrs::App::new(db.settings())
        .resource::<Mark>()
        .route("/mark", fastrs::routing::get(read_then_write))
        .test_client()
        .await
        .unwrap();
    assert_eq!(client.get("/mark?n=1").await.status(), 200);
    assert_eq!(client.get("/mark?n=2&fail=1").await.status(), 400);
    let marks: Vec<(i64,)> =
        fastrs::db::Query::new(Backend::Postgres, "SELECT n FROM marks ORDER BY n")
            .fetch_all(client.pool())
            .await
            .unwrap();
    assert_eq!(marks, [(1,)], "the failed request's write is rolled back");
}
