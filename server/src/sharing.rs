//! Several instances over one store. Every instance follows the store (its
//! change feed and its couriers on shift) at each tick, so whatever changed
//! through another instance is in this one's services; the clock-driven
//! work (dispatch rounds, deadlines, retries, the outbox relay) runs only
//! on the instance holding the work lease, and moves to another within the
//! lease's time when the holder dies.

use std::sync::Mutex;
use std::time::Duration as StdDuration;

use courier_core::Duration;
use courier_core::ports::{FeedCursor, Lease, Store, WORK_LEASE};
use courier_platform::external::Clock;

use crate::app::ServerPlatform;

/// Reads of the change feed per tick at most: enough to catch up after a
/// burst, bounded so a tick always reaches the lease.
const FOLLOW_ROUNDS: usize = 8;

/// How an instance shares its store.
#[derive(Debug)]
pub struct Sharing {
    /// This instance's name, as the lease records its holder.
    pub instance: String,
    /// How long the work lease lasts unless renewed.
    pub lease_ttl: Duration,
    /// Where this instance has followed the change feed to.
    cursor: Mutex<FeedCursor>,
    /// The work lease while this instance holds it.
    lease: Mutex<Option<Lease>>,
}

/// What one shared tick did about the lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// This instance holds the lease and ran the clock-driven work.
    Holder,
    /// Another instance holds it.
    Standby,
}

impl Sharing {
    /// Sharing as `instance`, following the feed from `head` (taken before
    /// recovery, so nothing committed since is missed).
    pub fn new(instance: String, lease_ttl: Duration, head: FeedCursor) -> Sharing {
        Sharing {
            instance,
            lease_ttl,
            cursor: Mutex::new(head),
            lease: Mutex::new(None),
        }
    }

    /// A name for an instance that was given none: the process and a random part.
    pub fn generated_name() -> String {
        format!("courier-{}-{:08x}", std::process::id(), rand::random::<u32>())
    }

    /// The lease this instance holds, if any.
    pub fn held(&self) -> Option<Lease> {
        self.lease
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_held(&self, lease: Option<Lease>) {
        *self.lease.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = lease;
    }

    fn cursor(&self) -> FeedCursor {
        *self.cursor.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn set_cursor(&self, cursor: FeedCursor) {
        *self.cursor.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = cursor;
    }

    /// One tick: follow the store, then renew or take the work lease and, as
    /// its holder, run the clock-driven work under it and relay the outbox.
    pub async fn tick<S: Store>(&self, platform: &ServerPlatform<S>, outbox_batch: usize) -> Role {
        self.follow(platform).await;
        let now = platform.clock().now();
        let granted = platform
            .store()
            .acquire_lease(WORK_LEASE, &self.instance, now, self.lease_ttl)
            .await;
        let lease = match granted {
            Ok(Some(lease)) => lease,
            Ok(None) => {
                if self.held().is_some() {
                    tracing::warn!(instance = %self.instance, "work lease lost to another instance");
                }
                self.set_held(None);
                metrics::gauge!("courier_work_lease_held").set(0.0);
                return Role::Standby;
            }
            Err(e) => {
                // Unknown: keep what is held; its token fences any stale write.
                tracing::warn!(error = %e, "work lease could not be renewed");
                return if self.held().is_some() {
                    Role::Holder
                } else {
                    Role::Standby
                };
            }
        };
        if self.held().map(|l| l.token) != Some(lease.token) {
            tracing::info!(instance = %self.instance, token = lease.token, "took the work lease");
        }
        self.set_held(Some(lease.clone()));
        metrics::gauge!("courier_work_lease_held").set(1.0);
        if let Err(e) = platform.tick_under(&lease).await {
            tracing::warn!(error = %e, "tick failed");
        }
        crate::app::relay(platform, outbox_batch).await;
        Role::Holder
    }

    async fn follow<S: Store>(&self, platform: &ServerPlatform<S>) {
        let mut cursor = self.cursor();
        for _ in 0..FOLLOW_ROUNDS {
            match platform.follow(cursor).await {
                Ok(next) if next != cursor => cursor = next,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "could not follow the store's changes");
                    break;
                }
            }
        }
        self.set_cursor(cursor);
        if let Err(e) = platform.follow_couriers().await {
            tracing::warn!(error = %e, "could not follow the couriers on shift");
        }
    }

    /// Gives the lease up on shutdown, so another instance takes the work
    /// over at once instead of after the lease's time.
    pub async fn release<S: Store>(&self, platform: &ServerPlatform<S>) {
        if let Some(lease) = self.held() {
            match platform.store().release_lease(&lease).await {
                Ok(_) => tracing::info!(instance = %self.instance, "work lease given up"),
                Err(e) => tracing::warn!(error = %e, "work lease could not be given up"),
            }
            self.set_held(None);
        }
    }

    /// The interval to tick at: never slower than a third of the lease's
    /// time, so the holder renews it with room to spare.
    pub fn interval(&self, tick: StdDuration) -> StdDuration {
        tick.min(StdDuration::from_millis(self.lease_ttl.as_millis() / 3).max(StdDuration::from_millis(10)))
    }
}
