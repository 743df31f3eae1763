//! From one [`Schema`] to the next: the statements of a migration, per backend.
//!
//! PostgreSQL alters tables in place. SQLite can add, rename and drop indexes and add or rename
//! columns in place; any other change to a table (a column dropped or changed, a constraint
//! added or dropped) rebuilds it as SQLite's documentation prescribes: a new table, the rows
//! copied, the old one dropped, the new one renamed, with foreign keys off for the while (the
//! migration then runs outside sqlx's transaction and opens its own). MariaDB alters in place
//! too, with its own words for some changes (`MODIFY COLUMN`, `DROP FOREIGN KEY`), its enum
//! checks as table constraints, and its SQL mode set at the top of the file.

use super::table::{Column, Constraint, Schema, Table, literal};
use crate::db::{Backend, quote};

/// Renamed tables and columns: a rename cannot be told from a drop and an add, so it is said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renames {
    /// `(old, new)` table names.
    pub tables: Vec<(String, String)>,
    /// `(table, old, new)` column names (the table's new name).
    pub columns: Vec<(String, String, String)>,
}

impl Renames {
    /// Reads `old=new` (a table) or `table.old=new` (a column).
    ///
    /// ```
    /// let mut renames = fastrs::migrate::Renames::default();
    /// renames.add("posts.title=headline").unwrap();
    /// assert_eq!(renames.columns, [("posts".into(), "title".into(), "headline".into())]);
    /// ```
    pub fn add(&mut self, rename: &str) -> Result<(), String> {
        let bad = || format!("`{rename}`: a rename is `table.old=new` or `old_table=new_table`");
        let (old, new) = rename.split_once('=').ok_or_else(bad)?;
        let (old, new) = (old.trim(), new.trim());
        if new.is_empty() || new.contains('.') {
            return Err(bad());
        }
        match old.split_once('.') {
            Some((table, column)) if !table.is_empty() && !column.is_empty() => {
                self.columns
                    .push((table.to_owned(), column.to_owned(), new.to_owned()));
            }
            None if !old.is_empty() => self.tables.push((old.to_owned(), new.to_owned())),
            _ => return Err(bad()),
        }
        Ok(())
    }
}

/// A migration's statements for one backend.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The statements, in order.
    pub statements: Vec<String>,
    /// The statements must run outside sqlx's transaction (a SQLite table rebuild, which turns
    /// foreign keys off first and opens a transaction of its own).
    pub own_transaction: bool,
    /// What a reader should look at twice (data that goes away).
    pub warnings: Vec<String>,
    /// The statement the file begins with (MariaDB's SQL mode: `"quoted"` identifiers).
    pub session: Option<String>,
}

impl Plan {
    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The migration file's SQL (without the schema snapshot).
    pub fn sql(&self) -> String {
        let mut out = String::new();
        if let Some(session) = &self.session {
            out.push_str(session);
            out.push_str(";\n");
        }
        if self.own_transaction {
            out.push_str("-- no-transaction\nPRAGMA foreign_keys = OFF;\nBEGIN;\n");
        }
        for warning in &self.warnings {
            out.push_str(&format!("-- WARNING: {warning}\n"));
        }
        for statement in &self.statements {
            out.push_str(statement);
            out.push_str(";\n");
        }
        if self.own_transaction {
            out.push_str("COMMIT;\nPRAGMA foreign_keys = ON;\n");
        }
        out
    }
}

