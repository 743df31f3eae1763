//! [`Db`]: a transaction per request, committed when the handler succeeds and rolled back when
//! it fails.
//!
//! [`crate::extract::transaction_layer`] wraps every hand-written route of an
//! [`App`](crate::App): it puts an empty slot in the request, the [`Db`] extractor begins a
//! transaction and parks it there, and once the handler has answered the layer commits
//! (status < 400) or rolls back (anything else). A route that never extracts `Db` costs one
//! small allocation and no database work.
//!
//! The transaction begins lazily, with the handler's first statement. On SQLite a request whose
//! method writes (anything but GET/HEAD/OPTIONS) uses the one writer connection and begins with
//! `BEGIN IMMEDIATE`, taking the write lock up front (another process may write the same file);
//! a reading request uses a read-only connection. On PostgreSQL a reading request runs the data
//! API's `SELECT`s on one connection without `BEGIN` and `COMMIT` (two round trips saved; under
//! PostgreSQL's default READ COMMITTED each statement sees its own snapshot either way), and
//! begins a transaction at its first other statement (any SQL of the app's own included).

use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{MySql, Postgres, SqlSafeStr, Sqlite, Transaction};
use tokio::sync::OwnedMutexGuard;

use super::sqlite::ReadPass;
use super::{Backend, Conn, Pool, Query, Target};

enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
    /// A reading request's PostgreSQL connection, before any statement that needs a
    /// transaction: each `SELECT` commits on its own.
    PostgresReads(PoolConnection<Postgres>),
    MariaDb(Transaction<'static, MySql>),
}

/// A transaction that has begun; a SQLite reader keeps its pass through the checkpoint gate
/// until the transaction ends (fields drop in order: the transaction first).
struct Open {
    tx: Tx,
    _pass: Option<ReadPass>,
}

type Shared = Arc<tokio::sync::Mutex<Option<Open>>>;

/// The request's database transaction (FastAPI's `Depends(get_db)`).
///
/// The transaction begins with the first statement, not when the handler is called: a handler
/// holds no connection (and, on SQLite, not the write lock) while its body is still being read
/// or while other extractors run. On SQLite, a `GET`, `HEAD` or `OPTIONS` request reads on a
/// read-only connection; any other method queues for the one writer and begins with
/// `BEGIN IMMEDIATE`.
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
    slot: OwnedMutexGuard<Option<Open>>,
    pool: Pool,
    writes: bool,
}

/// Opens what the first statement needs: a transaction, or (a plain read in a reading request on
/// PostgreSQL) a connection.
///
/// sqlx's acquire futures are large (2.5 KB for SQLite, 7 KB for MariaDB), and a future holds
/// the largest of everything it may await: inline, every backend's would make every handler's
/// future as large as the largest, copied whole each time it is moved or boxed (10 KB per
/// request). Each is boxed on its own path, so a request pays only for the one it takes.
async fn begin(pool: &Pool, writes: bool, plain_read: bool) -> Result<Open, sqlx::Error> {
    Ok(match pool {
        Pool::Postgres(pool) if !writes && plain_read => Open {
            tx: Tx::PostgresReads(Box::pin(pool.acquire()).await?),
            _pass: None,
        },
        Pool::Sqlite(pools) if writes => Open {
            tx: Tx::Sqlite(Box::pin(pools.writer().begin_with("BEGIN IMMEDIATE")).await?),
            _pass: None,
        },
        Pool::Sqlite(pools) => {
            let pass = pools.read_pass().await;
            Open {
                tx: Tx::Sqlite(Box::pin(pools.readers().begin()).await?),
                _pass: Some(pass),
            }
        }
        Pool::Postgres(pool) => Open {
            tx: Tx::Postgres(Box::pin(pool.begin()).await?),
            _pass: None,
        },
        Pool::MariaDb(pool) => Open {
            tx: Tx::MariaDb(Box::pin(pool.begin()).await?),
            _pass: None,
        },
    })
}

impl Db {
    /// The pool this transaction draws from: for work that outlives the request (a background
    /// task opens its own transaction with [`Db::begin`]).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A transaction outside a request (a job, a start-up task): it begins with its first
    /// statement, on the writer; [`Db::commit`] commits it, dropping it rolls it back.
    ///
    /// ```no_run
    /// # async fn demo(pool: fastrs::db::Pool) -> Result<(), sqlx::Error> {
    /// use fastrs::db::Db;
    /// let mut db = Db::begin(&pool).await;
    /// db.query("DELETE FROM items WHERE price > 1000").execute(&mut db).await?;
    /// db.commit().await?;
    /// # Ok(()) }
    /// ```
    pub async fn begin(pool: &Pool) -> Db {
        Self::outside_request(pool, true).await
    }

