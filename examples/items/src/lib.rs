//! The `items` reference API: registration and OAuth2 password login with JWT access and
//! refresh tokens, and items that anyone can read and only their owner can change.
//!
//! This file is the whole application; `main.rs` only serves it.

use fastrs::prelude::*;

/// A registered user.
#[derive(Resource)]
#[resource(table = "users", path = "/users", tag = "users", user)]
pub struct User {
    #[resource(id)]
    pub id: i64,
    /// The user's e-mail address; they can log in with it.
    #[resource(unique, login)]
    #[validate(email)]
    pub email: String,
    /// The user's name; they can log in with it.
    #[resource(unique, login)]
    #[validate(length(min = 3, max = 50))]
    pub username: String,
    /// Stored as an argon2id hash; never answered.
    #[resource(password)]
    #[validate(length(min = 8))]
    pub password: String,
    /// Inactive users cannot log in.
    #[resource(active)]
    pub is_active: bool,
    #[resource(created_at)]
    pub created_at: DateTime<Utc>,
}

/// Something for sale.
#[derive(Resource)]
#[resource(table = "items", path = "/items", tag = "items", owner = owner_id)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    /// Display name.
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    /// Price, above zero.
    #[validate(range(gt = 0.0))]
    pub price: f64,
    /// Optional; `null` clears it.
    pub description: Option<String>,
    /// The user who created it (from their token, never from the body).
    pub owner_id: i64,
    #[resource(created_at)]
    pub created_at: DateTime<Utc>,
}

/// The application.
pub fn app(settings: Settings) -> App {
    App::new(settings).auth::<User>().resource::<Item>()
}
