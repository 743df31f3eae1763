//! Link routes of a `link` reference: the caller (the resource's owner) links to a row and
//! unlinks from it. `PUT /articles/{id}/favorites` favourites article `id` for the caller,
//! `DELETE` takes it back; both are idempotent (204 whether or not the link existed) and 404 for
//! a missing article. The pair (owner, linked row) is unique, so a link exists once.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use serde_json::{Value, json};

use super::nested::{bad_id, exists_sql, row_exists};
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
    /// The insert, doing nothing when the link exists.
    insert: sqlx::SqlStr,
    /// `DELETE ... WHERE owner = $1 AND column = $2`.
    delete: sqlx::SqlStr,
}

/// `/articles/{id}/favorites`.
pub(crate) fn path(target: &ResourceMeta, link: &ResourceMeta) -> String {
    format!("{}/{{id}}{}", target.path, link.path)
}

/// The link routes of `R`, if it has `link` references.
pub(super) fn routes<R: Hooks>(ctx: &Arc<Ctx<R>>, operations: Operations) -> Router<AppState> {
    let meta = R::meta();
    let mut router = Router::new();
    let Some(owner) = meta.owner_column() else {
        return router;
    };
    for (column, target) in meta.link_targets() {
        // `INSERT ... VALUES (...) ON CONFLICT DO NOTHING`: the statement without `RETURNING`.
        let insert = ctx.sql.rows.insert.as_str();
        let insert = insert.split(" RETURNING ").next().unwrap_or(insert);
        let link = Arc::new(Link {
            ctx: ctx.clone(),
            column,
            target,
            exists: exists_sql(target),
            insert: sql(format!("{insert} ON CONFLICT DO NOTHING")),
            delete: sql(format!(
                "DELETE FROM {} WHERE {} = $1 AND {} = $2",
                quote(meta.table),
                quote(owner.column),
                quote(meta.columns[column].column)
            )),
        });
        let mut methods = MethodRouter::new();
        if operations.contains(Operations::CREATE) {
            methods = methods.put(add::<R>);
        }
        if operations.contains(Operations::DELETE) {
            methods = methods.delete(remove::<R>);
        }
        if operations.contains(Operations::CREATE) || operations.contains(Operations::DELETE) {
            router = router.merge(
                Router::new()
                    .route(&path(target, meta), methods)
                    .with_state(link),
            );
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

async fn add<R: Hooks>(
    State(link): State<Arc<Link<R>>>,
    token: Token,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (ctx, meta) = (&link.ctx, R::meta());
    let caller = ctx.caller(token, true).await?;
    row_exists(ctx, link.target, &link.exists, &id).await?;
    let column = &meta.columns[link.column];
    // The create value of a link: the linked id, and the defaults of any other field.
    let body = json!({ column.field: id_value(column.sql_type, &id)? });
    let body = serde_json::to_vec(&body).map_err(ApiError::internal)?;
    let new = R::Create::parse(&body)?;
    insert_query::<R>(
        ctx.backend,
        &link.insert,
        new,
        caller.as_ref(),
        &ctx.env.hasher,
    )
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
    let caller = ctx.caller(token, true).await?;
    row_exists(ctx, link.target, &link.exists, &id).await?;
    let mut query = Query::new(ctx.backend, link.delete.clone());
    bind_owner::<R>(query.args_mut(), caller.as_ref())?;
    let column = &meta.columns[link.column];
    match column.sql_type {
        SqlType::Uuid => query = query.bind(uuid::Uuid::parse_str(&id).map_err(|_| bad_id(&id))?),
        SqlType::Int => query = query.bind(id.parse::<i32>().map_err(|_| bad_id(&id))?),
        _ => query = query.bind(id.parse::<i64>().map_err(|_| bad_id(&id))?),
    }
    query
        .execute(&ctx.env.pool)
        .await
        .map_err(|e| ctx.delete_error(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
