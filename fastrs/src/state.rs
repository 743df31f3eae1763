//! [`AppState`]: what every request can reach.

use std::sync::Arc;

use crate::auth::AuthState;
use crate::db::Pool;
use crate::extract::dep::Deps;
use crate::settings::Settings;
use crate::tasks::Tracker;

/// The application's shared, immutable state: the pool, the settings and the registered
/// dependencies. Extractors read it through `FromRef`; nothing in it is locked per request.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    pool: Pool,
    settings: Settings,
    deps: Deps,
    auth: Option<Arc<AuthState>>,
    tasks: Tracker,
}

impl AppState {
    pub(crate) fn new(
        pool: Pool,
        settings: Settings,
        deps: Deps,
        auth: Option<Arc<AuthState>>,
    ) -> Self {
        Self(Arc::new(Inner {
            pool,
            settings,
            deps,
            auth,
            tasks: Tracker::default(),
        }))
    }

    /// The auth configuration, when [`App::auth`](crate::App::auth) was called.
    pub fn auth(&self) -> Option<&Arc<AuthState>> {
        self.0.auth.as_ref()
    }

    /// The database pool.
    pub fn pool(&self) -> &Pool {
        &self.0.pool
    }

    /// The settings the app started with.
    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// The background tasks running (what graceful shutdown waits for).
    pub fn tasks(&self) -> &Tracker {
        &self.0.tasks
    }

    pub(crate) fn deps(&self) -> &Deps {
        &self.0.deps
    }
}
