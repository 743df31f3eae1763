//! The resource model the generators read: every name resolved, every flag decided, spans kept
//! for errors. Built from the parsed attributes; field-local problems are reported here, rules
//! that involve several fields in `check.rs`.

use darling::FromMeta;
use darling::util::SpannedValue;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Ident, Lit, Type, Visibility};

use crate::attr::{ContainerAttrs, FieldAttrs, RangeArgs, ValidateAttrs};
pub(crate) use crate::types::{Kind, classify, last_segment, single_arg, snake_case};

/// The whole resource.
pub(crate) struct Resource<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) doc: Option<String>,
    pub(crate) table: String,
    pub(crate) path: String,
    pub(crate) tag: String,
    pub(crate) page: Option<(u32, u32)>,
    pub(crate) validate: Option<&'a syn::Path>,
    pub(crate) validate_update: Option<&'a syn::Path>,
    pub(crate) fields: Vec<Field<'a>>,
    /// `#[resource(user)]`.
    pub(crate) user: Option<Span>,
    pub(crate) auth: AuthRules,
    /// `owner = field`, as written.
    pub(crate) owner: Option<&'a Ident>,
    pub(crate) owner_reads: Option<Span>,
    /// The generated operations, as `fastrs::resource::Operations` bits.
    pub(crate) operations: u8,
    /// `soft_delete`.
    pub(crate) soft_delete: bool,
    /// `hooks`: the user implements `Hooks`.
    pub(crate) hooks: bool,
    /// `cursor`: keyset pages.
    pub(crate) cursor: bool,
    /// `unique(a, b)` and `index(a, b)`: each a list of columns.
    pub(crate) unique_together: Vec<Vec<String>>,
    pub(crate) indexes: Vec<Vec<String>>,
}

/// Which routes need a caller.
#[derive(Default)]
pub(crate) struct AuthRules {
    pub(crate) create: bool,
    pub(crate) read: bool,
    pub(crate) update: bool,
    pub(crate) delete: bool,
    pub(crate) scope: Option<String>,
    pub(crate) span: Option<Span>,
}

/// The part a field plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Id,
    Data,
    CreatedAt,
    UpdatedAt,
    Owner,
    /// `count = Comment` / `flag = Favorite`: computed when read, never stored.
    Computed,
}

/// Where the inserted value comes from (mirrors `fastrs::resource::InsertFrom`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Insert {
    Body,
    Default,
    Auto,
    Database,
}

/// One validation rule, with the span of its attribute.
pub(crate) struct Rule {
    pub(crate) kind: RuleKind,
    pub(crate) span: Span,
}

pub(crate) enum RuleKind {
    Length {
        min: Option<usize>,
        max: Option<usize>,
    },
    Range(Box<RangeArgs>),
    Email,
    Url,
    Pattern(String),
    Custom(syn::Path),
}

/// One field.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) name: String,
    pub(crate) column: String,
    pub(crate) column_span: Span,
    pub(crate) ty: &'a Type,
    /// The field's attributes as written (`#[validate]` is copied to the body models).
    pub(crate) attrs: &'a [syn::Attribute],
    /// `T` of `Option<T>`, else the type itself.
    pub(crate) inner: &'a Type,
    pub(crate) kind: Kind,
    pub(crate) nullable: bool,
    pub(crate) role: Role,
    pub(crate) read_only: Option<Span>,
    pub(crate) write_only: Option<Span>,
    pub(crate) skip_create: Option<Span>,
    pub(crate) skip_update: Option<Span>,
    pub(crate) unique: bool,
    pub(crate) index: bool,
    pub(crate) default: Option<&'a Expr>,
    pub(crate) doc: Option<String>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) role_spans: Vec<(Role, Span)>,
    pub(crate) password: Option<Span>,
    pub(crate) login: Option<Span>,
    pub(crate) active: Option<Span>,
    pub(crate) scopes: Option<Span>,
    /// `filter` / `sort`, with their spans.
    pub(crate) filter: Option<Span>,
    pub(crate) sort: Option<Span>,
    /// `references = Post`.
    pub(crate) references: Option<&'a syn::Path>,
    /// `on_delete = "..."`, as written, with its span.
    pub(crate) on_delete: Option<(String, Span)>,
    /// `nested`, with its span.
    pub(crate) nested: Option<Span>,
    /// `link`, with its span.
    pub(crate) link: Option<Span>,
    /// `embed`, with its span.
    pub(crate) embed: Option<Span>,
    /// `count = Comment`: the resource whose referencing rows are counted.
    pub(crate) count: Option<&'a syn::Path>,
    /// `flag = Favorite`: the resource in which the caller's referencing row is looked for.
    pub(crate) flag: Option<&'a syn::Path>,
}

