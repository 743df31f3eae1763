//! [`BackgroundTasks`]: work that runs after the response is sent and the request's transaction
//! committed (FastAPI's `BackgroundTasks`), and the [`Tracker`] that graceful shutdown waits on.
//!
//! A task never runs for a request that failed: an answer of 400 or above (its transaction
//! rolled back) drops the tasks it queued. A task that returns an error or panics is logged.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::Response;

use crate::ApiError;
use crate::state::AppState;

pub(crate) mod tracker;

use tracker::Task;
pub use tracker::Tracker;

/// What a task's result says: `()` always succeeded; a `Result` is logged when it is an error.
pub trait TaskOutcome: Send + 'static {
    /// Logs a failure.
    fn log(self);
}

impl TaskOutcome for () {
    fn log(self) {}
}

impl<E: Display + Send + 'static> TaskOutcome for Result<(), E> {
    fn log(self) {
        if let Err(error) = self {
            tracing::error!(%error, "background task failed");
        }
    }
}

/// Where a request's tasks wait until its answer is known. Put in the request by the layer
/// that owns the transaction, filled by [`BackgroundTasks`].
#[derive(Clone, Default)]
pub(crate) struct TaskSlot(Arc<Mutex<Pending>>);

#[derive(Default)]
struct Pending {
    tasks: Vec<Task>,
    /// Teardowns of dependencies: run after every answer, failures included.
    cleanups: Vec<Task>,
    tracker: Option<Tracker>,
}

impl TaskSlot {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, tracker: &Tracker, task: Task) {
        let mut pending = self.lock();
        pending.tracker.get_or_insert_with(|| tracker.clone());
        pending.tasks.push(task);
    }

    /// Queues a dependency's teardown: it runs once the response is sent, whatever its status.
    pub(crate) fn cleanup(&self, tracker: &Tracker, task: Task) {
        let mut pending = self.lock();
        pending.tracker.get_or_insert_with(|| tracker.clone());
        pending.cleanups.push(task);
    }

    pub(crate) fn settle(&self, response: Response) -> Response {
        let mut pending = std::mem::take(&mut *self.lock());
        let Some(tracker) = pending.tracker else {
            return response;
        };
        if response.status().as_u16() >= 400 {
            pending.tasks.clear();
        }
        // Once the response is sent: the tasks one after the other (as FastAPI runs them), then
        // the teardowns, so a task may still use what a dependency holds.
        let mut work = std::mem::take(&mut pending.tasks);
        work.append(&mut pending.cleanups);
        if work.is_empty() {
            return response;
        }
        let work: Vec<Task> = vec![Box::pin(async move {
            for task in work {
                // Each on its own task: one that panics stops neither the others nor a teardown.
                if let Err(error) = tokio::spawn(task).await {
                    tracing::error!(%error, "background task panicked");
                }
            }
        })];
        let (parts, body) = response.into_parts();
        let body = AfterBody {
            inner: body,
            after: Some((work, tracker)),
        };
        Response::from_parts(parts, Body::new(body))
    }
}

struct AfterBody {
    inner: Body,
    after: Option<(Vec<Task>, Tracker)>,
}

impl http_body::Body for AfterBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for AfterBody {
    fn drop(&mut self) {
        if let Some((tasks, tracker)) = self.after.take() {
            for task in tasks {
                tracker.spawn(task);
            }
        }
    }
}

/// Work to run after the response: add async tasks in a handler; they run once the answer has
/// been sent and the request's transaction committed, never for a failed request. Graceful
/// shutdown waits for them (`BACKGROUND_TASKS_SHUTDOWN_SECONDS`, default 30).
///
/// ```
/// use fastrs::prelude::*;
/// use fastrs::tasks::BackgroundTasks;
///
/// async fn signup(tasks: BackgroundTasks) -> StatusCode {
///     tasks.add(async {
///         // send the welcome e-mail
///         Ok::<(), std::io::Error>(())
///     });
///     StatusCode::ACCEPTED
/// }
/// ```
pub struct BackgroundTasks {
    slot: TaskSlot,
    tracker: Tracker,
}

impl BackgroundTasks {
    /// Tasks queued into `slot`, spawned on `tracker` when the slot settles.
    pub(crate) fn new(slot: TaskSlot, tracker: Tracker) -> Self {
        Self { slot, tracker }
    }

    /// Queues `task`; an `Err` it returns is logged.
    pub fn add<F>(&self, task: F)
    where
        F: Future + Send + 'static,
        F::Output: TaskOutcome,
    {
        self.slot
            .push(&self.tracker, Box::pin(async move { task.await.log() }));
    }
}

impl<S> FromRequestParts<S> for BackgroundTasks
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let slot = parts.extensions.get::<TaskSlot>().cloned().ok_or_else(|| {
            ApiError::internal("BackgroundTasks in a route that fastrs did not mount")
        })?;
        let tracker = AppState::from_ref(state).tasks().clone();
        Ok(Self { slot, tracker })
    }
}
