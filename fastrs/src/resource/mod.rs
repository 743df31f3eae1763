//! The contract between `#[derive(Resource)]` and the runtime: the [`Resource`] trait and the
//! static [`ResourceMeta`] that describes a table, its columns and its routes.
//!
//! The derive computes every name and flag once, at compile time, and hands them over as
//! [`Resource::meta`]; everything that acts on them (SQL, DDL, routes, validation, OpenAPI) is ordinary
//! runtime code generic over `R: Resource`.

mod cursor;
mod ddl;
mod embed;
pub mod filter;
mod sql;

pub use cursor::CursorKey;
pub(crate) use ddl::finish as finish_table;
pub use ddl::{TableLinks, create_table, table};
pub use embed::{Embed, embeddable, relation_name};
pub(crate) use sql::{DELETED_AT, expression, quote, referencing_column, select_list, sql};
pub use sql::{OwnedStatements, RowStatements, Statements};

use serde::Serialize;

use crate::ApiError;
use crate::db::{Args, ColumnType, FromRow};
use crate::extract::PathId;
use crate::openapi::{RefOr, Registry};
use crate::validate::{Describe, Input};
use utoipa::openapi::schema::Schema;

/// A resource: a model struct with `#[derive(Resource)]`. Do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a fastrs resource",
    note = "add `#[derive(Resource)]` to the struct"
)]
pub trait Resource: FromRow + Send + Sync + 'static {
    /// The id's type (`i64`, `i32` or `uuid::Uuid`).
    type Id: ColumnType + PathId + Serialize + std::fmt::Display + Clone;
    /// The body of `POST`.
    type Create: Input + BindInsert;
    /// The body of `PATCH`.
    type Update: Input + BindUpdate;
    /// What every route answers.
    type Response: FromRow + Serialize + From<Self> + Send + 'static;
    /// Names, columns and options. (A function rather than a constant: the metadata points at
    /// rule statics, which a constant may not.)
    fn meta() -> &'static ResourceMeta;
    /// The id of a response (for the `Location` header).
    fn response_id(response: &Self::Response) -> &Self::Id;
    /// The model's id.
    fn id(&self) -> &Self::Id;
    /// The resource's SQL, built on first use and kept for the life of the program.
    fn statements() -> &'static Statements;
}

/// A create body binds its values in the order of [`ResourceMeta::columns`] whose
/// [`ColumnMeta::insert`] is [`InsertFrom::Body`] or [`InsertFrom::Default`].
pub trait BindInsert {
    /// Binds the values.
    fn bind_insert(self, args: &mut Args);

    /// The `#[resource(password)]` field, which the runtime replaces with its hash before
    /// binding.
    fn password_mut(&mut self) -> Option<&mut String> {
        None
    }
}

/// An update body binds one [`Patch`](crate::Patch) pair per updatable column, in order
/// (see [`Args::add_patch`]).
pub trait BindUpdate {
    /// Binds the values.
    fn bind_update(self, args: &mut Args);
}

