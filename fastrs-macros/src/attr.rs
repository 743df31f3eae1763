//! The attributes as the user wrote them, parsed by darling (unknown keys, duplicates and
//! wrong value types are reported here, at their tokens, with "did you mean" hints).

use darling::util::{Flag, SpannedValue};
use darling::{FromDeriveInput, FromField, FromMeta};
use syn::{Attribute, Expr, ExprLit, ExprUnary, Generics, Ident, Lit, Type, UnOp, Visibility};

/// `#[resource(...)]` on the struct.
#[derive(FromDeriveInput)]
#[darling(attributes(resource), forward_attrs(doc), supports(struct_named))]
pub(crate) struct ContainerAttrs {
    pub(crate) ident: Ident,
    pub(crate) vis: Visibility,
    pub(crate) generics: Generics,
    pub(crate) data: darling::ast::Data<(), FieldAttrs>,
    pub(crate) attrs: Vec<Attribute>,
    /// The table (default: the snake-case name plus `s`).
    pub(crate) table: Option<SpannedValue<String>>,
    /// The collection route (default: `/` + table).
    pub(crate) path: Option<SpannedValue<String>>,
    /// The OpenAPI tag (default: the table).
    pub(crate) tag: Option<String>,
    /// Default `limit` of the list route.
    pub(crate) page_size: Option<SpannedValue<u32>>,
    /// Largest `limit` of the list route.
    pub(crate) max_page_size: Option<SpannedValue<u32>>,
    /// Model validator of the create body: `fn(&NameCreate) -> Result<(), Violation>`.
    pub(crate) validate: Option<syn::Path>,
    /// Model validator of the update body: `fn(&NameUpdate) -> Result<(), Violation>`.
    pub(crate) validate_update: Option<syn::Path>,
    /// The model users authenticate as.
    pub(crate) user: darling::util::Flag,
    /// Which routes need an authenticated caller.
    pub(crate) auth: Option<SpannedValue<AuthArgs>>,
    /// The field that holds the creating user's id.
    pub(crate) owner: Option<Ident>,
    /// Reads see only the caller's rows.
    pub(crate) owner_reads: darling::util::Flag,
    /// Deleting marks rows instead of removing them.
    pub(crate) soft_delete: Flag,
    /// Creates, updates and deletes run the model's `Hooks`.
    pub(crate) hooks: Flag,
    /// The list answers keyset pages.
    pub(crate) cursor: Flag,
    /// Which routes to generate (default: all five).
    pub(crate) operations: Option<OperationArgs>,
    /// `unique(a, b)`: fields unique together (repeatable).
    #[darling(multiple)]
    pub(crate) unique: Vec<darling::util::PathList>,
    /// `index(a, b)`: an index over fields together (repeatable).
    #[darling(multiple)]
    pub(crate) index: Vec<darling::util::PathList>,
    /// `rename_all = "camelCase"`: the fields' JSON names (columns keep the Rust names).
    pub(crate) rename_all: Option<SpannedValue<String>>,
}

/// `operations(list, create, read, update, delete)`.
#[derive(FromMeta, Default)]
pub(crate) struct OperationArgs {
    pub(crate) list: Flag,
    pub(crate) create: Flag,
    pub(crate) read: Flag,
    pub(crate) update: Flag,
    pub(crate) delete: Flag,
    pub(crate) restore: Flag,
}

/// `auth(create, read, update, delete, all, scope = "...")`.
#[derive(FromMeta, Default)]
pub(crate) struct AuthArgs {
    pub(crate) create: Flag,
    pub(crate) read: Flag,
    pub(crate) update: Flag,
    pub(crate) delete: Flag,
    pub(crate) all: Flag,
    pub(crate) scope: Option<String>,
}

