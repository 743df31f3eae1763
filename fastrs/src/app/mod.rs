//! [`App`]: the builder that turns resources and routes into a served axum application.

mod check;
mod tables;

use tables::distinct;

use std::any::TypeId;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware;

pub use crate::settings::{CorsSettings, Settings};
pub use crate::state::AppState;

use crate::ApiError;
use crate::auth::{
    AuthOptions, AuthSettings, AuthState, AuthUser, Keys, PasswordHasher, UserOverride,
};
use crate::crud::Env;
use crate::db::{Backend, Pool};
use crate::error::Error;
use crate::openapi::document::Parts;
use crate::openapi::{DocsOptions, OpenApi, document};
use crate::resource::{Operations, ResourceMeta};
use crate::routing::{ApiMethodRouter, ApiRouter};
use crate::state::Deps;
use crate::testing::TestClient;

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
}

type StartupHook = Box<
    dyn FnOnce(AppState) -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>>
        + Send,
>;
type ShutdownHook =
    Box<dyn FnOnce(AppState) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// What [`App::assemble`] hands to `serve` and the test client.
struct Assembled {
    router: Router,
    pool: Pool,
    tasks: crate::tasks::Tracker,
    state: AppState,
    on_shutdown: Vec<ShutdownHook>,
}

impl App {
    /// An app with [`Settings::from_env`].
    pub fn from_env() -> crate::Result<Self> {
        Ok(Self::new(Settings::from_env()?))
    }

    /// An app with these settings.
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
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Changes the settings.
    pub fn with_settings(mut self, change: impl FnOnce(&mut Settings)) -> Self {
        change(&mut self.settings);
        self
    }

    /// Mounts the CRUD routes of `R` (and creates its table at start-up unless
    /// `FASTRS_CREATE_TABLES=false`): the operations it declares
    /// (`#[resource(operations(...))]`, default all), except those a hand-written route at the
    /// same method and path replaces ([`App::route`]; it is then the one documented).
    pub fn resource<R: crate::hooks::Hooks>(mut self) -> Self {
        self.resources.push(Mount {
            meta: R::meta(),
            router: crate::crud::router::<R>,
        });
        self
    }

    /// Sets the document's title, version and description, and where the document and its UIs
    /// are served (`None` switches one off).
    pub fn docs(mut self, docs: DocsOptions) -> Self {
        self.docs = docs;
        self
    }

    /// The OpenAPI document of everything registered so far. Needs no database: it can be
    /// written to a file without starting a server (`serve()` does with `--print-openapi`).
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
    pub fn auth<U: AuthUser>(self) -> Self {
        self.auth_with::<U>(AuthOptions::default())
    }

    /// [`App::auth`] with other route prefixes.
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
    /// through [`Db`](crate::db::Db).
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

    /// Mounts a group of routes under `prefix`.
    pub fn nest(mut self, prefix: &str, router: ApiRouter) -> Self {
        let prefix = prefix.trim_end_matches('/');
        for (path, methods) in router.into_routes() {
            self.routes.push((format!("{prefix}{path}"), methods));
        }
        self
    }

