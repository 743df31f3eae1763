//! Password hashing: argon2id with OWASP's parameters (19 MiB, 2 iterations, 1 lane) by
//! default, run on tokio's blocking pool and bounded by a semaphore, so a burst of logins
//! neither stalls the async executor nor exhausts memory.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use tokio::sync::Semaphore;

use crate::ApiError;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory in KiB (OWASP: 19456).
    pub memory_kib: u32,
    /// Iterations (OWASP: 2).
    pub iterations: u32,
    /// Lanes (OWASP: 1).
    pub parallelism: u32,
}

impl Default for HashParams {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Hashes and verifies passwords off the async executor.
///
/// ```
/// # async fn demo() -> Result<(), fastrs::ApiError> {
/// use fastrs::auth::{HashParams, PasswordHasher};
///
/// let hasher = PasswordHasher::new(HashParams::default(), 4).unwrap();
/// let hash = hasher.hash("correct horse".into()).await?;
/// assert!(hash.starts_with("$argon2id$"));
/// assert!(hasher.verify("correct horse".into(), hash.clone()).await);
/// assert!(!hasher.verify("wrong".into(), hash).await);
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
/// ```
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish()
    }
}

impl PasswordHasher {
    /// A hasher with `params`, running at most `concurrency` hashes at once.
    pub fn new(params: HashParams, concurrency: usize) -> Result<Self, String> {
        let params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|error| format!("invalid argon2 parameters: {error}"))?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes `password` into a PHC string (`$argon2id$v=19$m=...`).
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        let argon2 = self.argon2();
        tokio::task::spawn_blocking(move || {
            argon2
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
    }

    /// True when `password` matches `hash`. A malformed hash is a mismatch.
    pub async fn verify(&self, password: String, hash: String) -> bool {
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        let argon2 = self.argon2();
        tokio::task::spawn_blocking(move || {
            argon2
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok()
        })
        .await
        .unwrap_or(false)
    }
}
