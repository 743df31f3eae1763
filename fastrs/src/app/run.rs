//! Running an [`App`]: connecting, assembling the router, the lifespan hooks, `serve` and
//! its graceful shutdown, and the in-process test client.

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware;

use super::{App, AppState, CorsSettings, ShutdownHook};
use crate::ApiError;
use crate::auth::PasswordHasher;
use crate::crud::Env;
use crate::db::Pool;
use crate::error::Error;
use crate::resource::Operations;
use crate::testing::TestClient;

/// What [`App::assemble`] hands to `serve` and the test client.
struct Assembled {
    router: Router,
    pool: Pool,
    tasks: crate::tasks::Tracker,
    state: AppState,
    on_shutdown: Vec<ShutdownHook>,
}

impl App {
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
        let create_tables = self.settings.create_tables && self.migrations.is_none();
        if let Some(migrations) = &self.migrations {
            self.migrate_on_start(migrations, &pool).await?;
        } else if create_tables {
            let ddl = self.ddl(pool.backend());
            if !ddl.is_empty() {
                pool.execute_script(&ddl).await?;
            }
        }
        let auth = match (&self.auth, keys) {
            (Some(mount), Some(keys)) => {
                crate::auth::ensure_epoch_column(&pool, mount.meta, create_tables).await?;
                if pool.backend() == crate::db::Backend::MariaDb {
                    crate::auth::ensure_lock_row(&pool).await?;
                }
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
            mounted: self.resources.iter().map(|mount| mount.meta).collect(),
            readable: self
                .resources
                .iter()
                .map(|mount| mount.meta)
                .filter(|meta| self.generated(meta).contains(Operations::READ))
                .collect(),
            cursor_key: match &self.settings.auth.secret_key {
                Some(secret) => crate::resource::CursorKey::from_secret(secret.expose().as_bytes()),
                None => crate::resource::CursorKey::random(),
            },
        };
        let mut router: Router<AppState> = Router::new();
        for mount in &self.resources {
            router = router.merge((mount.router)(&env, self.generated(mount.meta)));
        }
        if let Some(mount) = self.auth.as_ref().filter(|mount| mount.options.routes) {
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
                .route_layer(middleware::from_fn(crate::extract::transaction_layer));
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

    /// Applies the pending migrations (unless `FASTRS_MIGRATE=false`) and warns when the
    /// models changed since the last one.
    async fn migrate_on_start(
        &self,
        migrations: &crate::migrate::Migrations,
        pool: &Pool,
    ) -> crate::Result<()> {
        let backend = pool.backend();
        if self.settings.migrate {
            let applied = migrations.run(pool).await?;
            if applied > 0 {
                tracing::info!(applied, "migrations applied");
            }
        }
        if let Err(error) = migrations.check(&self.schema(backend), backend) {
            tracing::warn!("{error}");
        }
        Ok(())
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

    /// Runs the command on the process's command line: serves on `HOST:PORT` by default (or
    /// with `serve`), until SIGINT or SIGTERM, then finishes in-flight requests and closes the
    /// pool. The other commands (`openapi`, `ddl`, `routes`, `migrate ...`; `--help` lists
    /// them) print or migrate and return: see [`App::command`].
    pub async fn serve(self) -> crate::Result<()> {
        self.command(std::env::args_os()).await
    }

    /// Serves on `HOST:PORT` until SIGINT or SIGTERM, without reading the command line: for an
    /// app that parses its own arguments (`serve()` refuses the ones it does not know).
    pub async fn serve_http(self) -> crate::Result<()> {
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
        let address = format!("{}:{}", self.settings.host, self.settings.port);
        let tasks_bound = self.settings.tasks_shutdown;
        let grace = self
            .settings
            .request_timeout
            .unwrap_or(std::time::Duration::from_secs(30))
            + std::time::Duration::from_secs(1);
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
        // In-flight requests finish within their deadline; a stream (events, a WebSocket) may
        // never end on its own, so whatever is still open a second after it is dropped.
        serve_until(listener, router, shutdown_signal(), grace).await?;
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
        // A connection still held (by a stream the grace cut short) must not hold shutdown.
        if tokio::time::timeout(grace, pool.close()).await.is_err() {
            tracing::warn!(
                ?grace,
                "database connections still in use at shutdown; abandoned"
            );
        }
        Ok(())
    }
}

/// Serves until `signal`, then waits for open connections at most `grace`.
async fn serve_until(
    listener: tokio::net::TcpListener,
    router: Router,
    signal: impl std::future::Future<Output = ()> + Send + 'static,
    grace: std::time::Duration,
) -> std::io::Result<()> {
    let (fired, mut has_fired) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        signal.await;
        let _ = fired.send(true);
    });
    tokio::select! {
        result = std::future::IntoFuture::into_future(server) => result,
        () = async {
            let _ = has_fired.wait_for(|fired| *fired).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(?grace, "connections still open after the shutdown grace; no longer waited for");
            Ok(())
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// An answer whose body never ends (an event stream with nothing to say).
    async fn endless() -> axum::body::Body {
        axum::body::Body::from_stream(futures_stream())
    }

    fn futures_stream()
    -> impl futures_core::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Send {
        let (sender, receiver) = tokio::sync::mpsc::channel(1);
        // Nothing is ever sent and the channel never closes: the body never ends.
        std::mem::forget(sender);
        crate::stream::receiver(receiver)
    }

    #[tokio::test]
    async fn shutdown_does_not_wait_for_endless_streams() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let router = Router::new().route("/stream", axum::routing::get(endless));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve_until(
            listener,
            router,
            async move {
                let _ = stopped.await;
            },
            Duration::from_millis(300),
        ));
        let mut client = tokio::net::TcpStream::connect(address).await.unwrap();
        client
            .write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut head = [0u8; 12];
        client.read_exact(&mut head).await.unwrap();
        assert_eq!(&head, b"HTTP/1.1 200");
        let start = Instant::now();
        let _ = stop.send(());
        let finished = tokio::time::timeout(Duration::from_secs(5), server).await;
        assert!(finished.is_ok(), "serve waited for the open stream");
        assert!(
            start.elapsed() >= Duration::from_millis(300),
            "the grace was given"
        );
    }
}
