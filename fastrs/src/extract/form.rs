//! [`Form`]: an `application/x-www-form-urlencoded` body, read into a model and validated.

use axum::extract::{FromRef, FromRequest, Request};

use crate::ApiError;
use crate::state::AppState;
use crate::validate::{Cx, Validate, read_pairs};

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

impl<T: Validate + Send, S> FromRequest<S> for Form<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        const FORM: &str = "application/x-www-form-urlencoded";
        if !super::body::content_type_is(&request, FORM) {
            return Err(super::body::not_a_form(FORM));
        }
        let deadline = AppState::from_ref(state).settings().body_timeout;
        let bytes = super::body::read_body(request, deadline).await?;
        let pairs = form_urlencoded::parse(&bytes);
        Ok(Form(read_pairs(pairs, Cx::at_root("body", true))?))
    }
}
