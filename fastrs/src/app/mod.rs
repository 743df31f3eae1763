//! [`App`]: the builder that turns resources and routes into a served axum application.

mod check;
mod cli;
mod run;
mod tables;

use tables::distinct;

use std::any::TypeId;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;

pub use crate::settings::{CorsSettings, Settings};
pub use crate::state::AppState;

use crate::auth::{
    AuthOptions, AuthSettings, AuthState, AuthUser, Keys, PasswordHasher, UserOverride,
};
use crate::crud::Env;
use crate::db::Pool;
use crate::openapi::document::Parts;
use crate::openapi::{DocsOptions, OpenApi, document};
use crate::resource::{Operations, ResourceMeta};
use crate::routing::{ApiMethodRouter, ApiRouter};
use crate::state::Deps;

struct Mount {
    meta: &'static ResourceMeta,
    router: fn(&Env, Operations) -> Router<AppState>,
}

type AuthFuture = Pin<Box<dyn Future<Output = crate::Result<AuthState>> + Send>>;
type AuthStateFn = fn(AuthSettings, Keys, Pool, PasswordHasher) -> AuthFuture;

struct AuthMount {
    meta: &'static ResourceMeta,
    type_id: TypeId,
    options: AuthOptions,
    state: AuthStateFn,
    router: fn(&AuthOptions) -> Router<AppState>,
}

fn auth_state<U: AuthUser>(
    settings: AuthSettings,
    keys: Keys,
    pool: Pool,
    hasher: PasswordHasher,
) -> AuthFuture {
    Box::pin(async move { AuthState::new::<U>(settings, keys, pool, &hasher).await })
}

/// The application: settings, resources, hand-written routes and dependencies.
///
/// ```no_run
/// use fastrs::prelude::*;
///
/// #[derive(Resource)]
/// #[resource(table = "todos", path = "/todos")]
/// pub struct Todo {
///     #[resource(id)]
///     pub id: i64,
///     #[validate(length(min = 1, max = 200))]
///     pub title: String,
///     #[resource(default = false)]
///     pub done: bool,
/// }
///
/// #[tokio::main]
/// async fn main() -> fastrs::Result<()> {
///     App::from_env()?.resource::<Todo>().serve().await
/// }
/// ```
pub struct App {
    user_override: Option<UserOverride>,
    settings: Settings,
    docs: DocsOptions,
    resources: Vec<Mount>,
    auth: Option<AuthMount>,
    routes: Vec<(String, ApiMethodRouter)>,
    deps: Deps,
    layers: Vec<Box<dyn FnOnce(Router) -> Router + Send>>,
    error_format: Option<Arc<dyn crate::error::ErrorFormat>>,
    prefix: Option<String>,
    on_startup: Vec<StartupHook>,
    on_shutdown: Vec<ShutdownHook>,
    described: Vec<(String, String, crate::openapi::OperationDocs)>,
    migrations: Option<crate::migrate::Migrations>,
}

type StartupHook = Box<
    dyn FnOnce(AppState) -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>>
        + Send,
>;
type ShutdownHook =
    Box<dyn FnOnce(AppState) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

impl App {
    /// An app with [`Settings::from_env`]: the database from `DATABASE_URL` (SQLite's
    /// `./fastrs.db` without it), the secret from `SECRET_KEY`; a bad value is an error that
    /// names the variable.
    ///
    /// ```no_run
    /// # async fn run() -> fastrs::Result<()> {
    /// fastrs::App::from_env()?.serve().await
    /// # }
    /// ```
    pub fn from_env() -> crate::Result<Self> {
        Ok(Self::new(Settings::from_env()?))
    }

