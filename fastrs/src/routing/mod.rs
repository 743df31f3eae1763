//! Routing for hand-written handlers: [`get`], [`post`], [`put`], [`patch`], [`delete`] work
//! like axum's, and also record what each handler needs (from the types of its extractors), so
//! the app can check at start-up that every [`Dep<T>`](crate::extract::Dep) it asks for is
//! registered.
//!
//! ```
//! use fastrs::prelude::*;
//!
//! async fn health() -> &'static str { "ok" }
//!
//! let app = App::new(Settings::default()).route("/health", get(health));
//! ```
//!
//! Every extractor of a handler must implement [`ApiInput`]; fastrs's and axum's own do. For an
//! extractor of yours, an empty `impl fastrs::routing::ApiInput for MyExtractor {}` is enough.

use std::any::{TypeId, type_name};
use std::future::Future;

use axum::extract::{FromRequest, FromRequestParts};
use axum::handler::Handler;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::MethodRouter;

use crate::openapi::Registry;
use crate::state::AppState;

mod known;

#[doc(hidden)]
pub use known::document_http_error;

/// Something an operation needs that the app must provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    /// What is needed.
    pub kind: RequirementKind,
    /// The type: the dependency, or the user model.
    pub type_id: TypeId,
    /// Its name, for the start-up error.
    pub type_name: &'static str,
}

/// What kind of thing a [`Requirement`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequirementKind {
    /// A dependency registered with [`App::dep`](crate::App::dep).
    Dep,
    /// Authentication as this user model ([`App::auth`](crate::App::auth)).
    User,
}

impl Requirement {
    /// The requirement of a [`Dep<T>`](crate::extract::Dep).
    pub fn dep<T: 'static>() -> Self {
        Self {
            kind: RequirementKind::Dep,
            type_id: TypeId::of::<T>(),
            type_name: type_name::<T>(),
        }
    }

    /// The requirement of a [`CurrentUser<U>`](crate::auth::CurrentUser).
    pub fn user<U: 'static>() -> Self {
        Self {
            kind: RequirementKind::User,
            type_id: TypeId::of::<U>(),
            type_name: type_name::<U>(),
        }
    }
}

/// Documents an operation (a utoipa `Operation`) with the schemas it uses.
pub type Document = fn(&mut utoipa::openapi::path::Operation, &mut Registry);

/// What the app knows of one method of one route: what it needs, and how to document it.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The HTTP method.
    pub method: Method,
    /// The dependencies its handler extracts.
    pub requires: Vec<Requirement>,
    /// The handler's type name (`crate::module::handler`), for the default operation id and summary.
    pub handler: &'static str,
    /// Documents the operation from the handler's extractors and return type.
    pub document: Document,
    /// Overrides the operation id (default: `{handler}_{method}`).
    pub operation_id: Option<String>,
    /// Overrides the summary (default: the handler's name, as words).
    pub summary: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Marks the operation deprecated.
    pub deprecated: bool,
    /// Extra error responses, `(status, description)`.
    pub responses: Vec<(String, String)>,
    /// What the router's dependencies add to the document (see [`ApiRouter::dependency`]).
    pub also: Vec<Document>,
    /// A WebSocket or an event stream: the only routes whose `GET` may carry a token in its URL.
    pub streaming: bool,
}

/// An extractor's contribution to its operation's description: what it needs from the app, and
/// what it adds to the OpenAPI operation (parameters, body, security, error answers). Every
/// method has a default, so an empty impl is valid.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not known to fastrs's routing",
    note = "fastrs describes routes from their extractors: add `impl fastrs::routing::ApiInput for {Self} {{}}`"
)]
pub trait ApiInput {
    /// Adds what this extractor needs to `operation`.
    fn describe(_operation: &mut Operation) {}

    /// Documents what this extractor reads.
    fn document(_operation: &mut utoipa::openapi::path::Operation, _registry: &mut Registry) {}
}

