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
use crate::validate::{FieldError, ValidationErrors, Violation, loc};

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

/// Reads one value of `column` from text, or says why it cannot.
fn parse(column: &ColumnMeta, text: &str) -> Result<Bound, Violation> {
    let int = || {
        Violation::new(
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
        )
    };
    Ok(match column.sql_type {
        SqlType::Int => Bound::Int(i64::from(text.parse::<i32>().map_err(|_| int())?)),
        SqlType::BigInt => Bound::Int(text.parse::<i64>().map_err(|_| int())?),
        SqlType::Double => Bound::Float(
            text.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .ok_or_else(|| {
                    Violation::new(
                        "float_parsing",
                        "Input should be a valid number, unable to parse string as a number",
                    )
                })?,
        ),
        SqlType::Bool => Bound::Bool(match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => {
                return Err(Violation::new(
                    "bool_parsing",
                    "Input should be a valid boolean, unable to interpret input",
                ));
            }
        }),
        SqlType::Uuid => Bound::Uuid(uuid::Uuid::parse_str(text).map_err(|e| {
            Violation::new("uuid_parsing", format!("Input should be a valid UUID, {e}"))
        })?),
        SqlType::Timestamp => Bound::Time(
            chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|e| {
                    Violation::new(
                        "datetime_parsing",
                        format!("Input should be a valid datetime, {e}"),
                    )
                })?,
        ),
        SqlType::Text if !column.values.is_empty() => {
            if !column.values.contains(&text) {
                let expected = column
                    .values
                    .iter()
                    .map(|v| format!("'{v}'"))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(
                    Violation::new("enum", format!("Input should be one of {expected}"))
                        .with_ctx(serde_json::json!({ "expected": expected })),
                );
            }
            Bound::Text(text.to_owned())
        }
        SqlType::Text if text.contains('\0') => {
            return Err(Violation::new(
                "string_type",
                "Input should be a string without NUL (\\u0000) characters",
            ));
        }
        SqlType::Text => Bound::Text(text.to_owned()),
        SqlType::Json => return Err(Violation::value_error("this field cannot be filtered")),
    })
}

/// The most values one `__in` takes: bounded work per request.
pub const MAX_IN_VALUES: usize = 100;

/// The filters and order of one list request.
#[derive(Debug, Default)]
pub struct ListQuery {
    conditions: Vec<(usize, Op, Vec<Bound>)>,
    order: Vec<(usize, bool)>,
}

impl ListQuery {
    /// True when the request filters or sorts (the prepared default statements do otherwise).
    pub fn is_plain(&self) -> bool {
        self.conditions.is_empty() && self.order.is_empty()
    }

    /// Reads the filters and `sort` of `query`; `limit` and `offset` are the page's. Any other
    /// parameter is a 422.
    pub fn parse(meta: &ResourceMeta, query: Option<&str>) -> Result<Self, ValidationErrors> {
        let mut out = ListQuery::default();
        let mut errors = ValidationErrors::new();
        for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let fail = |errors: &mut ValidationErrors, violation: Violation| {
                errors.push(FieldError::new(
                    loc("query", &key),
                    violation,
                    Some(Value::String(value.to_string())),
                ));
            };
            if key == "limit" || key == "offset" {
                continue;
            }
            if key == "sort" {
                for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let (name, descending) = match part.strip_prefix('-') {
                        Some(name) => (name, true),
                        None => (part, false),
                    };
                    match meta.columns.iter().position(|c| c.sort && c.field == name) {
                        Some(index) if out.order.len() < 8 => out.order.push((index, descending)),
                        Some(_) => fail(&mut errors, Violation::value_error("at most 8 sort keys")),
                        None => fail(
                            &mut errors,
                            Violation::value_error(format!(
                                "cannot sort by {name:?}; sortable: {}",
                                sortable(meta)
                            )),
                        ),
                    }
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
                .position(|c| c.filter && c.field == name);
            let (Some(index), Some(op)) = (column, op) else {
                fail(
                    &mut errors,
                    Violation::new("extra_forbidden", "Unknown query parameter"),
                );
                continue;
            };
            let column = &meta.columns[index];
            if !Op::for_column(column).contains(&op) {
                fail(
                    &mut errors,
                    Violation::new("extra_forbidden", "Unknown query parameter"),
                );
                continue;
            }
            let texts: Vec<&str> = match op {
                Op::In => value.split(',').collect(),
                _ => vec![&*value],
            };
            if texts.len() > MAX_IN_VALUES {
                fail(
                    &mut errors,
                    Violation::new(
                        "too_long",
                        format!("List should have at most {MAX_IN_VALUES} items"),
                    )
                    .with_ctx(serde_json::json!({ "max_length": MAX_IN_VALUES })),
                );
                continue;
            }
            let mut values = Vec::with_capacity(texts.len());
            for text in texts {
                match parse(column, text) {
                    Ok(Bound::Text(text)) if op == Op::IContains => {
                        values.push(Bound::Text(format!(
                            "%{}%",
                            like_escape(&text.to_lowercase())
                        )));
                    }
                    Ok(bound) => values.push(bound),
                    Err(violation) => {
                        fail(&mut errors, violation);
                        break;
                    }
                }
            }
            if values.len() == texts_len(op, &value) {
                out.conditions.push((index, op, values));
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// `SELECT ... WHERE ... ORDER BY ... LIMIT .. OFFSET ..` and its `COUNT(*)`, with `owner`
    /// (the owner column, when reads are the caller's only) as the last condition. Their
    /// arguments, in order: [`bind`](ListQuery::bind)'s, the owner's, then (the list's) the
    /// limit and the offset.
    pub fn statements(
        &self,
        meta: &ResourceMeta,
        select: &str,
        count: &str,
        owner: Option<&str>,
    ) -> (SqlStr, SqlStr) {
        let mut conditions = String::new();
        let mut n = 1;
        for (index, op, values) in &self.conditions {
            let column = quote(meta.columns[*index].column);
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
        let id = quote(meta.id_column().map_or("id", |c| c.column));
        let mut order: Vec<String> = self
            .order
            .iter()
            .map(|(index, descending)| {
                let direction = if *descending { "DESC" } else { "ASC" };
                format!("{} {direction}", quote(meta.columns[*index].column))
            })
            .collect();
        // The id last: a total order, so pages never repeat or skip a row.
        order.push(id);
        let list = format!(
            "{select}{conditions} ORDER BY {} LIMIT ${n} OFFSET ${}",
            order.join(", "),
            n + 1
        );
        (sql(list), sql(format!("{count}{conditions}")))
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

fn texts_len(op: Op, value: &str) -> usize {
    match op {
        Op::In => value.split(',').count(),
        _ => 1,
    }
}

fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
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
