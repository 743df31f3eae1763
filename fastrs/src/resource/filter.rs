//! Filters and sorting of a resource's list, declared per field (`#[resource(filter, sort)]`),
//! in FastCRUD's syntax: `price__gt=10`, `name__icontains=lamp`, `status__in=a,b`, `name=x`,
//! `sort=-created_at,name`. Every parameter the list does not know, and every value that does
//! not parse, answers 422 at its `loc`: nothing is silently ignored.

use std::fmt::Write;

use serde_json::Value;
use sqlx::SqlStr;

use super::sql::{quote, sql};
use super::{ColumnMeta, ResourceMeta, SqlType};
use crate::db::{Args, ColumnType};
use crate::validate::{Cx, Validate, ValidationErrors, Violation};

/// A comparison a filter parameter asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `field=v`, `field__eq=v`.
    Eq,
    /// `field__ne=v`.
    Ne,
    /// `field__gt=v`.
    Gt,
    /// `field__ge=v`.
    Ge,
    /// `field__lt=v`.
    Lt,
    /// `field__le=v`.
    Le,
    /// `field__in=a,b,c`.
    In,
    /// `field__icontains=v`: text holding `v`, ignoring ASCII case.
    IContains,
}

impl Op {
    /// The suffix after `__` (`None` for plain equality).
    pub fn suffix(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::In => "in",
            Op::IContains => "icontains",
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::In => "IN",
            Op::IContains => "LIKE",
        }
    }

    /// The operations that make sense for a column's type.
    pub fn for_column(column: &ColumnMeta) -> &'static [Op] {
        use Op::*;
        if column.sql_type == SqlType::Json {
            // A list of strings: `tags=rust` keeps the rows whose list holds "rust".
            return if holds_strings(column) { &[Eq] } else { &[] };
        }
        match column.sql_type {
            SqlType::Int | SqlType::BigInt | SqlType::Double | SqlType::Timestamp => {
                &[Eq, Ne, Gt, Ge, Lt, Le, In]
            }
            SqlType::Text if !column.values.is_empty() => &[Eq, Ne, In],
            SqlType::Text => &[Eq, Ne, In, IContains],
            SqlType::Uuid => &[Eq, Ne, In],
            SqlType::Bool => &[Eq, Ne],
            SqlType::Json => &[],
        }
    }
}

/// A parsed value, ready to bind as its column's type.
#[derive(Debug, Clone)]
enum Bound {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    Uuid(uuid::Uuid),
    Time(chrono::DateTime<chrono::Utc>),
}

impl Bound {
    fn bind(self, args: &mut Args) {
        match self {
            Bound::Int(v) => v.bind(args),
            Bound::Float(v) => v.bind(args),
            Bound::Bool(v) => v.bind(args),
            Bound::Text(v) => v.bind(args),
            Bound::Uuid(v) => v.bind(args),
            Bound::Time(v) => v.bind(args),
        }
    }
}

/// Reads one value of `column` from text, with the same conversions and messages as a query
/// model's fields (one implementation: [`Validate`]'s text mode); a failure is recorded in `cx`.
fn parse(column: &ColumnMeta, text: &str, cx: &mut Cx) -> Option<Bound> {
    let text = || Value::String(text.to_owned());
    match column.sql_type {
        SqlType::Int => i32::read(text(), cx).map(|n| Bound::Int(i64::from(n))),
        SqlType::BigInt => i64::read(text(), cx).map(Bound::Int),
        SqlType::Double => f64::read(text(), cx).map(Bound::Float),
        SqlType::Bool => bool::read(text(), cx).map(Bound::Bool),
        SqlType::Uuid => uuid::Uuid::read(text(), cx).map(Bound::Uuid),
        SqlType::Timestamp => chrono::DateTime::<chrono::Utc>::read(text(), cx).map(Bound::Time),
        SqlType::Text if !column.values.is_empty() => cx
            .variant(text(), column.values)
            .and_then(|index| column.values.get(index))
            .map(|value| Bound::Text((*value).to_owned())),
        SqlType::Text => String::read(text(), cx).map(Bound::Text),
        SqlType::Json if holds_strings(column) => String::read(text(), cx).map(Bound::Text),
        SqlType::Json => {
            cx.fail(
                Violation::value_error("this field cannot be filtered"),
                Some(text()),
            );
            None
        }
    }
}

/// The most values one `__in` takes: bounded work per request.
pub const MAX_IN_VALUES: usize = 100;

