//! Tagged unions (`#[serde(tag = "kind")]` on an enum whose variants carry models): read as
//! Pydantic reads a discriminated union, every failure at `[.., tag, field]`, documented as
//! `oneOf` with a discriminator, valid examples included.

use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs_tests::{TestDb, failures, on_every_backend};
use serde_json::{Value, json};

/// A circle.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Circle {
    #[validate(range(gt = 0.0))]
    pub radius: f64,
}

/// A rectangle.
#[derive(Model, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rect {
    #[validate(range(ge = 1))]
    pub width: i64,
    #[validate(range(ge = 1))]
    pub height: i64,
}

/// Something to draw.
#[derive(Model, Debug, Clone, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    Circle(Circle),
    Rect(Rect),
    /// Nothing at all.
    Empty,
}

/// A drawing: a title and its shapes.
#[derive(Model, Debug, Clone)]
pub struct Drawing {
    #[validate(length(min = 1))]
    pub title: String,
    pub main: Shape,
    #[serde(default)]
    pub more: Vec<Shape>,
}

async fn draw(ValidJson(drawing): ValidJson<Drawing>) -> Json<Drawing> {
    Json(drawing)
}

async fn one(ValidJson(shape): ValidJson<Shape>) -> Json<Value> {
    let area = match shape {
        Shape::Circle(c) => std::f64::consts::PI * c.radius * c.radius,
        Shape::Rect(r) => (r.width * r.height) as f64,
        Shape::Empty => 0.0,
    };
    Json(json!({ "area": area }))
}

fn app(settings: Settings) -> App {
    App::new(settings)
        .route("/drawings", post(draw))
        .route("/area", post(one))
}

async fn tagged_unions_round_trip_and_fail_where_pydantic_does(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = app(db.settings()).test_client().await.unwrap();
    let body = json!({
        "title": "t",
        "main": {"kind": "circle", "radius": 2.0},
        "more": [{"kind": "rect", "width": 2, "height": 3}, {"kind": "empty"}],
    });
    let response = client.post("/drawings").json(&body).send().await;
    assert_eq!(response.status(), 200, "{}", response.text());
    assert_eq!(response.json(), body);
    let response = client
        .post("/area")
        .json(&json!({"kind": "rect", "width": 2, "height": 3}))
        .send()
        .await;
    assert_eq!(response.json(), json!({"area": 6.0}));

    let response = client
        .post("/drawings")
        .json(&json!({
            "title": "",
            "main": {"kind": "circle", "radius": -1.0},
            "more": [
                {"kind": "rect", "width": 0, "height": 3, "depth": 1},
                {"kind": "hexagon"},
                {"radius": 1.0},
                "circle",
            ],
        }))
        .send()
        .await;
    assert_eq!(
        failures(&response),
        vec![
            (json!(["body", "title"]), "string_too_short".to_owned()),
            (
                json!(["body", "main", "circle", "radius"]),
                "greater_than".to_owned()
            ),
            (
                json!(["body", "more", 0, "rect", "width"]),
                "greater_than_equal".to_owned()
            ),
            (
                json!(["body", "more", 0, "rect", "depth"]),
                "extra_forbidden".to_owned()
            ),
            (json!(["body", "more", 1]), "union_tag_invalid".to_owned()),
            (json!(["body", "more", 2]), "union_tag_not_found".to_owned()),
            (
                json!(["body", "more", 3]),
                "model_attributes_type".to_owned()
            ),
        ]
    );
    let invalid = &response.json()["detail"][4];
    assert_eq!(
        invalid["msg"],
        "Input tag 'hexagon' found using 'kind' does not match any of the expected tags: 'circle', 'rect', 'empty'"
    );
    let response = client
        .post("/area")
        .json(&json!({"radius": 1}))
        .send()
        .await;
    assert_eq!(
        failures(&response),
        vec![(json!(["body"]), "union_tag_not_found".to_owned())]
    );
}

on_every_backend!(tagged_unions_round_trip_and_fail_where_pydantic_does);

#[tokio::test]
async fn tagged_unions_are_one_of_with_a_discriminator() {
    let document: Value =
        serde_json::from_str(&app(fastrs_tests::memory()).openapi_json()).unwrap();
    let schemas = &document["components"]["schemas"];
    let shape = &schemas["Shape"];
    assert_eq!(shape["description"], "Something to draw.");
    assert_eq!(shape["discriminator"]["propertyName"], "kind");
    assert_eq!(
        shape["discriminator"]["mapping"],
        json!({
            "circle": "#/components/schemas/ShapeCircle",
            "rect": "#/components/schemas/ShapeRect",
            "empty": "#/components/schemas/ShapeEmpty",
        })
    );
    assert_eq!(
        shape["oneOf"],
        json!([
            {"$ref": "#/components/schemas/ShapeCircle"},
            {"$ref": "#/components/schemas/ShapeRect"},
            {"$ref": "#/components/schemas/ShapeEmpty"},
        ])
    );
    let rect = &schemas["ShapeRect"];
    assert_eq!(rect["properties"]["kind"]["enum"], json!(["rect"]));
    assert_eq!(rect["required"][0], "kind");
    assert_eq!(rect["properties"]["width"]["minimum"], 1);
    assert_eq!(rect["additionalProperties"], false);
    // The variant's example carries its tag and passes the model's own rules.
    let example = &rect["examples"][0];
    assert_eq!(example["kind"], "rect");
    assert!(example["width"].as_i64().unwrap() >= 1);
    assert_eq!(
        schemas["Drawing"]["properties"]["main"]["$ref"],
        "#/components/schemas/Shape"
    );
    // The example round-trips through the API.
    let client = app(fastrs_tests::memory()).test_client().await.unwrap();
    let response = client.post("/area").json(example).send().await;
    assert_eq!(response.status(), 200, "{}", response.text());
}
