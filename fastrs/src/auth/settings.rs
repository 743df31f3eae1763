//! [`AuthSettings`]: keys, lifetimes and hashing costs, from the environment.

use std::time::Duration;

use super::{HashParams, Keys};
use crate::Error;

/// A secret string whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Authentication settings, read with the app's [`Settings`](crate::Settings).
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `SECRET_KEY` | none: required (≥ 32 bytes) for HS256 | the HMAC key |
/// | `JWT_ALGORITHM` | `HS256` | `HS256`, `RS256` or `EdDSA` |
/// | `JWT_PRIVATE_KEY_FILE`, `JWT_PUBLIC_KEY_FILE` | | PEM keys for RS256 / EdDSA |
/// | `ACCESS_TOKEN_EXPIRE_MINUTES` | `15` | access token lifetime |
/// | `REFRESH_TOKEN_EXPIRE_DAYS` | `7` | refresh token lifetime |
/// | `ARGON2_MEMORY_KIB`, `ARGON2_ITERATIONS`, `ARGON2_PARALLELISM` | `19456`, `2`, `1` | hashing cost |
/// | `ARGON2_MAX_CONCURRENT`, `ARGON2_MAX_WAITING` | 2 × CPUs, `64` | hashes running / waiting (then 503) |
/// | `REFRESH_REUSE_GRACE_SECONDS` | `10` | a refresh token used again this soon is a concurrent refresh, not a theft (`0`: never) |
/// | `JWT_ISSUER`, `JWT_AUDIENCE` | none | set and require `iss` / `aud` in tokens |
/// | `FASTRS_DEV` | `false` | development mode: a missing `SECRET_KEY` becomes a random one (tokens die with the process) |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// The HS256 key.
    pub secret_key: Option<Secret>,
    /// `HS256`, `RS256` or `EdDSA`.
    pub algorithm: String,
    /// PEM private key file (RS256 / EdDSA).
    pub private_key_file: Option<String>,
    /// PEM public key file (RS256 / EdDSA).
    pub public_key_file: Option<String>,
    /// Access token lifetime.
    pub access_token_ttl: Duration,
    /// Refresh token lifetime.
    pub refresh_token_ttl: Duration,
    /// A refresh token used again within this long of its first use gets a new pair of the
    /// same session (two tabs refreshing at once) instead of revoking it.
    pub refresh_reuse_grace: Duration,
    /// The `iss` claim tokens carry and must carry.
    pub issuer: Option<String>,
    /// The `aud` claim tokens carry and must carry.
    pub audience: Option<String>,
    /// Argon2id costs.
    pub hash: HashParams,
    /// At most this many hashes run at once (default: 2 × CPUs).
    pub hash_concurrency: usize,
    /// At most this many more wait; beyond, 503 (default 64).
    pub hash_queue: usize,
    /// Development mode.
    pub dev_mode: bool,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            secret_key: None,
            algorithm: "HS256".into(),
            private_key_file: None,
            public_key_file: None,
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(7 * 24 * 3600),
            refresh_reuse_grace: Duration::from_secs(10),
            issuer: None,
            audience: None,
            hash: HashParams::default(),
            hash_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get() * 2),
            hash_queue: 64,
            dev_mode: false,
        }
    }
}

/// The shortest HS256 key accepted: RFC 7518 asks for a key as long as the hash (256 bits).
pub const MIN_SECRET_LEN: usize = 32;

impl AuthSettings {
    /// The signing keys, or a start-up error that says what to set.
    pub fn keys(&self) -> Result<Keys, Error> {
        Ok(self
            .signing_keys()?
            .with_issuer_audience(self.issuer.clone(), self.audience.clone()))
    }

    fn signing_keys(&self) -> Result<Keys, Error> {
        let read = |name: &str, path: &Option<String>| -> Result<Vec<u8>, Error> {
            let path = path.as_ref().ok_or_else(|| {
                Error::Config(format!(
                    "{name} must be set for JWT_ALGORITHM={}",
                    self.algorithm
                ))
            })?;
            std::fs::read(path).map_err(|e| Error::Config(format!("{name}={path:?}: {e}")))
        };
        match self.algorithm.to_ascii_uppercase().as_str() {
            "HS256" => {
                let secret = match &self.secret_key {
                    Some(secret) if secret.expose().len() >= MIN_SECRET_LEN => {
                        secret.expose().to_owned()
                    }
                    Some(_) if self.dev_mode => {
                        tracing::warn!(
                            "SECRET_KEY is shorter than {MIN_SECRET_LEN} bytes; accepted only because FASTRS_DEV is on"
                        );
                        self.secret_key
                            .as_ref()
                            .map(|s| s.expose().to_owned())
                            .unwrap_or_default()
                    }
                    Some(_) => {
                        return Err(Error::Config(format!(
                            "SECRET_KEY must be at least {MIN_SECRET_LEN} bytes; generate one with `openssl rand -hex 32`"
                        )));
                    }
                    None if self.dev_mode => {
                        tracing::warn!(
                            "SECRET_KEY is not set: using a random key (FASTRS_DEV); tokens will not survive a restart"
                        );
                        format!(
                            "{}{}",
                            uuid::Uuid::new_v4().simple(),
                            uuid::Uuid::new_v4().simple()
                        )
                    }
                    None => {
                        return Err(Error::Config(
                            "SECRET_KEY is not set: set it to a random string of at least 32 bytes (`openssl rand -hex 32`), or FASTRS_DEV=true for a throwaway key in development".into(),
                        ));
                    }
                };
                Ok(Keys::hs256(secret.as_bytes()))
            }
            "RS256" => Keys::rs256(
                &read("JWT_PRIVATE_KEY_FILE", &self.private_key_file)?,
                &read("JWT_PUBLIC_KEY_FILE", &self.public_key_file)?,
            )
            .map_err(Error::Config),
            "EDDSA" => Keys::eddsa(
                &read("JWT_PRIVATE_KEY_FILE", &self.private_key_file)?,
                &read("JWT_PUBLIC_KEY_FILE", &self.public_key_file)?,
            )
            .map_err(Error::Config),
            _ => Err(Error::Config(format!(
                "JWT_ALGORITHM={:?} is not supported (HS256, RS256, EdDSA)",
                self.algorithm
            ))),
        }
    }
}
