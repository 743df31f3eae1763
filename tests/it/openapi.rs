//! The OpenAPI document: drift check against a committed copy, every route documented and every
//! documented route served, schema constraints, hand-written route inference, and the UIs.

use fastrs::auth::Secret;
use fastrs::openapi::{DocsOptions, ToSchema, object, schema::Schema};
use fastrs::prelude::*;
use fastrs::routing::ApiRouter;
use fastrs_tests::{Gadget, SECRET, Staff, Token, memory};
use serde_json::{Value, json};

fn items_app() -> App {
    let mut settings = memory();
    settings.auth.secret_key = Some(Secret::new(SECRET));
    items::app(settings).docs(DocsOptions {
        title: "Items".into(),
        ..DocsOptions::default()
    })
}

/// `tests/openapi/items.json` is the reviewed document of the reference app: any change to the
/// API shows in review. Regenerate with `UPDATE_OPENAPI=1 cargo test -p fastrs-tests openapi`.
#[test]
fn the_items_document_matches_the_committed_copy() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/items.json");
    let current = items_app().openapi_json() + "\n";
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(path, &current).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        current == committed,
        "the document changed: review it and regenerate {path} with UPDATE_OPENAPI=1"
    );
}

#[derive(serde::Serialize)]
struct Stats {
    count: i64,
}

impl ToSchema for Stats {
    fn name() -> Option<String> {
        Some("Stats".into())
    }

    fn schema() -> Schema {
        object([("count", i64::schema(), true)])
    }
}

#[derive(Model)]
struct Search {
    #[allow(dead_code)]
    q: String,
    #[allow(dead_code)]
    limit: Option<i64>,
}

async fn stats(_user: CurrentUser<Staff>, _search: Query<Search>) -> Json<Stats> {
    Json(Stats { count: 1 })
}

async fn preview(
    Path(_id): Path<i64>,
    ValidJson(gadget): ValidJson<GadgetCreate>,
) -> Result<String, ApiError> {
    Ok(gadget.name)
}

async fn window(page: Page) -> String {
    format!("{}+{}", page.offset, page.limit)
}

async fn legacy() -> StatusCode {
    StatusCode::NO_CONTENT
}

use fastrs_tests::GadgetCreate;

fn rich_app() -> App {
    let mut settings = memory();
    settings.auth.secret_key = Some(Secret::new(SECRET));
    App::new(settings)
        .auth::<Staff>()
        .resource::<Gadget>()
        .resource::<Token>()
        .route(
            "/stats",
            get(stats).tag("reports").summary("Totals for the caller"),
        )
        .route("/window", get(window))
        .route(
            "/gadgets/{id}/preview",
            post(preview).response("404", "No such gadget"),
        )
        .nest(
            "/old",
            ApiRouter::new().route("/thing", get(legacy).deprecated().operation_id("old_thing")),
        )
}

fn doc(app: &App) -> Value {
    serde_json::from_str(&app.openapi_json()).unwrap()
}

fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.push((method.to_uppercase(), path.clone()));
        }
    }
    ops.sort();
    ops
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_route_is_served() {
    let app = rich_app();
    let document = doc(&app);
    let documented = operations(&document);
    let mut expected: Vec<(String, String)> = [
        ("POST", "/auth/register"),
        ("POST", "/auth/token"),
        ("POST", "/auth/refresh"),
        ("POST", "/auth/logout"),
        ("POST", "/auth/password"),
        ("GET", "/users/me"),
        ("POST", "/gadgets"),
        ("GET", "/gadgets"),
        ("GET", "/gadgets/{id}"),
        ("PATCH", "/gadgets/{id}"),
        ("DELETE", "/gadgets/{id}"),
        ("POST", "/tokens"),
        ("GET", "/tokens"),
        ("GET", "/tokens/{id}"),
        ("PATCH", "/tokens/{id}"),
        ("DELETE", "/tokens/{id}"),
        ("GET", "/stats"),
        ("GET", "/window"),
        ("POST", "/gadgets/{id}/preview"),
        ("GET", "/old/thing"),
    ]
    .iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect();
    expected.sort();
    assert_eq!(documented, expected);

    // And each documented operation reaches a handler: neither the router's 404 nor its 405.
    let client = app.test_client().await.unwrap();
    for (method, path) in documented {
        let path = path.replace("{id}", "1");
        let response = client.request(method.parse().unwrap(), &path).await;
        assert_ne!(response.status(), 405, "{method} {path}");
        let fallback = response.status() == 404 && response.text() == r#"{"detail":"Not Found"}"#;
        assert!(!fallback, "{method} {path} is documented but not routed");
    }
}

