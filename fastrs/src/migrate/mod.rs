//! Migrations: versioned SQL files generated from the difference between the models and the
//! last migration, in sqlx's format (`sqlx migrate run --source migrations/postgres` applies
//! them too), applied at start-up or by the app's `migrate run` command.
//!
//! A migrations directory holds one folder per backend (`migrations/sqlite`,
//! `migrations/postgres`): the SQL differs between them. Each generated file ends with a
//! snapshot of the schema it leads to (a `-- fastrs-schema:` comment line), which is what the
//! next `migrate make` compares the models with; no database is needed to make a migration.
//! Hand-written migrations (without a snapshot) can sit between generated ones.
//!
//! ```no_run
//! # async fn demo(app: fastrs::App) -> fastrs::Result<()> {
//! use fastrs::db::Backend;
//! use fastrs::migrate::{Migrations, Renames};
//!
//! let migrations = Migrations::new("migrations");
//! // What `my-app migrate make add_views` does, per backend:
//! let made = migrations.make("add views", &app.schema(Backend::Sqlite), Backend::Sqlite, &Renames::default())?;
//! // In CI: fails when a model changed without a migration.
//! migrations.check(&app.schema(Backend::Sqlite), Backend::Sqlite)?;
//! # Ok(()) }
//! ```

mod diff;
mod diff_mariadb;
#[cfg(test)]
mod diff_tests;
mod table;

use std::path::{Path, PathBuf};

pub use diff::{Plan, Renames, diff};
pub(crate) use table::object_name;
pub use table::{Column, Constraint, Index, Schema, Table};

use crate::db::{Backend, Pool};
use crate::error::Error;

/// The comment that starts a migration's schema snapshot.
const SNAPSHOT: &str = "-- fastrs-schema: ";

/// A migrations directory (one folder per backend inside).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrations {
    root: PathBuf,
}

/// One migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    /// Its version (the file name's number).
    pub version: i64,
    /// Its description (the rest of the file name).
    pub description: String,
    /// The file.
    pub path: PathBuf,
}

/// A migration and whether the database has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The migration.
    pub file: MigrationFile,
    /// The database has applied it.
    pub applied: bool,
}

