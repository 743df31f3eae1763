//! The app's tables: its schema, in an order the database accepts.

use super::App;
use crate::db::Backend;
use crate::migrate::Schema;
use crate::resource::{ResourceMeta, TableLinks};

impl App {
    /// The DDL of every registered resource for `backend`: what `create_all` runs at start-up,
    /// and the first migration. The app's `ddl` command prints it.
    pub fn ddl(&self, backend: Backend) -> String {
        let create = self.schema(backend).create_sql();
        match backend {
            // Any client reads it as fastrs's connections do (`"quoted"` identifiers).
            Backend::MariaDb => format!("{};\n{create}", crate::db::mariadb::SESSION),
            _ => create,
        }
    }

    /// Every table the app needs on `backend`, as data: what migrations are generated from.
    pub fn schema(&self, backend: Backend) -> Schema {
        let metas = distinct(
            self.auth
                .iter()
                .map(|auth| auth.meta)
                .chain(self.resources.iter().map(|m| m.meta)),
        );
        let user = self.auth.as_ref().map(|auth| auth.meta);
        let mut schema = Schema::default();
        for meta in referenced_first(metas) {
            let is_user = user.is_some_and(|user| std::ptr::eq(user, meta));
            let links = TableLinks {
                owner_references: owner_references(meta, user),
                extra_columns: if is_user {
                    vec![crate::auth::epoch_column()]
                } else {
                    Vec::new()
                },
            };
            schema
                .tables
                .push(crate::resource::table(meta, backend, links));
        }
        if self.auth.is_some() {
            schema.tables.push(crate::resource::finish_table(
                crate::auth::session_table(),
                backend,
            ));
            if backend == Backend::MariaDb {
                schema.tables.push(crate::resource::finish_table(
                    crate::auth::lock_table(),
                    backend,
                ));
            }
        }
        schema
    }
}
/// The user table and id column an owner column references, when their types agree (an owner
/// kept as text for a numeric id gets no foreign key).
fn owner_references(
    meta: &ResourceMeta,
    user: Option<&'static ResourceMeta>,
) -> Option<(&'static str, &'static str)> {
    let owner = meta.owner_column()?;
    let user = user?;
    let id = user.id_column()?;
    (owner.sql_type == id.sql_type).then_some((user.table, id.column))
}

/// Tables in an order that creates every referenced table before the tables that reference it
/// (a cycle keeps the declared order for its members).
fn referenced_first(metas: Vec<&'static ResourceMeta>) -> Vec<&'static ResourceMeta> {
    let mut ordered: Vec<&'static ResourceMeta> = Vec::with_capacity(metas.len());
    let mut pending = metas;
    while !pending.is_empty() {
        let ready = pending.iter().position(|meta| {
            meta.columns
                .iter()
                .filter_map(|c| c.references)
                .all(|reference| {
                    let target = (reference.target)();
                    std::ptr::eq(target, *meta)
                        || ordered.iter().any(|done| std::ptr::eq(*done, target))
                        || !pending.iter().any(|other| std::ptr::eq(*other, target))
                })
        });
        ordered.push(pending.remove(ready.unwrap_or(0)));
    }
    ordered
}

/// Each resource once (a user model may also be mounted as a resource).
pub(super) fn distinct(
    metas: impl Iterator<Item = &'static ResourceMeta>,
) -> Vec<&'static ResourceMeta> {
    let mut seen: Vec<&'static ResourceMeta> = Vec::new();
    for meta in metas {
        if !seen.iter().any(|known| std::ptr::eq(*known, meta)) {
            seen.push(meta);
        }
    }
    seen
}
