//! Password hashing: argon2id with OWASP's parameters (19 MiB, 2 iterations, 1 lane) by
//! default, run on tokio's blocking pool, so a burst of logins neither stalls the async
//! executor nor exhausts memory:
//!
//! - at most `concurrency` hashes run at once, and the permit that allows one moves into the
//!   blocking task: a client that disconnects mid-hash frees nothing until the hash is done,
//!   so aborted requests cannot stack up hashes (each holds its memory cost);
//! - at most `queue` more wait for a permit; beyond that a request is answered at once with
//!   `503 Service Unavailable` and `Retry-After` instead of queueing without bound.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use axum::http::{HeaderValue, StatusCode, header};
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
/// let hasher = PasswordHasher::new(HashParams::default(), 4, 16).unwrap();
/// let hash = hasher.hash("correct horse".into()).await?;
/// assert!(hash.starts_with("$argon2id$"));
/// assert!(hasher.verify("correct horse".into(), hash.clone()).await?);
/// assert!(!hasher.verify("wrong".into(), hash).await?);
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
/// ```
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// Hashes running.
    permits: Arc<Semaphore>,
    /// Hashes running or waiting to run.
    admitted: Arc<Semaphore>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish()
    }
}

impl PasswordHasher {
    /// A hasher with `params`, running at most `concurrency` hashes at once with at most
    /// `queue` more waiting.
    pub fn new(params: HashParams, concurrency: usize, queue: usize) -> Result<Self, String> {
        let params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|error| format!("invalid argon2 parameters: {error}"))?;
        let concurrency = concurrency.max(1);
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(concurrency)),
            admitted: Arc::new(Semaphore::new(concurrency.saturating_add(queue))),
        })
    }

    /// Runs `work` on the blocking pool once a permit is free. The permits move into the
    /// blocking task, so they are held until the work is done even if the caller goes away.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let admitted = self.admitted.clone().try_acquire_owned().map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Too many password checks in progress; try again shortly",
            )
            .header(header::RETRY_AFTER, HeaderValue::from_static("1"))
        })?;
        let running = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        let argon2 = self.argon2();
        tokio::task::spawn_blocking(move || {
            let result = work(argon2);
            drop((running, admitted));
            result
        })
        .await
        .map_err(ApiError::internal)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes `password` into a PHC string (`$argon2id$v=19$m=...`).
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move |argon2| {
            argon2
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
        })
        .await?
        .map_err(ApiError::internal)
    }

    /// True when `password` matches `hash`; a malformed hash is a mismatch. An error only when
    /// too many checks are already waiting (503).
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, ApiError> {
        self.run(move |argon2| {
            argon2
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> HashParams {
        HashParams {
            memory_kib: 8 * 1024,
            iterations: 1,
            parallelism: 1,
        }
    }

    /// A caller that goes away mid-hash frees nothing until the hash is done: aborted logins
    /// cannot stack up hashes beyond the limit.
    #[tokio::test]
    async fn an_aborted_hash_keeps_its_permit_until_it_finishes() {
        // Slow enough (some 100 ms) to be aborted mid-hash.
        let slow = HashParams {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
        };
        let hasher = PasswordHasher::new(slow, 1, 4).unwrap();
        let running = {
            let hasher = hasher.clone();
            tokio::spawn(async move { hasher.hash("x".repeat(64)).await })
        };
        // Let it reach the blocking pool, then abort the caller.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        running.abort();
        let _ = running.await;
        assert_eq!(
            hasher.permits.available_permits(),
            0,
            "the hash still runs and still holds its permit"
        );
        // The permit comes back once the hash is done.
        hasher.hash("y".into()).await.unwrap();
        assert_eq!(hasher.permits.available_permits(), 1);
    }

    #[tokio::test]
    async fn beyond_the_queue_callers_get_a_503() {
        let hasher = PasswordHasher::new(cheap(), 1, 0).unwrap();
        let (first, second) = tokio::join!(hasher.hash("a".into()), hasher.hash("b".into()));
        let refused = first
            .err()
            .or(second.err())
            .expect("one of them is refused");
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(hasher.verify("a".into(), "not a hash".into()).await.is_ok());
    }
}
