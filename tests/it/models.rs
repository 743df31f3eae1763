//! `#[derive(Model)]` through HTTP: bodies and query parameters validated with every failure
//! collected, enums, nested models, serde's attributes honoured, and the document's schemas.

use std::collections::HashMap;

use fastrs::db::Backend;
use fastrs::extract::Query;
use fastrs::prelude::*;
use fastrs::validate::Violation;
use fastrs_tests::{TestDb, failures, on_every_backend};
use serde_json::{Value, json};

/// Whether a post is visible.
#[derive(Model, Debug, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Status {
    Draft,
    Published,
    InReview,
}

/// Who wrote it.
#[derive(Model, Debug, Clone)]
struct Author {
    #[validate(length(min = 2))]
    #[validate(custom = no_digits)]
    name: String,
    #[validate(email)]
    email: Option<String>,
}

/// A post to publish.
#[derive(Model, Debug, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[model(validate = published_posts_have_a_body)]
struct Draft {
    /// The headline.
    #[validate(length(min = 1, max = 20))]
    title: String,
    body: Option<String>,
    status: Status,
    #[validate(length(max = 3))]
    #[serde(default)]
    tag_list: Vec<String>,
    #[validate(range(ge = 0, le = 10))]
    #[serde(default = "five")]
    priority: i64,
    author: Author,
    #[serde(default)]
    co_authors: Vec<Author>,
    #[serde(default)]
    meta: HashMap<String, i64>,
    #[model(secret)]
    #[validate(length(min = 8))]
    #[serde(default)]
    pin: Option<String>,
}

/// A custom validator may take `&str` for a `String` field.
fn no_digits(name: &str) -> Result<(), Violation> {
    match name.chars().any(|c| c.is_ascii_digit()) {
        true => Err(Violation::value_error("no digits in names")),
        false => Ok(()),
    }
}

fn five() -> i64 {
    5
}

fn published_posts_have_a_body(draft: &Draft) -> Result<(), Violation> {
    if draft.status == Status::Published && draft.body.is_none() {
        return Err(Violation::value_error("a published post needs a body").at("body"));
    }
    Ok(())
}

/// `?q=...&tag=a&tag=b&status=draft&page=2`
#[derive(Model, Debug)]
struct Search {
    /// At least three characters.
    #[validate(length(min = 3))]
    q: String,
    #[serde(default)]
    tag: Vec<String>,
    status: Option<Status>,
    #[validate(range(ge = 1))]
    #[serde(default = "one")]
    page: i64,
    #[serde(default)]
    exact: bool,
}

fn one() -> i64 {
    1
}

/// A form body.
#[derive(Model)]
struct Contact {
    #[validate(email)]
    email: String,
    #[serde(default)]
    topics: Vec<String>,
    #[validate(range(ge = 1, le = 5))]
    stars: i64,
}

async fn contact(fastrs::extract::Form(contact): fastrs::extract::Form<Contact>) -> Json<Value> {
    Json(json!({"email": contact.email, "topics": contact.topics, "stars": contact.stars}))
}

async fn publish(ValidJson(draft): ValidJson<Draft>) -> Json<Draft> {
    Json(draft)
}

async fn search(Query(search): Query<Search>) -> Json<Value> {
    Json(json!({
        "q": search.q, "tag": search.tag, "status": search.status,
        "page": search.page, "exact": search.exact,
    }))
}

async fn client(backend: Backend) -> Option<fastrs::testing::TestClient> {
    let db = TestDb::new(backend).await?;
    let app = App::new(db.settings())
        .route("/drafts", post(publish))
        .route("/search", get(search))
        .route("/contact", post(contact));
    Some(app.test_client().await.expect("app starts"))
}

fn valid() -> Value {
    json!({
        "title": "Hello", "body": "text", "status": "published",
        "tagList": ["a"], "author": {"name": "Ann", "email": "ann@example.com"},
    })
}

async fn a_valid_body_round_trips_through_serde_names(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let response = client.post("/drafts").json(&valid()).send().await;
    assert_eq!(response.status(), 200, "{}", response.text());
    let body = response.json();
    assert_eq!(body["tagList"], json!(["a"]));
    assert_eq!(body["status"], "published");
    assert_eq!(body["priority"], 5, "the serde default applies");
    assert_eq!(body["coAuthors"], json!([]));
    // A whole float is an integer, as Pydantic's lax mode has it (the slow path builds it).
    let mut lax = valid();
    lax["priority"] = json!(3.0);
    let response = client.post("/drafts").json(&lax).send().await;
    assert_eq!(response.status(), 200, "{}", response.text());
    assert_eq!(response.json()["priority"], 3);
}