impl Field<'_> {
    /// Set by the framework or the database, never by a body.
    fn server_set(&self) -> bool {
        self.read_only.is_some() || self.active.is_some() || self.scopes.is_some()
    }

    pub(crate) fn in_create(&self) -> bool {
        self.role == Role::Data && !self.server_set() && self.skip_create.is_none()
    }

    pub(crate) fn in_update(&self) -> bool {
        self.role == Role::Data
            && !self.server_set()
            && self.skip_update.is_none()
            && self.password.is_none()
    }

    /// A server-set field the create value carries (not read from requests) so that hooks can
    /// compute it: one with a `default`.
    pub(crate) fn hidden_in_create(&self) -> bool {
        !self.in_create() && self.insert() == Insert::Default
    }

    /// Bound by the update statement: body fields, and every other data field but the
    /// password, which the update value carries hidden for hooks and the data API.
    pub(crate) fn settable(&self) -> bool {
        self.role == Role::Data && self.password.is_none()
    }

    /// Never answered, never echoed.
    pub(crate) fn write_only(&self) -> bool {
        self.write_only.is_some() || self.password.is_some()
    }

    pub(crate) fn in_response(&self) -> bool {
        !self.write_only()
    }

    /// Has a value on insert even when no body gives one.
    pub(crate) fn filled_on_insert(&self) -> bool {
        self.nullable || self.default.is_some() || self.active.is_some() || self.scopes.is_some()
    }

    pub(crate) fn insert(&self) -> Insert {
        match (self.role, self.kind) {
            (Role::Id, Kind::Uuid) => Insert::Auto,
            (Role::Id, _) => Insert::Database,
            (Role::CreatedAt | Role::UpdatedAt | Role::Owner, _) => Insert::Auto,
            (Role::Computed, _) => Insert::Database,
            (Role::Data, _) if self.in_create() => Insert::Body,
            (Role::Data, _) if self.default.is_some() => Insert::Default,
            (Role::Data, _) => Insert::Database,
        }
    }

    /// The SQL literal of a literal `default`, for the DDL.
    pub(crate) fn default_sql(&self) -> Option<String> {
        let Some(default) = self.default else {
            return match (self.active, self.scopes) {
                (Some(_), _) => Some("TRUE".to_owned()),
                (_, Some(_)) => Some("'[]'".to_owned()),
                _ => None,
            };
        };
        let (lit, negative) = match default {
            Expr::Lit(lit) => (&lit.lit, false),
            Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Neg(_)) => match &*unary.expr {
                Expr::Lit(lit) => (&lit.lit, true),
                _ => return None,
            },
            _ => return None,
        };
        let sign = if negative { "-" } else { "" };
        match lit {
            Lit::Int(int) => Some(format!("{sign}{}", int.base10_digits())),
            Lit::Float(float) => Some(format!("{sign}{}", float.base10_digits())),
            Lit::Bool(b) if !negative => Some(if b.value { "TRUE" } else { "FALSE" }.to_owned()),
            Lit::Str(s) if !negative && self.kind == Kind::String => {
                Some(format!("'{}'", s.value().replace('\'', "''")))
            }
            _ => None,
        }
    }
}

