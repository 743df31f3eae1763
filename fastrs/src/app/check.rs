//! What the app checks before it connects: rules, paths, dependencies, references, auth; and
//! which generated routes hand-written ones replace.

use std::collections::HashSet;

use super::App;
use crate::error::Error;
use crate::resource::{Operations, ResourceMeta};
use crate::routing::RequirementKind;

/// A computed field counts rows of a mounted resource with exactly one reference to its own.
fn check_computed(
    meta: &ResourceMeta,
    column: &crate::resource::ColumnMeta,
    computed: crate::resource::Computed,
    mounted: &[&'static ResourceMeta],
) -> crate::Result<()> {
    let source = computed.source();
    let verb = match computed {
        crate::resource::Computed::Count(_) => "counts",
        crate::resource::Computed::Flag(_) => "looks for",
    };
    if !mounted.iter().any(|m| std::ptr::eq(*m, source)) {
        return Err(Error::Config(format!(
            "{}.{} {verb} {} rows, and {} is not mounted: add `.resource::<{}>()`",
            meta.name, column.field, source.name, source.name, source.name
        )));
    }
    if crate::resource::referencing_column(source, meta).is_none() {
        return Err(Error::Config(format!(
            "{}.{} {verb} the {} rows that reference a {}, but {} needs exactly one field with \
             `references = {}`",
            meta.name, column.field, source.name, meta.name, source.name, meta.name
        )));
    }
    if let crate::resource::Computed::Flag(_) = computed {
        let Some(owner) = source.owner_column() else {
            return Err(Error::Config(format!(
                "{}.{} looks for the caller's {} rows, but {} has no owner: add \
                 `#[resource(owner = ...)]` to it",
                meta.name, column.field, source.name, source.name
            )));
        };
        if meta.viewer_type() != Some(owner.sql_type) {
            return Err(Error::Config(format!(
                "the flags of {} compare the caller with owners of different id types",
                meta.name
            )));
        }
    }
    Ok(())
}

impl App {
    /// A reference declared `embed` must be one that `?include=` can embed.
    fn check_embed(
        &self,
        meta: &'static ResourceMeta,
        column: &'static crate::resource::ColumnMeta,
        target: &'static ResourceMeta,
    ) -> crate::Result<()> {
        let embeds = crate::resource::embeddable(meta, |t| {
            self.resources
                .iter()
                .any(|mount| std::ptr::eq(mount.meta, t))
                && self
                    .generated(t)
                    .contains(crate::resource::Operations::READ)
        });
        if embeds
            .iter()
            .any(|embed| std::ptr::eq(embed.column, column))
        {
            return Ok(());
        }
        Err(Error::Config(format!(
            "{}.{} is declared `embed`, but {} rows cannot be embedded: {} must be mounted with \
             its generated `GET {}/{{id}}`, readable by anyone (no `auth(read)`, no \
             `owner_reads`), and no field of {} may be called `{}`",
            meta.name,
            column.field,
            target.name,
            target.name,
            target.path,
            meta.name,
            crate::resource::relation_name(column.field)
        )))
    }

    /// Checks everything that can be checked without a database: rules, paths, dependencies.
    pub(super) fn check(&self) -> crate::Result<()> {
        let user = self.auth.iter().map(|auth| auth.meta);
        let mounted: Vec<&'static ResourceMeta> = self
            .resources
            .iter()
            .map(|mount| mount.meta)
            .chain(user)
            .collect();
        for meta in &mounted {
            meta.prepare().map_err(Error::Config)?;
            for column in meta.columns {
                if let crate::resource::Role::Computed(computed) = column.role {
                    check_computed(meta, column, computed, &mounted)?;
                }
            }
            for column in meta.columns {
                let Some(reference) = column.references else {
                    continue;
                };
                let target = (reference.target)();
                if column.link && meta.soft_delete {
                    return Err(Error::Config(format!(
                        "{}.{} links rows, and {} deletes softly: an unlinked pair would stay \
                         taken; drop `soft_delete` from the link resource",
                        meta.name, column.field, meta.name
                    )));
                }
                if column.link && target.owner_reads {
                    return Err(Error::Config(format!(
                        "{}.{} links to {}, whose rows only their owners see: link routes \
                         would tell anyone which {} ids exist",
                        meta.name, column.field, target.name, target.name
                    )));
                }
                if column.link {
                    // A link is made from its id alone: every other field of the body needs a
                    // default.
                    let required: Vec<&str> = meta
                        .columns
                        .iter()
                        .filter(|c| {
                            c.in_create && !c.nullable && !c.has_default && !c.link && !c.nested
                        })
                        .map(|c| c.field)
                        .collect();
                    if !required.is_empty() {
                        return Err(Error::Config(format!(
                            "{}.{} links rows from their ids alone, but {} also needs {}: give \
                             them a default or make them optional",
                            meta.name,
                            column.field,
                            meta.name,
                            required.join(", ")
                        )));
                    }
                }
                if column.nested && target.owner_reads {
                    return Err(Error::Config(format!(
                        "{}.{} is nested under {}, whose rows only their owners see: nested routes \
                         would tell anyone which {} ids exist",
                        meta.name, column.field, target.name, target.name
                    )));
                }
                if reference.embed {
                    self.check_embed(meta, column, target)?;
                }
                // MariaDB refuses a foreign key between columns of different types (an `i32`
                // holding an `i64` id), and the others would cut ids that grew past it: the
                // same model on every backend, so refused on every one.
                let target_id = target.id_column().map(|id| (id.sql_type, id.field));
                if let Some((id_type, id_field)) = target_id
                    && id_type != column.sql_type
                {
                    return Err(Error::Config(format!(
                        "{}.{} references {}, so it must have the type of {}.{} ({}), not {}",
                        meta.name,
                        column.field,
                        target.name,
                        target.name,
                        id_field,
                        id_type.rust_type(),
                        column.sql_type.rust_type()
                    )));
                }
                if !mounted.iter().any(|m| std::ptr::eq(*m, target)) {
                    return Err(Error::Config(format!(
                        "{}.{} references {}, which is not mounted: add `.resource::<{}>()`",
                        meta.name, column.field, target.name, target.name
                    )));
                }
            }
        }
        if !self.described.is_empty() {
            let mut openapi = self.openapi();
            if let Some((method, path, _)) =
                crate::openapi::apply_docs(&mut openapi, &self.described).first()
            {
                return Err(Error::Config(format!(
                    "App::describe({method:?}, {path:?}) names no documented operation"
                )));
            }
        }
        if let Some(prefix) = &self.prefix {
            let valid = prefix.starts_with('/')
                && !prefix.ends_with('/')
                && !prefix.contains('{')
                && check_path(prefix).is_ok();
            if !valid {
                return Err(Error::Config(format!(
                    "prefix {prefix:?} must start with `/`, not end with one, and hold no parameters"
                )));
            }
        }
        let mut seen = HashSet::new();
        let resource_ops = self
            .resources
            .iter()
            .flat_map(|mount| {
                let generated = self.generated(mount.meta);
                crate::crud::operations(mount.meta)
                    .into_iter()
                    .filter(move |(op, _, _)| generated.contains(*op))
            })
            .map(|(_, method, path)| (method.to_owned(), path));
        let route_ops = self.routes.iter().flat_map(|(path, methods)| {
            methods
                .operations
                .iter()
                .map(move |op| (op.method.to_string(), path.clone()))
        });
        let auth_ops = self
            .auth
            .iter()
            .filter(|auth| auth.options.routes)
            .flat_map(|auth| crate::auth::routes::paths(&auth.options))
            .map(|(method, path)| (method.to_owned(), path));
        let docs_ops = crate::openapi::ui::paths(&self.docs)
            .into_iter()
            .map(|path| ("GET".to_owned(), path));
        let auth_ops = auth_ops.chain(docs_ops);
        for (method, path) in resource_ops.chain(route_ops).chain(auth_ops) {
            check_path(&path).map_err(|why| Error::Config(format!("route path {path:?} {why}")))?;
            if !seen.insert((method.clone(), path.clone())) {
                return Err(Error::Config(format!(
                    "{method} {path} is registered twice"
                )));
            }
        }
        for (path, methods) in &self.routes {
            for op in &methods.operations {
                for requirement in &op.requires {
                    let missing = match requirement.kind {
                        RequirementKind::Dep if !self.deps.contains(requirement.type_id) => {
                            format!(
                                "Dep<{}>, but none is registered: call App::dep(...)",
                                requirement.type_name
                            )
                        }
                        RequirementKind::User
                            if self.auth.as_ref().map(|a| a.type_id)
                                != Some(requirement.type_id) =>
                        {
                            format!(
                                "users of {}: call App::auth::<{0}>()",
                                requirement.type_name
                            )
                        }
                        _ => continue,
                    };
                    return Err(Error::Config(format!(
                        "{} {path} needs {missing}",
                        op.method
                    )));
                }
            }
        }
        self.check_auth()
    }

    /// Resources that need a caller need `App::auth`, and owners must hold user ids.
    fn check_auth(&self) -> crate::Result<()> {
        if let Some(stand_in) = &self.user_override
            && self.auth.as_ref().map(|auth| auth.type_id) != Some(stand_in.user_type)
        {
            return Err(Error::Config(
                "override_user needs App::auth with the same user type".into(),
            ));
        }
        for mount in &self.resources {
            let meta = mount.meta;
            let needs_auth = meta.auth.any() || meta.owner_column().is_some();
            let Some(auth) = &self.auth else {
                if needs_auth {
                    return Err(Error::Config(format!(
                        "{} requires authenticated callers: call App::auth::<YourUser>()",
                        meta.name
                    )));
                }
                continue;
            };
            let user_id = auth.meta.id_column().map(|c| c.sql_type);
            if let Some(owner) = meta.owner_column()
                && Some(owner.sql_type) != user_id
                && owner.sql_type != crate::resource::SqlType::Text
            {
                return Err(Error::Config(format!(
                    "{}.{} holds the owner's id, so it must have the type of {}'s id",
                    meta.name, owner.field, auth.meta.name
                )));
            }
        }
        Ok(())
    }

    /// The operations of a resource to generate: those it declares, less those a hand-written
    /// route replaces.
    pub(super) fn generated(&self, meta: &ResourceMeta) -> Operations {
        crate::crud::operations(meta).into_iter().fold(
            meta.operations,
            |operations, (op, method, path)| {
                let replaced = self.routes.iter().any(|(route, methods)| {
                    *route == path && methods.operations.iter().any(|o| o.method == method)
                });
                if replaced {
                    operations.without(op)
                } else {
                    operations
                }
            },
        )
    }
}

/// What axum accepts as a route path (it panics on anything else): `/`-separated segments,
/// captures as whole segments `{name}` or a last `{*name}`.
pub(super) fn check_path(path: &str) -> Result<(), &'static str> {
    if !path.starts_with('/') {
        return Err("must start with '/'");
    }
    let segments: Vec<&str> = path[1..].split('/').collect();
    for (index, segment) in segments.iter().enumerate() {
        let capture = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
        match capture {
            Some(name) => {
                let (wildcard, name) = name.strip_prefix('*').map_or((false, name), |n| (true, n));
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err("has a capture without a plain name: use `{name}`");
                }
                if wildcard && index + 1 != segments.len() {
                    return Err("has a `{*name}` capture that is not the last segment");
                }
            }
            None if segment.contains(['{', '}']) => {
                return Err("has a brace outside a whole-segment `{name}` capture");
            }
            None if segment.is_empty() && index + 1 != segments.len() => {
                return Err("has an empty segment (`//`)");
            }
            None => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_path;

    #[test]
    fn route_paths_axum_accepts() {
        for good in [
            "/",
            "/items",
            "/items/{id}",
            "/files/{*rest}",
            "/a/{x}/b/{y_2}",
        ] {
            assert!(check_path(good).is_ok(), "{good}");
        }
        for bad in [
            "items",
            "/a/{",
            "/a/{}",
            "/a/x{id}",
            "/{*rest}/more",
            "/a//b",
            "/{a-b}",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }
}
