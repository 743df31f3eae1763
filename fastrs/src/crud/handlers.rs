//! The item routes of a resource: create, read, update, delete and restore, each one statement
//! (or, with hooks, a transaction around the hooks and the statement).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Ctx, Token, include, reads_need_caller};
use crate::ApiError;
use crate::auth::Principal;
use crate::data::{
    bind_insert, bind_owner, bind_viewer, hash_password, insert_query, update_query,
};
use crate::db::Db;
use crate::extract::params::path_id;
use crate::extract::{Path, ValidJson};
use crate::hooks::{HookCx, Hooks};
use crate::tasks::TaskSlot;

pub(super) async fn create<R: Hooks>(
    State(ctx): State<Arc<Ctx<R>>>,
    token: Token,
    request: Request,
) -> Result<Response, ApiError> {
    let meta = R::meta();
    // The path as the client sent it (under an app's prefix), for `Location`.
    let collection = request
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| meta.path.to_owned(), |uri| uri.path().to_owned());
    // The caller first: an anonymous body is refused before it is read.
    let caller = ctx
        .viewer(token, meta.auth.create || meta.owner_column().is_some())
        .await?;
    let ValidJson(body) = ValidJson::<R::Create>::read(request, ctx.env.body_timeout).await?;
    insert(&ctx, caller, body, collection).await
}

