//! Responses whose status is part of their type, so that the status a route answers is the
//! status its document shows: [`Created`] (201 + `Location`), [`NoContent`] (204) and
//! [`Status`] for any other.
//!
//! A `(StatusCode, Json<T>)` tuple answers the right status, but the code is a value the document
//! cannot see: it is documented as 200. Prefer these types.
//!
//! ```
//! use fastrs::prelude::*;
//! use fastrs::response::{Created, NoContent, Status};
//!
//! #[derive(Model)]
//! struct Note { id: i64, text: String }
//!
//! async fn create() -> Created<Note> {
//!     Created::at("/notes/1", Note { id: 1, text: "hi".into() })
//! }
//!
//! async fn remove() -> NoContent {
//!     NoContent
//! }
//!
//! async fn queue() -> Status<202, Json<Note>> {
//!     Status(Json(Note { id: 2, text: "later".into() }))
//! }
//!
//! let app = App::new(Settings::default())
//!     .route("/notes", post(create))
//!     .route("/notes/{id}", delete(remove))
//!     .route("/jobs", post(queue));
//! let document = app.openapi_json();
//! assert!(document.contains("\"201\""));
//! assert!(document.contains("\"204\""));
//! assert!(document.contains("\"202\""));
//! ```

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{RefOr, header::Header};

use crate::ApiError;
use crate::openapi::operation as doc;
use crate::openapi::{Registry, ToSchema};
use crate::routing::ApiOutput;

/// `201 Created` with `value` as JSON, and a `Location` header when [`at`](Created::at) gave
/// one.
#[derive(Debug, Clone)]
pub struct Created<T> {
    value: T,
    location: Option<String>,
}

impl<T> Created<T> {
    /// 201 with `value`, no `Location`.
    pub fn new(value: T) -> Self {
        Self {
            value,
            location: None,
        }
    }

    /// 201 with `value`, at `location` (the new resource's URL).
    pub fn at(location: impl Into<String>, value: T) -> Self {
        Self {
            value,
            location: Some(location.into()),
        }
    }
}

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        let mut response = (StatusCode::CREATED, axum::Json(self.value)).into_response();
        if let Some(location) = self.location {
            match HeaderValue::from_str(&location) {
                Ok(value) => {
                    response.headers_mut().insert(header::LOCATION, value);
                }
                Err(_) => {
                    return ApiError::internal("a Location that is not a header value")
                        .into_response();
                }
            }
        }
        response
    }
}

impl<T: ToSchema> ApiOutput for Created<T> {
    fn document(operation: &mut Operation, registry: &mut Registry) {
        let schema = T::reference(registry);
        doc::respond(
            operation,
            "201",
            "Created",
            Some(("application/json", schema)),
        );
        if let Some(RefOr::T(response)) = operation.responses.responses.get_mut("201") {
            let mut location = Header::new(String::schema());
            location.description = Some("The URL of what was created.".into());
            response
                .headers
                .insert("Location".into(), RefOr::T(location));
        }
    }
}

/// `204 No Content`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoContent;

impl IntoResponse for NoContent {
    fn into_response(self) -> Response {
        StatusCode::NO_CONTENT.into_response()
    }
}

impl ApiOutput for NoContent {
    fn document(operation: &mut Operation, _registry: &mut Registry) {
        doc::respond(operation, "204", "No Content", None);
    }
}

/// Any response `T` answered (and documented) with the status `CODE`: `Status<202, Json<Job>>`.
/// A `CODE` that is not a valid status answers 500.
#[derive(Debug, Clone)]
pub struct Status<const CODE: u16, T>(pub T);

impl<const CODE: u16, T: IntoResponse> IntoResponse for Status<CODE, T> {
    fn into_response(self) -> Response {
        match StatusCode::from_u16(CODE) {
            Ok(status) => (status, self.0).into_response(),
            Err(_) => ApiError::internal("an invalid status code").into_response(),
        }
    }
}

impl<const CODE: u16, T: ApiOutput> ApiOutput for Status<CODE, T> {
    fn document(operation: &mut Operation, registry: &mut Registry) {
        // `T` documents its success as 200 (or its own status): move it to `CODE`.
        let mut inner = Operation::new();
        T::document(&mut inner, registry);
        let description = StatusCode::from_u16(CODE)
            .ok()
            .and_then(|status| status.canonical_reason())
            .unwrap_or("Successful Response");
        for (status, response) in inner.responses.responses {
            let status = if status.starts_with('2') {
                CODE.to_string()
            } else {
                status
            };
            let response = match response {
                RefOr::T(mut response) if status == CODE.to_string() => {
                    response.description = description.to_owned();
                    RefOr::T(response)
                }
                other => other,
            };
            operation.responses.responses.insert(status, response);
        }
    }
}