pub(crate) fn doc_of(attrs: &[syn::Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').map(str::to_owned).unwrap_or(line))
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

pub(crate) fn rules_of(
    attrs: &[syn::Attribute],
    errors: &mut darling::error::Accumulator,
) -> Vec<Rule> {
    let mut rules = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("validate")) {
        let Some(parsed) = errors.handle(ValidateAttrs::from_meta(&attr.meta)) else {
            continue;
        };
        if let Some(length) = parsed.length {
            let span = length.span();
            let args = length.into_inner();
            rules.push(Rule {
                kind: RuleKind::Length {
                    min: args.min,
                    max: args.max,
                },
                span,
            });
        }
        if let Some(range) = parsed.range {
            let span = range.span();
            let args = range.into_inner();
            rules.push(Rule {
                kind: RuleKind::Range(Box::new(args)),
                span,
            });
        }
        if parsed.email.is_present() {
            rules.push(Rule {
                kind: RuleKind::Email,
                span: parsed.email.span(),
            });
        }
        if parsed.url.is_present() {
            rules.push(Rule {
                kind: RuleKind::Url,
                span: parsed.url.span(),
            });
        }
        if let Some(pattern) = parsed.pattern {
            let span = pattern.span();
            if let Err(error) = regex_syntax::Parser::new().parse(&pattern) {
                errors.push(
                    darling::Error::custom(format!("`pattern` is not a valid regex: {error}"))
                        .with_span(&span),
                );
            }
            rules.push(Rule {
                kind: RuleKind::Pattern(pattern.into_inner()),
                span,
            });
        }
        if let Some(custom) = parsed.custom {
            let span = custom.span();
            rules.push(Rule {
                kind: RuleKind::Custom(custom),
                span,
            });
        }
        if matches!(&attr.meta, syn::Meta::Path(_)) {
            errors
                .push(darling::Error::custom("expected `#[validate(rule, ...)]`").with_span(attr));
        }
    }
    rules
}

fn field<'a>(attrs: &'a FieldAttrs, errors: &mut darling::error::Accumulator) -> Option<Field<'a>> {
    let ident = attrs.ident.as_ref()?;
    let rules = rules_of(&attrs.attrs, errors);
    let Some((kind, inner, nullable)) = classify(&attrs.ty) else {
        errors.push(
            darling::Error::custom(
                "unsupported field type: use i32, i64, f64, bool, String, Uuid, DateTime<Utc>, serde_json::Value, a `#[derive(Model)]` enum, Vec<T>, or Option<T> of those",
            )
            .with_span(&attrs.ty),
        );
        return None;
    };
    let mut role_spans = Vec::new();
    for (flag, role) in [
        (&attrs.id, Role::Id),
        (&attrs.created_at, Role::CreatedAt),
        (&attrs.updated_at, Role::UpdatedAt),
    ] {
        if flag.is_present() {
            role_spans.push((role, flag.span()));
        }
    }
    for computed in [&attrs.count, &attrs.flag].into_iter().flatten() {
        role_spans.push((Role::Computed, computed.span()));
    }
    let role = role_spans.first().map_or(Role::Data, |(role, _)| *role);
    let name = ident.to_string().trim_start_matches("r#").to_owned();
    let (column, column_span) = match &attrs.column {
        Some(column) => (column.as_str().to_owned(), column.span()),
        None => (name.clone(), ident.span()),
    };
    let span_of = |flag: &darling::util::Flag| flag.is_present().then(|| flag.span());
    Some(Field {
        ident,
        name,
        column,
        column_span,
        ty: &attrs.ty,
        attrs: &attrs.attrs,
        inner,
        kind,
        nullable,
        role,
        read_only: span_of(&attrs.read_only),
        write_only: span_of(&attrs.write_only),
        skip_create: span_of(&attrs.skip_create),
        skip_update: span_of(&attrs.skip_update),
        unique: attrs.unique.is_present(),
        index: attrs.index.is_present(),
        default: attrs.default.as_ref().map(|default| &default.0),
        doc: doc_of(&attrs.attrs),
        rules,
        role_spans,
        password: span_of(&attrs.password),
        login: span_of(&attrs.login),
        active: span_of(&attrs.active),
        scopes: span_of(&attrs.scopes),
        filter: span_of(&attrs.filter),
        sort: span_of(&attrs.sort),
        references: attrs.references.as_ref(),
        nested: attrs.nested.is_present().then(|| attrs.nested.span()),
        link: attrs.link.is_present().then(|| attrs.link.span()),
        embed: attrs.embed.is_present().then(|| attrs.embed.span()),
        count: attrs.count.as_ref(),
        flag: attrs.flag.as_ref(),
        on_delete: attrs
            .on_delete
            .as_ref()
            .map(|value| (value.as_str().to_owned(), value.span())),
    })
}

