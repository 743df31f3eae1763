//! The Rust code of the guide (`docs/src`), compiled and tested: each page
//! includes its samples from here with mdBook anchors (`// ANCHOR: name` ...
//! `// ANCHOR_END: name`), so what a page shows is what builds.
//!
//! | module | page |
//! |---|---|
//! | [`fastapi`] | `docs/src/fastapi.md`, "Coming from FastAPI" |
//! | [`resources`] | `docs/src/resources.md`, "Resources and their options" |
//! | [`routes`] | `docs/src/routes.md`, "Routes and the data API" |
//! | [`errors`] | `docs/src/errors.md`, "Errors" |
//! | [`dependencies`] | `docs/src/dependencies.md`, "Dependencies" |
//! | [`tasks`] | `docs/src/tasks.md`, "Background tasks, streams and middleware" |
//! | [`openapi`] | `docs/src/openapi.md`, "OpenAPI and the docs" |

// Samples document what a reader needs, not every field (nor the types the
// derives generate).
#![allow(missing_docs)]

pub mod dependencies;
pub mod errors;
pub mod fastapi;
pub mod openapi;
pub mod resources;
pub mod routes;
pub mod tasks;