/// Static description of a resource.
#[derive(Debug)]
pub struct ResourceMeta {
    /// The struct's name, e.g. `Item`.
    pub name: &'static str,
    /// The table.
    pub table: &'static str,
    /// The collection route, e.g. `/items`.
    pub path: &'static str,
    /// The OpenAPI tag.
    pub tag: &'static str,
    /// The struct's doc comment.
    pub doc: Option<&'static str>,
    /// The columns, in field order.
    pub columns: &'static [ColumnMeta],
    /// Page-size bounds of the list route (`None`: the app's).
    pub page: Option<PageBounds>,
    /// Which routes need an authenticated caller.
    pub auth: AuthRules,
    /// Reads (list, get) see only the caller's rows (needs an owner column).
    pub owner_reads: bool,
    /// Deleting marks the row (`deleted_at`) instead of removing it; reads hide it and
    /// `POST {path}/{id}/restore` brings it back (`#[resource(soft_delete)]`).
    pub soft_delete: bool,
    /// Column sets unique together (`#[resource(unique(a, b))]`).
    pub unique_together: &'static [&'static [&'static str]],
    /// Column sets with an index of their own (`#[resource(index(a, b))]`).
    pub indexes: &'static [&'static [&'static str]],
    /// The operations it gets routes for (`#[resource(operations(...))]`; default all).
    pub operations: Operations,
    /// The `{Name}Create` body's schema (a model's: the rules that validate it describe it).
    pub create_schema: fn(&mut Registry) -> RefOr<Schema>,
    /// The `{Name}Update` body's schema.
    pub update_schema: fn(&mut Registry) -> RefOr<Schema>,
    /// The list answers keyset pages (`?cursor=`, `next_cursor`, the total on request) instead
    /// of offset pages (`#[resource(cursor)]`).
    pub cursor: bool,
    /// Creates, updates and deletes run the model's [`Hooks`](crate::hooks::Hooks) in a
    /// transaction (`#[resource(hooks)]`); without, each is one statement.
    pub hooks: bool,
}

/// Which CRUD routes of a resource need an authenticated caller (`#[resource(auth(...))]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthRules {
    /// `POST`.
    pub create: bool,
    /// `GET` (list and item).
    pub read: bool,
    /// `PATCH`.
    pub update: bool,
    /// `DELETE`.
    pub delete: bool,
    /// A scope every authenticated route also needs.
    pub scope: Option<&'static str>,
}

impl AuthRules {
    /// True when any route needs a caller.
    pub fn any(&self) -> bool {
        self.create || self.read || self.update || self.delete
    }
}

/// A set of a resource's generated operations: which routes it gets. A hand-written route at
/// the same method and path replaces the generated one.
///
/// ```
/// use fastrs::resource::Operations;
///
/// let reads = Operations::LIST.with(Operations::READ);
/// assert!(reads.contains(Operations::READ));
/// assert!(!reads.contains(Operations::DELETE));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operations(u8);

impl Operations {
    /// `GET /things`.
    pub const LIST: Self = Self(1);
    /// `POST /things`.
    pub const CREATE: Self = Self(2);
    /// `GET /things/{id}`.
    pub const READ: Self = Self(4);
    /// `PATCH /things/{id}`.
    pub const UPDATE: Self = Self(8);
    /// `DELETE /things/{id}`.
    pub const DELETE: Self = Self(16);
    /// `POST /things/{id}/restore` (soft-deleting resources only).
    pub const RESTORE: Self = Self(32);
    /// `GET /parents/{id}/things` (a `nested` reference; generated with `LIST`).
    pub const NESTED_LIST: Self = Self(64);
    /// `POST /parents/{id}/things` (a `nested` reference; generated with `CREATE`).
    pub const NESTED_CREATE: Self = Self(128);
    /// Every operation.
    pub const ALL: Self = Self(255);
    /// None.
    pub const NONE: Self = Self(0);

    /// The set with these bits (what the derive writes).
    pub const fn from_bits(bits: u8) -> Self {
        Self(bits & Self::ALL.0)
    }

