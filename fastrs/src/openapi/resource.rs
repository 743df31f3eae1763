//! The five operations of a resource, from its [`ResourceMeta`].

use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{RefOr, Tag};

use super::operation::{error, json_body, parameter, respond, secure, too_large, validation_error};
use super::{Registry, ToSchema, page_schema, response_schema};
use crate::resource::{ResourceMeta, Role, SqlType};

/// The named component schemas of a resource: `{Name}Create`, `{Name}Update`,
/// `{Name}Response`, `{Name}Page`.
pub(crate) struct Components {
    pub(crate) create: RefOr<Schema>,
    pub(crate) update: RefOr<Schema>,
    pub(crate) response: RefOr<Schema>,
    pub(crate) page: RefOr<Schema>,
}

pub(crate) fn components(meta: &'static ResourceMeta, registry: &mut Registry) -> Components {
    let name = meta.name;
    let response = registry.component(&format!("{name}Response"), |_| response_schema(meta));
    Components {
        create: (meta.create_schema)(registry),
        update: (meta.update_schema)(registry),
        page: if meta.cursor {
            registry.component(&format!("{name}CursorPage"), |_| {
                super::schema::cursor_page_schema(response.clone())
            })
        } else {
            registry.component(&format!("{name}Page"), |_| page_schema(response.clone()))
        },
        response,
    }
}

/// A query parameter for each filter of each filterable field, and `sort` listing its keys.
fn filter_parameters(operation: &mut Operation, meta: &ResourceMeta) {
    use crate::resource::filter::Op;
    for column in meta.columns.iter().filter(|c| c.filter) {
        let base = super::schema::column_schema(column, false);
        for op in Op::for_column(column) {
            let (name, schema) = match op {
                Op::Eq if column.sql_type == SqlType::Json => {
                    let mut text = String::schema();
                    if let Schema::Object(object) = &mut text {
                        object.description = Some(format!("`{}` holds this value.", column.field));
                    }
                    (column.field.to_owned(), text)
                }
                Op::Eq => (column.field.to_owned(), base.clone()),
                Op::In => {
                    let mut list = String::schema();
                    if let Schema::Object(object) = &mut list {
                        object.description = Some(format!(
                            "Any of these values of `{}`, comma-separated (at most {}).",
                            column.field,
                            crate::resource::filter::MAX_IN_VALUES
                        ));
                    }
                    (format!("{}__in", column.field), list)
                }
                Op::IContains => {
                    let mut text = String::schema();
                    if let Schema::Object(object) = &mut text {
                        object.description = Some(format!(
                            "`{}` holds this text, ignoring case.",
                            column.field
                        ));
                    }
                    (format!("{}__icontains", column.field), text)
                }
                op => (format!("{}__{}", column.field, op.suffix()), base.clone()),
            };
            parameter(
                operation,
                &name,
                ParameterIn::Query,
                false,
                strip_docs(schema),
            );
        }
    }
    // Keyset pages order by non-null columns only.
    let keys: Vec<String> = meta
        .columns
        .iter()
        .filter(|c| c.sort && !(meta.cursor && c.nullable))
        .flat_map(|c| [c.field.to_owned(), format!("-{}", c.field)])
        .collect();
    if !keys.is_empty() {
        let mut sort = String::schema();
        if let Schema::Object(object) = &mut sort {
            object.description = Some(format!(
                "Comma-separated keys, `-` for descending: {}.",
                keys.join(", ")
            ));
            let alternatives = keys
                .iter()
                .map(|k| regex_escape(k))
                .collect::<Vec<_>>()
                .join("|");
            object.pattern = Some(format!("^(?:{alternatives})(?:,(?:{alternatives}))*$"));
        }
        parameter(operation, "sort", ParameterIn::Query, false, sort);
    }
}