/// The statements that take a database from `old` to `new` on `backend`.
///
/// Refused (with the reason): a new `NOT NULL` column without a default (the rows already
/// there would have no value), a changed primary key, and a rename whose names are not found.
pub fn diff(
    old: &Schema,
    new: &Schema,
    renames: &Renames,
    backend: Backend,
) -> Result<Plan, String> {
    let mut plan = Plan {
        session: (backend == Backend::MariaDb).then(|| crate::db::mariadb::SESSION.to_owned()),
        ..Plan::default()
    };
    let mut old = old.clone();
    for (from, to) in &renames.tables {
        let Some(table) = old.tables.iter_mut().find(|t| &t.name == from) else {
            return Err(format!(
                "rename: there is no table `{from}` in the last migration"
            ));
        };
        if new.table(to).is_none() {
            return Err(format!("rename: the models have no table `{to}`"));
        }
        plan.statements.push(format!(
            "ALTER TABLE {} RENAME TO {}",
            quote(from),
            quote(to)
        ));
        // A constraint keeps its name: the enum checks follow the table's.
        for column in table.columns.iter().filter(|c| !c.values.is_empty()) {
            rename_check(backend, to, column, &column.check_name(from), &mut plan);
        }
        table.name.clone_from(to);
    }
    for (n, (table, from, to)) in renames.columns.iter().enumerate() {
        // Each column renamed once, to a name no column of the table had: no swaps, no chains.
        let clash = renames
            .columns
            .iter()
            .enumerate()
            .any(|(m, (t, f, _))| t == table && (f == to || (f == from && m != n)))
            || old
                .tables
                .iter()
                .find(|t| &t.name == table)
                .is_some_and(|t| t.column(to).is_some());
        if clash {
            return Err(format!(
                "rename: `{table}.{from}` to `{to}` overlaps another column or rename; rename in two migrations"
            ));
        }
        let found = old
            .tables
            .iter()
            .find(|t| &t.name == table)
            .is_some_and(|t| t.column(from).is_some());
        let wanted = new.table(table).is_some_and(|t| t.column(to).is_some());
        if !found || !wanted {
            return Err(format!(
                "rename: `{table}.{from}` must be in the last migration and `{table}.{to}` in the models"
            ));
        }
    }
    for table in &new.tables {
        match old.table(&table.name) {
            None => plan.statements.extend(table.create()),
            Some(before) => {
                let columns: Vec<(&str, &str)> = renames
                    .columns
                    .iter()
                    .filter(|(t, _, _)| t == &table.name)
                    .map(|(_, from, to)| (from.as_str(), to.as_str()))
                    .collect();
                alter(before, table, &columns, backend, &mut plan)?;
            }
        }
    }
    for table in old.tables.iter().rev() {
        if new.table(&table.name).is_none() {
            plan.warnings
                .push(format!("table `{}` is dropped, with its rows", table.name));
            plan.statements
                .push(format!("DROP TABLE IF EXISTS {}", quote(&table.name)));
        }
    }
    Ok(plan)
}

