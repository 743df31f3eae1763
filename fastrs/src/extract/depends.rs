//! [`Depends`]: a value built from other extractors (FastAPI's sub-dependencies), once per
//! request however many parts of a handler ask for it.

use std::future::Future;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

use crate::ApiError;
use crate::openapi::{Operation, Registry};
use crate::state::AppState;
use crate::tasks::TaskSlot;

/// A type built from the request by other extractors: the user, the database, a header, a
/// [`Dep<T>`](crate::extract::Dep), another `Depends<T>`. Implement it, then take
/// [`Depends<T>`] in handlers (or in other dependencies).
///
/// ```
/// use fastrs::prelude::*;
/// use fastrs::extract::{Dependency, Depends};
/// use fastrs::axum::http::request::Parts;
/// use fastrs::openapi::{Operation, Registry, ParameterIn, ToSchema, operation};
///
/// /// The tenant a request is for, from `X-Tenant`, checked against the known ones.
/// #[derive(Clone)]
/// struct Tenant(String);
///
/// #[derive(Clone)]
/// struct Tenants(Vec<String>);
///
/// impl Dependency for Tenant {
///     async fn build(parts: &mut Parts, state: &fastrs::state::AppState) -> Result<Self, ApiError> {
///         let Dep(known) = Dep::<Tenants>::from_request_parts(parts, state).await?;
///         let name = parts.headers.get("x-tenant").and_then(|v| v.to_str().ok()).unwrap_or("");
///         match known.0.iter().any(|t| t == name) {
///             true => Ok(Tenant(name.to_owned())),
///             false => Err(ApiError::forbidden("Unknown tenant")),
///         }
///     }
///
///     fn document(op: &mut Operation, _registry: &mut Registry) {
///         operation::parameter(op, "X-Tenant", ParameterIn::Header, true, String::schema());
///     }
/// }
///
/// async fn hello(Depends(tenant): Depends<Tenant>) -> String {
///     tenant.0
/// }
/// # use fastrs::axum::extract::FromRequestParts;
///
/// let app = App::new(Settings::default())
///     .dep(Tenants(vec!["acme".into()]))
///     .route("/hello", get(hello));
/// ```
pub trait Dependency: Clone + Send + Sync + 'static {
    /// Builds the value from the request (other extractors, the app's state).
    fn build(
        parts: &mut Parts,
        state: &AppState,
    ) -> impl Future<Output = Result<Self, ApiError>> + Send;

    /// Adds what it reads to the operation's document: its parameters and security (call the
    /// `ApiInput::document` of the extractors it uses). Default: nothing.
    fn document(_operation: &mut Operation, _registry: &mut Registry) {}

    /// Work to do once the response has been sent, whatever it was (the code after `yield` in a
    /// FastAPI dependency): release what `build` took. `None` (the default) costs nothing.
    /// It runs on the value built for the request, after the request's background tasks; an
    /// instance registered with [`App::dep`](crate::App::dep) in its place is not torn down.
    /// On a WebSocket route the response is the upgrade, so the teardown runs when the upgrade
    /// is answered, not when the socket closes: release what a socket holds in the socket's
    /// own task.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use fastrs::prelude::*;
    /// use fastrs::extract::Dependency;
    /// use fastrs::axum::http::request::Parts;
    ///
    /// /// A slot of a limited resource, given back after the response.
    /// #[derive(Clone)]
    /// struct Slot(Arc<AtomicUsize>);
    ///
    /// impl Dependency for Slot {
    ///     async fn build(_parts: &mut Parts, state: &fastrs::state::AppState) -> Result<Self, ApiError> {
    ///         # let in_use = Arc::new(AtomicUsize::new(0));
    ///         in_use.fetch_add(1, Ordering::SeqCst);
    ///         Ok(Slot(in_use))
    ///     }
    ///
    ///     fn teardown(self) -> Option<impl Future<Output = ()> + Send> {
    ///         Some(async move {
    ///             self.0.fetch_sub(1, Ordering::SeqCst);
    ///         })
    ///     }
    /// }
    /// ```
    fn teardown(self) -> Option<impl Future<Output = ()> + Send> {
        None::<std::future::Ready<()>>
    }
}

/// A [`Dependency`], built once per request (later askers get a clone), or the instance the
/// app registered with [`App::dep`](crate::App::dep) / [`App::override_dep`](crate::App::override_dep)
/// in its place (a test's stand-in).
#[derive(Debug, Clone)]
pub struct Depends<T>(pub T);

/// A built dependency, kept for the rest of the request.
#[derive(Clone)]
struct Built<T>(T);

impl<T: Dependency, S> FromRequestParts<S> for Depends<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if let Some(Built(value)) = parts.extensions.get::<Built<T>>() {
            return Ok(Depends(value.clone()));
        }
        let state = AppState::from_ref(state);
        let value = match state.deps().get::<T>() {
            Some(stand_in) => stand_in,
            None => {
                let value = T::build(parts, &state).await?;
                if let Some(teardown) = value.clone().teardown() {
                    match parts.extensions.get::<TaskSlot>() {
                        Some(slot) => slot.cleanup(state.tasks(), Box::pin(teardown)),
                        // Not a fastrs route: nothing tells when the response is sent, and
                        // tearing down now would hand the handler a released value.
                        None => tracing::warn!(
                            dependency = std::any::type_name::<T>(),
                            "a dependency with a teardown outside a fastrs route: not torn down"
                        ),
                    }
                }
                value
            }
        };
        parts.extensions.insert(Built(value.clone()));
        Ok(Depends(value))
    }
}
