//! [`AppState`]: what every request can reach.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use crate::auth::AuthState;
use crate::db::Pool;
use crate::settings::Settings;
use crate::tasks::tracker::Tracker;

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
        tasks: Tracker,
    ) -> Self {
        Self(Arc::new(Inner {
            pool,
            settings,
            deps,
            auth,
            tasks,
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

/// The registered services, by type.
#[derive(Clone, Default)]
pub(crate) struct Deps(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl Deps {
    pub(crate) fn insert<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Arc::new(value));
    }

    pub(crate) fn contains(&self, type_id: TypeId) -> bool {
        self.0.contains_key(&type_id)
    }

    pub(crate) fn get<T: Clone + 'static>(&self) -> Option<T> {
        self.0
            .get(&TypeId::of::<T>())
            .and_then(|value| value.downcast_ref::<T>())
            .cloned()
    }
}
