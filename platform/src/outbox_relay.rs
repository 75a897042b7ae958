//! The outbox relay: events stored with each order change are handed to a
//! publisher and then marked published, so the outbox holds only what has
//! not gone out yet. Delivery is at least once: a crash between publishing
//! and marking republishes, and consumers deduplicate on the event id.

use courier_core::ports::{OutboxEntry, Store};

use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::platform::Platform;

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Publishes up to `limit` unpublished events, oldest first, through
    /// `publish`, then marks them published. Returns how many went out.
    ///
    /// # Errors
    /// The store failed to read or mark; events read but not marked are
    /// published again by the next call.
    pub async fn relay_outbox(
        &self,
        limit: usize,
        mut publish: impl FnMut(&OutboxEntry),
    ) -> Result<usize, PlatformError> {
        let entries = self.store.read_outbox(limit).await?;
        if entries.is_empty() {
            return Ok(0);
        }
        for entry in &entries {
            publish(entry);
        }
        let ids: Vec<_> = entries.iter().map(|e| e.event_id).collect();
        self.store.mark_published(&ids).await?;
        Ok(entries.len())
    }
}
