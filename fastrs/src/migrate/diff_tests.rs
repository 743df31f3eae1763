//! The diff's statements per backend, change by change.

use super::diff::{Renames, diff};
use super::table::{Column, Constraint, Schema, Table};
use crate::db::Backend;

fn posts(columns: Vec<Column>) -> Schema {
    let mut table = Table::new("posts");
    table.columns = columns;
    Schema {
        tables: vec![table],
    }
}

fn id() -> Column {
    Column::new("id", "INTEGER PRIMARY KEY AUTOINCREMENT")
}

#[test]
fn a_first_migration_creates_every_table() {
    let new = posts(vec![id(), Column::new("title", "TEXT").not_null()]);
    let plan = diff(
        &Schema::default(),
        &new,
        &Renames::default(),
        Backend::Sqlite,
    )
    .unwrap();
    assert_eq!(plan.statements, new.tables[0].create());
    assert!(!plan.own_transaction);
}

#[test]
fn nothing_changed_is_an_empty_plan() {
    let schema = posts(vec![id()]);
    for backend in Backend::ALL {
        assert!(
            diff(&schema, &schema, &Renames::default(), backend)
                .unwrap()
                .is_empty()
        );
    }
}

#[test]
fn added_and_renamed_columns_alter_in_place() {
    let old = posts(vec![id(), Column::new("title", "TEXT").not_null()]);
    let new = posts(vec![
        id(),
        Column::new("headline", "TEXT").not_null(),
        Column::new("views", "BIGINT").not_null().default("0"),
    ]);
    let mut renames = Renames::default();
    renames.add("posts.title=headline").unwrap();
    let plan = diff(&old, &new, &renames, Backend::Sqlite).unwrap();
    assert_eq!(
        plan.statements,
        [
            r#"ALTER TABLE "posts" RENAME COLUMN "title" TO "headline""#,
            r#"ALTER TABLE "posts" ADD COLUMN "views" BIGINT NOT NULL DEFAULT 0"#,
        ]
    );
    assert!(!plan.own_transaction);
}

#[test]
fn a_new_not_null_column_needs_a_default() {
    let old = posts(vec![id()]);
    let new = posts(vec![id(), Column::new("title", "TEXT").not_null()]);
    let error = diff(&old, &new, &Renames::default(), Backend::Postgres).unwrap_err();
    assert!(
        error.contains("`posts.title` is new and NOT NULL"),
        "{error}"
    );
}

