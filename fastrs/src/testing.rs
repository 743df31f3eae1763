//! [`TestClient`]: drive an app in-process, like FastAPI's `TestClient`. No socket, no server:
//! each request goes straight through the router.
//!
//! ```
//! # async fn demo() -> fastrs::Result<()> {
//! use fastrs::prelude::*;
//! use serde_json::json;
//!
//! let client = App::new(Settings { database_url: "sqlite::memory:".into(), ..Settings::default() })
//!     .test_client()
//!     .await?;
//! let response = client.post("/nowhere").json(&json!({"a": 1})).await;
//! assert_eq!(response.status(), 404);
//! assert_eq!(response.json()["detail"], "Not Found");
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde::Serialize;
use serde_json::Value;
use tower::ServiceExt;

use crate::db::Pool;

/// An in-process HTTP client for an app.
#[derive(Clone)]
pub struct TestClient {
    router: Router,
    pool: Pool,
    /// Shared by clones: the first `shutdown` runs the hooks.
    shutdown: std::sync::Arc<std::sync::Mutex<Option<Shutdown>>>,
}

type Shutdown =
    Box<dyn FnOnce() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Send>;

impl TestClient {
    /// A client for `router`, whose database is `pool`.
    pub fn new(router: Router, pool: Pool) -> Self {
        Self {
            router,
            pool,
            shutdown: Default::default(),
        }
    }

    pub(crate) fn with_shutdown(self, shutdown: Shutdown) -> Self {
        *self.shutdown.lock().unwrap_or_else(|e| e.into_inner()) = Some(shutdown);
        self
    }

    /// Shuts the app down as `serve` does after its last request: runs the
    /// [`on_shutdown`](crate::App::on_shutdown) hooks, then closes the pool.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastrs::prelude::*;
    /// # async fn echo(headers: fastrs::http::HeaderMap, body: String) -> String {
    /// #     let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     format!("{auth}|{kind}|{body}")
    /// # }
    /// # let settings = Settings { database_url: "sqlite::memory:".into(), ..Settings::default() };
    /// # let client = App::new(settings).route("/echo", post(echo)).test_client().await?;
    /// client.shutdown().await; // on_shutdown hooks, then the pool closes
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub async fn shutdown(self) {
        let shutdown = self
            .shutdown
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(shutdown) = shutdown {
            shutdown().await;
        }
        self.pool.close().await;
    }