    /// An app with these settings (tests build them by hand; servers use
    /// [`from_env`](App::from_env)).
    ///
    /// ```
    /// use fastrs::prelude::*;
    ///
    /// let app = App::new(Settings::default());
    /// assert_eq!(app.settings().page.default_limit, Settings::default().page.default_limit);
    /// ```
    pub fn new(settings: Settings) -> Self {
        Self {
            user_override: None,
            settings,
            docs: DocsOptions::default(),
            resources: Vec::new(),
            auth: None,
            routes: Vec::new(),
            deps: Deps::default(),
            layers: Vec::new(),
            error_format: None,
            prefix: None,
            on_startup: Vec::new(),
            on_shutdown: Vec::new(),
            described: Vec::new(),
            migrations: None,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Changes the settings.
    ///
    /// ```
    /// use fastrs::prelude::*;
    ///
    /// let app = App::new(Settings::default()).with_settings(|s| s.page.default_limit = 10);
    /// assert_eq!(app.settings().page.default_limit, 10);
    /// ```
    pub fn with_settings(mut self, change: impl FnOnce(&mut Settings)) -> Self {
        change(&mut self.settings);
        self
    }

    /// Mounts the CRUD routes of `R` (and creates its table at start-up unless
    /// `FASTRS_CREATE_TABLES=false`): the operations it declares
    /// (`#[resource(operations(...))]`, default all), except those a hand-written route at the
    /// same method and path replaces ([`App::route`]; it is then the one documented).
    ///
    /// ```
    /// use fastrs::prelude::*;
    ///
    /// #[derive(Resource)]
    /// pub struct Note {
    ///     #[resource(id)]
    ///     pub id: i64,
    ///     pub text: String,
    /// }
    ///
    /// let app = App::new(Settings::default()).resource::<Note>();
    /// let document = app.openapi_json();
    /// assert!(document.contains("\"/notes/{id}\""));
    /// ```
    pub fn resource<R: crate::hooks::Hooks>(mut self) -> Self {
        self.resources.push(Mount {
            meta: R::meta(),
            router: crate::crud::router::<R>,
        });
        self
    }

    /// The app's schema is kept by the migrations under `dir` (`dir/sqlite`,
    /// `dir/postgres`; see [`crate::migrate`]): start-up applies the pending ones
    /// (`FASTRS_MIGRATE=false` does not) instead of creating tables, and warns when a model
    /// changed since the last one. The app's `migrate make NAME` command writes the next.
    ///
    /// ```no_run
    /// # fn demo(app: fastrs::App) -> fastrs::App {
    /// app.migrations(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
    /// # }
    /// ```
    pub fn migrations(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.migrations = Some(crate::migrate::Migrations::new(dir));
        self
    }

    /// Sets the document's title, version and description, and where the document and its UIs
    /// are served (`None` switches one off).
    ///
    /// ```
    /// use fastrs::prelude::*;
    /// use fastrs::openapi::DocsOptions;
    ///
    /// let app = App::new(Settings::default()).docs(DocsOptions {
    ///     title: "Notes".into(),
    ///     redoc_path: None,
    ///     ..DocsOptions::default()
    /// });
    /// assert_eq!(app.openapi().info.title, "Notes");
    /// ```
    pub fn docs(mut self, docs: DocsOptions) -> Self {
        self.docs = docs;
        self
    }

    /// The OpenAPI document of everything registered so far. Needs no database: it can be
    /// written to a file without starting a server (the app's `openapi` command prints it).
    ///
    /// ```
    /// use fastrs::prelude::*;
    ///
    /// async fn health() -> &'static str {
    ///     "ok"
    /// }
    ///
    /// let document = App::new(Settings::default()).route("/health", get(health)).openapi();
    /// assert!(document.paths.paths.contains_key("/health"));
    /// ```
    pub fn openapi(&self) -> OpenApi {
        let resources = distinct(self.resources.iter().map(|mount| mount.meta))
            .into_iter()
            .map(|meta| (meta, self.generated(meta)))
            .collect();
        let routes = self
            .routes
            .iter()
            .flat_map(|(path, methods)| {
                methods.operations.iter().map(move |op| (path.as_str(), op))
            })
            .collect();
        let mut openapi = document(Parts {
            options: &self.docs,
            page: self.settings.page,
            resources,
            auth: self.auth.as_ref().map(|auth| (auth.meta, &auth.options)),
            routes,
            error_format: self.error_format.clone(),
            prefix: self.prefix.as_deref(),
        });
        // Pairs naming no operation are reported by `check` at start-up.
        crate::openapi::apply_docs(&mut openapi, &self.described);
        openapi
    }

    /// [`App::openapi`] as pretty JSON.
    pub fn openapi_json(&self) -> String {
        self.openapi().to_pretty_json().unwrap_or_default()
    }

    /// Authenticates users of `U` (a `#[resource(user)]` model): mounts `/auth/register`,
    /// `/auth/token`, `/auth/refresh`, `/auth/password` and `/users/me`, and enables
    /// [`CurrentUser<U>`](crate::auth::CurrentUser) and resources' `auth(...)` / `owner`.
    /// Needs `SECRET_KEY` (see [`AuthSettings`]).
    ///
    /// ```
    /// use fastrs::prelude::*;
    ///
    /// #[derive(Resource)]
    /// #[resource(user)]
    /// pub struct User {
    ///     #[resource(id)]
    ///     pub id: i64,
    ///     #[resource(login, unique)]
    ///     pub email: String,
    ///     #[resource(password)]
    ///     pub password: String,
    /// }
    ///
    /// let document = App::new(Settings::default()).auth::<User>().openapi_json();
    /// assert!(document.contains("/auth/token") && document.contains("/users/me"));
    /// ```
    pub fn auth<U: AuthUser>(self) -> Self {
        self.auth_with::<U>(AuthOptions::default())
    }

    /// [`App::auth`] with other route prefixes, another `Authorization` scheme, or without the
    /// built-in routes (an app that writes its own with [`Accounts`](crate::auth::Accounts)).
    ///
    /// ```
    /// use fastrs::auth::AuthOptions;
    /// use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # #[resource(user)]
    /// # pub struct User {
    /// #     #[resource(id)] pub id: i64,
    /// #     #[resource(login, unique)] pub email: String,
    /// #     #[resource(password)] pub password: String,
    /// # }
    ///
    /// let app = App::new(Settings::default()).auth_with::<User>(AuthOptions {
    ///     auth_prefix: "/account".into(),
    ///     ..AuthOptions::default()
    /// });
    /// assert!(app.openapi_json().contains("/account/token"));
    /// ```
    pub fn auth_with<U: AuthUser>(mut self, options: AuthOptions) -> Self {
        self.auth = Some(AuthMount {
            meta: U::meta(),
            type_id: TypeId::of::<U>(),
            options,
            state: auth_state::<U>,
            router: crate::auth::routes::router::<U>,
        });
        self
    }

    /// Adds a hand-written route. Its handler runs with a per-request transaction available
    /// through [`Db`](crate::db::Db); the document describes it from its extractors and its
    /// return type.
    ///
    /// ```
    /// use fastrs::prelude::*;
    ///
    /// #[derive(Model)]
    /// pub struct Echo {
    ///     #[validate(length(min = 1))]
    ///     pub text: String,
    /// }
    ///
    /// async fn echo(ValidJson(body): ValidJson<Echo>) -> Json<Echo> {
    ///     Json(body)
    /// }
    ///
    /// let app = App::new(Settings::default()).route("/echo", post(echo));
    /// assert!(app.openapi_json().contains("\"/echo\""));
    /// ```
    pub fn route(mut self, path: &str, methods: ApiMethodRouter) -> Self {
        self.routes.push((path.to_owned(), methods));
        self
    }

    /// Changes the document of the operation at `method` and `path` (as documented: without
    /// the app's [`prefix`](App::prefix)), a generated one included: its summary, description,
    /// tags. A pair that names no operation is a start-up error.
    ///
    /// ```
    /// use fastrs::prelude::*;
    /// use fastrs::openapi::OperationDocs;
    ///
    /// #[derive(Resource)]
    /// struct Post {
    ///     #[resource(id)]
    ///     id: i64,
    ///     title: String,
    /// }
    ///
    /// let app = App::new(Settings::default())
    ///     .resource::<Post>()
    ///     .describe("GET", "/posts", OperationDocs::new().summary("Browse posts").tag("public"));
    /// assert!(app.openapi_json().contains("Browse posts"));
    /// ```
    pub fn describe(
        mut self,
        method: &str,
        path: &str,
        docs: crate::openapi::OperationDocs,
    ) -> Self {
        self.described
            .push((method.to_ascii_uppercase(), path.to_owned(), docs));
        self
    }

    /// Mounts a group of routes under `prefix`: an [`ApiRouter`], with its tags and
    /// dependencies.
    ///
    /// ```
    /// use fastrs::prelude::*;
    /// use fastrs::routing::ApiRouter;
    ///
    /// async fn ping() -> &'static str {
    ///     "pong"
    /// }
    ///
    /// let admin = ApiRouter::new().route("/ping", get(ping));
    /// let app = App::new(Settings::default()).nest("/admin", admin);
    /// assert!(app.openapi_json().contains("\"/admin/ping\""));
    /// ```
    pub fn nest(mut self, prefix: &str, router: ApiRouter) -> Self {
        self.routes.extend(router.under(prefix));
        self
    }

    /// Registers a dependency for [`Dep<T>`](crate::extract::Dep): one value, cloned into
    /// each request that asks for it. A handler asking for one never registered is a start-up
    /// error.
    ///
    /// ```
    /// use fastrs::prelude::*;
    ///
    /// #[derive(Clone)]
    /// struct Mailer {
    ///     from: String,
    /// }
    ///
    /// async fn sender(Dep(mailer): Dep<Mailer>) -> String {
    ///     mailer.from
    /// }
    ///
    /// let app = App::new(Settings::default())
    ///     .dep(Mailer { from: "noreply@example.com".into() })
    ///     .route("/sender", get(sender));
    /// ```
    pub fn dep<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.deps.insert(value);
        self
    }

    /// Replaces a dependency (FastAPI's `dependency_overrides`), typically in tests.
    ///
    /// ```
    /// use fastrs::prelude::*;
    ///
    /// #[derive(Clone)]
    /// struct Clock(i64);
    ///
    /// fn app() -> App {
    ///     App::new(Settings::default()).dep(Clock(0))
    /// }
    ///
    /// // In a test: a clock that says what the test needs.
    /// let test_app = app().override_dep(Clock(1_700_000_000));
    /// ```
    pub fn override_dep<T: Clone + Send + Sync + 'static>(self, value: T) -> Self {
        self.dep(value)
    }