/// Inserts a validated body (with its hooks, if any): 201 with the row and its `Location`
/// under `collection`.
pub(super) async fn insert<R: Hooks>(
    ctx: &Ctx<R>,
    caller: Option<Principal>,
    mut body: R::Create,
    collection: String,
) -> Result<Response, ApiError> {
    let meta = R::meta();
    let (created, slot): (R::Response, Option<TaskSlot>) = if meta.hooks {
        // Hashed before the transaction begins: the hashing queue never holds the writer.
        hash_password::<R>(&mut body, &ctx.env.hasher).await?;
        let (mut db, slot, tasks) = ctx.hooked().await;
        let mut cx = HookCx {
            db: &mut db,
            caller: caller.as_ref(),
            tasks: &tasks,
        };
        R::before_create(&mut cx, &mut body).await?;
        let mut insert =
            bind_insert::<R>(ctx.backend, &ctx.sql.rows.insert, body, caller.as_ref())?;
        // The creator reads the new row: its flags are the creator's.
        bind_viewer::<R>(insert.args_mut(), caller.as_ref())?;
        let row: R = insert
            .fetch_one(&mut *cx.db)
            .await
            .map_err(|error| ctx.write_error(error))?;
        R::after_create(&mut cx, &row).await?;
        db.commit().await.map_err(|e| ctx.write_error(e))?;
        (row.into(), Some(slot))
    } else {
        let mut insert = insert_query::<R>(
            ctx.backend,
            &ctx.sql.insert,
            body,
            caller.as_ref(),
            &ctx.env.hasher,
        )
        .await?;
        bind_viewer::<R>(insert.args_mut(), caller.as_ref())?;
        let created = insert
            .fetch_one(&ctx.env.pool)
            .await
            .map_err(|error| ctx.write_error(error))?;
        (created, None)
    };
    let location = format!("{collection}/{}", R::response_id(&created));
    let mut response = (StatusCode::CREATED, Json(created)).into_response();
    if let Ok(location) = HeaderValue::try_from(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(settle(slot, response))
}

/// Starts the tasks a hooked write queued, once its answer is final.
fn settle(slot: Option<TaskSlot>, response: Response) -> Response {
    match slot {
        Some(slot) => slot.settle(response),
        None => response,
    }
}

pub(super) async fn read<R: Hooks>(
    State(ctx): State<Arc<Ctx<R>>>,
    token: Token,
    uri: axum::http::Uri,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: R::Id = path_id(&id)?;
    let includes = include::parse(uri.query(), &ctx.embeds)?;
    let caller = ctx
        .viewer_of(token, reads_need_caller::<R>(), &includes)
        .await?;
    let mut query = match (&ctx.sql.owned, R::meta().owner_reads) {
        (Some(owned), true) => {
            let mut query = ctx.query(&owned.get).bind(id);
            bind_owner::<R>(query.args_mut(), caller.as_ref())?;
            query
        }
        _ => ctx.query(&ctx.sql.get).bind(id),
    };
    bind_viewer::<R>(query.args_mut(), caller.as_ref())?;
    let found: Option<R::Response> = query
        .fetch_optional(ctx.env.pool.read())
        .await
        .map_err(|e| ctx.db_error(e))?;
    let found = found.ok_or_else(|| ctx.not_found())?;
    if includes.is_empty() {
        return Ok(Json(found).into_response());
    }
    let mut rows = [serde_json::to_value(found).map_err(ApiError::internal)?];
    let mut reader = Db::begin_read(&ctx.env.pool).await;
    include::embed(&mut reader, &mut rows, &includes, caller.as_ref()).await?;
    let [row] = rows;
    Ok(Json(row).into_response())
}

pub(super) async fn update<R: Hooks>(
    State(ctx): State<Arc<Ctx<R>>>,
    token: Token,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let id: R::Id = path_id(&id)?;
    let meta = R::meta();
    let caller = ctx
        .viewer(token, meta.auth.update || ctx.sql.owned.is_some())
        .await?;
    let ValidJson(body) = ValidJson::<R::Update>::read(request, ctx.env.body_timeout).await?;
    if meta.hooks {
        return update_hooked(&ctx, id, body, caller.as_ref()).await;
    }
    let statement = ctx
        .sql
        .owned
        .as_ref()
        .map_or(&ctx.sql.update, |owned| &owned.update);
    let mut query = update_query::<R>(ctx.backend, statement, id.clone(), body);
    if ctx.sql.owned.is_some() {
        bind_owner::<R>(query.args_mut(), caller.as_ref())?;
    }
    bind_viewer::<R>(query.args_mut(), caller.as_ref())?;
    // The user model, mounted as a resource: a login value must still name one user.
    let updated: Option<R::Response> = match &ctx.logins {
        None => query
            .fetch_optional(&ctx.env.pool)
            .await
            .map_err(|e| ctx.write_error(e))?,
        Some(auth) => {
            let mut db = Db::begin(&ctx.env.pool).await;
            auth.lock_logins(&mut db).await?;
            let updated = query
                .fetch_optional(&mut db)
                .await
                .map_err(|e| ctx.write_error(e))?;
            if updated.is_some() {
                auth.ensure_unique_logins(&mut db, id.clone()).await?;
            }
            db.commit().await?;
            updated
        }
    };
    match updated {
        Some(updated) => Ok(Json(updated).into_response()),
        None if ctx.sql.owned.is_some() => Err(ctx.forbidden_or_missing(id).await),
        None => Err(ctx.not_found()),
    }
}

/// `PATCH` with hooks: read and lock the row, `before_update`, the update, `after_update` with
/// the merged row, commit.
async fn update_hooked<R: Hooks>(
    ctx: &Ctx<R>,
    id: R::Id,
    mut patch: R::Update,
    caller: Option<&Principal>,
) -> Result<Response, ApiError> {
    let (mut db, slot, tasks) = ctx.hooked().await;
    if let Some(auth) = &ctx.logins {
        auth.lock_logins(&mut db).await?;
    }
    let Some(old) = ctx.row_before_write(&mut db, &id, caller).await? else {
        drop(db);
        return Err(ctx.missing(id).await);
    };
    let mut cx = HookCx {
        db: &mut db,
        caller,
        tasks: &tasks,
    };
    R::before_update(&mut cx, &old, &mut patch).await?;
    let mut query = update_query::<R>(ctx.backend, &ctx.sql.rows.update, id.clone(), patch);
    bind_viewer::<R>(query.args_mut(), caller)?;
    let new: R = query
        .fetch_one(&mut *cx.db)
        .await
        .map_err(|e| ctx.write_error(e))?;
    if let Some(auth) = &ctx.logins {
        auth.ensure_unique_logins(cx.db, id).await?;
    }
    R::after_update(&mut cx, &old, &new).await?;
    db.commit().await.map_err(|e| ctx.write_error(e))?;
    Ok(slot.settle(Json(R::Response::from(new)).into_response()))
}

pub(super) async fn remove<R: Hooks>(
    State(ctx): State<Arc<Ctx<R>>>,
    token: Token,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: R::Id = path_id(&id)?;
    if R::meta().hooks {
        let caller = ctx
            .caller(token, R::meta().auth.delete || ctx.sql.owned.is_some())
            .await?;
        return remove_hooked(&ctx, id, caller.as_ref()).await;
    }
    let query = ctx
        .removal(token, &id, |sql| &sql.delete, |owned| &owned.delete, false)
        .await?;
    let deleted = query
        .execute(&ctx.env.pool)
        .await
        .map_err(|e| ctx.delete_error(e))?;
    match (deleted, &ctx.sql.owned) {
        (0, Some(_)) => Err(ctx.forbidden_or_missing(id).await),
        (0, None) => Err(ctx.not_found()),
        _ => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// `DELETE` with hooks: read and lock the row, `before_delete`, the delete, `after_delete`,
/// commit.
async fn remove_hooked<R: Hooks>(
    ctx: &Ctx<R>,
    id: R::Id,
    caller: Option<&Principal>,
) -> Result<Response, ApiError> {
    let (mut db, slot, tasks) = ctx.hooked().await;
    let Some(row) = ctx.row_before_write(&mut db, &id, caller).await? else {
        drop(db);
        return Err(ctx.missing(id).await);
    };
    let mut cx = HookCx {
        db: &mut db,
        caller,
        tasks: &tasks,
    };
    R::before_delete(&mut cx, &row).await?;
    ctx.query(&ctx.sql.delete)
        .bind(id)
        .execute(&mut *cx.db)
        .await
        .map_err(|e| ctx.delete_error(e))?;
    R::after_delete(&mut cx, &row).await?;
    db.commit().await.map_err(|e| ctx.delete_error(e))?;
    Ok(slot.settle(StatusCode::NO_CONTENT.into_response()))
}

/// `POST {path}/{id}/restore`: a soft-deleted row, back (404 when there is no deleted row).
pub(super) async fn restore<R: Hooks>(
    State(ctx): State<Arc<Ctx<R>>>,
    token: Token,
    Path(id): Path<String>,
) -> Result<Json<R::Response>, ApiError> {
    let id: R::Id = path_id(&id)?;
    let query = ctx
        .removal(token, &id, |sql| &sql.restore, |owned| &owned.restore, true)
        .await?;
    match query
        .fetch_optional::<R::Response>(&ctx.env.pool)
        .await
        .map_err(|e| ctx.write_error(e))?
    {
        Some(restored) => Ok(Json(restored)),
        None => Err(ctx.not_found()),
    }
}