/// The changes to one table, whose columns `renames` renamed (`(old, new)`).
fn alter(
    old: &Table,
    new: &Table,
    renames: &[(&str, &str)],
    backend: Backend,
    plan: &mut Plan,
) -> Result<(), String> {
    let name = quote(&new.name);
    // `old` as it is after the renames.
    let mut renamed = old.clone();
    for (from, to) in renames {
        plan.statements.push(format!(
            "ALTER TABLE {name} RENAME COLUMN {} TO {}",
            quote(from),
            quote(to)
        ));
        for column in renamed.columns.iter_mut().filter(|c| c.name == *from) {
            let check = column.check_name(&old.name);
            column.name = (*to).to_owned();
            if !column.values.is_empty() {
                rename_check(backend, &new.name, column, &check, plan);
            }
        }
    }
    let added: Vec<&Column> = new
        .columns
        .iter()
        .filter(|c| renamed.column(&c.name).is_none())
        .collect();
    let dropped: Vec<&Column> = renamed
        .columns
        .iter()
        .filter(|c| new.column(&c.name).is_none())
        .collect();
    let changed: Vec<(&Column, &Column)> = new
        .columns
        .iter()
        .filter_map(|c| renamed.column(&c.name).map(|before| (before, c)))
        .filter(|(before, after)| before != after)
        .collect();
    for column in &added {
        if column.not_null && column.default.is_none() && !column.is_primary_key() {
            return Err(format!(
                "`{}.{}` is new and NOT NULL without a default: the rows already there would have no value. Give it a default (`#[resource(default = ...)]`) or make it an `Option`",
                new.name, column.name
            ));
        }
    }
    for (before, after) in &changed {
        if before.is_primary_key() || after.is_primary_key() {
            return Err(format!(
                "the primary key of `{}` changed: write this migration by hand",
                new.name
            ));
        }
    }
    for column in &dropped {
        plan.warnings.push(format!(
            "column `{}.{}` is dropped, with its values",
            new.name, column.name
        ));
    }
    let dropped_constraints: Vec<&Constraint> = renamed
        .constraints
        .iter()
        .filter(|c| !new.constraints.contains(c))
        .collect();
    let added_constraints: Vec<&Constraint> = new
        .constraints
        .iter()
        .filter(|c| !renamed.constraints.contains(c))
        .collect();
    let dropped_indexes = renamed.indexes.iter().filter(|i| !new.indexes.contains(i));
    let added_indexes = new.indexes.iter().filter(|i| !renamed.indexes.contains(i));
    if backend == Backend::Sqlite {
        // In place: new columns whose constraints SQLite accepts on `ADD COLUMN`.
        let in_place = dropped.is_empty()
            && changed.is_empty()
            && dropped_constraints.is_empty()
            && added_constraints.iter().all(|constraint| match constraint {
                Constraint::ForeignKey { column, .. } => added
                    .iter()
                    .any(|c| &c.name == column && !c.not_null && c.default.is_none()),
                Constraint::Unique { .. } => false,
            });
        if !in_place {
            return rebuild(&renamed, new, plan);
        }
    }
    if backend == Backend::MariaDb {
        let changes = super::diff_mariadb::Changes {
            added: &added,
            dropped: &dropped,
            changed: &changed,
            added_constraints: &added_constraints,
            dropped_constraints: &dropped_constraints,
            added_indexes: added_indexes.collect(),
            dropped_indexes: dropped_indexes.collect(),
        };
        plan.statements.extend(changes.statements(new));
        return Ok(());
    }
    for index in dropped_indexes {
        plan.statements
            .push(format!("DROP INDEX IF EXISTS {}", quote(&index.name)));
    }
    for constraint in &dropped_constraints {
        plan.statements.push(format!(
            "ALTER TABLE {name} DROP CONSTRAINT IF EXISTS {}",
            quote(constraint.name())
        ));
    }
    for column in &dropped {
        plan.statements.push(format!(
            "ALTER TABLE {name} DROP COLUMN {}",
            quote(&column.name)
        ));
    }
    for column in &added {
        let mut definition = column.definition(&new.name);
        if backend == Backend::Sqlite {
            // SQLite adds a column's foreign key only inline.
            for constraint in added_constraints.iter().filter(|c| c.covers(&column.name)) {
                if let Constraint::ForeignKey {
                    name: key,
                    table,
                    references,
                    on_delete,
                    ..
                } = constraint
                {
                    definition.push_str(&format!(
                        " CONSTRAINT {} REFERENCES {} ({}) ON DELETE {on_delete}",
                        quote(key),
                        quote(table),
                        quote(references)
                    ));
                }
            }
        }
        plan.statements
            .push(format!("ALTER TABLE {name} ADD COLUMN {definition}"));
    }
    for (before, after) in &changed {
        let column = quote(&after.name);
        if before.ty != after.ty {
            plan.statements.push(format!(
                "ALTER TABLE {name} ALTER COLUMN {column} TYPE {ty} USING {column}::{ty}",
                ty = after.ty
            ));
        }
        if before.not_null != after.not_null {
            let verb = if after.not_null { "SET" } else { "DROP" };
            plan.statements.push(format!(
                "ALTER TABLE {name} ALTER COLUMN {column} {verb} NOT NULL"
            ));
        }
        if before.default != after.default {
            plan.statements.push(match &after.default {
                Some(default) => {
                    format!("ALTER TABLE {name} ALTER COLUMN {column} SET DEFAULT {default}")
                }
                None => format!("ALTER TABLE {name} ALTER COLUMN {column} DROP DEFAULT"),
            });
        }
        if before.values != after.values {
            let check = quote(&after.check_name(&new.name));
            plan.statements.push(format!(
                "ALTER TABLE {name} DROP CONSTRAINT IF EXISTS {check}"
            ));
            if let Some(condition) = after.check() {
                plan.statements.push(format!(
                    "ALTER TABLE {name} ADD CONSTRAINT {check} CHECK ({condition})"
                ));
            }
        }
    }
    if backend == Backend::Postgres {
        for constraint in &added_constraints {
            plan.statements.push(format!(
                "ALTER TABLE {name} ADD {}",
                constraint.definition()
            ));
        }
    }
    for index in added_indexes {
        plan.statements.push(index.create(&new.name));
    }
    Ok(())
}