/// `#[resource(...)]` on a field; `#[validate(...)]` comes through `attrs`.
#[derive(FromField)]
#[darling(attributes(resource), forward_attrs(doc, validate))]
pub(crate) struct FieldAttrs {
    pub(crate) ident: Option<Ident>,
    pub(crate) ty: Type,
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) id: Flag,
    pub(crate) read_only: Flag,
    pub(crate) write_only: Flag,
    pub(crate) skip_create: Flag,
    pub(crate) skip_update: Flag,
    pub(crate) default: Option<DefaultExpr>,
    pub(crate) unique: Flag,
    pub(crate) index: Flag,
    pub(crate) column: Option<SpannedValue<String>>,
    pub(crate) created_at: Flag,
    pub(crate) updated_at: Flag,
    pub(crate) password: Flag,
    pub(crate) login: Flag,
    pub(crate) active: Flag,
    pub(crate) scopes: Flag,
    /// The list can be filtered on it.
    pub(crate) filter: Flag,
    /// The list can be sorted by it.
    pub(crate) sort: Flag,
    /// `references = Post`: a foreign key to that resource's id.
    pub(crate) references: Option<syn::Path>,
    /// `on_delete = "cascade" | "restrict" | "set_null"` (with `references`).
    pub(crate) on_delete: Option<SpannedValue<String>>,
    /// `nested`: list and create under the referenced row (`/posts/{id}/comments`).
    pub(crate) nested: Flag,
    /// `link`: the caller (the owner) links to and unlinks from the referenced row
    /// (`PUT/DELETE /articles/{id}/favorites`).
    pub(crate) link: Flag,
    /// `embed`: every read embeds the referenced row by default (`?include=` chooses
    /// otherwise).
    pub(crate) embed: Flag,
    /// `count = Comment`: computed, the number of that resource's rows referencing this one.
    pub(crate) count: Option<syn::Path>,
    /// `flag = Favorite`: computed, whether the caller owns a row of that resource referencing
    /// this one.
    pub(crate) flag: Option<syn::Path>,
}

/// `default = <any expression>`; a string literal stays a string (darling would parse it as
/// code).
pub(crate) struct DefaultExpr(pub(crate) Expr);

impl FromMeta for DefaultExpr {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        Ok(DefaultExpr(expr.clone()))
    }
}

/// `#[validate(...)]`.
#[derive(FromMeta, Default)]
pub(crate) struct ValidateAttrs {
    pub(crate) length: Option<SpannedValue<LengthArgs>>,
    pub(crate) range: Option<SpannedValue<RangeArgs>>,
    pub(crate) email: Flag,
    pub(crate) url: Flag,
    pub(crate) pattern: Option<SpannedValue<String>>,
    pub(crate) custom: Option<syn::Path>,
}

/// `length(min = .., max = ..)`.
#[derive(FromMeta)]
pub(crate) struct LengthArgs {
    pub(crate) min: Option<usize>,
    pub(crate) max: Option<usize>,
}

/// `range(gt = .., ge = .., lt = .., le = ..)`.
#[derive(FromMeta)]
pub(crate) struct RangeArgs {
    pub(crate) gt: Option<Number>,
    pub(crate) ge: Option<Number>,
    pub(crate) lt: Option<Number>,
    pub(crate) le: Option<Number>,
}

/// A numeric literal, possibly negative.
#[derive(Clone)]
pub(crate) struct Number {
    pub(crate) expr: Expr,
    pub(crate) is_float: bool,
    pub(crate) value: f64,
}

impl FromMeta for Number {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        let (lit, negative) = match expr {
            Expr::Lit(ExprLit { lit, .. }) => (lit, false),
            Expr::Unary(ExprUnary {
                op: UnOp::Neg(_),
                expr: inner,
                ..
            }) => match &**inner {
                Expr::Lit(ExprLit { lit, .. }) => (lit, true),
                _ => return Err(darling::Error::custom("expected a number").with_span(expr)),
            },
            Expr::Group(group) => return Self::from_expr(&group.expr),
            _ => return Err(darling::Error::custom("expected a number").with_span(expr)),
        };
        let (is_float, value) = match lit {
            Lit::Int(int) => (false, int.base10_parse::<f64>()?),
            Lit::Float(float) => (true, float.base10_parse::<f64>()?),
            _ => return Err(darling::Error::custom("expected a number").with_span(expr)),
        };
        Ok(Number {
            expr: expr.clone(),
            is_float,
            value: if negative { -value } else { value },
        })
    }
}
