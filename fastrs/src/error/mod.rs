//! Errors: [`ApiError`] for request handlers (FastAPI's `HTTPException`) and [`Error`] for
//! start-up.
//!
//! Every error a client sees has FastAPI's shape, `{"detail": ...}`: a message string for most
//! errors, a list of [`FieldError`](crate::validate::FieldError)s for validation failures (422).
//! What the client is told and what is logged are kept apart: an internal error answers a bare
//! `500 {"detail": "Internal Server Error"}` and logs its cause with `tracing`.
//!
//! ```
//! use fastrs::ApiError;
//!
//! fn find(id: i64) -> Result<&'static str, ApiError> {
//!     if id == 1 { Ok("one") } else { Err(ApiError::not_found("Item not found")) }
//! }
//! assert_eq!(find(2).unwrap_err().status(), fastrs::http::StatusCode::NOT_FOUND);
//! ```

mod format;
mod http;

use std::fmt;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::validate::ValidationErrors;

pub(crate) use format::reformat;
pub use format::{ErrorFormat, ErrorView};
pub use http::{AsApiError, HttpError};
#[doc(hidden)]
pub use http::{api_error, status as http_status};

/// What `detail` holds.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(untagged)]
enum Detail {
    /// A message, or any JSON.
    Json(Value),
    /// Validation failures, serialized in FastAPI's key order (`type`, `loc`, `msg`, ...).
    Validation(Vec<crate::validate::FieldError>),
}

/// An error answered to the client as `{"detail": ...}` with an HTTP status.
///
/// Build one with the constructors (`not_found`, `conflict`, `unauthorized`, ...) or convert
/// from [`sqlx::Error`] and [`ValidationErrors`] with `?`:
/// a unique-constraint violation becomes 409, anything unexpected a 500 whose cause is logged and
/// never shown.
pub struct ApiError {
    status: StatusCode,
    detail: Detail,
    headers: Option<Box<HeaderMap>>,
    /// Logged for 5xx answers, never sent.
    internal: Option<String>,
    /// The body fields a 409 is about ([`ErrorView::fields`]).
    fields: Box<[String]>,
}

