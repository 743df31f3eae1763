//! [`Path`] and [`Query`]: parameters with FastAPI-shaped 422s.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::ApiError;
use crate::validate::{Cx, FieldError, Validate, ValidationErrors, Violation, loc, read_pairs};

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
                // A single value (`Path<i64>`) fails without its name: take the route's only
                // one. (With several, a type's own error does not say which: no name is better
                // than a wrong one.)
                let name = if name.is_empty() {
                    match axum::extract::RawPathParams::from_request_parts(parts, state).await {
                        Ok(params) if params.iter().count() == 1 => params
                            .iter()
                            .next()
                            .map(|(key, _)| key.to_owned())
                            .unwrap_or_default(),
                        _ => name,
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

/// Query parameters read into a model: each field is a parameter, converted from text to its
/// type and checked against its rules; a `Vec` field takes the parameter repeated
/// (`?tag=a&tag=b`). Every failure answers together, as a 422 with `loc: ["query", name]` and
/// Pydantic's types and messages. The document lists each field as a query parameter with its
/// constraints.
///
/// ```
/// use fastrs::prelude::*;
///
/// #[derive(Model)]
/// struct Search {
///     /// The text to look for.
///     #[validate(length(min = 3))]
///     q: String,
///     #[serde(default)]
///     tag: Vec<String>,
/// }
///
/// async fn search(Query(search): Query<Search>) -> String {
///     format!("{} {:?}", search.q, search.tag)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Query<T>(pub T);

/// Reads a query string into the model `T`, every failure at `["query", name]`.
pub fn parse_query<T: Validate>(query: &str) -> Result<T, ValidationErrors> {
    read_pairs(form_urlencoded::parse(query.as_bytes()), Cx::query())
}

impl<T: Validate + Send, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(Query(parse_query(parts.uri.query().unwrap_or(""))?))
    }
}

impl<T: Validate + Send, S: Send + Sync> OptionalFromRequestParts<S> for Query<T> {
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

    #[test]
    fn path_ids() {
        assert_eq!(i64::parse_path("12").ok(), Some(12));
        assert_eq!(i64::parse_path("x").unwrap_err().kind, "int_parsing");
        assert_eq!(Uuid::parse_path("x").unwrap_err().kind, "uuid_parsing");
    }
}
