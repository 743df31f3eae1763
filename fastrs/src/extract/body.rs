//! Reading a request body whole, with every failure answered in the app's error shape: 413 over
//! the size limit, 408 when the client is too slow to send it, 400 when the connection breaks.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;

use crate::ApiError;

/// True when the body failed because its deadline passed
/// (`REQUEST_BODY_TIMEOUT_SECONDS`, tower-http's request-body deadline).
fn timed_out(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// The whole body of `request`.
pub(crate) async fn read_body<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large")
            } else if timed_out(&rejection) {
                ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "The request body was not received in time",
                )
            } else {
                ApiError::bad_request("Could not read the request body")
            }
        })
}
