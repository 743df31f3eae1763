//! The database: one binary, SQLite or PostgreSQL, chosen by the URL at run time.
//!
//! fastrs does not use `sqlx::Any` (it cannot carry timestamps, UUIDs or JSON). Instead
//! [`Pool`], [`Args`], [`Row`] and [`Query`] are small enums over the two concrete sqlx drivers,
//! so every value keeps its native type on both backends, and one SQL text with `$1..$N`
//! placeholders serves both.
//!
//! SQLite is opened in WAL mode with a busy timeout, `synchronous = NORMAL` and foreign keys on,
//! and the file is created if missing. `sqlite::memory:` is supported with a single connection
//! (each SQLite memory connection is its own database).
//!
//! ```no_run
//! # async fn demo() -> fastrs::Result<()> {
//! use fastrs::db::{Pool, Query};
//!
//! let pool = Pool::connect("sqlite://app.db", None).await?;
//! let (n,): (i64,) = Query::new(pool.backend(), "SELECT COUNT(*) FROM items").fetch_one(&pool).await?;
//! # Ok(()) }
//! ```

mod args;
mod query;
mod row;
mod tx;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use args::{Args, ColumnType};
pub use query::{Conn, Query, Target};
pub use row::{FromRow, Row};
pub use tx::{Db, transaction_layer};

use crate::ApiError;
use crate::resource::ResourceMeta;

/// The database backends fastrs supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite (embedded; the default).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The backend a URL names: `sqlite:` or `postgres:`/`postgresql:`.
    pub fn from_url(url: &str) -> crate::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(crate::Error::Config(format!(
                "DATABASE_URL must start with sqlite: or postgres:, got {:?}",
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
            other => Err(crate::Error::Config(format!(
                "unknown backend {other:?} (sqlite, postgres)"
            ))),
        }
    }
}

/// A connection pool to either backend. Cloning is cheap (it is an `Arc` inside).
#[derive(Debug, Clone)]
pub enum Pool {
    /// A SQLite pool.
    Sqlite(SqlitePool),
    /// A PostgreSQL pool.
    Postgres(PgPool),
}

impl Pool {
    /// Connects to `url`, with at most `max_connections` (default: 16 for SQLite, 10 for
    /// PostgreSQL).
    pub async fn connect(url: &str, max_connections: Option<u32>) -> crate::Result<Self> {
        match Backend::from_url(url)? {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(30))
                    .foreign_keys(true);
                let in_memory = url.contains(":memory:") || url.contains("mode=memory");
                let max = if in_memory {
                    1
                } else {
                    max_connections.unwrap_or(16)
                };
                let pool = SqlitePoolOptions::new()
                    .max_connections(max)
                    // A memory database lives as long as its connection: keep it.
                    .min_connections(u32::from(in_memory))
                    .idle_timeout((!in_memory).then_some(Duration::from_secs(600)))
                    .max_lifetime((!in_memory).then_some(Duration::from_secs(1800)))
                    .connect_with(options)
                    .await?;
                Ok(Pool::Sqlite(pool))
            }
            Backend::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections.unwrap_or(10))
                    .connect(url)
                    .await?;
                Ok(Pool::Postgres(pool))
            }
        }
    }

    /// Which backend this pool talks to.
    pub fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Closes every connection (waits for those in use).
    pub async fn close(&self) {
        match self {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }

    /// Runs SQL that takes no parameters (DDL, for instance).
    pub async fn execute_script(&self, sql: &str) -> Result<(), sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self {
            Pool::Sqlite(pool) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
            Pool::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
        }
    }
}

/// Maps a database error to the answer a client should see: `RowNotFound` is 404, a unique
/// violation 409 naming the field (when `meta` tells which column), anything else a logged 500.
pub fn map_db_error(error: sqlx::Error, meta: Option<&ResourceMeta>) -> ApiError {
    match &error {
        sqlx::Error::RowNotFound => ApiError::not_found("Not found"),
        sqlx::Error::Database(db_error) if db_error.is_unique_violation() => {
            let field = meta.and_then(|meta| {
                meta.columns.iter().find(|column| {
                    let pg_name = format!("{}_{}_key", meta.table, column.column);
                    let sqlite_name = format!("{}.{}", meta.table, column.column);
                    db_error.constraint() == Some(pg_name.as_str())
                        || db_error
                            .message()
                            .split([' ', ','])
                            .any(|part| part == sqlite_name)
                })
            });
            match (meta, field) {
                (Some(meta), Some(column)) => ApiError::conflict(format!(
                    "{} with this {} already exists",
                    meta.name, column.field
                )),
                _ => ApiError::conflict("A record with these values already exists"),
            }
        }
        // PostgreSQL's TEXT cannot hold NUL (SQLSTATE 22021): the client sent a value it can
        // never store, so this is the client's error.
        sqlx::Error::Database(db_error) if db_error.code().as_deref() == Some("22021") => {
            let violation = crate::validate::Violation::value_error(
                "Text must not contain NUL (\\u0000) characters",
            );
            crate::validate::ValidationErrors::single(crate::validate::FieldError::new(
                vec![serde_json::Value::String("body".into())],
                violation,
                None,
            ))
            .into()
        }
        sqlx::Error::Database(db_error) if db_error.is_foreign_key_violation() => {
            ApiError::conflict("A referenced record does not exist, or is still referenced")
        }
        _ => ApiError::internal(error),
    }
}
