//! Constraints over several fields: unique together (a 409 naming them) and composite indexes.

use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs_tests::{TestDb, memory, on_every_backend};
use serde_json::json;

/// A seat: one per row and number in a hall.
#[derive(Resource)]
#[resource(
    table = "seats",
    path = "/seats",
    unique(hall, row, number),
    index(hall, price)
)]
pub struct Seat {
    #[resource(id)]
    pub id: i64,
    pub hall: String,
    pub row: i32,
    pub number: i32,
    pub price: f64,
}

async fn fields_unique_together_answer_409(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = App::new(db.settings())
        .resource::<Seat>()
        .test_client()
        .await
        .expect("app starts");
    let seat = |number: i32| json!({"hall": "A", "row": 1, "number": number, "price": 10.0});
    assert_eq!(client.post("/seats").json(&seat(1)).await.status(), 201);
    assert_eq!(client.post("/seats").json(&seat(2)).await.status(), 201);
    let clash = client.post("/seats").json(&seat(1)).await;
    assert_eq!(clash.status(), 409, "{}", clash.text());
    assert_eq!(
        clash.json()["detail"],
        "Seat with this hall and row and number already exists"
    );
}

on_every_backend!(fields_unique_together_answer_409);

#[test]
fn the_ddl_has_the_constraint_and_the_index() {
    let ddl = App::new(memory()).resource::<Seat>().ddl(Backend::Sqlite);
    assert!(
        ddl.contains(r#"CONSTRAINT "seats_hall_row_number_key" UNIQUE ("hall", "row", "number")"#),
        "{ddl}"
    );
    assert!(
        ddl.contains(
            r#"CREATE INDEX IF NOT EXISTS "seats_hall_price_idx" ON "seats" ("hall", "price")"#
        ),
        "{ddl}"
    );
}
