//! [`AppState`]: what every request can reach.

use std::sync::Arc;

use super::Settings;
use crate::auth::AuthState;
use crate::db::Pool;
use crate::extract::dep::Deps;

/// The application's shared, immutable state: the pool, the settings and the registered
/// dependencies. Extractors read it through `FromRef`; nothing in it is locked per request.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    pool: Pool,
    settings: Settings,
    deps: Deps,
    auth: Option<Arc<AuthState>>,
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

    pub(crate) fn deps(&self) -> &Deps {
        &self.0.deps
    }
}
