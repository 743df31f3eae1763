//! The typed data API: read and write any resource from hand-written code, through the
//! request's transaction ([`Db`]), with the statements the generated routes run.
//!
//! Every `#[derive(Resource)]` model gets [`Table`] (import it with `use fastrs::prelude::*`)
//! and one [`Column`] constant per field, named after the field in upper case
//! (`Post::TITLE`), typed by the field: a filter on a column takes a value of that column's
//! type, checked by the compiler.
//!
//! ```no_run
//! use fastrs::prelude::*;
//!
//! #[derive(Resource)]
//! struct Post {
//!     #[resource(id)]
//!     id: i64,
//!     title: String,
//!     published: bool,
//! }
//!
//! async fn latest(mut db: Db) -> Result<Json<Vec<Post>>, ApiError> {
//!     let posts = Post::select()
//!         .filter(Post::PUBLISHED.eq(true))
//!         .filter(Post::TITLE.icontains("rust"))
//!         .order(Post::ID.desc())
//!         .limit(10)
//!         .all(&mut db)
//!         .await?;
//!     Ok(Json(posts))
//! }
//! # fn response(_: &Post) {}
//! ```
//!
//! What the generated routes do and this API does not: ownership (add a filter on the owner
//! column yourself), hooks (they belong to requests), and hashing a password (a resource with a
//! password column is written through the auth routes; [`Table::insert`] refuses it). Rows a
//! soft-deleting resource has deleted are invisible here too.
//!
//! The SQL is written by fastrs, not by a query builder: single-row statements are built once
//! per resource and reused (the same prepared statement as the routes'), and a select's text is
//! a few `format!`s over quoted identifiers. Values are always bound, never spliced.

mod select;

pub use select::{Column, Filter, Order, Select};

use std::future::Future;

use chrono::Utc;

use crate::ApiError;
use crate::auth::PasswordHasher;
use crate::db::{Args, Backend, ColumnType, Db, Query, map_db_error};
use crate::principal::{Caller, Principal};
use crate::resource::{BindInsert, BindUpdate, InsertFrom, Resource, Role, SqlType};

pub(crate) fn db_error<R: Resource>(error: sqlx::Error) -> ApiError {
    match &error {
        sqlx::Error::Database(db_error)
            if crate::db::is_foreign_key_violation(db_error.as_ref()) =>
        {
            R::meta().missing_reference(db_error.as_ref())
        }
        _ => map_db_error(error, Some(R::meta())),
    }
}

/// Reads and writes of a resource's rows for hand-written code; every resource has it.
///
/// Each method runs in `db`'s transaction (the request's, for a `Db` extractor), so what a
/// handler writes commits or rolls back with its answer. Errors are the routes' own: a unique
/// violation is a 409, a reference to a missing row a 422.
pub trait Table: Resource {
    /// The row with this id.
    fn get(
        db: &mut Db,
        id: Self::Id,
    ) -> impl Future<Output = Result<Option<Self>, ApiError>> + Send {
        async move {
            let mut query = Query::new(db.backend(), Self::statements().rows.get.clone()).bind(id);
            bind_viewer::<Self>(query.args_mut(), None)?;
            query.fetch_optional(db).await.map_err(db_error::<Self>)
        }
    }

    /// The row whose `column` holds `value` (a unique field: the first by id otherwise).
    fn find_by<T: ColumnType>(
        db: &mut Db,
        column: Column<Self, T>,
        value: T,
    ) -> impl Future<Output = Result<Option<Self>, ApiError>> + Send {
        Self::select().filter(column.eq(value)).first(db)
    }

    /// A query over the rows.
    fn select() -> Select<Self> {
        Select::new()
    }

    /// How many rows there are.
    fn count(db: &mut Db) -> impl Future<Output = Result<i64, ApiError>> + Send {
        Self::select().count(db)
    }

    /// Inserts a row from a create value (with the framework's values: ids, timestamps).
    /// A resource with an owner needs [`insert_for`](Table::insert_for).
    fn insert(
        db: &mut Db,
        new: Self::Create,
    ) -> impl Future<Output = Result<Self, ApiError>> + Send {
        insert_row::<Self>(db, new, None)
    }

    /// Inserts a row owned by `owner`: a [`Principal`], the user row, or an `Option` of either
    /// ([`Caller`]).
    fn insert_for(
        db: &mut Db,
        new: Self::Create,
        owner: &impl Caller,
    ) -> impl Future<Output = Result<Self, ApiError>> + Send {
        let owner = owner.principal();
        async move { insert_row::<Self>(db, new, owner.as_ref()).await }
    }

