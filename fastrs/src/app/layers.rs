//! The layers every request passes: a panic answers a JSON 500, and every request has a
//! deadline.

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;

use crate::ApiError;

/// The layers every request passes, outermost first: a panic answers a JSON 500 (the handler's
/// transaction, dropped while unwinding, rolls back); the whole request has a deadline (503 +
/// `Retry-After` when it passes). Bodies have their own deadline where they are read (408).
pub(super) fn guard(router: Router, request: Option<Duration>) -> Router {
    let mut router = router;
    if let Some(request) = request {
        router = router.layer(middleware::from_fn_with_state(request, deadline));
    }
    router.layer(CatchPanicLayer::custom(panic_response))
}

async fn deadline(
    axum::extract::State(limit): axum::extract::State<Duration>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!("request exceeded its {limit:?} deadline");
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "The request took too long")
                .header(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static("1"),
                )
                .into_response()
        }
    }
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a handler panicked".into());
    ApiError::internal(format!("handler panicked: {message}")).into_response()
}