#[test]
fn sqlite_rebuilds_a_table_whose_column_changed() {
    let old = posts(vec![id(), Column::new("title", "TEXT")]);
    let new = posts(vec![id(), Column::new("title", "TEXT").not_null()]);
    let plan = diff(&old, &new, &Renames::default(), Backend::Sqlite).unwrap();
    assert!(plan.own_transaction);
    let sql = plan.sql();
    assert!(
        sql.starts_with("-- no-transaction\nPRAGMA foreign_keys = OFF;\nBEGIN;\n"),
        "{sql}"
    );
    assert!(
        sql.contains(
            r#"INSERT INTO "_fastrs_new_posts" ("id", "title") SELECT "id", "title" FROM "posts""#
        ),
        "{sql}"
    );
    assert!(
        sql.contains(r#"ALTER TABLE "_fastrs_new_posts" RENAME TO "posts""#),
        "{sql}"
    );
    assert!(
        sql.ends_with("COMMIT;\nPRAGMA foreign_keys = ON;\n"),
        "{sql}"
    );
    let pg = diff(&old, &new, &Renames::default(), Backend::Postgres).unwrap();
    assert_eq!(
        pg.statements,
        [r#"ALTER TABLE "posts" ALTER COLUMN "title" SET NOT NULL"#]
    );
}

#[test]
fn changed_values_replace_the_check() {
    let mut before = Column::new("status", "TEXT").not_null().default("'draft'");
    before.values = vec!["draft".into()];
    let mut after = before.clone();
    after.values.push("published".into());
    let plan = diff(
        &posts(vec![id(), before]),
        &posts(vec![id(), after]),
        &Renames::default(),
        Backend::Postgres,
    )
    .unwrap();
    assert_eq!(
        plan.statements,
        [
            r#"ALTER TABLE "posts" DROP CONSTRAINT IF EXISTS "posts_status_check""#,
            r#"ALTER TABLE "posts" ADD CONSTRAINT "posts_status_check" CHECK ("status" IN ('draft', 'published'))"#,
        ]
    );
}

#[test]
fn a_dropped_table_is_dropped_with_a_warning() {
    let plan = diff(
        &posts(vec![id()]),
        &Schema::default(),
        &Renames::default(),
        Backend::Sqlite,
    )
    .unwrap();
    assert_eq!(plan.statements, [r#"DROP TABLE IF EXISTS "posts""#]);
    assert_eq!(plan.warnings.len(), 1);
    assert!(plan.sql().contains("-- WARNING: table `posts` is dropped"));
}

#[test]
fn renames_must_name_what_exists() {
    let mut renames = Renames::default();
    renames.add("posts.nope=title").unwrap();
    let schema = posts(vec![id(), Column::new("title", "TEXT")]);
    assert!(diff(&schema, &schema, &renames, Backend::Sqlite).is_err());
    assert!(Renames::default().add("posts.a").is_err());
    assert!(Renames::default().add("=b").is_err());
    assert!(Renames::default().add("a.b=c.d").is_err());
}

#[test]
fn a_rebuild_copies_the_renamed_columns_under_their_new_names() {
    let old = posts(vec![id(), Column::new("title", "TEXT").not_null()]);
    // `title` becomes `headline` (now unique: SQLite rebuilds) and a new `title` comes.
    let mut new = posts(vec![
        id(),
        Column::new("headline", "TEXT").not_null(),
        Column::new("title", "TEXT"),
    ]);
    new.tables[0].constraints.push(Constraint::Unique {
        name: "posts_headline_key".into(),
        columns: vec!["headline".into()],
    });
    let mut renames = Renames::default();
    renames.add("posts.title=headline").unwrap();
    let plan = diff(&old, &new, &renames, Backend::Sqlite).unwrap();
    let sql = plan.sql();
    assert!(plan.own_transaction, "{sql}");
    assert!(
        sql.contains(r#"RENAME COLUMN "title" TO "headline""#),
        "{sql}"
    );
    assert!(
        sql.contains(r#"INSERT INTO "_fastrs_new_posts" ("id", "headline") SELECT "id", "headline" FROM "posts""#),
        "{sql}"
    );
}

#[test]
fn swapped_or_chained_renames_are_refused() {
    let old = posts(vec![
        id(),
        Column::new("a", "TEXT"),
        Column::new("b", "TEXT"),
    ]);
    let new = old.clone();
    let mut swap = Renames::default();
    swap.add("posts.a=b").unwrap();
    swap.add("posts.b=a").unwrap();
    let error = diff(&old, &new, &swap, Backend::Postgres).unwrap_err();
    assert!(error.contains("overlaps"), "{error}");
}

#[test]
fn order_alone_is_no_change() {
    let old = posts(vec![
        id(),
        Column::new("a", "TEXT"),
        Column::new("b", "TEXT"),
    ]);
    let mut new = old.clone();
    new.tables[0].columns.swap(1, 2);
    for backend in [Backend::Sqlite, Backend::Postgres] {
        assert!(
            diff(&old, &new, &Renames::default(), backend)
                .unwrap()
                .is_empty()
        );
    }
}

#[test]
fn a_renamed_postgres_table_keeps_its_checks_named_after_it() {
    let mut stage = Column::new("stage", "TEXT");
    stage.values = vec!["draft".into()];
    let old = posts(vec![id(), stage]);
    let mut new = old.clone();
    new.tables[0].name = "articles".into();
    let mut renames = Renames::default();
    renames.add("posts=articles").unwrap();
    let plan = diff(&old, &new, &renames, Backend::Postgres).unwrap();
    assert_eq!(
        plan.statements,
        [
            r#"ALTER TABLE "posts" RENAME TO "articles""#,
            r#"ALTER TABLE "articles" RENAME CONSTRAINT "posts_stage_check" TO "articles_stage_check""#,
        ]
    );
}

#[test]
fn mariadb_modifies_columns_and_keeps_its_checks_as_table_constraints() {
    let mut stage = Column::new("stage", "TEXT").not_null().default("'draft'");
    stage.values = vec!["draft".into()];
    let old = posts(vec![
        id(),
        Column::new("title", "TEXT"),
        Column::new("author_id", "BIGINT"),
    ]);
    let mut old = old;
    old.tables[0].constraints.push(Constraint::ForeignKey {
        name: "posts_author_id_fkey".into(),
        column: "author_id".into(),
        table: "users".into(),
        references: "id".into(),
        on_delete: "CASCADE".into(),
    });
    let new = posts(vec![
        id(),
        Column::new("title", "TEXT").not_null().default("''"),
        Column::new("author_id", "BIGINT"),
        stage,
    ]);
    let plan = diff(&old, &new, &Renames::default(), Backend::MariaDb).unwrap();
    assert_eq!(
        plan.statements,
        [
            r#"ALTER TABLE "posts" DROP FOREIGN KEY IF EXISTS "posts_author_id_fkey""#,
            r#"ALTER TABLE "posts" ADD COLUMN "stage" TEXT NOT NULL DEFAULT 'draft'"#,
            r#"ALTER TABLE "posts" ADD CONSTRAINT "posts_stage_check" CHECK ("stage" IN ('draft'))"#,
            r#"ALTER TABLE "posts" MODIFY COLUMN "title" TEXT NOT NULL DEFAULT ''"#,
        ]
    );
    assert!(
        plan.sql().starts_with("SET SESSION sql_mode"),
        "{}",
        plan.sql()
    );
}