    /// Inserts a row unless one with the same unique values is there already (a follow, a
    /// favourite, a tag on a post: the statement the generated link routes run), owned by
    /// `owner` for a resource with an owner (`&()` for one without). The database's unique
    /// constraint decides, not a read before the write, so two requests at once insert one row.
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # pub struct Recipe { #[resource(id)] pub id: i64 }
    /// #[derive(Resource)]
    /// #[resource(owner = user_id, unique(user_id, recipe_id))]
    /// pub struct Star {
    ///     #[resource(id)]
    ///     pub id: i64,
    ///     pub user_id: i64,
    ///     #[resource(references = Recipe)]
    ///     pub recipe_id: i64,
    /// }
    ///
    /// async fn star(db: &mut Db, me: &fastrs::auth::Principal, recipe: i64) -> Result<(), ApiError> {
    ///     Star::insert_if_absent(db, StarCreate { recipe_id: recipe }, me).await
    /// }
    /// ```
    fn insert_if_absent(
        db: &mut Db,
        new: Self::Create,
        owner: &impl Caller,
    ) -> impl Future<Output = Result<(), ApiError>> + Send {
        let owner = owner.principal();
        async move {
            refuse_password::<Self>()?;
            let insert = Self::statements().rows.insert_if_absent(db.backend());
            let mut query = Query::new(db.backend(), insert.clone());
            new.bind_insert(query.args_mut());
            bind_auto::<Self>(query.args_mut(), owner.as_ref())?;
            query.execute(db).await.map_err(db_error::<Self>)?;
            Ok(())
        }
    }

    /// Applies a partial update (fields left `Absent` keep their value); `None` when there is
    /// no such row.
    fn update(
        db: &mut Db,
        id: Self::Id,
        patch: Self::Update,
    ) -> impl Future<Output = Result<Option<Self>, ApiError>> + Send {
        async move {
            let mut query =
                update_query::<Self>(db.backend(), &Self::statements().rows.update, id, patch);
            bind_viewer::<Self>(query.args_mut(), None)?;
            query.fetch_optional(db).await.map_err(db_error::<Self>)
        }
    }

    /// Deletes the row (marks it, for a soft-deleting resource); false when there was none.
    fn delete(db: &mut Db, id: Self::Id) -> impl Future<Output = Result<bool, ApiError>> + Send {
        async move {
            let deleted = Query::new(db.backend(), Self::statements().delete.clone())
                .bind(id)
                .execute(db)
                .await
                .map_err(|error| match &error {
                    sqlx::Error::Database(e) if crate::db::is_foreign_key_violation(e.as_ref()) => {
                        Self::meta().still_referenced()
                    }
                    _ => map_db_error(error, Some(Self::meta())),
                })?;
            Ok(deleted > 0)
        }
    }
}

impl<R: Resource> Table for R {}

async fn insert_row<R: Resource>(
    db: &mut Db,
    new: R::Create,
    owner: Option<&Principal>,
) -> Result<R, ApiError> {
    refuse_password::<R>()?;
    let mut query = Query::new(db.backend(), R::statements().rows.insert.clone());
    new.bind_insert(query.args_mut());
    bind_auto::<R>(query.args_mut(), owner)?;
    bind_viewer::<R>(query.args_mut(), None)?;
    query.fetch_one(db).await.map_err(db_error::<R>)
}

/// The data API does not hash passwords: a resource with one is written through the auth
/// routes or [`Accounts`](crate::auth::Accounts).
fn refuse_password<R: Resource>() -> Result<(), ApiError> {
    if R::meta().columns.iter().any(|column| column.password) {
        return Err(ApiError::internal(format!(
            "{} has a password: create it through the auth routes, which hash it",
            R::meta().name
        )));
    }
    Ok(())
}

/// Binds an id given as text (a token's subject) as the column's type.
fn bind_id_text(args: &mut Args, sql_type: SqlType, id: &str) -> Result<(), ApiError> {
    let bad = || {
        ApiError::internal(format!(
            "owner id {id:?} does not fit a {sql_type:?} column"
        ))
    };
    match sql_type {
        SqlType::BigInt => args.add(id.parse::<i64>().map_err(|_| bad())?),
        SqlType::Int => args.add(id.parse::<i32>().map_err(|_| bad())?),
        SqlType::Uuid => args.add(uuid::Uuid::parse_str(id).map_err(|_| bad())?),
        _ => args.add(id.to_owned()),
    }
    Ok(())
}

/// Binds the caller as the owner column's value.
pub(crate) fn bind_owner<R: Resource>(
    args: &mut Args,
    principal: Option<&Principal>,
) -> Result<(), ApiError> {
    let (Some(owner), Some(principal)) = (R::meta().owner_column(), principal) else {
        return Err(ApiError::internal(format!(
            "{} has an owner: write it with a caller (`Table::insert_for`)",
            R::meta().name
        )));
    };
    bind_id_text(args, owner.sql_type, &principal.id)
}

