//! "Coming from FastAPI" (`docs/src/fastapi.md`): the Rust side of each
//! comparison, one anchor per concept, all mounted by [`app`] and exercised
//! by `tests/fastapi.rs`.

// ANCHOR: imports
use std::collections::HashMap;
use std::sync::Arc;

use fastrs::axum::extract::FromRequestParts;
use fastrs::axum::http::request::Parts;
use fastrs::extract::{Dependency, Depends, Headers};
use fastrs::openapi::{Operation, Registry};
use fastrs::prelude::*;
use fastrs::response::{NoContent, Status};
use fastrs::routing::{ApiInput, ApiRouter};
use fastrs::state::AppState;
use fastrs::tasks::BackgroundTasks;
use tokio::sync::{Mutex, RwLock};
// ANCHOR_END: imports

// ANCHOR: basemodel
/// An item: the body of `POST /items`, and its answer.
#[derive(Model)]
pub struct Item {
    pub name: String,
    /// May be left out, or `null`.
    pub description: Option<String>,
    pub price: f64,
    pub tax: Option<f64>,
}

async fn create_item(ValidJson(item): ValidJson<Item>) -> Json<Item> {
    Json(item)
}
// ANCHOR_END: basemodel

// ANCHOR: response_model
/// The body of `POST /profiles`.
#[derive(Model)]
pub struct ProfileIn {
    pub username: String,
    /// Never echoed in a 422, and `writeOnly` in the document.
    #[model(secret)]
    pub password: String,
}

/// What `POST /profiles` answers: the `ProfileIn` without its password.
#[derive(Model)]
#[model(from(ProfileIn))]
pub struct ProfileOut {
    pub username: String,
}

async fn create_profile(
    ValidJson(profile): ValidJson<ProfileIn>,
) -> Json<ProfileOut> {
    Json(profile.into())
}
// ANCHOR_END: response_model

// ANCHOR: field
/// A product, each field with its constraints.
#[derive(Model)]
pub struct Product {
    /// Shown in listings.
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    #[validate(range(gt = 0.0))]
    pub price: f64,
    #[validate(pattern = "^[A-Z]{3}-[0-9]{3}$")]
    pub sku: String,
    #[validate(email)]
    pub contact: Option<String>,
    #[validate(length(max = 5))]
    #[serde(default)]
    pub tags: Vec<String>,
    #[validate(range(ge = 1, le = 50))]
    #[serde(default = "one")]
    pub quantity: i64,
}

fn one() -> i64 {
    1
}
// ANCHOR_END: field

async fn create_product(
    ValidJson(product): ValidJson<Product>,
) -> Json<Product> {
    Json(product)
}

// ANCHOR: query
/// `GET /search?q=lamp&limit=5`: each field is a query parameter.
#[derive(Model)]
pub struct Search {
    #[validate(length(min = 3, max = 100))]
    pub q: String,
    #[validate(range(ge = 1, le = 50))]
    #[serde(default = "ten")]
    pub limit: i64,
}

fn ten() -> i64 {
    10
}

async fn search(Query(search): Query<Search>) -> Json<Vec<String>> {
    let names = ["lamp", "desk lamp", "desk", "chair"];
    let limit = usize::try_from(search.limit).unwrap_or(10);
    let found = names.iter().filter(|name| name.contains(&search.q));
    Json(found.take(limit).map(|name| name.to_string()).collect())
}
// ANCHOR_END: query

// ANCHOR: depends
/// The tenants this server knows: one value for the whole app,
/// registered with `App::dep`.
#[derive(Clone)]
pub struct Tenants(pub Vec<String>);

/// The `X-Tenant` header, read as FastAPI reads a `Header()` parameter.
#[derive(Model)]
pub struct TenantHeader {
    pub x_tenant: String,
}

/// The tenant a request is for.
#[derive(Clone)]
pub struct Tenant(pub String);