    /// A read-only transaction outside a request: on SQLite it runs on a reader connection
    /// (in parallel with other reads, never waiting for the writer); a write in it fails.
    ///
    /// ```no_run
    /// # async fn demo(pool: fastrs::db::Pool) -> Result<(), sqlx::Error> {
    /// use fastrs::db::Db;
    /// let mut db = Db::begin_read(&pool).await;
    /// let (n,): (i64,) = db.query("SELECT COUNT(*) FROM items").fetch_one(&mut db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn begin_read(pool: &Pool) -> Db {
        Self::outside_request(pool, false).await
    }

    async fn outside_request(pool: &Pool, writes: bool) -> Db {
        let shared: Shared = Arc::new(tokio::sync::Mutex::new(None));
        Db {
            // A new, unshared mutex: locking it does not wait.
            slot: shared.lock_owned().await,
            pool: pool.clone(),
            writes,
        }
    }

    /// Commits what ran so far (nothing to do if no statement ran). The request's [`Db`] is
    /// committed by fastrs when the handler answers; commit it yourself only to make a write
    /// durable before the handler goes on.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        match self.slot.take() {
            Some(Open {
                tx: Tx::Sqlite(tx), ..
            }) => tx.commit().await,
            Some(Open {
                tx: Tx::Postgres(tx),
                ..
            }) => tx.commit().await,
            Some(Open {
                tx: Tx::MariaDb(tx),
                ..
            }) => tx.commit().await,
            Some(Open {
                tx: Tx::PostgresReads(_),
                ..
            })
            | None => Ok(()),
        }
    }

    /// The backend of the transaction.
    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    /// A statement for this backend, to run with `.fetch_all(&mut db)` and friends.
    pub fn query(&self, sql: impl SqlSafeStr) -> Query {
        Query::new(self.backend(), sql)
    }

    /// The transaction's connection, for using sqlx directly (begins the transaction if no
    /// statement has yet).
    pub async fn conn(&mut self) -> Result<Conn<'_>, sqlx::Error> {
        self.conn_for(false).await
    }

    /// The connection for a statement: a plain read (`SELECT` without a lock) in a reading
    /// request on PostgreSQL needs no transaction; any other statement does, and begins it.
    pub(crate) async fn conn_for(&mut self, plain_read: bool) -> Result<Conn<'_>, sqlx::Error> {
        let upgrade = matches!(
            &*self.slot,
            Some(Open { tx: Tx::PostgresReads(_), .. }) if !plain_read
        );
        if upgrade {
            // The reads so far committed on their own: the transaction starts here, on a
            // connection of its own (the reading one goes back to the pool as it came).
            *self.slot = None;
        }
        let open = match &mut *self.slot {
            Some(open) => open,
            slot @ None => slot.insert(begin(&self.pool, self.writes, plain_read).await?),
        };
        Ok(match &mut open.tx {
            Tx::Sqlite(tx) => Conn::Sqlite(&mut *tx),
            Tx::Postgres(tx) => Conn::Postgres(&mut *tx),
            Tx::PostgresReads(conn) => Conn::Postgres(&mut *conn),
            Tx::MariaDb(tx) => Conn::MariaDb(&mut *tx),
        })
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend())
            .field("begun", &self.slot.is_some())
            .field("writes", &self.writes)
            .finish()
    }
}

impl<'c> From<&'c mut Db> for Target<'c> {
    fn from(db: &'c mut Db) -> Self {
        Target::Db(db)
    }
}

/// A request's transaction, shared between its [`Db`] and the layer that ends it
/// ([`crate::extract::transaction_layer`]).
#[derive(Clone, Default)]
pub(crate) struct RequestTx(Shared);

impl RequestTx {
    /// The request's [`Db`]: it begins with its first statement; `writes` for a method that
    /// may write (SQLite's writer, `BEGIN IMMEDIATE`).
    pub(crate) async fn db(&self, pool: Pool, writes: bool) -> Db {
        Db {
            slot: self.0.clone().lock_owned().await,
            pool,
            writes,
        }
    }

    /// Commits (`commit`) or rolls back what ran, once the answer is known. `None` when nothing
    /// began, or when the handler moved its `Db` somewhere that outlives it (dropping the last
    /// handle then rolls it back).
    pub(crate) async fn end(self, commit: bool) -> Option<Result<(), sqlx::Error>> {
        let Ok(open) = Arc::try_unwrap(self.0).map(tokio::sync::Mutex::into_inner) else {
            tracing::warn!("Db outlived its request; its transaction is rolled back");
            return None;
        };
        let Open { tx, _pass } = open?;
        Some(match (tx, commit) {
            // Reads only: nothing to commit or roll back.
            (Tx::PostgresReads(_), _) => Ok(()),
            (Tx::Sqlite(tx), true) => tx.commit().await,
            (Tx::Sqlite(tx), false) => tx.rollback().await,
            (Tx::Postgres(tx), true) => tx.commit().await,
            (Tx::Postgres(tx), false) => tx.rollback().await,
            (Tx::MariaDb(tx), true) => tx.commit().await,
            (Tx::MariaDb(tx), false) => tx.rollback().await,
        })
    }
}
