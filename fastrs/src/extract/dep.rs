//! [`Dep`]: the app's own services, by type.

use std::any::type_name;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

use crate::ApiError;
use crate::state::AppState;

/// A service registered with [`App::dep`](crate::App::dep) (a mailer, an HTTP client, a
/// cache...), cloned out for the handler. Tests swap it with
/// [`App::override_dep`](crate::App::override_dep), like FastAPI's `dependency_overrides`.
///
/// A route registered through fastrs's [`routing`](crate::routing) functions that takes a
/// `Dep<T>` for a `T` nobody registered is a start-up error, never a failing request.
///
/// ```
/// use fastrs::prelude::*;
///
/// #[derive(Clone)]
/// struct Greeter { greeting: String }
///
/// async fn hello(Dep(greeter): Dep<Greeter>) -> String {
///     greeter.greeting
/// }
///
/// let app = App::new(Settings::default())
///     .dep(Greeter { greeting: "hello".into() })
///     .route("/hello", get(hello));
/// ```
#[derive(Debug, Clone)]
pub struct Dep<T>(pub T);

impl<T, S> FromRequestParts<S> for Dep<T>
where
    T: Clone + Send + Sync + 'static,
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(_parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // Unreachable for routes added through `fastrs::routing` (checked at start-up); only a
        // plain axum route could get here.
        AppState::from_ref(state)
            .deps()
            .get::<T>()
            .map(Dep)
            .ok_or_else(|| {
                ApiError::internal(format!(
                    "no dependency of type {} is registered",
                    type_name::<T>()
                ))
            })
    }
}
