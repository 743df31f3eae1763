//! `?include=`: which related rows a read can embed. A belongs-to reference (`board_id`) embeds
//! as its name without `_id` (`board`), when the referenced resource serves its generated
//! `GET {path}/{id}` (not replaced by a hand-written route, not left out by `operations`) and
//! its reads need no caller (what anyone may read is what anyone may embed), and no field of
//! the resource already has that name.

use super::{ColumnMeta, ResourceMeta};

/// A relation a read can embed.
#[derive(Debug, Clone, Copy)]
pub struct Embed {
    /// The key it is embedded under (`board`).
    pub name: &'static str,
    /// The referencing column (`board_id`).
    pub column: &'static ColumnMeta,
    /// The referenced resource.
    pub target: &'static ResourceMeta,
}

/// The name a reference is embedded and linked under: the field without `_id` (or `Id`).
///
/// ```
/// assert_eq!(fastrs::resource::relation_name("board_id"), "board");
/// assert_eq!(fastrs::resource::relation_name("authorId"), "author");
/// assert_eq!(fastrs::resource::relation_name("parent"), "parent");
/// ```
pub fn relation_name(field: &str) -> &str {
    field
        .strip_suffix("_id")
        .or_else(|| field.strip_suffix("Id"))
        .filter(|name| !name.is_empty())
        .unwrap_or(field)
}

/// The relations of `meta` a read can embed, given which resources serve their generated get.
pub fn embeddable(
    meta: &'static ResourceMeta,
    mounted: impl Fn(&ResourceMeta) -> bool,
) -> Vec<Embed> {
    meta.columns
        .iter()
        .filter_map(|column| {
            let target = (column.references?.target)();
            let name = relation_name(column.field);
            let public = !target.auth.read && !target.owner_reads;
            let free = !meta.columns.iter().any(|c| c.field == name);
            (mounted(target) && public && free && name != column.field).then_some(Embed {
                name,
                column,
                target,
            })
        })
        .collect()
}