/// A field's schema as a parameter's: its examples belong to the body, not to a filter.
fn strip_docs(mut schema: Schema) -> Schema {
    if let Schema::Object(object) = &mut schema {
        object.examples.clear();
    }
    schema
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$-".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

fn id_schema(meta: &ResourceMeta) -> Schema {
    use super::ToSchema;
    match meta.id_column().map(|c| c.sql_type) {
        Some(SqlType::Uuid) => uuid::Uuid::schema(),
        Some(SqlType::Int) => i32::schema(),
        _ => i64::schema(),
    }
}

/// `(path, method, operation)` for each route of the resource.
pub(crate) fn operations(
    meta: &'static ResourceMeta,
    page: crate::resource::PageBounds,
    registry: &mut Registry,
) -> Vec<(String, HttpMethod, Operation)> {
    let schemas = components(meta, registry);
    let name = meta.name;
    let snake = crate::resource::snake_case(name);
    let scopes: Vec<&str> = meta.auth.scope.into_iter().collect();
    let owned = meta.owner_column().is_some();
    let unique = meta.columns.iter().any(|c| c.unique && c.role != Role::Id);
    let page = meta.page.unwrap_or(page);
    let item_path = format!("{}/{{id}}", meta.path);
    let base = |id: &str, summary: String| {
        let mut operation = Operation::new();
        operation.operation_id = Some(format!("{id}_{snake}"));
        operation.summary = Some(summary);
        operation.tags = Some(vec![meta.tag.to_owned()]);
        operation.description = meta.doc.map(str::to_owned);
        operation
    };
    let with_id = |operation: &mut Operation, registry: &mut Registry| {
        parameter(operation, "id", ParameterIn::Path, true, id_schema(meta));
        error(
            operation,
            registry,
            "404",
            &format!("No {name} has this id"),
        );
        validation_error(operation, registry);
    };

    let mut create = base("create", format!("Create {name}"));
    json_body(&mut create, schemas.create.clone());
    respond(
        &mut create,
        "201",
        &format!("The created {name}; `Location` names it"),
        Some(("application/json", schemas.response.clone())),
    );
    validation_error(&mut create, registry);
    too_large(&mut create, registry);
    if unique {
        error(
            &mut create,
            registry,
            "409",
            "A unique field's value is taken",
        );
    }
    if meta.auth.create || owned {
        secure(&mut create, registry, &scopes);
    }

    let mut list = base("list", format!("List {name}s"));
    if meta.cursor {
        super::operation::cursor_parameters(&mut list, page);
    } else {
        super::operation::page_parameters(&mut list, page);
    }
    filter_parameters(&mut list, meta);
    respond(
        &mut list,
        "200",
        &format!("A page of {name}s, by id"),
        Some(("application/json", schemas.page.clone())),
    );
    validation_error(&mut list, registry);
    let reads_secured = meta.auth.read || meta.owner_reads;

    let mut get = base("get", format!("Get {name}"));
    respond(
        &mut get,
        "200",
        &format!("The {name}"),
        Some(("application/json", schemas.response.clone())),
    );
    with_id(&mut get, registry);

    let mut update = base("update", format!("Update {name}"));
    json_body(&mut update, schemas.update.clone());
    respond(
        &mut update,
        "200",
        &format!("The updated {name}"),
        Some(("application/json", schemas.response.clone())),
    );
    with_id(&mut update, registry);
    too_large(&mut update, registry);
    if unique {
        error(
            &mut update,
            registry,
            "409",
            "A unique field's value is taken",
        );
    }

    let mut delete = base("delete", format!("Delete {name}"));
    respond(&mut delete, "204", &format!("The {name} is deleted"), None);
    with_id(&mut delete, registry);

    for (operation, secured) in [
        (&mut list, reads_secured),
        (&mut get, reads_secured),
        (&mut update, meta.auth.update || owned),
        (&mut delete, meta.auth.delete || owned),
    ] {
        if secured {
            secure(operation, registry, &scopes);
        }
    }

    let nested = nested_operations(meta, registry, &list, &create);
    let mut operations = vec![
        (meta.path.to_owned(), HttpMethod::Post, create),
        (meta.path.to_owned(), HttpMethod::Get, list),
        (item_path.clone(), HttpMethod::Get, get),
        (item_path.clone(), HttpMethod::Patch, update),
        (item_path.clone(), HttpMethod::Delete, delete),
    ];
    if meta.soft_delete {
        let mut restore = base("restore", format!("Restore {name}"));
        restore.description = Some(format!(
            "Brings back a deleted {name} (deleting only marks it: reads no longer see it)."
        ));
        respond(
            &mut restore,
            "200",
            &format!("The restored {name}"),
            Some(("application/json", schemas.response.clone())),
        );
        parameter(&mut restore, "id", ParameterIn::Path, true, id_schema(meta));
        error(
            &mut restore,
            registry,
            "404",
            &format!("No deleted {name} has this id"),
        );
        validation_error(&mut restore, registry);
        if meta.auth.delete || owned {
            secure(&mut restore, registry, &scopes);
        }
        operations.push((format!("{item_path}/restore"), HttpMethod::Post, restore));
    }
    operations.extend(nested);
    operations.extend(link_operations(meta, registry, &scopes));
    operations
}

/// `PUT` and `DELETE` of each `link` reference: the caller links to the row `id` of the
/// target, or unlinks; 204 either way, 404 for a missing row.
fn link_operations(
    meta: &'static ResourceMeta,
    registry: &mut Registry,
    scopes: &[&str],
) -> Vec<(String, HttpMethod, Operation)> {
    let snake = crate::resource::snake_case(meta.name);
    let mut out = Vec::new();
    let from_row = meta.owner_column().is_none();
    for (_, target) in meta.link_targets() {
        let parent = meta.nested_parents().first().map(|&(_, parent)| parent);
        let path = match (from_row, parent) {
            (true, Some(parent)) => format!("{}/{{id}}{}/{{link_id}}", parent.path, target.path),
            _ => format!("{}/{{id}}{}", target.path, meta.path),
        };
        let target_snake = crate::resource::snake_case(target.name);
        for (method, verb, answer) in [
            (
                HttpMethod::Put,
                "link",
                "Linked (whether or not it was before)",
            ),
            (
                HttpMethod::Delete,
                "unlink",
                "Unlinked (whether or not it was linked)",
            ),
        ] {
            let mut operation = Operation::new();
            operation.operation_id = Some(format!("{verb}_{snake}_{target_snake}"));
            operation.summary = Some(format!(
                "{} the caller {} a {} ({})",
                if verb == "link" { "Link" } else { "Unlink" },
                if verb == "link" { "to" } else { "from" },
                target.name,
                meta.name
            ));
            operation.tags = Some(vec![meta.tag.to_owned()]);
            parameter(
                &mut operation,
                "id",
                ParameterIn::Path,
                true,
                id_schema(target),
            );
            respond(&mut operation, "204", answer, None);
            error(
                &mut operation,
                registry,
                "404",
                &format!("No {} has this id", target.name),
            );
            validation_error(&mut operation, registry);
            let secured = match method {
                _ if !from_row => true,
                HttpMethod::Put => meta.auth.create,
                _ => meta.auth.delete,
            };
            if secured {
                secure(&mut operation, registry, scopes);
            }
            out.push((path.clone(), method, operation));
        }
        if let (true, Some(parent)) = (from_row, parent) {
            let target_page = format!("{}Page", target.name);
            let target_response = format!("{}Response", target.name);
            let response = registry.component(&target_response, |_| response_schema(target));
            let page = registry.component(&target_page, |_| page_schema(response));
            let mut list = Operation::new();
            list.operation_id = Some(format!(
                "list_{target_snake}_of_{}",
                crate::resource::snake_case(parent.name)
            ));
            list.summary = Some(format!(
                "List the {}s of a {} ({})",
                target.name, parent.name, meta.name
            ));
            list.tags = Some(vec![meta.tag.to_owned()]);
            parameter(&mut list, "id", ParameterIn::Path, true, id_schema(parent));
            super::operation::page_parameters(&mut list, registry.page());
            respond(
                &mut list,
                "200",
                &format!("A page of linked {}s, by id", target.name),
                Some(("application/json", page)),
            );
            error(
                &mut list,
                registry,
                "404",
                &format!("No {} has this id", parent.name),
            );
            validation_error(&mut list, registry);
            if target.auth.read || target.owner_reads {
                secure(&mut list, registry, scopes);
            }
            out.push((
                format!("{}/{{id}}{}", parent.path, target.path),
                HttpMethod::Get,
                list,
            ));
        }
    }
    out
}

/// The list and create of each `nested` reference, under its parent's item path: the
/// resource's own list and create, scoped by the parent's id (a 404 when it does not exist),
/// the create body without the field the path gives.
fn nested_operations(
    meta: &'static ResourceMeta,
    registry: &mut Registry,
    list: &Operation,
    create: &Operation,
) -> Vec<(String, HttpMethod, Operation)> {
    let snake = crate::resource::snake_case(meta.name);
    let mut out = Vec::new();
    for (column, parent) in meta.nested_parents() {
        let path = meta.nested_path(parent);
        let parent_snake = crate::resource::snake_case(parent.name);
        let field = meta.columns[column].field;
        let scoped =
            |operation: &Operation, id: String, summary: String, registry: &mut Registry| {
                let mut operation = operation.clone();
                operation.operation_id = Some(id);
                operation.summary = Some(summary);
                parameter(
                    &mut operation,
                    "id",
                    ParameterIn::Path,
                    true,
                    id_schema(parent),
                );
                error(
                    &mut operation,
                    registry,
                    "404",
                    &format!("No {} has this id", parent.name),
                );
                operation
            };
        let nested_list = scoped(
            list,
            format!("list_{snake}_of_{parent_snake}"),
            format!("List the {}s of a {}", meta.name, parent.name),
            registry,
        );
        let mut nested_create = scoped(
            create,
            format!("create_{snake}_in_{parent_snake}"),
            format!("Create a {} in a {}", meta.name, parent.name),
            registry,
        );
        let body_name = format!("{}In{}Create", meta.name, parent.name);
        let create_name = format!("{}Create", meta.name);
        let body = registry.component(&body_name, |registry| {
            let mut schema = registry.get(&create_name).cloned().unwrap_or_default();
            if let Schema::Object(object) = &mut schema {
                object.properties.shift_remove(field);
                object.required.retain(|name| name != field);
                if let Some(serde_json::Value::Object(example)) = &mut object.example {
                    example.remove(field);
                }
                object.examples.iter_mut().for_each(|example| {
                    if let serde_json::Value::Object(example) = example {
                        example.remove(field);
                    }
                });
            }
            schema
        });
        json_body(&mut nested_create, body);
        out.push((path.clone(), HttpMethod::Get, nested_list));
        out.push((path, HttpMethod::Post, nested_create));
    }
    out
}

/// The resource's tag, described by its doc comment.
pub(crate) fn tag(meta: &ResourceMeta) -> Tag {
    let mut tag = Tag::new(meta.tag);
    tag.description = meta.doc.map(str::to_owned);
    tag
}
