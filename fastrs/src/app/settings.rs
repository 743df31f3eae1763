//! [`Settings`]: what the app reads from the environment and `.env`.

use crate::Error;
use crate::resource::PageBounds;

/// Settings read from the environment (and a `.env` file in the working directory, which never
/// overrides a variable already set).
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `DATABASE_URL` | `sqlite://fastrs.db` | `sqlite://path` (the file is created) or `postgres://...` |
/// | `DATABASE_MAX_CONNECTIONS` | 16 (SQLite), 10 (PostgreSQL) | pool size |
/// | `HOST` | `127.0.0.1` | bind address |
/// | `PORT` | `8000` | bind port |
/// | `FASTRS_PAGE_LIMIT` | `20` | default `limit` of lists |
/// | `FASTRS_PAGE_MAX_LIMIT` | `100` | largest `limit` accepted |
/// | `FASTRS_CREATE_TABLES` | `true` | create missing tables at start-up |
///
/// ```
/// let settings = fastrs::Settings { port: 9000, ..fastrs::Settings::default() };
/// assert_eq!(settings.database_url, "sqlite://fastrs.db");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The database URL.
    pub database_url: String,
    /// Pool size (`None`: the backend's default).
    pub max_connections: Option<u32>,
    /// Bind address.
    pub host: String,
    /// Bind port.
    pub port: u16,
    /// List bounds for resources that set none, and for [`Page`](crate::extract::Page).
    pub page: PageBounds,
    /// Create missing tables from the resources' DDL at start-up.
    pub create_tables: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://fastrs.db".into(),
            max_connections: None,
            host: "127.0.0.1".into(),
            port: 8000,
            page: PageBounds::default(),
            create_tables: true,
        }
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

fn parsed<T: std::str::FromStr>(name: &str) -> Result<Option<T>, Error> {
    var(name)
        .map(|value| {
            value
                .trim()
                .parse::<T>()
                .map_err(|_| Error::Config(format!("{name}={value:?} is not valid")))
        })
        .transpose()
}

fn flag(name: &str) -> Result<Option<bool>, Error> {
    var(name)
        .map(|value| match value.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(Error::Config(format!(
                "{name}={value:?} is not a boolean (true/false)"
            ))),
        })
        .transpose()
}

impl Settings {
    /// Reads the settings from the environment and `.env`.
    pub fn from_env() -> Result<Self, Error> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(error) if error.not_found() => {}
            Err(error) => return Err(Error::Config(format!(".env: {error}"))),
        }
        let defaults = Settings::default();
        let page = PageBounds {
            default_limit: parsed("FASTRS_PAGE_LIMIT")?.unwrap_or(defaults.page.default_limit),
            max_limit: parsed("FASTRS_PAGE_MAX_LIMIT")?.unwrap_or(defaults.page.max_limit),
        };
        if page.default_limit < 1 || page.default_limit > page.max_limit {
            return Err(Error::Config(format!(
                "FASTRS_PAGE_LIMIT must be between 1 and FASTRS_PAGE_MAX_LIMIT ({}), got {}",
                page.max_limit, page.default_limit
            )));
        }
        Ok(Settings {
            database_url: var("DATABASE_URL").unwrap_or(defaults.database_url),
            max_connections: parsed("DATABASE_MAX_CONNECTIONS")?,
            host: var("HOST").unwrap_or(defaults.host),
            port: parsed("PORT")?.unwrap_or(defaults.port),
            page,
            create_tables: flag("FASTRS_CREATE_TABLES")?.unwrap_or(true),
        })
    }
}