    /// True when every operation of `other` is in the set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The set with `other`'s operations added.
    pub const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The set with `other`'s operations removed.
    pub const fn without(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }
}

/// A unique violation of one of the resource's columns names the field.
impl crate::db::ConstraintNames for ResourceMeta {
    fn conflict(&self, db_error: &dyn sqlx::error::DatabaseError) -> Option<crate::ApiError> {
        // SQLite names the columns (`UNIQUE constraint failed: items.a, items.b`), PostgreSQL
        // the constraint (`items_a_b_key`), MariaDB the constraint in its message
        // (`Duplicate entry 'x' for key 'items_a_b_key'`): any names one of ours.
        let failed: Vec<&str> = db_error
            .message()
            .split_once("failed: ")
            .map(|(_, columns)| columns.split(", ").map(str::trim).collect())
            .unwrap_or_default();
        let names = |columns: &[&str]| {
            let pg_name = crate::migrate::object_name(self.table, columns, "key");
            let sqlite: Vec<String> = columns
                .iter()
                .map(|c| format!("{}.{c}", self.table))
                .collect();
            db_error.constraint() == Some(pg_name.as_str())
                || db_error
                    .message()
                    .ends_with(&format!(" for key '{pg_name}'"))
                || (failed.len() == sqlite.len()
                    && sqlite.iter().all(|c| failed.contains(&c.as_str())))
        };
        let single = self
            .columns
            .iter()
            .find(|column| column.unique && names(&[column.column]))
            .map(|column| vec![column.field]);
        let together = self
            .unique_together
            .iter()
            .find(|columns| names(columns))
            .map(|columns| {
                columns
                    .iter()
                    .filter_map(|c| self.columns.iter().find(|m| m.column == *c))
                    .map(|m| m.field)
                    .collect()
            });
        let fields: Vec<&str> = single.or(together)?;
        let message = format!(
            "{} with this {} already exists",
            self.name,
            fields.join(" and ")
        );
        Some(crate::ApiError::conflict_at(fields, message))
    }
}

impl ResourceMeta {
    /// The answer to a foreign-key violation while writing a row of this resource: a 422 at the
    /// field whose referenced row does not exist (PostgreSQL names the constraint; SQLite does
    /// not, so with several references the 422 is at the body).
    pub fn missing_reference(&self, db_error: &dyn sqlx::error::DatabaseError) -> ApiError {
        let references: Vec<&ColumnMeta> = self
            .columns
            .iter()
            .filter(|c| c.references.is_some())
            .collect();
        let named = references.iter().find(|column| {
            let name = crate::migrate::object_name(self.table, &[column.column], "fkey");
            db_error.constraint() == Some(name.as_str())
        });
        let column = named.or(match references.as_slice() {
            [only] if db_error.constraint().is_none() => Some(only),
            _ => None,
        });
        let (loc, target) = match column.and_then(|c| c.references.map(|r| (c, r))) {
            Some((column, reference)) => (
                crate::validate::loc("body", column.field),
                (reference.target)().name,
            ),
            None => (vec![serde_json::Value::String("body".into())], "record"),
        };
        crate::validate::ValidationErrors::single(crate::validate::FieldError::new(
            loc,
            crate::validate::Violation::new(
                "reference_not_found",
                format!("The referenced {target} does not exist"),
            ),
            None,
        ))
        .into()
    }

    /// The answer to deleting a row that other rows still reference (`on_delete = "restrict"`).
    pub fn still_referenced(&self) -> ApiError {
        ApiError::conflict(format!(
            "This {} is still referenced; delete what refers to it first",
            self.name
        ))
    }

    /// `(column index, parent)` of each `nested` reference: the parents this resource's rows
    /// are listed and created under.
    pub fn nested_parents(&self) -> Vec<(usize, &'static ResourceMeta)> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, column)| column.nested)
            .filter_map(|(index, column)| column.references.map(|r| (index, (r.target)())))
            .collect()
    }

    /// `(column index, target)` of each `link` reference: the rows the owner links to.
    pub fn link_targets(&self) -> Vec<(usize, &'static ResourceMeta)> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, column)| column.link)
            .filter_map(|(index, column)| column.references.map(|r| (index, (r.target)())))
            .collect()
    }

    /// The path of this resource's rows under a `parent` row: `/posts/{id}/comments`.
    pub fn nested_path(&self, parent: &ResourceMeta) -> String {
        format!("{}/{{id}}{}", parent.path, self.path)
    }

    /// The id column.
    pub fn id_column(&self) -> Option<&ColumnMeta> {
        self.columns.iter().find(|column| column.role == Role::Id)
    }

    /// The owner column (`#[resource(owner = field)]`).
    pub fn owner_column(&self) -> Option<&ColumnMeta> {
        self.columns
            .iter()
            .find(|column| column.role == Role::Owner)
    }

    /// The type of the caller's id its `flag` fields compare (their sources' owner column):
    /// `Some` when reading a row binds the caller (the viewer) as the statement's last value.
    pub fn viewer_type(&self) -> Option<SqlType> {
        self.columns.iter().find_map(|column| match column.role {
            Role::Computed(Computed::Flag(source)) => {
                source().owner_column().map(|owner| owner.sql_type)
            }
            _ => None,
        })
    }

    /// Checks the rules at start-up (compiles patterns), so a bad rule never fails a request.
    pub fn prepare(&self) -> Result<(), String> {
        for column in self.columns {
            for rule in column.rules {
                rule.prepare()
                    .map_err(|error| format!("{}.{}: {error}", self.name, column.field))?;
            }
        }
        Ok(())
    }
}

/// Offset/limit bounds of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageBounds {
    /// The `limit` when none is given.
    pub default_limit: u32,
    /// The largest `limit` accepted.
    pub max_limit: u32,
}

