//! Link routes of a `link` reference, idempotent (204 whether or not the link existed), 404 for
//! a missing row; the pair (from, linked row) is unique, so a link exists once.
//!
//! - From the caller (the resource's owner): `PUT /articles/{id}/favorites` favourites article
//!   `id` for the caller, `DELETE` takes it back.
//! - From the row of a `nested` reference (a join resource: tags on posts):
//!   `PUT /posts/{id}/tags/{tag_id}` links, `DELETE` unlinks, and `GET /posts/{id}/tags` lists
//!   the linked tags (served by the target's routes, [`linked_routes`]).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use serde_json::Value;

use super::nested::{bad_id, bind_id, exists_sql, row_exists};
use super::{Ctx, Token};
use crate::ApiError;
use crate::data::{bind_owner, insert_query};
use crate::db::Query;
use crate::extract::Path;
use crate::hooks::Hooks;
use crate::resource::{Operations, ResourceMeta, SqlType, quote, sql};
use crate::state::AppState;
use crate::validate::Input;

struct Link<R> {
    ctx: Arc<Ctx<R>>,
    column: usize,
    target: &'static ResourceMeta,
    exists: sqlx::SqlStr,
    /// The linking row's reference and resource, when the link goes from a row (not the
    /// caller), with its existence check.
    from_row: Option<(usize, &'static ResourceMeta, sqlx::SqlStr)>,
    /// The insert, doing nothing when the link exists.
    insert: sqlx::SqlStr,
    /// `DELETE ... WHERE owner = $1 AND column = $2`.
    delete: sqlx::SqlStr,
}

/// `/articles/{id}/favorites`.
pub(crate) fn path(target: &ResourceMeta, link: &ResourceMeta) -> String {
    format!("{}/{{id}}{}", target.path, link.path)
}

/// The path of the link routes of `meta`'s link to `target`: `/articles/{id}/favorites` from
/// the caller, `/posts/{id}/tags/{link_id}` from a row.
pub(crate) fn route_path(meta: &ResourceMeta, target: &ResourceMeta) -> String {
    match (meta.owner_column(), meta.nested_parents().first()) {
        (None, Some((_, parent))) => format!("{}/{{id}}{}/{{link_id}}", parent.path, target.path),
        _ => path(target, meta),
    }
}

/// `/posts/{id}/tags`: the linked rows of a join resource's parent, if `meta` is one.
pub(crate) fn linked_list_path(meta: &ResourceMeta, target: &ResourceMeta) -> Option<String> {
    match (meta.owner_column(), meta.nested_parents().first()) {
        (None, Some((_, parent))) => Some(format!("{}/{{id}}{}", parent.path, target.path)),
        _ => None,
    }
}

/// The link routes of `R`, if it has `link` references.
pub(super) fn routes<R: Hooks>(ctx: &Arc<Ctx<R>>, operations: Operations) -> Router<AppState> {
    let meta = R::meta();
    let mut router = Router::new();
    // From the caller (the owner), else from the row of the first `nested` reference.
    let from_row = meta.nested_parents().first().copied();
    let from = match (meta.owner_column(), from_row) {
        (Some(owner), _) => owner.column,
        (None, Some((index, _))) => meta.columns[index].column,
        (None, None) => return router,
    };
    for (column, target) in meta.link_targets() {
        let link = Arc::new(Link {
            ctx: ctx.clone(),
            column,
            target,
            exists: exists_sql(target),
            from_row: match meta.owner_column() {
                Some(_) => None,
                None => from_row.map(|(index, parent)| (index, parent, exists_sql(parent))),
            },
            insert: ctx.sql.rows.insert_if_absent(ctx.backend).clone(),
            delete: sql(format!(
                "DELETE FROM {} WHERE {} = $1 AND {} = $2",
                quote(meta.table),
                quote(from),
                quote(meta.columns[column].column)
            )),
        });
        let path = route_path(meta, target);
        let mut methods = MethodRouter::new();
        let from_caller = link.from_row.is_none();
        if operations.contains(Operations::CREATE) {
            methods = if from_caller {
                methods.put(add::<R>)
            } else {
                methods.put(add_from_row::<R>)
            };
        }
        if operations.contains(Operations::DELETE) {
            methods = if from_caller {
                methods.delete(remove::<R>)
            } else {
                methods.delete(remove_from_row::<R>)
            };
        }
        if operations.contains(Operations::CREATE) || operations.contains(Operations::DELETE) {
            router = router.merge(Router::new().route(&path, methods).with_state(link));
        }
    }
    router
}

/// The linked row's id as the link column's JSON value.
fn id_value(link_type: SqlType, id: &str) -> Result<Value, ApiError> {
    match link_type {
        SqlType::Int | SqlType::BigInt => {
            id.parse::<i64>().map(Value::from).map_err(|_| bad_id(id))
        }
        _ => Ok(Value::String(id.to_owned())),
    }
}

impl<R: Hooks> Link<R> {
    /// The caller (checked when `needed`), once the rows the path names exist: the linking
    /// row `from_id` (a row link) and the linked row `id` (404 otherwise). Returns the linking
    /// reference's column for a row link.
    async fn checked(
        &self,
        token: Token,
        needed: bool,
        from_id: Option<&str>,
        id: &str,
    ) -> Result<(Option<crate::auth::Principal>, Option<usize>), ApiError> {
        let caller = self.ctx.caller(token, needed).await?;
        let from = match (from_id, &self.from_row) {
            (Some(from_id), Some((from, parent, exists))) => {
                row_exists(&self.ctx, parent, exists, from_id).await?;
                Some(*from)
            }
            (Some(_), None) => return Err(ApiError::internal("a row link without its row")),
            (None, _) => None,
        };
        row_exists(&self.ctx, self.target, &self.exists, id).await?;
        Ok((caller, from))
    }
}

async fn add<R: Hooks>(
    State(link): State<Arc<Link<R>>>,
    token: Token,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let meta = R::meta();
    let (caller, _) = link.checked(token, true, None, &id).await?;
    let column = &meta.columns[link.column];
    let mut body = serde_json::Map::new();
    body.insert(column.field.to_owned(), id_value(column.sql_type, &id)?);
    insert_link(&link, body, caller.as_ref()).await
}

/// Inserts a link from its ids (every other field takes its default), doing nothing when it
/// exists: 204 either way.
async fn insert_link<R: Hooks>(
    link: &Link<R>,
    ids: serde_json::Map<String, Value>,
    caller: Option<&crate::auth::Principal>,
) -> Result<Response, ApiError> {
    let ctx = &link.ctx;
    let body = serde_json::to_vec(&ids).map_err(ApiError::internal)?;
    let new = R::Create::parse(&body)?;
    insert_query::<R>(ctx.backend, &link.insert, new, caller, &ctx.env.hasher)
        .await?
        .execute(&ctx.env.pool)
        .await
        .map_err(|e| ctx.write_error(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove<R: Hooks>(
    State(link): State<Arc<Link<R>>>,
    token: Token,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (ctx, meta) = (&link.ctx, R::meta());
    let (caller, _) = link.checked(token, true, None, &id).await?;
    let mut query = Query::new(ctx.backend, link.delete.clone());
    bind_owner::<R>(query.args_mut(), caller.as_ref())?;
    let query = bind_id(query, meta.columns[link.column].sql_type, &id)?;
    query
        .execute(&ctx.env.pool)
        .await
        .map_err(|e| ctx.delete_error(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `PUT /posts/{id}/tags/{link_id}`: the row `id` links to the row `link_id`.
async fn add_from_row<R: Hooks>(
    State(link): State<Arc<Link<R>>>,
    token: Token,
    Path((id, link_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let meta = R::meta();
    let (caller, from) = link
        .checked(token, meta.auth.create, Some(&id), &link_id)
        .await?;
    let from = from.ok_or_else(|| ApiError::internal("a row link without its row"))?;
    let (from, to) = (&meta.columns[from], &meta.columns[link.column]);
    let mut body = serde_json::Map::new();
    body.insert(from.field.to_owned(), id_value(from.sql_type, &id)?);
    body.insert(to.field.to_owned(), id_value(to.sql_type, &link_id)?);
    insert_link(&link, body, caller.as_ref()).await
}

/// `DELETE /posts/{id}/tags/{link_id}`.
async fn remove_from_row<R: Hooks>(
    State(link): State<Arc<Link<R>>>,
    token: Token,
    Path((id, link_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (ctx, meta) = (&link.ctx, R::meta());
    let (_, from) = link
        .checked(token, meta.auth.delete, Some(&id), &link_id)
        .await?;
    let from = from.ok_or_else(|| ApiError::internal("a row link without its row"))?;
    let query = Query::new(ctx.backend, link.delete.clone());
    let query = bind_id(query, meta.columns[from].sql_type, &id)?;
    let query = bind_id(query, meta.columns[link.column].sql_type, &link_id)?;
    query
        .execute(&ctx.env.pool)
        .await
        .map_err(|e| ctx.delete_error(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The rows of `T` linked from a parent row through a join resource (`GET /posts/{id}/tags`).
struct Linked<T> {
    ctx: Arc<Ctx<T>>,
    parent: &'static ResourceMeta,
    parent_exists: sqlx::SqlStr,
    list: sqlx::SqlStr,
    count: sqlx::SqlStr,
    parent_id: SqlType,
}

/// `GET {parent}/{id}{T.path}` for each mounted join resource that links a `nested` parent's
/// rows to `T`'s.
pub(super) fn linked_routes<T: Hooks>(
    ctx: &Arc<Ctx<T>>,
    mounted: &[&'static ResourceMeta],
) -> Router<AppState> {
    let target = T::meta();
    let mut router = Router::new();
    for join in mounted {
        // Listed with the join resource's own `list` operation.
        if join.owner_column().is_some() || !join.operations.contains(Operations::LIST) {
            continue;
        }
        let Some(&(from, parent)) = join.nested_parents().first() else {
            continue;
        };
        for (column, linked) in join.link_targets() {
            if !std::ptr::eq(linked, target) {
                continue;
            }
            let id = quote(target.id_column().map_or("id", |c| c.column));
            let live = if ctx.sql.live.is_empty() {
                String::new()
            } else {
                format!(" AND {}", ctx.sql.live)
            };
            let condition = format!(
                " WHERE {id} IN (SELECT {} FROM {} WHERE {} = $1){live}",
                quote(join.columns[column].column),
                quote(join.table),
                quote(join.columns[from].column),
            );
            let linked = Arc::new(Linked {
                ctx: ctx.clone(),
                parent,
                parent_exists: exists_sql(parent),
                list: sql(format!(
                    "{}{condition} ORDER BY {id} LIMIT $2 OFFSET $3",
                    ctx.sql.select
                )),
                count: sql(format!("{}{condition}", ctx.sql.count_all)),
                parent_id: join.columns[from].sql_type,
            });
            router = router.merge(
                Router::new()
                    .route(
                        &format!("{}/{{id}}{}", parent.path, target.path),
                        MethodRouter::new().get(linked_list::<T>),
                    )
                    .with_state(linked),
            );
        }
    }
    router
}

async fn linked_list<T: Hooks>(
    State(linked): State<Arc<Linked<T>>>,
    token: Token,
    Path(id): Path<String>,
    uri: axum::http::Uri,
) -> Result<Response, ApiError> {
    let ctx = &linked.ctx;
    let viewer = ctx.viewer(token, super::reads_need_caller::<T>()).await?;
    row_exists(ctx, linked.parent, &linked.parent_exists, &id).await?;
    let page = crate::extract::Page::from_query(uri.query(), ctx.page).map_err(ApiError::from)?;
    let filters = crate::resource::filter::ListQuery::parse(T::meta(), uri.query(), None)
        .map_err(ApiError::from)?;
    if !filters.is_plain() {
        return Err(ApiError::bad_request(
            "A linked list takes limit and offset only (no filters or sort yet)",
        ));
    }
    let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
    let items = bind_id(
        Query::new(ctx.backend, linked.list.clone()),
        linked.parent_id,
        &id,
    )?
    .bind(i64::from(page.limit))
    .bind(offset);
    let mut items = items;
    crate::data::bind_viewer::<T>(items.args_mut(), viewer.as_ref())?;
    let items: Vec<T::Response> = items
        .fetch_all(ctx.env.pool.read())
        .await
        .map_err(|e| ctx.db_error(e))?;
    let (total,): (i64,) = bind_id(
        Query::new(ctx.backend, linked.count.clone()),
        linked.parent_id,
        &id,
    )?
    .fetch_one(ctx.env.pool.read())
    .await
    .map_err(|e| ctx.db_error(e))?;
    Ok(axum::Json(crate::extract::ListPage {
        items,
        total,
        offset: page.offset,
        limit: page.limit,
    })
    .into_response())
}
