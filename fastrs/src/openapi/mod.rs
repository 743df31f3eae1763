//! The OpenAPI 3.1 document, assembled once at start-up from the registered resources, the auth
//! routes and every hand-written route, then served from memory at `/openapi.json`, with
//! Swagger UI at `/docs` and ReDoc at `/redoc` (assets compiled into the binary).
//!
//! The data model is [`utoipa`]'s (`utoipa::openapi`, without its macros): a well-kept, typed
//! OpenAPI 3.1 model, so fastrs builds documents rather than JSON text. Schemas come from the
//! same runtime objects that validate requests ([`validate::rules`](crate::validate::rules)),
//! so a documented constraint and the 422 it causes cannot disagree.
//!
//! ```
//! use fastrs::prelude::*;
//!
//! let json = App::new(Settings::default()).openapi_json();
//! assert!(json.contains("\"openapi\": \"3.1.0\""));
//! ```
//!
//! Documenting an extractor of your own needs only this module: its
//! [`ApiInput`](crate::routing::ApiInput) impl adds to the [`Operation`].
//!
//! ```
//! use fastrs::openapi::{Operation, ParameterIn, Registry, ToSchema, operation};
//! use fastrs::routing::ApiInput;
//!
//! /// The `X-Tenant` header.
//! struct Tenant(String);
//!
//! impl ApiInput for Tenant {
//!     fn document(op: &mut Operation, _registry: &mut Registry) {
//!         operation::parameter(op, "X-Tenant", ParameterIn::Header, true, String::schema());
//!     }
//! }
//! ```

mod describe;
pub(crate) mod document;
pub mod model;
pub mod operation;
mod resource;
pub mod schema;
pub(crate) mod ui;

pub use describe::OperationDocs;
pub(crate) use describe::apply as apply_docs;
pub use document::{DocsOptions, document};
pub use schema::{
    Number, Registry, ToSchema, nullable, number, object, page_schema, response_schema,
};
pub use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
pub use utoipa::openapi::{OpenApi, RefOr, Required};
