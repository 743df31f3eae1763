//! The database: one binary, SQLite, PostgreSQL or MariaDB, chosen by the URL at run time.
//!
//! fastrs does not use `sqlx::Any` (it cannot carry timestamps, UUIDs or JSON). Instead
//! [`Pool`], [`Args`], [`Row`] and [`Query`] are small enums over the concrete sqlx drivers,
//! so every value keeps its native type on every backend, and one SQL text with `$1..$N`
//! placeholders and `"quoted"` identifiers serves all three (see [`mariadb`] for how MariaDB
//! reads it).
//!
//! SQLite runs in WAL mode with one writer connection, read-only readers and a checkpoint
//! policy that keeps the WAL bounded ([`SqlitePools`]); the file is created if missing.
//! `sqlite::memory:` is supported with a single connection (each SQLite memory connection is
//! its own database). PostgreSQL's and MariaDB's pools are sized to the cores and does not ping connections
//! before use. A request that cannot get a connection within
//! [`PoolOptions::acquire_timeout`] is answered `503` with `Retry-After`.
//!
//! ```no_run
//! # async fn demo() -> fastrs::Result<()> {
//! use fastrs::db::{Pool, Query};
//!
//! let pool = Pool::connect("sqlite://app.db", None).await?;
//! let (n,): (i64,) = Query::new(pool.backend(), "SELECT COUNT(*) FROM items").fetch_one(pool.read()).await?;
//! # Ok(()) }
//! ```

mod args;
pub mod mariadb;
mod query;
mod row;
pub mod sqlite;
mod tx;

use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::MySqlPool;
use sqlx::postgres::{PgPool, PgPoolOptions};

pub use args::{Args, ColumnType, TextEnum, bind_enum, decode_enum, decode_nullable_enum};
pub use query::{Conn, Query, Target};
pub use row::{FromRow, Row};
pub use sqlite::{CheckpointPolicy, SqlitePools};
pub use tx::Db;
pub(crate) use tx::RequestTx;

use crate::ApiError;

/// The database backends fastrs supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite (embedded; the default).
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MariaDB (10.6 or later).
    MariaDb,
}

impl Backend {
    /// Every backend, in the order fastrs lists them.
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::MariaDb];

    /// The backend's name, as `--backend` and the migrations directories say it.
    ///
    /// ```
    /// assert_eq!(fastrs::db::Backend::MariaDb.name(), "mariadb");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MariaDb => "mariadb",
        }
    }

    /// The backend a URL names: `sqlite:`, `postgres:`/`postgresql:`, or
    /// `mariadb:`/`mysql:`.
    ///
    /// ```
    /// use fastrs::db::Backend;
    /// assert_eq!(Backend::from_url("mariadb://root@localhost/app").unwrap(), Backend::MariaDb);
    /// ```
    pub fn from_url(url: &str) -> crate::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else if url.starts_with("mariadb:") || url.starts_with("mysql:") {
            Ok(Backend::MariaDb)
        } else {
            Err(crate::Error::Config(format!(
                "DATABASE_URL must start with sqlite:, postgres: or mariadb:, got {:?}",
                url.split(':').next().unwrap_or_default()
            )))
        }
    }
}

impl FromStr for Backend {
    type Err = crate::Error;

    fn from_str(name: &str) -> crate::Result<Self> {
        match name {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "mariadb" | "mysql" => Ok(Backend::MariaDb),
            other => Err(crate::Error::Config(format!(
                "unknown backend {other:?} (sqlite, postgres, mariadb)"
            ))),
        }
    }
}

