//! `multipart/form-data` bodies read into models: files as `Upload` fields with size rules,
//! text fields converted and validated, every failure at `["body", name]`, the body
//! documented as multipart with files as binary.

use fastrs::db::Backend;
use fastrs::extract::{Multipart, Upload};
use fastrs::prelude::*;
use fastrs_tests::{TestDb, failures, on_every_backend};
use serde_json::{Value, json};

/// A document to file.
#[derive(Model)]
struct Filing {
    /// The scanned document.
    #[validate(length(min = 1, max = 64))]
    scan: Upload,
    #[serde(default)]
    extras: Vec<Upload>,
    #[validate(length(min = 2))]
    title: String,
    #[validate(range(ge = 1))]
    copies: i64,
}

async fn file(Multipart(filing): Multipart<Filing>) -> Json<Value> {
    Json(json!({
        "scan": filing.scan,
        "bytes": String::from_utf8_lossy(&filing.scan.bytes),
        "extras": filing.extras.iter().map(|e| e.filename.clone()).collect::<Vec<_>>(),
        "title": filing.title,
        "copies": filing.copies,
    }))
}

fn app(settings: Settings) -> App {
    App::new(settings)
        .route("/filings", post(file))
        .route("/small-filings", post(file).body_limit(1024))
}

const BOUNDARY: &str = "XyZzY";

/// A multipart body: `(name, Some(filename), content)` for a file, `None` for a text field.
fn body(parts: &[(&str, Option<&str>, &str)]) -> String {
    let mut out = String::new();
    for (name, filename, content) in parts {
        out.push_str(&format!("--{BOUNDARY}\r\n"));
        match filename {
            Some(filename) => out.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: text/plain\r\n\r\n"
            )),
            None => out.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"
            )),
        }
        out.push_str(content);
        out.push_str("\r\n");
    }
    out.push_str(&format!("--{BOUNDARY}--\r\n"));
    out
}

fn content_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

async fn uploads_are_model_fields(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = app(db.settings()).test_client().await.unwrap();
    let sent = body(&[
        ("title", None, "Lease"),
        ("copies", None, "2"),
        ("scan", Some("lease.txt"), "hello"),
        ("extras", Some("a.txt"), "a"),
        ("extras", Some("b.txt"), "b"),
    ]);
    let response = client
        .post("/filings")
        .body(&content_type(), sent)
        .send()
        .await;
    assert_eq!(response.status(), 200, "{}", response.text());
    assert_eq!(
        response.json(),
        json!({
            "scan": {"filename": "lease.txt", "content_type": "text/plain", "size": 5},
            "bytes": "hello",
            "extras": ["a.txt", "b.txt"],
            "title": "Lease",
            "copies": 2,
        })
    );

    let too_big = "x".repeat(65);
    let sent = body(&[
        ("title", None, "L"),
        ("copies", None, "zero"),
        ("scan", Some("big.txt"), &too_big),
        ("extras", None, "not a file"),
    ]);
    let response = client
        .post("/filings")
        .body(&content_type(), sent)
        .send()
        .await;
    assert_eq!(
        failures(&response),
        vec![
            (json!(["body", "scan"]), "too_long".to_owned()),
            (json!(["body", "extras", 0]), "value_error".to_owned()),
            (json!(["body", "title"]), "string_too_short".to_owned()),
            (json!(["body", "copies"]), "int_parsing".to_owned()),
        ]
    );
    assert_eq!(
        response.json()["detail"][0]["msg"],
        "File should have at most 64 bytes"
    );

    // A text value where the file should be, and the file missing.
    let sent = body(&[
        ("title", None, "Lease"),
        ("copies", None, "1"),
        ("scan", None, "text"),
    ]);
    let response = client
        .post("/filings")
        .body(&content_type(), sent)
        .send()
        .await;
    assert_eq!(
        failures(&response),
        vec![(json!(["body", "scan"]), "value_error".to_owned())]
    );
    let sent = body(&[("title", None, "Lease"), ("copies", None, "1")]);
    let response = client
        .post("/filings")
        .body(&content_type(), sent)
        .send()
        .await;
    assert_eq!(
        failures(&response),
        vec![(json!(["body", "scan"]), "missing".to_owned())]
    );

    // Not multipart at all, or broken.
    let response = client
        .post("/filings")
        .json(&json!({"title": "Lease"}))
        .send()
        .await;
    assert_eq!(failures(&response)[0].1, "model_attributes_type");
    let response = client
        .post("/filings")
        .body(&content_type(), "--XyZzY\r\nContent-Disposition: nonsense")
        .send()
        .await;
    assert_eq!(response.status(), 400, "{}", response.text());
    assert!(response.json()["detail"].is_string());
}

on_every_backend!(uploads_are_model_fields);

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let client = app(fastrs_tests::memory()).test_client().await.unwrap();
    let huge = "x".repeat(4096);
    let sent = body(&[
        ("title", None, "Lease"),
        ("copies", None, "1"),
        ("scan", Some("a"), &huge),
    ]);
    let response = client
        .post("/small-filings")
        .body(&content_type(), sent.clone())
        .send()
        .await;
    assert_eq!(response.status(), 413, "{}", response.text());
    let response = client
        .post("/filings")
        .body(&content_type(), sent)
        .send()
        .await;
    assert_eq!(failures(&response)[0].1, "too_long", "the file's own rule");
}

#[test]
fn uploads_are_documented_as_binary_in_a_multipart_body() {
    let document: Value =
        serde_json::from_str(&app(fastrs_tests::memory()).openapi_json()).unwrap();
    let body = &document["paths"]["/filings"]["post"]["requestBody"]["content"];
    assert_eq!(
        body["multipart/form-data"]["schema"]["$ref"],
        "#/components/schemas/Filing"
    );
    let filing = &document["components"]["schemas"]["Filing"]["properties"];
    assert_eq!(
        (&filing["scan"]["type"], &filing["scan"]["format"]),
        (&json!("string"), &json!("binary"))
    );
    assert_eq!(filing["scan"]["maxLength"], 64);
    assert_eq!(filing["extras"]["items"]["format"], "binary");
    let responses = &document["paths"]["/filings"]["post"]["responses"];
    assert!(responses.get("413").is_some() && responses.get("422").is_some());
}
