//! The CRUD conformance suite: every route, PATCH semantics, 404/409 bodies, paging, and
//! concurrent creates.

use fastrs::db::Backend;
use fastrs_tests::{client, on_every_backend};
use serde_json::{Value, json};

fn gadget(name: &str) -> Value {
    json!({"name": name, "price": 9.5, "stock": 3, "sku": "ABC-123", "tags": ["a"]})
}

async fn create_answers_201_with_location_and_the_row(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let response = client.post("/gadgets").json(&gadget("lamp")).await;
    assert_eq!(response.status(), 201, "{}", response.text());
    let body = response.json();
    let id = body["id"].as_i64().expect("integer id");
    assert_eq!(
        response.header("location"),
        Some(format!("/gadgets/{id}").as_str())
    );
    assert_eq!(body["name"], "lamp");
    assert_eq!(body["price"], 9.5);
    assert_eq!(body["weight"], 1, "default applied");
    assert_eq!(body["active"], true, "default applied");
    assert_eq!(body["note"], Value::Null);
    assert_eq!(body["tags"], json!(["a"]));
    assert_eq!(body["views"], 0, "read-only default");
    assert_eq!(body["status"], "new", "skip_create default");
    assert!(
        body.get("secret").is_none(),
        "write-only fields are never answered"
    );
    assert!(
        body["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(body["created_at"], body["updated_at"]);
}

async fn every_type_round_trips(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let uuid = "0190a5c8-3f9e-7b6a-9c1d-2e3f4a5b6c7d";
    let mut body = gadget("full");
    body["note"] = json!("a note");
    body["contact"] = json!("me@example.com");
    body["homepage"] = json!("https://example.com");
    body["pairs"] = json!(4);
    body["extra"] = json!({"nested": [1, 2, {"x": null}]});
    body["ref_id"] = json!(uuid);
    body["due"] = json!("2030-01-02T03:04:05Z");
    body["secret"] = json!("hunter22");
    body["serial"] = json!("S-1");
    let created = client.post("/gadgets").json(&body).await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let id = created.json()["id"].clone();
    let read = client.get(&format!("/gadgets/{id}")).await;
    assert_eq!(read.status(), 200);
    let read = read.json();
    assert_eq!(read, created.json(), "GET answers what POST answered");
    assert_eq!(read["extra"], json!({"nested": [1, 2, {"x": null}]}));
    assert_eq!(read["ref_id"], uuid);
    assert_eq!(read["due"], "2030-01-02T03:04:05Z");
    assert_eq!(read["serial"], "S-1");
}

async fn server_owned_fields_are_ignored_in_bodies(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let mut body = gadget("sneaky");
    body["id"] = json!(777);
    body["views"] = json!(1000);
    body["status"] = json!("approved");
    body["created_at"] = json!("2000-01-01T00:00:00Z");
    let created = client.post("/gadgets").json(&body).await.json();
    assert_ne!(created["id"], 777);
    assert_eq!(created["views"], 0);
    assert_eq!(created["status"], "new");
    assert_ne!(created["created_at"], "2000-01-01T00:00:00Z");
    let id = created["id"].clone();
    let patched = client
        .patch(&format!("/gadgets/{id}"))
        .json(&json!({"id": 5, "views": 9, "serial": "changed", "created_at": "2000-01-01T00:00:00Z"}))
        .await;
    assert_eq!(patched.status(), 200);
    let patched = patched.json();
    assert_eq!(patched["id"], id);
    assert_eq!(patched["views"], 0);
    assert_eq!(
        patched["serial"],
        Value::Null,
        "skip_update field unchanged"
    );
    assert_eq!(patched["created_at"], created["created_at"]);
}

async fn get_missing_is_404_with_detail(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    for (method, path) in [
        ("GET", "/gadgets/999"),
        ("PATCH", "/gadgets/999"),
        ("DELETE", "/gadgets/999"),
    ] {
        let request = client
            .request(method.parse().unwrap(), path)
            .json(&json!({}));
        let response = request.await;
        assert_eq!(response.status(), 404, "{method} {path}");
        assert_eq!(response.json(), json!({"detail": "Gadget not found"}));
    }
}

async fn patch_absent_null_and_value(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let mut body = gadget("patchy");
    body["note"] = json!("keep me");
    let created = client.post("/gadgets").json(&body).await.json();
    let path = format!("/gadgets/{}", created["id"]);

    // Absent: unchanged.
    let response = client.patch(&path).json(&json!({"price": 20})).await;
    assert_eq!(response.status(), 200, "{}", response.text());
    let updated = response.json();
    assert_eq!(updated["price"], 20.0);
    assert_eq!(updated["note"], "keep me");
    assert_eq!(updated["name"], "patchy");
    assert_ne!(
        updated["updated_at"], created["updated_at"],
        "updated_at moves"
    );
    assert_eq!(updated["created_at"], created["created_at"]);

    // Null: cleared (optional fields only).
    let updated = client
        .patch(&path)
        .json(&json!({"note": null}))
        .await
        .json();
    assert_eq!(updated["note"], Value::Null);
    let refused = client.patch(&path).json(&json!({"name": null})).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(refused.json()["detail"][0]["loc"], json!(["body", "name"]));

    // Value: set, validated.
    let updated = client
        .patch(&path)
        .json(&json!({"note": "new", "tags": []}))
        .await
        .json();
    assert_eq!(updated["note"], "new");
    assert_eq!(updated["tags"], json!([]));
    let refused = client.patch(&path).json(&json!({"name": "x"})).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(refused.json()["detail"][0]["type"], "string_too_short");

    // An empty body changes nothing but answers the row.
    let same = client.patch(&path).json(&json!({})).await;
    assert_eq!(same.status(), 200);
    assert_eq!(same.json()["note"], "new");
    let stored = client.get(&path).await.json();
    assert_eq!(stored["note"], "new");
    assert_eq!(stored["price"], 20.0);
}

async fn delete_answers_204_then_404(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let created = client.post("/gadgets").json(&gadget("gone")).await.json();
    let path = format!("/gadgets/{}", created["id"]);
    let deleted = client.delete(&path).await;
    assert_eq!(deleted.status(), 204);
    assert!(deleted.bytes().is_empty());
    assert_eq!(client.get(&path).await.status(), 404);
    assert_eq!(client.delete(&path).await.status(), 404);
}

async fn unique_violation_is_409_naming_the_field(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    assert_eq!(
        client.post("/gadgets").json(&gadget("twin")).await.status(),
        201
    );
    let second = client.post("/gadgets").json(&gadget("twin")).await;
    assert_eq!(second.status(), 409);
    assert_eq!(
        second.json(),
        json!({"detail": "Gadget with this name already exists"})
    );
    let other = client.post("/gadgets").json(&gadget("other")).await.json();
    let clash = client
        .patch(&format!("/gadgets/{}", other["id"]))
        .json(&json!({"name": "twin"}))
        .await;
    assert_eq!(clash.status(), 409);
    assert_eq!(
        clash.json()["detail"],
        "Gadget with this name already exists"
    );
    // Text is unique as written: a trailing space makes another name (MariaDB's padding
    // collations would call them equal).
    let spaced = client.post("/gadgets").json(&gadget("twin ")).await;
    assert_eq!(spaced.status(), 201, "{}", spaced.text());
    let found = client.get("/gadgets?limit=50").await.json();
    let names: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert!(
        names.contains(&"twin ") && names.contains(&"twin"),
        "{names:?}"
    );
}

/// Text longer than MariaDB's `TEXT` (64 KiB) is kept whole.
async fn long_text_is_kept_whole(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let mut body = gadget("long");
    body["note"] = json!("x".repeat(70_000));
    let created = client.post("/gadgets").json(&body).await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let read = client
        .get(&format!("/gadgets/{}", created.json()["id"]))
        .await;
    assert_eq!(read.json()["note"].as_str().map(str::len), Some(70_000));
}

async fn list_pages_in_id_order_with_bounds(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let empty = client.get("/gadgets").await;
    assert_eq!(empty.status(), 200);
    assert_eq!(
        empty.json(),
        json!({"items": [], "total": 0, "offset": 0, "limit": 5})
    );
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            client
                .post("/gadgets")
                .json(&gadget(&format!("g{i}")))
                .await
                .json()["id"]
                .clone(),
        );
    }
    let first = client.get("/gadgets").await.json();
    assert_eq!(first["total"], 7);
    assert_eq!(first["limit"], 5, "resource page_size is the default limit");
    let got: Vec<Value> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].clone())
        .collect();
    assert_eq!(got, ids[..5]);
    let rest = client.get("/gadgets?offset=5&limit=50").await.json();
    let got: Vec<Value> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].clone())
        .collect();
    assert_eq!(got, ids[5..]);
    assert_eq!(rest["offset"], 5);
    let beyond = client.get("/gadgets?offset=100").await.json();
    assert_eq!(beyond["items"], json!([]));
    assert_eq!(beyond["total"], 7);

    for (query, loc, kind) in [
        ("limit=0", "limit", "greater_than_equal"),
        ("limit=51", "limit", "less_than_equal"),
        ("limit=abc", "limit", "int_parsing"),
        ("offset=-1", "offset", "greater_than_equal"),
    ] {
        let response = client.get(&format!("/gadgets?{query}")).await;
        assert_eq!(response.status(), 422, "{query}");
        let error = &response.json()["detail"][0];
        assert_eq!(error["loc"], json!(["query", loc]), "{query}");
        assert_eq!(error["type"], kind, "{query}");
    }
}

