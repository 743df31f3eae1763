//! [`ValidJson`]: a JSON body, validated.

use std::time::Duration;

use axum::extract::{FromRef, FromRequest, Request};
use axum::http::header;
use serde_json::Value;

use crate::ApiError;
use crate::state::AppState;
use crate::validate::{FieldError, Input, ValidationErrors};

/// A JSON body read into `T` with every failure collected: malformed JSON, a body that is not
/// an object, a wrong `Content-Type`, missing fields, wrong types and rule violations all answer
/// 422 with FastAPI's `detail` list. A body over the size limit answers 413.
///
/// ```
/// use fastrs::prelude::*;
///
/// #[derive(Resource)]
/// #[resource(table = "notes", path = "/notes")]
/// pub struct Note {
///     #[resource(id)]
///     pub id: i64,
///     #[validate(length(min = 1))]
///     pub text: String,
/// }
///
/// async fn preview(ValidJson(note): ValidJson<NoteCreate>) -> String {
///     note.text
/// }
/// ```
#[derive(Debug, Clone)]
pub struct ValidJson<T>(pub T);

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

impl<T: Input, S> FromRequest<S> for ValidJson<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let deadline = AppState::from_ref(state).settings().body_timeout;
        Self::read(request, deadline).await
    }
}

impl<T: Input> ValidJson<T> {
    /// Reads and validates the body of `request`, which must arrive within `deadline` (what the
    /// extractor does with the app's `REQUEST_BODY_TIMEOUT_SECONDS`): for a custom extractor,
    /// or to read a body outside an app.
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # #[resource(table = "notes", path = "/notes")]
    /// # pub struct Note { #[resource(id)] pub id: i64, pub text: String }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let request = fastrs::http::Request::post("/notes")
    ///     .header("content-type", "application/json")
    ///     .body(fastrs::axum::body::Body::from(r#"{"text": "hi"}"#))
    ///     .unwrap();
    /// let ValidJson(note) = ValidJson::<NoteCreate>::read(request, None).await.unwrap();
    /// assert_eq!(note.text, "hi");
    /// # });
    /// ```
    pub async fn read(request: Request, deadline: Option<Duration>) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if !content_type.is_some_and(is_json) {
            return Err(ValidationErrors::single(FieldError {
                kind: "model_attributes_type",
                loc: vec![Value::String("body".into())],
                msg: "Input should be a JSON object sent with Content-Type: application/json"
                    .into(),
                input: None,
                ctx: None,
            })
            .into());
        }
        let bytes = super::body::read_body(request, deadline).await?;
        Ok(ValidJson(T::parse(&bytes)?))
    }

    /// [`read`](ValidJson::read), with `edit` applied to the body's object before it is
    /// validated (a value taken from the path, say). A body that is not an object is left to
    /// the model's own error.
    pub(crate) async fn read_with(
        request: Request,
        deadline: Option<Duration>,
        edit: impl FnOnce(&mut serde_json::Map<String, Value>) -> Result<(), ValidationErrors>,
    ) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if !content_type.is_some_and(is_json) {
            // The same refusal as `read`.
            return Self::read(request, deadline).await;
        }
        let bytes = super::body::read_body(request, deadline).await?;
        let edited = match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(mut object)) => {
                edit(&mut object)?;
                serde_json::to_vec(&object).map_err(ApiError::internal)?
            }
            _ => bytes.to_vec(),
        };
        Ok(ValidJson(T::parse(&edited)?))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_content_types() {
        assert!(super::is_json("application/json"));
        assert!(super::is_json("Application/JSON; charset=utf-8"));
        assert!(super::is_json("application/merge-patch+json"));
        assert!(!super::is_json("text/plain"));
        assert!(!super::is_json("application/x-www-form-urlencoded"));
    }
}
