//! RealWorld's errors: what goes wrong, and the body it is answered with.

use fastrs::error::{ErrorFormat, ErrorView};
use fastrs::openapi::{Registry, ToSchema, object};
use fastrs::prelude::*;
use fastrs::serde_json::{Map, Value, json};

/// What goes wrong, documented on every route that answers it. The message is the key of
/// RealWorld's error body (`{"errors": {"article": ["not found"]}}`).
#[derive(Debug, HttpError)]
pub enum Problem {
    /// No such article, profile or comment.
    #[error(404, "{0}")]
    NotFound(&'static str),
    /// Another user's article or comment.
    #[error(403, "{0}")]
    Forbidden(&'static str),
    /// Unknown e-mail address or wrong password.
    #[error(401, "credentials")]
    Credentials,
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// RealWorld's errors: `{"errors": {"<key>": ["<message>"]}}`. Handlers name the key in the
/// message of a 401/403/404 (`Problem::NotFound("article")`); a 409 names its fields.
pub struct ConduitErrors;

impl ErrorFormat for ConduitErrors {
    fn body(&self, error: &ErrorView) -> Value {
        let mut errors = Map::new();
        let mut add = |key: &str, message: &str| {
            if let Value::Array(list) = errors.entry(key).or_insert_with(|| json!([])) {
                list.push(json!(message));
            }
        };
        match error.validation() {
            Some(failures) => {
                for failure in failures {
                    let key = failure
                        .loc
                        .iter()
                        .rev()
                        .find_map(Value::as_str)
                        .unwrap_or("body");
                    let blank = matches!(failure.kind, "missing" | "string_too_short");
                    add(
                        key,
                        if blank {
                            "can't be blank"
                        } else {
                            &failure.msg
                        },
                    );
                }
            }
            // A value another row holds: the database's unique constraint names the field.
            None if !error.fields().is_empty() => {
                for field in error.fields() {
                    add(field, "has already been taken");
                }
            }
            None => {
                let key = error.message().unwrap_or("body");
                let message = match error.status().as_u16() {
                    401 if key == "credentials" => "invalid",
                    401 => return json!({"errors": {"token": ["is missing"]}}),
                    403 => "forbidden",
                    404 => "not found",
                    _ => "is invalid",
                };
                add(key, message);
            }
        }
        json!({ "errors": errors })
    }

    fn schema(&self, _registry: &mut Registry) -> fastrs::openapi::schema::Schema {
        object([("errors", Value::schema(), true)])
    }
}