/// A handler's return type's contribution to its operation's description: its responses.
#[diagnostic::on_unimplemented(
    message = "fastrs cannot document `{Self}` as a response",
    note = "return `Json<T>` with `T: fastrs::openapi::ToSchema`, `String`, `StatusCode`, `Result<_, ApiError>`..., or add `impl fastrs::routing::ApiOutput for {Self} {{}}`"
)]
pub trait ApiOutput {
    /// Adds what this answer needs to `operation` (an event stream marks it streaming).
    fn describe(_operation: &mut Operation) {}

    /// Documents the responses.
    fn document(_operation: &mut utoipa::openapi::path::Operation, _registry: &mut Registry) {}
}

/// A handler whose extractors all implement [`ApiInput`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a fastrs handler",
    note = "a handler is an `async fn` whose arguments are extractors (each implementing `ApiInput` and axum's `FromRequestParts`, the last may be `FromRequest`) and whose output implements `IntoResponse` and `ApiOutput`",
    note = "put `#[fastrs::handler]` on the function: each argument that is not an extractor is then reported where it is, with the trait it lacks"
)]
pub trait ApiHandler<T>: Handler<T, AppState> {
    /// Describes the handler's operation from its extractors.
    fn describe(operation: &mut Operation);

    /// Documents the handler's operation from its extractors and return type.
    fn document(operation: &mut utoipa::openapi::path::Operation, registry: &mut Registry);
}

impl<F, Fut, Res> ApiHandler<((),)> for F
where
    F: FnOnce() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Res> + Send,
    Res: IntoResponse + ApiOutput,
{
    fn describe(operation: &mut Operation) {
        Res::describe(operation);
    }

    fn document(operation: &mut utoipa::openapi::path::Operation, registry: &mut Registry) {
        Res::document(operation, registry);
    }
}

macro_rules! api_handler {
    ([$($ty:ident),*], $last:ident) => {
        impl<F, Fut, Res, M, $($ty,)* $last> ApiHandler<(M, $($ty,)* $last,)> for F
        where
            F: FnOnce($($ty,)* $last) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = Res> + Send,
            Res: IntoResponse + ApiOutput,
            $($ty: FromRequestParts<AppState> + ApiInput + Send,)*
            $last: FromRequest<AppState, M> + ApiInput + Send,
        {
            fn describe(operation: &mut Operation) {
                $($ty::describe(operation);)*
                $last::describe(operation);
                Res::describe(operation);
            }

            fn document(operation: &mut utoipa::openapi::path::Operation, registry: &mut Registry) {
                $($ty::document(operation, registry);)*
                $last::document(operation, registry);
                Res::document(operation, registry);
            }
        }
    };
}

api_handler!([], T1);
api_handler!([T1], T2);
api_handler!([T1, T2], T3);
api_handler!([T1, T2, T3], T4);
api_handler!([T1, T2, T3, T4], T5);
api_handler!([T1, T2, T3, T4, T5], T6);
api_handler!([T1, T2, T3, T4, T5, T6], T7);
api_handler!([T1, T2, T3, T4, T5, T6, T7], T8);
api_handler!([T1, T2, T3, T4, T5, T6, T7, T8], T9);
api_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9], T10);
api_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9, T10], T11);
api_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11], T12);

/// The methods of one path, with their descriptions: what `.route(path, ...)` takes.
pub struct ApiMethodRouter {
    pub(crate) router: MethodRouter<AppState>,
    pub(crate) operations: Vec<Operation>,
    /// The router dependencies' guards, applied once the app's state exists.
    pub(crate) guards: Vec<Guard>,
}

/// Runs an extractor before a route's handler (a router's dependency), with the app's state.
pub(crate) type Guard = fn(MethodRouter<AppState>, &AppState) -> MethodRouter<AppState>;

fn guard<E>(router: MethodRouter<AppState>, state: &AppState) -> MethodRouter<AppState>
where
    E: FromRequestParts<AppState> + Send + 'static,
    E::Rejection: IntoResponse,
{
    router.route_layer(axum::middleware::from_extractor_with_state::<E, AppState>(
        state.clone(),
    ))
}