    /// The app's pool (to seed or inspect the database).
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastrs::prelude::*;
    /// # async fn echo(headers: fastrs::http::HeaderMap, body: String) -> String {
    /// #     let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     format!("{auth}|{kind}|{body}")
    /// # }
    /// # let settings = Settings { database_url: "sqlite::memory:".into(), ..Settings::default() };
    /// # let client = App::new(settings).route("/echo", post(echo)).test_client().await?;
    /// let mut db = Db::begin(client.pool()).await;
    /// db.query("CREATE TABLE seen (id INTEGER)").execute(&mut db).await?;
    /// db.commit().await?;
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A request with any method.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastrs::prelude::*;
    /// # async fn echo(headers: fastrs::http::HeaderMap, body: String) -> String {
    /// #     let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     format!("{auth}|{kind}|{body}")
    /// # }
    /// # let settings = Settings { database_url: "sqlite::memory:".into(), ..Settings::default() };
    /// # let client = App::new(settings).route("/echo", post(echo)).test_client().await?;
    /// let head = client.request(fastrs::http::Method::HEAD, "/openapi.json").await;
    /// assert_eq!(head.status(), 200);
    /// assert!(head.bytes().is_empty());
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn request(&self, method: Method, path: &str) -> TestRequest {
        TestRequest {
            router: self.router.clone(),
            method,
            path: path.to_owned(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// A `GET` request.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastrs::prelude::*;
    /// # async fn echo(headers: fastrs::http::HeaderMap, body: String) -> String {
    /// #     let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     format!("{auth}|{kind}|{body}")
    /// # }
    /// # let settings = Settings { database_url: "sqlite::memory:".into(), ..Settings::default() };
    /// # let client = App::new(settings).route("/echo", post(echo)).test_client().await?;
    /// let document = client.get("/openapi.json").await;
    /// assert!(document.json()["paths"].is_object());
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn get(&self, path: &str) -> TestRequest {
        self.request(Method::GET, path)
    }

    /// A `POST` request.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastrs::prelude::*;
    /// # async fn echo(headers: fastrs::http::HeaderMap, body: String) -> String {
    /// #     let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     format!("{auth}|{kind}|{body}")
    /// # }
    /// # let settings = Settings { database_url: "sqlite::memory:".into(), ..Settings::default() };
    /// # let client = App::new(settings).route("/echo", post(echo)).test_client().await?;
    /// let echoed = client.post("/echo").body("text/plain", "hi").await;
    /// assert_eq!(echoed.text(), "|text/plain|hi");
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn post(&self, path: &str) -> TestRequest {
        self.request(Method::POST, path)
    }

    /// A `PUT` request.
    pub fn put(&self, path: &str) -> TestRequest {
        self.request(Method::PUT, path)
    }

    /// A `PATCH` request.
    pub fn patch(&self, path: &str) -> TestRequest {
        self.request(Method::PATCH, path)
    }

    /// A `DELETE` request.
    pub fn delete(&self, path: &str) -> TestRequest {
        self.request(Method::DELETE, path)
    }
}

/// A request being built; `.await` it (or call [`send`](TestRequest::send)) to run it.
pub struct TestRequest {
    router: Router,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl TestRequest {
    /// Adds a header; given again, the header is sent again (as HTTP allows). An invalid name
    /// or value is skipped.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastrs::prelude::*;
    /// # async fn echo(headers: fastrs::http::HeaderMap, body: String) -> String {
    /// #     let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     format!("{auth}|{kind}|{body}")
    /// # }
    /// # let settings = Settings { database_url: "sqlite::memory:".into(), ..Settings::default() };
    /// # let client = App::new(settings).route("/echo", post(echo)).test_client().await?;
    /// let echoed = client.post("/echo").header("authorization", "Token abc").await;
    /// assert_eq!(echoed.text(), "Token abc||");
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            self.headers.append(name, value);
        }
        self
    }

    /// `Authorization: Bearer <token>`.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastrs::prelude::*;
    /// # async fn echo(headers: fastrs::http::HeaderMap, body: String) -> String {
    /// #     let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     format!("{auth}|{kind}|{body}")
    /// # }
    /// # let settings = Settings { database_url: "sqlite::memory:".into(), ..Settings::default() };
    /// # let client = App::new(settings).route("/echo", post(echo)).test_client().await?;
    /// let echoed = client.post("/echo").bearer("abc").await;
    /// assert_eq!(echoed.text(), "Bearer abc||");
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// A JSON body (and its content type).
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastrs::prelude::*;
    /// # async fn echo(headers: fastrs::http::HeaderMap, body: String) -> String {
    /// #     let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     format!("{auth}|{kind}|{body}")
    /// # }
    /// # let settings = Settings { database_url: "sqlite::memory:".into(), ..Settings::default() };
    /// # let client = App::new(settings).route("/echo", post(echo)).test_client().await?;
    /// let echoed = client.post("/echo").json(&serde_json::json!({"a": 1})).await;
    /// assert_eq!(echoed.text(), r#"|application/json|{"a":1}"#);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn json(self, body: &impl Serialize) -> Self {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        self.body("application/json", bytes)
    }

    /// A `application/x-www-form-urlencoded` body.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastrs::prelude::*;
    /// # async fn echo(headers: fastrs::http::HeaderMap, body: String) -> String {
    /// #     let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     format!("{auth}|{kind}|{body}")
    /// # }
    /// # let settings = Settings { database_url: "sqlite::memory:".into(), ..Settings::default() };
    /// # let client = App::new(settings).route("/echo", post(echo)).test_client().await?;
    /// let echoed = client.post("/echo").form(&[("name", "Ann Lee")]).await;
    /// assert_eq!(echoed.text(), "|application/x-www-form-urlencoded|name=Ann+Lee");
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn form(self, fields: &[(&str, &str)]) -> Self {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.body("application/x-www-form-urlencoded", encoded)
    }

    /// A raw body with its content type.
    pub fn body(self, content_type: &str, body: impl Into<Bytes>) -> Self {
        let mut request = self.header(header::CONTENT_TYPE.as_str(), content_type);
        request.body = body.into();
        request
    }

    /// Runs the request.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastrs::prelude::*;
    /// # async fn echo(headers: fastrs::http::HeaderMap, body: String) -> String {
    /// #     let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     format!("{auth}|{kind}|{body}")
    /// # }
    /// # let settings = Settings { database_url: "sqlite::memory:".into(), ..Settings::default() };
    /// # let client = App::new(settings).route("/echo", post(echo)).test_client().await?;
    /// // `.await` on the request is the same.
    /// let response = client.get("/nowhere").send().await;
    /// assert_eq!(response.status(), 404);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub async fn send(self) -> TestResponse {
        let mut request = Request::new(Body::from(self.body));
        *request.method_mut() = self.method;
        *request.headers_mut() = self.headers;
        match self.path.parse() {
            Ok(uri) => *request.uri_mut() = uri,
            Err(error) => {
                return TestResponse::client_error(format!("bad path {:?}: {error}", self.path));
            }
        }
        let response = match self.router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let (parts, body) = response.into_parts();
        match body.collect().await {
            Ok(body) => TestResponse {
                status: parts.status,
                headers: parts.headers,
                body: body.to_bytes(),
            },
            Err(error) => TestResponse::client_error(format!("reading the body failed: {error}")),
        }
    }
}

