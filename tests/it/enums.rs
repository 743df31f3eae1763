//! Enums as resource fields: stored as text with a `CHECK` on every backend, validated as
//! `enum` in the 422, documented as string enums.

use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs_tests::{TestDb, on_every_backend};
use serde_json::{Value, json};

/// Where a ticket stands.
#[derive(Model, Debug, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Open,
    InProgress,
    Done,
}

/// How urgent.
#[derive(Model, Debug, Clone, Copy, PartialEq)]
pub enum Priority {
    Low,
    High,
}

/// A ticket.
#[derive(Resource)]
#[resource(table = "tickets", path = "/tickets")]
pub struct Ticket {
    #[resource(id)]
    pub id: i64,
    pub title: String,
    #[resource(default = Stage::Open, index)]
    pub stage: Stage,
    pub priority: Option<Priority>,
}

async fn client(backend: Backend) -> Option<(fastrs::testing::TestClient, TestDb)> {
    let db = TestDb::new(backend).await?;
    let client = App::new(db.settings())
        .resource::<Ticket>()
        .test_client()
        .await
        .expect("app starts");
    Some((client, db))
}

async fn enum_fields_round_trip_and_refuse_other_values(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let response = client
        .post("/tickets")
        .json(&json!({"title": "a"}))
        .send()
        .await;
    assert_eq!(response.status(), 201, "{}", response.text());
    let created = response.json();
    assert_eq!(
        (&created["stage"], &created["priority"]),
        (&json!("open"), &Value::Null)
    );
    let id = created["id"].as_i64().unwrap();

    let response = client
        .patch(&format!("/tickets/{id}"))
        .json(&json!({"stage": "in_progress", "priority": "High"}))
        .send()
        .await;
    assert_eq!(response.status(), 200, "{}", response.text());
    let got = client.get(&format!("/tickets/{id}")).send().await.json();
    assert_eq!(
        (&got["stage"], &got["priority"]),
        (&json!("in_progress"), &json!("High"))
    );

    let response = client
        .post("/tickets")
        .json(&json!({"title": "b", "stage": "closed", "priority": 1}))
        .send()
        .await;
    assert_eq!(response.status(), 422);
    let detail = response.json()["detail"].clone();
    assert_eq!(detail[0]["type"], "enum");
    assert_eq!(detail[0]["loc"], json!(["body", "stage"]));
    assert_eq!(
        detail[0]["msg"],
        "Input should be 'open', 'in_progress' or 'done'"
    );
    assert_eq!(detail[1]["loc"], json!(["body", "priority"]));
    // `null` clears the optional one; the required one refuses it.
    let response = client
        .patch(&format!("/tickets/{id}"))
        .json(&json!({"priority": null}))
        .send()
        .await;
    assert_eq!(response.json()["priority"], Value::Null);
    let response = client
        .patch(&format!("/tickets/{id}"))
        .json(&json!({"stage": null}))
        .send()
        .await;
    assert_eq!(response.status(), 422);
}

async fn the_database_refuses_values_the_enum_does_not_have(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let mut db = fastrs::db::Db::begin(client.pool()).await;
    let refused = db
        .query("INSERT INTO tickets (title, stage) VALUES ($1, $2)")
        .bind("x".to_owned())
        .bind("archived".to_owned())
        .execute(&mut db)
        .await;
    assert!(refused.is_err(), "the CHECK constraint holds");
}

on_every_backend!(
    enum_fields_round_trip_and_refuse_other_values,
    the_database_refuses_values_the_enum_does_not_have,
);

#[test]
fn enum_columns_are_checked_text_and_documented_as_string_enums() {
    let app = App::new(fastrs_tests::memory()).resource::<Ticket>();
    let ddl = app.ddl(Backend::Postgres);
    assert!(
        ddl.contains(r#""stage" TEXT NOT NULL CONSTRAINT "tickets_stage_check" CHECK ("stage" IN ('open', 'in_progress', 'done'))"#),
        "{ddl}"
    );
    assert!(
        ddl.contains("CHECK (\"priority\" IN ('Low', 'High'))"),
        "{ddl}"
    );
    let document: Value = serde_json::from_str(&app.openapi_json()).unwrap();
    let schemas = &document["components"]["schemas"];
    assert_eq!(
        schemas["TicketResponse"]["properties"]["stage"]["enum"],
        json!(["open", "in_progress", "done"])
    );
    assert_eq!(
        schemas["TicketResponse"]["properties"]["priority"]["enum"],
        json!(["Low", "High", null])
    );
    assert_eq!(
        schemas["TicketCreate"]["properties"]["stage"]["$ref"],
        "#/components/schemas/Stage"
    );
}
