//! The list routes: offset pages (the prepared statements when nothing filters or sorts, built
//! ones otherwise) and keyset pages (`#[resource(cursor)]`), of every row or of one parent's.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};

use super::{Ctx, Token, include};
use crate::ApiError;
use crate::data::{bind_owner, bind_viewer};
use crate::db::Query;
use crate::extract::{ListPage, Page};
use crate::hooks::Hooks;
use crate::resource::filter::ListQuery;

pub(super) fn reads_need_caller<R: Hooks>() -> bool {
    R::meta().auth.read || R::meta().owner_reads
}

pub(super) async fn list<R: Hooks>(
    State(ctx): State<Arc<Ctx<R>>>,
    token: Token,
    uri: Uri,
) -> Result<Response, ApiError> {
    list_rows(&ctx, token, uri, None).await
}

/// A list page: of every row, or (`scope`: a column and the path's id) of the rows under one
/// parent.
pub(super) async fn list_rows<R: Hooks>(
    ctx: &Ctx<R>,
    token: Token,
    uri: Uri,
    scope: Option<(usize, &str)>,
) -> Result<Response, ApiError> {
    if R::meta().cursor {
        return list_keyset(ctx, token, uri, scope).await;
    }
    let (page, filters, includes) = list_parameters(ctx, &uri, scope, None)?;
    let caller = ctx
        .viewer_of(token, reads_need_caller::<R>(), &includes)
        .await?;
    let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
    let pool = &ctx.env.pool;
    // With relations to embed, the page's statements share one reader (one snapshot on SQLite).
    let mut reader = match includes.is_empty() {
        true => None,
        false => Some(crate::db::Db::begin_read(pool).await),
    };
    macro_rules! on {
        () => {
            match reader.as_mut() {
                Some(db) => crate::db::Target::from(db),
                None => pool.read(),
            }
        };
    }
    let owner_reads = R::meta().owner_reads && ctx.sql.owned.is_some();
    // The page and the count run one after the other: running them concurrently was ~8 % faster
    // on SQLite but kept twice the connections busy (and their page caches resident).
    let (items, total) = match (&ctx.sql.owned, owner_reads) {
        // Filtered or sorted: statements built for this combination of parameters.
        _ if !filters.is_plain() => {
            let owner = owner_reads
                .then(|| R::meta().owner_column().map(|column| column.column))
                .flatten();
            let (list_sql, count_sql) =
                filters.statements(R::meta(), ctx.sql, owner, false, ctx.backend);
            let mut items = Query::new(ctx.backend, list_sql);
            let mut total = Query::new(ctx.backend, count_sql);
            filters.bind(items.args_mut());
            filters.bind(total.args_mut());
            if owner.is_some() {
                bind_owner::<R>(items.args_mut(), caller.as_ref())?;
                bind_owner::<R>(total.args_mut(), caller.as_ref())?;
            }
            let mut items = items.bind(i64::from(page.limit)).bind(offset);
            bind_viewer::<R>(items.args_mut(), caller.as_ref())?;
            (
                items.fetch_all(on!()).await,
                total.fetch_one::<(i64,)>(on!()).await,
            )
        }
        (Some(owned), true) => {
            let mut items = ctx
                .query(&owned.list)
                .bind(i64::from(page.limit))
                .bind(offset);
            bind_owner::<R>(items.args_mut(), caller.as_ref())?;
            bind_viewer::<R>(items.args_mut(), caller.as_ref())?;
            let mut total = ctx.query(&owned.count);
            bind_owner::<R>(total.args_mut(), caller.as_ref())?;
            (
                items.fetch_all(on!()).await,
                total.fetch_one::<(i64,)>(on!()).await,
            )
        }
        _ => {
            let mut items = ctx
                .query(&ctx.sql.list)
                .bind(i64::from(page.limit))
                .bind(offset);
            bind_viewer::<R>(items.args_mut(), caller.as_ref())?;
            (
                items.fetch_all(on!()).await,
                ctx.query(&ctx.sql.count).fetch_one::<(i64,)>(on!()).await,
            )
        }
    };
    let (items, total): (Vec<R::Response>, (i64,)) = (
        items.map_err(|e| ctx.db_error(e))?,
        total.map_err(|e| ctx.db_error(e))?,
    );
    if includes.is_empty() {
        return Ok(Json(ListPage::<R::Response> {
            items,
            total: total.0,
            offset: page.offset,
            limit: page.limit,
        })
        .into_response());
    }
    let rows = match reader.as_mut() {
        Some(db) => embedded::<R>(db, items, &includes, caller.as_ref()).await?,
        None => Vec::new(),
    };
    Ok(Json(ListPage::<serde_json::Value> {
        items: rows,
        total: total.0,
        offset: page.offset,
        limit: page.limit,
    })
    .into_response())
}

