//! [`Db`]: a transaction per request, committed when the handler succeeds and rolled back when
//! it fails.
//!
//! [`transaction_layer`] wraps every hand-written route of an [`App`](crate::App): it puts an
//! empty slot in the request, the [`Db`] extractor begins a transaction and parks it there, and
//! once the handler has answered the layer commits (status < 400) or rolls back (anything
//! else). A route that never extracts `Db` costs one small allocation and no database work.
//!
//! On SQLite a request whose method writes (anything but GET/HEAD/OPTIONS) begins with
//! `BEGIN IMMEDIATE`, taking the write lock up front: a deferred transaction that reads and then
//! writes can fail with "database is locked" when another writer got in between, and no busy
//! timeout helps it.

use std::sync::{Arc, Mutex};

use axum::extract::{FromRef, FromRequestParts, Request};
use axum::http::Method;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sqlx::{Postgres, SqlSafeStr, Sqlite, Transaction};
use tokio::sync::OwnedMutexGuard;

use super::{Backend, Conn, Pool, Query, Target};
use crate::ApiError;
use crate::app::AppState;

enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

type Shared = Arc<tokio::sync::Mutex<Tx>>;

#[derive(Clone, Default)]
struct TxSlot(Arc<Mutex<Option<Shared>>>);

impl TxSlot {
    fn take(&self) -> Option<Shared> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

/// The request's database transaction (FastAPI's `Depends(get_db)`).
///
/// ```
/// use fastrs::prelude::*;
///
/// /// How many items there are.
/// async fn count(mut db: Db) -> Result<Json<i64>, ApiError> {
///     let (n,): (i64,) = db.query("SELECT COUNT(*) FROM items").fetch_one(&mut db).await?;
///     Ok(Json(n))
/// }
/// ```
pub struct Db {
    tx: OwnedMutexGuard<Tx>,
}

impl Db {
    /// The backend of the transaction.
    pub fn backend(&self) -> Backend {
        match &*self.tx {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// A statement for this backend, to run with `.fetch_all(&mut db)` and friends.
    pub fn query(&self, sql: impl SqlSafeStr) -> Query {
        Query::new(self.backend(), sql)
    }

    /// The transaction's connection, for using sqlx directly.
    pub fn conn(&mut self) -> Conn<'_> {
        match &mut *self.tx {
            Tx::Sqlite(tx) => Conn::Sqlite(&mut *tx),
            Tx::Postgres(tx) => Conn::Postgres(&mut *tx),
        }
    }
}

impl<'c> From<&'c mut Db> for Target<'c> {
    fn from(db: &'c mut Db) -> Self {
        Target::Conn(db.conn())
    }
}

impl<S> FromRequestParts<S> for Db
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Some(slot) = parts.extensions.get::<TxSlot>().cloned() else {
            return Err(ApiError::internal(
                "Db was extracted on a route without fastrs's transaction layer",
            ));
        };
        let app = AppState::from_ref(state);
        let writes = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let tx = match app.pool() {
            Pool::Sqlite(pool) if writes => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        };
        let shared: Shared = Arc::new(tokio::sync::Mutex::new(tx));
        {
            let mut parked = slot
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if parked.is_some() {
                return Err(ApiError::internal("Db was extracted twice in one request"));
            }
            *parked = Some(shared.clone());
        }
        Ok(Db {
            tx: shared.lock_owned().await,
        })
    }
}

/// The middleware behind [`Db`]: commits the request's transaction when the response status is
/// below 400, rolls it back otherwise. [`App`](crate::App) installs it on every hand-written
/// route; use it yourself only on routers you build outside of `App`.
pub async fn transaction_layer(mut request: Request, next: Next) -> Response {
    let slot = TxSlot::default();
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    let Some(shared) = slot.take() else {
        return response;
    };
    let Ok(tx) = Arc::try_unwrap(shared).map(tokio::sync::Mutex::into_inner) else {
        // The handler moved its `Db` somewhere that outlives it; dropping the last handle rolls back.
        tracing::warn!("Db outlived its request; its transaction is rolled back");
        return response;
    };
    let commit = response.status().as_u16() < 400;
    let outcome = match (tx, commit) {
        (Tx::Sqlite(tx), true) => tx.commit().await,
        (Tx::Sqlite(tx), false) => tx.rollback().await,
        (Tx::Postgres(tx), true) => tx.commit().await,
        (Tx::Postgres(tx), false) => tx.rollback().await,
    };
    match outcome {
        Ok(()) => response,
        Err(error) if commit => crate::db::map_db_error(error, None).into_response(),
        Err(error) => {
            tracing::error!(%error, "rollback failed");
            response
        }
    }
}
