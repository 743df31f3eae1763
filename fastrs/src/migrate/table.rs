//! The tables an app needs, as data: what `create_all` creates, what a migration's snapshot
//! records, and what [`diff`](super::diff) compares. One renderer turns them into SQL.

use serde::{Deserialize, Serialize};

use crate::db::quote;

/// The longest name the databases take, in bytes (PostgreSQL's; MariaDB's is 64).
const MAX_NAME: usize = 63;

/// The name of a constraint or an index of `table` on `columns`:
/// `{table}_{columns, joined by _}_{suffix}`, PostgreSQL's own convention (`posts_slug_key`).
/// A longer name than the databases take (PostgreSQL would cut it without a word, and then two
/// names could become one; MariaDB would refuse it) keeps its start and ends with 8 hex digits of
/// a hash of the whole name, and its suffix: the same on every run and every version.
pub(crate) fn object_name(table: &str, columns: &[&str], suffix: &str) -> String {
    let full = format!("{table}_{}_{suffix}", columns.join("_"));
    if full.len() <= MAX_NAME {
        return full;
    }
    // FNV-1a (32 bits): small, and stable across Rust versions, unlike std's hasher.
    let hash = full.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    let mut keep = MAX_NAME.saturating_sub(suffix.len() + 10);
    while !full.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}_{hash:08x}_{suffix}", &full[..keep])
}

/// Every table of an app, in an order the database accepts (referenced tables first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The tables.
    pub tables: Vec<Table>,
}

/// One table: its columns, constraints and indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// The table's name.
    pub name: String,
    /// The columns, in order.
    pub columns: Vec<Column>,
    /// Foreign keys and unique constraints, each with its name.
    #[serde(default)]
    pub constraints: Vec<Constraint>,
    /// Indexes, each with its name.
    #[serde(default)]
    pub indexes: Vec<Index>,
    /// MariaDB's table options (engine, character set, collation). A table with options
    /// declares its enum checks as table constraints: MariaDB names no column-level `CHECK`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<String>,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// Its type, with a primary key's clause (`INTEGER PRIMARY KEY AUTOINCREMENT`).
    #[serde(rename = "type")]
    pub ty: String,
    /// `NOT NULL`.
    #[serde(default)]
    pub not_null: bool,
    /// The `DEFAULT` expression.
    #[serde(default)]
    pub default: Option<String>,
    /// The values allowed (an enum's): a `CHECK` constraint named `{table}_{column}_check`.
    #[serde(default)]
    pub values: Vec<String>,
}

impl Column {
    /// A column of type `ty` that may be null.
    pub fn new(name: impl Into<String>, ty: impl Into<String>) -> Self {
        Column {
            name: name.into(),
            ty: ty.into(),
            not_null: false,
            default: None,
            values: Vec::new(),
        }
    }

    /// The column, `NOT NULL`.
    pub fn not_null(mut self) -> Self {
        self.not_null = true;
        self
    }

    /// The column with a `DEFAULT`.
    pub fn default(mut self, sql: impl Into<String>) -> Self {
        self.default = Some(sql.into());
        self
    }

    /// True for the primary key.
    pub fn is_primary_key(&self) -> bool {
        self.ty.contains("PRIMARY KEY")
    }

    /// The name of the `CHECK` constraint of its values, in `table`.
    pub fn check_name(&self, table: &str) -> String {
        object_name(table, &[&self.name], "check")
    }

    /// The column's definition, as in `CREATE TABLE` and `ADD COLUMN`, its values' `CHECK`
    /// included.
    pub fn definition(&self, table: &str) -> String {
        let mut line = self.bare_definition();
        if let Some(check) = self.check() {
            line.push_str(&format!(
                " CONSTRAINT {} CHECK ({check})",
                quote(&self.check_name(table))
            ));
        }
        line
    }

    /// The column's definition without its values' `CHECK` (MariaDB's, which declares it as
    /// a table constraint: [`Column::check_constraint`]).
    pub fn bare_definition(&self) -> String {
        let name = quote(&self.name);
        let mut line = format!("{name} {}", self.ty);
        if self.not_null && !self.is_primary_key() {
            line.push_str(" NOT NULL");
        }
        if let Some(default) = &self.default {
            line.push_str(" DEFAULT ");
            line.push_str(default);
        }
        line
    }

    /// `CONSTRAINT {table}_{column}_check CHECK (...)`, if it has values.
    pub fn check_constraint(&self, table: &str) -> Option<String> {
        self.check().map(|check| {
            format!(
                "CONSTRAINT {} CHECK ({check})",
                quote(&self.check_name(table))
            )
        })
    }

    /// The condition of its values' `CHECK`, if it has values.
    pub fn check(&self) -> Option<String> {
        if self.values.is_empty() {
            return None;
        }
        let values: Vec<String> = self.values.iter().map(|v| literal(v)).collect();
        Some(format!("{} IN ({})", quote(&self.name), values.join(", ")))
    }
}

