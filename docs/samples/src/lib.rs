//! The Rust code of the guide (`docs/src`), compiled and tested: each page
//! includes its samples from here with mdBook anchors (`// ANCHOR: name` ...
//! `// ANCHOR_END: name`), so what a page shows is what builds.
//!
//! | module | page |
//! |---|---|
//! | [`fastapi`] | `docs/src/fastapi.md`, "Coming from FastAPI" |

// Samples document what a reader needs, not every field (nor the types the
// derives generate).
#![allow(missing_docs)]

pub mod fastapi;
