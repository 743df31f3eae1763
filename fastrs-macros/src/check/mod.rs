//! Rules that involve more than one attribute or field. Each check says why it exists; every
//! error points at the tokens to change and says what to do.

use darling::error::Accumulator;
use proc_macro2::Span;

use crate::ast::{Field, Kind, Resource, Role, Rule, RuleKind};
use crate::attr::ContainerAttrs;

mod relations;

use relations::{queries, references};

fn error(span: Span, message: impl std::fmt::Display) -> darling::Error {
    darling::Error::custom(message).with_span(&span)
}

/// Checks that need only the attributes (run even when a field failed to parse).
pub(crate) fn container(attrs: &ContainerAttrs, errors: &mut Accumulator) {
    // Generic resources would need generic tables and routes; nothing sensible to derive.
    if !attrs.generics.params.is_empty() {
        errors.push(
            darling::Error::custom("`#[derive(Resource)]` does not support generic structs")
                .with_span(&attrs.generics),
        );
    }
    for name in [&attrs.table].into_iter().flatten() {
        if !is_identifier(name) {
            errors.push(error(name.span(), "`table` must be a plain SQL identifier of at most 63 bytes: letters, digits and `_`, not starting with a digit"));
        }
    }
    if let Some(path) = &attrs.path
        && (!path.starts_with('/')
            || path.ends_with('/')
            || path.contains('{')
            || path.contains(char::is_whitespace))
    {
        errors.push(error(path.span(), "`path` must start with `/`, not end with `/`, and hold no `{` or spaces, e.g. `path = \"/items\"`"));
    }
    if let Some(size) = &attrs.page_size {
        let max = attrs.max_page_size.as_ref().map_or(100, |max| **max);
        if **size == 0 || **size > max {
            errors.push(error(
                size.span(),
                format!("`page_size` must be between 1 and `max_page_size` ({max})"),
            ));
        }
    }
    if let Some(max) = &attrs.max_page_size
        && **max == 0
    {
        errors.push(error(max.span(), "`max_page_size` must be at least 1"));
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= MAX_NAME
}

/// The longest name of a table or column, in bytes: PostgreSQL's (MariaDB's is 64).
const MAX_NAME: usize = 63;

/// Checks of the resolved model.
pub(crate) fn resource(resource: &Resource<'_>, errors: &mut Accumulator) {
    ids(resource, errors);
    user(resource, errors);
    ownership(resource, errors);
    for field in &resource.fields {
        roles(field, errors);
        options(field, errors);
        rules(field, errors);
        references(field, errors);
        queries(field, errors);
    }
    // PostgreSQL cuts longer names without a word; MariaDB refuses them.
    if resource.table.len() > MAX_NAME {
        errors.push(error(
            resource.ident.span(),
            format!(
                "the table name `{}` is {} bytes long; databases take at most {MAX_NAME}: name it with `#[resource(table = \"...\")]`",
                resource.table,
                resource.table.len()
            ),
        ));
    }
    for field in resource.fields.iter().filter(|f| f.column.len() > MAX_NAME) {
        errors.push(error(
            field.column_span,
            format!(
                "the column name `{}` is {} bytes long; databases take at most {MAX_NAME}: name it with `#[resource(column = \"...\")]`",
                field.column,
                field.column.len()
            ),
        ));
    }
    let mut columns = std::collections::HashSet::new();
    for field in &resource.fields {
        if !columns.insert(field.column.as_str()) {
            errors.push(error(
                field.column_span,
                format!("column `{}` is used by two fields", field.column),
            ));
        }
    }
    for role in [Role::CreatedAt, Role::UpdatedAt] {
        let mut fields = resource
            .fields
            .iter()
            .filter(|field| field.role == role)
            .skip(1);
        if let Some(extra) = fields.next() {
            let name = if role == Role::CreatedAt {
                "created_at"
            } else {
                "updated_at"
            };
            errors.push(error(
                extra.ident.span(),
                format!("only one field can be `#[resource({name})]`"),
            ));
        }
    }
}

// `/auth/token` needs a password to check and a name to find the user by; `active` and
// `scopes` are what the extractors read. Each must have the type the runtime expects.
fn user(resource: &Resource<'_>, errors: &mut Accumulator) {
    let fields = &resource.fields;
    let typed = |span: Option<Span>, ok: bool, what: &str, errors: &mut Accumulator| {
        if let (Some(span), false) = (span, ok) {
            let article = if what == "active" { "an" } else { "a" };
            errors.push(error(
                span,
                format!(
                    "{article} `{what}` field must be {}",
                    match what {
                        "active" => "`bool`",
                        "scopes" => "`Vec<String>`",
                        _ => "`String`",
                    }
                ),
            ));
        }
    };
    for field in fields {
        let string = field.kind == Kind::String && !field.nullable;
        typed(field.password, string, "password", errors);
        typed(field.login, string, "login", errors);
        typed(
            field.active,
            field.kind == Kind::Bool && !field.nullable,
            "active",
            errors,
        );
        typed(
            field.scopes,
            field.kind == Kind::List && !field.nullable,
            "scopes",
            errors,
        );
        if resource.user.is_none() {
            for (span, name) in [
                (field.login, "login"),
                (field.active, "active"),
                (field.scopes, "scopes"),
            ] {
                if let Some(span) = span {
                    errors.push(error(
                        span,
                        format!(
                            "`{name}` only applies to the fields of a `#[resource(user)]` model"
                        ),
                    ));
                }
            }
        }
    }
    let Some(user) = resource.user else { return };
    let passwords: Vec<&Field<'_>> = fields.iter().filter(|f| f.password.is_some()).collect();
    match passwords.as_slice() {
        [] => errors.push(error(
            user,
            "a `user` model needs one `#[resource(password)]` field",
        )),
        [_] => {}
        [_, rest @ ..] => {
            for extra in rest {
                errors.push(error(
                    extra.password.unwrap_or_else(|| extra.ident.span()),
                    "only one field can be `#[resource(password)]`",
                ));
            }
        }
    }
    if !fields.iter().any(|f| f.login.is_some()) {
        errors.push(error(user, "a `user` model needs a `#[resource(login)]` field (the username or email users log in with)"));
    }
    for (name, pick) in [
        (
            "active",
            (|f: &Field<'_>| f.active) as fn(&Field<'_>) -> Option<Span>,
        ),
        ("scopes", |f| f.scopes),
    ] {
        for extra in fields.iter().filter_map(pick).skip(1) {
            errors.push(error(
                extra,
                format!("only one field can be `#[resource({name})]`"),
            ));
        }
    }
}

// The owner holds a user id, set from the caller; reads scoped to the owner need one.
fn ownership(resource: &Resource<'_>, errors: &mut Accumulator) {
    // A link goes from the caller (the owner) or from the row of a `nested` reference.
    let nested = resource
        .fields
        .iter()
        .any(|f| f.nested.is_some() && f.references.is_some());
    if resource.owner.is_none() && !nested {
        for span in resource.fields.iter().filter_map(|f| f.link) {
            errors.push(error(
                span,
                "`link` needs `#[resource(owner = field)]` (the caller links) or a `nested` reference (its row links)",
            ));
        }
    }
    if let (Some(span), None) = (resource.owner_reads, resource.owner) {
        errors.push(error(span, "`owner_reads` needs `owner = field`"));
    }
    if let Some(span) = resource.auth.span
        && resource.auth.scope.as_deref() == Some("")
    {
        errors.push(error(span, "`scope` must not be empty"));
    }
    let Some(owner) = resource.fields.iter().find(|f| f.role == Role::Owner) else {
        return;
    };
    if owner.nullable
        || !matches!(
            owner.kind,
            Kind::I32 | Kind::I64 | Kind::Uuid | Kind::String
        )
    {
        errors.push(error(
            owner.ident.span(),
            "the `owner` field holds a user id: i32, i64, Uuid or String (not Option)",
        ));
    }
    for span in [
        owner.read_only,
        owner.write_only,
        owner.skip_create,
        owner.skip_update,
        owner.password,
    ]
    .into_iter()
    .flatten()
    {
        errors.push(error(
            span,
            "the owner is set from the caller; it takes no body options",
        ));
    }
    if let Some(default) = owner.default {
        errors.push(
            darling::Error::custom("the owner is set from the caller; remove `default`")
                .with_span(default),
        );
    }
}

// Every route addresses rows by one id; none or two would leave `/{id}` undefined.
fn ids(resource: &Resource<'_>, errors: &mut Accumulator) {
    let ids: Vec<&Field<'_>> = resource
        .fields
        .iter()
        .filter(|field| field.role == Role::Id)
        .collect();
    match ids.as_slice() {
        [] => errors.push(error(
            resource.ident.span(),
            "a resource needs one `#[resource(id)]` field (i32, i64 or Uuid)",
        )),
        [id] => {
            if id.nullable || !matches!(id.kind, Kind::I32 | Kind::I64 | Kind::Uuid) {
                errors.push(error(
                    id.ty_span(),
                    "the `#[resource(id)]` field must be i32, i64 or Uuid (not Option)",
                ));
            }
        }
        [_, rest @ ..] => {
            for extra in rest {
                errors.push(error(
                    extra.role_span(Role::Id),
                    "only one field can be `#[resource(id)]`",
                ));
            }
        }
    }
}

// A field plays one part; timestamps are filled by the framework and must be UTC times.
fn roles(field: &Field<'_>, errors: &mut Accumulator) {
    for (_, span) in field.role_spans.iter().skip(1) {
        errors.push(error(
            *span,
            "`id`, `created_at`, `updated_at`, `count`, `flag` and the owner exclude each other",
        ));
    }
    if field.role == Role::Computed {
        computed(field, errors);
    }
    if matches!(field.role, Role::CreatedAt | Role::UpdatedAt)
        && (field.kind != Kind::DateTime || field.nullable)
    {
        errors.push(error(
            field.ty_span(),
            "`created_at` / `updated_at` fields must be `DateTime<Utc>`",
        ));
    }
    // (The owner's options are checked in `ownership`.)
    if !matches!(field.role, Role::Data | Role::Owner) {
        if let Some(default) = field.default {
            errors.push(
                darling::Error::custom("the framework fills this field; remove `default`")
                    .with_span(default),
            );
        }
        for span in [field.write_only, field.skip_create, field.skip_update]
            .into_iter()
            .flatten()
        {
            errors.push(error(
                span,
                "the framework fills this field; it is never read from a body",
            ));
        }
    }
}

// A computed field is an `i64` read from other rows: nothing stores, sets or constrains it.
fn computed(field: &Field<'_>, errors: &mut Accumulator) {
    let what = if field.flag.is_some() {
        "flag"
    } else {
        "count"
    };
    if field.count.is_some() && (field.kind != Kind::I64 || field.nullable) {
        errors.push(error(field.ty_span(), "a `count` field is an `i64`"));
    }
    if field.flag.is_some() && (field.kind != Kind::Bool || field.nullable) {
        errors.push(error(field.ty_span(), "a `flag` field is a `bool`"));
    }
    // A flag depends on who asks: lists filter and sort the same rows for everyone.
    for span in [field.filter, field.sort].into_iter().flatten() {
        if field.flag.is_some() {
            errors.push(error(
                span,
                "a `flag` field depends on the caller: it cannot be filtered on or sorted by",
            ));
        }
    }
    let stored = [
        (field.unique.then(|| field.ident.span()), "unique"),
        (field.index.then(|| field.ident.span()), "index"),
        (field.password, "password"),
        (field.login, "login"),
        (field.nested, "nested"),
        (field.link, "link"),
        (field.embed, "embed"),
        (field.read_only, "read_only"),
        (field.active, "active"),
        (field.scopes, "scopes"),
    ];
    for (span, option) in stored {
        if let Some(span) = span {
            errors.push(error(
                span,
                format!("a `{what}` field is computed when read, never stored: drop `{option}`"),
            ));
        }
    }
    if let Some(references) = field.references {
        errors.push(
            darling::Error::custom(format!(
                "a `{what}` field is computed: it cannot reference a row"
            ))
            .with_span(references),
        );
    }
    if !field.rules.is_empty() {
        errors.push(error(
            field.ident.span(),
            format!("a `{what}` field is never read from a body: it takes no `#[validate]` rules"),
        ));
    }
}

// Options that contradict each other, or leave a NOT NULL column without a value on insert.
fn options(field: &Field<'_>, errors: &mut Accumulator) {
    let kind = if field.password.is_some() {
        "`password`"
    } else {
        "`write_only`"
    };
    if let (Some(read_only), Some(_)) = (field.read_only, field.write_only.or(field.password)) {
        errors.push(error(
            read_only,
            format!("a {kind} field is write-only: it cannot be `read_only`"),
        ));
    }
    if let (Some(write_only), Some(_)) = (field.write_only.or(field.password), field.skip_create) {
        errors.push(error(
            write_only,
            format!("a {kind} field skipped in create could never be set"),
        ));
    }
    if field.role == Role::Data && !field.in_create() && !field.filled_on_insert() {
        let span = field
            .read_only
            .or(field.skip_create)
            .unwrap_or_else(|| field.ident.span());
        errors.push(error(
            span,
            format!("`{}` is not accepted in create, so it needs a `default = ...` or an `Option<_>` type", field.name),
        ));
    }
}

// Rules check input, so they must fit the field's type and the field must be input.
fn rules(field: &Field<'_>, errors: &mut Accumulator) {
    for rule in &field.rules {
        if !field.in_create() && !field.in_update() {
            errors.push(error(
                rule.span,
                format!(
                    "`{}` is never read from a request body; validation rules do not apply",
                    field.name
                ),
            ));
            continue;
        }
        self::rule(rule, Some(field.kind), &field.name, errors);
    }
}

/// One rule against the kind of value it checks (`None`: a type the derive does not know,
/// left to the compiler): it must fit the type, and its bounds must make sense.
pub(crate) fn rule(rule: &Rule, kind: Option<Kind>, name: &str, errors: &mut Accumulator) {
    {
        let fits = match (&rule.kind, kind) {
            (_, None) | (RuleKind::Custom(_), _) => true,
            (RuleKind::Length { .. }, Some(kind)) => matches!(kind, Kind::String | Kind::List),
            (RuleKind::Range(_), Some(kind)) => kind.is_number(),
            (RuleKind::Email | RuleKind::Url | RuleKind::Pattern(_), Some(kind)) => {
                kind == Kind::String
            }
        };
        if !fits {
            let (rule_name, types) = match &rule.kind {
                RuleKind::Length { .. } => ("length", "String or Vec fields"),
                RuleKind::Range(_) => ("range", "i32, i64 or f64 fields"),
                RuleKind::Email => ("email", "String fields"),
                RuleKind::Url => ("url", "String fields"),
                _ => ("pattern", "String fields"),
            };
            errors.push(error(
                rule.span,
                format!("`{rule_name}` applies to {types}, not to `{name}`"),
            ));
            return;
        }
        match &rule.kind {
            RuleKind::Length {
                min: None,
                max: None,
            } => {
                errors.push(error(rule.span, "`length` needs `min`, `max` or both"));
            }
            RuleKind::Length {
                min: Some(min),
                max: Some(max),
            } if min > max => {
                errors.push(error(
                    rule.span,
                    format!("`length` has min ({min}) greater than max ({max})"),
                ));
            }
            RuleKind::Range(range) => {
                let crate::attr::RangeArgs { gt, ge, lt, le } = &**range;
                let bounds = [gt, ge, lt, le];
                if bounds.iter().all(|bound| bound.is_none()) {
                    errors.push(error(
                        rule.span,
                        "`range` needs at least one of `gt`, `ge`, `lt`, `le`",
                    ));
                }
                if kind.is_some_and(|kind| kind != Kind::F64) {
                    for bound in bounds.into_iter().flatten().filter(|bound| bound.is_float) {
                        errors.push(
                            darling::Error::custom(format!(
                                "`{name}` is an integer field; use an integer bound"
                            ))
                            .with_span(&bound.expr),
                        );
                    }
                }
                let low = gt.as_ref().or(ge.as_ref()).map(|n| n.value);
                let high = lt.as_ref().or(le.as_ref()).map(|n| n.value);
                if let (Some(low), Some(high)) = (low, high)
                    && low > high
                {
                    errors.push(error(
                        rule.span,
                        "`range` lower bound is above its upper bound",
                    ));
                }
            }
            _ => {}
        }
    }
}

impl Field<'_> {
    fn ty_span(&self) -> Span {
        syn::spanned::Spanned::span(self.ty)
    }

    fn role_span(&self, role: Role) -> Span {
        self.role_spans
            .iter()
            .find(|(r, _)| *r == role)
            .map_or_else(|| self.ident.span(), |(_, span)| *span)
    }
}