/// The filters and order of one list request.
#[derive(Debug, Default)]
pub struct ListQuery {
    conditions: Vec<(usize, Op, Vec<Bound>)>,
    order: Vec<(usize, bool)>,
    /// Keyset pages: the sort values and id of the row the page starts after.
    after: Option<Vec<Bound>>,
    /// Keyset pages: `?total=true` asks for the count.
    pub total: bool,
}

impl ListQuery {
    /// True when the request filters or sorts (the prepared default statements do otherwise).
    pub fn is_plain(&self) -> bool {
        self.conditions.is_empty() && self.order.is_empty()
    }

    /// Reads the filters and `sort` of `query`; `limit` and `offset` are the page's. Any other
    /// parameter is a 422.
    ///
    /// With `cursor` (a keyset resource's key), `offset` is refused and `cursor` and `total`
    /// are read.
    pub fn parse(
        meta: &ResourceMeta,
        query: Option<&str>,
        cursor: Option<&super::CursorKey>,
    ) -> Result<Self, ValidationErrors> {
        let mut out = ListQuery::default();
        let mut cx = Cx::query();
        let mut token = None;
        for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            // The page's, and the relations to embed (read by the route).
            if key == "limit" || key == "include" || (key == "offset" && cursor.is_none()) {
                continue;
            }
            if cursor.is_some() && key == "cursor" {
                token = Some(value.to_string());
                continue;
            }
            if cursor.is_some() && key == "total" {
                let total = cx.at("total", |cx| {
                    bool::read(Value::String(value.to_string()), cx)
                });
                out.total = total.unwrap_or(false);
                continue;
            }
            let input = || Some(Value::String(value.to_string()));
            let unknown = || Violation::new("extra_forbidden", "Unknown query parameter");
            let key_name = key.to_string();
            if key == "sort" {
                for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let (name, descending) = match part.strip_prefix('-') {
                        Some(name) => (name, true),
                        None => (part, false),
                    };
                    let violation =
                        match meta.columns.iter().position(|c| c.sort && c.field == name) {
                            Some(index) if out.order.len() < 8 => {
                                out.order.push((index, descending));
                                continue;
                            }
                            Some(_) => Violation::value_error("at most 8 sort keys"),
                            None => Violation::value_error(format!(
                                "cannot sort by {name:?}; sortable: {}",
                                sortable(meta)
                            )),
                        };
                    cx.at(key_name.clone(), |cx| cx.fail(violation, input()));
                }
                continue;
            }
            let (name, op) = match key.split_once("__") {
                Some((name, suffix)) => (
                    name,
                    Op::ALL.iter().copied().find(|op| op.suffix() == suffix),
                ),
                None => (&*key, Some(Op::Eq)),
            };
            let column = meta
                .columns
                .iter()
                .position(|c| c.filter && c.field == name)
                .zip(op)
                .filter(|(index, op)| Op::for_column(&meta.columns[*index]).contains(op));
            let Some((index, op)) = column else {
                cx.at(key_name, |cx| cx.fail(unknown(), input()));
                continue;
            };
            let column = &meta.columns[index];
            let texts: Vec<&str> = match op {
                Op::In => value.split(',').collect(),
                _ => vec![&*value],
            };
            if texts.len() > MAX_IN_VALUES {
                let violation = Violation::new(
                    "too_long",
                    format!("List should have at most {MAX_IN_VALUES} items"),
                )
                .with_ctx(serde_json::json!({ "max_length": MAX_IN_VALUES }));
                cx.at(key_name, |cx| cx.fail(violation, input()));
                continue;
            }
            let values: Option<Vec<Bound>> = cx.at(key_name, |cx| {
                texts
                    .into_iter()
                    .map(|text| match parse(column, text, cx)? {
                        Bound::Text(text) if op == Op::IContains => Some(Bound::Text(format!(
                            "%{}%",
                            like_escape(&text.to_lowercase())
                        ))),
                        bound => Some(bound),
                    })
                    .collect()
            });
            if let Some(values) = values {
                out.conditions.push((index, op, values));
            }
        }
        if let Some(key) = cursor {
            out.after = after(meta, &out.order, token.as_deref(), key, &mut cx);
        }
        cx.finish(Some(out))
    }

    /// Only the rows whose column `scope.0` holds the path's id `scope.1` (a nested list);
    /// an id that does not fit the column is a 422 at `["path", "id"]`.
    pub fn within(
        mut self,
        meta: &ResourceMeta,
        scope: Option<(usize, &str)>,
    ) -> Result<Self, ValidationErrors> {
        let Some((index, id)) = scope else {
            return Ok(self);
        };
        let mut cx = Cx::query();
        let value = meta
            .columns
            .get(index)
            .and_then(|column| parse(column, id, &mut cx));
        match value {
            Some(value) => {
                self.conditions.push((index, Op::Eq, vec![value]));
                Ok(self)
            }
            None => Err(ValidationErrors::single(crate::validate::FieldError::new(
                crate::validate::loc("path", "id"),
                Violation::new("int_parsing", "Input should be a valid id"),
                Some(Value::String(id.to_owned())),
            ))),
        }
    }

    /// The canonical `sort` a cursor is made for (`-price,name`).
    pub fn sort_key(&self, meta: &ResourceMeta) -> String {
        sort_key(meta, &self.order)
    }

    /// The fields whose values make the cursor after a row: the sort's, then the id.
    pub fn cursor_fields<'m>(&self, meta: &'m ResourceMeta) -> Vec<&'m str> {
        let id = meta.id_column().map_or("id", |c| c.field);
        self.order
            .iter()
            .map(|(index, _)| meta.columns[*index].field)
            .chain([id])
            .collect()
    }

    /// Binds the keyset values (after the conditions and the owner).
    pub fn bind_after(&self, args: &mut Args) {
        for value in self.after.iter().flatten() {
            value.clone().bind(args);
        }
    }

    /// `SELECT ... WHERE ... ORDER BY ... LIMIT .. OFFSET ..` and its `COUNT(*)`, with `owner`
    /// (the owner column, when reads are the caller's only) as the last condition. Their
    /// arguments, in order: [`bind`](ListQuery::bind)'s, the owner's, then (the list's) the
    /// limit and the offset.
    pub fn statements(
        &self,
        meta: &ResourceMeta,
        statements: &super::Statements,
        owner: Option<&str>,
        keyset: bool,
        backend: crate::db::Backend,
    ) -> (SqlStr, SqlStr) {
        let (select, count, live) = (&statements.select, &statements.count_all, &statements.live);
        let mut conditions = String::new();
        if !live.is_empty() {
            let _ = write!(conditions, " WHERE {live}");
        }
        let mut n = 1;
        for (index, op, values) in &self.conditions {
            let column = super::expression(meta, &meta.columns[*index]);
            conditions.push_str(if conditions.is_empty() {
                " WHERE "
            } else {
                " AND "
            });
            match op {
                Op::In => {
                    let placeholders: Vec<String> =
                        (0..values.len()).map(|i| format!("${}", n + i)).collect();
                    let _ = write!(conditions, "{column} IN ({})", placeholders.join(", "));
                    n += values.len();
                }
                Op::IContains => {
                    let _ = write!(conditions, "LOWER({column}) LIKE ${n} ESCAPE '\\'");
                    n += 1;
                }
                Op::Eq if meta.columns[*index].sql_type == SqlType::Json => {
                    let _ = write!(conditions, "{}", list_holds(backend, &column, n));
                    n += 1;
                }
                op => {
                    let _ = write!(conditions, "{column} {} ${n}", op.sql());
                    n += 1;
                }
            }
        }
        if let Some(owner) = owner {
            conditions.push_str(if conditions.is_empty() {
                " WHERE "
            } else {
                " AND "
            });
            let _ = write!(conditions, "{} = ${n}", quote(owner));
            n += 1;
        }
        let count_sql = format!("{count}{conditions}");
        if let Some(after) = &self.after {
            // (k1 > $a OR (k1 = $a AND (k2 < $b OR (k2 = $b AND id > $c)))), each direction's own.
            let id = meta.id_column().map_or("id", |c| c.column);
            let keys: Vec<(String, bool)> = self
                .order
                .iter()
                .map(|(index, descending)| {
                    (super::expression(meta, &meta.columns[*index]), *descending)
                })
                .chain([(quote(id), false)])
                .collect();
            let mut clause = String::new();
            for (i, (column, descending)) in keys.iter().enumerate().rev() {
                let op = if *descending { "<" } else { ">" };
                let p = n + i;
                clause = if clause.is_empty() {
                    format!("{column} {op} ${p}")
                } else {
                    format!("({column} {op} ${p} OR ({column} = ${p} AND {clause}))")
                };
            }
            conditions.push_str(if conditions.is_empty() {
                " WHERE "
            } else {
                " AND "
            });
            conditions.push_str(&clause);
            n += after.len();
        }
        let id = quote(meta.id_column().map_or("id", |c| c.column));
        let mut order: Vec<String> = self
            .order
            .iter()
            .map(|(index, descending)| {
                let direction = if *descending { "DESC" } else { "ASC" };
                format!(
                    "{} {direction}",
                    super::expression(meta, &meta.columns[*index])
                )
            })
            .collect();
        // The id last: a total order, so pages never repeat or skip a row.
        order.push(id);
        let page = if keyset {
            format!("LIMIT ${n}")
        } else {
            format!("LIMIT ${n} OFFSET ${}", n + 1)
        };
        let list = format!("{select}{conditions} ORDER BY {} {page}", order.join(", "));
        (sql(list), sql(count_sql))
    }

    /// Binds the filters' values, in the order of [`statements`](ListQuery::statements).
    pub fn bind(&self, args: &mut Args) {
        for (_, _, values) in &self.conditions {
            for value in values {
                value.clone().bind(args);
            }
        }
    }
}

