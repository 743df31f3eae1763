//! SQLite as a server database: one writer connection, a pool of read-only readers, and a
//! checkpoint policy that keeps the write-ahead log bounded under any mix of readers and
//! writers.
//!
//! # Why the WAL ran away
//!
//! Found by measuring (and pinned by `tests/it/database.rs`): SQLite's automatic checkpoint
//! runs from its WAL hook, which fires only when a statement is stepped to its end
//! (`SQLITE_DONE`). sqlx's `fetch_one` / `fetch_optional` stop at the first row and reset the
//! statement, which commits it without ever reaching its end. Every write of a typical server
//! is an `INSERT ... RETURNING` or `UPDATE ... RETURNING` read that way, so not one write ever
//! checkpointed: the database file stayed at 4 KB while the WAL grew by every write (about 1 GB
//! a minute under load), in fastrs and in a hand-written server alike, and every read walked
//! an ever longer WAL. [`Query::fetch_optional`](super::Query::fetch_optional) steps its
//! statement to the end on SQLite.
//!
//! That alone is not a bound: a checkpoint copies frames back only up to the oldest snapshot a
//! reader still uses, and restarts the WAL only when no reader uses it, so continuous
//! overlapping reads can still starve it ("checkpoint starvation" in SQLite's documentation).
//!
//! # What fastrs does
//!
//! - **One writer.** Every write goes through a single connection (a pool of one: waiting for
//!   it is the write queue). No two writers contend, so there is no `database is locked` and no
//!   busy waiting in-process; `BEGIN IMMEDIATE` and a busy timeout remain for other processes.
//!   The writer does not checkpoint: SQLite's automatic checkpoint runs inside the commit that
//!   crosses 1000 pages of WAL, copying pages and syncing the file while every other write
//!   waits (measured: stalls of 2.6 s under I/O contention).
//! - **Readers** are a separate pool of `query_only` connections, sized to the cores.
//! - **A gate** (a read-write lock) that every reader holds while it uses a connection. The
//!   checkpointer, on a connection of its own (a checkpoint and a write may run at once in WAL
//!   mode), runs `wal_checkpoint(PASSIVE)` every [`CheckpointPolicy::interval`]; when
//!   the WAL still holds more than [`CheckpointPolicy::wal_limit`] bytes, it closes the gate
//!   (new readers wait, readers in flight finish), runs `wal_checkpoint(TRUNCATE)`, and opens
//!   it again. Closing waits at most [`CheckpointPolicy::max_wait`]; if readers do not drain in
//!   time it logs a warning and tries again at the next tick.
//! - `journal_size_limit` shrinks the WAL file back after a checkpoint that could only restart
//!   it.
//!
//! A `:memory:` database is one connection (each SQLite memory connection is its own
//! database): it is both writer and reader, and has no WAL.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::{OwnedRwLockReadGuard, RwLock};

use super::PoolOptions;

/// When the WAL is checkpointed (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointPolicy {
    /// How often a passive checkpoint runs (default 1 s).
    pub interval: Duration,
    /// Above this many bytes of WAL, new readers are held back for a truncating checkpoint
    /// (default 16 MiB).
    pub wal_limit: u64,
    /// How long the truncating checkpoint waits for readers to drain (default 1 s).
    pub max_wait: Duration,
}

impl Default for CheckpointPolicy {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            wal_limit: 16 * 1024 * 1024,
            max_wait: Duration::from_secs(1),
        }
    }
}

/// The connections of one SQLite database: a writer, readers, and the gate between them and
/// the checkpointer. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct SqlitePools {
    writer: SqlitePool,
    readers: SqlitePool,
    gate: Arc<RwLock<()>>,
    file: Option<PathBuf>,
}

/// A reader's pass through the gate, held while it uses a connection.
pub(crate) type ReadPass = OwnedRwLockReadGuard<()>;