impl ApiError {
    /// An error with any status and a message detail.
    ///
    /// ```
    /// use fastrs::ApiError;
    /// use fastrs::http::StatusCode;
    ///
    /// let error = ApiError::new(StatusCode::IM_A_TEAPOT, "Short and stout");
    /// assert_eq!(error.status(), StatusCode::IM_A_TEAPOT);
    /// assert_eq!(error.detail(), "Short and stout");
    /// ```
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: Detail::Json(Value::String(detail.into())),
            headers: None,
            internal: None,
            fields: Box::default(),
        }
    }

    /// An error whose `detail` is arbitrary JSON (a list, an object...).
    ///
    /// ```
    /// use fastrs::ApiError;
    /// use fastrs::http::StatusCode;
    /// use serde_json::json;
    ///
    /// let error = ApiError::with_detail(StatusCode::CONFLICT, json!({"held_by": 7}));
    /// assert_eq!(error.detail()["held_by"], 7);
    /// ```
    pub fn with_detail(status: StatusCode, detail: Value) -> Self {
        Self {
            status,
            detail: Detail::Json(detail),
            headers: None,
            internal: None,
            fields: Box::default(),
        }
    }

    /// 400 Bad Request.
    ///
    /// ```
    /// let error = fastrs::ApiError::bad_request("The cart is empty");
    /// assert_eq!(error.status().as_u16(), 400);
    /// ```
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 401 Unauthorized, with the `WWW-Authenticate: Bearer` header that RFC 6750 asks for.
    ///
    /// ```
    /// use fastrs::axum::response::IntoResponse;
    ///
    /// let response = fastrs::ApiError::unauthorized("Not authenticated").into_response();
    /// assert_eq!(response.status().as_u16(), 401);
    /// assert_eq!(response.headers()["www-authenticate"], "Bearer");
    /// ```
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
            .header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }

    /// 403 Forbidden.
    ///
    /// ```
    /// let error = fastrs::ApiError::forbidden("Only the author may edit this post");
    /// assert_eq!(error.status().as_u16(), 403);
    /// ```
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }

    /// 422 in the validation shape, at the body's field `field` (`"loc": ["body", field]`,
    /// `"type": "value_error"`): a rule checked in code (a hook, a handler) answered like the
    /// declared ones.
    ///
    /// ```
    /// use fastrs::ApiError;
    ///
    /// let error = ApiError::unprocessable("body", "A published post needs a body");
    /// assert_eq!(error.status().as_u16(), 422);
    /// assert_eq!(error.detail()[0]["loc"][1], "body");
    /// ```
    pub fn unprocessable(field: &str, message: impl Into<String>) -> Self {
        crate::validate::ValidationErrors::single(crate::validate::FieldError::new(
            crate::validate::loc("body", field),
            crate::validate::Violation::value_error(message),
            None,
        ))
        .into()
    }

    /// 404 Not Found.
    ///
    /// ```
    /// use fastrs::ApiError;
    ///
    /// fn find(id: i64) -> Result<&'static str, ApiError> {
    ///     (id == 1).then_some("one").ok_or_else(|| ApiError::not_found("Item not found"))
    /// }
    /// assert_eq!(find(2).unwrap_err().detail(), "Item not found");
    /// ```
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// 503 Service Unavailable with `Retry-After: 1`: the server is busy (a database without a
    /// free connection, too many password checks, a request past its deadline); the client may
    /// try again shortly.
    ///
    /// ```
    /// let busy = fastrs::ApiError::unavailable("Busy; try again shortly");
    /// assert_eq!(busy.status(), fastrs::http::StatusCode::SERVICE_UNAVAILABLE);
    /// ```
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, detail)
            .header(header::RETRY_AFTER, HeaderValue::from_static("1"))
    }

    /// 409 Conflict.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }

    /// 409 Conflict about the body's `fields` (a value another row holds): the detail is the
    /// message; an [`ErrorFormat`] can key its body by the fields ([`ErrorView::fields`]). What
    /// a unique violation of a resource's column answers.
    ///
    /// ```
    /// use fastrs::ApiError;
    ///
    /// let error = ApiError::conflict_at(["email"], "User with this email already exists");
    /// assert_eq!(error.status().as_u16(), 409);
    /// assert_eq!(error.fields(), ["email"]);
    /// ```
    pub fn conflict_at<S: Into<String>>(
        fields: impl IntoIterator<Item = S>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            fields: fields.into_iter().map(Into::into).collect(),
            ..Self::conflict(detail)
        }
    }

    /// The body fields the error is about (those of [`conflict_at`](Self::conflict_at)).
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// 500 Internal Server Error: `cause` is logged, the client sees only
    /// `{"detail": "Internal Server Error"}`.
    pub fn internal(cause: impl fmt::Display) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            detail: Detail::Json(Value::String("Internal Server Error".into())),
            headers: None,
            internal: Some(cause.to_string()),
            fields: Box::default(),
        }
    }

    /// Adds a response header.
    ///
    /// ```
    /// use fastrs::ApiError;
    /// use fastrs::axum::response::IntoResponse;
    /// use fastrs::http::{HeaderValue, header};
    ///
    /// let error = ApiError::bad_request("Slow down")
    ///     .header(header::RETRY_AFTER, HeaderValue::from_static("30"));
    /// assert_eq!(error.into_response().headers()["retry-after"], "30");
    /// ```
    pub fn header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers
            .get_or_insert_with(Default::default)
            .insert(name, value);
        self
    }

    /// The HTTP status.
    ///
    /// ```
    /// assert_eq!(fastrs::ApiError::not_found("No such item").status().as_u16(), 404);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `detail` the client receives, as JSON (never a 500's cause).
    ///
    /// ```
    /// let error = fastrs::ApiError::internal("the disk is full");
    /// assert_eq!(error.detail(), "Internal Server Error");
    /// ```
    pub fn detail(&self) -> Value {
        serde_json::to_value(&self.detail).unwrap_or(Value::Null)
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("detail", &self.detail)
            .field("internal", &self.internal)
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.detail())
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.internal {
            tracing::error!(status = self.status.as_u16(), cause = %cause, "request failed");
        }
        #[derive(serde::Serialize)]
        struct Body<'a> {
            detail: &'a Detail,
        }
        let mut response = (
            self.status,
            axum::Json(Body {
                detail: &self.detail,
            }),
        )
            .into_response();
        if let Some(headers) = self.headers {
            response.headers_mut().extend(*headers);
        }
        // What an app-wide `ErrorFormat` rewrites the body from.
        response.extensions_mut().insert(ErrorView {
            status: self.status,
            detail: self.detail,
            fields: self.fields,
        });
        response
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: Detail::Validation(errors.into_errors()),
            headers: None,
            internal: None,
            fields: Box::default(),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    /// `RowNotFound` is a 404, a unique violation a 409 (use
    /// [`crate::db::map_db_error`] to name the field), anything else a logged 500.
    fn from(error: sqlx::Error) -> Self {
        crate::db::map_db_error(error, None)
    }
}

/// A start-up error: bad settings, an unreachable database, a port in use, a route that needs a
/// dependency nobody registered. Its `Debug` is its message, so `main` returning
/// `fastrs::Result<()>` prints something readable.
pub enum Error {
    /// A setting is missing or invalid.
    Config(String),
    /// The database could not be reached or prepared.
    Database(sqlx::Error),
    /// Binding or serving failed.
    Io(std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(message) => write!(f, "configuration error: {message}"),
            Error::Database(error) => write!(f, "database error: {error}"),
            Error::Io(error) => write!(f, "i/o error: {error}"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Config(_) => None,
            Error::Database(error) => Some(error),
            Error::Io(error) => Some(error),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Database(error)
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::Io(error)
    }
}

/// `Result` with fastrs's start-up [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use serde_json::json;

    async fn body(error: ApiError) -> (StatusCode, HeaderMap, Value) {
        let response = error.into_response();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        (
            parts.status,
            parts.headers,
            serde_json::from_slice(&bytes).unwrap(),
        )
    }

    #[tokio::test]
    async fn internal_errors_reveal_nothing() {
        let (status, _, body) =
            body(ApiError::internal("password=hunter2 at db.internal:5432")).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body, json!({"detail": "Internal Server Error"}));
    }

    #[tokio::test]
    async fn unauthorized_carries_www_authenticate() {
        let (status, headers, body) = body(ApiError::unauthorized("Not authenticated")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(body, json!({"detail": "Not authenticated"}));
    }

    #[tokio::test]
    async fn unexpected_database_errors_are_500s() {
        let (status, _, detail) = body(sqlx::Error::ColumnNotFound("x".into()).into()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(detail["detail"], "Internal Server Error");
        // An exhausted pool is a 503 the client may retry, not a 500.
        let (status, headers, _) = body(sqlx::Error::PoolTimedOut.into()).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(headers[header::RETRY_AFTER], "1");
        let (status, _, _) = body_of_not_found().await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn body_of_not_found() -> (StatusCode, HeaderMap, Value) {
        body(sqlx::Error::RowNotFound.into()).await
    }
}