/// The answers of a page as JSON, with the included relations embedded (read on `db`).
async fn embedded<R: Hooks>(
    db: &mut crate::db::Db,
    items: Vec<R::Response>,
    includes: &[crate::resource::Embed],
    caller: Option<&crate::auth::Principal>,
) -> Result<Vec<serde_json::Value>, ApiError> {
    let mut rows = items
        .into_iter()
        .map(|item| serde_json::to_value(item).map_err(ApiError::internal))
        .collect::<Result<Vec<_>, _>>()?;
    include::embed(db, &mut rows, includes, caller).await?;
    Ok(rows)
}

/// The page, the filters and the included relations of a list request (every bad parameter
/// answered at once), scoped to a parent for a nested list; `cursor` for keyset pages.
fn list_parameters<R: Hooks>(
    ctx: &Ctx<R>,
    uri: &Uri,
    scope: Option<(usize, &str)>,
    cursor: Option<&crate::resource::CursorKey>,
) -> Result<(Page, ListQuery, Vec<crate::resource::Embed>), ApiError> {
    let meta = R::meta();
    match (
        Page::from_query(uri.query(), ctx.page),
        ListQuery::parse(meta, uri.query(), cursor).and_then(|f| f.within(meta, scope)),
        include::parse(uri.query(), &ctx.embeds),
    ) {
        (Ok(page), Ok(filters), Ok(includes)) => Ok((page, filters, includes)),
        (page, filters, includes) => {
            let mut errors = page.err().unwrap_or_default();
            errors.extend(filters.err().unwrap_or_default());
            errors.extend(includes.err().unwrap_or_default());
            Err(errors.into())
        }
    }
}

/// A keyset page (`#[resource(cursor)]`): `?cursor=` continues after the row a cursor names,
/// `next_cursor` is `null` on the last page, and the total is counted only on `?total=true`.
/// A page costs what its rows cost, however deep it is.
async fn list_keyset<R: Hooks>(
    ctx: &Ctx<R>,
    token: Token,
    uri: Uri,
    scope: Option<(usize, &str)>,
) -> Result<Response, ApiError> {
    let meta = R::meta();
    let key = &ctx.env.cursor_key;
    let (page, filters, includes) = list_parameters(ctx, &uri, scope, Some(key))?;
    let caller = ctx
        .viewer_of(token, reads_need_caller::<R>(), &includes)
        .await?;
    let owner = (meta.owner_reads && ctx.sql.owned.is_some())
        .then(|| meta.owner_column().map(|column| column.column))
        .flatten();
    let (list_sql, count_sql) = filters.statements(meta, ctx.sql, owner, true, ctx.backend);
    let mut items = Query::new(ctx.backend, list_sql);
    filters.bind(items.args_mut());
    if owner.is_some() {
        bind_owner::<R>(items.args_mut(), caller.as_ref())?;
    }
    filters.bind_after(items.args_mut());
    // One row more than the page: whether there is a next page, without a count.
    let mut items = items.bind(i64::from(page.limit) + 1);
    bind_viewer::<R>(items.args_mut(), caller.as_ref())?;
    let mut items: Vec<R::Response> = items
        .fetch_all(ctx.env.pool.read())
        .await
        .map_err(|e| ctx.db_error(e))?;
    let more = items.len() > page.limit as usize;
    items.truncate(page.limit as usize);
    let next_cursor = match items.last() {
        Some(last) if more => {
            let row = serde_json::to_value(last).map_err(ApiError::internal)?;
            let values = filters
                .cursor_fields(meta)
                .into_iter()
                .map(|field| row.get(field).cloned().unwrap_or_default())
                .collect();
            key.encode(&filters.sort_key(meta), values)
        }
        _ => None,
    };
    let total = if filters.total {
        let mut total = Query::new(ctx.backend, count_sql);
        filters.bind(total.args_mut());
        if owner.is_some() {
            bind_owner::<R>(total.args_mut(), caller.as_ref())?;
        }
        let (total,): (i64,) = total
            .fetch_one(ctx.env.pool.read())
            .await
            .map_err(|e| ctx.db_error(e))?;
        Some(total)
    } else {
        None
    };
    if includes.is_empty() {
        let limit = page.limit;
        return Ok(Json(KeysetPage {
            items,
            next_cursor,
            limit,
            total,
        })
        .into_response());
    }
    let mut reader = crate::db::Db::begin_read(&ctx.env.pool).await;
    let items = embedded::<R>(&mut reader, items, &includes, caller.as_ref()).await?;
    let limit = page.limit;
    Ok(Json(KeysetPage {
        items,
        next_cursor,
        limit,
        total,
    })
    .into_response())
}

/// A keyset page's answer (`total` only when asked for).
#[derive(serde::Serialize)]
struct KeysetPage<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
    limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<i64>,
}