async fn every_failure_is_reported_at_its_loc(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let body = json!({
        "title": "",
        "status": "gone",
        "tagList": ["a", 1, "c", "d"],
        "priority": 11,
        "author": {"name": "A", "email": "nope"},
        "coAuthors": [{"name": "Bob"}, {"email": 3}],
        "meta": {"x": "y"},
        "pin": "short",
        "extra": true,
    });
    let response = client.post("/drafts").json(&body).send().await;
    let mut found = failures(&response);
    found.sort_by_key(|(loc, _)| loc.to_string());
    let mut expected = vec![
        (json!(["body", "title"]), "string_too_short"),
        (json!(["body", "status"]), "enum"),
        (json!(["body", "tagList", 1]), "string_type"),
        (json!(["body", "priority"]), "less_than_equal"),
        (json!(["body", "author", "name"]), "string_too_short"),
        (json!(["body", "author", "email"]), "value_error"),
        (json!(["body", "coAuthors", 1, "name"]), "missing"),
        (json!(["body", "coAuthors", 1, "email"]), "string_type"),
        (json!(["body", "meta", "x"]), "int_type"),
        (json!(["body", "pin"]), "string_too_short"),
        (json!(["body", "extra"]), "extra_forbidden"),
    ]
    .into_iter()
    .map(|(loc, kind)| (loc, kind.to_owned()))
    .collect::<Vec<_>>();
    expected.sort_by_key(|(loc, _)| loc.to_string());
    assert_eq!(found, expected);
    let detail = response.json()["detail"].clone();
    let pin = detail
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["loc"] == json!(["body", "pin"]))
        .unwrap();
    assert!(pin.get("input").is_none(), "a secret is never echoed");
    let status = detail
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "enum")
        .unwrap();
    assert_eq!(
        status["msg"],
        "Input should be 'draft', 'published' or 'in_review'"
    );
}

async fn rules_serde_cannot_see_fail_on_the_fast_path(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    // Well-typed, so serde accepts it: the rules, nested ones included, still run.
    let mut body = valid();
    body["tagList"] = json!(["a", "b", "c", "d"]);
    body["author"]["name"] = json!("A");
    body["title"] = json!("nul\u{0}");
    let found = failures(&client.post("/drafts").json(&body).send().await);
    assert_eq!(
        found,
        vec![
            (json!(["body", "title"]), "string_type".to_owned()),
            (json!(["body", "tagList"]), "too_long".to_owned()),
            (
                json!(["body", "author", "name"]),
                "string_too_short".to_owned()
            ),
        ]
    );
    let mut body = valid();
    body["author"]["name"] = json!("Ann3");
    let found = failures(&client.post("/drafts").json(&body).send().await);
    assert_eq!(
        found,
        vec![(json!(["body", "author", "name"]), "value_error".to_owned())]
    );
    // The model validator runs once the fields are valid, on either path.
    let mut body = valid();
    body["body"] = Value::Null;
    let found = failures(&client.post("/drafts").json(&body).send().await);
    assert_eq!(
        found,
        vec![(json!(["body", "body"]), "value_error".to_owned())]
    );
    // Not JSON, not an object.
    let response = client
        .post("/drafts")
        .body("application/json", "{")
        .send()
        .await;
    assert_eq!(failures(&response)[0].1, "json_invalid");
    let response = client.post("/drafts").json(&json!([1])).send().await;
    assert_eq!(
        failures(&response),
        vec![(json!(["body"]), "model_attributes_type".to_owned())]
    );
}

