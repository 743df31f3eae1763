//! [`ErrorFormat`]: an app-wide envelope for every error answer, validation errors included, and
//! the document's schemas for it.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use utoipa::openapi::schema::Schema;

use crate::openapi::Registry;
use crate::validate::FieldError;

use super::Detail;

/// What an error answer says, as [`ApiError`](super::ApiError) built it: what an
/// [`ErrorFormat`] reformats. Every error response carries one in its extensions.
#[derive(Debug, Clone)]
pub struct ErrorView {
    pub(super) status: StatusCode,
    pub(super) detail: Detail,
    pub(super) fields: Box<[String]>,
}

impl ErrorView {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message of an error that is not a validation failure (`"Item not found"`).
    pub fn message(&self) -> Option<&str> {
        match &self.detail {
            Detail::Json(Value::String(message)) => Some(message),
            _ => None,
        }
    }

    /// The body fields a 409 is about: those whose value another row holds (`["email"]`), when
    /// the error says ([`ApiError::conflict_at`](crate::ApiError::conflict_at)).
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// The failures of a 422, one per field.
    pub fn validation(&self) -> Option<&[FieldError]> {
        match &self.detail {
            Detail::Validation(errors) => Some(errors),
            Detail::Json(_) => None,
        }
    }

    /// FastAPI's `detail`, as JSON.
    pub fn detail(&self) -> Value {
        serde_json::to_value(&self.detail).unwrap_or(Value::Null)
    }
}

/// The body of every error the app answers, replacing FastAPI's `{"detail": ...}`: extractor
/// rejections, validation failures, auth errors, 404s of unknown routes, 503s and panics alike.
/// Set it with [`App::error_format`](crate::App::error_format); the document's error schemas
/// become its own.
///
/// ```
/// use fastrs::error::{ErrorFormat, ErrorView};
/// use fastrs::openapi::{Registry, ToSchema, object};
/// use fastrs::openapi::schema::Schema;
/// use serde_json::{json, Value};
///
/// /// RealWorld's `{"errors": {"field": ["message"]}}`.
/// struct FieldMessages;
///
/// impl ErrorFormat for FieldMessages {
///     fn body(&self, error: &ErrorView) -> Value {
///         let mut errors = serde_json::Map::new();
///         match error.validation() {
///             Some(failures) => for failure in failures {
///                 let field = failure.loc.last().and_then(Value::as_str).unwrap_or("body");
///                 errors.entry(field).or_insert_with(|| json!([]))
///                     .as_array_mut().map(|list| list.push(json!(failure.msg)));
///             },
///             None => { errors.insert("body".into(), json!([error.message().unwrap_or("error")])); }
///         }
///         json!({ "errors": errors })
///     }
///
///     fn schema(&self, _registry: &mut Registry) -> Schema {
///         object([("errors", serde_json::Value::schema(), true)])
///     }
/// }
///
/// async fn show(fastrs::extract::Path(id): fastrs::extract::Path<i64>) -> String {
///     id.to_string()
/// }
///
/// let app = fastrs::App::new(fastrs::Settings::default())
///     .route("/items/{id}", fastrs::routing::get(show))
///     .error_format(FieldMessages);
/// assert!(app.openapi_json().contains("\"errors\""));
/// ```
pub trait ErrorFormat: Send + Sync + 'static {
    /// The JSON body for `error`.
    fn body(&self, error: &ErrorView) -> Value;

    /// The schema of that body, for the document's error responses.
    fn schema(&self, registry: &mut Registry) -> Schema;

    /// The schema of a 422's body (default: [`schema`](ErrorFormat::schema)).
    fn validation_schema(&self, registry: &mut Registry) -> Schema {
        self.schema(registry)
    }
}

/// Rewrites an error response's body with `format` (others pass untouched).
pub(crate) fn reformat(format: &dyn ErrorFormat, response: Response) -> Response {
    let Some(view) = response.extensions().get::<ErrorView>() else {
        return response;
    };
    let body = match serde_json::to_vec(&format.body(view)) {
        Ok(body) => body,
        Err(_) => return response,
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}
