//! Serves Conduit on `127.0.0.1:$PORT` (default 8000), its API under `/api`.
//!
//! ```sh
//! FASTRS_DEV=true cargo run -p conduit
//! ```

#[tokio::main]
async fn main() -> fastrs::Result<()> {
    conduit::app(fastrs::Settings::from_env()?).serve().await
}
