//! Sub-dependencies: a value built from other extractors, once per request, documented with
//! what it reads, replaceable in tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use fastrs::axum::extract::FromRequestParts;
use fastrs::axum::http::request::Parts;
use fastrs::db::Backend;
use fastrs::extract::{Dependency, Depends};
use fastrs::openapi::{Operation, ParameterIn, Registry, ToSchema, operation};
use fastrs::prelude::*;
use fastrs::state::AppState;
use fastrs_tests::{TestDb, memory, on_every_backend};

/// How many times a `Tenant` was built.
#[derive(Clone, Default)]
struct Builds(Arc<AtomicUsize>);

/// The tenant of a request, from `X-Tenant`.
#[derive(Clone)]
struct Tenant(String);

impl Dependency for Tenant {
    async fn build(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Dep(builds) = Dep::<Builds>::from_request_parts(parts, state).await?;
        builds.0.fetch_add(1, Ordering::SeqCst);
        match parts.headers.get("x-tenant").and_then(|v| v.to_str().ok()) {
            Some(name) if !name.is_empty() => Ok(Tenant(name.to_owned())),
            _ => Err(ApiError::bad_request("X-Tenant is required")),
        }
    }

    fn document(op: &mut Operation, _registry: &mut Registry) {
        operation::parameter(op, "X-Tenant", ParameterIn::Header, true, String::schema());
    }
}

/// Built from another dependency.
#[derive(Clone)]
struct Greeting(String);

impl Dependency for Greeting {
    async fn build(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Depends(tenant) = Depends::<Tenant>::from_request_parts(parts, state).await?;
        Ok(Greeting(format!("hello, {}", tenant.0)))
    }

    fn document(op: &mut Operation, registry: &mut Registry) {
        Tenant::document(op, registry);
    }
}

async fn hello(
    Depends(tenant): Depends<Tenant>,
    Depends(greeting): Depends<Greeting>,
    Dep(builds): Dep<Builds>,
) -> String {
    format!(
        "{} / {} / built {}",
        greeting.0,
        tenant.0,
        builds.0.load(Ordering::SeqCst)
    )
}

fn app(settings: Settings) -> App {
    App::new(settings)
        .dep(Builds::default())
        .route("/hello", get(hello))
}

async fn a_dependency_is_built_once_per_request(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let client = app(db.settings()).test_client().await.expect("app starts");
    let response = client.get("/hello").header("x-tenant", "acme").send().await;
    assert_eq!(response.text(), "hello, acme / acme / built 1");
    let response = client.get("/hello").header("x-tenant", "zeta").send().await;
    assert_eq!(
        response.text(),
        "hello, zeta / zeta / built 2",
        "once per request"
    );
    let response = client.get("/hello").send().await;
    assert_eq!(response.status(), 400);
    // A test replaces it like any dependency.
    let client = app(db.settings())
        .override_dep(Tenant("stand-in".into()))
        .test_client()
        .await
        .expect("app starts");
    let response = client.get("/hello").send().await;
    assert_eq!(response.text(), "hello, stand-in / stand-in / built 0");
}

on_every_backend!(a_dependency_is_built_once_per_request);

#[test]
fn what_a_dependency_reads_is_documented() {
    let document: serde_json::Value = serde_json::from_str(&app(memory()).openapi_json()).unwrap();
    let parameters = document["paths"]["/hello"]["get"]["parameters"]
        .as_array()
        .unwrap();
    assert_eq!(
        parameters.len(),
        1,
        "documented once, from both dependencies"
    );
    assert_eq!(
        (&parameters[0]["name"], &parameters[0]["in"]),
        (&"X-Tenant".into(), &"header".into())
    );
}
