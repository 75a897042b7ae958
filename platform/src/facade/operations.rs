//! The clock-driven steps one by one (the tick runs them all in order),
//! the outbox relay, and what operators and the simulator read off the
//! services.

use courier_core::order::Order;
use courier_core::ports::{OutboxEntry, Store};
use courier_core::{CourierId, OrderId, Timestamp};
use courier_eta::Eta;

use super::Platform;
use crate::degradation::{DegradationLevel, HealthSignals};
use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::parts::Parts;
use crate::resilience::BreakerState;
use crate::services::dispatch::DispatchRound;
use crate::services::health::EdgeSignals;
use crate::services::pricing::SurgeSnapshot;
use crate::settlement::{Books, Settlement};
use crate::telemetry;

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Retries queued payments that are due; gives up (cancelling the
    /// order) on those older than the configured limit. Returns how many
    /// were authorized.
    pub async fn retry_payments(&self) -> Result<usize, PlatformError> {
        self.payments
            .retry_authorizations(&self.parts(), &self.kitchen, &self.ending())
            .await
    }

    /// Rejects every placed order whose 5-minute acceptance deadline has
    /// passed (the customer gets everything back). Returns them.
    pub async fn expire_acceptances(&self) -> Result<Vec<OrderId>, PlatformError> {
        let mut expired = Vec::new();
        self.kitchen
            .expire_acceptances_into(&self.parts(), &self.ending(), &mut expired)
            .await?;
        Ok(expired)
    }

    /// Returns to the pool the orders whose return the store failed to
    /// record; returns how many are back.
    ///
    /// # Errors
    /// The store still fails (those orders stay queued).
    pub async fn retry_returns(&self) -> Result<usize, PlatformError> {
        self.dispatch.retry_returns(&self.parts()).await
    }

    /// One dispatch round under the configured policy: lapsed offers are
    /// expired, then orders due for a courier get an offer (cascade) or an
    /// assignment (batch).
    pub async fn dispatch(&self) -> Result<DispatchRound, PlatformError> {
        let mut round = DispatchRound::default();
        self.dispatch_with(&self.parts(), &mut round).await?;
        Ok(round)
    }

    /// [`Platform::dispatch`] into `round`, which keeps what was done (and
    /// stored) before a failure; then surge observes what dispatch sees.
    pub(crate) async fn dispatch_with(
        &self,
        parts: &Parts<'_, S, G, N, C>,
        round: &mut DispatchRound,
    ) -> Result<(), PlatformError> {
        let result = self
            .dispatch
            .round_into(parts, &self.promises, &self.ending(), round)
            .await;
        self.pricing.watch_surge(&self.dispatch, self.clock.now());
        result
    }

    /// Retries captures that are due. Returns how many completed.
    pub async fn retry_captures(&self) -> Result<usize, PlatformError> {
        self.payments.retry_captures(&self.parts(), &self.ending()).await
    }

    /// Settles again the orders whose bookkeeping failed; returns how many
    /// are settled now.
    pub async fn retry_settlements(&self) -> Result<usize, PlatformError> {
        self.ending().retry(&self.parts()).await
    }

    /// Publishes up to `limit` unpublished events, oldest first, through
    /// `publish`, then marks them published, so the outbox holds only what
    /// has not gone out yet. Returns how many went out. Delivery is at
    /// least once: a crash between publishing and marking republishes, and
    /// consumers deduplicate on the event id.
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
        let full = entries.len() >= limit;
        self.follow_the_ladder(self.health.after_relay(full));
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

    /// Couriers online now.
    pub fn couriers_online(&self) -> usize {
        self.dispatch.couriers_online()
    }

    /// Orders a courier carries now (assigned or picked up).
    pub fn carried_by(&self, courier: CourierId) -> Vec<OrderId> {
        self.dispatch.carried_by(courier)
    }

    /// Orders waiting for a courier now.
    pub fn waiting_for_courier(&self) -> usize {
        self.dispatch.waiting()
    }

    /// Checks the dispatch invariants (batch limit, one courier per order,
    /// kitchen loads kept equal to the open orders).
    pub fn check_dispatch(&self) -> Result<(), String> {
        self.dispatch.check()
    }

    /// Orders waiting for the payment gateway.
    pub fn payments_queued(&self) -> usize {
        self.payments.authorizations_queued()
    }

    /// The payment gateway's breaker state.
    pub fn payment_breaker(&self) -> BreakerState {
        self.payments.breaker_state()
    }

    /// Delivered orders whose capture is waiting for the gateway.
    pub fn captures_queued(&self) -> usize {
        self.payments.captures_queued()
    }

    /// Ended orders whose capture of what is kept, or release of the rest,
    /// the gateway failed: retried at every tick when due.
    pub fn conclusions_queued(&self) -> usize {
        self.payments.conclusions_queued()
    }

    /// Orders whose bookkeeping waits for the store.
    pub fn settlements_queued(&self) -> usize {
        self.books.queued()
    }

    /// Totals over every order settled by this instance.
    pub fn books(&self) -> Books {
        self.books.books()
    }

    /// The ledger of an order in a final money state, rebuilt from the store.
    pub async fn settlement_of(&self, order: &Order) -> Result<Option<Settlement>, PlatformError> {
        self.books.settlement_of(&self.parts(), order).await
    }

    /// The promise made for an order still in flight.
    pub fn promise(&self, order: OrderId) -> Option<Eta> {
        self.promises.promise(order)
    }

    /// When an open order's food is expected to be ready.
    pub fn expected_ready(&self, order: OrderId) -> Option<Timestamp> {
        self.dispatch.expected_ready(order)
    }

    /// The surge published now.
    pub fn surge_snapshot(&self) -> SurgeSnapshot {
        self.pricing.surge_snapshot(&self.dispatch)
    }

    /// The degradation ladder's level now, and the signals it was set from.
    pub fn degradation(&self) -> (DegradationLevel, HealthSignals) {
        (self.health.level(), self.health.signals())
    }

    /// What the edge measured (the server: API, search and store latency,
    /// the share of store calls failing, its tracking fan-out); the ladder
    /// moves with it. Returns the new level.
    pub fn observe_edge(&self, edge: EdgeSignals) -> DegradationLevel {
        telemetry::storage_health(&edge);
        let level = self.health.observe_edge(edge);
        self.follow_the_ladder(level);
        level
    }

    /// Each service does what `level` allows.
    pub(super) fn follow_the_ladder(&self, level: DegradationLevel) {
        self.recommendations.set_on(level.recommendations_on());
        self.pricing.set_promotions_on(level.promotions_on());
        self.catalog.set_onboarding_on(level.onboarding_on());
        self.ordering.set_order_only(level.order_only());
        telemetry::degradation_level(level);
    }
}