#[cfg(test)]
mod tests {
    use darling::FromDeriveInput;
    use syn::parse_quote;

    use super::*;

    fn errors_of(input: syn::DeriveInput) -> Vec<String> {
        let mut errors = darling::Error::accumulator();
        if let Some(attrs) = errors.handle(ContainerAttrs::from_derive_input(&input)) {
            container(&attrs, &mut errors);
            if let Some(model) = Resource::from_attrs(&attrs, &mut errors) {
                resource(&model, &mut errors);
            }
        }
        match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn a_valid_resource_has_no_errors() {
        let errors = errors_of(parse_quote! {
            #[resource(table = "items")]
            struct Item {
                #[resource(id)] id: i64,
                #[validate(length(min = 1))] name: String,
                #[validate(range(gt = 0))] price: f64,
                #[resource(read_only, default = 0)] views: i64,
            }
        });
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn all_problems_are_reported_together() {
        let errors = errors_of(parse_quote! {
            struct Item {
                #[validate(email)] n: i64,
                #[resource(read_only, write_only)] secret: Option<String>,
                #[validate(range(ge = 0.5))] count: i32,
            }
        });
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.contains("needs one `#[resource(id)]`"))
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("`email` applies to String fields"))
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("is write-only: it cannot be `read_only`"))
        );
        assert!(errors.iter().any(|e| e.contains("integer field")));
    }
}
