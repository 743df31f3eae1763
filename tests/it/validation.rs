//! Validation through HTTP: every rule, every type error, all failures reported together.

use fastrs::db::Backend;
use fastrs_tests::{client, on_every_backend};
use serde_json::{Value, json};

fn valid() -> Value {
    json!({"name": "valid", "price": 1.0, "stock": 0, "sku": "ABC-123", "tags": []})
}

fn with(changes: Value) -> Value {
    let mut body = valid();
    for (key, value) in changes.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

/// The (loc field, type) pairs of a 422.
fn failures(response: &fastrs::testing::TestResponse) -> Vec<(String, String)> {
    assert_eq!(response.status(), 422, "{}", response.text());
    response.json()["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| {
            let loc = error["loc"].as_array().unwrap();
            let field = loc
                .get(1)
                .map(|v| v.to_string().trim_matches('"').to_owned())
                .unwrap_or_default();
            (field, error["type"].as_str().unwrap().to_owned())
        })
        .collect()
}

async fn every_rule_rejects_and_reports(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let cases = [
        (json!({"name": "x"}), "name", "string_too_short"),
        (json!({"name": "x".repeat(21)}), "name", "string_too_long"),
        (json!({"price": 0}), "price", "greater_than"),
        (json!({"price": 1000.5}), "price", "less_than_equal"),
        (json!({"stock": -1}), "stock", "greater_than_equal"),
        (json!({"weight": 10}), "weight", "less_than"),
        (json!({"contact": "not-an-email"}), "contact", "value_error"),
        (
            json!({"homepage": "example.com"}),
            "homepage",
            "url_parsing",
        ),
        (json!({"sku": "abc-123"}), "sku", "string_pattern_mismatch"),
        (json!({"pairs": 3}), "pairs", "value_error"),
        (json!({"tags": ["a", "b", "c", "d"]}), "tags", "too_long"),
        (json!({"secret": "abc"}), "secret", "string_too_short"),
    ];
    for (change, field, kind) in cases {
        let response = client.post("/gadgets").json(&with(change.clone())).await;
        assert_eq!(
            failures(&response),
            vec![(field.to_owned(), kind.to_owned())],
            "{change}"
        );
    }
}

async fn type_errors_name_the_field(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let cases = [
        (json!({"name": 5}), "name", "string_type"),
        (json!({"price": "cheap"}), "price", "float_type"),
        (json!({"stock": 1.5}), "stock", "int_from_float"),
        (
            json!({"stock": 3_000_000_000_i64}),
            "stock",
            "less_than_equal",
        ),
        (json!({"weight": "2"}), "weight", "int_type"),
        (json!({"active": "yes"}), "active", "bool_type"),
        (json!({"ref_id": "nope"}), "ref_id", "uuid_parsing"),
        (json!({"due": "tomorrow"}), "due", "datetime_parsing"),
        (json!({"tags": "a"}), "tags", "list_type"),
        (json!({"name": null}), "name", "string_type"),
    ];
    for (change, field, kind) in cases {
        let response = client.post("/gadgets").json(&with(change.clone())).await;
        assert_eq!(
            failures(&response),
            vec![(field.to_owned(), kind.to_owned())],
            "{change}"
        );
    }
    // A bad list item is located by its index.
    let response = client
        .post("/gadgets")
        .json(&with(json!({"tags": ["ok", 7]})))
        .await;
    assert_eq!(
        response.json()["detail"][0]["loc"],
        json!(["body", "tags", 1])
    );
    assert_eq!(response.json()["detail"][0]["input"], 7);
}

