//! [`Headers`] and [`Cookies`]: request headers and cookies read into a model, validated like a
//! query string.

use std::borrow::Cow;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use serde_json::Value;

use crate::ApiError;
use crate::validate::{Cx, Validate, ValidationErrors, read_pairs};

/// Request headers read into a model, as FastAPI's `Header()` parameters: a field `user_agent`
/// reads the `User-Agent` header (names compare without case, `_` standing for `-`); values are
/// converted from text to the field's type and checked against its rules, a `Vec` field takes
/// every occurrence of a repeated header. Every failure answers together, as a 422 with
/// `loc: ["header", "user-agent"]`. The document lists each field as a header parameter with
/// its constraints.
///
/// ```
/// use fastrs::prelude::*;
/// use fastrs::extract::Headers;
///
/// #[derive(Model)]
/// struct Client {
///     /// The client's API key.
///     #[validate(length(min = 16))]
///     x_api_key: String,
///     /// Optional: the caller's language.
///     accept_language: Option<String>,
/// }
///
/// async fn whoami(Headers(client): Headers<Client>) -> String {
///     client.accept_language.unwrap_or_default()
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Headers<T>(pub T);

/// Request cookies read into a model, as FastAPI's `Cookie()` parameters: each field one cookie
/// by its name, converted and checked like a query parameter; failures answer 422 with
/// `loc: ["cookie", name]`, and the document lists each field as a cookie parameter.
///
/// ```
/// use fastrs::prelude::*;
/// use fastrs::extract::Cookies;
///
/// #[derive(Model)]
/// struct Prefs {
///     #[validate(length(max = 20))]
///     theme: Option<String>,
/// }
///
/// async fn page(Cookies(prefs): Cookies<Prefs>) -> String {
///     prefs.theme.unwrap_or_else(|| "light".into())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Cookies<T>(pub T);

/// A header's name as the model's field names it: lower case, `-` as `_`.
fn field_name(header: &str) -> String {
    header.to_ascii_lowercase().replace('-', "_")
}

/// A field's name as the document and the errors name its header: `_` as `-`.
pub(crate) fn header_name(field: &str) -> String {
    field.replace('_', "-")
}

/// Reads the headers into `T`, every failure at `["header", name]`. A value that is not UTF-8
/// is read lossily, so that the field's rules judge it.
pub fn parse_headers<T: Validate>(headers: &HeaderMap) -> Result<T, ValidationErrors> {
    let pairs = headers.iter().map(|(name, value)| {
        (
            Cow::Owned(field_name(name.as_str())),
            String::from_utf8_lossy(value.as_bytes()),
        )
    });
    read_pairs(pairs, Cx::at_root("header", true)).map_err(|errors| {
        let mut named = ValidationErrors::new();
        for mut error in errors.into_errors() {
            if let Some(Value::String(name)) = error.loc.get_mut(1) {
                *name = header_name(name);
            }
            named.push(error);
        }
        named
    })
}

/// The `name=value` pairs of every `Cookie` header.
fn cookie_pairs(headers: &HeaderMap) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    headers
        .get_all(COOKIE)
        .into_iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            Some((Cow::Borrowed(name.trim()), Cow::Borrowed(value)))
        })
}

/// Reads the cookies into `T`.
pub fn parse_cookies<T: Validate>(headers: &HeaderMap) -> Result<T, ValidationErrors> {
    read_pairs(cookie_pairs(headers), Cx::at_root("cookie", true))
}

impl<T: Validate + Send, S: Send + Sync> FromRequestParts<S> for Headers<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(Headers(parse_headers(&parts.headers)?))
    }
}

impl<T: Validate + Send, S: Send + Sync> FromRequestParts<S> for Cookies<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(Cookies(parse_cookies(&parts.headers)?))
    }
}

impl<T: Validate + Send, S: Send + Sync> OptionalFromRequestParts<S> for Cookies<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, ApiError> {
        if parts.headers.get(COOKIE).is_none() {
            return Ok(None);
        }
        Ok(Some(Cookies(parse_cookies(&parts.headers)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookies_split_trim_and_unquote() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; b=\"two\""));
        headers.append(COOKIE, HeaderValue::from_static("c = 3;junk"));
        let pairs: Vec<_> = cookie_pairs(&headers)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(
            pairs,
            [("a", "1"), ("b", "two"), ("c", "3")].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn header_names_map_both_ways() {
        assert_eq!(field_name("X-Api-Key"), "x_api_key");
        assert_eq!(header_name("x_api_key"), "x-api-key");
    }
}
