//! [`Statements`]: the SQL of a resource's routes, written here and nowhere else, built once at
//! start-up and reused (so every request runs an already-prepared statement).

use std::sync::Arc;

use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};

use super::{ColumnMeta, Computed, InsertFrom, ResourceMeta, Role};

/// The statements of one resource. Placeholders are `$1..$N`, which SQLite and PostgreSQL read
/// by number (and [`crate::db::mariadb`] turns into `?`).
#[derive(Debug, Clone)]
pub struct Statements {
    /// `INSERT ... RETURNING <response columns>`; parameters: the derive's bound columns, then
    /// the framework's ([`InsertFrom::Auto`]), each group in column order.
    pub insert: SqlStr,
    /// `SELECT <response columns> ... WHERE id = $1`.
    pub get: SqlStr,
    /// `SELECT <response columns> ... ORDER BY id LIMIT $1 OFFSET $2`.
    pub list: SqlStr,
    /// `SELECT COUNT(*) ...`.
    pub count: SqlStr,
    /// `UPDATE ... SET col = CASE WHEN $k THEN $k+1 ELSE col END, ... WHERE id = $1 RETURNING ...`;
    /// parameters: the id, a pair per updatable column, then `updated_at` if any.
    pub update: SqlStr,
    /// `DELETE ... WHERE id = $1`.
    pub delete: SqlStr,
    /// `SELECT COUNT(*) ... WHERE id = $1`: tells 403 from 404.
    pub exists: SqlStr,
    /// With an owner column: the same statements restricted to the caller's rows (the owner is
    /// the last parameter).
    pub owned: Option<OwnedStatements>,
    /// `SELECT <response columns> FROM <table>`: what a filtered list adds to.
    pub select: String,
    /// `SELECT COUNT(*) FROM <table>`.
    pub count_all: String,
    /// `UPDATE ... SET deleted_at = NULL WHERE id = $1 AND deleted_at IS NOT NULL RETURNING ...`
    /// (only used by soft-deleting resources).
    pub restore: SqlStr,
    /// The condition a row must meet to be seen (`"deleted_at" IS NULL`), empty when rows are
    /// deleted for good.
    pub live: String,
    /// The same statements answering whole rows (every column, in field order): what hooks and
    /// the data API read and write.
    pub rows: RowStatements,
}

/// Statements that answer the model's whole row rather than its response.
#[derive(Debug, Clone)]
pub struct RowStatements {
    /// `INSERT ... RETURNING <every column>` (the parameters of [`Statements::insert`]).
    pub insert: SqlStr,
    /// `SELECT <every column> ... WHERE id = $1`.
    pub get: SqlStr,
    /// `get` locking the row until the transaction ends (`FOR UPDATE` on PostgreSQL and MariaDB;
    /// SQLite's one writer needs no lock).
    pub get_locked: SqlStr,
    /// `get` of the caller's own row (the owner is `$2`).
    pub get_owned: Option<SqlStr>,
    /// `get_owned`, locking the row like `get_locked`.
    pub get_owned_locked: Option<SqlStr>,
    /// `UPDATE ... RETURNING <every column>` (the parameters of [`Statements::update`]).
    pub update: SqlStr,
    /// `SELECT <every column> FROM <table>`: what a data API select adds to.
    pub select: String,
    /// `INSERT ...` doing nothing when a row with the same unique values exists (the link
    /// routes' and [`Table::insert_if_absent`](crate::data::Table::insert_if_absent)'s):
    /// `ON CONFLICT DO NOTHING`, and on MariaDB `ON DUPLICATE KEY UPDATE id = id` (`INSERT
    /// IGNORE` would also hide a missing reference). Pick with
    /// [`insert_if_absent`](RowStatements::insert_if_absent).
    pub insert_or_skip: [SqlStr; 2],
}

/// Statements that only touch the caller's rows.
#[derive(Debug, Clone)]
pub struct OwnedStatements {
    /// `... WHERE id = $1 AND owner = $n`.
    pub update: SqlStr,
    /// `DELETE ... WHERE id = $1 AND owner = $2`.
    pub delete: SqlStr,
    /// `SELECT ... WHERE id = $1 AND owner = $2`.
    pub get: SqlStr,
    /// `SELECT ... WHERE owner = $3 ORDER BY id LIMIT $1 OFFSET $2`.
    pub list: SqlStr,
    /// `SELECT COUNT(*) ... WHERE owner = $1`.
    pub count: SqlStr,
    /// `restore`, for the owner only.
    pub restore: SqlStr,
}