    /// Makes every request authenticated as the user `make` builds, token or not: what
    /// FastAPI tests do by overriding `get_current_user`. `CurrentUser<U>`, `OptionalUser<U>`
    /// and every `auth(...)` / `owner` route see that user. For tests only.
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # #[resource(user)]
    /// # pub struct User {
    /// #     #[resource(id)] pub id: i64,
    /// #     #[resource(login, unique)] pub email: String,
    /// #     #[resource(password)] pub password: String,
    /// # }
    /// let app = App::new(Settings::default()).auth::<User>().override_user(|| User {
    ///     id: 1,
    ///     email: "test@example.com".into(),
    ///     password: String::new(),
    /// });
    /// ```
    pub fn override_user<U: AuthUser>(
        mut self,
        make: impl Fn() -> U + Send + Sync + 'static,
    ) -> Self {
        let sample = make();
        self.user_override = Some(UserOverride {
            user_type: TypeId::of::<U>(),
            principal: crate::auth::user_principal(&sample),
            make: Arc::new(move || Box::new(make())),
        });
        self
    }

    /// Wraps every route (generated, hand-written, the docs) in a tower layer: axum's
    /// `Router::layer`, kept through [`serve`](App::serve), its shutdown and its flags. Layers
    /// run in the order added, the last outermost; fastrs's own (panics, deadlines) wrap them,
    /// and CORS from [`Settings::cors`] wraps everything.
    ///
    /// ```
    /// use fastrs::prelude::*;
    /// use fastrs::axum::http::HeaderValue;
    ///
    /// let app = App::new(Settings::default()).layer(
    ///     fastrs::axum::middleware::map_response(|mut response: fastrs::axum::response::Response| async {
    ///         response.headers_mut().insert("x-frame-options", HeaderValue::from_static("DENY"));
    ///         response
    ///     }),
    /// );
    /// ```
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service: tower::Service<axum::extract::Request> + Clone + Send + Sync + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Response:
            axum::response::IntoResponse + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Error:
            Into<std::convert::Infallible> + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Future: Send + 'static,
    {
        self.layers
            .push(Box::new(move |router: Router| router.layer(layer)));
        self
    }

