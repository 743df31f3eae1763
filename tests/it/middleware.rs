//! Middleware: `App::layer`, CORS from settings, and an app-wide error format.

use fastrs::axum::http::HeaderValue;
use fastrs::axum::response::Response;
use fastrs::db::Backend;
use fastrs::error::{ErrorFormat, ErrorView};
use fastrs::openapi::schema::Schema;
use fastrs::openapi::{Registry, ToSchema, object};
use fastrs::prelude::*;
use fastrs::{CorsSettings, Settings};
use fastrs_tests::{Gadget, TestDb, on_every_backend};
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
                    .insert("x-served-by", HeaderValue::from_static("fastrs-test"));
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
        assert_eq!(
            response.header("x-served-by"),
            Some("fastrs-test"),
            "{path}"
        );
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

/// Sleeps for `?ms`.
async fn slow(fastrs::extract::Query(params): fastrs::extract::Query<Sleep>) -> &'static str {
    tokio::time::sleep(std::time::Duration::from_millis(params.ms.unsigned_abs())).await;
    "done"
}

/// `?ms=...`
#[derive(Model)]
struct Sleep {
    ms: i64,
}

/// Echoes a body's length.
async fn upload(body: fastrs::axum::body::Bytes) -> String {
    body.len().to_string()
}

async fn built_in_layers_from_settings(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let mut settings = db.settings();
    settings.http.compression = true;
    settings.http.access_log = true;
    settings.http.hsts = Some(std::time::Duration::from_secs(600));
    let client = App::new(settings)
        .resource::<Gadget>()
        .route(
            "/slow",
            get(slow).timeout(std::time::Duration::from_millis(100)),
        )
        .route("/upload", post(upload).body_limit(1000))
        .test_client()
        .await
        .expect("app starts");

    // A request id on every answer, errors included; the client's own is kept.
    let ok = client.get("/gadgets").send().await;
    let id = ok.header("x-request-id").expect("a request id").to_owned();
    assert_eq!(id.len(), 32, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    let missing = client.get("/gadgets/999").send().await;
    assert_eq!(missing.status(), 404);
    assert!(missing.header("x-request-id").is_some());
    assert_ne!(missing.header("x-request-id"), Some(id.as_str()));
    let theirs = client
        .get("/nowhere")
        .header("x-request-id", "abc-123")
        .send()
        .await;
    assert_eq!(theirs.header("x-request-id"), Some("abc-123"));

    // Security headers, HSTS when configured.
    for response in [&ok, &missing] {
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(response.header("x-frame-options"), Some("DENY"));
        assert_eq!(response.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(
            response.header("strict-transport-security"),
            Some("max-age=600")
        );
    }

    // Compression for clients that accept it.
    let document = client
        .get("/openapi.json")
        .header("accept-encoding", "gzip")
        .send()
        .await;
    assert_eq!(document.header("content-encoding"), Some("gzip"));
    let plain = client.get("/openapi.json").send().await;
    assert_eq!(plain.header("content-encoding"), None);
    assert!(plain.json()["paths"].is_object());

    // Per-route deadline and body limit.
    assert_eq!(client.get("/slow?ms=0").send().await.text(), "done");
    let late = client.get("/slow?ms=1000").send().await;
    assert_eq!(late.status(), 503);
    assert_eq!(late.header("retry-after"), Some("1"));
    let small = client
        .post("/upload")
        .body("application/octet-stream", vec![0u8; 1000])
        .send()
        .await;
    assert_eq!(small.text(), "1000");
    let large = client
        .post("/upload")
        .body("application/octet-stream", vec![0u8; 1001])
        .send()
        .await;
    assert_eq!(large.status(), 413);
}

on_every_backend!(
    built_in_layers_from_settings,
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

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_access_log_names_the_request_id() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut settings = fastrs_tests::memory();
    settings.http.access_log = true;
    let client = App::new(settings)
        .route("/hello", get(hello))
        .test_client()
        .await
        .expect("app starts");
    let response = client
        .get("/nowhere")
        .header("x-request-id", "req-42")
        .send()
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.header("x-request-id"), Some("req-42"));
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = logs
        .lines()
        .find(|line| line.contains("finished processing request"))
        .unwrap_or_else(|| panic!("no access log line in {logs}"));
    let line: Value = serde_json::from_str(line).unwrap();
    assert_eq!(line["span"]["request_id"], "req-42", "{line}");
    assert_eq!(line["span"]["path"], "/nowhere");
    assert_eq!(line["fields"]["status"], 404);
}
