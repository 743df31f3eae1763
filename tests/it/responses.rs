//! Responses whose status is in their type, documented as answered; path parameters documented
//! with their types; response models that filter a richer value.

use fastrs::db::Backend;
use fastrs::extract::Path;
use fastrs::prelude::*;
use fastrs::response::{Created, NoContent, Status};
use fastrs_tests::{TestDb, on_every_backend};
use serde_json::{Value, json};

/// Everything the server knows of an account.
struct Account {
    id: i64,
    name: String,
    password_hash: String,
}

/// What clients see of an account.
#[derive(Model)]
#[model(from(Account))]
struct AccountOut {
    id: i64,
    name: String,
}

fn account(id: i64) -> Account {
    Account {
        id,
        name: format!("account {id}"),
        password_hash: "$argon2id$secret".into(),
    }
}

async fn create() -> Created<AccountOut> {
    let account = account(7);
    assert!(!account.password_hash.is_empty());
    Created::at(format!("/accounts/{}", account.id), account.into())
}

async fn remove(Path(_id): Path<i64>) -> NoContent {
    NoContent
}

async fn queue(Path((owner, job)): Path<(String, Uuid)>) -> Status<202, Json<Value>> {
    Status(Json(json!({"owner": owner, "job": job})))
}

/// What can go wrong with an order.
#[derive(Debug, HttpError)]
enum OrderError {
    /// No order has this id.
    #[error(404, "order {0} not found")]
    Missing(i64),
    /// The order has left the warehouse.
    #[error(409, "order {id} has shipped ({carrier})")]
    Shipped { id: i64, carrier: String },
    #[error(409, "order {0} is locked")]
    Locked(i64),
    #[error(500, "storage failed: {0}")]
    Storage(#[from] std::io::Error),
    /// Any other error, answered as it is.
    #[error(transparent)]
    Api(#[from] ApiError),
}

async fn cancel(Path(id): Path<i64>) -> Result<NoContent, OrderError> {
    match id {
        1 => Ok(NoContent),
        2 => Err(OrderError::Shipped {
            id,
            carrier: "post".into(),
        }),
        3 => Err(std::io::Error::other("disk on fire"))?,
        4 => Err(ApiError::new(StatusCode::IM_A_TEAPOT, "short and stout"))?,
        _ => Err(OrderError::Missing(id)),
    }
}

/// `?` turns the app's error into an `ApiError` in handlers that answer one.
async fn lock(Path(id): Path<i64>) -> Result<NoContent, ApiError> {
    Err(OrderError::Locked(id))?
}

async fn client(backend: Backend) -> Option<fastrs::testing::TestClient> {
    let db = TestDb::new(backend).await?;
    Some(app(db.settings()).test_client().await.expect("app starts"))
}

fn app(settings: Settings) -> App {
    App::new(settings)
        .route("/accounts", post(create))
        .route("/accounts/{id}", delete(remove))
        .route("/owners/{owner}/jobs/{job}", post(queue))
        .route("/orders/{id}", delete(cancel))
        .route("/orders/{id}/lock", post(lock))
}

async fn statuses_and_headers_are_answered(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let response = client.post("/accounts").send().await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.header("location"), Some("/accounts/7"));
    assert_eq!(response.json(), json!({"id": 7, "name": "account 7"}));
    assert!(!response.text().contains("argon2"), "filtered by the model");
    let response = client.delete("/accounts/7").send().await;
    assert_eq!(response.status(), 204);
    assert!(response.bytes().is_empty());
    let job = Uuid::now_v7();
    let response = client.post(&format!("/owners/ann/jobs/{job}")).send().await;
    assert_eq!(response.status(), 202);
    assert_eq!(response.json()["owner"], "ann");
    let response = client.post("/owners/ann/jobs/nope").send().await;
    assert_eq!(response.status(), 422);
    assert_eq!(response.json()["detail"][0]["loc"][0], "path");
    let response = client.delete("/accounts/seven").send().await;
    assert_eq!(response.json()["detail"][0]["loc"], json!(["path", "id"]));
}

async fn the_apps_own_errors_answer_their_status(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    assert_eq!(client.delete("/orders/1").send().await.status(), 204);
    let response = client.delete("/orders/2").send().await;
    assert_eq!(response.status(), 409);
    assert_eq!(
        response.json(),
        json!({"detail": "order 2 has shipped (post)"})
    );
    let response = client.delete("/orders/9").send().await;
    assert_eq!(
        (response.status().as_u16(), response.json()),
        (404, json!({"detail": "order 9 not found"}))
    );
    let response = client.delete("/orders/3").send().await;
    assert_eq!(response.status(), 500);
    assert_eq!(
        response.json(),
        json!({"detail": "Internal Server Error"}),
        "a 500's message is logged, never shown"
    );
    let response = client.delete("/orders/4").send().await;
    assert_eq!(
        (response.status().as_u16(), response.json()),
        (418, json!({"detail": "short and stout"})),
        "a transparent variant answers the inner error"
    );
    let response = client.post("/orders/4/lock").send().await;
    assert_eq!(
        (response.status().as_u16(), response.json()),
        (409, json!({"detail": "order 4 is locked"}))
    );
}

on_every_backend!(
    statuses_and_headers_are_answered,
    the_apps_own_errors_answer_their_status
);

#[test]
fn the_apps_own_errors_are_documented_per_status() {
    let document: Value =
        serde_json::from_str(&app(fastrs_tests::memory()).openapi_json()).unwrap();
    let responses = &document["paths"]["/orders/{id}"]["delete"]["responses"];
    assert!(responses.get("204").is_some(), "{responses}");
    assert_eq!(responses["404"]["description"], "No order has this id.");
    assert_eq!(
        responses["409"]["description"],
        "The order has left the warehouse.; order {0} is locked"
    );
    assert!(responses.get("500").is_some());
    assert_eq!(
        responses["404"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/HTTPError"
    );
}

#[test]
fn documented_statuses_and_path_types_match_the_handlers() {
    let document: Value =
        serde_json::from_str(&app(fastrs_tests::memory()).openapi_json()).unwrap();
    let paths = &document["paths"];
    let created = &paths["/accounts"]["post"]["responses"];
    assert!(created.get("200").is_none(), "{created}");
    assert_eq!(
        created["201"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/AccountOut"
    );
    assert!(created["201"]["headers"].get("Location").is_some());
    let removed = &paths["/accounts/{id}"]["delete"];
    assert!(removed["responses"].get("204").is_some());
    assert_eq!(removed["parameters"][0]["schema"]["format"], "int64");
    let queued = &paths["/owners/{owner}/jobs/{job}"]["post"];
    assert!(queued["responses"].get("202").is_some());
    let parameters = queued["parameters"].as_array().unwrap();
    let names: Vec<_> = parameters.iter().map(|p| p["name"].clone()).collect();
    assert_eq!(names, [json!("owner"), json!("job")]);
    assert_eq!(parameters[1]["schema"]["format"], "uuid");
    let account = &document["components"]["schemas"]["AccountOut"];
    assert!(account["properties"].get("password_hash").is_none());
}
