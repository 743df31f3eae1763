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

use crate::app::AppState;

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

/// What the app knows of one method of one route.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The HTTP method.
    pub method: Method,
    /// The dependencies its handler extracts.
    pub requires: Vec<Requirement>,
}

/// An extractor's contribution to its operation's description. Every method has a default, so
/// an empty impl is valid.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not known to fastrs's routing",
    note = "fastrs describes routes from their extractors: add `impl fastrs::routing::ApiInput for {Self} {{}}`"
)]
pub trait ApiInput {
    /// Adds what this extractor needs to `operation`.
    fn describe(_operation: &mut Operation) {}
}

/// A handler whose extractors all implement [`ApiInput`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a fastrs handler",
    note = "a handler is an `async fn` whose arguments are extractors (each implementing `ApiInput` and axum's `FromRequestParts`, the last may be `FromRequest`) and whose output implements `IntoResponse`"
)]
pub trait ApiHandler<T>: Handler<T, AppState> {
    /// Describes the handler's operation from its extractors.
    fn describe(operation: &mut Operation);
}

impl<F, Fut, Res> ApiHandler<((),)> for F
where
    F: FnOnce() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Res> + Send,
    Res: IntoResponse,
{
    fn describe(_operation: &mut Operation) {}
}

macro_rules! api_handler {
    ([$($ty:ident),*], $last:ident) => {
        impl<F, Fut, Res, M, $($ty,)* $last> ApiHandler<(M, $($ty,)* $last,)> for F
        where
            F: FnOnce($($ty,)* $last) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = Res> + Send,
            Res: IntoResponse,
            $($ty: FromRequestParts<AppState> + ApiInput + Send,)*
            $last: FromRequest<AppState, M> + ApiInput + Send,
        {
            fn describe(operation: &mut Operation) {
                $($ty::describe(operation);)*
                $last::describe(operation);
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
}

fn operation<H: ApiHandler<T>, T>(method: Method) -> Operation {
    let mut operation = Operation {
        method,
        requires: Vec::new(),
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
        }
    };
}

methods!(get GET, post POST, put PUT, patch PATCH, delete DELETE);

/// A group of routes to mount under a prefix with [`App::nest`](crate::App::nest).
///
/// ```
/// use fastrs::prelude::*;
/// use fastrs::routing::ApiRouter;
///
/// async fn ping() -> &'static str { "pong" }
///
/// let admin = ApiRouter::new().route("/ping", get(ping));
/// let app = App::new(Settings::default()).nest("/admin", admin);
/// ```
#[derive(Default)]
pub struct ApiRouter {
    pub(crate) routes: Vec<(String, ApiMethodRouter)>,
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
}

macro_rules! plain_inputs {
    ($($ty:ty),*) => {$( impl ApiInput for $ty {} )*};
}

plain_inputs!(
    axum::http::HeaderMap,
    axum::http::Method,
    axum::http::Uri,
    axum::http::request::Parts,
    axum::body::Bytes,
    axum::body::Body,
    axum::extract::Request,
    axum::extract::RawQuery,
    axum::extract::MatchedPath,
    axum::extract::State<AppState>,
    String,
    crate::db::Db,
    crate::extract::Page
);

impl<T> ApiInput for axum::Json<T> {}
impl<T> ApiInput for axum::Form<T> {}
impl<T> ApiInput for axum::extract::Path<T> {}
impl<T> ApiInput for axum::extract::Query<T> {}
impl<T> ApiInput for axum::Extension<T> {}
impl<T> ApiInput for crate::extract::ValidJson<T> {}
impl<T> ApiInput for crate::extract::Path<T> {}
impl<T> ApiInput for crate::extract::Query<T> {}
impl<T: ApiInput> ApiInput for Option<T> {
    fn describe(operation: &mut Operation) {
        T::describe(operation);
    }
}

impl<U: 'static> ApiInput for crate::auth::CurrentUser<U> {
    fn describe(operation: &mut Operation) {
        operation.requires.push(Requirement::user::<U>());
    }
}

impl<U: 'static> ApiInput for crate::auth::OptionalUser<U> {
    fn describe(operation: &mut Operation) {
        operation.requires.push(Requirement::user::<U>());
    }
}

impl<T: 'static> ApiInput for crate::extract::Dep<T> {
    fn describe(operation: &mut Operation) {
        operation.requires.push(Requirement::dep::<T>());
    }
}