async fn all_failures_are_reported_together(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let response = client
        .post("/gadgets")
        .json(&json!({"name": "", "price": -1, "stock": "many", "contact": "x", "tags": []}))
        .await;
    let mut got = failures(&response);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("contact".to_owned(), "value_error".to_owned()),
            ("name".to_owned(), "string_too_short".to_owned()),
            ("price".to_owned(), "greater_than".to_owned()),
            ("sku".to_owned(), "missing".to_owned()),
            ("stock".to_owned(), "int_type".to_owned()),
        ]
    );
    let detail = response.json()["detail"].clone();
    let name = detail
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["loc"] == json!(["body", "name"]))
        .unwrap();
    assert_eq!(name["msg"], "String should have at least 2 characters");
    assert_eq!(name["input"], "");
    assert_eq!(name["ctx"], json!({"min_length": 2}));
    let missing = detail
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "missing")
        .unwrap();
    assert_eq!(missing["msg"], "Field required");
}

async fn write_only_values_are_never_echoed(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let response = client
        .post("/gadgets")
        .json(&with(json!({"secret": "abc"})))
        .await;
    let error = &response.json()["detail"][0];
    assert_eq!(error["loc"], json!(["body", "secret"]));
    assert!(error.get("input").is_none(), "{error}");
    assert!(!response.text().contains("abc\""), "{}", response.text());
    let response = client
        .post("/gadgets")
        .json(&with(json!({"secret": 12345})))
        .await;
    assert!(response.json()["detail"][0].get("input").is_none());
}

async fn model_validator_runs_after_fields(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let response = client
        .post("/gadgets")
        .json(&with(json!({"name": "forbidden"})))
        .await;
    // FastAPI's key order: type, loc, msg (then input, ctx).
    assert!(
        response
            .text()
            .starts_with(r#"{"detail":[{"type":"value_error","loc":["body","name"],"msg":"#),
        "{}",
        response.text()
    );
    assert_eq!(
        response.json()["detail"],
        json!([{"type": "value_error", "loc": ["body", "name"], "msg": "this name is reserved"}])
    );
}

async fn malformed_bodies_are_422_never_500(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let broken = client
        .post("/gadgets")
        .body("application/json", "{\"name\": ")
        .await;
    assert_eq!(broken.status(), 422);
    assert_eq!(broken.json()["detail"][0]["type"], "json_invalid");
    assert_eq!(broken.json()["detail"][0]["loc"][0], "body");

    let array = client.post("/gadgets").json(&json!([1, 2])).await;
    assert_eq!(array.status(), 422);
    assert_eq!(array.json()["detail"][0]["type"], "model_attributes_type");

    let text = client
        .post("/gadgets")
        .body("text/plain", valid().to_string())
        .await;
    assert_eq!(text.status(), 422);
    assert_eq!(text.json()["detail"][0]["loc"], json!(["body"]));

    let none = client.post("/gadgets").await;
    assert_eq!(none.status(), 422);

    let patch = client
        .patch("/gadgets/1")
        .body("application/json", "nope")
        .await;
    assert_eq!(patch.status(), 422);
    assert_eq!(patch.json()["detail"][0]["type"], "json_invalid");
}

async fn oversized_bodies_are_413(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let response = client.post("/gadgets").body("application/json", huge).await;
    assert_eq!(response.status(), 413);
    assert_eq!(response.json(), json!({"detail": "Request body too large"}));
}

async fn nul_characters_are_refused_not_500(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    // PostgreSQL cannot store NUL in text: refused on both backends alike.
    let response = client
        .post("/gadgets")
        .json(&with(json!({"name": "nul\u{0}byte"})))
        .await;
    assert_eq!(response.status(), 422, "{}", response.text());
    assert_eq!(response.json()["detail"][0]["loc"], json!(["body", "name"]));
    assert_eq!(response.json()["detail"][0]["type"], "string_type");
}

on_every_backend!(
    nul_characters_are_refused_not_500,
    every_rule_rejects_and_reports,
    type_errors_name_the_field,
    all_failures_are_reported_together,
    write_only_values_are_never_echoed,
    model_validator_runs_after_fields,
    malformed_bodies_are_422_never_500,
    oversized_bodies_are_413,
);
