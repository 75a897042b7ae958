//! Several instances over one store: each follows the store's change feed
//! and its couriers on shift, so that whatever changed through another
//! instance (an order accepted, an offer answered, a courier gone online)
//! is in this one's services too. Only the clock-driven work is kept to
//! one instance, by a lease ([`Platform::tick_under`]).

use courier_core::OrderId;
use courier_core::order::OrderStatus;
use courier_core::ports::{DEFAULT_LOCATION_TTL, FeedCursor, Store};
use rustc_hash::FxHashMap;

use super::Platform;
use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::telemetry;

/// Changes read from the feed per call at most.
const FOLLOW_BATCH: usize = 2_000;

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Where the store's change feed ends now: take it before
    /// [`Platform::recover`], then [`Platform::follow`] from it, and nothing
    /// committed in between is missed.
    pub async fn feed_head(&self) -> Result<FeedCursor, PlatformError> {
        Ok(self.store.feed_head().await?)
    }

    /// Brings the services in line with the orders changed after `cursor`
    /// (through any instance): each changed order is read back once and
    /// taken into (or out of) payments, the kitchen and dispatch as its
    /// stored state calls for. Returns the cursor to continue from; call it
    /// again until it stops moving to catch up.
    ///
    /// # Errors
    /// The store failed; the cursor did not move, and the next call reads
    /// the same changes again (following is idempotent).
    pub async fn follow(&self, cursor: FeedCursor) -> Result<FeedCursor, PlatformError> {
        let (changes, next) = self.store.changes_after(cursor, FOLLOW_BATCH).await?;
        // Each order once, at its last change: orders are followed in the
        // order their latest states were committed, so a courier's slot is
        // freed here before another order takes it.
        let mut last: FxHashMap<OrderId, usize> = FxHashMap::default();
        for (n, change) in changes.iter().enumerate() {
            last.insert(change.order, n);
        }
        let mut orders: Vec<(usize, OrderId)> = last.into_iter().map(|(id, n)| (n, id)).collect();
        orders.sort_unstable();
        let now = self.clock.now();
        for (_, id) in orders {
            let Some(order) = self.store.load_order(id).await? else {
                continue;
            };
            self.payments.follow(&order);
            self.kitchen.follow(&order);
            if self.dispatch.follow_order(&self.promises, &order, now).is_err() {
                // A stored order dispatch cannot take (an invalid place):
                // left for an operator, as recovery would set it aside.
                telemetry::record_set_aside();
            }
            if order.status().is_terminal() || order.status() == OrderStatus::Delivered {
                self.promises.forget(id);
            }
        }
        Ok(next)
    }

    /// Brings the couriers on shift in line with the store: those whose last
    /// fix is younger than the location TTL (30 s), where they last were.
    /// With several instances a courier reports through any of them, so
    /// being on shift is reporting, and going off shift removes the fix.
    ///
    /// # Errors
    /// The store failed; nothing changed.
    pub async fn follow_couriers(&self) -> Result<(), PlatformError> {
        let since = self.clock.now().minus(DEFAULT_LOCATION_TTL);
        let fresh = self.store.fixes_since(since).await?;
        self.dispatch.follow_couriers(&fresh);
        Ok(())
    }
}
