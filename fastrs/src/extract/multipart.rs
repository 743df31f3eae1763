//! [`Multipart`]: a `multipart/form-data` body (files and fields) read into a model.

use axum::body::Body;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::StatusCode;
use serde_json::map::Entry;
use serde_json::{Map, Value};

use crate::ApiError;
use crate::state::AppState;
use crate::validate::{Cx, UPLOAD_KEY, Upload, Validate};

/// A `multipart/form-data` body read into a model (FastAPI's `File()` and `Form()` together):
/// each [`Upload`] field takes the file part of its name, every other field the text part,
/// converted and checked as in a form; a field given several times fills a `Vec`. Every
/// failure answers together at `["body", name]`. The body is read whole, within the route's
/// body limit (axum's 2 MB unless the route sets `.body_limit(bytes)`: 413 above it) and the
/// app's body deadline (408); a body that is not multipart, or is malformed,
/// answers 422 / 400. The document shows the body as `multipart/form-data`, files as binary.
///
/// ```
/// use fastrs::prelude::*;
/// use fastrs::extract::{Multipart, Upload};
///
/// #[derive(Model)]
/// struct Attachment {
///     #[validate(length(min = 1, max = 5_000_000))]
///     file: Upload,
///     #[validate(length(max = 200))]
///     note: Option<String>,
/// }
///
/// async fn attach(Multipart(form): Multipart<Attachment>) -> String {
///     form.file.filename.unwrap_or_default()
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Multipart<T>(pub T);

fn malformed() -> ApiError {
    ApiError::bad_request("The multipart body could not be parsed")
}

/// Adds `value` under `name`, a repeated name becoming a list.
fn add(map: &mut Map<String, Value>, name: String, value: Value) {
    match map.entry(name) {
        Entry::Vacant(vacant) => {
            vacant.insert(value);
        }
        Entry::Occupied(mut occupied) => match occupied.get_mut() {
            Value::Array(values) => values.push(value),
            first => {
                let taken = std::mem::take(first);
                *first = Value::Array(vec![taken, value]);
            }
        },
    }
}

impl<T: Validate + Send, S> FromRequest<S> for Multipart<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        const MULTIPART: &str = "multipart/form-data";
        if !super::body::content_type_is(&request, MULTIPART) {
            return Err(super::body::not_a_form(MULTIPART));
        }
        let deadline = AppState::from_ref(state).settings().body_timeout;
        let (parts, body) = request.into_parts();
        let bytes =
            super::body::read_body(Request::from_parts(parts.clone(), body), deadline).await?;
        let request = Request::from_parts(parts, Body::from(bytes));
        let mut form = axum::extract::Multipart::from_request(request, &())
            .await
            .map_err(|_| malformed())?;
        let mut map = Map::new();
        let mut uploads = Vec::new();
        loop {
            let field = match form.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "Request body too large",
                    ));
                }
                Err(_) => return Err(malformed()),
            };
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            let value = match field.file_name().map(str::to_owned) {
                Some(filename) => {
                    let content_type = field.content_type().map(str::to_owned);
                    let bytes = field.bytes().await.map_err(|_| malformed())?;
                    let mut placeholder = Map::new();
                    placeholder.insert(UPLOAD_KEY.to_owned(), Value::from(uploads.len()));
                    uploads.push(Upload {
                        filename: Some(filename),
                        content_type,
                        bytes,
                    });
                    Value::Object(placeholder)
                }
                None => {
                    let bytes = field.bytes().await.map_err(|_| malformed())?;
                    Value::String(String::from_utf8_lossy(&bytes).into_owned())
                }
            };
            add(&mut map, name, value);
        }
        let cx = Cx::multipart(uploads);
        Ok(Multipart(crate::validate::read_model(
            Value::Object(map),
            cx,
        )?))
    }
}