/// Binds the caller (the viewer) that `R`'s `flag` fields compare, as the statement's last
/// value: its id, or NULL (every flag false). Nothing when `R` has no flags.
pub(crate) fn bind_viewer<R: Resource>(
    args: &mut Args,
    viewer: Option<&Principal>,
) -> Result<(), ApiError> {
    let Some(sql_type) = R::meta().viewer_type() else {
        return Ok(());
    };
    match viewer {
        Some(principal) => bind_id_text(args, sql_type, &principal.id)?,
        None => match sql_type {
            SqlType::Int => args.add(None::<i32>),
            SqlType::Uuid => args.add(None::<uuid::Uuid>),
            SqlType::Text => args.add(None::<String>),
            _ => args.add(None::<i64>),
        },
    }
    Ok(())
}

/// Binds the values the framework fills on insert, in column order.
pub(crate) fn bind_auto<R: Resource>(
    args: &mut Args,
    principal: Option<&Principal>,
) -> Result<(), ApiError> {
    let now = Utc::now();
    for column in R::meta()
        .columns
        .iter()
        .filter(|column| column.insert == InsertFrom::Auto)
    {
        match (column.role, column.sql_type) {
            (Role::Id, SqlType::Uuid) => args.add(uuid::Uuid::now_v7()),
            (Role::Owner, _) => bind_owner::<R>(args, principal)?,
            _ => args.add(now),
        }
    }
    Ok(())
}

/// The insert of a create body: hashes its password and binds it and the framework's values.
/// Shared by `POST {path}` and `/auth/register` (which runs it in its own transaction).
pub(crate) async fn insert_query<R: Resource>(
    backend: Backend,
    statement: &sqlx::SqlStr,
    mut body: R::Create,
    principal: Option<&Principal>,
    hasher: &PasswordHasher,
) -> Result<Query, ApiError> {
    hash_password::<R>(&mut body, hasher).await?;
    bind_insert::<R>(backend, statement, body, principal)
}

/// Replaces the body's password with its hash (a body without one is left alone).
pub(crate) async fn hash_password<R: Resource>(
    body: &mut R::Create,
    hasher: &PasswordHasher,
) -> Result<(), ApiError> {
    if let Some(password) = body.password_mut() {
        *password = hasher.hash(std::mem::take(password)).await?;
    }
    Ok(())
}

/// The insert of a body whose password, if any, is hashed already.
pub(crate) fn bind_insert<R: Resource>(
    backend: Backend,
    statement: &sqlx::SqlStr,
    body: R::Create,
    principal: Option<&Principal>,
) -> Result<Query, ApiError> {
    let mut query = Query::new(backend, statement.clone());
    body.bind_insert(query.args_mut());
    bind_auto::<R>(query.args_mut(), principal)?;
    // A statement that answers the row (`RETURNING`) takes the viewer after: the caller binds it.
    Ok(query)
}

/// The update of the row `id` by `patch` (and `updated_at`); the caller binds the owner after,
/// for an owned statement, and then the viewer ([`bind_viewer`]).
pub(crate) fn update_query<R: Resource>(
    backend: Backend,
    statement: &sqlx::SqlStr,
    id: R::Id,
    patch: R::Update,
) -> Query {
    let mut query = Query::new(backend, statement.clone()).bind(id);
    patch.bind_update(query.args_mut());
    let now = Utc::now();
    for _ in R::meta()
        .columns
        .iter()
        .filter(|column| column.role == Role::UpdatedAt)
    {
        query.args_mut().add(now);
    }
    query
}

/// `T`'s rows whose id is one of `ids` (JSON numbers or strings; others are skipped), as their
/// JSON answers, with `viewer`'s flags: what `?include=` embeds, one statement for any number
/// of ids. The derive puts it in each reference's [`Reference::rows`](crate::resource::Reference).
pub fn rows_by_id<'a, T: Resource>(
    db: &'a mut Db,
    ids: Vec<serde_json::Value>,
    viewer: Option<&'a Principal>,
) -> std::pin::Pin<Box<dyn Future<Output = Result<Vec<serde_json::Value>, ApiError>> + Send + 'a>> {
    Box::pin(async move {
        use crate::extract::PathId;
        let Some(index) = T::meta().columns.iter().position(|c| c.role == Role::Id) else {
            return Ok(Vec::new());
        };
        let ids: Vec<T::Id> = ids
            .iter()
            .filter_map(|id| match id {
                serde_json::Value::String(text) => T::Id::parse_path(text).ok(),
                serde_json::Value::Number(n) => T::Id::parse_path(&n.to_string()).ok(),
                _ => None,
            })
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut select = T::select().filter(Column::<T, T::Id>::new(index).is_in(ids));
        if let Some(viewer) = viewer {
            select = select.viewer(viewer);
        }
        let rows = select.all(db).await?;
        rows.into_iter()
            .map(|row| serde_json::to_value(T::Response::from(row)).map_err(ApiError::internal))
            .collect()
    })
}
