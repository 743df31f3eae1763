//! [`Path`] and [`Query`]: parameters with FastAPI-shaped 422s.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::ApiError;
use crate::validate::{FieldError, ValidationErrors, Violation, loc};

/// A type an id path segment parses into (`i32`, `i64`, `uuid::Uuid`).
pub trait PathId: Sized + Send + Sync + 'static {
    /// Parses the segment.
    fn parse_path(segment: &str) -> Result<Self, Violation>;
}

macro_rules! int_path_id {
    ($($ty:ty),*) => {$(
        impl PathId for $ty {
            fn parse_path(segment: &str) -> Result<Self, Violation> {
                segment.parse().map_err(|_| {
                    Violation::new("int_parsing", "Input should be a valid integer, unable to parse string as an integer")
                })
            }
        }
    )*};
}

int_path_id!(i32, i64);

impl PathId for Uuid {
    fn parse_path(segment: &str) -> Result<Self, Violation> {
        Uuid::parse_str(segment).map_err(|error| {
            Violation::new(
                "uuid_parsing",
                format!("Input should be a valid UUID, {error}"),
            )
        })
    }
}

/// Reads the `{id}` segment of a resource route. (A `String` and a parse: fewer instructions
/// than deserializing the id through axum's `Path<i64>`, measured with callgrind.)
pub(crate) fn path_id<I: PathId>(segment: &str) -> Result<I, ApiError> {
    I::parse_path(segment).map_err(|violation| {
        ValidationErrors::single(FieldError::new(
            loc("path", "id"),
            violation,
            Some(segment.into()),
        ))
        .into()
    })
}

/// The Pydantic type and message for a value that does not parse as `expected_type`.
fn kind_for(expected_type: &str) -> (&'static str, &'static str) {
    let short = expected_type.rsplit("::").next().unwrap_or(expected_type);
    match short {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" => (
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        "f32" | "f64" => (
            "float_parsing",
            "Input should be a valid number, unable to parse string as a number",
        ),
        "bool" => (
            "bool_parsing",
            "Input should be a valid boolean, unable to interpret input",
        ),
        "Uuid" => ("uuid_parsing", "Input should be a valid UUID"),
        _ => ("value_error", "Input is not valid"),
    }
}

/// Path parameters (`/items/{id}`), deserialized like axum's `Path`, but a value that does not
/// parse answers 422 with `loc: ["path", name]`.
///
/// ```
/// use fastrs::extract::Path;
///
/// async fn show(Path(id): Path<i64>) -> String {
///     id.to_string()
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match <axum::extract::Path<T> as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
        {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(error)) => {
                let (name, value, kind) = match error.kind() {
                    ErrorKind::ParseErrorAtKey {
                        key,
                        value,
                        expected_type,
                    } => (key.clone(), Some(value.clone()), kind_for(expected_type)),
                    ErrorKind::ParseErrorAtIndex {
                        index,
                        value,
                        expected_type,
                    } => (
                        index.to_string(),
                        Some(value.clone()),
                        kind_for(expected_type),
                    ),
                    ErrorKind::ParseError {
                        value,
                        expected_type,
                    } => (String::new(), Some(value.clone()), kind_for(expected_type)),
                    // A type's own error (`Uuid`'s, say): judge by the type asked for.
                    _ => (String::new(), None, kind_for(std::any::type_name::<T>())),
                };
                // A single value (`Path<i64>`) fails without its name: take the route's only one.
                let name = if name.is_empty() {
                    match axum::extract::RawPathParams::from_request_parts(parts, state).await {
                        Ok(params) => params
                            .iter()
                            .next()
                            .map(|(key, _)| key.to_owned())
                            .unwrap_or_default(),
                        Err(_) => name,
                    }
                } else {
                    name
                };
                let mut location = vec![Value::String("path".into())];
                if !name.is_empty() {
                    location.push(Value::String(name));
                }
                let violation = Violation::new(kind.0, kind.1);
                Err(ValidationErrors::single(FieldError::new(
                    location,
                    violation,
                    value.map(Value::String),
                ))
                .into())
            }
            Err(other) => Err(ApiError::internal(other.body_text())),
        }
    }
}

/// Query parameters deserialized into `T`; a missing or unparsable parameter answers 422 with
/// `loc: ["query", name]`.
///
/// ```
/// use fastrs::extract::Query;
///
/// #[derive(serde::Deserialize)]
/// struct Search { q: String }
///
/// async fn search(Query(search): Query<Search>) -> String {
///     search.q
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Query<T>(pub T);

/// Deserializes a query string into `T`, naming the parameter that failed.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ValidationErrors> {
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let message = error.inner().to_string();
        let mut name = error.path().to_string();
        let kind = if let Some(field) = message.strip_prefix("missing field `") {
            name = field.trim_end_matches('`').to_owned();
            "missing"
        } else if message.contains("invalid digit") || message.contains("number too large") {
            "int_parsing"
        } else if message.contains("invalid float") {
            "float_parsing"
        } else if message.contains("provided string was not `true` or `false`") {
            "bool_parsing"
        } else {
            "value_error"
        };
        let msg = if kind == "missing" {
            "Field required".to_owned()
        } else {
            message
        };
        ValidationErrors::single(FieldError::new(
            loc("query", &name),
            Violation::new(kind, msg),
            None,
        ))
    })
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(Query(parse_query(parts.uri.query().unwrap_or(""))?))
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> OptionalFromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, ApiError> {
        match parts.uri.query() {
            None | Some("") => Ok(None),
            Some(query) => Ok(Some(Query(parse_query(query)?))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Params {
        #[allow(dead_code)]
        n: i64,
    }

    #[test]
    fn query_errors_name_the_parameter() {
        let errors = parse_query::<Params>("n=abc").unwrap_err();
        assert_eq!(errors.errors()[0].loc, loc("query", "n"));
        assert_eq!(errors.errors()[0].kind, "int_parsing");
        let errors = parse_query::<Params>("").unwrap_err();
        assert_eq!(errors.errors()[0].loc, loc("query", "n"));
        assert_eq!(errors.errors()[0].kind, "missing");
    }

    #[test]
    fn path_ids() {
        assert_eq!(i64::parse_path("12").ok(), Some(12));
        assert_eq!(i64::parse_path("x").unwrap_err().kind, "int_parsing");
        assert_eq!(Uuid::parse_path("x").unwrap_err().kind, "uuid_parsing");
    }
}
