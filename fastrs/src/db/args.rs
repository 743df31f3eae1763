//! [`Args`] (bound parameters for either backend) and [`ColumnType`] (what a column value can be).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteArguments;
use sqlx::types::Json;
use sqlx::{Arguments, MySql, Postgres, Sqlite};
use uuid::Uuid;

use super::{Backend, Row};
use crate::patch::Patch;

/// Bound parameters for one statement, for the backend it will run on. An encoding failure is
/// kept and reported when the statement runs.
#[derive(Debug)]
pub enum Args {
    /// SQLite arguments.
    Sqlite(SqliteArguments, Option<String>),
    /// PostgreSQL arguments.
    Postgres(PgArguments, Option<String>),
    /// MariaDB's values, bound when the statement runs (in the order its text reads them).
    MariaDb(MariaDbValues),
}

/// The values bound for a MariaDB statement (see [`mariadb`](super::mariadb)).
pub struct MariaDbValues(pub(crate) super::mariadb::Values);

impl std::fmt::Debug for MariaDbValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MariaDbValues({} bound)", self.0.len())
    }
}

impl Args {
    /// Empty arguments for `backend`.
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Args::Sqlite(SqliteArguments::default(), None),
            Backend::Postgres => Args::Postgres(PgArguments::default(), None),
            Backend::MariaDb => Args::MariaDb(MariaDbValues(Vec::new())),
        }
    }

    /// Binds the next parameter.
    pub fn add<T: ColumnType>(&mut self, value: T) {
        value.bind(self);
    }

    /// Binds a PATCH field as two parameters: "present?" and the value (a typed `NULL` when
    /// absent or cleared). The update statement reads them as
    /// `col = CASE WHEN $n THEN $n+1 ELSE col END`, so one prepared statement serves every
    /// combination of present fields.
    pub fn add_patch<T: ColumnType>(&mut self, patch: Patch<T>) {
        match patch {
            Patch::Absent => {
                self.raw(false);
                T::bind_null(self);
            }
            Patch::Null => {
                self.raw(true);
                T::bind_null(self);
            }
            Patch::Value(value) => {
                self.raw(true);
                value.bind(self);
            }
        }
    }

    /// Binds any value every driver can encode.
    pub fn raw<T>(&mut self, value: T)
    where
        T: for<'q> sqlx::Encode<'q, Sqlite> + sqlx::Type<Sqlite>,
        T: for<'q> sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres>,
        T: for<'q> sqlx::Encode<'q, MySql> + sqlx::Type<MySql> + Send + Sync + 'static,
    {
        let (result, error) = match self {
            Args::Sqlite(args, error) => (args.add(value), error),
            Args::Postgres(args, error) => (args.add(value), error),
            Args::MariaDb(values) => {
                values.0.push(Box::new(value));
                return;
            }
        };
        if let Err(cause) = result {
            error.get_or_insert_with(|| cause.to_string());
        }
    }

    pub(crate) fn into_sqlite(self) -> Result<SqliteArguments, sqlx::Error> {
        match self {
            Args::Sqlite(args, None) => Ok(args),
            Args::Sqlite(_, Some(error)) => Err(sqlx::Error::Encode(error.into())),
            _ => Err(sqlx::Error::Configuration(
                "arguments of another backend bound for SQLite".into(),
            )),
        }
    }

    pub(crate) fn into_postgres(self) -> Result<PgArguments, sqlx::Error> {
        match self {
            Args::Postgres(args, None) => Ok(args),
            Args::Postgres(_, Some(error)) => Err(sqlx::Error::Encode(error.into())),
            _ => Err(sqlx::Error::Configuration(
                "arguments of another backend bound for PostgreSQL".into(),
            )),
        }
    }

    pub(crate) fn into_mariadb(self) -> Result<super::mariadb::Values, sqlx::Error> {
        match self {
            Args::MariaDb(values) => Ok(values.0),
            _ => Err(sqlx::Error::Configuration(
                "arguments of another backend bound for MariaDB".into(),
            )),
        }
    }
}

