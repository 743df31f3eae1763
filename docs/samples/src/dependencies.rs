//! "Dependencies" (`docs/src/dependencies.md`): `Dep<T>`, `Depends<T>` with a
//! sub-dependency and a teardown, and the order extractors run in; mounted
//! by [`app`] and exercised by `tests/dependencies.rs`.

// ANCHOR: imports
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use fastrs::axum::extract::FromRequestParts;
use fastrs::axum::http::request::Parts;
use fastrs::extract::{Dependency, Depends, Headers};
use fastrs::openapi::{Operation, Registry};
use fastrs::prelude::*;
use fastrs::response::Status;
use fastrs::routing::ApiInput;
use fastrs::state::AppState;
// ANCHOR_END: imports

// ANCHOR: dep
/// The API keys this server knows, and whose they are.
#[derive(Clone)]
pub struct ApiKeys(pub Arc<HashMap<String, String>>);

/// An upstream service that builds reports, a few at a time. The counter
/// is shared: every request's clone points at the same one.
#[derive(Clone)]
pub struct Upstream {
    pub slots: usize,
    pub busy: Arc<AtomicUsize>,
}

impl Upstream {
    /// An upstream with `slots` slots, none taken.
    pub fn new(slots: usize) -> Self {
        let busy = Arc::new(AtomicUsize::new(0));
        Self { slots, busy }
    }
}

/// How many slots are taken now.
pub async fn busy(Dep(upstream): Dep<Upstream>) -> Json<u64> {
    let busy = upstream.busy.load(Ordering::SeqCst);
    Json(u64::try_from(busy).unwrap_or(u64::MAX))
}
// ANCHOR_END: dep

// ANCHOR: depends
/// The `X-Api-Key` header.
#[derive(Model)]
pub struct ApiKeyHeader {
    #[validate(length(min = 8))]
    pub x_api_key: String,
}

/// Who is calling: the owner of a known API key.
#[derive(Clone)]
pub struct Caller(pub String);

impl Dependency for Caller {
    async fn build(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, ApiError> {
        let Headers(header) =
            Headers::<ApiKeyHeader>::from_request_parts(parts, state).await?;
        let Dep(keys) =
            Dep::<ApiKeys>::from_request_parts(parts, state).await?;
        match keys.0.get(&header.x_api_key) {
            Some(owner) => Ok(Caller(owner.clone())),
            None => Err(ApiError::unauthorized("Unknown API key")),
        }
    }

    /// What `build` reads, for the OpenAPI document.
    fn document(operation: &mut Operation, registry: &mut Registry) {
        Headers::<ApiKeyHeader>::document(operation, registry);
    }
}

async fn whoami(Depends(caller): Depends<Caller>) -> Json<String> {
    Json(caller.0)
}
// ANCHOR_END: depends

// ANCHOR: teardown
/// One of the upstream's slots, held until the response is sent.
#[derive(Clone)]
pub struct Slot {
    pub owner: String,
    busy: Arc<AtomicUsize>,
}

impl Dependency for Slot {
    async fn build(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, ApiError> {
        // A sub-dependency: the handler's `Depends<Caller>` gets this one.
        let Depends(caller) =
            Depends::<Caller>::from_request_parts(parts, state).await?;
        let Dep(upstream) =
            Dep::<Upstream>::from_request_parts(parts, state).await?;
        if upstream.busy.fetch_add(1, Ordering::SeqCst) >= upstream.slots {
            upstream.busy.fetch_sub(1, Ordering::SeqCst);
            return Err(ApiError::unavailable("Every slot is taken"));
        }
        let busy = upstream.busy;
        Ok(Slot {
            owner: caller.0,
            busy,
        })
    }

    fn document(operation: &mut Operation, registry: &mut Registry) {
        Caller::document(operation, registry);
    }

    /// Gives the slot back after the response, whatever its status.
    fn teardown(self) -> Option<impl Future<Output = ()> + Send> {
        Some(async move {
            self.busy.fetch_sub(1, Ordering::SeqCst);
        })
    }
}

async fn report(
    Depends(caller): Depends<Caller>,
    Depends(slot): Depends<Slot>,
) -> Json<String> {
    Json(format!(
        "report for {}, in a slot of {}",
        caller.0, slot.owner
    ))
}
// ANCHOR_END: teardown

// ANCHOR: order
/// The query of `POST /reports`.
#[derive(Model)]
pub struct ReportOptions {
    #[validate(pattern = "^(csv|json)$")]
    pub format: String,
}

/// The body of `POST /reports`.
#[derive(Model)]
pub struct ReportOrder {
    #[validate(length(min = 1, max = 60))]
    pub title: String,
}

/// The caller first, then the query, then the body (always last).
async fn order_report(
    Depends(caller): Depends<Caller>,
    Query(options): Query<ReportOptions>,
    ValidJson(order): ValidJson<ReportOrder>,
) -> Status<202, Json<String>> {
    let title = order.title;
    Status(Json(format!("{title}.{} for {}", options.format, caller.0)))
}
// ANCHOR_END: order

// ANCHOR: app
/// The app of this page.
pub fn app(settings: Settings) -> App {
    let keys = HashMap::from([("ann-key-0001".into(), "ann".into())]);
    App::new(settings)
        .dep(ApiKeys(Arc::new(keys)))
        .dep(Upstream::new(2))
        .route("/whoami", get(whoami))
        .route("/reports", get(report).post(order_report))
        .route("/upstream/busy", get(busy))
}
// ANCHOR_END: app
