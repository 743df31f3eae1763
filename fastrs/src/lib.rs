//! # fastrs
//!
//! FastAPI's way of writing APIs, in Rust, on axum + sqlx: one annotated struct gives validated,
//! persisted CRUD routes on SQLite, PostgreSQL or MariaDB; dependencies are extractors; errors have
//! FastAPI's shape.
//!
//! ```no_run
//! use fastrs::prelude::*;
//!
//! /// Something to do.
//! #[derive(Resource)]
//! #[resource(table = "todos", path = "/todos", tag = "todos")]
//! pub struct Todo {
//!     #[resource(id)]
//!     pub id: i64,
//!     /// What to do.
//!     #[validate(length(min = 1, max = 200))]
//!     pub title: String,
//!     #[resource(default = false)]
//!     pub done: bool,
//!     #[resource(created_at)]
//!     pub created_at: DateTime<Utc>,
//! }
//!
//! #[tokio::main]
//! async fn main() -> fastrs::Result<()> {
//!     App::from_env()?.resource::<Todo>().serve().await
//! }
//! ```
//!
//! That serves `POST /todos` (201), `GET /todos?offset&limit`, `GET /todos/{id}`,
//! `PATCH /todos/{id}` and `DELETE /todos/{id}` (204), on a SQLite file by default or on
//! PostgreSQL with `DATABASE_URL=postgres://...`. See [`Resource`](derive@Resource) for every
//! attribute.
//!
//! | module | what it holds |
//! |---|---|
//! | [`app`] | [`App`], the builder on top: resources, routes, auth, docs, its command line |
//! | [`settings`] | [`Settings`] from the environment or `.env`, CORS and HTTP settings |
//! | [`resource`] | the [`Resource`](trait@Resource) trait, its static metadata, SQL, filters, DDL |
//! | [`data`] | the data API: typed columns, `select()`, filters and order in a transaction |
//! | [`hooks`] | code that runs around a resource's writes, in their transaction |
//! | [`extract`] | the extractors: `ValidJson`, `Path`, `Query`, `Page`, `Dep`, `Headers`, `Multipart` |
//! | [`validate`] | validation rules, models and FastAPI's 422 shape |
//! | [`auth`] | JWT + argon2 authentication, `CurrentUser`, `Accounts`, scopes, ownership |
//! | [`routing`] | `get`, `post`, ... and `ApiRouter` for hand-written, documented routes |
//! | [`response`] | answers with a status or headers: `Status`, `NoContent`, `Created` |
//! | [`error`] | [`ApiError`], `#[derive(HttpError)]`, the error-format hook |
//! | [`openapi`] | the OpenAPI document and its offline UIs |
//! | [`db`] | pools, transactions ([`db::Db`]) and queries for the three backends |
//! | [`migrate`] | migrations generated from the models, in sqlx's format |
//! | [`tasks`] | background tasks that run after the answer |
//! | [`stream`] | server-sent events and WebSockets |
//! | [`state`] | the app's shared state |
//! | [`testing`] | [`testing::TestClient`], FastAPI's `TestClient` |

// The derives name `::fastrs::...`; this lets the crate use them on its own types.
extern crate self as fastrs;

pub mod app;
pub mod auth;
mod crud;
pub mod data;
pub mod db;
pub mod error;
pub mod extract;
pub mod hooks;
mod middleware;
pub mod migrate;
pub mod openapi;
mod patch;
mod principal;
pub mod resource;
pub mod response;
pub mod routing;
pub mod settings;
pub mod state;
pub mod stream;
pub mod tasks;
pub mod testing;
pub mod validate;

pub use app::{App, CorsSettings, Settings};
pub use error::{ApiError, Error, Result};
pub use patch::Patch;
pub use resource::Resource;

#[doc = include_str!("docs/derive.md")]
pub use fastrs_macros::Resource;

#[doc = include_str!("docs/model.md")]
pub use fastrs_macros::Model;

/// Checks a handler's arguments and return type one by one, as axum's `#[debug_handler]` does:
/// when a route does not compile ("is not a fastrs handler"), put `#[fastrs::handler]` on the
/// function and each type fastrs cannot route or document is reported at that argument, with
/// the trait it lacks (`ApiInput`, `FromRequestParts`, `ToSchema`...); a future that is not
/// `Send` is reported too. The function is left as written, so the attribute may stay.
///
/// ```
/// use fastrs::prelude::*;
///
/// #[fastrs::handler]
/// async fn show(Path(id): Path<i64>, db: Db) -> Result<Json<i64>, ApiError> {
///     Ok(Json(id))
/// }
/// ```
pub use fastrs_macros::handler;

