// Test: `#[fastrs::handler]` reports each argument fastrs cannot route or document at that
// argument, naming the trait it lacks; the body-reading extractor must come last; the return
// type must be answerable and documentable; the future must be Send.
use fastrs::prelude::*;

/// A body type with no schema (no `#[derive(Model)]`).
#[derive(serde::Deserialize)]
struct Plain {
    name: String,
}

struct NotAnExtractor;

#[fastrs::handler]
async fn no_schema(ValidJson(plain): ValidJson<Plain>) -> StatusCode {
    let _ = plain.name;
    StatusCode::OK
}

#[fastrs::handler]
async fn unknown(value: NotAnExtractor) -> StatusCode {
    let _ = value;
    StatusCode::OK
}

#[derive(Model)]
struct Body {
    name: String,
}

#[fastrs::handler]
async fn body_first(ValidJson(body): ValidJson<Body>, db: Db) -> StatusCode {
    let _ = (body.name, db);
    StatusCode::OK
}

#[fastrs::handler]
async fn bad_output() -> NotAnExtractor {
    NotAnExtractor
}

#[fastrs::handler]
async fn not_send() -> StatusCode {
    let held = std::rc::Rc::new(1);
    tokio::task::yield_now().await;
    let _ = held;
    StatusCode::OK
}

#[fastrs::handler]
fn not_async() -> StatusCode {
    StatusCode::OK
}

fn main() {}
