//! [`App`]: the builder that turns resources and routes into a served axum application.

mod settings;
mod state;

use std::collections::HashSet;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware;

pub use settings::Settings;
pub use state::AppState;

use crate::ApiError;
use crate::db::{Backend, Pool};
use crate::error::Error;
use crate::extract::dep::Deps;
use crate::resource::{Resource, ResourceMeta, create_table};
use crate::routing::{ApiMethodRouter, ApiRouter};
use crate::testing::TestClient;

struct Mount {
    meta: &'static ResourceMeta,
    router: fn(&Pool, crate::resource::PageBounds) -> Router<AppState>,
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
    settings: Settings,
    resources: Vec<Mount>,
    routes: Vec<(String, ApiMethodRouter)>,
    deps: Deps,
}

impl App {
    /// An app with [`Settings::from_env`].
    pub fn from_env() -> crate::Result<Self> {
        Ok(Self::new(Settings::from_env()?))
    }

    /// An app with these settings.
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            resources: Vec::new(),
            routes: Vec::new(),
            deps: Deps::default(),
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
    /// `FASTRS_CREATE_TABLES=false`).
    pub fn resource<R: Resource>(mut self) -> Self {
        self.resources.push(Mount {
            meta: R::meta(),
            router: crate::crud::router::<R>,
        });
        self
    }

    /// Adds a hand-written route. Its handler runs with a per-request transaction available
    /// through [`Db`](crate::db::Db).
    pub fn route(mut self, path: &str, methods: ApiMethodRouter) -> Self {
        self.routes.push((path.to_owned(), methods));
        self
    }

    /// Mounts a group of routes under `prefix`.
    pub fn nest(mut self, prefix: &str, router: ApiRouter) -> Self {
        let prefix = prefix.trim_end_matches('/');
        for (path, methods) in router.routes {
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

    /// The DDL of every registered resource for `backend`: the starting point of a first
    /// migration. `serve()` prints it and exits when run with `--print-ddl sqlite|postgres`.
    pub fn ddl(&self, backend: Backend) -> String {
        let mut out = String::new();
        for mount in &self.resources {
            for statement in create_table(mount.meta, backend) {
                out.push_str(&statement);
                out.push_str(";\n");
            }
        }
        out
    }

    /// Checks everything that can be checked without a database: rules, paths, dependencies.
    fn check(&self) -> crate::Result<()> {
        for mount in &self.resources {
            mount.meta.prepare().map_err(Error::Config)?;
        }
        let mut seen = HashSet::new();
        let resource_ops = self.resources.iter().flat_map(|mount| {
            let item = format!("{}/{{id}}", mount.meta.path);
            [
                ("GET".to_owned(), mount.meta.path.to_owned()),
                ("POST".to_owned(), mount.meta.path.to_owned()),
                ("GET".to_owned(), item.clone()),
                ("PATCH".to_owned(), item.clone()),
                ("DELETE".to_owned(), item),
            ]
        });
        let route_ops = self.routes.iter().flat_map(|(path, methods)| {
            methods
                .operations
                .iter()
                .map(move |op| (op.method.to_string(), path.clone()))
        });
        for (method, path) in resource_ops.chain(route_ops) {
            if !path.starts_with('/') {
                return Err(Error::Config(format!(
                    "route path {path:?} must start with '/'"
                )));
            }
            if !seen.insert((method.clone(), path.clone())) {
                return Err(Error::Config(format!(
                    "{method} {path} is registered twice"
                )));
            }
        }
        for (path, methods) in &self.routes {
            for op in &methods.operations {
                for requirement in &op.requires {
                    if !self.deps.contains(requirement.type_id) {
                        return Err(Error::Config(format!(
                            "{} {path} needs Dep<{}>, but none is registered: call App::dep(...)",
                            op.method, requirement.type_name
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// Connects, creates missing tables and assembles the router.
    pub async fn build(self) -> crate::Result<(Router, Pool)> {
        self.check()?;
        let pool =
            Pool::connect(&self.settings.database_url, self.settings.max_connections).await?;
        if self.settings.create_tables {
            let ddl = self.ddl(pool.backend());
            if !ddl.is_empty() {
                pool.execute_script(&ddl).await?;
            }
        }
        let mut router: Router<AppState> = Router::new();
        for mount in &self.resources {
            router = router.merge((mount.router)(&pool, self.settings.page));
        }
        for (path, methods) in self.routes {
            // Every hand-written route gets the transaction behind `Db`.
            let methods = methods
                .router
                .route_layer(middleware::from_fn(crate::db::transaction_layer));
            router = router.route(&path, methods);
        }
        let state = AppState::new(pool.clone(), self.settings, self.deps);
        let router = router
            .fallback(|| async { ApiError::not_found("Not Found") })
            .method_not_allowed_fallback(|| async {
                ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
            })
            .with_state(state);
        Ok((router, pool))
    }

    /// Connects and returns the axum router, for mounting fastrs inside your own axum app.
    pub async fn into_router(self) -> crate::Result<Router> {
        Ok(self.build().await?.0)
    }

    /// An in-process client for tests (FastAPI's `TestClient`).
    pub async fn test_client(self) -> crate::Result<TestClient> {
        let (router, pool) = self.build().await?;
        Ok(TestClient::new(router, pool))
    }

    /// Serves on `HOST:PORT` until SIGINT or SIGTERM, then finishes in-flight requests and
    /// closes the pool. With `--print-ddl sqlite|postgres` on the command line it prints the
    /// DDL instead and returns.
    pub async fn serve(self) -> crate::Result<()> {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
            )
            .try_init();
        let args: Vec<String> = std::env::args().collect();
        if let Some(position) = args.iter().position(|arg| arg == "--print-ddl") {
            let backend: Backend = args
                .get(position + 1)
                .map_or("sqlite", String::as_str)
                .parse()?;
            print!("{}", self.ddl(backend));
            return Ok(());
        }
        let address = format!("{}:{}", self.settings.host, self.settings.port);
        let (router, pool) = self.build().await?;
        let listener = tokio::net::TcpListener::bind(&address)
            .await
            .map_err(|error| Error::Config(format!("cannot listen on {address}: {error}")))?;
        tracing::info!("listening on http://{address}");
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
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