pub use error::HttpError;
/// Derives [`HttpError`](trait@HttpError) for an error enum (or struct): each variant's
/// `#[error(status, "message")]` gives its status and its message, formatted from its fields
/// (`{0}` for a tuple variant's, `{name}` for named ones); `#[from]` on a variant's only field
/// converts that error into the variant. It also derives `Display`, `std::error::Error`,
/// `From<Self> for ApiError`, `IntoResponse`, and the documentation of every status on the
/// routes that return it. See the trait for an example.
pub use fastrs_macros::HttpError;

#[doc(no_inline)]
pub use axum::{self, Json, http};
#[doc(no_inline)]
pub use {chrono, serde_json, sqlx, uuid};

/// The names most apps need: `use fastrs::prelude::*;`.
pub mod prelude {
    pub use crate::auth::{CurrentUser, OptionalUser};
    pub use crate::data::Table;
    pub use crate::db::Db;
    pub use crate::extract::{Dep, Page, Path, Query, ValidJson};
    pub use crate::hooks::{HookCx, Hooks};
    pub use crate::routing::{delete, get, patch, post, put};
    pub use crate::{ApiError, App, HttpError, Model, Patch, Resource, Settings};
    pub use axum::Json;
    pub use axum::http::StatusCode;
    pub use chrono::{DateTime, Utc};
    pub use uuid::Uuid;
}

/// What `#[derive(Resource)]` expands to. Not public API: it may change in any release, and
/// `fastrs-macros` is pinned to this exact version of `fastrs`.
#[doc(hidden)]
pub mod __private {
    pub use crate::auth::{AuthUser, Caller, Principal, user_principal};
    pub use crate::data::{Column, rows_by_id};
    pub use crate::db::{
        Args, ColumnType, FromRow, Row, TextEnum, bind_enum, decode_enum, decode_nullable_enum,
    };
    pub use crate::error::{AsApiError, api_error, http_status};
    pub use crate::hooks::Hooks;
    pub use crate::openapi::model::{
        Variant as ModelVariant, flattened as model_flattened, object_schema as model_object,
        property as model_property, string_enum as model_enum, tagged_union as model_union,
    };
    pub use crate::openapi::{Registry, ToSchema, response_schema};
    pub use crate::patch::Patch;
    pub use crate::resource::{
        AuthRules, BindInsert, BindUpdate, ColumnMeta, Computed, InsertFrom, OnDelete, Operations,
        PageBounds, Reference, Resource, ResourceMeta, Role, SqlType, Statements,
    };
    pub use crate::routing::{ApiOutput, document_http_error};
    pub use crate::validate::rules::{Custom, Email, Length, Pattern, Range, Url};
    pub use crate::validate::{
        Cx, Describe, Envelope, FieldSpec, Input, Rule, Validate, ValidationErrors, Violation,
        input_from_map, parse_model,
    };
    pub use axum::http::StatusCode;
    pub use serde;
    pub use serde_json;
    pub use utoipa::openapi::path::Operation as OpenApiOperation;

    /// Fails to compile, at a handler's argument, unless it can be one that is not the last.
    pub fn handler_argument<
        T: crate::routing::ApiInput + axum::extract::FromRequestParts<crate::state::AppState>,
    >() {
    }

    /// Fails to compile, at a handler's last argument, unless it can be one (it may read the
    /// body).
    pub fn handler_last_argument<
        T: crate::routing::ApiInput + axum::extract::FromRequest<crate::state::AppState, M>,
        M,
    >() {
    }

    /// Fails to compile, at a handler's return type, unless fastrs can answer and document it.
    pub fn handler_output<T: axum::response::IntoResponse + crate::routing::ApiOutput>() {}

    /// Fails to compile, at a handler's name, unless its future is `Send`.
    pub fn handler_future<F: std::future::Future + Send>(_future: F) {}

    /// Fails to compile, at the field's type, unless it can be a model's field.
    pub fn assert_model_field<F: Validate + ToSchema>() {}

    /// Fails to compile, at the field's type, unless it is a model enum.
    pub fn assert_text_enum<E: TextEnum>() {}
    pub use sqlx;
    pub use std;
    pub use utoipa::openapi::schema::Schema;
}