impl Dependency for Tenant {
    async fn build(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, ApiError> {
        let Headers(header) =
            Headers::<TenantHeader>::from_request_parts(parts, state).await?;
        let Dep(tenants) =
            Dep::<Tenants>::from_request_parts(parts, state).await?;
        if tenants.0.contains(&header.x_tenant) {
            Ok(Tenant(header.x_tenant))
        } else {
            Err(ApiError::forbidden("Unknown tenant"))
        }
    }

    /// What `build` reads, for the OpenAPI document.
    fn document(operation: &mut Operation, registry: &mut Registry) {
        Headers::<TenantHeader>::document(operation, registry);
    }
}

async fn current_tenant(Depends(tenant): Depends<Tenant>) -> Json<String> {
    Json(tenant.0)
}
// ANCHOR_END: depends

// ANCHOR: router
/// The reports: every route needs a known tenant.
pub fn reports() -> ApiRouter {
    ApiRouter::new()
        .tag("reports")
        .dependency::<Depends<Tenant>>()
        .route("/daily", get(daily))
}

/// The guard's `Tenant`, not built a second time.
async fn daily(Depends(tenant): Depends<Tenant>) -> Json<String> {
    Json(format!("daily report of {}", tenant.0))
}
// ANCHOR_END: router

/// An order. `POST /orders` and `GET /orders` are generated;
/// `GET /orders/{id}` and `POST /orders/{id}/cancel` are written below.
#[derive(Resource)]
#[resource(table = "orders", path = "/orders", operations(list, create))]
pub struct Order {
    #[resource(id)]
    pub id: i64,
    #[validate(length(min = 1, max = 100))]
    pub item: String,
    #[resource(default = false)]
    pub shipped: bool,
}

// ANCHOR: httpexception
async fn read_order(
    mut db: Db,
    Path(id): Path<i64>,
) -> Result<Json<OrderResponse>, ApiError> {
    match Order::get(&mut db, id).await? {
        Some(order) => Ok(Json(order.into())),
        None => Err(ApiError::not_found("Order not found")),
    }
}
// ANCHOR_END: httpexception

// ANCHOR: httperror
/// What can go wrong when cancelling an order.
#[derive(Debug, HttpError)]
pub enum CancelError {
    /// No order has this id.
    #[error(404, "order {0} not found")]
    Missing(i64),
    /// The order has left the warehouse.
    #[error(409, "order {0} has shipped")]
    Shipped(i64),
    /// Any other error (the database's), answered as it is.
    #[error(transparent)]
    Api(#[from] ApiError),
}

async fn cancel_order(
    mut db: Db,
    Path(id): Path<i64>,
) -> Result<NoContent, CancelError> {
    let order = Order::get(&mut db, id).await?;
    let order = order.ok_or(CancelError::Missing(id))?;
    if order.shipped {
        return Err(CancelError::Shipped(id));
    }
    Order::delete(&mut db, id).await?;
    Ok(NoContent)
}
// ANCHOR_END: httperror

// ANCHOR: tasks
/// Sends e-mail. This one keeps what it sends in memory, for tests.
#[derive(Clone, Default)]
pub struct Mailer {
    /// `(to, subject)` of each message sent.
    pub sent: Arc<Mutex<Vec<(String, String)>>>,
}

impl Mailer {
    /// Sends a message.
    pub async fn send(
        &self,
        to: String,
        subject: &str,
    ) -> Result<(), std::io::Error> {
        self.sent.lock().await.push((to, subject.to_owned()));
        Ok(())
    }
}

/// The body of `POST /invitations`.
#[derive(Model)]
pub struct Invitation {
    #[validate(email)]
    pub email: String,
}

async fn invite(
    tasks: BackgroundTasks,
    Dep(mailer): Dep<Mailer>,
    ValidJson(invitation): ValidJson<Invitation>,
) -> Status<202, Json<Invitation>> {
    let to = invitation.email.clone();
    tasks.add(async move { mailer.send(to, "You are invited").await });
    Status(Json(invitation))
}
// ANCHOR_END: tasks

// ANCHOR: user
/// Someone who logs in. `App::auth::<User>()` mounts `/auth/register`,
/// `/auth/token` (the OAuth2 password form), `/auth/refresh`,
/// `/auth/logout`, `/auth/password` and `/users/me`.
#[derive(Resource)]
#[resource(table = "users", user)]
pub struct User {
    #[resource(id)]
    pub id: i64,
    #[resource(unique, login)]
    #[validate(length(min = 3, max = 30))]
    pub username: String,
    /// Hashed with argon2id; never answered.
    #[resource(password)]
    #[validate(length(min = 8))]
    pub password: String,
    /// An inactive user gets 403.
    #[resource(active)]
    pub is_active: bool,
    #[resource(scopes)]
    pub scopes: Vec<String>,
}

async fn hello(user: CurrentUser<User>) -> Json<String> {
    Json(format!("hello, {}", user.username))
}

async fn audit(user: CurrentUser<User>) -> Result<Json<String>, ApiError> {
    user.require_scope("admin")?;
    Ok(Json("the audit log".into()))
}
// ANCHOR_END: user

// ANCHOR: lifespan
/// Exchange rates, loaded at start-up.
#[derive(Clone, Default)]
pub struct Rates(Arc<RwLock<HashMap<String, f64>>>);

/// Fetches today's rates (here, a fixed table).
async fn fetch_rates() -> Result<HashMap<String, f64>, std::io::Error> {
    Ok(HashMap::from([("EUR".into(), 1.0), ("USD".into(), 1.08)]))
}

async fn rate(
    Dep(rates): Dep<Rates>,
    Path(code): Path<String>,
) -> Result<Json<f64>, ApiError> {
    match rates.0.read().await.get(&code) {
        Some(rate) => Ok(Json(*rate)),
        None => Err(ApiError::not_found("Unknown currency")),
    }
}

/// Adds the rates to `app`: their route, and their lifespan.
pub fn with_rates(app: App) -> App {
    let rates = Rates::default();
    let (load, clear) = (rates.clone(), rates.clone());
    app.dep(rates)
        .route("/rates/{code}", get(rate))
        .on_startup(|_state| async move {
            *load.0.write().await = fetch_rates().await?;
            Ok::<(), std::io::Error>(())
        })
        .on_shutdown(|_state| async move {
            clear.0.write().await.clear();
        })
}
// ANCHOR_END: lifespan

// ANCHOR: app
/// The app of this page.
pub fn app(settings: Settings) -> App {
    let app = App::new(settings)
        .auth::<User>()
        .resource::<Order>()
        .dep(Tenants(vec!["acme".into(), "globex".into()]))
        .dep(Mailer::default())
        .route("/items", post(create_item))
        .route("/profiles", post(create_profile))
        .route("/products", post(create_product))
        .route("/search", get(search))
        .route("/tenant", get(current_tenant))
        .nest("/reports", reports())
        .route("/orders/{id}", get(read_order))
        .route("/orders/{id}/cancel", post(cancel_order))
        .route("/invitations", post(invite))
        .route("/hello", get(hello))
        .route("/audit", get(audit));
    with_rates(app)
}
// ANCHOR_END: app
