//! "Errors" (`docs/src/errors.md`): `ApiError`, an `HttpError` enum, how
//! statuses are documented, and an app-wide `ErrorFormat`; mounted by [`app`]
//! and [`app_with_field_errors`], exercised by `tests/errors.rs`.

// ANCHOR: imports
use std::sync::Arc;

use fastrs::error::{ErrorFormat, ErrorView};
use fastrs::openapi::schema::Schema;
use fastrs::openapi::{Registry, ToSchema, object};
use fastrs::prelude::*;
use fastrs::serde_json::{Map, Value, json};
use tokio::sync::Mutex;
// ANCHOR_END: imports

// ANCHOR: room
/// A meeting room.
#[derive(Resource)]
#[resource(table = "rooms", path = "/rooms", tag = "rooms")]
pub struct Room {
    #[resource(id)]
    pub id: i64,
    #[resource(unique)]
    #[validate(length(min = 1, max = 50))]
    pub name: String,
    #[validate(range(ge = 1, le = 100))]
    pub seats: i32,
    #[resource(default = false)]
    pub closed: bool,
}
// ANCHOR_END: room

// ANCHOR: apierror
/// The body of `POST /rooms/{id}/bookings`.
#[derive(Model)]
pub struct Booking {
    #[validate(length(min = 1, max = 100))]
    pub guest: String,
    #[validate(range(ge = 1))]
    pub people: i64,
}

async fn book(
    mut db: Db,
    Path(id): Path<i64>,
    ValidJson(booking): ValidJson<Booking>,
) -> Result<Json<Booking>, ApiError> {
    let room = Room::get(&mut db, id).await?;
    let room = room.ok_or_else(|| ApiError::not_found("Room not found"))?;
    if room.closed {
        return Err(ApiError::conflict("The room is closed"));
    }
    if booking.people > i64::from(room.seats) {
        let message = format!("The room seats {}", room.seats);
        return Err(ApiError::unprocessable("people", message));
    }
    Ok(Json(booking))
}
// ANCHOR_END: apierror

// ANCHOR: httperror
/// Where changes to rooms are recorded (in memory here).
#[derive(Clone, Default)]
pub struct AuditLog {
    pub lines: Arc<Mutex<Vec<String>>>,
    /// A full disk, say: every write fails.
    pub full: bool,
}

impl AuditLog {
    /// Records a line.
    pub async fn record(&self, line: String) -> std::io::Result<()> {
        if self.full {
            return Err(std::io::Error::other("no space left on the log"));
        }
        self.lines.lock().await.push(line);
        Ok(())
    }
}

/// What can go wrong when closing a room.
#[derive(Debug, HttpError)]
pub enum CloseError {
    /// No room has this id.
    #[error(404, "room {0} not found")]
    Missing(i64),
    /// The room is closed already.
    #[error(409, "{name} is already closed")]
    Closed { name: String },
    /// The audit log could not record the change.
    #[error(500, "the audit log failed: {0}")]
    Audit(#[from] std::io::Error),
    /// Any other error (the database's), answered as it is.
    #[error(transparent)]
    Api(#[from] ApiError),
}

async fn close(
    mut db: Db,
    Dep(audit): Dep<AuditLog>,
    Path(id): Path<i64>,
) -> Result<Json<RoomResponse>, CloseError> {
    let room = Room::get(&mut db, id).await?;
    let room = room.ok_or(CloseError::Missing(id))?;
    if room.closed {
        return Err(CloseError::Closed { name: room.name });
    }
    let change = RoomUpdate {
        closed: Patch::Value(true),
        ..Default::default()
    };
    let room = Room::update(&mut db, id, change).await?;
    let room = room.ok_or(CloseError::Missing(id))?;
    audit.record(format!("closed {}", room.name)).await?;
    Ok(Json(room.into()))
}
// ANCHOR_END: httperror

// ANCHOR: app
/// The app of this page, with FastAPI's error shape.
pub fn app(settings: Settings) -> App {
    App::new(settings)
        .resource::<Room>()
        .dep(AuditLog::default())
        .route(
            "/rooms/{id}/bookings",
            post(book)
                .response("404", "No room has this id")
                .response("409", "The room is closed"),
        )
        .route("/rooms/{id}/close", post(close))
}
// ANCHOR_END: app

// ANCHOR: format
/// Every error as `{"errors": {"<field>": ["<message>", ...]}}`: a 422's
/// failures under their field's name, any other error's message under
/// `"detail"`.
pub struct FieldErrors;

impl ErrorFormat for FieldErrors {
    fn body(&self, error: &ErrorView) -> Value {
        let mut errors = Map::new();
        let mut add = |key: &str, message: &str| {
            let messages = errors.entry(key).or_insert_with(|| json!([]));
            if let Value::Array(messages) = messages {
                messages.push(json!(message));
            }
        };
        match error.validation() {
            Some(failures) => {
                for failure in failures {
                    // `["body", "guest"]`: the last name in the location.
                    let name = failure.loc.iter().rev().find_map(Value::as_str);
                    add(name.unwrap_or("body"), &failure.msg);
                }
            }
            None => add("detail", error.message().unwrap_or("Error")),
        }
        json!({ "errors": errors })
    }

    fn schema(&self, _registry: &mut Registry) -> Schema {
        object([("errors", Value::schema(), true)])
    }
}

/// The same app, answering every error in that shape.
pub fn app_with_field_errors(settings: Settings) -> App {
    app(settings).error_format(FieldErrors)
}
// ANCHOR_END: format
