//! [`CorsSettings`]: cross-origin requests, from the environment, answered by tower-http's
//! `CorsLayer`.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::Error;

/// Which other origins may call the API from a browser. Off unless `CORS_ORIGINS` is set.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `CORS_ORIGINS` | unset: no CORS | `*`, or a comma-separated list of origins (`https://app.example.com`) |
/// | `CORS_ALLOW_CREDENTIALS` | `false` | cookies and `Authorization` from those origins (not with `*`) |
/// | `CORS_ALLOW_METHODS` | `GET,POST,PUT,PATCH,DELETE` | methods a preflight allows |
/// | `CORS_ALLOW_HEADERS` | `authorization,content-type` | request headers a preflight allows |
/// | `CORS_MAX_AGE_SECONDS` | `600` | how long a browser may cache a preflight |
///
/// ```
/// let settings = fastrs::Settings::from_lookup(|name| match name {
///     "CORS_ORIGINS" => Some("https://app.example.com".into()),
///     _ => None,
/// })
/// .unwrap();
/// assert_eq!(settings.cors.unwrap().origins, ["https://app.example.com"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsSettings {
    /// The origins allowed; `["*"]` for any.
    pub origins: Vec<String>,
    /// Whether credentials may be sent.
    pub allow_credentials: bool,
    /// The methods allowed.
    pub methods: Vec<String>,
    /// The request headers allowed.
    pub headers: Vec<String>,
    /// How long a preflight answer may be cached.
    pub max_age: Duration,
}

impl Default for CorsSettings {
    fn default() -> Self {
        Self {
            origins: Vec::new(),
            allow_credentials: false,
            methods: ["GET", "POST", "PUT", "PATCH", "DELETE"]
                .map(String::from)
                .to_vec(),
            headers: ["authorization", "content-type"].map(String::from).to_vec(),
            max_age: Duration::from_secs(600),
        }
    }
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

impl CorsSettings {
    /// The settings from `CORS_*` values (`origins` is `CORS_ORIGINS`), checked.
    pub(crate) fn from_values(
        origins: &str,
        credentials: Option<bool>,
        methods: Option<String>,
        headers: Option<String>,
        max_age: Option<Duration>,
    ) -> Result<Self, Error> {
        let defaults = Self::default();
        let settings = Self {
            origins: list(origins),
            allow_credentials: credentials.unwrap_or(false),
            methods: methods.as_deref().map_or(defaults.methods, list),
            headers: headers.as_deref().map_or(defaults.headers, list),
            max_age: max_age.unwrap_or(defaults.max_age),
        };
        settings.layer().map(drop)?;
        Ok(settings)
    }

    fn any_origin(&self) -> bool {
        self.origins.iter().any(|origin| origin == "*")
    }

    /// The layer, or why these settings cannot make one (a start-up error, never a panic).
    pub fn layer(&self) -> Result<CorsLayer, Error> {
        let bad =
            |what: &str, value: &str| Error::Config(format!("{what}: {value:?} is not valid"));
        if self.any_origin() && self.allow_credentials {
            return Err(Error::Config(
                "CORS_ALLOW_CREDENTIALS=true needs a list of origins in CORS_ORIGINS, not `*` (browsers refuse credentials from any origin)".into(),
            ));
        }
        let origin = if self.any_origin() {
            AllowOrigin::any()
        } else {
            let origins = self
                .origins
                .iter()
                .map(|origin| {
                    // An origin is `scheme://host[:port]`, nothing more.
                    let uri = origin.parse::<axum::http::Uri>().ok();
                    let is_origin = uri.is_some_and(|uri| {
                        uri.scheme().is_some()
                            && uri.authority().is_some()
                            && uri.path_and_query().is_none_or(|p| p.as_str() == "/")
                            && !origin.ends_with('/')
                    });
                    match (is_origin, HeaderValue::from_str(origin)) {
                        (true, Ok(value)) => Ok(value),
                        _ => Err(bad("CORS_ORIGINS", origin)),
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            AllowOrigin::list(origins)
        };
        let methods = self
            .methods
            .iter()
            .map(|m| Method::from_bytes(m.as_bytes()).map_err(|_| bad("CORS_ALLOW_METHODS", m)))
            .collect::<Result<Vec<_>, _>>()?;
        let headers = self
            .headers
            .iter()
            .map(|h| HeaderName::from_bytes(h.as_bytes()).map_err(|_| bad("CORS_ALLOW_HEADERS", h)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CorsLayer::new()
            .allow_origin(origin)
            .allow_credentials(self.allow_credentials)
            .allow_methods(methods)
            .allow_headers(headers)
            .max_age(self.max_age))
    }
}
