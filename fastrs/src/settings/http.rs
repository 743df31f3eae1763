//! [`HttpSettings`]: the built-in middleware every app can switch on from the environment.

use std::time::Duration;

/// The built-in layers (tower-http's), read from the environment.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `COMPRESSION` | `false` | gzip responses for clients that accept it (`Accept-Encoding`) |
/// | `REQUEST_ID` | `true` | every response carries `X-Request-Id` (the client's, or a new one: 32 hex digits, a random per-process prefix and a counter), in the access log too |
/// | `ACCESS_LOG` | `false` | one log line per request: method, path, status, latency, request id |
/// | `LOG_FORMAT` | `text` | `json` for one JSON object per log line (`serve`'s logger) |
/// | `SECURITY_HEADERS` | `true` | `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer` |
/// | `HSTS_MAX_AGE_SECONDS` | unset | adds `Strict-Transport-Security: max-age=N` (serve behind HTTPS only) |
///
/// ```
/// let http = fastrs::settings::HttpSettings::default();
/// assert!(http.request_id && http.security_headers && !http.compression);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSettings {
    /// Gzip responses.
    pub compression: bool,
    /// Set and return `X-Request-Id`.
    pub request_id: bool,
    /// Log every request.
    pub access_log: bool,
    /// Log lines as JSON.
    pub json_logs: bool,
    /// The usual defensive response headers.
    pub security_headers: bool,
    /// `Strict-Transport-Security`'s max age.
    pub hsts: Option<Duration>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            compression: false,
            request_id: true,
            access_log: false,
            json_logs: false,
            security_headers: true,
            hsts: None,
        }
    }
}
