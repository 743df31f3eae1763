//! DDL: `CREATE TABLE` and `CREATE INDEX` statements for a resource, per backend. Used by
//! `create_all` at start-up, printed by the app's `ddl` command, and compared by migrations.

use super::{ResourceMeta, Role, SqlType};
use crate::db::Backend;
use crate::migrate::{Column, Constraint, Index, Table, object_name};

pub(crate) fn column_type(sql_type: SqlType, backend: Backend) -> &'static str {
    match (backend, sql_type) {
        (Backend::Sqlite, SqlType::Int | SqlType::BigInt | SqlType::Bool) => "INTEGER",
        (Backend::Sqlite, SqlType::Double) => "REAL",
        (Backend::Sqlite, SqlType::Text | SqlType::Timestamp | SqlType::Json) => "TEXT",
        (Backend::Sqlite, SqlType::Uuid) => "BLOB",
        (Backend::Postgres, SqlType::Int) => "INTEGER",
        (Backend::Postgres, SqlType::BigInt) => "BIGINT",
        (Backend::Postgres, SqlType::Double) => "DOUBLE PRECISION",
        (Backend::Postgres, SqlType::Bool) => "BOOLEAN",
        (Backend::Postgres, SqlType::Text) => "TEXT",
        (Backend::Postgres, SqlType::Uuid) => "UUID",
        (Backend::Postgres, SqlType::Timestamp) => "TIMESTAMPTZ",
        (Backend::Postgres, SqlType::Json) => "JSONB",
        (Backend::MariaDb, SqlType::Int) => "INT",
        (Backend::MariaDb, SqlType::BigInt) => "BIGINT",
        (Backend::MariaDb, SqlType::Double) => "DOUBLE",
        (Backend::MariaDb, SqlType::Bool) => "BOOLEAN",
        // TEXT holds 64 KiB at most.
        (Backend::MariaDb, SqlType::Text) => "LONGTEXT",
        (Backend::MariaDb, SqlType::Uuid) => "BINARY(16)",
        (Backend::MariaDb, SqlType::Timestamp) => "DATETIME(6)",
        (Backend::MariaDb, SqlType::Json) => "JSON",
    }
}

/// The length of a text column MariaDB must index (`VARCHAR`): it cannot index `TEXT` whole.
pub(crate) const MARIADB_KEY_LENGTH: u32 = 255;

/// What every table needs on `backend` beyond its columns: on MariaDB, the table options, and
/// `VARCHAR` for the text columns that are keys (a primary key, in a constraint or an index).
/// A longer value is refused (422), never cut.
pub(crate) fn finish(mut table: Table, backend: Backend) -> Table {
    if backend != Backend::MariaDb {
        return table;
    }
    table.options = Some(crate::db::mariadb::TABLE_OPTIONS.to_owned());
    let keyed: Vec<String> = table
        .constraints
        .iter()
        .flat_map(|constraint| match constraint {
            Constraint::ForeignKey { column, .. } => vec![column.clone()],
            Constraint::Unique { columns, .. } => columns.clone(),
        })
        .chain(table.indexes.iter().flat_map(|index| index.columns.clone()))
        .collect();
    for column in &mut table.columns {
        let key = column.is_primary_key() || keyed.contains(&column.name);
        let text = ["LONGTEXT", "TEXT"]
            .into_iter()
            .find(|text| column.ty.starts_with(text));
        match (text, key) {
            (Some(text), true) => {
                column.ty = column
                    .ty
                    .replacen(text, &format!("VARCHAR({MARIADB_KEY_LENGTH})"), 1);
            }
            (Some("TEXT"), false) => column.ty = column.ty.replacen("TEXT", "LONGTEXT", 1),
            _ => {}
        }
    }
    table
}

/// What the app adds to a resource's table beyond the model's own columns.
#[derive(Debug, Clone, Default)]
pub struct TableLinks<'a> {
    /// The owner column references this user table and id column: a foreign key
    /// `ON DELETE CASCADE` (deleting a user deletes what they own) and an index.
    pub owner_references: Option<(&'a str, &'a str)>,
    /// Columns the framework keeps in this table (the user table's token epoch).
    pub extra_columns: Vec<Column>,
}

/// The statements that create `meta`'s table and indexes if they do not exist.
///
/// ```
/// # use fastrs::db::Backend;
/// # fn demo(meta: &fastrs::resource::ResourceMeta) {
/// for statement in fastrs::resource::create_table(meta, Backend::Postgres) {
///     println!("{statement};");
/// }
/// # }
/// ```
pub fn create_table(meta: &ResourceMeta, backend: Backend) -> Vec<String> {
    table(meta, backend, TableLinks::default()).create()
}

