//! [`Page`] (offset/limit with bounds) and [`ListPage`] (the list envelope).

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use serde::Serialize;
use serde_json::{Value, json};

use crate::ApiError;
use crate::resource::PageBounds;
use crate::state::AppState;
use crate::validate::{FieldError, ValidationErrors, Violation, loc};

/// `?offset=0&limit=20`: `offset >= 0`, `1 <= limit <= max`; out-of-bounds or unparsable
/// values answer 422 with `loc: ["query", "limit"]` (never silently clamped).
///
/// ```
/// use fastrs::prelude::*;
///
/// async fn window(page: Page) -> String {
///     format!("{}..{}", page.offset, page.offset + u64::from(page.limit))
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u32,
}

impl Page {
    /// Reads `offset` and `limit` from a query string with `bounds`, reporting both parameters'
    /// problems together.
    pub fn from_query(query: Option<&str>, bounds: PageBounds) -> Result<Self, ValidationErrors> {
        let mut offset: u64 = 0;
        let mut limit: u32 = bounds.default_limit;
        let mut errors = ValidationErrors::new();
        for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let bad = |violation: Violation| {
                FieldError::new(
                    loc("query", &key),
                    violation,
                    Some(Value::String(value.to_string())),
                )
            };
            match &*key {
                "offset" => match value.parse::<i64>() {
                    Ok(n) if n >= 0 => offset = n as u64,
                    Ok(_) => errors.push(bad(Violation::new(
                        "greater_than_equal",
                        "Input should be greater than or equal to 0",
                    )
                    .with_ctx(json!({ "ge": 0 })))),
                    Err(_) => errors.push(bad(int_parsing())),
                },
                "limit" => match value.parse::<i64>() {
                    Ok(n) if n < 1 => errors.push(bad(Violation::new(
                        "greater_than_equal",
                        "Input should be greater than or equal to 1",
                    )
                    .with_ctx(json!({ "ge": 1 })))),
                    Ok(n) if n > i64::from(bounds.max_limit) => errors.push(bad(Violation::new(
                        "less_than_equal",
                        format!("Input should be less than or equal to {}", bounds.max_limit),
                    )
                    .with_ctx(json!({ "le": bounds.max_limit })))),
                    Ok(n) => limit = n as u32,
                    Err(_) => errors.push(bad(int_parsing())),
                },
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(Page { offset, limit })
        } else {
            Err(errors)
        }
    }
}

fn int_parsing() -> Violation {
    Violation::new(
        "int_parsing",
        "Input should be a valid integer, unable to parse string as an integer",
    )
}

impl<S> FromRequestParts<S> for Page
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let bounds = AppState::from_ref(state).settings().page;
        Ok(Page::from_query(parts.uri.query(), bounds)?)
    }
}

/// The list envelope: `{"items": [...], "total": N, "offset": o, "limit": l}`.
#[derive(Debug, Clone, Serialize)]
pub struct ListPage<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// How many there are in all.
    pub total: i64,
    /// The offset asked for.
    pub offset: u64,
    /// The limit asked for.
    pub limit: u32,
}

impl<T: crate::openapi::ToSchema> crate::openapi::ToSchema for ListPage<T> {
    /// `ItemResponse` pages are `ItemPage`.
    fn name() -> Option<String> {
        T::name().map(|name| format!("{}Page", name.strip_suffix("Response").unwrap_or(&name)))
    }

    fn schema() -> utoipa::openapi::schema::Schema {
        crate::openapi::page_schema(utoipa::openapi::RefOr::T(T::schema()))
    }

    fn reference(
        registry: &mut crate::openapi::Registry,
    ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let item = T::reference(registry);
        match Self::name() {
            Some(name) => registry.component(&name, |_| crate::openapi::page_schema(item)),
            None => utoipa::openapi::RefOr::T(crate::openapi::page_schema(item)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: PageBounds = PageBounds {
        default_limit: 20,
        max_limit: 100,
    };

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(
            Page::from_query(None, BOUNDS).ok(),
            Some(Page {
                offset: 0,
                limit: 20
            })
        );
        assert_eq!(
            Page::from_query(Some("offset=5&limit=100"), BOUNDS).ok(),
            Some(Page {
                offset: 5,
                limit: 100
            })
        );
        let errors = Page::from_query(Some("offset=-1&limit=101"), BOUNDS).unwrap_err();
        let kinds: Vec<_> = errors
            .errors()
            .iter()
            .map(|e| (e.loc[1].clone(), e.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (json!("offset"), "greater_than_equal"),
                (json!("limit"), "less_than_equal")
            ]
        );
        assert_eq!(
            Page::from_query(Some("limit=x"), BOUNDS)
                .unwrap_err()
                .errors()[0]
                .kind,
            "int_parsing"
        );
        assert_eq!(
            Page::from_query(Some("limit=0"), BOUNDS)
                .unwrap_err()
                .errors()[0]
                .kind,
            "greater_than_equal"
        );
    }
}
