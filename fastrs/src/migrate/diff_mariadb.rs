//! The changes to one table on MariaDB, in an order it accepts.
//!
//! MariaDB uses an index a foreign key needs for the key itself and refuses to drop it while
//! the key stands, and its DDL is not transactional (a statement that fails leaves the ones
//! before it applied). So: foreign keys that go are dropped first; columns are added and
//! changed; new indexes and constraints are made before the old ones go; columns are dropped
//! last. Enum checks are table constraints (MariaDB names no column-level `CHECK`), and a
//! changed column is restated whole (`MODIFY COLUMN`).

use super::table::{Column, Constraint, Index, Table};
use crate::db::quote;

/// What changes in one table (its columns already renamed).
pub(super) struct Changes<'a> {
    pub(super) added: &'a [&'a Column],
    pub(super) dropped: &'a [&'a Column],
    /// `(before, after)`.
    pub(super) changed: &'a [(&'a Column, &'a Column)],
    pub(super) added_constraints: &'a [&'a Constraint],
    pub(super) dropped_constraints: &'a [&'a Constraint],
    pub(super) added_indexes: Vec<&'a Index>,
    pub(super) dropped_indexes: Vec<&'a Index>,
}

impl Changes<'_> {
    /// The statements that take the table to `new`.
    pub(super) fn statements(&self, new: &Table) -> Vec<String> {
        let name = quote(&new.name);
        let mut statements = Vec::new();
        let mut push = |statement: String| statements.push(statement);
        for constraint in self.dropped_constraints {
            if let Constraint::ForeignKey { name: key, .. } = constraint {
                push(format!(
                    "ALTER TABLE {name} DROP FOREIGN KEY IF EXISTS {}",
                    quote(key)
                ));
            }
        }
        for column in self.added {
            push(format!(
                "ALTER TABLE {name} ADD COLUMN {}",
                column.bare_definition()
            ));
            if let Some(check) = column.check_constraint(&new.name) {
                push(format!("ALTER TABLE {name} ADD {check}"));
            }
        }
        for (before, after) in self.changed {
            if before.ty != after.ty
                || before.not_null != after.not_null
                || before.default != after.default
            {
                push(format!(
                    "ALTER TABLE {name} MODIFY COLUMN {}",
                    after.bare_definition()
                ));
            }
            if before.values != after.values {
                push(format!(
                    "ALTER TABLE {name} DROP CONSTRAINT IF EXISTS {}",
                    quote(&after.check_name(&new.name))
                ));
                if let Some(check) = after.check_constraint(&new.name) {
                    push(format!("ALTER TABLE {name} ADD {check}"));
                }
            }
        }
        for index in &self.added_indexes {
            push(index.create(&new.name));
        }
        for constraint in self.added_constraints {
            push(format!(
                "ALTER TABLE {name} ADD {}",
                constraint.definition()
            ));
        }
        for constraint in self.dropped_constraints {
            if let Constraint::Unique { name: key, .. } = constraint {
                push(format!(
                    "ALTER TABLE {name} DROP INDEX IF EXISTS {}",
                    quote(key)
                ));
            }
        }
        for index in &self.dropped_indexes {
            push(format!(
                "DROP INDEX IF EXISTS {} ON {name}",
                quote(&index.name)
            ));
        }
        for column in self.dropped {
            if !column.values.is_empty() {
                // MariaDB drops no column a check still reads.
                push(format!(
                    "ALTER TABLE {name} DROP CONSTRAINT IF EXISTS {}",
                    quote(&column.check_name(&new.name))
                ));
            }
            push(format!(
                "ALTER TABLE {name} DROP COLUMN {}",
                quote(&column.name)
            ));
        }
        statements
    }
}
