//! The generic CRUD routes of a resource. Nothing here is generated: the handlers are ordinary
//! functions over `R: Resource`, monomorphised per model.
//!
//! | route | answer |
//! |---|---|
//! | `POST {path}` | 201 + `Location`, the created row; 409 on a unique violation |
//! | `GET {path}?offset&limit` | 200 `{"items","total","offset","limit"}`, by id ascending |
//! | `GET {path}/{id}` | 200, or 404 |
//! | `PATCH {path}/{id}` | 200 with the updated row, or 404 |
//! | `DELETE {path}/{id}` | 204, or 404 |
//!
//! Each route runs one prepared statement on the pool (the list runs two, concurrently): a
//! single statement is atomic on its own, so these routes skip the per-request transaction that
//! [`Db`](crate::db::Db) gives hand-written routes.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;

use crate::ApiError;
use crate::app::AppState;
use crate::db::{Args, Backend, Pool, Query, map_db_error};
use crate::extract::params::path_id;
use crate::extract::{ListPage, Page, Path, ValidJson};
use crate::resource::{
    BindInsert, BindUpdate, InsertFrom, PageBounds, Resource, Role, SqlType, Statements,
};

struct Ctx<R> {
    pool: Pool,
    backend: Backend,
    sql: Statements,
    page: PageBounds,
    not_found: String,
    _resource: PhantomData<fn() -> R>,
}

impl<R: Resource> Ctx<R> {
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
}

/// The routes of `R`, for an app connected to `pool`.
pub(crate) fn router<R: Resource>(pool: &Pool, app_page: PageBounds) -> Router<AppState> {
    let backend = pool.backend();
    let ctx = Arc::new(Ctx::<R> {
        pool: pool.clone(),
        backend,
        sql: Statements::new(R::meta(), backend),
        page: R::meta().page.unwrap_or(app_page),
        not_found: format!("{} not found", R::meta().name),
        _resource: PhantomData,
    });
    let item_path = format!("{}/{{id}}", R::meta().path);
    Router::new()
        .route(R::meta().path, get(list::<R>).post(create::<R>))
        .route(
            &item_path,
            get(read::<R>).patch(update::<R>).delete(remove::<R>),
        )
        .with_state(ctx)
}

/// Binds the values the framework fills on insert, in column order.
fn bind_auto<R: Resource>(args: &mut Args) {
    let now = Utc::now();
    for column in R::meta()
        .columns
        .iter()
        .filter(|column| column.insert == InsertFrom::Auto)
    {
        match (column.role, column.sql_type) {
            (Role::Id, SqlType::Uuid) => args.add(uuid::Uuid::now_v7()),
            _ => args.add(now),
        }
    }
}

async fn create<R: Resource>(
    State(ctx): State<Arc<Ctx<R>>>,
    ValidJson(body): ValidJson<R::Create>,
) -> Result<Response, ApiError> {
    let mut query = ctx.query(&ctx.sql.insert);
    body.bind_insert(query.args_mut());
    bind_auto::<R>(query.args_mut());
    let created: R::Response = query
        .fetch_one(&ctx.pool)
        .await
        .map_err(|e| ctx.db_error(e))?;
    let location = format!("{}/{}", R::meta().path, R::response_id(&created));
    let mut response = (StatusCode::CREATED, Json(created)).into_response();
    if let Ok(location) = HeaderValue::try_from(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

async fn list<R: Resource>(
    State(ctx): State<Arc<Ctx<R>>>,
    uri: Uri,
) -> Result<Json<ListPage<R::Response>>, ApiError> {
    let page = Page::from_query(uri.query(), ctx.page)?;
    let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
    let items = ctx
        .query(&ctx.sql.list)
        .bind(i64::from(page.limit))
        .bind(offset)
        .fetch_all(&ctx.pool);
    let total = ctx.query(&ctx.sql.count).fetch_one::<(i64,)>(&ctx.pool);
    let (items, (total,)) = tokio::try_join!(items, total).map_err(|e| ctx.db_error(e))?;
    Ok(Json(ListPage {
        items,
        total,
        offset: page.offset,
        limit: page.limit,
    }))
}

async fn read<R: Resource>(
    State(ctx): State<Arc<Ctx<R>>>,
    Path(id): Path<String>,
) -> Result<Json<R::Response>, ApiError> {
    let id: R::Id = path_id(&id)?;
    let found = ctx
        .query(&ctx.sql.get)
        .bind(id)
        .fetch_optional(&ctx.pool)
        .await
        .map_err(|e| ctx.db_error(e))?;
    found.map(Json).ok_or_else(|| ctx.not_found())
}

async fn update<R: Resource>(
    State(ctx): State<Arc<Ctx<R>>>,
    Path(id): Path<String>,
    ValidJson(body): ValidJson<R::Update>,
) -> Result<Json<R::Response>, ApiError> {
    let id: R::Id = path_id(&id)?;
    let mut query = ctx.query(&ctx.sql.update).bind(id);
    body.bind_update(query.args_mut());
    let now = Utc::now();
    for _ in R::meta()
        .columns
        .iter()
        .filter(|column| column.role == Role::UpdatedAt)
    {
        query.args_mut().add(now);
    }
    let updated = query
        .fetch_optional(&ctx.pool)
        .await
        .map_err(|e| ctx.db_error(e))?;
    updated.map(Json).ok_or_else(|| ctx.not_found())
}

async fn remove<R: Resource>(
    State(ctx): State<Arc<Ctx<R>>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: R::Id = path_id(&id)?;
    let deleted = ctx
        .query(&ctx.sql.delete)
        .bind(id)
        .execute(&ctx.pool)
        .await
        .map_err(|e| ctx.db_error(e))?;
    if deleted == 0 {
        Err(ctx.not_found())
    } else {
        Ok(StatusCode::NO_CONTENT)
    }
}