impl Migrations {
    /// The migrations under `root` (`root/sqlite`, `root/postgres`, `root/mariadb`).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Migrations { root: root.into() }
    }

    /// The folder of `backend`'s migrations.
    pub fn dir(&self, backend: Backend) -> PathBuf {
        self.root.join(backend.name())
    }

    /// `backend`'s migration files, oldest first (none when the folder does not exist).
    pub fn files(&self, backend: Backend) -> crate::Result<Vec<MigrationFile>> {
        let dir = self.dir(backend);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(io_error(&dir, &error)),
        };
        let mut files = Vec::new();
        for entry in entries {
            let path = entry.map_err(|error| io_error(&dir, &error))?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            // sqlx's rule: `<VERSION>_<DESCRIPTION>.sql`, anything else is ignored.
            let Some((version, rest)) = name.split_once('_') else {
                continue;
            };
            let Some(description) = rest.strip_suffix(".sql") else {
                continue;
            };
            let version = version.parse().map_err(|_| {
                Error::Config(format!(
                    "{}: a migration's name starts with its version number",
                    path.display()
                ))
            })?;
            files.push(MigrationFile {
                version,
                description: description.trim_end_matches(".up").replace('_', " "),
                path,
            });
        }
        files.sort_by_key(|file| file.version);
        Ok(files)
    }

    /// The schema the newest migration with a snapshot leads to (none before the first).
    pub fn snapshot(&self, backend: Backend) -> crate::Result<Option<Schema>> {
        for file in self.files(backend)?.iter().rev() {
            let text = std::fs::read_to_string(&file.path).map_err(|e| io_error(&file.path, &e))?;
            if let Some(json) = text.lines().rev().find_map(|l| l.strip_prefix(SNAPSHOT)) {
                return serde_json::from_str(json).map(Some).map_err(|error| {
                    Error::Config(format!(
                        "{}: its schema snapshot is not readable: {error}",
                        file.path.display()
                    ))
                });
            }
        }
        Ok(None)
    }

    /// The plan from the last migration's schema to `schema`.
    pub fn plan(
        &self,
        schema: &Schema,
        backend: Backend,
        renames: &Renames,
    ) -> crate::Result<Plan> {
        let last = self.snapshot(backend)?.unwrap_or_default();
        diff(&last, schema, renames, backend).map_err(Error::Config)
    }

    /// Writes a migration from the last migration's schema to `schema`, named `name`; `None`
    /// when nothing changed.
    pub fn make(
        &self,
        name: &str,
        schema: &Schema,
        backend: Backend,
        renames: &Renames,
    ) -> crate::Result<Option<PathBuf>> {
        let description: String = name
            .trim()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        if description.trim_matches('_').is_empty() {
            return Err(Error::Config(format!(
                "`{name}`: a migration's name needs a letter or a digit"
            )));
        }
        let plan = self.plan(schema, backend, renames)?;
        if plan.is_empty() {
            return Ok(None);
        }
        let files = self.files(backend)?;
        let now: i64 = chrono::Utc::now()
            .format("%Y%m%d%H%M%S")
            .to_string()
            .parse()
            .unwrap_or(0);
        let version = files
            .last()
            .map_or(now, |last| now.max(last.version.saturating_add(1)));
        let dir = self.dir(backend);
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, &e))?;
        let path = dir.join(format!("{version}_{description}.sql"));
        let snapshot = serde_json::to_string(schema)
            .map_err(|error| Error::Config(format!("schema snapshot: {error}")))?;
        let text = format!("{}{SNAPSHOT}{snapshot}\n", plan.sql());
        std::fs::write(&path, text).map_err(|e| io_error(&path, &e))?;
        Ok(Some(path))
    }

    /// Ok when the last migration leads to `schema`: no model changed without a migration.
    /// Order does not count (fields or resources declared in another order need no migration):
    /// the two schemas must differ by no statement.
    pub fn check(&self, schema: &Schema, backend: Backend) -> crate::Result<()> {
        let last = self.snapshot(backend)?.unwrap_or_default();
        match diff(&last, schema, &Renames::default(), backend) {
            Ok(plan) if plan.is_empty() => return Ok(()),
            _ => {}
        }
        let changed: Vec<&str> = schema
            .tables
            .iter()
            .filter(|table| last.table(&table.name) != Some(*table))
            .chain(
                last.tables
                    .iter()
                    .filter(|table| schema.table(&table.name).is_none()),
            )
            .map(|table| table.name.as_str())
            .collect();
        Err(Error::Config(format!(
            "the models changed since the last {} migration (tables {}): make a migration with the app's `migrate make NAME` command",
            backend.name(),
            changed.join(", ")
        )))
    }

    /// Applies the migrations `pool`'s database lacks, oldest first, each in its own transaction
    /// (sqlx's migrator: PostgreSQL instances starting together take turns). Returns how many
    /// ran.
    pub async fn run(&self, pool: &Pool) -> crate::Result<usize> {
        let dir = self.dir(pool.backend());
        if !dir.is_dir() {
            return Err(Error::Config(format!(
                "no migrations in {}: make the first with the app's `migrate make init` command",
                dir.display()
            )));
        }
        let before = self.applied(pool).await.len();
        let migrator = sqlx::migrate::Migrator::new(dir.as_path())
            .await
            .map_err(|error| Error::Config(format!("migrations in {}: {error}", dir.display())))?;
        let result = match pool {
            Pool::Sqlite(pools) => migrator.run(pools.writer()).await,
            Pool::Postgres(pool) => migrator.run(pool).await,
            Pool::MariaDb(pool) => migrator.run(pool).await,
        };
        result.map_err(|error| Error::Config(format!("a migration failed: {error}")))?;
        Ok(self.applied(pool).await.len().saturating_sub(before))
    }

    /// Every migration of `pool`'s backend and whether its database has it.
    pub async fn status(&self, pool: &Pool) -> crate::Result<Vec<Status>> {
        let applied = self.applied(pool).await;
        Ok(self
            .files(pool.backend())?
            .into_iter()
            .map(|file| Status {
                applied: applied.contains(&file.version),
                file,
            })
            .collect())
    }

    /// The versions the database has applied (none before the first run).
    async fn applied(&self, pool: &Pool) -> Vec<i64> {
        let query = crate::db::Query::new(
            pool.backend(),
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        );
        let rows: Result<Vec<(i64,)>, _> = query.fetch_all(pool).await;
        rows.map(|rows| rows.into_iter().map(|(v,)| v).collect())
            .unwrap_or_default()
    }
}

fn io_error(path: &Path, error: &std::io::Error) -> Error {
    Error::Config(format!("{}: {error}", path.display()))
}
