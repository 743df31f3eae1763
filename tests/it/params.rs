//! Headers and cookies read into models (FastAPI's `Header()` and `Cookie()`): converted from
//! text, validated, every failure at `["header", name]` / `["cookie", name]`, documented as
//! parameters.

use fastrs::db::Backend;
use fastrs::extract::{Cookies, Headers};
use fastrs::prelude::*;
use fastrs_tests::{TestDb, failures, on_every_backend};
use serde_json::{Value, json};

/// What the client says about itself.
#[derive(Model)]
struct Client {
    /// The client's key.
    #[validate(length(min = 8))]
    x_api_key: String,
    #[validate(range(ge = 1, le = 3))]
    x_api_version: Option<i64>,
    #[serde(default)]
    x_tag: Vec<String>,
}

/// What the browser remembers.
#[derive(Model)]
struct Prefs {
    #[validate(length(max = 5))]
    theme: Option<String>,
    #[serde(default)]
    compact: bool,
}

async fn whoami(Headers(client): Headers<Client>) -> Json<Value> {
    Json(json!({"key": client.x_api_key, "version": client.x_api_version, "tags": client.x_tag}))
}

async fn prefs(Cookies(prefs): Cookies<Prefs>) -> Json<Value> {
    Json(json!({"theme": prefs.theme, "compact": prefs.compact}))
}

fn app(settings: Settings) -> App {
    App::new(settings)
        .route("/whoami", get(whoami))
        .route("/prefs", get(prefs))
}

async fn headers_are_models(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = app(db.settings()).test_client().await.unwrap();
    let response = client
        .get("/whoami")
        .header("X-API-Key", "0123456789")
        .header("x-api-version", "2")
        .header("X-Tag", "a")
        .header("X-Tag", "b")
        .send()
        .await;
    assert_eq!(response.status(), 200, "{}", response.text());
    assert_eq!(
        response.json(),
        json!({"key": "0123456789", "version": 2, "tags": ["a", "b"]})
    );
    let response = client
        .get("/whoami")
        .header("x-api-key", "short")
        .header("x-api-version", "nine")
        .send()
        .await;
    assert_eq!(
        failures(&response),
        vec![
            (
                json!(["header", "x-api-key"]),
                "string_too_short".to_owned()
            ),
            (json!(["header", "x-api-version"]), "int_parsing".to_owned()),
        ]
    );
    let response = client.get("/whoami").send().await;
    assert_eq!(
        failures(&response),
        vec![(json!(["header", "x-api-key"]), "missing".to_owned())]
    );
    assert_eq!(response.json()["detail"][0]["msg"], "Field required");
}

async fn cookies_are_models(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = app(db.settings()).test_client().await.unwrap();
    let response = client
        .get("/prefs")
        .header("cookie", "theme=dark; compact=true; other=1")
        .send()
        .await;
    assert_eq!(response.status(), 200, "{}", response.text());
    assert_eq!(response.json(), json!({"theme": "dark", "compact": true}));
    let response = client.get("/prefs").send().await;
    assert_eq!(response.json(), json!({"theme": null, "compact": false}));
    let response = client
        .get("/prefs")
        .header("cookie", "theme=solarized; compact=perhaps")
        .send()
        .await;
    assert_eq!(
        failures(&response),
        vec![
            (json!(["cookie", "theme"]), "string_too_long".to_owned()),
            (json!(["cookie", "compact"]), "bool_parsing".to_owned()),
        ]
    );
}

on_every_backend!(headers_are_models, cookies_are_models);

#[tokio::test]
async fn headers_and_cookies_are_documented_parameters() {
    let document: Value =
        serde_json::from_str(&app(fastrs_tests::memory()).openapi_json()).unwrap();
    let parameters = |path: &str| document["paths"][path]["get"]["parameters"].clone();
    let headers = parameters("/whoami");
    let key = headers
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "x-api-key")
        .unwrap();
    assert_eq!(
        (&key["in"], &key["required"], &key["schema"]["minLength"]),
        (&json!("header"), &json!(true), &json!(8))
    );
    assert_eq!(key["description"], "The client's key.");
    let theme = parameters("/prefs")
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "theme")
        .cloned()
        .unwrap();
    assert_eq!(
        (
            &theme["in"],
            &theme["required"],
            &theme["schema"]["maxLength"]
        ),
        (&json!("cookie"), &json!(false), &json!(5))
    );
    assert!(document["paths"]["/prefs"]["get"]["responses"]["422"].is_object());
}

/// Unsigned integers in a model: never negative, documented with a minimum of 0.
#[derive(Model)]
struct Window {
    #[validate(range(ge = 1, le = 500))]
    size: u32,
    #[serde(default)]
    after_ms: u64,
}

async fn window(fastrs::extract::Query(window): fastrs::extract::Query<Window>) -> Json<Value> {
    Json(json!({"size": window.size, "after_ms": window.after_ms}))
}

#[tokio::test]
async fn unsigned_fields_refuse_negatives_and_say_so() {
    let app = App::new(fastrs_tests::memory()).route("/window", get(window));
    let document: Value = serde_json::from_str(&app.openapi_json()).unwrap();
    let client = app.test_client().await.unwrap();
    let response = client
        .get("/window?size=20&after_ms=9000000000")
        .send()
        .await;
    assert_eq!(
        response.json(),
        json!({"size": 20, "after_ms": 9_000_000_000_u64})
    );
    let response = client.get("/window?size=-1&after_ms=-5").send().await;
    assert_eq!(
        failures(&response),
        vec![
            (json!(["query", "size"]), "greater_than_equal".to_owned()),
            (
                json!(["query", "after_ms"]),
                "greater_than_equal".to_owned()
            ),
        ]
    );
    let response = client.get("/window?size=4294967296").send().await;
    assert_eq!(
        failures(&response),
        vec![(json!(["query", "size"]), "less_than_equal".to_owned())]
    );
    let parameters = document["paths"]["/window"]["get"]["parameters"].clone();
    let schema = |name: &str| {
        parameters
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["schema"]
            .clone()
    };
    assert_eq!(
        (&schema("size")["minimum"], &schema("size")["maximum"]),
        (&json!(1), &json!(500))
    );
    assert_eq!(
        (
            &schema("after_ms")["minimum"],
            &schema("after_ms")["format"]
        ),
        (&json!(0), &json!("int64"))
    );
}
