//! Nested routes of a `nested` reference: `GET /posts/{id}/comments` lists the comments of one
//! post, `POST /posts/{id}/comments` creates one there (the body without `post_id`, which the
//! path gives). A missing parent is a 404 either way.

use std::sync::Arc;

use axum::Router;
use axum::extract::{OriginalUri, Request, State};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::MethodRouter;
use serde_json::Value;

use super::{Ctx, Token, insert};
use crate::ApiError;
use crate::db::Query;
use crate::extract::{Path, ValidJson};
use crate::hooks::Hooks;
use crate::resource::{Operations, ResourceMeta, SqlType, quote, sql};
use crate::state::AppState;
use crate::validate::{FieldError, ValidationErrors, Violation, loc};

struct Nested<R> {
    ctx: Arc<Ctx<R>>,
    column: usize,
    parent: &'static ResourceMeta,
    /// `SELECT COUNT(*) FROM <parent> WHERE id = $1` (live rows only).
    exists: sqlx::SqlStr,
}

impl<R: Hooks> Nested<R> {
    async fn parent_exists(&self, id: &str) -> Result<(), ApiError> {
        row_exists(&self.ctx, self.parent, &self.exists, id).await
    }
}

/// `SELECT COUNT(*) FROM <target> WHERE id = $1` (live rows only).
pub(super) fn exists_sql(target: &ResourceMeta) -> sqlx::SqlStr {
    let id = quote(target.id_column().map_or("id", |c| c.column));
    let live = if target.soft_delete {
        format!(" AND {} IS NULL", quote(crate::resource::DELETED_AT))
    } else {
        String::new()
    };
    sql(format!(
        "SELECT COUNT(*) FROM {} WHERE {id} = $1{live}",
        quote(target.table)
    ))
}

/// 404 unless the row `id` of `target` exists (an id that cannot be one is a 422 at the path).
pub(super) async fn row_exists<R: Hooks>(
    ctx: &Ctx<R>,
    target: &ResourceMeta,
    exists: &sqlx::SqlStr,
    id: &str,
) -> Result<(), ApiError> {
    {
        let id_type = target.id_column().map_or(SqlType::BigInt, |c| c.sql_type);
        let query = bind_id(Query::new(ctx.backend, exists.clone()), id_type, id)?;
        let (n,): (i64,) = query
            .fetch_one(ctx.env.pool.read())
            .await
            .map_err(|e| ctx.db_error(e))?;
        if n == 0 {
            return Err(ApiError::not_found(format!("{} not found", target.name)));
        }
        Ok(())
    }
}

/// Binds the path's `id` as a value of `sql_type` (a 422 at the path when it is not one).
pub(super) fn bind_id(query: Query, sql_type: SqlType, id: &str) -> Result<Query, ApiError> {
    Ok(match sql_type {
        SqlType::Uuid => query.bind(uuid::Uuid::parse_str(id).map_err(|_| bad_id(id))?),
        SqlType::Int => query.bind(id.parse::<i32>().map_err(|_| bad_id(id))?),
        SqlType::Text => query.bind(id.to_owned()),
        _ => query.bind(id.parse::<i64>().map_err(|_| bad_id(id))?),
    })
}

pub(super) fn bad_id(id: &str) -> ApiError {
    ValidationErrors::single(FieldError::new(
        loc("path", "id"),
        Violation::new("int_parsing", "Input should be a valid id"),
        Some(Value::String(id.to_owned())),
    ))
    .into()
}

/// The nested routes of `R`, if it has `nested` references.
pub(super) fn routes<R: Hooks>(ctx: &Arc<Ctx<R>>, operations: Operations) -> Router<AppState> {
    let mut router = Router::new();
    for (column, parent) in R::meta().nested_parents() {
        let nested = Arc::new(Nested {
            ctx: ctx.clone(),
            column,
            parent,
            exists: exists_sql(parent),
        });
        let mut methods = MethodRouter::new();
        if operations.contains(Operations::NESTED_LIST) {
            methods = methods.get(list::<R>);
        }
        if operations.contains(Operations::NESTED_CREATE) {
            methods = methods.post(create::<R>);
        }
        if operations.contains(Operations::NESTED_LIST)
            || operations.contains(Operations::NESTED_CREATE)
        {
            router = router.merge(
                Router::new()
                    .route(&R::meta().nested_path(parent), methods)
                    .with_state(nested),
            );
        }
    }
    router
}

async fn list<R: Hooks>(
    State(nested): State<Arc<Nested<R>>>,
    token: Token,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    // The caller first: an anonymous request learns nothing of which parents exist.
    if super::reads_need_caller::<R>() {
        nested.ctx.caller(token.clone(), true).await?;
    }
    nested.parent_exists(&id).await?;
    super::list_rows(&nested.ctx, token, uri, Some((nested.column, &id))).await
}

async fn create<R: Hooks>(
    State(nested): State<Arc<Nested<R>>>,
    token: Token,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let meta = R::meta();
    let ctx = &nested.ctx;
    // `Location` names the row at its own path, under the app's prefix if any.
    let prefix = request
        .extensions()
        .get::<OriginalUri>()
        .and_then(|original| {
            original
                .path()
                .strip_suffix(request.uri().path())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let caller = ctx
        .viewer(token, meta.auth.create || meta.owner_column().is_some())
        .await?;
    nested.parent_exists(&id).await?;
    let column = &meta.columns[nested.column];
    let value = match column.sql_type {
        SqlType::Int | SqlType::BigInt => id
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| bad_id(&id))?,
        _ => Value::String(id.clone()),
    };
    let ValidJson(body) =
        ValidJson::<R::Create>::read_with(request, ctx.env.body_timeout, |object| {
            // The path names the parent: the body may not name another.
            if object.contains_key(column.field) {
                return Err(ValidationErrors::single(FieldError::new(
                    loc("body", column.field),
                    Violation::new("extra_forbidden", "Extra inputs are not permitted"),
                    object.get(column.field).cloned(),
                )));
            }
            object.insert(column.field.to_owned(), value);
            Ok(())
        })
        .await?;
    insert(ctx, caller, body, format!("{prefix}{}", meta.path)).await
}