#[test]
fn schemas_carry_every_constraint() {
    let document = doc(&rich_app());
    let schemas = &document["components"]["schemas"];
    let create = &schemas["GadgetCreate"];
    assert_eq!(
        create["required"],
        json!(["name", "price", "stock", "sku", "tags"])
    );
    let props = &create["properties"];
    assert_eq!(props["name"]["minLength"], 2);
    assert_eq!(props["name"]["maxLength"], 20);
    assert_eq!(props["name"]["description"], "The gadget's unique name.");
    assert_eq!(props["price"]["exclusiveMinimum"].as_f64(), Some(0.0));
    assert_eq!(props["price"]["maximum"].as_f64(), Some(1000.0));
    assert_eq!(props["stock"]["minimum"], 0);
    assert_eq!(props["stock"]["format"], "int32");
    assert_eq!(props["weight"]["exclusiveMaximum"], 10);
    assert_eq!(props["contact"]["format"], "email");
    assert_eq!(props["contact"]["type"], json!(["string", "null"]));
    assert_eq!(props["homepage"]["format"], "uri");
    assert_eq!(props["sku"]["pattern"], "^[A-Z]{3}-[0-9]{3}$");
    assert_eq!(props["tags"]["type"], "array");
    assert_eq!(props["tags"]["maxItems"], 3);
    assert_eq!(props["ref_id"]["format"], "uuid");
    assert_eq!(props["due"]["format"], "date-time");
    assert!(
        props.get("views").is_none() && props.get("status").is_none() && props.get("id").is_none()
    );

    let update = &schemas["GadgetUpdate"];
    assert!(
        update.get("required").is_none_or(|r| r == &json!([])),
        "{update}"
    );
    assert_eq!(
        update["properties"]["name"]["type"], "string",
        "null is refused for non-optional fields"
    );
    assert!(update["properties"].get("serial").is_none(), "skip_update");

    let response = &schemas["GadgetResponse"];
    assert!(
        response["properties"].get("secret").is_none(),
        "write-only fields are never answered"
    );
    assert!(
        response["required"]
            .as_array()
            .unwrap()
            .contains(&json!("views"))
    );
    assert_eq!(
        schemas["GadgetPage"]["properties"]["items"]["items"]["$ref"],
        "#/components/schemas/GadgetResponse"
    );
    assert!(
        schemas["StaffResponse"]["properties"]
            .get("password")
            .is_none()
    );
    assert!(
        schemas["StaffCreate"]["properties"]
            .get("password")
            .is_some()
    );
    assert!(
        schemas.get("HTTPValidationError").is_some() && schemas.get("ValidationError").is_some()
    );
}