/// A Rust type that can be stored in a column on every backend: bound as a parameter and
/// decoded from a row. (`Clone`, so that a [`Select`](crate::data::Select) holding a value can
/// run twice: a page, then its count.)
///
/// Implemented for `i32`, `i64`, `f64`, `bool`, `String`, `uuid::Uuid`,
/// `chrono::DateTime<Utc>`, `serde_json::Value`, `Vec<T>` (stored as JSON) and `Option<T>` of
/// those.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a fastrs column",
    note = "supported: i32, i64, f64, bool, String, uuid::Uuid, chrono::DateTime<Utc>, serde_json::Value, Vec<T> and Option<T> of those"
)]
pub trait ColumnType: Sized + Clone + Send + Sync + 'static {
    /// Binds the value as the next parameter.
    fn bind(self, args: &mut Args);
    /// Binds a `NULL` of this type.
    fn bind_null(args: &mut Args);
    /// Decodes the column at `index`.
    fn decode(row: &Row<'_>, index: usize) -> Result<Self, sqlx::Error>;
    /// Decodes a nullable column at `index`.
    fn decode_nullable(row: &Row<'_>, index: usize) -> Result<Option<Self>, sqlx::Error>;

    /// True for a value that is SQL's `NULL` (`None`).
    fn is_null(&self) -> bool {
        false
    }
}

macro_rules! native_column {
    ($($ty:ty),*) => {$(
        impl ColumnType for $ty {
            fn bind(self, args: &mut Args) {
                args.raw(self);
            }
            fn bind_null(args: &mut Args) {
                args.raw(None::<$ty>);
            }
            fn decode(row: &Row<'_>, index: usize) -> Result<Self, sqlx::Error> {
                row.native::<$ty>(index)
            }
            fn decode_nullable(row: &Row<'_>, index: usize) -> Result<Option<Self>, sqlx::Error> {
                row.native::<Option<$ty>>(index)
            }
        }
    )*};
}

native_column!(
    i32,
    i64,
    f64,
    bool,
    String,
    Uuid,
    DateTime<Utc>,
    serde_json::Value
);

impl<T> ColumnType for Vec<T>
where
    T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    fn bind(self, args: &mut Args) {
        args.raw(Json(self));
    }
    fn bind_null(args: &mut Args) {
        args.raw(None::<Json<Vec<T>>>);
    }
    fn decode(row: &Row<'_>, index: usize) -> Result<Self, sqlx::Error> {
        row.native::<Json<Vec<T>>>(index).map(|json| json.0)
    }
    fn decode_nullable(row: &Row<'_>, index: usize) -> Result<Option<Self>, sqlx::Error> {
        row.native::<Option<Json<Vec<T>>>>(index)
            .map(|json| json.map(|json| json.0))
    }
}

/// A unit-variant enum stored as text: what `#[derive(Model)]` gives an enum, so that it can be
/// a resource's field (a `TEXT` column with a `CHECK` listing the values, on every backend).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a fastrs enum",
    note = "a field of a type of your own must be an enum of unit variants with `#[derive(Model)]`"
)]
pub trait TextEnum: Sized + Send + Sync + 'static {
    /// Every variant's name as stored and as JSON says it, in declaration order.
    const VALUES: &'static [&'static str];

    /// The position of this variant's name in [`VALUES`](TextEnum::VALUES).
    fn index(&self) -> usize;

    /// The variant named `VALUES[index]`.
    fn from_index(index: usize) -> Option<Self>;
}

/// [`ColumnType::bind`] for a [`TextEnum`]: its name as text.
pub fn bind_enum<E: TextEnum>(value: &E, args: &mut Args) {
    let name = E::VALUES.get(value.index()).copied().unwrap_or_default();
    args.raw(name);
}

/// [`ColumnType::decode`] for a [`TextEnum`]: a value that names no variant (a row written by
/// another version of the app) is a decode error, never a panic.
pub fn decode_enum<E: TextEnum>(row: &Row<'_>, index: usize) -> Result<E, sqlx::Error> {
    let text = row.native::<String>(index)?;
    enum_from_text(&text)
}

/// [`ColumnType::decode_nullable`] for a [`TextEnum`].
pub fn decode_nullable_enum<E: TextEnum>(
    row: &Row<'_>,
    index: usize,
) -> Result<Option<E>, sqlx::Error> {
    match row.native::<Option<String>>(index)? {
        Some(text) => enum_from_text(&text).map(Some),
        None => Ok(None),
    }
}

fn enum_from_text<E: TextEnum>(text: &str) -> Result<E, sqlx::Error> {
    E::VALUES
        .iter()
        .position(|value| *value == text)
        .and_then(E::from_index)
        .ok_or_else(|| {
            sqlx::Error::Decode(
                format!("{text:?} is not a value of {}", std::any::type_name::<E>()).into(),
            )
        })
}

impl<T: ColumnType> ColumnType for Option<T> {
    fn is_null(&self) -> bool {
        self.is_none()
    }

    fn bind(self, args: &mut Args) {
        match self {
            Some(value) => value.bind(args),
            None => T::bind_null(args),
        }
    }
    fn bind_null(args: &mut Args) {
        T::bind_null(args);
    }
    fn decode(row: &Row<'_>, index: usize) -> Result<Self, sqlx::Error> {
        T::decode_nullable(row, index)
    }
    fn decode_nullable(row: &Row<'_>, index: usize) -> Result<Option<Self>, sqlx::Error> {
        T::decode_nullable(row, index).map(Some)
    }
}