/// How a [`Pool`] connects.
///
/// ```
/// use std::time::Duration;
/// let options = fastrs::db::PoolOptions {
///     acquire_timeout: Duration::from_secs(1),
///     ..Default::default()
/// };
/// assert_eq!(options.max_connections, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    /// Readers on SQLite (the writer is one more), connections on PostgreSQL and MariaDB.
    /// `None`: the cores (at least 2, at most 8) on SQLite, twice the cores (at least 4) on
    /// the servers.
    pub max_connections: Option<u32>,
    /// How long a request waits for a connection before it is answered
    /// `503 Service Unavailable` with `Retry-After` (default 3 s).
    pub acquire_timeout: Duration,
    /// SQLite's checkpoint policy.
    pub checkpoint: CheckpointPolicy,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: None,
            acquire_timeout: Duration::from_secs(3),
            checkpoint: CheckpointPolicy::default(),
        }
    }
}

/// The connections to either backend. Cloning is cheap (it is an `Arc` inside).
///
/// Reads and writes go to different places on SQLite (see [`SqlitePools`]): run a statement
/// with [`Pool::read`] as its target when it only reads, and with the pool itself (`&pool`)
/// when it may write.
#[derive(Debug, Clone)]
pub enum Pool {
    /// SQLite: a writer and read-only readers.
    Sqlite(SqlitePools),
    /// PostgreSQL.
    Postgres(PgPool),
    /// MariaDB.
    MariaDb(MySqlPool),
}

impl Pool {
    /// Connects to `url` with the default [`PoolOptions`] and `max_connections`.
    pub async fn connect(url: &str, max_connections: Option<u32>) -> crate::Result<Self> {
        let options = PoolOptions {
            max_connections,
            ..PoolOptions::default()
        };
        Self::connect_with(url, &options).await
    }

    /// Connects to `url`.
    pub async fn connect_with(url: &str, options: &PoolOptions) -> crate::Result<Self> {
        match Backend::from_url(url)? {
            Backend::Sqlite => Ok(Pool::Sqlite(SqlitePools::connect(url, options).await?)),
            Backend::Postgres => {
                let cores = std::thread::available_parallelism()
                    .map_or(2, |n| u32::try_from(n.get()).unwrap_or(8));
                let pool = PgPoolOptions::new()
                    .max_connections(options.max_connections.unwrap_or((2 * cores).max(4)))
                    .acquire_timeout(options.acquire_timeout)
                    // No ping before each use: a broken connection fails its query, and the
                    // pool replaces it.
                    .test_before_acquire(false)
                    .connect(url)
                    .await?;
                Ok(Pool::Postgres(pool))
            }
            Backend::MariaDb => Ok(Pool::MariaDb(mariadb::connect(url, options).await?)),
        }
    }

    /// Which backend this pool talks to.
    pub fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
            Pool::MariaDb(_) => Backend::MariaDb,
        }
    }

    /// A target for statements that only read: a reader connection on SQLite.
    ///
    /// ```no_run
    /// # async fn demo(pool: fastrs::db::Pool) -> Result<(), sqlx::Error> {
    /// use fastrs::db::Query;
    /// let (n,): (i64,) = Query::new(pool.backend(), "SELECT COUNT(*) FROM items")
    ///     .fetch_one(pool.read())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn read(&self) -> Target<'_> {
        Target::Read(self)
    }

    /// Closes every connection (waits for those in use).
    pub async fn close(&self) {
        match self {
            Pool::Sqlite(pools) => pools.close().await,
            Pool::Postgres(pool) => pool.close().await,
            Pool::MariaDb(pool) => pool.close().await,
        }
    }

    /// Runs SQL that takes no parameters (DDL, for instance), on the writer.
    pub async fn execute_script(&self, sql: &str) -> Result<(), sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self {
            Pool::Sqlite(pools) => sqlx::raw_sql(sql).execute(pools.writer()).await.map(drop),
            Pool::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
            Pool::MariaDb(pool) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
        }
    }
}

/// Quotes an identifier (`"name"`, doubling inner quotes): valid on SQLite, PostgreSQL and
/// MariaDB (which fastrs's connections run with `ANSI_QUOTES`).
pub(crate) fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// True for a foreign-key violation on either backend. (SQLite reports an `ON DELETE RESTRICT`
/// as a trigger constraint, code 1811, which sqlx does not classify.)
pub fn is_foreign_key_violation(db_error: &dyn sqlx::error::DatabaseError) -> bool {
    db_error.is_foreign_key_violation()
        || db_error.message().contains("FOREIGN KEY constraint failed")
}

