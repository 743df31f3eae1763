//! The typed data API against the same statements written with sqlx by hand, on a SQLite file
//! in WAL mode: a get by id and a filtered, ordered page of 20, each in its own read
//! transaction (what a `GET` handler's `Db` is). `cargo bench -p fastrs-bench --bench data`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a benchmark tool: failing loudly is the point

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use fastrs::data::Table;
use fastrs::db::{Db, Pool};
use fastrs::prelude::*;
use sqlx::Row;

/// A table of the items example's shape, without its owner (no users to create).
#[derive(Resource)]
#[resource(table = "items", path = "/items")]
struct Item {
    #[resource(id)]
    id: i64,
    name: String,
    price: f64,
    description: Option<String>,
    owner_id: i64,
    #[resource(created_at)]
    created_at: DateTime<Utc>,
}
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

const ROWS: i64 = 1000;

type Decoded = (i64, String, f64, Option<String>, i64, DateTime<Utc>);

/// Every column, as the data API decodes a row.
fn decode(row: &sqlx::sqlite::SqliteRow) -> Decoded {
    (
        row.get(0),
        row.get(1),
        row.get(2),
        row.get(3),
        row.get(4),
        row.get(5),
    )
}

fn data_api(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("fastrs-data-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bench.db");
    let url = format!("sqlite://{}", path.display());
    let pool = runtime.block_on(async {
        let settings = Settings {
            database_url: url.clone(),
            ..Settings::default()
        };
        let (_router, pool): (_, Pool) = App::new(settings)
            .resource::<Item>()
            .build()
            .await
            .unwrap();
        let mut db = Db::begin(&pool).await;
        for n in 0..ROWS {
            db.query(
                "INSERT INTO items (name, price, description, owner_id, created_at) VALUES ($1, $2, NULL, 1, $3)",
            )
            .bind(format!("item {n}"))
            .bind(n as f64)
            .bind(chrono::Utc::now())
            .execute(&mut db)
            .await
            .unwrap();
        }
        db.commit().await.unwrap();
        pool
    });
    let hand = runtime.block_on(async {
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
            .pragma("query_only", "true");
        SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .unwrap()
    });

    // The four operations, each in its own read transaction.
    let fastrs_get = || async {
        let mut db = Db::begin_read(&pool).await;
        let item = Item::get(&mut db, black_box(500)).await.unwrap();
        db.commit().await.unwrap();
        item.map(|item| item.id)
    };
    let hand_get = || async {
        let mut tx = hand.begin().await.unwrap();
        let row = sqlx::query(
            r#"SELECT "id", "name", "price", "description", "owner_id", "created_at" FROM "items" WHERE "id" = $1"#,
        )
        .bind(black_box(500_i64))
        .fetch_optional(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // Decoded like the data API's row.
        row.map(|row| decode(&row).0)
    };
    let fastrs_page = || async {
        let mut db = Db::begin_read(&pool).await;
        let items = Item::select()
            .filter(Item::PRICE.gt(black_box(100.0)))
            .order(Item::PRICE.desc())
            .limit(20)
            .all(&mut db)
            .await
            .unwrap();
        db.commit().await.unwrap();
        items.len()
    };
    let hand_page = || async {
        let mut tx = hand.begin().await.unwrap();
        let rows = sqlx::query(
            r#"SELECT "id", "name", "price", "description", "owner_id", "created_at" FROM "items" WHERE "price" > $1 ORDER BY "price" DESC, "id" LIMIT $2 OFFSET $3"#,
        )
        .bind(black_box(100.0_f64))
        .bind(20_i64)
        .bind(0_i64)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        rows.iter()
            .filter(|row| black_box(decode(row)).0 > 0)
            .count()
    };

    // Criterion, one after the other.
    let mut group = c.benchmark_group("data API vs hand-written sqlx");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("fastrs: Item::get", |b| {
        b.iter(|| runtime.block_on(fastrs_get()))
    });
    group.bench_function("sqlx by hand: the same get", |b| {
        b.iter(|| runtime.block_on(hand_get()))
    });
    group.bench_function("fastrs: Item::select().filter().order().limit(20)", |b| {
        b.iter(|| runtime.block_on(fastrs_page()))
    });
    group.bench_function("sqlx by hand: the same page", |b| {
        b.iter(|| runtime.block_on(hand_page()))
    });
    group.finish();

    // Interleaved rounds: this shared machine drifts by more than the difference measured, so
    // each round times both sides back to back and the ratio is the median of the rounds'.
    let time = |work: &dyn Fn() -> usize| {
        let start = Instant::now();
        for _ in 0..200 {
            black_box(work());
        }
        start.elapsed().as_secs_f64() / 200.0
    };
    let rounds = |a: &dyn Fn() -> usize, b: &dyn Fn() -> usize| {
        let mut ratios: Vec<f64> = (0..25).map(|_| time(a) / time(b)).collect();
        ratios.sort_by(f64::total_cmp);
        ratios[ratios.len() / 2]
    };
    let get_ratio = rounds(
        &|| runtime.block_on(fastrs_get()).map_or(0, |id| id as usize),
        &|| runtime.block_on(hand_get()).map_or(0, |id| id as usize),
    );
    let page_ratio = rounds(&|| runtime.block_on(fastrs_page()), &|| {
        runtime.block_on(hand_page())
    });
    println!("interleaved, median of 25 rounds of 200: fastrs / by hand, time per call");
    println!("  get by id:           {get_ratio:.3}");
    println!("  filtered page of 20: {page_ratio:.3}");
    drop(runtime);
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, data_api);
criterion_main!(benches);
