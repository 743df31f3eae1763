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

/// A booking whose constraint names run past the 63 bytes databases take.
#[derive(Resource)]
#[resource(
    table = "conference_room_reservations",
    path = "/reservations",
    unique(conference_room_number, reservation_starting_slot),
    index(
        conference_room_number,
        reservation_starting_slot,
        reservation_holder_name
    )
)]
pub struct Reservation {
    #[resource(id)]
    pub id: i64,
    pub conference_room_number: i32,
    pub reservation_starting_slot: i32,
    pub reservation_holder_name: String,
}

/// An address: unique over four text columns (past InnoDB's 3,072 bytes: MariaDB keeps it as a
/// hash), indexed over the most an index can hold there.
#[derive(Resource)]
#[resource(
    table = "addresses",
    path = "/addresses",
    unique(street, city, region, country),
    index(street, city, region, number)
)]
pub struct Address {
    #[resource(id)]
    pub id: i64,
    pub street: String,
    pub city: String,
    pub region: String,
    pub country: String,
    pub number: i64,
}

/// Long constraint names are shortened the same way everywhere: the table is created (MariaDB
/// refuses a name over 64 bytes) and a clash still names its fields (PostgreSQL would otherwise
/// cut the name, and the 409 would not know which constraint it was).
async fn long_constraint_names_still_name_the_fields(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = App::new(db.settings())
        .resource::<Reservation>()
        .resource::<Address>()
        .test_client()
        .await
        .expect("app starts");
    let booking = json!({"conference_room_number": 7, "reservation_starting_slot": 9, "reservation_holder_name": "Ann"});
    let first = client.post("/reservations").json(&booking).await;
    assert_eq!(first.status(), 201, "{}", first.text());
    let clash = client.post("/reservations").json(&booking).await;
    assert_eq!(clash.status(), 409, "{}", clash.text());
    assert_eq!(
        clash.json()["detail"],
        "Reservation with this conference_room_number and reservation_starting_slot already exists"
    );
    // Four keyed text columns together: created, and unique, on every backend.
    let address =
        json!({"street": "Main", "city": "Oslo", "region": "East", "country": "NO", "number": 1});
    let first = client.post("/addresses").json(&address).await;
    assert_eq!(first.status(), 201, "{}", first.text());
    let clash = client.post("/addresses").json(&address).await;
    assert_eq!(clash.status(), 409, "{}", clash.text());
    assert_eq!(
        clash.json()["detail"],
        "Address with this street and city and region and country already exists"
    );
}

on_every_backend!(
    fields_unique_together_answer_409,
    long_constraint_names_still_name_the_fields
);

#[test]
fn long_names_are_shortened_with_a_hash() {
    let ddl = App::new(memory())
        .resource::<Reservation>()
        .ddl(Backend::Postgres);
    let names: Vec<&str> = ddl
        .split('"')
        .filter(|name| name.ends_with("_key") || name.ends_with("_idx"))
        .collect();
    assert_eq!(names.len(), 2, "{ddl}");
    for name in names {
        assert!(name.len() <= 63, "{name}");
        assert!(
            name.starts_with("conference_room_reservations_conference_room"),
            "{name}"
        );
    }
}

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