impl ApiMethodRouter {
    /// The axum router with the dependencies' guards (they run before the handler, in the order
    /// they were declared, outermost router first).
    pub(crate) fn into_router(self, state: &AppState) -> MethodRouter<AppState> {
        let router = self
            .guards
            .iter()
            .rev()
            .fold(self.router, |router, guard| guard(router, state));
        if self.operations.iter().any(|operation| operation.streaming) {
            router.route_layer(axum::Extension(crate::auth::StreamingRoute))
        } else {
            router
        }
    }
}

fn operation<H: ApiHandler<T>, T>(method: Method) -> Operation {
    let mut operation = Operation {
        method,
        requires: Vec::new(),
        handler: type_name::<H>(),
        document: H::document,
        operation_id: None,
        summary: None,
        description: None,
        tags: Vec::new(),
        deprecated: false,
        responses: Vec::new(),
        also: Vec::new(),
        streaming: false,
    };
    H::describe(&mut operation);
    operation
}

macro_rules! methods {
    ($($name:ident $method:ident),*) => {
        $(
            #[doc = concat!("Routes `", stringify!($method), "` requests to `handler`.")]
            pub fn $name<H: ApiHandler<T>, T: 'static>(handler: H) -> ApiMethodRouter {
                ApiMethodRouter {
                    operations: vec![operation::<H, T>(Method::$method)],
                    router: axum::routing::$name(handler),
                    guards: Vec::new(),
                }
            }
        )*

        impl ApiMethodRouter {
            $(
                #[doc = concat!("Also routes `", stringify!($method), "` requests to `handler`.")]
                pub fn $name<H: ApiHandler<T>, T: 'static>(mut self, handler: H) -> Self {
                    self.operations.push(operation::<H, T>(Method::$method));
                    self.router = self.router.$name(handler);
                    self
                }
            )*

            /// The operations of this path.
            pub fn operations(&self) -> &[Operation] {
                &self.operations
            }

            fn last(&mut self) -> Option<&mut Operation> {
                self.operations.last_mut()
            }

            /// Sets the summary of the method added last.
            pub fn summary(mut self, summary: &str) -> Self {
                if let Some(op) = self.last() { op.summary = Some(summary.to_owned()); }
                self
            }

            /// Sets the description of the method added last.
            pub fn description(mut self, description: &str) -> Self {
                if let Some(op) = self.last() { op.description = Some(description.to_owned()); }
                self
            }

            /// Adds a tag to the method added last.
            pub fn tag(mut self, tag: &str) -> Self {
                if let Some(op) = self.last() { op.tags.push(tag.to_owned()); }
                self
            }

            /// Sets the operation id of the method added last.
            pub fn operation_id(mut self, id: &str) -> Self {
                if let Some(op) = self.last() { op.operation_id = Some(id.to_owned()); }
                self
            }

            /// Marks the method added last deprecated.
            pub fn deprecated(mut self) -> Self {
                if let Some(op) = self.last() { op.deprecated = true; }
                self
            }

            /// Limits request bodies of the methods added so far to `bytes` (413 above it;
            /// the default is axum's 2 MB).
            pub fn body_limit(mut self, bytes: usize) -> Self {
                self.router = self.router.layer(axum::extract::DefaultBodyLimit::max(bytes));
                self
            }

            /// Gives the methods added so far a deadline of their own (503 + `Retry-After`
            /// when it passes), inside the app's `REQUEST_TIMEOUT_SECONDS`.
            pub fn timeout(mut self, limit: std::time::Duration) -> Self {
                self.router = self.router.layer(crate::middleware::DeadlineLayer(limit));
                self
            }

            /// Documents an error answer (`{"detail": ...}`) of the method added last, e.g.
            /// `.response("404", "No such order")`.
            pub fn response(mut self, status: &str, description: &str) -> Self {
                if let Some(op) = self.last() { op.responses.push((status.to_owned(), description.to_owned())); }
                self
            }
        }
    };
}

methods!(get GET, post POST, put PUT, patch PATCH, delete DELETE);