fn spanned_string(value: &Option<SpannedValue<String>>) -> Option<(String, Span)> {
    value
        .as_ref()
        .map(|value| (value.as_str().to_owned(), value.span()))
}

impl<'a> Resource<'a> {
    /// Builds the model; `None` if a field could not be read (the errors say why).
    pub(crate) fn from_attrs(
        attrs: &'a ContainerAttrs,
        errors: &mut darling::error::Accumulator,
    ) -> Option<Self> {
        let darling::ast::Data::Struct(fields) = &attrs.data else {
            return None;
        };
        let mut parsed: Vec<Option<Field<'a>>> = fields.iter().map(|f| field(f, errors)).collect();
        if let Some(owner) = &attrs.owner {
            match parsed.iter_mut().flatten().find(|f| f.ident == owner) {
                Some(field) => {
                    field.role_spans.push((Role::Owner, owner.span()));
                    if field.role == Role::Data {
                        field.role = Role::Owner;
                    }
                }
                None => errors.push(
                    darling::Error::custom(format!(
                        "`owner` names no field: there is no `{owner}`"
                    ))
                    .with_span(owner),
                ),
            }
        }
        let auth = attrs.auth.as_ref().map_or_else(AuthRules::default, |args| {
            let all = args.all.is_present();
            let none = !(args.create.is_present()
                || args.read.is_present()
                || args.update.is_present()
                || args.delete.is_present());
            // `auth(scope = "admin")` alone guards every route.
            let every = all || none;
            AuthRules {
                create: every || args.create.is_present(),
                read: every || args.read.is_present(),
                update: every || args.update.is_present(),
                delete: every || args.delete.is_present(),
                scope: args.scope.clone(),
                span: Some(args.span()),
            }
        });
        let table = spanned_string(&attrs.table)
            .map(|(t, _)| t)
            .unwrap_or_else(|| format!("{}s", snake_case(&attrs.ident.to_string())));
        let path = spanned_string(&attrs.path)
            .map(|(p, _)| p)
            .unwrap_or_else(|| format!("/{table}"));
        let page = match (&attrs.page_size, &attrs.max_page_size) {
            (None, None) => None,
            (size, max) => Some((
                size.as_ref().map_or(20, |s| **s),
                max.as_ref().map_or(100, |m| **m),
            )),
        };
        let mut fields: Vec<Field<'a>> = parsed.into_iter().collect::<Option<Vec<_>>>()?;
        if let Some(rename_all) = &attrs.rename_all {
            if rename_all.as_str() == "camelCase" {
                for field in &mut fields {
                    field.name = crate::types::camel_case(&field.name);
                }
            } else {
                errors.push(
                    darling::Error::custom(
                        "`rename_all` is \"camelCase\" (JSON names; the columns keep the field names)",
                    )
                    .with_span(&rename_all.span()),
                );
            }
        }
        let mut column_sets = |lists: &[darling::util::PathList], what: &str| -> Vec<Vec<String>> {
            lists
                .iter()
                .map(|list| {
                    if list.len() < 2 {
                        errors.push(
                            darling::Error::custom(format!(
                                "`{what}(...)` on the struct names two fields or more (one field: `#[resource({what})]` on it)"
                            ))
                            .with_span(&list.first().map_or(Span::call_site(), |p| p.span())),
                        );
                    }
                    let found: Vec<&Field<'_>> = list.iter()
                        .filter_map(|path| {
                            let found = fields.iter().find(|f| path.is_ident(f.ident));
                            if found.is_none() {
                                errors.push(
                                    darling::Error::custom(format!("`{what}` names no field: there is no `{}`", quote::ToTokens::to_token_stream(path)))
                                        .with_span(path),
                                );
                            }
                            found
                        })
                        .collect();
                    // A unique key of any length is MariaDB's `USING HASH`; an index is not.
                    if let (Err(message), "index") = (index_fits(&found), what) {
                        errors.push(
                            darling::Error::custom(format!("`{what}(...)`: {message}"))
                                .with_span(&list.first().map_or(Span::call_site(), |p| p.span())),
                        );
                    }
                    found.iter().map(|f| f.column.clone()).collect()
                })
                .collect()
        };
        let mut unique_together = column_sets(&attrs.unique, "unique");
        // A link exists once: (owner or nested row, linked row) is unique.
        let from = fields
            .iter()
            .find(|f| f.role == Role::Owner)
            .or_else(|| fields.iter().find(|f| f.nested.is_some()));
        for linked in fields.iter().filter(|f| f.link.is_some()) {
            if let Some(from) = from {
                let pair = vec![from.column.clone(), linked.column.clone()];
                if !unique_together.contains(&pair) {
                    unique_together.push(pair);
                }
            }
        }
        let indexes = column_sets(&attrs.index, "index");
        Some(Resource {
            unique_together,
            indexes,
            ident: &attrs.ident,
            vis: &attrs.vis,
            doc: doc_of(&attrs.attrs),
            tag: attrs.tag.clone().unwrap_or_else(|| table.clone()),
            table,
            path,
            page,
            validate: attrs.validate.as_ref(),
            validate_update: attrs.validate_update.as_ref(),
            fields,
            user: attrs.user.is_present().then(|| attrs.user.span()),
            auth,
            owner: attrs.owner.as_ref(),
            soft_delete: attrs.soft_delete.is_present(),
            hooks: attrs.hooks.is_present(),
            cursor: attrs.cursor.is_present(),
            // The nested routes (bits 6 and 7) follow `list` and `create`.
            operations: attrs.operations.as_ref().map_or(255, |ops| {
                [
                    &ops.list,
                    &ops.create,
                    &ops.read,
                    &ops.update,
                    &ops.delete,
                    &ops.restore,
                ]
                .iter()
                .enumerate()
                .filter(|(_, flag)| flag.is_present())
                .fold(0, |bits, (i, _)| bits | (1 << i))
                    | if ops.list.is_present() { 64 } else { 0 }
                    | if ops.create.is_present() { 128 } else { 0 }
            }),
            owner_reads: attrs
                .owner_reads
                .is_present()
                .then(|| attrs.owner_reads.span()),
        })
    }

