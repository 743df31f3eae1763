//! "Background tasks, streams and middleware" (`docs/src/tasks.md`): work
//! after the answer, server-sent events, a WebSocket and two middlewares;
//! mounted by [`app`] and exercised by `tests/tasks.rs`.

// ANCHOR: imports
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use fastrs::axum::extract::{Request, State};
use fastrs::axum::middleware::{Next, from_fn, from_fn_with_state};
use fastrs::axum::response::{IntoResponse, Response};
use fastrs::http::{HeaderValue, Method};
use fastrs::prelude::*;
use fastrs::response::Status;
use fastrs::stream::Stream;
use fastrs::stream::sse::{Event, KeepAlive, Sse};
use fastrs::stream::ws::{self, WebSocket, WebSocketUpgrade};
use fastrs::tasks::BackgroundTasks;
use tokio::sync::broadcast;
// ANCHOR_END: imports

// ANCHOR: resources
/// A note; `POST /notes` and `GET /notes` are generated.
#[derive(Resource)]
#[resource(table = "notes", path = "/notes", operations(list, create))]
pub struct Note {
    #[resource(id)]
    pub id: i64,
    #[validate(length(min = 1, max = 120))]
    pub title: String,
}

/// An export of the notes: created at once, filled in the background.
#[derive(Resource)]
#[resource(table = "exports", path = "/exports", operations(read))]
pub struct Export {
    #[resource(id)]
    pub id: i64,
    /// False until the export is done.
    #[resource(read_only, default = false)]
    pub ready: bool,
    /// How many notes it holds, once ready.
    #[resource(read_only)]
    pub notes: Option<i64>,
    #[resource(created_at)]
    pub created_at: DateTime<Utc>,
}
// ANCHOR_END: resources

// ANCHOR: tasks
/// Starts an export: its row now, the work after the answer.
async fn start_export(
    mut db: Db,
    tasks: BackgroundTasks,
) -> Result<Status<202, Json<ExportResponse>>, ApiError> {
    let export = Export::insert(&mut db, ExportCreate { ready: false }).await?;
    let (pool, id) = (db.pool().clone(), export.id);
    tasks.add(async move {
        // The request's transaction has committed: this one sees its row.
        let mut db = Db::begin(&pool).await;
        let done = ExportUpdate {
            ready: Patch::Value(true),
            notes: Patch::Value(Note::count(&mut db).await?),
        };
        Export::update(&mut db, id, done).await?;
        db.commit().await.map_err(ApiError::from)
    });
    Ok(Status(Json(export.into())))
}
// ANCHOR_END: tasks

// ANCHOR: countdown
/// `?from=3`.
#[derive(Model)]
pub struct Countdown {
    #[validate(range(ge = 1, le = 10))]
    #[serde(default = "three")]
    pub from: i64,
}

fn three() -> i64 {
    3
}

/// A short, known list of events (`3`, `2`, `1`), then the stream ends.
async fn countdown(
    Query(countdown): Query<Countdown>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let events = (1..=countdown.from)
        .rev()
        .map(|n| Ok(Event::default().event("tick").data(n.to_string())));
    Sse::new(fastrs::stream::iter(events))
}
// ANCHOR_END: countdown

// ANCHOR: feed
/// A message; `GET /messages` is generated, `POST /messages` written below.
#[derive(Resource)]
#[resource(table = "messages", path = "/messages", operations(list))]
pub struct Message {
    #[resource(id)]
    pub id: i64,
    #[validate(length(min = 1, max = 280))]
    pub text: String,
}

/// The texts of new messages, for whoever listens.
#[derive(Clone)]
pub struct Feed(pub broadcast::Sender<String>);

/// Stores a message; the listeners hear of it once it is committed.
async fn post_message(
    mut db: Db,
    tasks: BackgroundTasks,
    Dep(feed): Dep<Feed>,
    ValidJson(new): ValidJson<MessageCreate>,
) -> Result<Status<202, Json<MessageResponse>>, ApiError> {
    let message = Message::insert(&mut db, new).await?;
    let text = message.text.clone();
    tasks.add(async move {
        // No listener is not an error.
        let _ = feed.0.send(text);
    });
    Ok(Status(Json(message.into())))
}

/// Every message from now on, until the client leaves.
async fn live(
    Dep(feed): Dep<Feed>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let events = fastrs::stream::broadcast(feed.0.subscribe(), |text| {
        Ok(Event::default().event("message").data(text))
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}
// ANCHOR_END: feed

// ANCHOR: websocket
/// Answers each text message upper-cased, until the client closes.
async fn shout(upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(|mut socket: WebSocket| async move {
        while let Some(Ok(ws::Message::Text(text))) = socket.recv().await {
            let loud = text.as_str().to_uppercase();
            if socket.send(ws::Message::Text(loud.into())).await.is_err() {
                break;
            }
        }
    })
}
// ANCHOR_END: websocket

// ANCHOR: middleware
/// Adds `Server-Timing: app;dur=<milliseconds>` to every answer.
async fn server_timing(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let mut response = next.run(request).await;
    let took = start.elapsed().as_secs_f64() * 1000.0;
    if let Ok(value) = HeaderValue::from_str(&format!("app;dur={took:.1}")) {
        response.headers_mut().insert("server-timing", value);
    }
    response
}

/// Whether the app refuses writes: a switch an operator flips.
#[derive(Clone, Default)]
pub struct ReadOnly(pub Arc<AtomicBool>);

/// Answers 503 to every write while the app is read-only.
async fn refuse_writes(
    State(read_only): State<ReadOnly>,
    request: Request,
    next: Next,
) -> Response {
    let reads = [Method::GET, Method::HEAD, Method::OPTIONS];
    if read_only.0.load(Ordering::SeqCst) && !reads.contains(request.method()) {
        return ApiError::unavailable("Read-only for maintenance")
            .into_response();
    }
    next.run(request).await
}
// ANCHOR_END: middleware

// ANCHOR: app
/// The app of this page.
pub fn app(settings: Settings, read_only: ReadOnly) -> App {
    App::new(settings)
        .resource::<Note>()
        .resource::<Export>()
        .resource::<Message>()
        .dep(Feed(broadcast::channel(64).0))
        .route("/exports", post(start_export))
        .route("/messages", post(post_message))
        .route("/messages/live", get(live))
        .route("/countdown", get(countdown))
        .route("/shout", get(shout))
        .layer(from_fn_with_state(read_only, refuse_writes))
        .layer(from_fn(server_timing))
}
// ANCHOR_END: app