impl IntoFuture for TestRequest {
    type Output = TestResponse;
    type IntoFuture = Pin<Box<dyn Future<Output = TestResponse> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A response: status, headers and the whole body.
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    fn client_error(message: String) -> Self {
        Self {
            status: StatusCode::IM_A_TEAPOT,
            headers: HeaderMap::new(),
            body: Bytes::from(message),
        }
    }

    /// The status.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastrs::prelude::*;
    /// # async fn echo(headers: fastrs::http::HeaderMap, body: String) -> String {
    /// #     let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     format!("{auth}|{kind}|{body}")
    /// # }
    /// # let settings = Settings { database_url: "sqlite::memory:".into(), ..Settings::default() };
    /// # let client = App::new(settings).route("/echo", post(echo)).test_client().await?;
    /// assert_eq!(client.get("/nowhere").await.status(), fastrs::http::StatusCode::NOT_FOUND);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// A header's value, if present and text.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastrs::prelude::*;
    /// # async fn echo(headers: fastrs::http::HeaderMap, body: String) -> String {
    /// #     let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     format!("{auth}|{kind}|{body}")
    /// # }
    /// # let settings = Settings { database_url: "sqlite::memory:".into(), ..Settings::default() };
    /// # let client = App::new(settings).route("/echo", post(echo)).test_client().await?;
    /// let document = client.get("/openapi.json").await;
    /// assert_eq!(document.header("content-type"), Some("application/json"));
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// All headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The raw body.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as JSON. Panics with the body in the message if it is not JSON: this is a test
    /// helper, and the panic is the failing assertion.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastrs::prelude::*;
    /// # async fn echo(headers: fastrs::http::HeaderMap, body: String) -> String {
    /// #     let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    /// #     format!("{auth}|{kind}|{body}")
    /// # }
    /// # let settings = Settings { database_url: "sqlite::memory:".into(), ..Settings::default() };
    /// # let client = App::new(settings).route("/echo", post(echo)).test_client().await?;
    /// let missing = client.get("/nowhere").await;
    /// assert_eq!(missing.json()["detail"], "Not Found");
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    #[track_caller]
    #[allow(clippy::panic)]
    pub fn json(&self) -> Value {
        match serde_json::from_slice(&self.body) {
            Ok(value) => value,
            Err(error) => panic!(
                "response body is not JSON ({error}): {:?} (status {})",
                self.text(),
                self.status
            ),
        }
    }
}