impl Op {
    /// Every operation, in the order parameters are documented.
    pub const ALL: [Op; 8] = [
        Op::Eq,
        Op::Ne,
        Op::Gt,
        Op::Ge,
        Op::Lt,
        Op::Le,
        Op::In,
        Op::IContains,
    ];
}

/// The SQL of "the JSON list in `column` holds the text `$n`".
pub(crate) fn list_holds(backend: crate::db::Backend, column: &str, n: usize) -> String {
    match backend {
        crate::db::Backend::Sqlite => {
            format!("EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = ${n})")
        }
        crate::db::Backend::Postgres => format!("{column} @> jsonb_build_array(${n}::text)"),
        crate::db::Backend::MariaDb => format!("JSON_CONTAINS({column}, JSON_QUOTE(${n}))"),
    }
}

/// A JSON column holding a list of strings (`Vec<String>`, a list of a string enum).
pub fn holds_strings(column: &ColumnMeta) -> bool {
    use utoipa::openapi::schema::{ArrayItems, Schema, SchemaType, Type};
    let Schema::Array(array) = (column.schema)() else {
        return false;
    };
    let ArrayItems::RefOrSchema(items) = &array.items else {
        return false;
    };
    matches!(
        &**items,
        utoipa::openapi::RefOr::T(Schema::Object(object))
            if object.schema_type == SchemaType::Type(Type::String)
    )
}

