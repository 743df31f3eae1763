//! [`Db`] as an extractor, and [`transaction_layer`], which ends the request's transaction
//! once the answer is known (commit below 400, roll back otherwise).

use std::sync::{Arc, Mutex};

use axum::extract::{FromRef, FromRequestParts, Request};
use axum::http::Method;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::ApiError;
use crate::db::{Db, RequestTx};
use crate::state::AppState;
use crate::tasks::TaskSlot;

/// Where the layer finds the transaction the request's `Db` parked.
#[derive(Clone, Default)]
struct TxSlot(Arc<Mutex<Option<RequestTx>>>);

impl TxSlot {
    fn take(&self) -> Option<RequestTx> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

impl<S> FromRequestParts<S> for Db
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Some(slot) = parts.extensions.get::<TxSlot>().cloned() else {
            return Err(ApiError::internal(
                "Db was extracted on a route without fastrs's transaction layer",
            ));
        };
        let shared = RequestTx::default();
        {
            let mut parked = slot
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if parked.is_some() {
                return Err(ApiError::internal("Db was extracted twice in one request"));
            }
            *parked = Some(shared.clone());
        }
        let writes = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        Ok(shared
            .db(AppState::from_ref(state).pool().clone(), writes)
            .await)
    }
}

/// The middleware behind [`Db`]: commits the request's transaction when the response status is
/// below 400, rolls it back otherwise. [`App`](crate::App) installs it on every hand-written
/// route; use it yourself only on routers you build outside of `App`.
///
/// ```
/// use fastrs::axum::{Router, middleware, routing::get};
///
/// async fn hello() -> &'static str {
///     "hello"
/// }
///
/// let router: Router<fastrs::state::AppState> = Router::new()
///     .route("/", get(hello))
///     .route_layer(middleware::from_fn(fastrs::extract::transaction_layer));
/// ```
pub async fn transaction_layer(mut request: Request, next: Next) -> Response {
    let slot = TxSlot::default();
    let tasks = TaskSlot::default();
    request.extensions_mut().insert(slot.clone());
    request.extensions_mut().insert(tasks.clone());
    let response = finish(slot, next.run(request).await).await;
    // Background tasks start once the answer is final: never after a rollback.
    tasks.settle(response)
}

/// Commits the request's transaction if it began and the answer is a success, else rolls it
/// back; a failed commit becomes the answer.
async fn finish(slot: TxSlot, response: Response) -> Response {
    let Some(shared) = slot.take() else {
        return response;
    };
    let commit = response.status().as_u16() < 400;
    match shared.end(commit).await {
        None | Some(Ok(())) => response,
        Some(Err(error)) if commit => crate::db::map_db_error(error, None).into_response(),
        Some(Err(error)) => {
            tracing::error!(%error, "rollback failed");
            response
        }
    }
}