async fn bad_path_ids_are_422(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let response = client.get("/gadgets/abc").await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.json()["detail"][0],
        json!({"type": "int_parsing", "loc": ["path", "id"], "input": "abc",
               "msg": "Input should be a valid integer, unable to parse string as an integer"})
    );
    let response = client.get("/tokens/not-a-uuid").await;
    assert_eq!(response.status(), 422);
    assert_eq!(response.json()["detail"][0]["type"], "uuid_parsing");
}

async fn uuid_ids_are_generated(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let first = client
        .post("/tokens")
        .json(&json!({"label": "a", "id": "00000000-0000-0000-0000-000000000000"}))
        .await;
    assert_eq!(first.status(), 201, "{}", first.text());
    let id = first.json()["id"].as_str().unwrap().to_owned();
    assert_ne!(id, "00000000-0000-0000-0000-000000000000");
    assert_eq!(
        first.header("location"),
        Some(format!("/tokens/{id}").as_str())
    );
    let read = client.get(&format!("/tokens/{id}")).await;
    assert_eq!(read.status(), 200);
    assert_eq!(read.json()["label"], "a");
    let patched = client
        .patch(&format!("/tokens/{id}"))
        .json(&json!({"label": "b"}))
        .await;
    assert_eq!(patched.json()["label"], "b");
    assert_eq!(client.delete(&format!("/tokens/{id}")).await.status(), 204);
}

