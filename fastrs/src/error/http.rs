//! [`HttpError`]: an error type of the app's own, answered and documented by fastrs.

use axum::http::StatusCode;

use super::ApiError;

/// An error type of the app's own (an enum, usually), each variant an HTTP status and a
/// message. Derive it with [`#[derive(HttpError)]`](crate::HttpError): a handler may then
/// return `Result<T, MyError>`, each value answers in the app's error shape
/// (`{"detail": "<message>"}`, or the app's [`ErrorFormat`](crate::error::ErrorFormat)), `?`
/// turns it into an [`ApiError`] inside handlers that return one, and every variant's status is
/// documented on the routes that return it.
///
/// A 500 is answered as [`ApiError::internal`] answers: the message is logged, never shown.
/// `#[error(transparent)]` on a variant holding an [`ApiError`] (usually with `#[from]`, so
/// that `?` works on the data API's calls) answers that error as it is.
///
/// ```
/// use fastrs::prelude::*;
///
/// #[derive(Debug, HttpError)]
/// enum OrderError {
///     /// No order has this id.
///     #[error(404, "order {0} not found")]
///     Missing(i64),
///     /// The order has left the warehouse.
///     #[error(409, "order {id} has shipped")]
///     Shipped { id: i64 },
///     #[error(500, "storage failed: {0}")]
///     Storage(#[from] std::io::Error),
///     #[error(transparent)]
///     Api(#[from] ApiError),
/// }
///
/// async fn cancel(Path(id): Path<i64>) -> Result<StatusCode, OrderError> {
///     Err(OrderError::Shipped { id })
/// }
///
/// let error = ApiError::from(OrderError::Missing(7));
/// assert_eq!(error.status(), StatusCode::NOT_FOUND);
/// assert_eq!(error.detail(), "order 7 not found");
/// ```
pub trait HttpError: std::error::Error {
    /// Every variant's status and description (its doc comment, else its message), for the
    /// document.
    const RESPONSES: &'static [(u16, &'static str)];

    /// This value's status.
    fn status(&self) -> StatusCode;
}

/// What an `#[error(transparent)]` variant may hold: an [`ApiError`] (a data API call's, with
/// `?`), or another [`HttpError`]. Its status and answer are the inner error's.
pub trait AsApiError {
    /// The inner error's status.
    fn status(&self) -> StatusCode;
    /// The inner error's answer.
    fn into_api_error(self) -> ApiError;
}

impl AsApiError for ApiError {
    fn status(&self) -> StatusCode {
        ApiError::status(self)
    }

    fn into_api_error(self) -> ApiError {
        self
    }
}

impl<E: HttpError> AsApiError for E {
    fn status(&self) -> StatusCode {
        HttpError::status(self)
    }

    fn into_api_error(self) -> ApiError {
        api_error(&self)
    }
}

/// The [`ApiError`] an [`HttpError`] answers with.
pub fn api_error<E: HttpError>(error: &E) -> ApiError {
    let status = error.status();
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        ApiError::internal(error)
    } else {
        ApiError::new(status, error.to_string())
    }
}

/// The status of a derived variant (checked to be a 4xx or 5xx at compile time).
pub fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}
