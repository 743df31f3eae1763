//! Serves the `items` reference API on `127.0.0.1:$PORT` (default 8000).
//!
//! ```sh
//! SECRET_KEY=$(openssl rand -hex 32) cargo run -p items   # or FASTRS_DEV=true for a throwaway key
//! ```

#[tokio::main]
async fn main() -> fastrs::Result<()> {
    items::app(fastrs::Settings::from_env()?).serve().await
}