    /// Registers a dependency for [`Dep<T>`](crate::extract::Dep).
    pub fn dep<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.deps.insert(value);
        self
    }

    /// Replaces a dependency (FastAPI's `dependency_overrides`), typically in tests.
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
            principal: crate::auth::Principal {
                id: sample.subject(),
                scopes: sample.scopes().to_vec(),
            },
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
    /// [`test_client`](App::test_client), [`TestClient::shutdown`] runs them.
    pub fn on_shutdown<F, Fut>(mut self, hook: F) -> Self
    where
        F: FnOnce(AppState) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_shutdown
            .push(Box::new(move |state| Box::pin(hook(state))));
        self
    }

    /// Connects, creates missing tables, runs the start-up hooks and assembles the router.
    /// (Shutdown hooks are `serve`'s and the test client's: a router mounted elsewhere does not
    /// run them.)
    pub async fn build(self) -> crate::Result<(Router, Pool)> {
        self.assemble()
            .await
            .map(|assembled| (assembled.router, assembled.pool))
    }

    /// [`build`](App::build), with what shutdown needs.
    async fn assemble(self) -> crate::Result<Assembled> {
        self.check()?;
        let openapi = axum::body::Bytes::from(self.openapi_json());
        let auth_settings = &self.settings.auth;
        let hasher = PasswordHasher::new(
            auth_settings.hash,
            auth_settings.hash_concurrency,
            auth_settings.hash_queue,
        )
        .map_err(Error::Config)?;
        // Keys first: a missing SECRET_KEY is reported before anything connects.
        let keys = match &self.auth {
            Some(_) => Some(auth_settings.keys()?),
            None => None,
        };
        let pool = Pool::connect_with(&self.settings.database_url, &self.settings.pool).await?;
        if self.settings.create_tables {
            let ddl = self.ddl(pool.backend());
            if !ddl.is_empty() {
                pool.execute_script(&ddl).await?;
            }
        }
        let auth = match (&self.auth, keys) {
            (Some(mount), Some(keys)) => {
                crate::auth::ensure_epoch_column(&pool, mount.meta, self.settings.create_tables)
                    .await?;
                let mut state =
                    (mount.state)(auth_settings.clone(), keys, pool.clone(), hasher.clone())
                        .await?;
                state.user_override = self.user_override.clone();
                state.scheme = mount.options.scheme.clone();
                Some(Arc::new(state))
            }
            _ => None,
        };
        let limits = self.settings.request_timeout;
        let http = self.settings.http.clone();
        let cors = self
            .settings
            .cors
            .as_ref()
            .map(CorsSettings::layer)
            .transpose()?;
        let env = Env {
            body_timeout: self.settings.body_timeout,
            pool: pool.clone(),
            page: self.settings.page,
            auth: auth.clone(),
            hasher,
            tasks: crate::tasks::Tracker::default(),
        };
        let mut router: Router<AppState> = Router::new();
        for mount in &self.resources {
            router = router.merge((mount.router)(&env, self.generated(mount.meta)));
        }
        if let Some(mount) = &self.auth {
            router = router.merge((mount.router)(&mount.options));
        }
        let state = AppState::new(
            pool.clone(),
            self.settings,
            self.deps,
            auth,
            env.tasks.clone(),
        );
        for (path, methods) in self.routes {
            // Every hand-written route gets the transaction behind `Db` (around the router
            // dependencies' guards, which may use it too).
            let methods = methods
                .into_router(&state)
                .route_layer(middleware::from_fn(crate::db::transaction_layer));
            router = router.route(&path, methods);
        }
        let tasks = state.tasks().clone();
        for hook in self.on_startup {
            hook(state.clone())
                .await
                .map_err(|error| Error::Config(format!("a start-up hook failed: {error}")))?;
        }
        let not_found = || async { ApiError::not_found("Not Found") };
        let router = router
            .fallback(not_found)
            .method_not_allowed_fallback(|| async {
                ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
            })
            .with_state(state.clone());
        let router = match &self.prefix {
            Some(prefix) => Router::new().nest(prefix, router).fallback(not_found),
            None => router,
        };
        let router = router.merge(crate::openapi::ui::router(&self.docs, openapi));
        let router = self
            .layers
            .into_iter()
            .fold(router, |router, layer| layer(router));
        let router = crate::middleware::guard(router, limits, &http);
        let router = match self.error_format {
            Some(format) => router.layer(axum::middleware::map_response(
                move |response: axum::response::Response| {
                    let format = format.clone();
                    async move { crate::error::reformat(&*format, response) }
                },
            )),
            None => router,
        };
        let router = match cors {
            Some(cors) => router.layer(cors),
            None => router,
        };
        Ok(Assembled {
            router,
            pool,
            tasks,
            state,
            on_shutdown: self.on_shutdown,
        })
    }

    /// Connects and returns the axum router, for mounting fastrs inside your own axum app.
    pub async fn into_router(self) -> crate::Result<Router> {
        Ok(self.build().await?.0)
    }

    /// An in-process client for tests (FastAPI's `TestClient`).
    pub async fn test_client(self) -> crate::Result<TestClient> {
        let assembled = self.assemble().await?;
        let state = assembled.state;
        let hooks = assembled.on_shutdown;
        Ok(
            TestClient::new(assembled.router, assembled.pool).with_shutdown(Box::new(move || {
                Box::pin(async move {
                    for hook in hooks {
                        hook(state.clone()).await;
                    }
                })
            })),
        )
    }

    /// Serves on `HOST:PORT` until SIGINT or SIGTERM, then finishes in-flight requests and
    /// closes the pool. With `--print-ddl sqlite|postgres` on the command line it prints the
    /// DDL instead and returns.
    pub async fn serve(self) -> crate::Result<()> {
        let filter = || {
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
        };
        let _ = if self.settings.http.json_logs {
            tracing_subscriber::fmt()
                .json()
                .with_current_span(true)
                .with_env_filter(filter())
                .try_init()
        } else {
            tracing_subscriber::fmt()
                .with_env_filter(filter())
                .try_init()
        };
        let args: Vec<String> = std::env::args().collect();
        if args.iter().any(|arg| arg == "--print-openapi") {
            println!("{}", self.openapi_json());
            return Ok(());
        }
        if let Some(position) = args.iter().position(|arg| arg == "--print-ddl") {
            let backend: Backend = args
                .get(position + 1)
                .map_or("sqlite", String::as_str)
                .parse()?;
            print!("{}", self.ddl(backend));
            return Ok(());
        }
        let address = format!("{}:{}", self.settings.host, self.settings.port);
        let tasks_bound = self.settings.tasks_shutdown;
        let Assembled {
            router,
            pool,
            tasks,
            state,
            on_shutdown,
        } = self.assemble().await?;
        let listener = tokio::net::TcpListener::bind(&address)
            .await
            .map_err(|error| Error::Config(format!("cannot listen on {address}: {error}")))?;
        tracing::info!("listening on http://{address}");
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        if tasks.running() > 0 {
            tracing::info!(running = tasks.running(), "waiting for background tasks");
            if !tasks.wait(tasks_bound).await {
                tracing::warn!(
                    running = tasks.running(),
                    "background tasks still running at shutdown; abandoned"
                );
            }
        }
        for hook in on_shutdown {
            hook(state.clone()).await;
        }
        pool.close().await;
        Ok(())
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
