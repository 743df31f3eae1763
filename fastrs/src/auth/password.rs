//! Password hashing: argon2id with OWASP's parameters (19 MiB, 2 iterations, 1 lane) by
//! default, off the async executor, so a burst of logins neither stalls other requests nor
//! exhausts memory:
//!
//! - hashes run on `concurrency` threads of their own, each with one memory buffer reused from
//!   hash to hash (and freed after 10 s without work): at most that many run at once, and
//!   memory stays at `concurrency` × the cost
//!   (a fresh 19 MiB aligned allocation per hash fragmented the allocator: 20 logins in a row
//!   grew the process by 600 MB, 1000 aborted ones to 747 MB);
//! - a place in line is taken before the work is queued and given back only when the work is
//!   done: a client that disconnects mid-hash frees nothing early, so aborted requests cannot
//!   stack up hashes; work whose caller is already gone is skipped;
//! - at most `concurrency + queue` checks are in line; beyond that a request is answered at
//!   once with `503 Service Unavailable` and `Retry-After` instead of queueing without bound.

use std::sync::Arc;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::mpsc::RecvTimeoutError;

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
    /// Places in line: hashes running or waiting to run.
    admitted: Arc<Semaphore>,
    /// The hashing threads' queue (they stop when the last hasher is dropped).
    jobs: std::sync::mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// A hashing thread that had no work for this long frees its memory.
const IDLE: std::time::Duration = std::time::Duration::from_secs(10);

/// A hashing thread's argon2 memory, allocated once and reused.
struct Memory(Vec<Block>);

impl Memory {
    fn blocks(&mut self, params: &Params) -> &mut [Block] {
        let count = params.block_count();
        if self.0.len() < count {
            self.0.resize(count, Block::default());
        }
        &mut self.0[..count]
    }
}

/// Hashes `password` into a PHC string with a fresh random salt.
fn hash_into(params: &Params, memory: &mut Memory, password: &[u8]) -> Result<String, String> {
    let salt = argon2::password_hash::try_generate_salt().map_err(|e| e.to_string())?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password, &salt, &mut out, memory.blocks(params))
        .map_err(|e| e.to_string())?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| e.to_string())?,
        salt: Some(Salt::new(&salt).map_err(|e| e.to_string())?),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(hash.to_string())
}

/// True when `password` hashes to the PHC string `stored` (compared in constant time).
fn verify_into(memory: &mut Memory, password: &[u8], stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm.as_str()) else {
        return false;
    };
    let version = match hash.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&hash) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    if argon2
        .hash_password_into_with_memory(password, salt.as_ref(), &mut out, memory.blocks(&params))
        .is_err()
    {
        return false;
    }
    Output::new(&out).is_ok_and(|out| out == *expected)
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
        let (jobs, queue_rx) = std::sync::mpsc::channel::<Job>();
        let queue_rx = Arc::new(std::sync::Mutex::new(queue_rx));
        for n in 0..concurrency {
            let queue_rx = queue_rx.clone();
            std::thread::Builder::new()
                .name(format!("fastrs-argon2-{n}"))
                .spawn(move || {
                    let mut memory = Memory(Vec::new());
                    loop {
                        let next = queue_rx
                            .lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .recv_timeout(IDLE);
                        match next {
                            Ok(job) => job(&mut memory),
                            // Idle: give the memory back until the next burst.
                            Err(RecvTimeoutError::Timeout) => memory = Memory(Vec::new()),
                            Err(RecvTimeoutError::Disconnected) => return,
                        }
                    }
                })
                .map_err(|error| format!("cannot start the password hashing threads: {error}"))?;
        }
        Ok(Self {
            params,
            admitted: Arc::new(Semaphore::new(concurrency.saturating_add(queue))),
            jobs,
        })
    }

    /// Runs `work` on a hashing thread. The place in line moves into the job, so it is held
    /// until the work is done even if the caller goes away.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Params, &mut Memory) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let admitted = self.admitted.clone().try_acquire_owned().map_err(|_| {
            ApiError::unavailable("Too many password checks in progress; try again shortly")
        })?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        let params = self.params.clone();
        let job: Job = Box::new(move |memory| {
            // Nobody waits for this answer any more: skip the work.
            let result = (!reply.is_closed()).then(|| work(&params, memory));
            // The place is free before the caller hears back.
            drop(admitted);
            if let Some(result) = result {
                let _ = reply.send(result);
            }
        });
        self.jobs
            .send(job)
            .map_err(|_| ApiError::internal("the password hashing threads have stopped"))?;
        answer
            .await
            .map_err(|_| ApiError::internal("a password hashing thread failed"))
    }

    /// Hashes `password` into a PHC string (`$argon2id$v=19$m=...`).
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move |params, memory| hash_into(params, memory, password.as_bytes()))
            .await?
            .map_err(ApiError::internal)
    }

    /// True when `password` matches `hash`; a malformed hash is a mismatch. An error only when
    /// too many checks are already waiting (503).
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, ApiError> {
        self.run(move |_, memory| verify_into(memory, password.as_bytes(), &hash))
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
        // Let it reach its thread, then abort the caller.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        running.abort();
        let _ = running.await;
        assert_eq!(
            hasher.admitted.available_permits(),
            4,
            "the hash still runs and still holds its place"
        );
        // The place comes back once the hash is done.
        hasher.hash("y".into()).await.unwrap();
        assert_eq!(hasher.admitted.available_permits(), 5);
    }

    #[tokio::test]
    async fn beyond_the_queue_callers_get_a_503() {
        let hasher = PasswordHasher::new(cheap(), 1, 0).unwrap();
        let (first, second) = tokio::join!(hasher.hash("a".into()), hasher.hash("b".into()));
        let refused = first
            .err()
            .or(second.err())
            .expect("one of them is refused");
        assert_eq!(
            refused.status(),
            axum::http::StatusCode::SERVICE_UNAVAILABLE
        );
        assert!(hasher.verify("a".into(), "not a hash".into()).await.is_ok());
    }
}
