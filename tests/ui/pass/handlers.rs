// Test: `#[fastrs::handler]` accepts every kind of handler fastrs routes, and leaves it
// routable; app error types and tagged unions compile with the prelude alone.
use fastrs::extract::{Cookies, Headers, Query};
use fastrs::prelude::*;

#[derive(Model)]
struct Search {
    q: String,
}

#[derive(Model)]
struct Client {
    user_agent: Option<String>,
}

#[derive(Model)]
struct Circle {
    radius: f64,
}

#[derive(Model)]
#[serde(tag = "kind")]
enum Shape {
    Circle(Circle),
    Nothing,
}

#[derive(Debug, HttpError)]
enum ShapeError {
    #[error(422, "too round")]
    TooRound,
}

#[fastrs::handler]
async fn nothing() -> StatusCode {
    StatusCode::OK
}

#[fastrs::handler]
async fn many(
    Path(id): Path<i64>,
    Query(search): Query<Search>,
    Headers(client): Headers<Client>,
    Cookies(_cookies): Cookies<Client>,
    db: Db,
    ValidJson(shape): ValidJson<Shape>,
) -> Result<Json<String>, ShapeError> {
    let _ = (id, search.q, client.user_agent, db);
    match shape {
        Shape::Circle(_) => Err(ShapeError::TooRound),
        Shape::Nothing => Ok(Json("ok".into())),
    }
}

#[fastrs::handler]
async fn opaque() -> impl fastrs::axum::response::IntoResponse {
    "text"
}

fn main() {
    let _app = App::new(Settings::default())
        .route("/", get(nothing))
        .route("/shapes/{id}", post(many));
    let _ = opaque;
}
