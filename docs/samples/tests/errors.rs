//! "Errors": each error the page describes, as the client sees it.

use fastrs::serde_json::{Value, json};
use fastrs::testing::TestClient;
use fastrs::{App, Settings};
use fastrs_guide_samples::errors::{AuditLog, app, app_with_field_errors};

fn settings() -> Settings {
    Settings {
        database_url: "sqlite::memory:".into(),
        ..Settings::default()
    }
}

/// A client of `app`, with two rooms: 1 is open (4 seats), 2 closed.
async fn with_rooms(app: App) -> fastrs::Result<TestClient> {
    let client = app.test_client().await?;
    for room in [
        json!({"name": "Blue", "seats": 4}),
        json!({"name": "Red", "seats": 8, "closed": true}),
    ] {
        let created = client.post("/rooms").json(&room).await;
        assert_eq!(created.status(), 201, "{}", created.text());
    }
    Ok(client)
}

// ANCHOR: shapes
#[tokio::test]
async fn errors_have_fastapis_shapes() -> fastrs::Result<()> {
    let client = with_rooms(app(settings())).await?;
    let booking = json!({"guest": "Ann", "people": 6});

    let missing = client.post("/rooms/9/bookings").json(&booking).await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json(), json!({"detail": "Room not found"}));

    let closed = client.post("/rooms/2/bookings").json(&booking).await;
    assert_eq!(closed.status(), 409);
    assert_eq!(closed.json(), json!({"detail": "The room is closed"}));

    let crowded = client.post("/rooms/1/bookings").json(&booking).await;
    assert_eq!(crowded.status(), 422);
    assert_eq!(
        crowded.json(),
        json!({"detail": [{
            "type": "value_error",
            "loc": ["body", "people"],
            "msg": "The room seats 4",
        }]})
    );

    let invalid = json!({"guest": "", "people": 0});
    let invalid = client.post("/rooms/1/bookings").json(&invalid).await;
    assert_eq!(invalid.status(), 422);
    assert_eq!(
        invalid.json()["detail"][1],
        json!({
            "type": "greater_than_equal",
            "loc": ["body", "people"],
            "msg": "Input should be greater than or equal to 1",
            "input": 0,
            "ctx": {"ge": 1},
        })
    );
    Ok(())
}
// ANCHOR_END: shapes

#[tokio::test]
async fn a_unique_violation_is_a_409() -> fastrs::Result<()> {
    let client = with_rooms(app(settings())).await?;
    let again = json!({"name": "Blue", "seats": 2});
    let taken = client.post("/rooms").json(&again).await;
    assert_eq!(taken.status(), 409);
    assert_eq!(
        taken.json(),
        json!({"detail": "Room with this name already exists"})
    );
    Ok(())
}

#[tokio::test]
async fn an_http_error_answers_its_variants_status() -> fastrs::Result<()> {
    let client = with_rooms(app(settings())).await?;
    let missing = client.post("/rooms/9/close").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json(), json!({"detail": "room 9 not found"}));
    let closed = client.post("/rooms/2/close").await;
    assert_eq!(closed.status(), 409);
    assert_eq!(closed.json(), json!({"detail": "Red is already closed"}));
    let closing = client.post("/rooms/1/close").await;
    assert_eq!(closing.json()["closed"], true);
    Ok(())
}

#[tokio::test]
async fn a_500_hides_its_cause_and_rolls_back() -> fastrs::Result<()> {
    let full = AuditLog {
        full: true,
        ..AuditLog::default()
    };
    let client = with_rooms(app(settings()).override_dep(full)).await?;
    let failed = client.post("/rooms/1/close").await;
    assert_eq!(failed.status(), 500);
    assert_eq!(failed.json(), json!({"detail": "Internal Server Error"}));
    let room = client.get("/rooms/1").await;
    assert_eq!(room.json()["closed"], false, "the update was rolled back");
    Ok(())
}

// ANCHOR: documented
#[test]
fn each_status_is_documented() {
    let document: Value =
        fastrs::serde_json::from_str(&app(settings()).openapi_json())
            .unwrap_or_default();
    let described = |path: &str, status: &str| {
        let responses = &document["paths"][path]["post"]["responses"];
        responses[status]["description"].as_str().map(str::to_owned)
    };
    // From `.response(...)` on the route, and from `ValidJson`.
    let book = "/rooms/{id}/bookings";
    assert_eq!(
        described(book, "404").as_deref(),
        Some("No room has this id")
    );
    assert_eq!(
        described(book, "409").as_deref(),
        Some("The room is closed")
    );
    assert_eq!(described(book, "422").as_deref(), Some("Validation Error"));
    // From `CloseError`'s variants and their doc comments.
    let close = "/rooms/{id}/close";
    assert_eq!(
        described(close, "404").as_deref(),
        Some("No room has this id.")
    );
    assert_eq!(
        described(close, "500").as_deref(),
        Some("The audit log could not record the change.")
    );
}
// ANCHOR_END: documented

// ANCHOR: envelope
#[tokio::test]
async fn every_error_takes_the_apps_format() -> fastrs::Result<()> {
    let client = with_rooms(app_with_field_errors(settings())).await?;
    let invalid = json!({"guest": "", "people": 0});
    let refused = client.post("/rooms/1/bookings").json(&invalid).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        refused.json(),
        json!({"errors": {
            "guest": ["String should have at least 1 character"],
            "people": ["Input should be greater than or equal to 1"],
        }})
    );
    let missing = client.post("/rooms/9/close").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.json(),
        json!({"errors": {"detail": ["room 9 not found"]}})
    );
    // Errors fastrs answers itself take it too: an unknown route.
    let nowhere = client.get("/nowhere").await;
    assert_eq!(nowhere.json(), json!({"errors": {"detail": ["Not Found"]}}));
    Ok(())
}
// ANCHOR_END: envelope