/// A router dependency: its guard, what it documents, what it needs from the app.
type RouterDependency = (Guard, Document, fn(&mut Operation));

/// A group of routes (FastAPI's `APIRouter`): mounted under a prefix with
/// [`App::nest`](crate::App::nest) or nested into another router with [`ApiRouter::nest`], with
/// tags and dependencies that apply to every route it holds.
///
/// A dependency is an extractor run before each route's handler, whose value is dropped: a
/// guard such as "the caller is an admin" (FastAPI's `dependencies=[...]`). It is documented on
/// every route (its parameters, its security). Make it a [`Depends`](crate::extract::Depends)
/// and a handler asking for the same value gets the one computed for the guard.
///
/// ```
/// use fastrs::prelude::*;
/// use fastrs::extract::{Dependency, Depends};
/// use fastrs::routing::ApiRouter;
///
/// /// The `X-Admin-Key` header must be present.
/// #[derive(Clone)]
/// struct AdminKey;
///
/// impl Dependency for AdminKey {
///     async fn build(parts: &mut fastrs::http::request::Parts, _state: &fastrs::state::AppState) -> Result<Self, ApiError> {
///         parts.headers.get("x-admin-key").map(|_| AdminKey).ok_or_else(|| ApiError::forbidden("admins only"))
///     }
/// }
///
/// async fn ping() -> &'static str { "pong" }
///
/// let admin = ApiRouter::new()
///     .tag("admin")
///     .dependency::<Depends<AdminKey>>()
///     .route("/ping", get(ping));
/// let app = App::new(Settings::default()).nest("/admin", admin);
/// ```
#[derive(Default)]
pub struct ApiRouter {
    pub(crate) routes: Vec<(String, ApiMethodRouter)>,
    tags: Vec<String>,
    dependencies: Vec<RouterDependency>,
}

impl ApiRouter {
    /// No routes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a path.
    pub fn route(mut self, path: &str, methods: ApiMethodRouter) -> Self {
        self.routes.push((path.to_owned(), methods));
        self
    }

    /// Mounts `router`'s routes under `prefix` (its tags and dependencies, then this router's).
    pub fn nest(mut self, prefix: &str, router: ApiRouter) -> Self {
        self.routes.extend(router.under(prefix));
        self
    }

    /// The routes with the router's tags and dependencies applied, under `prefix`.
    pub(crate) fn under(self, prefix: &str) -> impl Iterator<Item = (String, ApiMethodRouter)> {
        let prefix = prefix.trim_end_matches('/').to_owned();
        self.into_routes()
            .into_iter()
            .map(move |(path, methods)| (format!("{prefix}{path}"), methods))
    }

    /// Tags every route of the router.
    pub fn tag(mut self, tag: &str) -> Self {
        self.tags.push(tag.to_owned());
        self
    }

    /// Runs the extractor `E` before every route of the router; its rejection answers instead
    /// of the handler.
    pub fn dependency<E>(mut self) -> Self
    where
        E: FromRequestParts<AppState> + ApiInput + Send + 'static,
        E::Rejection: IntoResponse,
    {
        self.dependencies
            .push((guard::<E>, E::document, E::describe));
        self
    }

    /// The routes with the router's tags and dependencies applied.
    fn into_routes(self) -> Vec<(String, ApiMethodRouter)> {
        let ApiRouter {
            routes,
            tags,
            dependencies,
        } = self;
        routes
            .into_iter()
            .map(|(path, mut methods)| {
                // Outer routers' guards run first: they go in front.
                let mut guards: Vec<Guard> = dependencies.iter().map(|d| d.0).collect();
                guards.append(&mut methods.guards);
                methods.guards = guards;
                for operation in &mut methods.operations {
                    let mut own = std::mem::take(&mut operation.tags);
                    operation.tags = tags.clone();
                    operation.tags.append(&mut own);
                    for (_, document, describe) in &dependencies {
                        operation.also.push(*document);
                        describe(operation);
                    }
                }
                (path, methods)
            })
            .collect()
    }
}
