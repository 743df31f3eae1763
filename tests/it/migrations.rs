//! Migrations: generated from the models, applied at start-up, data kept across a second
//! version of the models (a column added, one renamed, an index, a relation, an enum's new
//! value), and a check that fails when a model changed without a migration.

use fastrs::db::Backend;
use fastrs::migrate::{Migrations, Renames};
use fastrs::prelude::*;
use fastrs_tests::{TestDb, on_every_backend};
use serde_json::{Value, json};

/// The first version of the models.
mod v1 {
    use fastrs::prelude::*;

    /// Where a post stands.
    #[derive(Model, Debug, Clone, Copy, PartialEq)]
    #[serde(rename_all = "snake_case")]
    pub enum Stage {
        Draft,
    }

    /// A post.
    #[derive(Resource)]
    #[resource(table = "posts", path = "/posts")]
    pub struct Post {
        #[resource(id)]
        pub id: i64,
        pub title: String,
        pub body: String,
        pub stage: Stage,
    }
}

/// The second: `title` is `headline`, `views` and `category_id` are new, an index, a stage more.
mod v2 {
    use fastrs::prelude::*;

    /// Where a post stands.
    #[derive(Model, Debug, Clone, Copy, PartialEq)]
    #[serde(rename_all = "snake_case")]
    pub enum Stage {
        Draft,
        Published,
    }

    /// What a post is about.
    #[derive(Resource)]
    #[resource(table = "categories", path = "/categories")]
    pub struct Category {
        #[resource(id)]
        pub id: i64,
        #[resource(unique)]
        pub name: String,
    }

    /// A post.
    #[derive(Resource)]
    #[resource(table = "posts", path = "/posts", index(stage, views))]
    pub struct Post {
        #[resource(id)]
        pub id: i64,
        pub headline: String,
        pub body: String,
        pub stage: Stage,
        #[resource(default = 0)]
        pub views: i64,
        #[resource(references = Category, on_delete = "set_null")]
        pub category_id: Option<i64>,
    }
}

fn v1_app(db: &TestDb, dir: &std::path::Path) -> App {
    App::new(db.settings())
        .resource::<v1::Post>()
        .migrations(dir)
}

