//! The generic CRUD routes of a resource. Nothing here is generated: the handlers are ordinary
//! functions over `R: Resource`, monomorphised per model.
//!
//! | route | answer |
//! |---|---|
//! | `POST {path}` | 201 + `Location`, the created row; 409 on a unique violation |
//! | `GET {path}?offset&limit` | 200 `{"items","total","offset","limit"}`, by id ascending |
//! | `GET {path}/{id}` | 200, or 404 |
//! | `PATCH {path}/{id}` | 200 with the updated row, or 404 (403: another user's row) |
//! | `DELETE {path}/{id}` | 204, or 404 (403: another user's row) |
//! | `POST {path}/{id}/restore` | 200 with the row (soft-deleting resources) |
//! | `GET/POST {parent}/{id}{path}` | the list and create under a parent (`nested` references) |
//!
//! A `#[resource(cursor)]` list answers `{"items","next_cursor","limit"}` (and `total` on
//! `?total=true`) instead of offset pages. A resource with `hooks` runs each write in a
//! transaction with its [`Hooks`](crate::hooks::Hooks).
//!
//! Routes marked in `#[resource(auth(...))]` (and every write of a resource with an owner)
//! need a bearer token: 401 without a valid one. Each route runs one prepared statement on the
//! pool (the list runs two, concurrently): a single statement is atomic on its own, so these
//! routes skip the per-request transaction that [`Db`](crate::db::Db) gives hand-written
//! routes. Ownership is part of the statement (`WHERE id = $1 AND owner = $n`), never a read
//! followed by a write.

use std::marker::PhantomData;
use std::sync::Arc;

mod handlers;
mod include;
mod link;
mod list;
mod nested;

use handlers::{create, insert, read, remove, restore, update};
use list::{list, list_rows, reads_need_caller};

use crate::ApiError;
use crate::auth::{AuthState, PasswordHasher, Principal};
use crate::data::{bind_owner, bind_viewer};
use crate::db::{Backend, Db, Pool, Query, map_db_error};
use crate::hooks::Hooks;
use crate::resource::{Operations, OwnedStatements, PageBounds, ResourceMeta, Statements};
use crate::state::AppState;
use crate::tasks::{BackgroundTasks, TaskSlot, Tracker};
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::routing::MethodRouter;

/// What a resource's routes need from the app.
#[derive(Clone)]
pub(crate) struct Env {
    pub(crate) body_timeout: Option<std::time::Duration>,
    pub(crate) pool: Pool,
    pub(crate) page: PageBounds,
    pub(crate) auth: Option<Arc<AuthState>>,
    pub(crate) hasher: PasswordHasher,
    pub(crate) tasks: Tracker,
    /// Signs the cursors of keyset pages.
    pub(crate) cursor_key: crate::resource::CursorKey,
    /// Every mounted resource (a join resource's linked rows are listed by its target).
    pub(crate) mounted: Arc<[&'static ResourceMeta]>,
    /// The mounted resources whose generated `GET {path}/{id}` is served (not replaced): what
    /// `?include=` may embed.
    pub(crate) readable: Arc<[&'static ResourceMeta]>,
}

struct Ctx<R> {
    env: Env,
    /// This resource is the auth user model and a PATCH may change a login value: the update
    /// runs with the check that a login value names one user.
    logins: Option<Arc<AuthState>>,
    backend: Backend,
    sql: &'static Statements,
    page: PageBounds,
    not_found: String,
    /// The relations a read may embed (`?include=`).
    embeds: Vec<crate::resource::Embed>,
    _resource: PhantomData<fn() -> R>,
}

/// The bearer token, if any (only read by routes that need a caller).
/// Kept as the header value (a reference-counted clone, no copy) and read only by the routes
/// that need a caller.
#[derive(Clone)]
struct Token(Option<HeaderValue>);

impl<S: Send + Sync> FromRequestParts<S> for Token {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Token(parts.headers.get(header::AUTHORIZATION).cloned()))
    }
}

impl<R: Hooks> Ctx<R> {
    fn query(&self, sql: &sqlx::SqlStr) -> Query {
        Query::new(self.backend, sql.clone())
    }

    fn not_found(&self) -> ApiError {
        ApiError::not_found(self.not_found.clone())
    }

    fn db_error(&self, error: sqlx::Error) -> ApiError {
        match error {
            sqlx::Error::RowNotFound => self.not_found(),
            error => map_db_error(error, Some(R::meta())),
        }
    }

