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

use std::fmt::Write;
use std::future::Future;
use std::marker::PhantomData;

use chrono::Utc;

use crate::ApiError;
use crate::auth::{PasswordHasher, Principal};
use crate::db::{Args, Backend, ColumnType, Db, Query, map_db_error};
use crate::resource::filter::like_escape;
use crate::resource::{
    BindInsert, BindUpdate, InsertFrom, Resource, Role, SqlType, Statements, quote,
};

/// One column of `R`, holding values of type `T` (the field's type): the start of a filter or
/// an order. The derive writes one per field (`Post::TITLE`).
pub struct Column<R, T> {
    index: usize,
    _types: PhantomData<fn() -> (R, T)>,
}

impl<R, T> Clone for Column<R, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R, T> Copy for Column<R, T> {}

impl<R, T> std::fmt::Debug for Column<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Column").field(&self.index).finish()
    }
}

type Binder = Box<dyn FnOnce(&mut Args) + Send>;

fn binder<T: ColumnType>(value: T) -> Binder {
    Box::new(move |args: &mut Args| args.add(value))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Compare(&'static str),
    In,
    IsNull,
    IsNotNull,
    IContains,
}

/// A condition on one column (`Post::TITLE.eq(...)`), for [`Select::filter`].
pub struct Filter<R> {
    index: usize,
    op: Op,
    values: Vec<Binder>,
    _resource: PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for Filter<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filter")
            .field("column", &self.index)
            .field("op", &self.op)
            .field("values", &self.values.len())
            .finish()
    }
}

/// An ordering by one column (`Post::ID.desc()`), for [`Select::order`].
pub struct Order<R> {
    index: usize,
    descending: bool,
    _resource: PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for Order<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Order")
            .field("column", &self.index)
            .field("descending", &self.descending)
            .finish()
    }
}

impl<R, T> Column<R, T> {
    /// The column at `index` in field order (what the derive writes).
    #[doc(hidden)]
    pub const fn new(index: usize) -> Self {
        Self {
            index,
            _types: PhantomData,
        }
    }

    fn filter(self, op: Op, values: Vec<Binder>) -> Filter<R> {
        Filter {
            index: self.index,
            op,
            values,
            _resource: PhantomData,
        }
    }

    /// Ascending order.
    pub fn asc(self) -> Order<R> {
        Order {
            index: self.index,
            descending: false,
            _resource: PhantomData,
        }
    }

    /// Descending order.
    pub fn desc(self) -> Order<R> {
        Order {
            index: self.index,
            descending: true,
            _resource: PhantomData,
        }
    }

    /// `IS NULL`.
    pub fn is_null(self) -> Filter<R> {
        self.filter(Op::IsNull, Vec::new())
    }

    /// `IS NOT NULL`.
    pub fn is_not_null(self) -> Filter<R> {
        self.filter(Op::IsNotNull, Vec::new())
    }
}

impl<R, T: ColumnType> Column<R, T> {
    fn compare(self, op: &'static str, value: impl Into<T>) -> Filter<R> {
        self.filter(Op::Compare(op), vec![binder(value.into())])
    }

    /// `= value`.
    pub fn eq(self, value: impl Into<T>) -> Filter<R> {
        self.compare("=", value)
    }

    /// `<> value`.
    pub fn ne(self, value: impl Into<T>) -> Filter<R> {
        self.compare("<>", value)
    }

    /// `> value`.
    pub fn gt(self, value: impl Into<T>) -> Filter<R> {
        self.compare(">", value)
    }

    /// `>= value`.
    pub fn ge(self, value: impl Into<T>) -> Filter<R> {
        self.compare(">=", value)
    }

    /// `< value`.
    pub fn lt(self, value: impl Into<T>) -> Filter<R> {
        self.compare("<", value)
    }

    /// `<= value`.
    pub fn le(self, value: impl Into<T>) -> Filter<R> {
        self.compare("<=", value)
    }

