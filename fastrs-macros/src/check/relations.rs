//! The data a field joins or is queried by: references (foreign keys, nested and link routes)
//! and filters and sorts.

use darling::error::Accumulator;

use super::error;
use crate::ast::{Field, Kind, Role};

// A reference is a foreign key to another resource's id: it must be a plain data field of an
// id's type, and `on_delete` must say something SQL can do.
pub(super) fn references(field: &Field<'_>, errors: &mut Accumulator) {
    if let (Some(span), None) = (field.nested, field.references) {
        errors.push(error(span, "`nested` needs `references = Resource`"));
    }
    if let (Some(span), None) = (field.link, field.references) {
        errors.push(error(span, "`link` needs `references = Resource`"));
    }
    if let (Some(span), None) = (field.embed, field.references) {
        errors.push(error(span, "`embed` needs `references = Resource`"));
    }
    if let (Some((_, span)), None) = (&field.on_delete, field.references) {
        errors.push(error(*span, "`on_delete` needs `references = Resource`"));
    }
    let Some(target) = field.references else {
        return;
    };
    let span = syn::spanned::Spanned::span(target);
    if field.role != Role::Data {
        errors.push(error(
            span,
            format!(
                "`{}` cannot reference another resource: it is set by the framework",
                field.name
            ),
        ));
    }
    if !matches!(field.kind, Kind::I32 | Kind::I64 | Kind::Uuid) {
        errors.push(error(
            field.ty_span(),
            format!(
                "`{}` references another resource, so it holds an id: i32, i64 or Uuid",
                field.name
            ),
        ));
    }
    if let Some((value, span)) = &field.on_delete {
        match value.as_str() {
            "cascade" | "restrict" => {}
            "set_null" if field.nullable => {}
            "set_null" => errors.push(error(
                *span,
                format!(
                    "`on_delete = \"set_null\"` needs `{}` to be an `Option<_>`",
                    field.name
                ),
            )),
            _ => errors.push(error(
                *span,
                "`on_delete` is \"cascade\", \"restrict\" or \"set_null\"",
            )),
        }
    }
}

// Filters and sorts are on what a reader may see, of a type SQL compares.
pub(super) fn queries(field: &Field<'_>, errors: &mut Accumulator) {
    for (span, what) in [(field.filter, "filtered on"), (field.sort, "sorted by")] {
        let Some(span) = span else { continue };
        if field.write_only() {
            errors.push(error(
                span,
                format!("`{}` is write-only: it cannot be {what}", field.name),
            ));
        } else if matches!(field.kind, Kind::Json | Kind::List)
            && !(what == "filtered on" && holds_text(field))
        {
            errors.push(error(
                span,
                format!(
                    "`{}` is stored as JSON: it cannot be {what} (a list of strings or of a string enum can be filtered on)",
                    field.name
                ),
            ));
        }
    }
}

/// A `Vec` of strings or of a string enum: filterable by membership (`tags=rust`).
fn holds_text(field: &Field<'_>) -> bool {
    field.kind == Kind::List
        && crate::types::last_segment(field.inner)
            .and_then(crate::types::single_arg)
            .and_then(crate::types::classify)
            .is_some_and(|(kind, _, _)| matches!(kind, Kind::String | Kind::Enum))
}