impl SqlitePools {
    pub(crate) async fn connect(url: &str, options: &PoolOptions) -> Result<Self, sqlx::Error> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let base = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            // Only another process can make a connection wait: in-process writes are queued.
            .busy_timeout(options.acquire_timeout)
            .foreign_keys(true)
            .pragma("cache_size", "-16000")
            .pragma("temp_store", "memory")
            .pragma("mmap_size", "268435456")
            .pragma(
                "journal_size_limit",
                options.checkpoint.wal_limit.to_string(),
            );
        let gate = Arc::new(RwLock::new(()));
        if in_memory {
            // A memory database lives as long as its connection, which is kept.
            let pool = one_connection(options.acquire_timeout)
                .connect_with(base)
                .await?;
            return Ok(Self {
                writer: pool.clone(),
                readers: pool,
                gate,
                file: None,
            });
        }
        let file = base.get_filename().to_path_buf();
        // No automatic checkpoint on the writer: SQLite runs it inside the commit that crosses
        // 1000 pages, copying pages and syncing the file while every write waits (measured:
        // 2.6 s stalls under I/O contention). The checkpointer does it on its own connection.
        let writer = one_connection(options.acquire_timeout)
            .connect_with(base.clone().pragma("wal_autocheckpoint", "0"))
            .await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(options.max_connections.unwrap_or_else(default_readers))
            .idle_timeout(Duration::from_secs(600))
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(false)
            .connect_with(base.clone().pragma("query_only", "ON"))
            .await?;
        let pools = Self {
            writer,
            readers,
            gate,
            file: Some(file),
        };
        // The checkpointer has a connection of its own: copying pages back and syncing the file
        // never holds up the writer (a checkpoint and a write may run at once in WAL mode).
        let checkpoints = one_connection(options.acquire_timeout)
            .connect_with(base.busy_timeout(options.checkpoint.max_wait))
            .await?;
        tokio::spawn(checkpointer(pools.clone(), checkpoints, options.checkpoint));
        Ok(pools)
    }

    /// The writer (a pool of one connection).
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// The read-only connections (the writer itself for a `:memory:` database).
    pub fn readers(&self) -> &SqlitePool {
        &self.readers
    }

    /// Waits for the gate to be open; hold the pass while reading.
    pub(crate) async fn read_pass(&self) -> ReadPass {
        self.gate.clone().read_owned().await
    }

    /// The database file, `None` for a memory database.
    pub fn file(&self) -> Option<&std::path::Path> {
        self.file.as_deref()
    }

    pub(crate) async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.writer.is_closed()
    }
}

/// A pool of exactly one connection, opened at once and kept for the pool's life.
fn one_connection(acquire_timeout: Duration) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .acquire_timeout(acquire_timeout)
        .test_before_acquire(false)
}

fn default_readers() -> u32 {
    std::thread::available_parallelism()
        .map_or(2, |n| u32::try_from(n.get()).unwrap_or(8))
        .clamp(2, 8)
}

/// `(busy, WAL frames, frames checkpointed)`, as `PRAGMA wal_checkpoint` answers.
type CheckpointResult = (i64, i64, i64);

async fn checkpoint(
    connection: &SqlitePool,
    mode: &'static str,
) -> Result<CheckpointResult, String> {
    let sql = match mode {
        "TRUNCATE" => "PRAGMA wal_checkpoint(TRUNCATE)",
        _ => "PRAGMA wal_checkpoint(PASSIVE)",
    };
    let mut conn = connection.acquire().await.map_err(|e| e.to_string())?;
    sqlx::query_as::<_, CheckpointResult>(sql)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| e.to_string())
}

/// The checkpoint policy's task: lives as long as the pools.
async fn checkpointer(pools: SqlitePools, connection: SqlitePool, policy: CheckpointPolicy) {
    let page_size: i64 = match connection.acquire().await {
        Ok(mut conn) => sqlx::query_scalar("PRAGMA page_size")
            .fetch_one(&mut *conn)
            .await
            .unwrap_or(4096),
        Err(_) => return,
    };
    let mut ticks = tokio::time::interval(policy.interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if pools.is_closed() {
            connection.close().await;
            return;
        }
        let wal_bytes = match checkpoint(&connection, "PASSIVE").await {
            Ok((_, frames, _)) => u64::try_from(frames.max(0) * page_size).unwrap_or(0),
            Err(error) => {
                if !pools.is_closed() {
                    tracing::warn!(%error, "passive WAL checkpoint failed");
                }
                continue;
            }
        };
        if wal_bytes <= policy.wal_limit {
            continue;
        }
        // Hold new readers back until the WAL is checkpointed and truncated.
        let Ok(closed) = tokio::time::timeout(policy.max_wait, pools.gate.write()).await else {
            tracing::warn!(
                wal_bytes,
                "WAL over its limit, but readers did not drain within {:?}; retrying",
                policy.max_wait
            );
            continue;
        };
        match tokio::time::timeout(policy.max_wait, checkpoint(&connection, "TRUNCATE")).await {
            Ok(Ok((0, _, _))) => tracing::debug!(wal_bytes, "WAL truncated"),
            Ok(Ok(_)) => tracing::warn!(wal_bytes, "WAL over its limit and still busy"),
            Ok(Err(error)) => tracing::warn!(%error, "truncating WAL checkpoint failed"),
            Err(_) => tracing::warn!(wal_bytes, "truncating WAL checkpoint timed out"),
        }
        drop(closed);
    }
}
