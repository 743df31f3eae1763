//! `Keyed<T>`: bodies and answers wrapped in a one-key object named by the model
//! (`{"article": {...}}`), validated inside the key, documented as the wrapper.

use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs::validate::Keyed;
use fastrs_tests::{TestDb, on_every_backend};
use serde_json::{Value, json};

/// A piece of writing.
#[derive(Model)]
#[model(key = "article")]
struct Article {
    #[validate(length(min = 1))]
    title: String,
    #[serde(rename = "tagList", default)]
    tag_list: Vec<String>,
}

async fn echo(ValidJson(Keyed(article)): ValidJson<Keyed<Article>>) -> Json<Keyed<Article>> {
    Json(Keyed(article))
}

fn app(settings: Settings) -> App {
    App::new(settings).route("/articles", post(echo))
}

async fn keyed_bodies_and_answers(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = app(db.settings()).test_client().await.unwrap();
    let body = json!({"article": {"title": "Hi", "tagList": ["a"]}});
    let response = client.post("/articles").json(&body).await;
    assert_eq!(response.status(), 200, "{}", response.text());
    assert_eq!(response.json(), body);
    let response = client
        .post("/articles")
        .json(&json!({"article": {"title": ""}}))
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.json()["detail"][0]["loc"],
        json!(["body", "article", "title"])
    );
    let response = client
        .post("/articles")
        .json(&json!({"title": "unwrapped"}))
        .await;
    assert_eq!(
        (
            &response.json()["detail"][0]["loc"],
            &response.json()["detail"][0]["type"]
        ),
        (&json!(["body", "article"]), &json!("missing"))
    );
}

on_every_backend!(keyed_bodies_and_answers);

#[test]
fn keyed_is_documented_as_its_wrapper() {
    let document: Value =
        serde_json::from_str(&app(fastrs_tests::memory()).openapi_json()).unwrap();
    let operation = &document["paths"]["/articles"]["post"];
    let body = &operation["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(
        body["properties"]["article"]["$ref"],
        "#/components/schemas/Article"
    );
    assert_eq!(body["required"], json!(["article"]));
    let answer = &operation["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(answer, body);
}
