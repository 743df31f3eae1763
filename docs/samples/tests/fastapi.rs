//! "Coming from FastAPI": each sample of the page, through HTTP. The page
//! shows the tests between anchors; the others check that every other sample
//! does what the page says.

use fastrs::Settings;
use fastrs::auth::Secret;
use fastrs::serde_json::{Value, json};
use fastrs::testing::TestClient;
use fastrs_guide_samples::fastapi::{Mailer, Tenant, User, app};

/// In-memory SQLite and a signing key: what every test's app starts with.
fn settings() -> Settings {
    let mut settings = Settings {
        database_url: "sqlite::memory:".into(),
        ..Settings::default()
    };
    settings.auth.secret_key =
        Some(Secret::new("test-secret-test-secret-test-secret-0123"));
    settings
}

// ANCHOR: testclient
/// The app, in process, on a database of its own.
async fn client() -> fastrs::Result<TestClient> {
    app(settings()).test_client().await
}

#[tokio::test]
async fn creates_an_item() -> fastrs::Result<()> {
    let client = client().await?;
    let response = client
        .post("/items")
        .json(&json!({"name": "lamp", "price": 12.5}))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json()["name"], "lamp");

    let response = client.post("/items").json(&json!({"name": "lamp"})).await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.json()["detail"][0]["loc"],
        json!(["body", "price"])
    );
    Ok(())
}
// ANCHOR_END: testclient

// ANCHOR: overrides
#[tokio::test]
async fn a_test_replaces_dependencies() -> fastrs::Result<()> {
    let mailer = Mailer::default();
    let client = app(settings())
        .override_dep(mailer.clone())
        .override_dep(Tenant("test".into()))
        .override_user(|| User {
            id: 1,
            username: "ann".into(),
            password: String::new(),
            is_active: true,
            scopes: vec![],
        })
        .test_client()
        .await?;

    // No `X-Tenant` header and no token: the stand-ins answer for them.
    assert_eq!(client.get("/tenant").await.json(), "test");
    assert_eq!(client.get("/hello").await.json(), "hello, ann");

    let invited = client
        .post("/invitations")
        .json(&json!({"email": "bob@example.com"}))
        .await;
    assert_eq!(invited.status(), 202);
    let sent = wait_for_mail(&mailer).await;
    assert_eq!(sent, [("bob@example.com".into(), "You are invited".into())]);
    Ok(())
}

/// The task runs after the response: wait (a bounded while) until it has.
async fn wait_for_mail(mailer: &Mailer) -> Vec<(String, String)> {
    for _ in 0..10_000 {
        let sent = mailer.sent.lock().await.clone();
        if !sent.is_empty() {
            return sent;
        }
        tokio::task::yield_now().await;
    }
    Vec::new()
}
// ANCHOR_END: overrides

#[tokio::test]
async fn a_response_model_filters_the_answer() -> fastrs::Result<()> {
    let client = client().await?;
    let response = client
        .post("/profiles")
        .json(&json!({"username": "ann", "password": "hunter22"}))
        .await;
    assert_eq!(response.json(), json!({"username": "ann"}));
    let response = client.post("/profiles").json(&json!({"password": 7})).await;
    assert_eq!(response.status(), 422);
    assert!(!response.text().contains('7'), "{}", response.text());
    Ok(())
}

#[tokio::test]
async fn constraints_answer_422_with_every_failure() -> fastrs::Result<()> {
    let client = client().await?;
    let valid = json!({"name": "lamp", "price": 12.5, "sku": "LMP-001"});
    let response = client.post("/products").json(&valid).await;
    assert_eq!(response.status(), 200, "{}", response.text());
    assert_eq!(response.json()["quantity"], 1, "the default");
    assert_eq!(response.json()["tags"], json!([]));

    let invalid = json!({
        "name": "",
        "price": 0,
        "sku": "lamp",
        "contact": "nobody",
        "tags": ["a", "b", "c", "d", "e", "f"],
        "quantity": 51,
    });
    let response = client.post("/products").json(&invalid).await;
    assert_eq!(response.status(), 422);
    let detail = response.json()["detail"].clone();
    let failures: Vec<(Value, Value)> = detail
        .as_array()
        .into_iter()
        .flatten()
        .map(|error| (error["loc"].clone(), error["type"].clone()))
        .collect();
    assert_eq!(
        failures,
        [
            (json!(["body", "name"]), json!("string_too_short")),
            (json!(["body", "price"]), json!("greater_than")),
            (json!(["body", "sku"]), json!("string_pattern_mismatch")),
            (json!(["body", "contact"]), json!("value_error")),
            (json!(["body", "tags"]), json!("too_long")),
            (json!(["body", "quantity"]), json!("less_than_equal")),
        ]
    );
    Ok(())
}

#[tokio::test]
async fn query_parameters_are_validated() -> fastrs::Result<()> {
    let client = client().await?;
    let found = client.get("/search?q=lamp").await;
    assert_eq!(found.json(), json!(["lamp", "desk lamp"]));
    let found = client.get("/search?q=lamp&limit=1").await;
    assert_eq!(found.json(), json!(["lamp"]));
    let refused = client.get("/search?q=la&limit=0").await;
    assert_eq!(refused.status(), 422);
    let locs: Vec<Value> = refused.json()["detail"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|error| error["loc"].clone())
        .collect();
    assert_eq!(locs, [json!(["query", "q"]), json!(["query", "limit"])]);
    Ok(())
}