pub(crate) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn sort_key(meta: &ResourceMeta, order: &[(usize, bool)]) -> String {
    order
        .iter()
        .map(|(index, descending)| {
            let sign = if *descending { "-" } else { "" };
            format!("{sign}{}", meta.columns[*index].field)
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The keyset values of `token` (none: the first page), checked against the sort; every
/// failure recorded in `cx`.
fn after(
    meta: &ResourceMeta,
    order: &[(usize, bool)],
    token: Option<&str>,
    key: &super::CursorKey,
    cx: &mut Cx,
) -> Option<Vec<Bound>> {
    // NULLs sort differently on each backend: keyset pages order by non-null columns only.
    if let Some((index, _)) = order
        .iter()
        .find(|(index, _)| meta.columns[*index].nullable)
    {
        let name = meta.columns[*index].field;
        cx.at("sort", |cx| {
            cx.fail(
                Violation::value_error(format!(
                    "cannot page by cursor over {name:?}, which may be null"
                )),
                Some(Value::String(name.to_owned())),
            )
        });
        return None;
    }
    let token = token.filter(|t| !t.is_empty())?;
    let id = meta
        .columns
        .iter()
        .position(|c| c.role == super::Role::Id)?;
    let columns: Vec<usize> = order.iter().map(|(index, _)| *index).chain([id]).collect();
    let values = key
        .decode(token, &sort_key(meta, order))
        .filter(|values| values.len() == columns.len());
    let bounds = values.and_then(|values| {
        let mut scratch = Cx::query();
        let bounds: Option<Vec<Bound>> = columns
            .iter()
            .zip(values)
            .map(|(index, value)| {
                let text = match value {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                parse(&meta.columns[*index], &text, &mut scratch)
            })
            .collect();
        bounds.filter(|_| scratch.is_ok())
    });
    if bounds.is_none() {
        cx.at("cursor", |cx| {
            cx.fail(
                Violation::value_error(
                    "Invalid cursor (it belongs to another sort, or was edited)",
                ),
                Some(Value::String(token.to_owned())),
            )
        });
    }
    bounds
}

/// The sortable fields, for the error message.
fn sortable(meta: &ResourceMeta) -> String {
    let names: Vec<&str> = meta
        .columns
        .iter()
        .filter(|c| c.sort)
        .map(|c| c.field)
        .collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}