impl Default for PageBounds {
    fn default() -> Self {
        Self {
            default_limit: 20,
            max_limit: 100,
        }
    }
}

/// What a column holds, for DDL and schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    /// `i32`.
    Int,
    /// `i64`.
    BigInt,
    /// `f64`.
    Double,
    /// `bool`.
    Bool,
    /// `String`.
    Text,
    /// `uuid::Uuid`.
    Uuid,
    /// `chrono::DateTime<Utc>`.
    Timestamp,
    /// `serde_json::Value` or `Vec<T>` (stored as JSON).
    Json,
}

impl SqlType {
    /// The Rust type a field of this type has (`"i64"`), for messages.
    pub fn rust_type(self) -> &'static str {
        match self {
            SqlType::Int => "i32",
            SqlType::BigInt => "i64",
            SqlType::Double => "f64",
            SqlType::Bool => "bool",
            SqlType::Text => "String",
            SqlType::Uuid => "Uuid",
            SqlType::Timestamp => "DateTime<Utc>",
            SqlType::Json => "JSON",
        }
    }
}

/// The part a column plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The primary key.
    Id,
    /// Ordinary data.
    Data,
    /// Set to the current time on insert.
    CreatedAt,
    /// Set to the current time on insert and update.
    UpdatedAt,
    /// Set to the caller's id on insert; only the owner may update or delete the row.
    Owner,
    /// Computed from other resources' rows whenever the row is read (never stored): see
    /// [`Computed`].
    Computed(Computed),
}

/// A field computed in SQL from the rows of another resource that reference this one, in the
/// same statement that reads the row (so a page of rows costs no extra query).
#[derive(Debug, Clone, Copy)]
pub enum Computed {
    /// `#[resource(count = Comment)]` on an `i64`: how many (live) rows of that resource
    /// reference this row.
    Count(fn() -> &'static ResourceMeta),
    /// `#[resource(flag = Favorite)]` on a `bool`: whether the caller owns a (live) row of that
    /// resource referencing this row (false for an anonymous caller, and in the data API).
    Flag(fn() -> &'static ResourceMeta),
}

/// Two computed fields are alike when they compute the same thing from the same table.
impl PartialEq for Computed {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Computed::Count(a), Computed::Count(b)) | (Computed::Flag(a), Computed::Flag(b)) => {
                a().table == b().table
            }
            _ => false,
        }
    }
}

impl Eq for Computed {}

impl Computed {
    /// The resource whose rows are counted, or looked for.
    pub fn source(self) -> &'static ResourceMeta {
        match self {
            Computed::Count(source) | Computed::Flag(source) => source(),
        }
    }
}

/// Where a column's value comes from on insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertFrom {
    /// The create body (bound by the derive).
    Body,
    /// The field's `default` expression, not accepted from the body (bound by the derive).
    Default,
    /// Filled by the framework: a new UUID id, the current time, or the caller's id.
    Auto,
    /// Left out of the `INSERT`: the database's default (a generated id, a column default, NULL).
    Database,
}

/// Static description of one column.
#[derive(Debug)]
pub struct ColumnMeta {
    /// The field (and JSON) name.
    pub field: &'static str,
    /// The column name.
    pub column: &'static str,
    /// The stored type.
    pub sql_type: SqlType,
    /// `Option<T>`.
    pub nullable: bool,
    /// Its role.
    pub role: Role,
    /// Where its value comes from on insert.
    pub insert: InsertFrom,
    /// Accepted in the create body.
    pub in_create: bool,
    /// Accepted in the update body.
    pub in_update: bool,
    /// Bound by the update statement: a body field, or a server-set field that hooks and the
    /// data API may set (every data column but the password).
    pub settable: bool,
    /// Present in responses.
    pub in_response: bool,
    /// `UNIQUE`.
    pub unique: bool,
    /// Indexed.
    pub index: bool,
    /// A login name of an auth user (`/auth/token` looks users up by it).
    pub login: bool,
    /// The password of an auth user: stored hashed.
    pub password: bool,
    /// SQL literal of a `default` that is a literal (for the DDL).
    pub default_sql: Option<&'static str>,
    /// The field's doc comment.
    pub doc: Option<&'static str>,
    /// Its validation rules, for schemas.
    pub rules: &'static [&'static dyn Describe],
    /// The schema of its Rust type (before rules).
    pub schema: fn() -> utoipa::openapi::schema::Schema,
    /// Has a `default` (so it is optional in the create body).
    pub has_default: bool,
    /// The values a text column may hold (an enum's variants; empty: any), checked by the
    /// database (`CHECK (col IN (...))`).
    pub values: &'static [&'static str],
    /// The resource this column holds an id of (`references = Post`): a foreign key.
    pub references: Option<Reference>,
    /// The list can be filtered on it (`#[resource(filter)]`).
    pub filter: bool,
    /// The list can be sorted by it (`#[resource(sort)]`).
    pub sort: bool,
    /// A reference whose rows are listed and created under the referenced one
    /// (`#[resource(references = Post, nested)]`: `GET/POST /posts/{id}/comments`).
    pub nested: bool,
    /// The owner links to and unlinks from referenced rows
    /// (`#[resource(references = Article, link)]`: `PUT/DELETE /articles/{id}/favorites`).
    pub link: bool,
}