    /// The statement of a delete or a restore of the row `id`: the caller's own row when the
    /// resource is owned (delete's auth either way).
    async fn removal(
        &self,
        token: Token,
        id: &R::Id,
        plain: fn(&Statements) -> &sqlx::SqlStr,
        owned: fn(&OwnedStatements) -> &sqlx::SqlStr,
        answers_row: bool,
    ) -> Result<Query, ApiError> {
        let caller = self
            .viewer(token, R::meta().auth.delete || self.sql.owned.is_some())
            .await?;
        let mut query = match &self.sql.owned {
            Some(statements) => {
                let mut query = self.query(owned(statements)).bind(id.clone());
                bind_owner::<R>(query.args_mut(), caller.as_ref())?;
                query
            }
            None => self.query(plain(self.sql)).bind(id.clone()),
        };
        // `restore` answers the row (with the viewer's flags); `delete` reads nothing.
        if answers_row {
            bind_viewer::<R>(query.args_mut(), caller.as_ref())?;
        }
        Ok(query)
    }

    /// A failed insert or update: a reference to a row that does not exist is the client's
    /// mistake, at its field (422).
    fn write_error(&self, error: sqlx::Error) -> ApiError {
        match &error {
            sqlx::Error::Database(db_error)
                if crate::db::is_foreign_key_violation(db_error.as_ref()) =>
            {
                R::meta().missing_reference(db_error.as_ref())
            }
            _ => self.db_error(error),
        }
    }

    /// A failed delete: a row other rows still reference (`on_delete = "restrict"`) is a 409.
    fn delete_error(&self, error: sqlx::Error) -> ApiError {
        match &error {
            sqlx::Error::Database(db_error)
                if crate::db::is_foreign_key_violation(db_error.as_ref()) =>
            {
                R::meta().still_referenced()
            }
            _ => self.db_error(error),
        }
    }

    /// A write with hooks: its transaction, and the tasks its hooks queue (run after the commit).
    async fn hooked(&self) -> (Db, TaskSlot, BackgroundTasks) {
        let slot = TaskSlot::default();
        let tasks = BackgroundTasks::new(slot.clone(), self.env.tasks.clone());
        (Db::begin(&self.env.pool).await, slot, tasks)
    }

    /// The row `id` before a hooked write, locked until the commit; `None` when the caller may
    /// not write it (see [`Ctx::missing`]).
    async fn row_before_write(
        &self,
        db: &mut Db,
        id: &R::Id,
        caller: Option<&Principal>,
    ) -> Result<Option<R>, ApiError> {
        let owned = self.sql.owned.is_some();
        let statement = self
            .sql
            .rows
            .before_write(self.backend, owned)
            .ok_or_else(|| ApiError::internal("owned statement of a resource without an owner"))?;
        let mut read = self.query(statement).bind(id.clone());
        if owned {
            bind_owner::<R>(read.args_mut(), caller)?;
        }
        bind_viewer::<R>(read.args_mut(), caller)?;
        read.fetch_optional::<R>(db)
            .await
            .map_err(|e| self.db_error(e))
    }

    /// A row the caller may not write: 404, or 403 when it is another user's. Called with the
    /// write's transaction ended (the check reads on its own connection).
    async fn missing(&self, id: R::Id) -> ApiError {
        if self.sql.owned.is_some() {
            self.forbidden_or_missing(id).await
        } else {
            self.not_found()
        }
    }

    /// The caller when this route needs one (401/403 otherwise), or when the resource has
    /// `flag` fields and a token came: whose flags the answer shows.
    async fn viewer(&self, token: Token, needed: bool) -> Result<Option<Principal>, ApiError> {
        self.viewer_of(token, needed, &[]).await
    }

    /// [`Ctx::viewer`], when the answer embeds `includes` too (whose flags need the caller).
    async fn viewer_of(
        &self,
        token: Token,
        needed: bool,
        includes: &[crate::resource::Embed],
    ) -> Result<Option<Principal>, ApiError> {
        let flags = R::meta().viewer_type().is_some() || include::needs_viewer(includes);
        let present = token.0.is_some();
        self.caller(token, needed || (flags && present)).await
    }

    /// The caller, when this route needs one: 401/403 otherwise.
    async fn caller(&self, token: Token, needed: bool) -> Result<Option<Principal>, ApiError> {
        if !needed {
            return Ok(None);
        }
        let auth = self
            .env
            .auth
            .as_ref()
            .ok_or_else(|| ApiError::internal("resource needs App::auth"))?;
        let principal = auth
            .principal(
                token
                    .0
                    .as_ref()
                    .and_then(|value| crate::auth::bearer_token(value, &auth.scheme)),
            )
            .await?;
        if let Some(scope) = R::meta().auth.scope {
            principal.require_scope(scope)?;
        }
        Ok(Some(principal))
    }

