//! [`Hooks`]: code a resource runs around its generated creates, updates and deletes, in the
//! same transaction as the write.
//!
//! Opt in with `#[resource(hooks)]` and implement the methods you need; the others do nothing.
//! A hook that returns an error answers the request with it and rolls the whole write back,
//! including whatever the hooks wrote. Resources without `hooks` keep their one-statement
//! routes: the hooks cost them nothing.
//!
//! | route | runs |
//! |---|---|
//! | `POST` | `before_create(&mut new)`, the insert, `after_create(&row)` |
//! | `PATCH` | the row read (and locked), `before_update(&old, &mut patch)`, the update, `after_update(&old, &new)` |
//! | `DELETE` | the row read (and locked), `before_delete(&row)`, the delete, `after_delete(&row)` |
//!
//! `after_update` sees the **merged** row: a rule over several fields ("a published post needs a
//! body") is checked there, whatever subset of fields the PATCH sent. The bodies also carry the
//! model's server-set fields (not read from requests, not in the document): a `read_only` field
//! with a `default` can be computed in `before_create`, and any field but the password can be
//! set in `before_update` (`patch.slug = Patch::Value(...)`).
//!
//! ```no_run
//! use fastrs::hooks::{HookCx, Hooks};
//! use fastrs::prelude::*;
//!
//! #[derive(Resource)]
//! #[resource(hooks)]
//! struct Post {
//!     #[resource(id)]
//!     id: i64,
//!     title: String,
//!     #[resource(read_only, default = String::new())]
//!     slug: String,
//!     body: Option<String>,
//!     #[resource(default = false)]
//!     published: bool,
//! }
//!
//! fn slugify(title: &str) -> String {
//!     title.to_lowercase().split_whitespace().collect::<Vec<_>>().join("-")
//! }
//!
//! impl Hooks for Post {
//!     async fn before_create(_cx: &mut HookCx<'_>, new: &mut PostCreate) -> Result<(), ApiError> {
//!         new.slug = slugify(&new.title);
//!         Ok(())
//!     }
//!
//!     async fn before_update(
//!         _cx: &mut HookCx<'_>,
//!         _old: &Post,
//!         patch: &mut PostUpdate,
//!     ) -> Result<(), ApiError> {
//!         if let Patch::Value(title) = &patch.title {
//!             patch.slug = Patch::Value(slugify(title));
//!         }
//!         Ok(())
//!     }
//!
//!     async fn after_update(_cx: &mut HookCx<'_>, _old: &Post, new: &Post) -> Result<(), ApiError> {
//!         if new.published && new.body.is_none() {
//!             return Err(ApiError::unprocessable("published", "A published post needs a body"));
//!         }
//!         Ok(())
//!     }
//! }
//! ```

use std::future::Future;

use crate::ApiError;
use crate::auth::Principal;
use crate::db::Db;
use crate::resource::Resource;
use crate::tasks::BackgroundTasks;

/// What a hook can reach: the write's transaction, the caller, and the request's background
/// tasks (they run after the commit, never after a rollback).
#[non_exhaustive]
pub struct HookCx<'a> {
    /// The transaction the write runs in: statements here commit or roll back with it (the
    /// [data API](crate::data::Table) takes it as is).
    pub db: &'a mut Db,
    /// The authenticated caller, when the route has one.
    pub caller: Option<&'a Principal>,
    /// Work to run after the response.
    pub tasks: &'a BackgroundTasks,
}

impl std::fmt::Debug for HookCx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookCx")
            .field("db", &self.db)
            .field("caller", &self.caller)
            .finish_non_exhaustive()
    }
}

/// Code that runs around a resource's generated writes (see the [module](self)). Every method
/// has a default that does nothing. Without `#[resource(hooks)]` the derive implements it empty
/// and the routes never call it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` asks for hooks but does not implement `fastrs::hooks::Hooks`",
    note = "`#[resource(hooks)]` needs `impl fastrs::hooks::Hooks for {Self} {{ ... }}`"
)]
pub trait Hooks: Resource {
    /// Before the insert: change the new row's values (server-set fields included) or refuse it.
    fn before_create(
        cx: &mut HookCx<'_>,
        new: &mut Self::Create,
    ) -> impl Future<Output = Result<(), ApiError>> + Send {
        let _ = (cx, new);
        async { Ok(()) }
    }

    /// After the insert, with the row as stored (its id, its defaults).
    fn after_create(
        cx: &mut HookCx<'_>,
        row: &Self,
    ) -> impl Future<Output = Result<(), ApiError>> + Send {
        let _ = (cx, row);
        async { Ok(()) }
    }

    /// Before the update: the row as it is (locked until the commit) and the change, which the
    /// hook may extend or refuse.
    fn before_update(
        cx: &mut HookCx<'_>,
        old: &Self,
        patch: &mut Self::Update,
    ) -> impl Future<Output = Result<(), ApiError>> + Send {
        let _ = (cx, old, patch);
        async { Ok(()) }
    }

    /// After the update: the row before and the merged row after (the place for rules over
    /// several fields).
    fn after_update(
        cx: &mut HookCx<'_>,
        old: &Self,
        new: &Self,
    ) -> impl Future<Output = Result<(), ApiError>> + Send {
        let _ = (cx, old, new);
        async { Ok(()) }
    }

    /// Before the delete, with the row (locked until the commit).
    fn before_delete(
        cx: &mut HookCx<'_>,
        row: &Self,
    ) -> impl Future<Output = Result<(), ApiError>> + Send {
        let _ = (cx, row);
        async { Ok(()) }
    }

    /// After the delete, with the row as it was.
    fn after_delete(
        cx: &mut HookCx<'_>,
        row: &Self,
    ) -> impl Future<Output = Result<(), ApiError>> + Send {
        let _ = (cx, row);
        async { Ok(()) }
    }
}
