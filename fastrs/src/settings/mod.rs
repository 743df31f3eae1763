//! [`Settings`]: what the app reads from the environment and `.env`.

use crate::Error;
use std::time::Duration;

use crate::auth::{AuthSettings, HashParams, Secret};
use crate::db::{CheckpointPolicy, PoolOptions};
use crate::resource::PageBounds;

mod cors;
mod http;

pub use cors::CorsSettings;
pub use http::HttpSettings;

/// Settings read from the environment (and a `.env` file in the working directory, which never
/// overrides a variable already set).
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `DATABASE_URL` | `sqlite://fastrs.db` | `sqlite://path` (the file is created) or `postgres://...` |
/// | `DATABASE_MAX_CONNECTIONS` | the cores (SQLite readers), twice the cores (PostgreSQL) | pool size |
/// | `DATABASE_ACQUIRE_TIMEOUT_SECONDS` | `3` | wait for a connection, then answer 503 + `Retry-After` |
/// | `SQLITE_WAL_LIMIT_MB` | `16` | WAL size that triggers a truncating checkpoint |
/// | `REQUEST_TIMEOUT_SECONDS` | `30` | a whole request, body and handler (then 408 / 503) |
/// | `REQUEST_BODY_TIMEOUT_SECONDS` | `10` | reading a request body (then 408) |
/// | `HOST` | `127.0.0.1` | bind address |
/// | `PORT` | `8000` | bind port |
/// | `FASTRS_PAGE_LIMIT` | `20` | default `limit` of lists |
/// | `FASTRS_PAGE_MAX_LIMIT` | `100` | largest `limit` accepted |
/// | `FASTRS_CREATE_TABLES` | `true` | create missing tables at start-up (apps without migrations) |
/// | `FASTRS_MIGRATE` | `true` | apply pending migrations at start-up (apps with [`App::migrations`](crate::App::migrations)) |
/// | `SECRET_KEY`, `JWT_*`, `ACCESS_TOKEN_EXPIRE_MINUTES`, ... | | see [`AuthSettings`] |
/// | `CORS_ORIGINS`, `CORS_*` | no CORS | see [`CorsSettings`] |
/// | `BACKGROUND_TASKS_SHUTDOWN_SECONDS` | `30` | how long shutdown waits for background tasks |
/// | `COMPRESSION`, `REQUEST_ID`, `ACCESS_LOG`, `LOG_FORMAT`, `SECURITY_HEADERS`, `HSTS_MAX_AGE_SECONDS` | | see [`HttpSettings`] |
///
/// ```
/// let settings = fastrs::Settings { port: 9000, ..fastrs::Settings::default() };
/// assert_eq!(settings.database_url, "sqlite://fastrs.db");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The database URL.
    pub database_url: String,
    /// Pool size, connection wait and SQLite's checkpoint policy.
    pub pool: PoolOptions,
    /// The longest a request may take, body and handler (`None`: unbounded).
    pub request_timeout: Option<Duration>,
    /// The longest reading a request body may take (`None`: unbounded).
    pub body_timeout: Option<Duration>,
    /// Bind address.
    pub host: String,
    /// Bind port.
    pub port: u16,
    /// List bounds for resources that set none, and for [`Page`](crate::extract::Page).
    pub page: PageBounds,
    /// Create missing tables from the resources' DDL at start-up (when the app has no
    /// migrations).
    pub create_tables: bool,
    /// Apply pending migrations at start-up (when the app has
    /// [migrations](crate::App::migrations)).
    pub migrate: bool,
    /// Keys, token lifetimes and hashing costs.
    pub auth: AuthSettings,
    /// Cross-origin requests (`None`: no CORS headers; see [`CorsSettings`]).
    pub cors: Option<CorsSettings>,
    /// How long graceful shutdown waits for background tasks.
    pub tasks_shutdown: Duration,
    /// Compression, request ids, access logs, security headers.
    pub http: HttpSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://fastrs.db".into(),
            pool: PoolOptions::default(),
            request_timeout: Some(Duration::from_secs(30)),
            body_timeout: Some(Duration::from_secs(10)),
            host: "127.0.0.1".into(),
            port: 8000,
            page: PageBounds::default(),
            create_tables: true,
            migrate: true,
            auth: AuthSettings::default(),
            cors: None,
            tasks_shutdown: Duration::from_secs(30),
            http: HttpSettings::default(),
        }
    }
}

/// Reads variables through `lookup`, treating blank values as unset.
struct Vars<F>(F);

impl<F: Fn(&str) -> Option<String>> Vars<F> {
    fn var(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|value| !value.trim().is_empty())
    }

    fn parsed<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, Error> {
        self.var(name)
            .map(|value| {
                value
                    .trim()
                    .parse::<T>()
                    .map_err(|_| Error::Config(format!("{name}={value:?} is not valid")))
            })
            .transpose()
    }

    fn flag(&self, name: &str) -> Result<Option<bool>, Error> {
        self.var(name)
            .map(|value| match value.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(Error::Config(format!(
                    "{name}={value:?} is not a boolean (true/false)"
                ))),
            })
            .transpose()
    }
}