    /// 403 if the row exists (it belongs to someone else), else 404. With `owner_reads` the
    /// caller cannot see other users' rows at all, so it is 404 either way: the answer does not
    /// tell whether the id exists.
    async fn forbidden_or_missing(&self, id: R::Id) -> ApiError {
        if R::meta().owner_reads {
            return self.not_found();
        }
        match self
            .query(&self.sql.exists)
            .bind(id)
            .fetch_one::<(i64,)>(self.env.pool.read())
            .await
        {
            Ok((n,)) if n > 0 => ApiError::forbidden("Not enough permissions"),
            Ok(_) => self.not_found(),
            Err(error) => self.db_error(error),
        }
    }
}

/// The routes of `R`.
pub(crate) fn router<R: Hooks>(env: &Env, operations: Operations) -> Router<AppState> {
    let backend = env.pool.backend();
    let meta = R::meta();
    let logins = env.auth.clone().filter(|auth| {
        std::ptr::eq(auth.user_meta, meta) && meta.columns.iter().any(|c| c.login && c.in_update)
    });
    let ctx = Arc::new(Ctx::<R> {
        logins,
        env: env.clone(),
        backend,
        sql: R::statements(),
        page: R::meta().page.unwrap_or(env.page),
        not_found: format!("{} not found", R::meta().name),
        embeds: crate::resource::embeddable(meta, |target| {
            env.readable.iter().any(|m| std::ptr::eq(*m, target))
        }),
        _resource: PhantomData,
    });
    let (collection_path, item_path) = paths(R::meta());
    let on = |op: Operations| operations.contains(op);
    let mut collection = MethodRouter::new();
    if on(Operations::LIST) {
        collection = collection.get(list::<R>);
    }
    if on(Operations::CREATE) {
        collection = collection.post(create::<R>);
    }
    let mut item = MethodRouter::new();
    if on(Operations::READ) {
        item = item.get(read::<R>);
    }
    if on(Operations::UPDATE) {
        item = item.patch(update::<R>);
    }
    if on(Operations::DELETE) {
        item = item.delete(remove::<R>);
    }
    let mut router = Router::new();
    if R::meta().soft_delete && on(Operations::RESTORE) {
        router = router.route(
            &format!("{item_path}/restore"),
            MethodRouter::new().post(restore::<R>),
        );
    }
    if on(Operations::LIST) || on(Operations::CREATE) {
        router = router.route(&collection_path, collection);
    }
    if on(Operations::READ) || on(Operations::UPDATE) || on(Operations::DELETE) {
        router = router.route(&item_path, item);
    }
    let nested = nested::routes(&ctx, operations);
    let links = link::routes(&ctx, operations);
    let linked = link::linked_routes(&ctx, &env.mounted);
    router
        .with_state(ctx)
        .merge(nested)
        .merge(links)
        .merge(linked)
}

/// The collection and item paths of a resource.
pub(crate) fn paths(meta: &ResourceMeta) -> (String, String) {
    (meta.path.to_owned(), format!("{}/{{id}}", meta.path))
}

/// The `(operation, method, path)` of every route a resource may have.
pub(crate) fn operations(meta: &ResourceMeta) -> Vec<(Operations, &'static str, String)> {
    let (collection, item) = paths(meta);
    let mut all = vec![
        (Operations::LIST, "GET", collection.clone()),
        (Operations::CREATE, "POST", collection),
        (Operations::READ, "GET", item.clone()),
        (Operations::UPDATE, "PATCH", item.clone()),
        (Operations::DELETE, "DELETE", item.clone()),
    ];
    if meta.soft_delete {
        all.push((Operations::RESTORE, "POST", format!("{item}/restore")));
    }
    for (_, target) in meta.link_targets() {
        let path = link::route_path(meta, target);
        all.push((Operations::CREATE, "PUT", path.clone()));
        all.push((Operations::DELETE, "DELETE", path));
        if let Some(list) = link::linked_list_path(meta, target) {
            all.push((Operations::LIST, "GET", list));
        }
    }
    for (_, parent) in meta.nested_parents() {
        let path = meta.nested_path(parent);
        all.push((Operations::NESTED_LIST, "GET", path.clone()));
        all.push((Operations::NESTED_CREATE, "POST", path));
    }
    all
}