async fn fifty_concurrent_creates_get_distinct_ids(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .post("/gadgets")
                    .json(&gadget(&format!("c{i}")))
                    .await
            })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let response = task.await.unwrap();
        assert_eq!(response.status(), 201, "{}", response.text());
        assert!(ids.insert(response.json()["id"].as_i64().unwrap()));
    }
    assert_eq!(ids.len(), 50);
    assert_eq!(client.get("/gadgets").await.json()["total"], 50);
}

async fn unknown_routes_and_methods_answer_json(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let missing = client.get("/nope").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json(), json!({"detail": "Not Found"}));
    let wrong = client.put("/gadgets/1").json(&json!({})).await;
    assert_eq!(wrong.status(), 405);
    assert_eq!(wrong.json(), json!({"detail": "Method Not Allowed"}));
}

on_every_backend!(
    long_text_is_kept_whole,
    create_answers_201_with_location_and_the_row,
    every_type_round_trips,
    server_owned_fields_are_ignored_in_bodies,
    get_missing_is_404_with_detail,
    patch_absent_null_and_value,
    delete_answers_204_then_404,
    unique_violation_is_409_naming_the_field,
    list_pages_in_id_order_with_bounds,
    bad_path_ids_are_422,
    uuid_ids_are_generated,
    fifty_concurrent_creates_get_distinct_ids,
    unknown_routes_and_methods_answer_json,
);
