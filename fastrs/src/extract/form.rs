//! [`Form`]: an `application/x-www-form-urlencoded` body, read into a model and validated.

use axum::extract::{FromRef, FromRequest, Request};
use axum::http::header;
use serde_json::Value;

use crate::ApiError;
use crate::state::AppState;
use crate::validate::{Cx, FieldError, Validate, ValidationErrors, Violation, read_pairs};

/// A form body read into a model: each field a form field, converted from text to its type and
/// checked against its rules, a repeated field for a `Vec`; every failure answers together at
/// `["body", name]`, as FastAPI's `Form(...)` does. The document shows the body as a form.
///
/// ```
/// use fastrs::prelude::*;
/// use fastrs::extract::Form;
///
/// #[derive(Model)]
/// struct Contact {
///     #[validate(email)]
///     email: String,
///     #[validate(length(min = 1, max = 2000))]
///     message: String,
/// }
///
/// async fn contact(Form(contact): Form<Contact>) -> StatusCode {
///     StatusCode::ACCEPTED
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Form<T>(pub T);

fn is_form(content_type: &str) -> bool {
    content_type.split(';').next().is_some_and(|essence| {
        essence
            .trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    })
}

impl<T: Validate + Send, S> FromRequest<S> for Form<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(is_form);
        if !form {
            return Err(ValidationErrors::single(FieldError::new(
                vec![Value::String("body".into())],
                Violation::new(
                    "model_attributes_type",
                    "Input should be a form sent with Content-Type: application/x-www-form-urlencoded",
                ),
                None,
            ))
            .into());
        }
        let deadline = AppState::from_ref(state).settings().body_timeout;
        let bytes = super::body::read_body(request, deadline).await?;
        let pairs = form_urlencoded::parse(&bytes);
        Ok(Form(read_pairs(pairs, Cx::at_root("body", true))?))
    }
}
