//! Integration tests, through HTTP with the in-process client, on SQLite and PostgreSQL.
//! One binary, so they link once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod app;
mod crud;
mod validation;
