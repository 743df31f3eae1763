//! A minimal fastrs app: one resource, no auth.
//!
//! ```sh
//! cargo run -p todo            # serves http://127.0.0.1:8000, data in ./fastrs.db
//! curl -X POST localhost:8000/todos -H 'content-type: application/json' -d '{"title": "write docs"}'
//! curl localhost:8000/todos
//! ```

use fastrs::prelude::*;

/// Something to do.
#[derive(Resource)]
#[resource(table = "todos", path = "/todos", tag = "todos")]
pub struct Todo {
    #[resource(id)]
    pub id: i64,
    /// What to do.
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    /// Longer notes; `null` clears them.
    pub notes: Option<String>,
    /// Whether it is done.
    #[resource(default = false)]
    pub done: bool,
    /// 1 (highest) to 5.
    #[resource(default = 3)]
    #[validate(range(ge = 1, le = 5))]
    pub priority: i32,
    #[resource(created_at)]
    pub created_at: DateTime<Utc>,
    #[resource(updated_at)]
    pub updated_at: DateTime<Utc>,
}

#[tokio::main]
async fn main() -> fastrs::Result<()> {
    App::from_env()?.resource::<Todo>().serve().await
}