/// `meta`'s table on `backend`, with what the app links to it: what `create_all` creates and
/// what migrations compare.
pub fn table(meta: &ResourceMeta, backend: Backend, links: TableLinks<'_>) -> Table {
    let mut table = Table::new(meta.table);
    // Computed fields are read, never stored.
    for column in meta.columns.iter().filter(|c| !c.computed()) {
        let ty = if column.role == Role::Id {
            match (backend, column.sql_type) {
                // INTEGER PRIMARY KEY is the rowid: generated, and 64-bit whatever it says.
                // AUTOINCREMENT: an id is never given again after its row is deleted (a new
                // user must not inherit a deleted user's rows and tokens).
                (Backend::Sqlite, SqlType::Int | SqlType::BigInt) => {
                    "INTEGER PRIMARY KEY AUTOINCREMENT".to_owned()
                }
                (Backend::Postgres, SqlType::Int | SqlType::BigInt) => format!(
                    "{} GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                    column_type(column.sql_type, backend)
                ),
                (Backend::MariaDb, SqlType::Int | SqlType::BigInt) => format!(
                    "{} AUTO_INCREMENT PRIMARY KEY",
                    column_type(column.sql_type, backend)
                ),
                (_, sql_type) => format!("{} PRIMARY KEY", column_type(sql_type, backend)),
            }
        } else {
            column_type(column.sql_type, backend).to_owned()
        };
        table.columns.push(Column {
            name: column.column.to_owned(),
            ty,
            not_null: !column.nullable && column.role != Role::Id,
            default: column.default_sql.map(str::to_owned),
            values: column.values.iter().map(|v| (*v).to_owned()).collect(),
        });
    }
    if meta.soft_delete {
        table.columns.push(Column::new(
            super::sql::DELETED_AT,
            column_type(SqlType::Timestamp, backend),
        ));
    }
    table.columns.extend(links.extra_columns);
    let owner = meta
        .owner_column()
        .filter(|_| links.owner_references.is_some());
    if let (Some(owner), Some((users, id))) = (owner, links.owner_references) {
        table.constraints.push(Constraint::ForeignKey {
            name: object_name(meta.table, &[owner.column], "fkey"),
            column: owner.column.to_owned(),
            table: users.to_owned(),
            references: id.to_owned(),
            on_delete: "CASCADE".to_owned(),
        });
    }
    for column in meta.columns {
        if let Some(reference) = column.references {
            let target = (reference.target)();
            let target_id = target.id_column().map_or("id", |id| id.column);
            table.constraints.push(Constraint::ForeignKey {
                name: object_name(meta.table, &[column.column], "fkey"),
                column: column.column.to_owned(),
                table: target.table.to_owned(),
                references: target_id.to_owned(),
                on_delete: reference.on_delete.sql().to_owned(),
            });
        }
    }
    for column in meta
        .columns
        .iter()
        .filter(|column| column.unique && column.role != Role::Id)
    {
        table.constraints.push(Constraint::Unique {
            name: object_name(meta.table, &[column.column], "key"),
            columns: vec![column.column.to_owned()],
        });
    }
    for columns in meta.unique_together {
        table.constraints.push(Constraint::Unique {
            name: object_name(meta.table, columns, "key"),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        });
    }
    for column in meta.columns.iter().filter(|column| {
        (column.index
            || column.references.is_some()
            || (column.role == Role::Owner && owner.is_some()))
            && !column.unique
    }) {
        table.indexes.push(Index {
            name: object_name(meta.table, &[column.column], "idx"),
            columns: vec![column.column.to_owned()],
        });
    }
    for columns in meta.indexes {
        table.indexes.push(Index {
            name: object_name(meta.table, columns, "idx"),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        });
    }
    finish(table, backend)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::tests::{column, meta};
    use crate::resource::{ColumnMeta, InsertFrom};

    static COLUMNS: [ColumnMeta; 3] = [
        column("id", SqlType::BigInt, Role::Id, InsertFrom::Database, false),
        ColumnMeta {
            unique: true,
            ..column("name", SqlType::Text, Role::Data, InsertFrom::Body, true)
        },
        ColumnMeta {
            index: true,
            nullable: true,
            default_sql: Some("'x'"),
            ..column("note", SqlType::Text, Role::Data, InsertFrom::Body, true)
        },
    ];
    static META: ResourceMeta = meta(&COLUMNS);

    #[test]
    fn sqlite_ddl() {
        let ddl = create_table(&META, Backend::Sqlite);
        assert_eq!(
            ddl[0],
            "CREATE TABLE IF NOT EXISTS \"things\" (\n    \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,\n    \"name\" TEXT NOT NULL,\n    \"note\" TEXT DEFAULT 'x',\n    CONSTRAINT \"things_name_key\" UNIQUE (\"name\")\n)"
        );
        assert_eq!(
            ddl[1],
            "CREATE INDEX IF NOT EXISTS \"things_note_idx\" ON \"things\" (\"note\")"
        );
    }

    #[test]
    fn mariadb_ddl_keys_text_as_varchar_and_checks_as_table_constraints() {
        let ddl = create_table(&META, Backend::MariaDb);
        assert_eq!(
            ddl[0],
            "CREATE TABLE IF NOT EXISTS \"things\" (\n    \"id\" BIGINT AUTO_INCREMENT PRIMARY KEY,\n    \"name\" VARCHAR(255) NOT NULL,\n    \"note\" VARCHAR(255) DEFAULT 'x',\n    CONSTRAINT \"things_name_key\" UNIQUE (\"name\")\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"
        );
    }

    #[test]
    fn postgres_ddl_uses_identity_ids() {
        let ddl = create_table(&META, Backend::Postgres);
        assert!(
            ddl[0].contains("\"id\" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
            "{}",
            ddl[0]
        );
    }
}
