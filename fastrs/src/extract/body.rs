//! Reading a request body whole, with every failure answered in the app's error shape: 413 over
//! the size limit, 408 when the client is too slow to send it, 400 when the connection breaks.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde_json::Value;
use std::time::Duration;

use crate::ApiError;
use crate::validate::{FieldError, ValidationErrors, Violation};

/// Whether the request's `Content-Type` is `essence` (parameters and case aside).
pub(crate) fn content_type_is(request: &Request, essence: &str) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|given| given.trim().eq_ignore_ascii_case(essence))
}

/// The 422 of a form body sent with another `Content-Type` than `essence`.
pub(crate) fn not_a_form(essence: &str) -> ApiError {
    ValidationErrors::single(FieldError::new(
        vec![Value::String("body".into())],
        Violation::new(
            "model_attributes_type",
            format!("Input should be a form sent with Content-Type: {essence}"),
        ),
        None,
    ))
    .into()
}

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
