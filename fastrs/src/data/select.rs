//! [`Column`], [`Filter`], [`Order`] and [`Select`]: the typed query over a resource's rows.

use std::fmt::Write;
use std::marker::PhantomData;
use std::sync::Arc;

use super::db_error;
use crate::ApiError;
use crate::db::{Args, Backend, ColumnType, Db, Query};
use crate::resource::filter::like_escape;
use crate::resource::{Resource, Statements, quote};

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

/// Binds one value; shared, so that a cloned select binds it again.
type Binder = Arc<dyn Fn(&mut Args) + Send + Sync>;

fn binder<T: ColumnType>(value: T) -> Binder {
    Arc::new(move |args: &mut Args| args.add(value.clone()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Compare(&'static str),
    In,
    IsNull,
    IsNotNull,
    IContains,
    Holds,
}

/// A condition on one column (`Post::TITLE.eq(...)`), for [`Select::filter`].
pub struct Filter<R> {
    index: usize,
    op: Op,
    values: Vec<Binder>,
    _resource: PhantomData<fn() -> R>,
}

impl<R> Clone for Filter<R> {
    fn clone(&self) -> Self {
        Self {
            index: self.index,
            op: self.op,
            values: self.values.clone(),
            _resource: PhantomData,
        }
    }
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

impl<R> Clone for Order<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Order<R> {}

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
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # pub struct Post { #[resource(id)] pub id: i64, pub title: String, pub likes: i64, pub tags: Vec<String>, pub summary: Option<String> }
    /// let oldest_first = Post::select().order(Post::ID.asc());
    /// ```
    pub fn asc(self) -> Order<R> {
        Order {
            index: self.index,
            descending: false,
            _resource: PhantomData,
        }
    }

    /// Descending order.
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # pub struct Post { #[resource(id)] pub id: i64, pub title: String, pub likes: i64, pub tags: Vec<String>, pub summary: Option<String> }
    /// let most_liked = Post::select().order(Post::LIKES.desc()).limit(10);
    /// ```
    pub fn desc(self) -> Order<R> {
        Order {
            index: self.index,
            descending: true,
            _resource: PhantomData,
        }
    }

    /// `IS NULL`.
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # pub struct Post { #[resource(id)] pub id: i64, pub title: String, pub likes: i64, pub tags: Vec<String>, pub summary: Option<String> }
    /// let without = Post::select().filter(Post::SUMMARY.is_null());
    /// ```
    pub fn is_null(self) -> Filter<R> {
        self.filter(Op::IsNull, Vec::new())
    }

    /// `IS NOT NULL`.
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # pub struct Post { #[resource(id)] pub id: i64, pub title: String, pub likes: i64, pub tags: Vec<String>, pub summary: Option<String> }
    /// let with = Post::select().filter(Post::SUMMARY.is_not_null());
    /// ```
    pub fn is_not_null(self) -> Filter<R> {
        self.filter(Op::IsNotNull, Vec::new())
    }
}

impl<R, T: ColumnType> Column<R, T> {
    fn compare(self, op: &'static str, value: impl Into<T>) -> Filter<R> {
        let value = value.into();
        // `= NULL` is never true in SQL: `None` means "is null".
        match (op, value.is_null()) {
            ("=", true) => self.is_null(),
            ("<>", true) => self.is_not_null(),
            _ => self.filter(Op::Compare(op), vec![binder(value)]),
        }
    }

    /// `= value` (`IS NULL` for `None`).
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # pub struct Post { #[resource(id)] pub id: i64, pub title: String, pub likes: i64, pub tags: Vec<String>, pub summary: Option<String> }
    /// let rust = Post::select().filter(Post::TITLE.eq("Rust"));
    /// let without = Post::select().filter(Post::SUMMARY.eq(None)); // IS NULL
    /// ```
    pub fn eq(self, value: impl Into<T>) -> Filter<R> {
        self.compare("=", value)
    }

    /// `<> value` (`IS NOT NULL` for `None`).
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # pub struct Post { #[resource(id)] pub id: i64, pub title: String, pub likes: i64, pub tags: Vec<String>, pub summary: Option<String> }
    /// let others = Post::select().filter(Post::TITLE.ne("Rust"));
    /// ```
    pub fn ne(self, value: impl Into<T>) -> Filter<R> {
        self.compare("<>", value)
    }

    /// `> value`.
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # pub struct Post { #[resource(id)] pub id: i64, pub title: String, pub likes: i64, pub tags: Vec<String>, pub summary: Option<String> }
    /// let popular = Post::select().filter(Post::LIKES.gt(100));
    /// ```
    pub fn gt(self, value: impl Into<T>) -> Filter<R> {
        self.compare(">", value)
    }

    /// `>= value`.
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # pub struct Post { #[resource(id)] pub id: i64, pub title: String, pub likes: i64, pub tags: Vec<String>, pub summary: Option<String> }
    /// let liked = Post::select().filter(Post::LIKES.ge(1));
    /// ```
    pub fn ge(self, value: impl Into<T>) -> Filter<R> {
        self.compare(">=", value)
    }

    /// `< value`.
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # pub struct Post { #[resource(id)] pub id: i64, pub title: String, pub likes: i64, pub tags: Vec<String>, pub summary: Option<String> }
    /// let early = Post::select().filter(Post::ID.lt(1000));
    /// ```
    pub fn lt(self, value: impl Into<T>) -> Filter<R> {
        self.compare("<", value)
    }

    /// `<= value`.
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # pub struct Post { #[resource(id)] pub id: i64, pub title: String, pub likes: i64, pub tags: Vec<String>, pub summary: Option<String> }
    /// let few = Post::select().filter(Post::LIKES.le(3));
    /// ```
    pub fn le(self, value: impl Into<T>) -> Filter<R> {
        self.compare("<=", value)
    }

    /// `IN (values...)`; no value matches no row.
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # pub struct Post { #[resource(id)] pub id: i64, pub title: String, pub likes: i64, pub tags: Vec<String>, pub summary: Option<String> }
    /// let picked = Post::select().filter(Post::ID.is_in([1, 2, 3]));
    /// ```
    pub fn is_in(self, values: impl IntoIterator<Item = T>) -> Filter<R> {
        self.filter(Op::In, values.into_iter().map(binder).collect())
    }
}

impl<R> Column<R, String> {
    /// Contains `text`, ignoring case (`LIKE`, with `%` and `_` in `text` taken literally).
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # pub struct Post { #[resource(id)] pub id: i64, pub title: String, pub likes: i64, pub tags: Vec<String>, pub summary: Option<String> }
    /// let about_rust = Post::select().filter(Post::TITLE.icontains("rust"));
    /// ```
    pub fn icontains(self, text: &str) -> Filter<R> {
        let pattern = format!("%{}%", like_escape(&text.to_lowercase()));
        self.filter(Op::IContains, vec![binder(pattern)])
    }
}

impl<R, T: Into<String>> Column<R, Vec<T>> {
    /// The list (a JSON column) holds `value`.
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # pub struct Post { #[resource(id)] pub id: i64, pub title: String, pub likes: i64, pub tags: Vec<String>, pub summary: Option<String> }
    /// let tagged = Post::select().filter(Post::TAGS.holds("rust"));
    /// ```
    pub fn holds(self, value: impl Into<String>) -> Filter<R> {
        self.filter(Op::Holds, vec![binder(value.into())])
    }
}

impl<R> Column<R, Option<String>> {
    /// Contains `text`, ignoring case (rows where the column is null never match).
    pub fn icontains(self, text: &str) -> Filter<R> {
        let pattern = format!("%{}%", like_escape(&text.to_lowercase()));
        self.filter(Op::IContains, vec![binder(pattern)])
    }
}

/// A query over `R`'s rows: [`Table::select`](super::Table::select), then filters, order and a page, then one of
/// [`all`](Select::all), [`first`](Select::first), [`count`](Select::count) or
/// [`exists`](Select::exists). Rows come in the given order, then by id.
///
/// A select is `Clone`: build the conditions once, then run a page and its count.
///
/// ```
/// # use fastrs::prelude::*;
/// # #[derive(Resource)]
/// # pub struct Post { #[resource(id)] pub id: i64, pub published: bool }
/// async fn page(db: &mut Db, offset: u64) -> Result<(Vec<Post>, i64), ApiError> {
///     let published = Post::select().filter(Post::PUBLISHED.eq(true));
///     let total = published.clone().count(db).await?;
///     let rows = published.limit(20).offset(offset).all(db).await?;
///     Ok((rows, total))
/// }
/// ```
#[must_use = "a select does nothing until it runs"]
pub struct Select<R> {
    filters: Vec<Filter<R>>,
    order: Vec<Order<R>>,
    limit: Option<u32>,
    offset: u64,
    viewer: Option<crate::auth::Principal>,
}

impl<R> Clone for Select<R> {
    fn clone(&self) -> Self {
        Self {
            filters: self.filters.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            viewer: self.viewer.clone(),
        }
    }
}

impl<R> std::fmt::Debug for Select<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Select")
            .field("filters", &self.filters)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("viewer", &self.viewer.as_ref().map(|viewer| &viewer.id))
            .finish()
    }
}

impl<R: Resource> Select<R> {
    /// Every row (what [`Table::select`](super::Table::select) starts from).
    pub(crate) fn new() -> Self {
        Select {
            filters: Vec::new(),
            order: Vec::new(),
            limit: None,
            offset: 0,
            viewer: None,
        }
    }

    /// Computes the rows' `flag` fields for `caller` (a [`Principal`](crate::auth::Principal),
    /// the user row, or an `Option` of either; with nobody they are false): what the generated
    /// routes answer to that caller.
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # #[resource(owner = user_id)]
    /// # pub struct Star { #[resource(id)] pub id: i64, pub user_id: i64, #[resource(references = Recipe)] pub recipe_id: i64 }
    /// #[derive(Resource)]
    /// pub struct Recipe {
    ///     #[resource(id)]
    ///     pub id: i64,
    ///     #[resource(flag = Star)]
    ///     pub starred: bool,
    /// }
    ///
    /// async fn starred(db: &mut Db, me: &fastrs::auth::Principal) -> Result<Vec<Recipe>, ApiError> {
    ///     let rows = Recipe::select().viewer(me).all(db).await?;
    ///     Ok(rows.into_iter().filter(|recipe| recipe.starred).collect())
    /// }
    /// ```
    pub fn viewer(mut self, caller: &impl crate::principal::Caller) -> Self {
        self.viewer = caller.principal();
        self
    }

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
    fn conditions(
        filters: Vec<Filter<R>>,
        sql: &Statements,
        backend: Backend,
    ) -> (String, Vec<Binder>) {
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
            let name = crate::resource::expression(meta, column);
            // Placeholders continue after the values bound so far.
            let next = || binders.len() + 1;
            let clause = match filter.op {
                Op::Compare(op) => format!("{name} {op} ${}", next()),
                Op::IsNull => format!("{name} IS NULL"),
                Op::IsNotNull => format!("{name} IS NOT NULL"),
                Op::IContains => format!("LOWER({name}) LIKE ${} ESCAPE '\\'", next()),
                Op::Holds => crate::resource::filter::list_holds(backend, &name, next()),
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
        let backend = db.backend();
        self.all_on(backend, db).await
    }

    /// [`Select::all`] on any target (a pool's readers, outside a transaction).
    pub(crate) async fn all_on<'c>(
        self,
        backend: Backend,
        target: impl Into<crate::db::Target<'c>>,
    ) -> Result<Vec<R>, ApiError> {
        let sql = R::statements();
        let meta = R::meta();
        let (conditions, binders) = Self::conditions(self.filters, sql, backend);
        let mut text = format!("{}{conditions} ORDER BY ", sql.rows.select);
        for order in &self.order {
            if let Some(column) = meta.columns.get(order.index) {
                let direction = if order.descending { "DESC" } else { "ASC" };
                let _ = write!(
                    text,
                    "{} {direction}, ",
                    crate::resource::expression(meta, column)
                );
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
        // The data API's own SELECT: it may run outside a transaction in a reading request.
        let mut query = Self::query(backend, text, binders).plain_read();
        if let Some((limit, offset)) = page {
            query = query.bind(limit).bind(offset);
        }
        super::bind_viewer::<R>(query.args_mut(), self.viewer.as_ref())?;
        query.fetch_all(target).await.map_err(db_error::<R>)
    }

    /// The first matching row, if any.
    pub async fn first(self, db: &mut Db) -> Result<Option<R>, ApiError> {
        Ok(self.limit(1).all(db).await?.into_iter().next())
    }

    /// How many rows match (the page is ignored).
    pub async fn count(self, db: &mut Db) -> Result<i64, ApiError> {
        let sql = R::statements();
        let (conditions, binders) = Self::conditions(self.filters, sql, db.backend());
        let text = format!("{}{conditions}", sql.count_all);
        let (count,): (i64,) = Self::query(db.backend(), text, binders)
            .plain_read()
            .fetch_one(db)
            .await
            .map_err(db_error::<R>)?;
        Ok(count)
    }

    /// Whether any row matches.
    pub async fn exists(self, db: &mut Db) -> Result<bool, ApiError> {
        Ok(self.limit(1).all(db).await?.into_iter().next().is_some())
    }

    /// Deletes every matching row (marks it, for a soft-deleting resource; the order and page
    /// are ignored): how many there were. Hooks do not run; a row still referenced is a 409.
    ///
    /// ```
    /// # use fastrs::prelude::*;
    /// # #[derive(Resource)]
    /// # #[resource(owner = user_id)]
    /// # pub struct Star { #[resource(id)] pub id: i64, pub user_id: i64, pub recipe_id: i64 }
    /// async fn unstar(db: &mut Db, user: i64, recipe: i64) -> Result<u64, ApiError> {
    ///     Star::select()
    ///         .filter(Star::USER_ID.eq(user))
    ///         .filter(Star::RECIPE_ID.eq(recipe))
    ///         .delete(db)
    ///         .await
    /// }
    /// ```
    pub async fn delete(self, db: &mut Db) -> Result<u64, ApiError> {
        let meta = R::meta();
        let sql = R::statements();
        let (conditions, binders) = Self::conditions(self.filters, sql, db.backend());
        let table = quote(meta.table);
        let text = if meta.soft_delete {
            // `conditions` holds the live-row condition: a deleted row is not deleted again.
            format!(
                "UPDATE {table} SET {} = CURRENT_TIMESTAMP{conditions}",
                quote(crate::resource::DELETED_AT)
            )
        } else {
            format!("DELETE FROM {table}{conditions}")
        };
        Self::query(db.backend(), text, binders)
            .execute(db)
            .await
            .map_err(|error| match &error {
                sqlx::Error::Database(e) if crate::db::is_foreign_key_violation(e.as_ref()) => {
                    meta.still_referenced()
                }
                _ => crate::db::map_db_error(error, Some(meta)),
            })
    }
}
