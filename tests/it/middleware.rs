//! Middleware: `App::layer`, CORS from settings, and an app-wide error format.

use fastrs::axum::http::HeaderValue;
use fastrs::axum::response::Response;
use fastrs::db::Backend;
use fastrs::error::{ErrorFormat, ErrorView};
use fastrs::openapi::schema::Schema;
use fastrs::openapi::{Registry, ToSchema, object};
use fastrs::prelude::*;
use fastrs::{CorsSettings, Settings};
use fastrs_tests::{Gadget, TestDb, on_both_backends};
use serde_json::{Value, json};

/// RealWorld's envelope: `{"errors": {"field": ["message"]}}`.
struct FieldMessages;

impl ErrorFormat for FieldMessages {
    fn body(&self, error: &ErrorView) -> Value {
        let mut errors = serde_json::Map::new();
        match error.validation() {
            Some(failures) => {
                for failure in failures {
                    let field = failure
                        .loc
                        .last()
                        .and_then(Value::as_str)
                        .unwrap_or("body")
                        .to_owned();
                    let list = errors.entry(field).or_insert_with(|| json!([]));
                    if let Some(list) = list.as_array_mut() {
                        list.push(json!(failure.msg));
                    }
                }
            }
            None => {
                errors.insert("body".into(), json!([error.message().unwrap_or("error")]));
            }
        }
        json!({ "errors": errors })
    }

    fn schema(&self, _registry: &mut Registry) -> Schema {
        object([("errors", Value::schema(), true)])
    }
}

async fn hello() -> &'static str {
    "hello"
}

fn app(settings: Settings) -> App {
    App::new(settings)
        .resource::<Gadget>()
        .route("/hello", get(hello))
        .layer(fastrs::axum::middleware::map_response(
            |mut response: Response| async {
                response
                    .headers_mut()
                    .insert("x-frame-options", HeaderValue::from_static("DENY"));
                response
            },
        ))
        .error_format(FieldMessages)
}

async fn client(backend: Backend) -> Option<(fastrs::testing::TestClient, TestDb)> {
    let db = TestDb::new(backend).await?;
    let mut settings = db.settings();
    settings.cors = Some(CorsSettings {
        origins: vec!["https://app.example.com".into()],
        allow_credentials: true,
        ..CorsSettings::default()
    });
    let client = app(settings).test_client().await.expect("app starts");
    Some((client, db))
}

async fn layers_wrap_every_route(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    for path in ["/hello", "/gadgets", "/nowhere", "/openapi.json"] {
        let response = client.get(path).send().await;
        assert_eq!(response.header("x-frame-options"), Some("DENY"), "{path}");
    }
}

async fn cors_answers_preflights_for_allowed_origins_only(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let preflight = client
        .request(fastrs::http::Method::OPTIONS, "/gadgets")
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,authorization",
        )
        .send()
        .await;
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        preflight.header("access-control-allow-credentials"),
        Some("true")
    );
    let methods = preflight
        .header("access-control-allow-methods")
        .unwrap_or("");
    assert!(methods.contains("POST"), "{methods}");
    let response = client
        .get("/hello")
        .header("origin", "https://app.example.com")
        .send()
        .await;
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    let response = client
        .get("/hello")
        .header("origin", "https://evil.example.com")
        .send()
        .await;
    assert_eq!(response.header("access-control-allow-origin"), None);
}

async fn every_error_takes_the_apps_format(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let response = client
        .post("/gadgets")
        .json(&json!({"name": "", "price": 1.0, "stock": 0, "sku": "ABC-123", "tags": []}))
        .send()
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.json(),
        json!({"errors": {"name": ["String should have at least 2 characters"]}})
    );
    let response = client.get("/gadgets/999999").send().await;
    assert_eq!(response.status(), 404);
    assert!(
        response.json()["errors"]["body"].is_array(),
        "{}",
        response.text()
    );
    let response = client.get("/nowhere").send().await;
    assert_eq!(response.json(), json!({"errors": {"body": ["Not Found"]}}));
    let response = client
        .post("/gadgets")
        .body("application/json", "{")
        .send()
        .await;
    assert!(response.json()["errors"].is_object(), "{}", response.text());
    // Success bodies are untouched.
    assert_eq!(client.get("/hello").send().await.text(), "hello");
}

on_both_backends!(
    layers_wrap_every_route,
    cors_answers_preflights_for_allowed_origins_only,
    every_error_takes_the_apps_format,
);

#[test]
fn the_document_shows_the_error_format() {
    let document: Value =
        serde_json::from_str(&app(fastrs_tests::memory()).openapi_json()).unwrap();
    let schemas = &document["components"]["schemas"];
    assert!(schemas.get("HTTPError").is_none());
    assert!(schemas.get("HTTPValidationError").is_none());
    assert!(schemas["Error"]["properties"].get("errors").is_some());
    let post = &document["paths"]["/gadgets"]["post"]["responses"]["422"];
    assert_eq!(
        post["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ValidationErrorBody"
    );
}

#[test]
fn cors_settings_that_browsers_refuse_are_start_up_errors() {
    let settings = |vars: &'static [(&'static str, &'static str)]| {
        Settings::from_lookup(move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    };
    let error = settings(&[("CORS_ORIGINS", "*"), ("CORS_ALLOW_CREDENTIALS", "true")])
        .unwrap_err()
        .to_string();
    assert!(error.contains("CORS_ALLOW_CREDENTIALS"), "{error}");
    for origin in ["https://a.example/path", "a.example", "https://a.example/"] {
        let vars: &'static [(&'static str, &'static str)] =
            Box::leak(Box::new([("CORS_ORIGINS", origin)]));
        assert!(settings(vars).is_err(), "{origin}");
    }
    let error = settings(&[
        ("CORS_ALLOW_METHODS", "GET"),
        ("CORS_ORIGINS", "https://a b"),
    ])
    .unwrap_err()
    .to_string();
    assert!(error.contains("CORS_ORIGINS"), "{error}");
    let any = settings(&[("CORS_ORIGINS", "*")]).unwrap();
    assert_eq!(any.cors.unwrap().origins, ["*"]);
    assert_eq!(settings(&[]).unwrap().cors, None);
}
