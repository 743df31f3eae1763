//! Micro-benchmarks of the per-request work fastrs adds over hand-written axum + sqlx, and of
//! the document assembly at start-up. `cargo bench -p fastrs-bench`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a benchmark tool: failing loudly is the point

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use fastrs::auth::{Keys, TokenKind};
use fastrs::db::{Backend, Query};
use fastrs::extract::ValidJson;
use fastrs::validate::Input;
use items::ItemCreate;

const BODY: &[u8] = br#"{"name": "A lamp", "price": 12.5, "description": "Bright and warm"}"#;

fn validation(c: &mut Criterion) {
    c.bench_function("validate an ItemCreate body (parse + rules)", |b| {
        b.iter(|| <ItemCreate as Input>::parse(black_box(BODY)).map(drop))
    });
    let baseline = |bytes: &[u8]| -> Option<(String, f64)> {
        #[derive(serde::Deserialize)]
        struct Body {
            name: String,
            price: f64,
            #[allow(dead_code)]
            description: Option<String>,
        }
        let body: Body = serde_json::from_slice(bytes).ok()?;
        let ok = (1..=100).contains(&body.name.chars().count()) && body.price > 0.0;
        ok.then_some((body.name, body.price))
    };
    c.bench_function("baseline: serde + hand-written checks", |b| {
        b.iter(|| baseline(black_box(BODY)))
    });
}

fn extraction(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    c.bench_function("ValidJson<ItemCreate> from a request", |b| {
        b.iter(|| {
            let request = axum::http::Request::post("/items")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(BODY))
                .expect("request");
            runtime.block_on(async { ValidJson::<ItemCreate>::read(request, None).await.map(drop) })
        })
    });
}

fn jwt(c: &mut Criterion) {
    let keys = Keys::hs256(b"benchmark-secret-benchmark-secret-0123456789");
    let token = keys
        .encode(&Keys::claims(
            "1".into(),
            TokenKind::Access,
            Duration::from_secs(900),
        ))
        .expect("token");
    c.bench_function("verify an access token (HS256)", |b| {
        b.iter(|| keys.decode(black_box(&token), TokenKind::Access))
    });
}

fn list_query(c: &mut Criterion) {
    let sql = sqlx::AssertSqlSafe(std::sync::Arc::<str>::from("SELECT 1 LIMIT $1 OFFSET $2"));
    let sql = sqlx::SqlSafeStr::into_sql_str(sql);
    c.bench_function("bind the list query (prepared SQL, two parameters)", |b| {
        b.iter(|| {
            Query::new(Backend::Sqlite, sql.clone())
                .bind(black_box(20_i64))
                .bind(black_box(4_000_i64))
        })
    });
}

fn openapi(c: &mut Criterion) {
    let mut settings = fastrs::Settings::default();
    settings.auth.secret_key = Some(fastrs::auth::Secret::new(
        "benchmark-secret-benchmark-secret-0123456789",
    ));
    let app = items::app(settings);
    c.bench_function(
        "assemble the items OpenAPI document (start-up, once)",
        |b| b.iter(|| app.openapi_json()),
    );
}

criterion_group!(benches, validation, extraction, jwt, list_query, openapi);
criterion_main!(benches);