fn v2_app(db: &TestDb, dir: &std::path::Path) -> App {
    App::new(db.settings())
        .resource::<v2::Category>()
        .resource::<v2::Post>()
        .migrations(dir)
}

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fastrs-migrations-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn a_migration_round_trip_keeps_the_data(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let dir = temp_dir();
    let migrations = Migrations::new(&dir);
    let none = Renames::default();

    // v1: the first migration, applied at start-up; data in.
    let first = migrations
        .make("init", &v1_app(&db, &dir).schema(backend), backend, &none)
        .unwrap()
        .expect("a first migration");
    assert!(first.starts_with(migrations.dir(backend)));
    let client = v1_app(&db, &dir).test_client().await.unwrap();
    for title in ["one", "two", "three"] {
        let created = client
            .post("/posts")
            .json(&json!({"title": title, "body": "text", "stage": "draft"}))
            .send()
            .await;
        assert_eq!(created.status(), 201, "{}", created.text());
    }
    assert_eq!(client.delete("/posts/3").send().await.status(), 204);
    drop(client);

    // v2 without a migration: the check says so.
    let schema = v2_app(&db, &dir).schema(backend);
    let error = migrations.check(&schema, backend).unwrap_err().to_string();
    assert!(error.contains("the models changed"), "{error}");

    // A rename that names nothing is refused; the right one makes the migration.
    let mut wrong = Renames::default();
    wrong.add("posts.name=headline").unwrap();
    assert!(migrations.make("v2", &schema, backend, &wrong).is_err());
    let mut renames = Renames::default();
    renames.add("posts.title=headline").unwrap();
    let second = migrations
        .make("v2", &schema, backend, &renames)
        .unwrap()
        .expect("a second migration");
    let sql = std::fs::read_to_string(&second).unwrap();
    assert!(
        sql.contains(r#"RENAME COLUMN "title" TO "headline""#),
        "{sql}"
    );
    migrations.check(&schema, backend).unwrap();
    assert_eq!(
        migrations.make("again", &schema, backend, &none).unwrap(),
        None,
        "nothing left to migrate"
    );

    // v2 starts, applies it, and finds every row under its new names.
    let client = v2_app(&db, &dir).test_client().await.unwrap();
    let listed = client.get("/posts").send().await;
    assert_eq!(listed.status(), 200, "{}", listed.text());
    let items: Value = listed.json();
    let rows: Vec<(i64, &str, i64)> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_i64().unwrap(),
                p["headline"].as_str().unwrap(),
                p["views"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [(1, "one", 0), (2, "two", 0)]);
    // The new value of the enum, the relation and its foreign key work.
    let category = client
        .post("/categories")
        .json(&json!({"name": "news"}))
        .send()
        .await;
    assert_eq!(category.status(), 201, "{}", category.text());
    let updated = client
        .patch("/posts/1")
        .json(&json!({"stage": "published", "category_id": 1}))
        .send()
        .await;
    assert_eq!(updated.status(), 200, "{}", updated.text());
    let orphan = client
        .patch("/posts/2")
        .json(&json!({"category_id": 99}))
        .send()
        .await;
    assert_eq!(orphan.status(), 422, "{}", orphan.text());
    // A deleted row's id is never given again, across the migration.
    let created = client
        .post("/posts")
        .json(&json!({"headline": "four", "body": "text", "stage": "draft"}))
        .send()
        .await;
    assert_eq!(created.status(), 201, "{}", created.text());
    assert_eq!(created.json()["id"], 4);
    drop(client);

    // Starting again applies nothing more.
    let pool = fastrs::db::Pool::connect(&db.url, Some(1)).await.unwrap();
    assert_eq!(migrations.run(&pool).await.unwrap(), 0);
    let status = migrations.status(&pool).await.unwrap();
    assert_eq!(status.len(), 2);
    assert!(status.iter().all(|s| s.applied));
    pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn an_app_with_migrations_needs_them(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let dir = temp_dir();
    let error = match v1_app(&db, &dir).test_client().await {
        Ok(_) => panic!("started without migrations"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("migrate make init"), "{error}");
    let _ = std::fs::remove_dir_all(&dir);
}

on_every_backend!(
    a_migration_round_trip_keeps_the_data,
    an_app_with_migrations_needs_them,
);

#[test]
fn the_ddl_command_prints_what_create_all_runs() {
    let app = App::new(fastrs_tests::memory())
        .resource::<v2::Category>()
        .resource::<v2::Post>();
    let ddl = app.ddl(Backend::Postgres);
    let categories = ddl
        .find("CREATE TABLE IF NOT EXISTS \"categories\"")
        .unwrap();
    let posts = ddl.find("CREATE TABLE IF NOT EXISTS \"posts\"").unwrap();
    assert!(categories < posts, "referenced tables first:\n{ddl}");
    assert!(
        ddl.contains(r#"CONSTRAINT "posts_stage_check" CHECK ("stage" IN ('draft', 'published'))"#),
        "{ddl}"
    );
    assert!(
        ddl.contains(
            r#"CREATE INDEX IF NOT EXISTS "posts_stage_views_idx" ON "posts" ("stage", "views")"#
        ),
        "{ddl}"
    );
}

#[test]
fn the_routes_command_lists_every_route_and_its_caller() {
    let app = App::new(fastrs_tests::memory()).resource::<v2::Category>();
    let table = app.routes_table();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("METHOD"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("POST") && l.contains("/categories ") && l.contains("public")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("DELETE") && l.contains("/categories/{id}")),
        "{table}"
    );
}