    /// `IN (values...)`; no value matches no row.
    pub fn is_in(self, values: impl IntoIterator<Item = T>) -> Filter<R> {
        self.filter(Op::In, values.into_iter().map(binder).collect())
    }
}

impl<R> Column<R, String> {
    /// Contains `text`, ignoring case (`LIKE`, with `%` and `_` in `text` taken literally).
    pub fn icontains(self, text: &str) -> Filter<R> {
        let pattern = format!("%{}%", like_escape(&text.to_lowercase()));
        self.filter(Op::IContains, vec![binder(pattern)])
    }
}

impl<R> Column<R, Option<String>> {
    /// Contains `text`, ignoring case (rows where the column is null never match).
    pub fn icontains(self, text: &str) -> Filter<R> {
        let pattern = format!("%{}%", like_escape(&text.to_lowercase()));
        self.filter(Op::IContains, vec![binder(pattern)])
    }
}

/// A query over `R`'s rows: [`Table::select`], then filters, order and a page, then one of
/// [`all`](Select::all), [`first`](Select::first), [`count`](Select::count) or
/// [`exists`](Select::exists). Rows come in the given order, then by id.
#[must_use = "a select does nothing until it runs"]
pub struct Select<R> {
    filters: Vec<Filter<R>>,
    order: Vec<Order<R>>,
    limit: Option<u32>,
    offset: u64,
}

impl<R> std::fmt::Debug for Select<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Select")
            .field("filters", &self.filters)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .finish()
    }
}

impl<R: Resource> Select<R> {
    /// Keeps the rows that meet `filter` too.
    pub fn filter(mut self, filter: Filter<R>) -> Self {
        self.filters.push(filter);
        self
    }

    /// Orders by `order`, after the orders given before.
    pub fn order(mut self, order: Order<R>) -> Self {
        self.order.push(order);
        self
    }

    /// At most `limit` rows.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Skips the first `offset` rows.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// The `WHERE` clause (with the soft-delete condition) and its binders, numbered from `$1`.
    fn conditions(filters: Vec<Filter<R>>, sql: &Statements) -> (String, Vec<Binder>) {
        let meta = R::meta();
        let mut text = String::new();
        let mut binders = Vec::new();
        let mut clauses: Vec<String> = Vec::new();
        if !sql.live.is_empty() {
            clauses.push(sql.live.clone());
        }
        for filter in filters {
            let Some(column) = meta.columns.get(filter.index) else {
                continue;
            };
            let name = quote(column.column);
            // Placeholders continue after the values bound so far.
            let next = || binders.len() + 1;
            let clause = match filter.op {
                Op::Compare(op) => format!("{name} {op} ${}", next()),
                Op::IsNull => format!("{name} IS NULL"),
                Op::IsNotNull => format!("{name} IS NOT NULL"),
                Op::IContains => format!("LOWER({name}) LIKE ${} ESCAPE '\\'", next()),
                Op::In if filter.values.is_empty() => "1 = 0".to_owned(),
                Op::In => {
                    let first = next();
                    let placeholders: Vec<String> = (0..filter.values.len())
                        .map(|i| format!("${}", first + i))
                        .collect();
                    format!("{name} IN ({})", placeholders.join(", "))
                }
            };
            clauses.push(clause);
            binders.extend(filter.values);
        }
        if !clauses.is_empty() {
            let _ = write!(text, " WHERE {}", clauses.join(" AND "));
        }
        (text, binders)
    }

    fn query(backend: Backend, text: String, binders: Vec<Binder>) -> Query {
        let mut query = Query::new(backend, crate::resource::sql(text));
        for bind in binders {
            bind(query.args_mut());
        }
        query
    }