#[tokio::test]
async fn a_dependency_reads_a_header_and_a_service() -> fastrs::Result<()> {
    let client = client().await?;
    let response = client.get("/tenant").header("x-tenant", "acme").await;
    assert_eq!(response.json(), "acme");
    let response = client.get("/tenant").header("x-tenant", "initech").await;
    assert_eq!(response.status(), 403);
    assert_eq!(response.json(), json!({"detail": "Unknown tenant"}));
    let response = client.get("/tenant").await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.json()["detail"][0]["loc"],
        json!(["header", "x-tenant"])
    );
    Ok(())
}

#[tokio::test]
async fn a_router_guards_its_routes() -> fastrs::Result<()> {
    let client = client().await?;
    let response = client.get("/reports/daily").await;
    assert_eq!(response.status(), 422);
    let response = client
        .get("/reports/daily")
        .header("x-tenant", "nope")
        .await;
    assert_eq!(response.status(), 403);
    let response = client
        .get("/reports/daily")
        .header("x-tenant", "acme")
        .await;
    assert_eq!(response.json(), "daily report of acme");
    Ok(())
}

#[tokio::test]
async fn errors_answer_their_status() -> fastrs::Result<()> {
    let client = client().await?;
    let response = client.get("/orders/1").await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.json(), json!({"detail": "Order not found"}));

    let open = client.post("/orders").json(&json!({"item": "lamp"})).await;
    assert_eq!(open.status(), 201, "{}", open.text());
    let shipped = client
        .post("/orders")
        .json(&json!({"item": "desk", "shipped": true}))
        .await;
    let (open, shipped) = (&open.json()["id"], &shipped.json()["id"]);
    assert_eq!(
        client.get(&format!("/orders/{open}")).await.json()["item"],
        "lamp"
    );

    let response = client.post(&format!("/orders/{shipped}/cancel")).await;
    assert_eq!(response.status(), 409);
    let detail = format!("order {shipped} has shipped");
    assert_eq!(response.json(), json!({ "detail": detail }));
    let response = client.post(&format!("/orders/{open}/cancel")).await;
    assert_eq!(response.status(), 204);
    let response = client.post(&format!("/orders/{open}/cancel")).await;
    assert_eq!(response.status(), 404);
    let detail = format!("order {open} not found");
    assert_eq!(response.json(), json!({ "detail": detail }));
    Ok(())
}

#[tokio::test]
async fn a_task_runs_after_the_response_never_after_a_failure()
-> fastrs::Result<()> {
    let mailer = Mailer::default();
    let client = app(settings())
        .override_dep(mailer.clone())
        .test_client()
        .await?;
    let refused = client
        .post("/invitations")
        .json(&json!({"email": "nobody"}))
        .await;
    assert_eq!(refused.status(), 422);
    let invited = client
        .post("/invitations")
        .json(&json!({"email": "bob@example.com"}))
        .await;
    assert_eq!(invited.json(), json!({"email": "bob@example.com"}));
    let sent = wait_for_mail(&mailer).await;
    assert_eq!(sent.len(), 1, "only the invitation that was accepted");
    Ok(())
}

#[tokio::test]
async fn a_user_logs_in_and_is_the_current_user() -> fastrs::Result<()> {
    let client = client().await?;
    assert_eq!(client.get("/hello").await.status(), 401);
    let registered = client
        .post("/auth/register")
        .json(&json!({"username": "ann", "password": "correct horse"}))
        .await;
    assert_eq!(registered.status(), 201, "{}", registered.text());
    let login = client
        .post("/auth/token")
        .form(&[("username", "ann"), ("password", "correct horse")])
        .await;
    assert_eq!(login.status(), 200, "{}", login.text());
    let token = login.json()["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        client.get("/hello").bearer(&token).await.json(),
        "hello, ann"
    );
    let audit = client.get("/audit").bearer(&token).await;
    assert_eq!(audit.status(), 403, "no admin scope");
    Ok(())
}

#[tokio::test]
async fn a_scope_is_checked() -> fastrs::Result<()> {
    let admin = || User {
        id: 1,
        username: "root".into(),
        password: String::new(),
        is_active: true,
        scopes: vec!["admin".into()],
    };
    let client = app(settings()).override_user(admin).test_client().await?;
    assert_eq!(client.get("/audit").await.json(), "the audit log");
    Ok(())
}

#[tokio::test]
async fn the_lifespan_loads_and_drops_the_rates() -> fastrs::Result<()> {
    let client = client().await?;
    assert_eq!(client.get("/rates/USD").await.json(), 1.08);
    assert_eq!(client.get("/rates/XYZ").await.status(), 404);
    client.clone().shutdown().await;
    assert_eq!(
        client.get("/rates/USD").await.status(),
        404,
        "cleared at shutdown"
    );
    Ok(())
}

#[test]
fn the_document_says_what_each_route_reads_and_answers() {
    let document: Value =
        fastrs::serde_json::from_str(&app(settings()).openapi_json())
            .unwrap_or_default();
    let paths = &document["paths"];
    let tenant = &paths["/tenant"]["get"]["parameters"][0];
    assert_eq!(
        (&tenant["name"], &tenant["in"]),
        (&json!("x-tenant"), &json!("header"))
    );
    let daily = &paths["/reports/daily"]["get"];
    assert_eq!(daily["tags"], json!(["reports"]));
    assert_eq!(daily["parameters"][0]["name"], "x-tenant");
    let cancel = &paths["/orders/{id}/cancel"]["post"]["responses"];
    for status in ["204", "404", "409"] {
        assert!(cancel.get(status).is_some(), "{status}: {cancel}");
    }
    assert!(paths["/hello"]["get"]["security"].is_array());
}