    /// Serves every route (generated, auth, hand-written) under `prefix` (`/api/v1`): the
    /// document keeps its paths and names the prefix as its server URL, as OpenAPI intends; the
    /// document and its UIs stay where [`DocsOptions`] puts them.
    ///
    /// ```
    /// use fastrs::prelude::*;
    ///
    /// let app = App::new(Settings::default()).prefix("/api");
    /// assert!(app.openapi_json().contains("\"url\": \"/api\""));
    /// ```
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = Some(prefix.to_owned());
        self
    }

    /// Answers every error in `format`'s envelope instead of FastAPI's `{"detail": ...}`
    /// (validation failures, extractor rejections, auth errors, unknown routes, timeouts and
    /// panics included), and documents it so. See [`ErrorFormat`](crate::error::ErrorFormat).
    ///
    /// ```
    /// use fastrs::error::{ErrorFormat, ErrorView};
    /// use fastrs::openapi::{Registry, ToSchema};
    /// use fastrs::openapi::schema::Schema;
    /// use fastrs::prelude::*;
    /// use serde_json::{Value, json};
    ///
    /// /// `{"error": "..."}`.
    /// struct Plain;
    ///
    /// impl ErrorFormat for Plain {
    ///     fn body(&self, error: &ErrorView) -> Value {
    ///         json!({ "error": error.message().unwrap_or("invalid request") })
    ///     }
    ///
    ///     fn schema(&self, _registry: &mut Registry) -> Schema {
    ///         Value::schema()
    ///     }
    /// }
    ///
    /// let app = App::new(Settings::default()).error_format(Plain);
    /// ```
    pub fn error_format(mut self, format: impl crate::error::ErrorFormat) -> Self {
        self.error_format = Some(Arc::new(format));
        self
    }

    /// Runs `hook` at start-up, once the pool is connected and the tables exist, before the
    /// first request (FastAPI's lifespan, the part before `yield`): seed data, warm a cache,
    /// check a service. An error stops the start-up with its message. Hooks run in the order
    /// they were added; [`test_client`](App::test_client) runs them too.
    ///
    /// ```no_run
    /// use fastrs::prelude::*;
    ///
    /// # async fn run() -> fastrs::Result<()> {
    /// App::from_env()?
    ///     .on_startup(|state| async move {
    ///         let mut db = Db::begin(state.pool()).await;
    ///         db.query("DELETE FROM sessions WHERE expired").execute(&mut db).await?;
    ///         db.commit().await
    ///     })
    ///     .on_shutdown(|_state| async { tracing_like_flush() })
    ///     .serve()
    ///     .await
    /// # }
    /// # fn tracing_like_flush() {}
    /// ```
    pub fn on_startup<F, Fut, E>(mut self, hook: F) -> Self
    where
        F: FnOnce(AppState) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display,
    {
        self.on_startup.push(Box::new(move |state| {
            Box::pin(async move { hook(state).await.map_err(|error| error.to_string()) })
        }));
        self
    }

    /// Runs `hook` at shutdown, after in-flight requests and background tasks finished and
    /// before the pool closes (the part of a FastAPI lifespan after `yield`). With
    /// [`test_client`](App::test_client), [`TestClient::shutdown`](crate::testing::TestClient::shutdown) runs them.
    ///
    /// ```
    /// use fastrs::prelude::*;
    ///
    /// let app = App::new(Settings::default()).on_shutdown(|state| async move {
    ///     println!("closing {:?}", state.pool().backend());
    /// });
    /// ```
    pub fn on_shutdown<F, Fut>(mut self, hook: F) -> Self
    where
        F: FnOnce(AppState) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_shutdown
            .push(Box::new(move |state| Box::pin(hook(state))));
        self
    }
}