    pub(crate) fn id(&self) -> Option<&Field<'a>> {
        self.fields.iter().find(|field| field.role == Role::Id)
    }
}

/// InnoDB's longest index, in bytes: MariaDB refuses an index past it. (A unique constraint
/// past it is fine: MariaDB keeps it as a hash.)
const MAX_INDEX_BYTES: usize = 3072;

/// Whether an index over `fields` fits every backend: MariaDB stores keyed text as
/// `VARCHAR(255)` in `utf8mb4` (1,020 bytes in an index), so at most three text columns, and
/// indexes 768 bytes of JSON.
pub(crate) fn index_fits(fields: &[&Field<'_>]) -> Result<(), String> {
    let bytes: usize = fields
        .iter()
        .map(|f| match f.kind {
            Kind::String | Kind::Enum => 1020,
            Kind::Json | Kind::List => 768,
            Kind::I32 => 4,
            Kind::Bool => 1,
            Kind::Uuid => 16,
            Kind::I64 | Kind::F64 | Kind::DateTime => 8,
        })
        .sum();
    if bytes > MAX_INDEX_BYTES {
        return Err(format!(
            "an index over these columns takes {bytes} bytes on MariaDB (each text column \
             1020), past InnoDB's {MAX_INDEX_BYTES}: at most three text columns in one index"
        ));
    }
    Ok(())
}