    /// Every matching row.
    pub async fn all(self, db: &mut Db) -> Result<Vec<R>, ApiError> {
        let sql = R::statements();
        let meta = R::meta();
        let (conditions, binders) = Self::conditions(self.filters, sql);
        let mut text = format!("{}{conditions} ORDER BY ", sql.rows.select);
        for order in &self.order {
            if let Some(column) = meta.columns.get(order.index) {
                let direction = if order.descending { "DESC" } else { "ASC" };
                let _ = write!(text, "{} {direction}, ", quote(column.column));
            }
        }
        text.push_str(&quote(meta.id_column().map_or("id", |c| c.column)));
        let n = binders.len();
        let page = match (self.limit, self.offset) {
            (None, 0) => None,
            (limit, offset) => {
                let _ = write!(text, " LIMIT ${} OFFSET ${}", n + 1, n + 2);
                Some((
                    limit.map_or(i64::MAX, i64::from),
                    i64::try_from(offset).unwrap_or(i64::MAX),
                ))
            }
        };
        let mut query = Self::query(db.backend(), text, binders);
        if let Some((limit, offset)) = page {
            query = query.bind(limit).bind(offset);
        }
        query.fetch_all(db).await.map_err(db_error::<R>)
    }

    /// The first matching row, if any.
    pub async fn first(self, db: &mut Db) -> Result<Option<R>, ApiError> {
        Ok(self.limit(1).all(db).await?.into_iter().next())
    }

    /// How many rows match (the page is ignored).
    pub async fn count(self, db: &mut Db) -> Result<i64, ApiError> {
        let sql = R::statements();
        let (conditions, binders) = Self::conditions(self.filters, sql);
        let text = format!("{}{conditions}", sql.count_all);
        let (count,): (i64,) = Self::query(db.backend(), text, binders)
            .fetch_one(db)
            .await
            .map_err(db_error::<R>)?;
        Ok(count)
    }

    /// Whether any row matches.
    pub async fn exists(self, db: &mut Db) -> Result<bool, ApiError> {
        Ok(self.limit(1).all(db).await?.into_iter().next().is_some())
    }
}

fn db_error<R: Resource>(error: sqlx::Error) -> ApiError {
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
            Query::new(db.backend(), Self::statements().rows.get.clone())
                .bind(id)
                .fetch_optional(db)
                .await
                .map_err(db_error::<Self>)
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
        Select {
            filters: Vec::new(),
            order: Vec::new(),
            limit: None,
            offset: 0,
        }
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

    /// Inserts a row owned by `owner`.
    fn insert_for(
        db: &mut Db,
        new: Self::Create,
        owner: &Principal,
    ) -> impl Future<Output = Result<Self, ApiError>> + Send {
        insert_row::<Self>(db, new, Some(owner))
    }

    /// Applies a partial update (fields left `Absent` keep their value); `None` when there is
    /// no such row.
    fn update(
        db: &mut Db,
        id: Self::Id,
        patch: Self::Update,
    ) -> impl Future<Output = Result<Option<Self>, ApiError>> + Send {
        async move {
            update_query::<Self>(db.backend(), &Self::statements().rows.update, id, patch)
                .fetch_optional(db)
                .await
                .map_err(db_error::<Self>)
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
    if R::meta().columns.iter().any(|column| column.password) {
        return Err(ApiError::internal(format!(
            "{} has a password: create it through the auth routes, which hash it",
            R::meta().name
        )));
    }
    let mut query = Query::new(db.backend(), R::statements().rows.insert.clone());
    new.bind_insert(query.args_mut());
    bind_auto::<R>(query.args_mut(), owner)?;
    query.fetch_one(db).await.map_err(db_error::<R>)
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
    if let Some(password) = body.password_mut() {
        *password = hasher.hash(std::mem::take(password)).await?;
    }
    let mut query = Query::new(backend, statement.clone());
    body.bind_insert(query.args_mut());
    bind_auto::<R>(query.args_mut(), principal)?;
    Ok(query)
}

/// The update of the row `id` by `patch` (and `updated_at`); the caller binds the owner after,
/// for an owned statement.
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