impl ColumnMeta {
    /// Computed when read, never stored (`count = ...`).
    pub fn computed(&self) -> bool {
        matches!(self.role, Role::Computed(_))
    }
}

/// A foreign key: the column holds an id of `target`'s rows.
#[derive(Debug, Clone, Copy)]
pub struct Reference {
    /// The referenced resource.
    pub target: fn() -> &'static ResourceMeta,
    /// What deleting a referenced row does.
    pub on_delete: OnDelete,
    /// Loads referenced rows by id, as their answers (what `?include=` embeds).
    pub rows: RowsById,
    /// Every read embeds the referenced row unless `?include=` says otherwise
    /// (`#[resource(references = Board, embed)]`).
    pub embed: bool,
}

/// Loads a resource's rows whose id is one of the values given, as their JSON answers, with the
/// flags of the caller given: [`crate::data::rows_by_id`] for each resource.
pub type RowsById = for<'a> fn(
    &'a mut crate::db::Db,
    Vec<serde_json::Value>,
    Option<&'a crate::principal::Principal>,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Vec<serde_json::Value>, ApiError>> + Send + 'a>,
>;

/// `ON DELETE` of a foreign key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    /// Deleting the referenced row deletes the rows that reference it.
    Cascade,
    /// Deleting a row still referenced answers 409 (the default: nothing is lost).
    Restrict,
    /// Deleting the referenced row clears the references (the column must be optional).
    SetNull,
}

impl OnDelete {
    /// The SQL of the clause.
    pub fn sql(self) -> &'static str {
        match self {
            OnDelete::Cascade => "CASCADE",
            OnDelete::Restrict => "RESTRICT",
            OnDelete::SetNull => "SET NULL",
        }
    }
}

/// `"OrderItem"` → `"order_item"` (operation ids).
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const fn column(
        field: &'static str,
        sql_type: SqlType,
        role: Role,
        insert: InsertFrom,
        in_update: bool,
    ) -> ColumnMeta {
        ColumnMeta {
            field,
            column: field,
            sql_type,
            nullable: false,
            role,
            insert,
            in_create: matches!(insert, InsertFrom::Body),
            in_update,
            settable: in_update,
            in_response: !matches!(field.as_bytes(), b"secret"),
            unique: false,
            index: false,
            login: false,
            password: false,
            default_sql: None,
            doc: None,
            rules: &[],
            schema: <String as crate::openapi::ToSchema>::schema,
            has_default: false,
            values: &[],
            references: None,
            filter: false,
            sort: false,
            nested: false,
            link: false,
        }
    }

    pub(crate) const fn meta(columns: &'static [ColumnMeta]) -> ResourceMeta {
        ResourceMeta {
            name: "Thing",
            table: "things",
            path: "/things",
            tag: "things",
            doc: None,
            columns,
            page: None,
            auth: AuthRules {
                create: false,
                read: false,
                update: false,
                delete: false,
                scope: None,
            },
            owner_reads: false,
            soft_delete: false,
            unique_together: &[],
            indexes: &[],
            operations: Operations::ALL,
            create_schema: |_| RefOr::T(Schema::default()),
            update_schema: |_| RefOr::T(Schema::default()),
            hooks: false,
            cursor: false,
        }
    }
}