/// Names what a unique constraint protects, for a 409 that says which field clashed (a
/// resource's metadata knows its table's constraints).
pub trait ConstraintNames {
    /// The 409 for a violation of the constraint `db_error` reports, if it is one of ours: at
    /// its fields, `"Item with this name already exists"`.
    fn conflict(&self, db_error: &dyn sqlx::error::DatabaseError) -> Option<ApiError>;
}

/// Maps a database error to the answer a client should see: `RowNotFound` is 404, a unique
/// violation 409 naming the field (when `names` tells which), anything else a logged 500.
pub fn map_db_error(error: sqlx::Error, names: Option<&dyn ConstraintNames>) -> ApiError {
    match &error {
        sqlx::Error::RowNotFound => ApiError::not_found("Not found"),
        sqlx::Error::Database(db_error) if db_error.is_unique_violation() => {
            match names.and_then(|names| names.conflict(db_error.as_ref())) {
                Some(conflict) => conflict,
                None => ApiError::conflict("A record with these values already exists"),
            }
        }
        // PostgreSQL's TEXT cannot hold NUL (SQLSTATE 22021): the client sent a value it can
        // never store, so this is the client's error.
        sqlx::Error::Database(db_error) if db_error.code().as_deref() == Some("22021") => {
            unstorable("Text must not contain NUL (\\u0000) characters")
        }
        // MariaDB in strict mode refuses a value its column cannot hold (1406 too long for a
        // keyed `VARCHAR(255)`, 1264 out of range) rather than cutting it.
        sqlx::Error::Database(db_error)
            if matches!(mariadb_number(db_error.as_ref()), Some(1406 | 1264)) =>
        {
            unstorable("A value is too long or out of range for the database")
        }
        sqlx::Error::Database(db_error) if is_foreign_key_violation(db_error.as_ref()) => {
            ApiError::conflict("A referenced record does not exist, or is still referenced")
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            tracing::warn!(%error, "database unavailable");
            ApiError::unavailable("The database is busy or unavailable; try again shortly")
        }
        // MariaDB: a deadlock (1213) or a lock wait timeout (1205): the client may retry.
        sqlx::Error::Database(db_error)
            if matches!(mariadb_number(db_error.as_ref()), Some(1213 | 1205)) =>
        {
            tracing::warn!(%error, "database contention");
            ApiError::unavailable("The database is busy or unavailable; try again shortly")
        }
        // SQLITE_BUSY / SQLITE_LOCKED (another process holds the lock past the busy timeout),
        // SQLITE_READONLY, SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN; PostgreSQL's
        // connection-exception, insufficient-resources and operator-intervention classes.
        sqlx::Error::Database(db_error) if unavailable_code(db_error.code().as_deref()) => {
            tracing::error!(%error, "database unavailable");
            ApiError::unavailable("The database is busy or unavailable; try again shortly")
        }
        _ => ApiError::internal(error),
    }
}

/// A 422 at `["body"]`: the body holds a value the database cannot store.
fn unstorable(message: &str) -> ApiError {
    let violation = crate::validate::Violation::value_error(message);
    crate::validate::ValidationErrors::single(crate::validate::FieldError::new(
        vec![serde_json::Value::String("body".into())],
        violation,
        None,
    ))
    .into()
}

/// MariaDB's error number, for an error from MariaDB.
fn mariadb_number(db_error: &dyn sqlx::error::DatabaseError) -> Option<u16> {
    db_error
        .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        .map(sqlx::mysql::MySqlDatabaseError::number)
}

fn unavailable_code(code: Option<&str>) -> bool {
    let Some(code) = code else { return false };
    let sqlite_primary = code.parse::<i32>().ok().map(|n| n & 0xff);
    matches!(sqlite_primary, Some(5 | 6 | 8 | 10 | 13 | 14))
        || code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57P")
}
