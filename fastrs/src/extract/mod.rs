//! Extractors: FastAPI's dependency injection, by type. Every rejection answers FastAPI's
//! shapes: 422 with `loc` `["body", ...]`, `["query", ...]`, `["path", ...]`, `["header", ...]` or `["cookie", ...]`.
//!
//! | extractor | what it gives |
//! |---|---|
//! | [`Db`](crate::db::Db) | the request's transaction (commit on success, rollback on error) |
//! | [`ValidJson<T>`] | a validated JSON body (every failure reported at once) |
//! | [`Form<T>`] | a validated form body |
//! | [`Path<T>`], [`Query<T>`] | path and query parameters |
//! | [`Headers<T>`], [`Cookies<T>`] | headers and cookies, read into a model |
//! | [`Page`] | `offset` / `limit` with the app's bounds |
//! | [`Dep<T>`] | a service registered with [`App::dep`](crate::App::dep) |
//! | [`Depends<T>`] | a value built from other extractors, once per request |

pub(crate) mod body;
pub(crate) mod dep;
mod depends;
mod form;
pub(crate) mod headers;
mod json;
mod page;
pub(crate) mod params;

pub use dep::Dep;
pub use depends::{Dependency, Depends};
pub use form::Form;
pub use headers::{Cookies, Headers};
pub use json::ValidJson;
pub use page::{ListPage, Page};
pub use params::{Path, PathId, Query};
