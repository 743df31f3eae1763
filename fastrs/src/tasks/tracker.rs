//! [`Tracker`]: the background tasks running, counted, so that shutdown can wait for them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// A queued task: its outcome already logged inside.
pub(crate) type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The tasks the app is running, so that shutdown can wait for them.
#[derive(Clone, Default)]
pub struct Tracker(Arc<TrackerInner>);

#[derive(Default)]
struct TrackerInner {
    running: AtomicUsize,
    idle: Notify,
}

impl Tracker {
    /// How many tasks are running.
    pub fn running(&self) -> usize {
        self.0.running.load(Ordering::Acquire)
    }

    pub(super) fn spawn(&self, task: Task) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::error!("background task dropped: no runtime");
            return;
        };
        self.0.running.fetch_add(1, Ordering::AcqRel);
        let handle = runtime.spawn(task);
        let tracker = self.clone();
        runtime.spawn(async move {
            if let Err(error) = handle.await {
                tracing::error!(%error, "background task panicked");
            }
            if tracker.0.running.fetch_sub(1, Ordering::AcqRel) == 1 {
                tracker.0.idle.notify_waiters();
            }
        });
    }

    /// Waits until no task runs, at most `bound`; true when they all finished.
    pub async fn wait(&self, bound: Duration) -> bool {
        let idle = async {
            loop {
                let notified = self.0.idle.notified();
                if self.running() == 0 {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(bound, idle).await.is_ok()
    }
}
