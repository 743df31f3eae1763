//! [`Row`] (a result row of either backend) and [`FromRow`] (decoding one).

use sqlx::mysql::MySqlRow;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{MySql, Postgres, Sqlite};

use super::ColumnType;

/// A borrowed result row from either backend.
#[derive(Debug, Clone, Copy)]
pub enum Row<'r> {
    /// A SQLite row.
    Sqlite(&'r SqliteRow),
    /// A PostgreSQL row.
    Postgres(&'r PgRow),
    /// A MariaDB row.
    MariaDb(&'r MySqlRow),
}

impl Row<'_> {
    /// Decodes the column at `index` (0-based).
    pub fn get<T: ColumnType>(&self, index: usize) -> Result<T, sqlx::Error> {
        T::decode(self, index)
    }

    /// Decodes with the drivers' own traits (what [`ColumnType`] impls build on).
    pub fn native<T>(&self, index: usize) -> Result<T, sqlx::Error>
    where
        T: for<'r> sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
        T: for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
        T: for<'r> sqlx::Decode<'r, MySql> + sqlx::Type<MySql>,
    {
        match self {
            Row::Sqlite(row) => sqlx::Row::try_get(*row, index),
            Row::Postgres(row) => sqlx::Row::try_get(*row, index),
            Row::MariaDb(row) => sqlx::Row::try_get(*row, index),
        }
    }
}

/// A type decoded from a result row, its columns in order. The derive implements it for the
/// model (every column) and for `{Name}Response` (the response columns); tuples of
/// [`ColumnType`]s implement it for hand-written queries.
pub trait FromRow: Sized + Send {
    /// Decodes the row.
    fn from_row(row: &Row<'_>) -> Result<Self, sqlx::Error>;
}

macro_rules! tuple_from_row {
    ($($ty:ident $index:tt),+) => {
        impl<$($ty: ColumnType),+> FromRow for ($($ty,)+) {
            fn from_row(row: &Row<'_>) -> Result<Self, sqlx::Error> {
                Ok(($(row.get::<$ty>($index)?,)+))
            }
        }
    };
}

tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