/// A positive, finite number of seconds.
fn seconds(name: &str, value: f64) -> Result<Duration, Error> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            Error::Config(format!(
                "{name}={value} is not a positive number of seconds"
            ))
        })
}

/// A deadline setting: unset (`None`), `0` for none (`Some(None)`), or seconds.
fn optional_seconds<F: Fn(&str) -> Option<String>>(
    vars: &Vars<F>,
    name: &str,
) -> Result<Option<Option<Duration>>, Error> {
    match vars.parsed::<f64>(name)? {
        None => Ok(None),
        Some(0.0) => Ok(Some(None)),
        Some(value) => seconds(name, value).map(|d| Some(Some(d))),
    }
}

impl Settings {
    /// Reads the settings from the environment and `.env`.
    pub fn from_env() -> Result<Self, Error> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(error) if error.not_found() => {}
            Err(error) => return Err(Error::Config(format!(".env: {error}"))),
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (a variable's value, or `None`), with the same
    /// names and defaults as [`Settings::from_env`], without touching the process environment.
    ///
    /// ```
    /// let settings = fastrs::Settings::from_lookup(|name| (name == "PORT").then(|| "9000".into())).unwrap();
    /// assert_eq!(settings.port, 9000);
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let vars = Vars(lookup);
        let defaults = Settings::default();
        let auth = defaults.auth.clone();
        let page = PageBounds {
            default_limit: vars
                .parsed("FASTRS_PAGE_LIMIT")?
                .unwrap_or(defaults.page.default_limit),
            max_limit: vars
                .parsed("FASTRS_PAGE_MAX_LIMIT")?
                .unwrap_or(defaults.page.max_limit),
        };
        if page.default_limit < 1 || page.default_limit > page.max_limit {
            return Err(Error::Config(format!(
                "FASTRS_PAGE_LIMIT must be between 1 and FASTRS_PAGE_MAX_LIMIT ({}), got {}",
                page.max_limit, page.default_limit
            )));
        }
        Ok(Settings {
            database_url: vars.var("DATABASE_URL").unwrap_or(defaults.database_url),
            pool: PoolOptions {
                max_connections: vars.parsed("DATABASE_MAX_CONNECTIONS")?,
                acquire_timeout: vars
                    .parsed::<f64>("DATABASE_ACQUIRE_TIMEOUT_SECONDS")?
                    .map_or(Ok(defaults.pool.acquire_timeout), |s| {
                        seconds("DATABASE_ACQUIRE_TIMEOUT_SECONDS", s)
                    })?,
                checkpoint: CheckpointPolicy {
                    wal_limit: vars
                        .parsed::<u64>("SQLITE_WAL_LIMIT_MB")?
                        .map_or(defaults.pool.checkpoint.wal_limit, |mb| mb << 20),
                    ..defaults.pool.checkpoint
                },
            },
            request_timeout: optional_seconds(&vars, "REQUEST_TIMEOUT_SECONDS")?
                .unwrap_or(defaults.request_timeout),
            body_timeout: optional_seconds(&vars, "REQUEST_BODY_TIMEOUT_SECONDS")?
                .unwrap_or(defaults.body_timeout),
            host: vars.var("HOST").unwrap_or(defaults.host),
            port: vars.parsed("PORT")?.unwrap_or(defaults.port),
            page,
            create_tables: vars.flag("FASTRS_CREATE_TABLES")?.unwrap_or(true),
            migrate: vars.flag("FASTRS_MIGRATE")?.unwrap_or(true),
            tasks_shutdown: vars
                .parsed::<f64>("BACKGROUND_TASKS_SHUTDOWN_SECONDS")?
                .map_or(Ok(defaults.tasks_shutdown), |s| {
                    seconds("BACKGROUND_TASKS_SHUTDOWN_SECONDS", s)
                })?,
            http: HttpSettings {
                compression: vars
                    .flag("COMPRESSION")?
                    .unwrap_or(defaults.http.compression),
                request_id: vars.flag("REQUEST_ID")?.unwrap_or(defaults.http.request_id),
                access_log: vars.flag("ACCESS_LOG")?.unwrap_or(defaults.http.access_log),
                json_logs: match vars.var("LOG_FORMAT").as_deref().map(str::trim) {
                    None | Some("text") => false,
                    Some("json") => true,
                    Some(other) => {
                        return Err(Error::Config(format!(
                            "LOG_FORMAT={other:?} is not `text` or `json`"
                        )));
                    }
                },
                security_headers: vars
                    .flag("SECURITY_HEADERS")?
                    .unwrap_or(defaults.http.security_headers),
                hsts: vars
                    .parsed::<f64>("HSTS_MAX_AGE_SECONDS")?
                    .map(|s| seconds("HSTS_MAX_AGE_SECONDS", s))
                    .transpose()?,
            },
            cors: match vars.var("CORS_ORIGINS") {
                None => None,
                Some(origins) => Some(CorsSettings::from_values(
                    &origins,
                    vars.flag("CORS_ALLOW_CREDENTIALS")?,
                    vars.var("CORS_ALLOW_METHODS"),
                    vars.var("CORS_ALLOW_HEADERS"),
                    vars.parsed::<f64>("CORS_MAX_AGE_SECONDS")?
                        .map(|s| seconds("CORS_MAX_AGE_SECONDS", s))
                        .transpose()?,
                )?),
            },
            auth: AuthSettings {
                secret_key: vars.var("SECRET_KEY").map(Secret::new),
                algorithm: vars.var("JWT_ALGORITHM").unwrap_or(auth.algorithm),
                private_key_file: vars.var("JWT_PRIVATE_KEY_FILE"),
                public_key_file: vars.var("JWT_PUBLIC_KEY_FILE"),
                access_token_ttl: vars
                    .parsed::<u64>("ACCESS_TOKEN_EXPIRE_MINUTES")?
                    .map_or(auth.access_token_ttl, |minutes| {
                        Duration::from_secs(minutes * 60)
                    }),
                refresh_token_ttl: vars
                    .parsed::<u64>("REFRESH_TOKEN_EXPIRE_DAYS")?
                    .map_or(auth.refresh_token_ttl, |days| {
                        Duration::from_secs(days * 86_400)
                    }),
                refresh_reuse_grace: vars
                    .parsed::<u64>("REFRESH_REUSE_GRACE_SECONDS")?
                    .map_or(auth.refresh_reuse_grace, Duration::from_secs),
                issuer: vars.var("JWT_ISSUER"),
                audience: vars.var("JWT_AUDIENCE"),
                hash: HashParams {
                    memory_kib: vars
                        .parsed("ARGON2_MEMORY_KIB")?
                        .unwrap_or(auth.hash.memory_kib),
                    iterations: vars
                        .parsed("ARGON2_ITERATIONS")?
                        .unwrap_or(auth.hash.iterations),
                    parallelism: vars
                        .parsed("ARGON2_PARALLELISM")?
                        .unwrap_or(auth.hash.parallelism),
                },
                hash_concurrency: vars
                    .parsed("ARGON2_MAX_CONCURRENT")?
                    .unwrap_or(auth.hash_concurrency),
                hash_queue: vars
                    .parsed("ARGON2_MAX_WAITING")?
                    .unwrap_or(auth.hash_queue),
                dev_mode: vars.flag("FASTRS_DEV")?.unwrap_or(false),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, Error> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        assert_eq!(settings(&[]).unwrap(), Settings::default());
        assert_eq!(
            settings(&[("PORT", " ")]).unwrap().port,
            8000,
            "blank is unset"
        );
    }

    #[test]
    fn the_http_built_ins_are_read() {
        let s = settings(&[
            ("COMPRESSION", "true"),
            ("REQUEST_ID", "off"),
            ("ACCESS_LOG", "yes"),
            ("LOG_FORMAT", "json"),
            ("SECURITY_HEADERS", "0"),
            ("HSTS_MAX_AGE_SECONDS", "31536000"),
        ])
        .unwrap();
        assert_eq!(
            s.http,
            HttpSettings {
                compression: true,
                request_id: false,
                access_log: true,
                json_logs: true,
                security_headers: false,
                hsts: Some(Duration::from_secs(31_536_000)),
            }
        );
        let error = settings(&[("LOG_FORMAT", "xml")]).unwrap_err().to_string();
        assert!(
            error.contains("LOG_FORMAT=\"xml\" is not `text` or `json`"),
            "{error}"
        );
    }

    #[test]
    fn every_variable_is_read() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://db/app"),
            ("DATABASE_MAX_CONNECTIONS", "4"),
            ("HOST", "0.0.0.0"),
            ("PORT", "9000"),
            ("FASTRS_PAGE_LIMIT", "10"),
            ("FASTRS_PAGE_MAX_LIMIT", "50"),
            ("FASTRS_CREATE_TABLES", "false"),
        ])
        .unwrap();
        assert_eq!(s.database_url, "postgres://db/app");
        assert_eq!(s.pool.max_connections, Some(4));
        assert_eq!((s.host.as_str(), s.port), ("0.0.0.0", 9000));
        assert_eq!(
            s.page,
            PageBounds {
                default_limit: 10,
                max_limit: 50
            }
        );
        assert!(!s.create_tables);
    }

    #[test]
    fn bad_values_are_clear_errors() {
        let error = settings(&[("PORT", "eighty")]).unwrap_err().to_string();
        assert!(error.contains("PORT=\"eighty\" is not valid"), "{error}");
        let error = settings(&[("FASTRS_CREATE_TABLES", "maybe")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("is not a boolean"), "{error}");
        let error = settings(&[("FASTRS_PAGE_LIMIT", "500")])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("FASTRS_PAGE_LIMIT must be between 1 and"),
            "{error}"
        );
    }
}