#[test]
fn operations_list_parameters_bodies_responses_and_security() {
    let document = doc(&rich_app());
    let paths = &document["paths"];
    let list = &paths["/gadgets"]["get"];
    let limit = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["schema"]["maximum"], 50);
    assert_eq!(limit["schema"]["default"], 5);
    assert!(
        list.get("security").is_none(),
        "public reads carry no security"
    );
    let create = &paths["/gadgets"]["post"];
    let codes: Vec<&String> = create["responses"].as_object().unwrap().keys().collect();
    assert_eq!(codes, vec!["201", "409", "413", "422"]);
    let delete = &paths["/gadgets/{id}"]["delete"];
    assert!(delete["responses"].get("204").is_some() && delete["responses"].get("404").is_some());

    let token = &paths["/auth/token"]["post"];
    assert!(
        token["requestBody"]["content"]
            .get("application/x-www-form-urlencoded")
            .is_some()
    );
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(
        schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"],
        "/auth/token"
    );
    assert_eq!(schemes["HTTPBearer"]["scheme"], "bearer");
    assert_eq!(
        paths["/users/me"]["get"]["security"][0],
        json!({"OAuth2PasswordBearer": []})
    );

    // Hand-written routes, documented from their handlers' types and overrides.
    let stats = &paths["/stats"]["get"];
    assert_eq!(stats["summary"], "Totals for the caller");
    assert_eq!(stats["operationId"], "stats_get");
    assert_eq!(stats["tags"], json!(["reports"]));
    assert_eq!(
        stats["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Stats"
    );
    assert!(stats["responses"].get("401").is_some() && stats.get("security").is_some());
    let params = stats["parameters"].as_array().unwrap();
    assert!(
        params
            .iter()
            .any(|p| p["name"] == "q" && p["in"] == "query" && p["required"] == true)
    );
    assert!(
        params
            .iter()
            .any(|p| p["name"] == "limit" && p["required"] == false)
    );
    let preview = &paths["/gadgets/{id}/preview"]["post"];
    assert_eq!(preview["summary"], "Preview");
    assert_eq!(
        preview["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/GadgetCreate"
    );
    assert_eq!(preview["parameters"][0]["name"], "id");
    assert_eq!(preview["parameters"][0]["in"], "path");
    assert!(preview["responses"].get("404").is_some() && preview["responses"].get("422").is_some());
    assert_eq!(
        preview["responses"]["200"]["content"]["text/plain"]["schema"]["type"],
        "string"
    );
    // A hand-written `Page` documents the app's bounds, as the resource lists do.
    let window = paths["/window"]["get"]["parameters"].as_array().unwrap();
    let limit = window.iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!(
        (
            limit["schema"]["minimum"].clone(),
            limit["schema"]["maximum"].clone()
        ),
        (json!(1), json!(100))
    );
    assert_eq!(
        window.iter().find(|p| p["name"] == "offset").unwrap()["schema"]["minimum"],
        0
    );
    let legacy = &paths["/old/thing"]["get"];
    assert_eq!(legacy["deprecated"], true);
    assert_eq!(legacy["operationId"], "old_thing");
}

#[tokio::test]
async fn the_document_and_the_uis_are_served_from_the_binary() {
    let app = items_app();
    let expected = app.openapi_json();
    let client = app.test_client().await.unwrap();
    let served = client.get("/openapi.json").await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.header("content-type"), Some("application/json"));
    assert_eq!(served.text(), expected);

    let docs = client.get("/docs").await;
    assert_eq!(docs.status(), 200);
    let html = docs.text();
    assert!(
        html.contains("swagger-ui-bundle.js") && html.contains("/openapi.json"),
        "{html}"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no CDN: {html}"
    );
    let bundle = client.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status(), 200);
    assert!(bundle.bytes().len() > 500_000);

    let redoc = client.get("/redoc").await;
    assert_eq!(redoc.status(), 200);
    let html = redoc.text();
    assert!(
        html.contains("/openapi.json") && html.len() > 500_000,
        "the ReDoc script is inlined"
    );
    assert!(!html.contains("<script src=\"http"), "no CDN");
}

#[tokio::test]
async fn docs_paths_move_and_switch_off() {
    let moved = App::new(memory())
        .resource::<Token>()
        .docs(DocsOptions {
            openapi_path: Some("/api/schema.json".into()),
            swagger_path: Some("/api/docs".into()),
            redoc_path: None,
            ..DocsOptions::default()
        })
        .test_client()
        .await
        .unwrap();
    assert_eq!(moved.get("/api/schema.json").await.status(), 200);
    assert_eq!(moved.get("/api/docs").await.status(), 200);
    assert!(
        moved
            .get("/api/docs")
            .await
            .text()
            .contains("/api/schema.json")
    );
    assert_eq!(moved.get("/openapi.json").await.status(), 404);
    assert_eq!(moved.get("/redoc").await.status(), 404);
    let off = App::new(memory())
        .docs(DocsOptions {
            openapi_path: None,
            ..DocsOptions::default()
        })
        .test_client()
        .await
        .unwrap();
    assert_eq!(off.get("/openapi.json").await.status(), 404);
    assert_eq!(off.get("/docs").await.status(), 404);
}

/// The examples in the document are requests the API accepts.
#[tokio::test]
async fn documented_examples_are_accepted() {
    let app = items_app();
    let document = doc(&app);
    let schemas = &document["components"]["schemas"];
    let user = schemas["UserCreate"]["examples"][0].clone();
    let item = schemas["ItemCreate"]["examples"][0].clone();
    assert!(user.is_object() && item.is_object(), "{user} {item}");
    assert!(
        doc(&rich_app())["components"]["schemas"]["GadgetCreate"]
            .get("examples")
            .is_none(),
        "no example is made up for a pattern"
    );
    let client = app.test_client().await.unwrap();
    let registered = client.post("/auth/register").json(&user).await;
    assert_eq!(registered.status(), 201, "{}", registered.text());
    let login = client
        .post("/auth/token")
        .form(&[
            ("username", user["username"].as_str().unwrap()),
            ("password", user["password"].as_str().unwrap()),
        ])
        .await;
    let token = login.json()["access_token"].as_str().unwrap().to_owned();
    let created = client.post("/items").bearer(&token).json(&item).await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let update = schemas["ItemUpdate"]["examples"][0].clone();
    let path = format!("/items/{}", created.json()["id"]);
    assert_eq!(
        client
            .patch(&path)
            .bearer(&token)
            .json(&update)
            .await
            .status(),
        200
    );
}