async fn query_models_convert_text_and_collect_failures(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let response = client
        .get("/search?q=rust&tag=a&tag=b&status=in_review&page=2&exact=yes")
        .send()
        .await;
    assert_eq!(response.status(), 200, "{}", response.text());
    assert_eq!(
        response.json(),
        json!({"q": "rust", "tag": ["a", "b"], "status": "in_review", "page": 2, "exact": true})
    );
    let response = client.get("/search?q=rust&tag=solo").send().await;
    assert_eq!(response.json()["tag"], json!(["solo"]));
    assert_eq!(response.json()["page"], 1);
    let response = client
        .get("/search?q=ru&status=x&page=zero&exact=maybe")
        .send()
        .await;
    assert_eq!(
        failures(&response),
        vec![
            (json!(["query", "q"]), "string_too_short".to_owned()),
            (json!(["query", "status"]), "enum".to_owned()),
            (json!(["query", "page"]), "int_parsing".to_owned()),
            (json!(["query", "exact"]), "bool_parsing".to_owned()),
        ]
    );
    let response = client.get("/search?page=0").send().await;
    assert_eq!(
        failures(&response),
        vec![
            (json!(["query", "q"]), "missing".to_owned()),
            (json!(["query", "page"]), "greater_than_equal".to_owned()),
        ]
    );
    assert_eq!(
        response.json()["detail"][0]["msg"],
        "Field required",
        "Pydantic's words, never serde's"
    );
}

async fn forms_are_models_too(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let response = client
        .post("/contact")
        .form(&[
            ("email", "a@example.com"),
            ("topics", "x"),
            ("topics", "y"),
            ("stars", "4"),
        ])
        .send()
        .await;
    assert_eq!(response.status(), 200, "{}", response.text());
    assert_eq!(
        response.json(),
        json!({"email": "a@example.com", "topics": ["x", "y"], "stars": 4})
    );
    let response = client
        .post("/contact")
        .form(&[("email", "nope"), ("stars", "9")])
        .send()
        .await;
    assert_eq!(
        failures(&response),
        vec![
            (json!(["body", "email"]), "value_error".to_owned()),
            (json!(["body", "stars"]), "less_than_equal".to_owned()),
        ]
    );
    let response = client
        .post("/contact")
        .json(&json!({"email": "a@example.com", "stars": 1}))
        .send()
        .await;
    assert_eq!(failures(&response)[0].1, "model_attributes_type");
}

on_every_backend!(
    forms_are_models_too,
    a_valid_body_round_trips_through_serde_names,
    every_failure_is_reported_at_its_loc,
    rules_serde_cannot_see_fail_on_the_fast_path,
    query_models_convert_text_and_collect_failures,
);

#[tokio::test]
async fn models_are_documented_components_with_their_rules() {
    let app = App::new(fastrs_tests::memory())
        .route("/drafts", post(publish))
        .route("/search", get(search));
    let document: Value = serde_json::from_str(&app.openapi_json()).unwrap();
    let schemas = &document["components"]["schemas"];
    let draft = &schemas["Draft"];
    assert_eq!(draft["description"], "A post to publish.");
    assert_eq!(draft["additionalProperties"], false);
    let title = &draft["properties"]["title"];
    assert_eq!(
        (
            &title["minLength"],
            &title["maxLength"],
            &title["description"]
        ),
        (&json!(1), &json!(20), &json!("The headline."))
    );
    assert_eq!(draft["properties"]["tagList"]["maxItems"], 3);
    assert_eq!(draft["properties"]["priority"]["maximum"], 10);
    assert_eq!(
        draft["properties"]["status"]["$ref"],
        "#/components/schemas/Status"
    );
    assert_eq!(
        draft["properties"]["author"]["$ref"],
        "#/components/schemas/Author"
    );
    assert_eq!(draft["properties"]["pin"]["writeOnly"], true);
    let mut required: Vec<_> = draft["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    required.sort_unstable();
    assert_eq!(required, ["author", "status", "title"]);
    assert_eq!(
        schemas["Status"]["enum"],
        json!(["draft", "published", "in_review"])
    );
    assert_eq!(schemas["Author"]["properties"]["email"]["format"], "email");
    // The example satisfies the model's own rules.
    let example = &draft["examples"][0];
    assert!(example["title"].as_str().unwrap().len() <= 20);

    let parameters = document["paths"]["/search"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let q = parameters.iter().find(|p| p["name"] == "q").unwrap();
    assert_eq!((&q["in"], &q["required"]), (&json!("query"), &json!(true)));
    assert_eq!(q["schema"]["minLength"], 3);
    let status = parameters.iter().find(|p| p["name"] == "status").unwrap();
    assert_eq!(status["required"], false);
    let tag = parameters.iter().find(|p| p["name"] == "tag").unwrap();
    assert_eq!(tag["schema"]["type"], "array");
}
