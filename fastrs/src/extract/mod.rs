//! Extractors: FastAPI's dependency injection, by type. Every rejection answers FastAPI's
//! shapes: 422 with `loc` `["body", ...]`, `["query", ...]`, `["path", ...]`, `["header", ...]` or `["cookie", ...]`.
//!
//! | extractor | what it gives |
//! |---|---|
//! | [`Db`](crate::db::Db) | the request's transaction (commit on success, rollback on error) |
//! | [`ValidJson<T>`] | a validated JSON body (every failure reported at once) |
//! | [`Form<T>`] | a validated form body |
//! | `Multipart<T>` | a validated `multipart/form-data` body, files as [`Upload`] fields (feature `multipart`) |
//! | [`Path<T>`], [`Query<T>`] | path and query parameters |
//! | [`Headers<T>`], [`Cookies<T>`] | headers and cookies, read into a model |
//! | [`Page`] | `offset` / `limit` with the app's bounds |
//! | [`Dep<T>`] | a service registered with [`App::dep`](crate::App::dep) |
//! | [`Depends<T>`] | a value built from other extractors, once per request |

pub(crate) mod body;
mod db;
pub(crate) mod dep;
mod depends;
mod form;
pub(crate) mod headers;
mod json;
#[cfg(feature = "multipart")]
mod multipart;
mod page;
pub(crate) mod params;

pub use crate::validate::Upload;
pub use db::transaction_layer;
pub use dep::Dep;
pub use depends::{Dependency, Depends};
pub use form::Form;
pub use headers::{Cookies, Headers};
pub use json::ValidJson;
#[cfg(feature = "multipart")]
pub use multipart::Multipart;
pub use page::{ListPage, Page};
pub use params::{Path, PathId, Query};
