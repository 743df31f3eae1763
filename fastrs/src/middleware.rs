//! The layers every request passes: a panic answers a JSON 500, every request has a deadline,
//! and the built-ins of [`HttpSettings`] (request ids, access logs, security headers,
//! compression); and the per-route ones ([`Deadline`] for a route's own timeout).

use std::time::Duration;

use axum::Router;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};
use tower_http::catch_panic::CatchPanicLayer;

use axum::http::{HeaderName, HeaderValue, header};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::ApiError;
use crate::settings::HttpSettings;

/// `X-Request-Id`.
static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A new request id: 32 hex digits, a random prefix drawn once per process and a counter, so
/// ids are unique across instances and cheap to make (a UUID per request measured about 1,500
/// instructions more).
fn new_request_id() -> HeaderValue {
    static PREFIX: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| uuid::Uuid::new_v4().as_u64_pair().0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut text = [0u8; 32];
    for (i, byte) in text.iter_mut().enumerate() {
        let word = if i < 16 { prefix } else { n };
        let nibble = (word >> (60 - 4 * (i % 16))) & 0xf;
        *byte = b"0123456789abcdef"[nibble as usize];
    }
    HeaderValue::from_bytes(&text).unwrap_or_else(|_| HeaderValue::from_static("0"))
}

/// Request ids and fixed response headers in one layer (one future per request, not one per
/// header: each tower-http layer measured 500-1,500 instructions per request).
#[derive(Clone)]
struct StampLayer {
    request_id: bool,
    headers: Arc<[(HeaderName, HeaderValue)]>,
}

impl StampLayer {
    fn new(http: &HttpSettings) -> Self {
        let mut headers = Vec::new();
        if http.security_headers {
            headers.push((
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ));
            headers.push((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")));
            headers.push((
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ));
        }
        if let Some(value) = http
            .hsts
            .and_then(|age| HeaderValue::try_from(format!("max-age={}", age.as_secs())).ok())
        {
            headers.push((header::STRICT_TRANSPORT_SECURITY, value));
        }
        Self {
            request_id: http.request_id,
            headers: headers.into(),
        }
    }
}

impl<S> Layer<S> for StampLayer {
    type Service = Stamp<S>;

    fn layer(&self, inner: S) -> Stamp<S> {
        Stamp {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
struct Stamp<S> {
    inner: S,
    layer: StampLayer,
}

impl<S, B> Service<Request> for Stamp<S>
where
    S: Service<Request, Response = axum::http::Response<B>>,
{
    type Response = axum::http::Response<B>;
    type Error = S::Error;
    type Future = StampFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        // The client's id is kept; otherwise one is made, and handlers and logs see it too.
        let id = self
            .layer
            .request_id
            .then(|| match request.headers().get(&REQUEST_ID) {
                Some(id) => id.clone(),
                None => {
                    let id = new_request_id();
                    request.headers_mut().insert(REQUEST_ID.clone(), id.clone());
                    id
                }
            });
        StampFuture {
            inner: self.inner.call(request),
            id,
            headers: self.layer.headers.clone(),
        }
    }
}

pin_project_lite::pin_project! {
    struct StampFuture<F> {
        #[pin]
        inner: F,
        id: Option<HeaderValue>,
        headers: Arc<[(HeaderName, HeaderValue)]>,
    }
}

impl<F, B, E> Future for StampFuture<F>
where
    F: Future<Output = Result<axum::http::Response<B>, E>>,
{
    type Output = Result<axum::http::Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = match this.inner.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
            Poll::Ready(Ok(response)) => response,
        };
        let headers = response.headers_mut();
        for (name, value) in this.headers.iter() {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        if let Some(id) = this.id.take() {
            headers.insert(REQUEST_ID.clone(), id);
        }
        Poll::Ready(Ok(response))
    }
}

/// The access log's span: method, path and request id, so every line logged while the request
/// runs (errors included) names it.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
    )
}

/// The layers every request passes, outermost first: a panic answers a JSON 500 (the handler's
/// transaction, dropped while unwinding, rolls back); the whole request has a deadline (503 +
/// `Retry-After` when it passes). Bodies have their own deadline where they are read (408).
///
/// One `Router::layer` call for both: axum boxes every route's future once per call, and each
/// box copies the whole future (measured: about 2,500 instructions per request and layer).
///
/// The built-ins come first (outermost): the request id is set before anything logs, and
/// answered on every response, errors and panics included.
pub(crate) fn guard(router: Router, request: Option<Duration>, http: &HttpSettings) -> Router {
    let router = router.layer(
        tower::ServiceBuilder::new()
            .layer(StampLayer::new(http))
            .layer(CatchPanicLayer::custom(panic_response))
            .option_layer(request.map(DeadlineLayer)),
    );
    // Layers that change the body type cannot be optional inside one stack: each is its own
    // (they cost a box per request only when switched on).
    let router = if http.compression {
        router.layer(CompressionLayer::new())
    } else {
        router
    };
    if http.access_log {
        // The id is set here already (the inner layer then keeps it), so the span names it.
        // (`REQUEST_ID=false`: the span's id is the client's, if it sent one.)
        router.layer(
            tower::ServiceBuilder::new()
                .layer(StampLayer {
                    request_id: http.request_id,
                    headers: Arc::new([]),
                })
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
                ),
        )
    } else {
        router
    }
}

/// A deadline on the whole request: a plain tower layer (an axum `from_fn` middleware cost
/// 4,800 instructions per request, measured with callgrind).
#[derive(Clone, Copy)]
pub(crate) struct DeadlineLayer(pub(crate) Duration);

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;

    fn layer(&self, inner: S) -> Deadline<S> {
        Deadline {
            inner,
            limit: self.0,
        }
    }
}

#[derive(Clone)]
pub(crate) struct Deadline<S> {
    inner: S,
    limit: Duration,
}

impl<S> Service<Request> for Deadline<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = DeadlineFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        DeadlineFuture {
            inner: tokio::time::timeout(self.limit, self.inner.call(request)),
            limit: self.limit,
        }
    }
}

pin_project_lite::pin_project! {
    pub(crate) struct DeadlineFuture<F> {
        #[pin]
        inner: tokio::time::Timeout<F>,
        limit: Duration,
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for DeadlineFuture<F> {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(answer)) => Poll::Ready(answer),
            Poll::Ready(Err(_)) => {
                tracing::warn!("request exceeded its {:?} deadline", this.limit);
                Poll::Ready(Ok(
                    ApiError::unavailable("The request took too long").into_response()
                ))
            }
        }
    }
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a handler panicked".into());
    ApiError::internal(format!("handler panicked: {message}")).into_response()
}