pub(crate) use crate::db::quote;

fn columns<'a>(columns: impl Iterator<Item = &'a ColumnMeta>) -> String {
    columns
        .map(|column| quote(column.column))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a statement reads the caller's id for `flag` fields: replaced, when the statement is
/// made ([`sql`]), by the placeholder after its last one, which the caller binds last.
pub(crate) const VIEWER: &str = "\u{1}viewer";

/// The select list of `columns`: stored columns by name, computed ones as their expression
/// named like the field. Without `viewer`, flags are false (statements no request reads).
pub(crate) fn select_list<'a>(
    meta: &ResourceMeta,
    columns: impl Iterator<Item = &'a ColumnMeta>,
    viewer: bool,
) -> String {
    columns
        .map(|column| match column.role {
            Role::Computed(Computed::Flag(_)) if !viewer => {
                format!("FALSE AS {}", quote(column.column))
            }
            Role::Computed(_) => {
                format!("{} AS {}", expression(meta, column), quote(column.column))
            }
            _ => quote(column.column),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The SQL that reads `column` of a row of `meta`'s table: the quoted column, or for a
/// computed field its correlated subquery (which filters and orders may use too).
pub(crate) fn expression(meta: &ResourceMeta, column: &ColumnMeta) -> String {
    let Role::Computed(computed) = column.role else {
        return quote(column.column);
    };
    let source = computed.source();
    let Some(reference) = referencing_column(source, meta) else {
        // Refused at start-up (`App` checks every computed field); never run.
        return "NULL".to_owned();
    };
    let live = if source.soft_delete {
        format!(" AND \"__c\".{} IS NULL", quote(DELETED_AT))
    } else {
        String::new()
    };
    let rows = format!(
        "FROM {} AS \"__c\" WHERE \"__c\".{} = {}.{}{live}",
        quote(source.table),
        quote(reference.column),
        quote(meta.table),
        quote(meta.id_column().map_or("id", |id| id.column)),
    );
    match computed {
        Computed::Count(_) => format!("(SELECT COUNT(*) {rows})"),
        Computed::Flag(_) => match source.owner_column() {
            Some(owner) => format!(
                "EXISTS (SELECT 1 {rows} AND \"__c\".{} = {VIEWER})",
                quote(owner.column)
            ),
            None => "FALSE".to_owned(),
        },
    }
}

/// The one column of `source` that references `target` (`references = Target`), if exactly
/// one does.
pub(crate) fn referencing_column(
    source: &ResourceMeta,
    target: &ResourceMeta,
) -> Option<&'static ColumnMeta> {
    let mut referencing = source.columns.iter().filter(|column| {
        column
            .references
            .is_some_and(|reference| (reference.target)().table == target.table)
    });
    match (referencing.next(), referencing.next()) {
        (Some(column), None) => Some(column),
        _ => None,
    }
}

/// A statement from its text, the caller's place ([`VIEWER`]) numbered after its last
/// placeholder.
pub(crate) fn sql(text: String) -> SqlStr {
    AssertSqlSafe(Arc::<str>::from(number_viewer(text))).into_sql_str()
}

/// Replaces [`VIEWER`] by `$N`, `N` one past the highest placeholder of `text`.
fn number_viewer(text: String) -> String {
    if !text.contains(VIEWER) {
        return text;
    }
    let bytes = text.as_bytes();
    let mut highest = 0;
    for (at, _) in text.match_indices('$') {
        let digits = bytes[at + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if let Ok(n) = text[at + 1..at + 1 + digits].parse::<usize>() {
            highest = highest.max(n);
        }
    }
    text.replace(VIEWER, &format!("${}", highest + 1))
}

impl Statements {
    /// Builds the statements of `meta`. Identifiers come from the derive (checked at compile
    /// time) and are quoted; no value is ever spliced in.
    pub fn new(meta: &ResourceMeta) -> Self {
        let table = quote(meta.table);
        let id = quote(meta.id_column().map_or("id", |column| column.column));
        let response = select_list(
            meta,
            meta.columns.iter().filter(|column| column.in_response),
            true,
        );
        let every = select_list(meta, meta.columns.iter(), true);

        let bound = meta
            .columns
            .iter()
            .filter(|c| matches!(c.insert, InsertFrom::Body | InsertFrom::Default));
        let auto = meta.columns.iter().filter(|c| c.insert == InsertFrom::Auto);
        let inserted: Vec<&ColumnMeta> = bound.chain(auto).collect();
        let insert = if inserted.is_empty() {
            format!("INSERT INTO {table} DEFAULT VALUES")
        } else {
            let placeholders = (1..=inserted.len())
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "INSERT INTO {table} ({}) VALUES ({placeholders})",
                columns(inserted.iter().copied())
            )
        };

        let mut sets = Vec::new();
        let mut n = 2;
        for column in meta.columns.iter().filter(|column| column.settable) {
            let name = quote(column.column);
            sets.push(format!(
                "{name} = CASE WHEN ${n} THEN ${} ELSE {name} END",
                n + 1
            ));
            n += 2;
        }
        for column in meta
            .columns
            .iter()
            .filter(|column| column.role == Role::UpdatedAt)
        {
            sets.push(format!("{} = ${n}", quote(column.column)));
            n += 1;
        }
        // An update with nothing to set still answers the row (or 404).
        if sets.is_empty() {
            sets.push(format!("{id} = {id}"));
        }

        // Soft-deleted rows are invisible to every statement but `restore`.
        let deleted = quote(DELETED_AT);
        let (live, where_live) = if meta.soft_delete {
            (
                format!(" AND {deleted} IS NULL"),
                format!(" WHERE {deleted} IS NULL"),
            )
        } else {
            (String::new(), String::new())
        };
        let delete = |condition: &str| {
            if meta.soft_delete {
                format!("UPDATE {table} SET {deleted} = CURRENT_TIMESTAMP WHERE {condition}{live}")
            } else {
                format!("DELETE FROM {table} WHERE {condition}")
            }
        };
        let restore = |condition: &str| {
            format!(
                "UPDATE {table} SET {deleted} = NULL WHERE {condition} AND {deleted} IS NOT NULL RETURNING {response}"
            )
        };

        let owned = meta.owner_column().map(|owner| {
            let owner = quote(owner.column);
            OwnedStatements {
                update: sql(format!(
                    "UPDATE {table} SET {} WHERE {id} = $1 AND {owner} = ${n}{live} RETURNING {response}",
                    sets.join(", ")
                )),
                delete: sql(delete(&format!("{id} = $1 AND {owner} = $2"))),
                get: sql(format!(
                    "SELECT {response} FROM {table} WHERE {id} = $1 AND {owner} = $2{live}"
                )),
                list: sql(format!(
                    "SELECT {response} FROM {table} WHERE {owner} = $3{live} ORDER BY {id} LIMIT $1 OFFSET $2"
                )),
                count: sql(format!("SELECT COUNT(*) FROM {table} WHERE {owner} = $1{live}")),
                restore: sql(restore(&format!("{id} = $1 AND {owner} = $2"))),
            }
        });

        let owned_get = meta.owner_column().map(|owner| {
            let owner = quote(owner.column);
            format!("SELECT {every} FROM {table} WHERE {id} = $1 AND {owner} = $2{live}")
        });
        let get_row = format!("SELECT {every} FROM {table} WHERE {id} = $1{live}");
        let rows = RowStatements {
            insert: sql(format!("{insert} RETURNING {every}")),
            get_locked: sql(format!("{get_row} FOR UPDATE")),
            get: sql(get_row),
            get_owned: owned_get.clone().map(sql),
            get_owned_locked: owned_get.map(|get| sql(format!("{get} FOR UPDATE"))),
            update: sql(format!(
                "UPDATE {table} SET {} WHERE {id} = $1{live} RETURNING {every}",
                sets.join(", ")
            )),
            select: format!("SELECT {every} FROM {table}"),
            insert_or_skip: [
                sql(format!("{insert} ON CONFLICT DO NOTHING")),
                sql(format!("{insert} ON DUPLICATE KEY UPDATE {id} = {id}")),
            ],
        };
        Statements {
            rows,
            insert: sql(format!("{insert} RETURNING {response}")),
            get: sql(format!(
                "SELECT {response} FROM {table} WHERE {id} = $1{live}"
            )),
            list: sql(format!(
                "SELECT {response} FROM {table}{where_live} ORDER BY {id} LIMIT $1 OFFSET $2"
            )),
            count: sql(format!("SELECT COUNT(*) FROM {table}{where_live}")),
            update: sql(format!(
                "UPDATE {table} SET {} WHERE {id} = $1{live} RETURNING {response}",
                sets.join(", ")
            )),
            delete: sql(delete(&format!("{id} = $1"))),
            exists: sql(format!(
                "SELECT COUNT(*) FROM {table} WHERE {id} = $1{live}"
            )),
            restore: sql(restore(&format!("{id} = $1"))),
            owned,
            select: format!("SELECT {response} FROM {table}"),
            count_all: format!("SELECT COUNT(*) FROM {table}"),
            live: where_live.trim_start_matches(" WHERE ").to_owned(),
        }
    }
}

impl RowStatements {
    /// The insert doing nothing when the row exists, for `backend`.
    pub fn insert_if_absent(&self, backend: crate::db::Backend) -> &SqlStr {
        match backend {
            crate::db::Backend::MariaDb => &self.insert_or_skip[1],
            _ => &self.insert_or_skip[0],
        }
    }

    /// The statement reading the row `$1` (the caller's own when `owned`: owner `$2`) before a
    /// write, locked on backends that lock rows (all but SQLite, whose one writer needs no lock).
    pub fn before_write(&self, backend: crate::db::Backend, owned: bool) -> Option<&SqlStr> {
        let locks = backend != crate::db::Backend::Sqlite;
        match (owned, locks) {
            (false, true) => Some(&self.get_locked),
            (false, false) => Some(&self.get),
            (true, true) => self.get_owned_locked.as_ref(),
            (true, false) => self.get_owned.as_ref(),
        }
    }
}

/// The column that marks a soft-deleted row (`#[resource(soft_delete)]`): `NULL` while it lives.
pub const DELETED_AT: &str = "deleted_at";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{SqlType, tests::column};

    #[test]
    fn statements_quote_identifiers_and_number_placeholders() {
        static COLUMNS: [ColumnMeta; 4] = [
            column("id", SqlType::BigInt, Role::Id, InsertFrom::Database, false),
            column("name", SqlType::Text, Role::Data, InsertFrom::Body, true),
            column("secret", SqlType::Text, Role::Data, InsertFrom::Body, false),
            column(
                "updated_at",
                SqlType::Timestamp,
                Role::UpdatedAt,
                InsertFrom::Auto,
                false,
            ),
        ];
        static META: ResourceMeta = crate::resource::tests::meta(&COLUMNS);
        let s = Statements::new(&META);
        assert_eq!(
            s.insert.as_str(),
            r#"INSERT INTO "things" ("name", "secret", "updated_at") VALUES ($1, $2, $3) RETURNING "id", "name", "updated_at""#
        );
        assert_eq!(
            s.update.as_str(),
            r#"UPDATE "things" SET "name" = CASE WHEN $2 THEN $3 ELSE "name" END, "updated_at" = $4 WHERE "id" = $1 RETURNING "id", "name", "updated_at""#
        );
        assert_eq!(
            s.list.as_str(),
            r#"SELECT "id", "name", "updated_at" FROM "things" ORDER BY "id" LIMIT $1 OFFSET $2"#
        );
        assert_eq!(quote(r#"we"ird"#), r#""we""ird""#);
    }

    #[test]
    fn the_viewer_is_numbered_after_the_last_placeholder() {
        let text = format!("SELECT {VIEWER}, {VIEWER} FROM t WHERE a = $1 AND b = $12 LIMIT $3");
        assert_eq!(
            number_viewer(text),
            "SELECT $13, $13 FROM t WHERE a = $1 AND b = $12 LIMIT $3"
        );
        assert_eq!(number_viewer(format!("SELECT {VIEWER}")), "SELECT $1");
        assert_eq!(number_viewer("SELECT $2".into()), "SELECT $2");
    }
}
