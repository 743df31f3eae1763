//! Serves the blog on `127.0.0.1:$PORT` (default 8000).
//!
//! ```sh
//! FASTRS_DEV=true cargo run -p blog
//! ```

#[tokio::main]
async fn main() -> fastrs::Result<()> {
    blog::app(fastrs::Settings::from_env()?).serve().await
}
