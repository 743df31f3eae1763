//! Reading a request body whole, with every failure answered in the app's error shape: 413 over
//! the size limit, 408 when the client is too slow to send it, 400 when the connection breaks.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use std::time::Duration;

use crate::ApiError;

/// The whole body of `request`, which must arrive within `deadline`
/// (`REQUEST_BODY_TIMEOUT_SECONDS`). The deadline is kept here, where bodies are read, rather
/// than in a layer: a timer on every request, bodiless ones included, cost 5 µs per `GET`.
pub(crate) async fn read_body(
    request: Request,
    deadline: Option<Duration>,
) -> Result<Bytes, ApiError> {
    let read = Bytes::from_request(request, &());
    let read = match deadline {
        Some(deadline) => tokio::time::timeout(deadline, read).await.map_err(|_| {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "The request body was not received in time",
            )
        })?,
        None => read.await,
    };
    read.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large")
        } else {
            ApiError::bad_request("Could not read the request body")
        }
    })
}
