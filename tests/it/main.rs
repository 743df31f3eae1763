//! Integration tests, through HTTP with the in-process client, on SQLite, PostgreSQL and MariaDB.
//! One binary, so they link once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod accounts;
mod app;
mod auth;
mod blog;
mod conduit;
mod constraints;
mod counts;
mod crud;
mod cursor;
mod data;
mod database;
mod depends;
mod enums;
mod filters;
mod flags;
mod hardening;
mod hooks;
mod includes;
mod keyed;
mod links;
mod middleware;
mod migrations;
mod models;
mod naming;
mod nested;
mod openapi;
mod operations;
mod params;
mod relations;
mod responses;
mod routers;
mod sessions;
mod soft_delete;
mod streams;
mod tasks;
mod tokens;
mod unions;
mod uploads;
mod validation;