/// The check of `column`'s values (in `table`), called `from` until now, under its name for
/// `table` and `column`: PostgreSQL renames it; MariaDB, which cannot, drops and adds it;
/// SQLite's checks have no name to keep.
fn rename_check(backend: Backend, table: &str, column: &Column, from: &str, plan: &mut Plan) {
    let to = column.check_name(table);
    match backend {
        Backend::Postgres => plan.statements.push(format!(
            "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
            quote(table),
            quote(from),
            quote(&to)
        )),
        Backend::MariaDb => {
            plan.statements.push(format!(
                "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
                quote(table),
                quote(from)
            ));
            if let Some(check) = column.check_constraint(table) {
                plan.statements
                    .push(format!("ALTER TABLE {} ADD {check}", quote(table)));
            }
        }
        Backend::Sqlite => {}
    }
}

/// SQLite's table rebuild: `new` under a temporary name, the rows that fit copied, `old` (as it
/// is after the column renames planned before, which run first) dropped, the new table
/// renamed, its indexes made. The new table is built from the models: what a hand-written
/// migration added to the old one (a column, an index, a trigger) is not carried over.
fn rebuild(old: &Table, new: &Table, plan: &mut Plan) -> Result<(), String> {
    plan.own_transaction = true;
    let temporary = format!("_fastrs_new_{}", new.name);
    // The table only: its indexes are made under the table's own name at the end.
    plan.statements
        .extend(new.create_as(&temporary).into_iter().take(1));
    // `old` is the table as it is after the renames planned above.
    let kept: Vec<String> = new
        .columns
        .iter()
        .filter(|c| old.column(&c.name).is_some())
        .map(|c| quote(&c.name))
        .collect();
    if !kept.is_empty() {
        let kept = kept.join(", ");
        plan.statements.push(format!(
            "INSERT INTO {} ({kept}) SELECT {kept} FROM {}",
            quote(&temporary),
            quote(&new.name)
        ));
    }
    if new.columns.iter().any(|c| c.ty.contains("AUTOINCREMENT")) {
        // Ids stay never given twice: the new table's counter continues the old one's.
        plan.statements.push(format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT {}, 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = {})",
            literal(&temporary),
            literal(&temporary)
        ));
        plan.statements.push(format!(
            "UPDATE sqlite_sequence SET seq = (SELECT MAX(seq) FROM sqlite_sequence WHERE name IN ({}, {})) WHERE name = {}",
            literal(&new.name),
            literal(&temporary),
            literal(&temporary)
        ));
    }
    plan.statements
        .push(format!("DROP TABLE {}", quote(&new.name)));
    plan.statements.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        quote(&temporary),
        quote(&new.name)
    ));
    // Dropping the old table dropped its indexes.
    plan.statements
        .extend(new.indexes.iter().map(|index| index.create(&new.name)));
    Ok(())
}