/// A named table constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Constraint {
    /// `column` references `table (references)`.
    ForeignKey {
        /// The constraint's name.
        name: String,
        /// The referencing column.
        column: String,
        /// The referenced table.
        table: String,
        /// The referenced column.
        references: String,
        /// `CASCADE`, `RESTRICT` or `SET NULL`.
        on_delete: String,
    },
    /// The columns are unique together.
    Unique {
        /// The constraint's name.
        name: String,
        /// The columns.
        columns: Vec<String>,
    },
}

impl Constraint {
    /// The constraint's name.
    pub fn name(&self) -> &str {
        match self {
            Constraint::ForeignKey { name, .. } | Constraint::Unique { name, .. } => name,
        }
    }

    /// Its definition, as in `CREATE TABLE` and `ADD CONSTRAINT`.
    pub fn definition(&self) -> String {
        match self {
            Constraint::ForeignKey {
                name,
                column,
                table,
                references,
                on_delete,
            } => format!(
                "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {on_delete}",
                quote(name),
                quote(column),
                quote(table),
                quote(references)
            ),
            Constraint::Unique { name, columns } => {
                format!("CONSTRAINT {} UNIQUE ({})", quote(name), quoted(columns))
            }
        }
    }

    /// True when it names `column` (as the referencing or a unique column).
    pub fn covers(&self, column: &str) -> bool {
        match self {
            Constraint::ForeignKey { column: own, .. } => own == column,
            Constraint::Unique { columns, .. } => columns.iter().any(|c| c == column),
        }
    }
}

/// A named index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// The index's name.
    pub name: String,
    /// Its columns.
    pub columns: Vec<String>,
}

impl Index {
    /// `CREATE INDEX IF NOT EXISTS ...` on `table`.
    pub fn create(&self, table: &str) -> String {
        format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
            quote(&self.name),
            quote(table),
            quoted(&self.columns)
        )
    }
}

impl Table {
    /// An empty table called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Table {
            name: name.into(),
            columns: Vec::new(),
            constraints: Vec::new(),
            indexes: Vec::new(),
            options: None,
        }
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|column| column.name == name)
    }

    /// `CREATE TABLE IF NOT EXISTS` (under `name`), then its indexes.
    pub fn create_as(&self, name: &str) -> Vec<String> {
        let lines: Vec<String> = match &self.options {
            None => self
                .columns
                .iter()
                .map(|column| column.definition(&self.name))
                .chain(self.constraints.iter().map(Constraint::definition))
                .collect(),
            Some(_) => self
                .columns
                .iter()
                .map(Column::bare_definition)
                .chain(self.constraints.iter().map(Constraint::definition))
                .chain(
                    self.columns
                        .iter()
                        .filter_map(|column| column.check_constraint(&self.name)),
                )
                .collect(),
        };
        let options = self
            .options
            .as_ref()
            .map_or_else(String::new, |options| format!(" {options}"));
        let mut statements = vec![format!(
            "CREATE TABLE IF NOT EXISTS {} (\n    {}\n){options}",
            quote(name),
            lines.join(",\n    ")
        )];
        statements.extend(self.indexes.iter().map(|index| index.create(name)));
        statements
    }

    /// `CREATE TABLE IF NOT EXISTS`, then its indexes.
    pub fn create(&self) -> Vec<String> {
        self.create_as(&self.name)
    }
}

impl Schema {
    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|table| table.name == name)
    }

    /// Every table's `CREATE` statements, each ending in `;` and a new line.
    pub fn create_sql(&self) -> String {
        let mut out = String::new();
        for statement in self.tables.iter().flat_map(Table::create) {
            out.push_str(&statement);
            out.push_str(";\n");
        }
        out
    }
}

/// A SQL string literal.
pub(crate) fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn quoted(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| quote(c))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::object_name;

    #[test]
    fn names_up_to_63_bytes_are_postgresqls_own() {
        assert_eq!(object_name("posts", &["slug"], "key"), "posts_slug_key");
        let exact = object_name(&"t".repeat(55), &["col"], "idx");
        assert_eq!(exact.len(), 63);
        assert_eq!(exact, format!("{}_col_idx", "t".repeat(55)));
    }

    #[test]
    fn longer_names_keep_their_start_and_suffix_and_stay_apart() {
        let table = "conference_room_reservations";
        let a = object_name(table, &["conference_room_number", "starting_slot_a"], "key");
        let b = object_name(table, &["conference_room_number", "starting_slot_b"], "key");
        assert_eq!((a.len(), b.len()), (63, 63));
        assert!(
            a.starts_with("conference_room_reservations_conference_room_num"),
            "{a}"
        );
        assert!(a.ends_with("_key"), "{a}");
        assert_ne!(a, b, "names that differ only past the cut stay apart");
        // The same every time (and on every version: the hash is written out, not std's).
        assert_eq!(
            a,
            object_name(table, &["conference_room_number", "starting_slot_a"], "key")
        );
        let wide = object_name(&"é".repeat(40), &["x"], "idx");
        assert!(wide.len() <= 63, "cut on a character boundary: {wide}");
    }
}
