//! [`Query`]: one SQL statement with its parameters, run on a pool or a connection of either
//! backend.

use sqlx::mysql::MySqlConnection;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;
use sqlx::{SqlSafeStr, SqlStr};

use super::{Args, Backend, ColumnType, FromRow, Pool, Row};

/// A borrowed connection of either backend (inside a transaction, for [`Db`](super::Db)).
#[derive(Debug)]
pub enum Conn<'c> {
    /// A SQLite connection.
    Sqlite(&'c mut SqliteConnection),
    /// A PostgreSQL connection.
    Postgres(&'c mut PgConnection),
    /// A MariaDB connection.
    MariaDb(&'c mut MySqlConnection),
}

/// Where a [`Query`] runs: `&pool` (may write: the writer on SQLite), [`Pool::read`] (only
/// reads: a reader on SQLite), the request's transaction (`&mut db`), or a connection.
#[derive(Debug)]
pub enum Target<'c> {
    /// Any connection of the pool that can write (auto-committed).
    Pool(&'c Pool),
    /// A connection that only reads (auto-committed).
    Read(&'c Pool),
    /// The request's transaction, begun on first use.
    Db(&'c mut super::Db),
    /// This connection.
    Conn(Conn<'c>),
}

impl<'c> From<&'c Pool> for Target<'c> {
    fn from(pool: &'c Pool) -> Self {
        Target::Pool(pool)
    }
}

impl<'c> From<Conn<'c>> for Target<'c> {
    fn from(conn: Conn<'c>) -> Self {
        Target::Conn(conn)
    }
}

/// A statement with `$1..$N` placeholders and its bound parameters (on MariaDB they become
/// `?`: see [`mariadb`](super::mariadb)).
///
/// ```no_run
/// # async fn demo(pool: fastrs::db::Pool) -> Result<(), sqlx::Error> {
/// use fastrs::db::Query;
///
/// let rows: Vec<(i64, String)> = Query::new(pool.backend(), "SELECT id, name FROM items WHERE price > $1")
///     .bind(10.0)
///     .fetch_all(&pool)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Query {
    sql: SqlStr,
    args: Args,
    /// A `SELECT` fastrs wrote that only reads: in a reading request on PostgreSQL it needs no
    /// transaction. SQL of the app's own always runs in the request's transaction (a `SELECT`
    /// may call a function that writes, take a transaction's advisory lock, or `set_config`).
    plain_read: bool,
}

macro_rules! run {
    // `$drain`: the statement must be stepped to its end (SQLite, on a connection that may
    // write: see `Query::fetch_optional`).
    // `$mariadb`: the same on MariaDB, from the connection, the text and the values (see
    // `super::mariadb`).
    (
        $query:expr, $target:expr,
        |$q:ident, $ex:ident, $row:ident, $drain:ident| $body:expr,
        |$conn:ident, $text:ident, $values:ident| $mariadb:expr
    ) => {{
        let Query {
            sql,
            args,
            plain_read,
        } = $query;
        macro_rules! on {
            (sqlite, $executor:expr) => {{ on!(sqlite, $executor, true) }};
            (sqlite, $executor:expr, $may_write:expr) => {{
                let $q = sqlx::query_with(sql, args.into_sqlite()?);
                let $ex = $executor;
                let $row = Row::Sqlite;
                let $drain = $may_write;
                $body
            }};
            (postgres, $executor:expr) => {{
                let $q = sqlx::query_with(sql, args.into_postgres()?);
                let $ex = $executor;
                let $row = Row::Postgres;
                let $drain = false;
                $body
            }};
            (mariadb, $executor:expr) => {{
                let $conn = $executor;
                let $text = sql.as_str();
                let $values = &args.into_mariadb()?;
                $mariadb
            }};
        }
        match $target {
            Target::Db(db) => match db.conn_for(plain_read).await? {
                Conn::Sqlite(conn) => on!(sqlite, &mut *conn),
                Conn::Postgres(conn) => on!(postgres, &mut *conn),
                Conn::MariaDb(conn) => on!(mariadb, &mut *conn),
            },
            Target::Pool(Pool::Sqlite(pools)) => {
                // Boxed: see `tx::begin` (sqlx's acquire futures are large).
                let mut conn = Box::pin(pools.writer().acquire()).await?;
                on!(sqlite, &mut *conn)
            }
            Target::Read(Pool::Sqlite(pools)) => {
                let _pass = pools.read_pass().await;
                let mut conn = Box::pin(pools.readers().acquire()).await?;
                on!(sqlite, &mut *conn, false)
            }
            Target::Pool(Pool::Postgres(pool)) | Target::Read(Pool::Postgres(pool)) => {
                on!(postgres, pool)
            }
            Target::Conn(Conn::Sqlite(conn)) => on!(sqlite, &mut *conn),
            Target::Pool(Pool::MariaDb(pool)) | Target::Read(Pool::MariaDb(pool)) => {
                let mut conn = Box::pin(pool.acquire()).await?;
                on!(mariadb, &mut *conn)
            }
            Target::Conn(Conn::Postgres(conn)) => on!(postgres, &mut *conn),
            Target::Conn(Conn::MariaDb(conn)) => on!(mariadb, &mut *conn),
        }
    }};
}

impl Query {
    /// A statement for `backend`. `sql` is a `&'static str`, or `sqlx::AssertSqlSafe(...)`
    /// around SQL built once at start-up.
    pub fn new(backend: Backend, sql: impl SqlSafeStr) -> Self {
        Self {
            sql: sql.into_sql_str(),
            args: Args::new(backend),
            plain_read: false,
        }
    }

    /// Marks a statement fastrs wrote as one that only reads and locks nothing.
    pub(crate) fn plain_read(mut self) -> Self {
        self.plain_read = true;
        self
    }

    /// Binds the next parameter.
    pub fn bind<T: ColumnType>(mut self, value: T) -> Self {
        self.args.add(value);
        self
    }

    /// The parameters, for binding many values in a loop.
    pub fn args_mut(&mut self) -> &mut Args {
        &mut self.args
    }

    /// Runs the statement and decodes every row.
    pub async fn fetch_all<'c, T: FromRow>(
        self,
        target: impl Into<Target<'c>>,
    ) -> Result<Vec<T>, sqlx::Error> {
        run!(
            self,
            target.into(),
            |query, executor, wrap, _sqlite| {
                let rows = query.fetch_all(executor).await?;
                rows.iter().map(|row| T::from_row(&wrap(row))).collect()
            },
            |conn, text, values| {
                let rows = super::mariadb::fetch_all(conn, text, values).await?;
                rows.iter()
                    .map(|row| T::from_row(&Row::MariaDb(row)))
                    .collect()
            }
        )
    }

    /// Runs the statement and decodes the first row; [`sqlx::Error::RowNotFound`] if none.
    pub async fn fetch_one<'c, T: FromRow>(
        self,
        target: impl Into<Target<'c>>,
    ) -> Result<T, sqlx::Error> {
        self.fetch_optional(target)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }

    /// Runs the statement and decodes the first row, if any.
    ///
    /// On SQLite, on a connection that may write, the statement is stepped to its end and its
    /// other rows are dropped: SQLite runs its WAL hook (the automatic checkpoint) only when a
    /// statement reaches its end, and sqlx's own `fetch_optional` stops at the first row, so an
    /// `INSERT ... RETURNING` read that way commits without ever checkpointing: the WAL grows
    /// by every write, the database file never does. Give a `SELECT` meant for one row a
    /// `LIMIT`. Reads through [`Pool::read`] stop at the first row.
    pub async fn fetch_optional<'c, T: FromRow>(
        self,
        target: impl Into<Target<'c>>,
    ) -> Result<Option<T>, sqlx::Error> {
        run!(
            self,
            target.into(),
            |query, executor, wrap, drain| {
                let row = if drain {
                    query.fetch_all(executor).await?.into_iter().next()
                } else {
                    query.fetch_optional(executor).await?
                };
                match row {
                    Some(row) => T::from_row(&wrap(&row)).map(Some),
                    None => Ok(None),
                }
            },
            |conn, text, values| {
                let rows = super::mariadb::fetch_all(conn, text, values).await?;
                match rows.first() {
                    Some(row) => T::from_row(&Row::MariaDb(row)).map(Some),
                    None => Ok(None),
                }
            }
        )
    }

    /// Runs the statement; returns the number of rows affected.
    pub async fn execute<'c>(self, target: impl Into<Target<'c>>) -> Result<u64, sqlx::Error> {
        run!(
            self,
            target.into(),
            |query, executor, _wrap, _sqlite| {
                query
                    .execute(executor)
                    .await
                    .map(|done| done.rows_affected())
            },
            |conn, text, values| super::mariadb::execute(conn, text, values).await
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A statement's future holds only its own backend's work: sqlx's acquire futures (2.5 KB
    /// for SQLite, 7-8 KB for PostgreSQL and MariaDB) are boxed on their own paths. Inline,
    /// every handler's future was over 9 KB, copied whole each time it was moved or boxed: on
    /// PostgreSQL a get by id ran 25 % more instructions than the same handler on sqlx alone.
    #[tokio::test]
    async fn statement_futures_stay_small() -> Result<(), Box<dyn std::error::Error>> {
        let pool = Pool::connect("sqlite::memory:", Some(1)).await?;
        let query = || Query::new(pool.backend(), "SELECT 1");
        let read = std::mem::size_of_val(&query().fetch_optional::<(i64,)>(pool.read()));
        assert!(read <= 2048, "{read} bytes");
        let write = std::mem::size_of_val(&query().execute(&pool));
        assert!(write <= 2048, "{write} bytes");
        let mut db = crate::db::Db::begin(&pool).await;
        let conn = std::mem::size_of_val(&db.conn());
        assert!(conn <= 512, "{conn} bytes");
        Ok(())
    }
}
