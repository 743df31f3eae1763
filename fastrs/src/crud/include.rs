//! `?include=board,author` on a read: the rows a page's references name, embedded under the
//! relation's name, with one statement per relation whatever the page size.

use std::collections::HashMap;

use serde_json::Value;

use crate::ApiError;
use crate::auth::Principal;
use crate::db::Db;
use crate::resource::{Embed, ResourceMeta};
use crate::validate::{Cx, ValidationErrors, Violation};

/// The relations `?include=` names (comma-separated, repeatable; each at most once), or a 422 at
/// `["query", "include"]` naming what can be included. Without `include` in the query: the
/// relations declared `embed` (`?include=` with nothing after it embeds none).
pub(super) fn parse(query: Option<&str>, embeds: &[Embed]) -> Result<Vec<Embed>, ValidationErrors> {
    let mut chosen: Vec<Embed> = Vec::new();
    let mut cx = Cx::query();
    let mut said = false;
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if key != "include" {
            continue;
        }
        said = true;
        for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match embeds.iter().find(|embed| embed.name == name) {
                Some(embed) if !chosen.iter().any(|c| c.name == name) => chosen.push(*embed),
                Some(_) => {}
                None => {
                    let names: Vec<&str> = embeds.iter().map(|e| e.name).collect();
                    let violation = Violation::value_error(if names.is_empty() {
                        format!("cannot include {name:?}: nothing can be included here")
                    } else {
                        format!("cannot include {name:?}; includable: {}", names.join(", "))
                    });
                    cx.at("include", |cx| {
                        cx.fail(violation, Some(Value::String(value.to_string())));
                    });
                }
            }
        }
    }
    if !said {
        chosen = defaults(embeds);
    }
    cx.finish(Some(chosen))
}

/// The relations a read embeds when `?include=` is not given: those declared `embed`.
fn defaults(embeds: &[Embed]) -> Vec<Embed> {
    embeds
        .iter()
        .filter(|embed| embed.column.references.is_some_and(|r| r.embed))
        .copied()
        .collect()
}

/// True when an included resource shows its rows' flags to the caller.
pub(super) fn needs_viewer(includes: &[Embed]) -> bool {
    includes
        .iter()
        .any(|embed| embed.target.viewer_type().is_some())
}

/// Embeds each included relation into `rows` (answers as JSON objects): the referenced row, or
/// `null` when the reference is empty (or names a row the target hides).
pub(super) async fn embed(
    db: &mut Db,
    rows: &mut [Value],
    includes: &[Embed],
    viewer: Option<&Principal>,
) -> Result<(), ApiError> {
    if includes.is_empty() {
        return Ok(());
    }
    for embed in includes {
        let field = embed.column.field;
        let mut ids: Vec<Value> = Vec::new();
        for id in rows.iter().filter_map(|row| row.get(field)) {
            if !id.is_null() && !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        let found = match (embed.column.references, ids.is_empty()) {
            (Some(reference), false) => (reference.rows)(db, ids, viewer).await?,
            _ => Vec::new(),
        };
        let by_id: HashMap<String, Value> = found
            .into_iter()
            .map(|row| {
                (
                    row.get(id_field(embed.target))
                        .map(Value::to_string)
                        .unwrap_or_default(),
                    row,
                )
            })
            .collect();
        for row in rows.iter_mut() {
            let related = row
                .get(field)
                .and_then(|id| by_id.get(&id.to_string()))
                .cloned()
                .unwrap_or(Value::Null);
            if let Some(object) = row.as_object_mut() {
                object.insert(embed.name.to_owned(), related);
            }
        }
    }
    Ok(())
}

fn id_field(meta: &ResourceMeta) -> &'static str {
    meta.id_column().map_or("id", |column| column.field)
}
