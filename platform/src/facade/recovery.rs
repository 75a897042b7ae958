//! Start-up: pending work is rebuilt from the store, so a crash between
//! two steps of a journey loses nothing.

use courier_core::Timestamp;
use courier_core::order::{Assignment, Order, OrderStatus, StatusKind};
use courier_core::ports::Store;

use super::Platform;
use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::services::books::kept_at_the_gateway;
use crate::services::dispatch::RECONNECT_GRACE;
use crate::telemetry;

/// Most orders read back per status on recovery.
const RECOVERY_LIMIT: usize = 1_000_000;

/// What [`Platform::recover`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recovered {
    /// Payments queued again.
    pub payments: usize,
    /// Acceptance deadlines watched again.
    pub awaiting_acceptance: usize,
    /// Orders back in dispatch (no courier yet, or an offer out).
    pub in_dispatch: usize,
    /// Orders back with their courier.
    pub with_courier: usize,
    /// Captures queued again.
    pub captures: usize,
    /// Ended orders whose settlement (stock given back, the gateway's
    /// capture or release, the books) had not been done: queued again.
    pub settlements: usize,
    /// Settled orders whose capture or release at the gateway had not gone
    /// through: queued again.
    pub conclusions: usize,
    /// Stored records that could not be read or break an invariant: left
    /// in the store for an operator, taken into no service.
    pub set_aside: Vec<SetAside>,
}

impl Recovered {
    /// Every order recovered (those set aside not counted).
    pub fn total(&self) -> usize {
        self.payments
            + self.awaiting_acceptance
            + self.in_dispatch
            + self.with_courier
            + self.captures
            + self.settlements
            + self.conclusions
    }
}

/// A stored record recovery left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    /// The record, e.g. `order:123`.
    pub key: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Where a recovered order went.
enum Restored {
    Payment,
    AwaitingAcceptance,
    InDispatch,
    WithCourier,
    Capture,
}

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Rebuilds pending work from the store: payments to retry, acceptance
    /// deadlines, orders waiting for a courier (live offers kept until they
    /// lapse), who carries what, captures to retry, and ended orders whose
    /// settlement had not been done (an ended order is settled once, and
    /// the settlement leaves a receipt in the store: those without one are
    /// queued again), and settled orders whose capture or release was still
    /// waiting for the gateway (no conclusion receipt). Start-up reads a
    /// receipt or two per ended order, up to a million of each ending. A
    /// record that cannot be read or breaks an invariant (say, a courier over the batch limit)
    /// is set aside, reported in [`Recovered::set_aside`] and counted in
    /// `courier_records_set_aside_total`; everything else recovers. A
    /// recovery that failed partway (the store went down) may simply be
    /// called again: what the first took back is taken back once.
    ///
    /// # Errors
    /// Only when the store cannot list orders at all.
    pub async fn recover(&self) -> Result<Recovered, PlatformError> {
        let now = self.clock.now();
        let mut found = Recovered::default();
        for kind in [
            StatusKind::PendingPayment,
            StatusKind::Placed,
            StatusKind::Confirmed,
            StatusKind::Preparing,
            StatusKind::ReadyForPickup,
            StatusKind::PickedUp,
            StatusKind::Delivered,
        ] {
            let listed = self.store.list_by_status(kind, RECOVERY_LIMIT).await?;
            for unreadable in listed.unreadable {
                found.set_aside.push(set_aside(
                    format!("order:{}", unreadable.order.get()),
                    unreadable.reason,
                ));
            }
            for order in listed.orders {
                match self.restore(&order, now) {
                    Ok(Restored::Payment) => found.payments += 1,
                    Ok(Restored::AwaitingAcceptance) => found.awaiting_acceptance += 1,
                    Ok(Restored::InDispatch) => found.in_dispatch += 1,
                    Ok(Restored::WithCourier) => found.with_courier += 1,
                    Ok(Restored::Capture) => found.captures += 1,
                    Err(reason) => {
                        // Nothing of it stays in dispatch: an operator decides.
                        self.dispatch.close(order.id());
                        self.promises.forget(order.id());
                        found
                            .set_aside
                            .push(set_aside(format!("order:{}", order.id().get()), reason));
                    }
                }
            }
        }
        // Couriers tell the new process they are online as their apps
        // reconnect; those that do not in time give their orders back.
        self.dispatch.expect_reconnects(now.plus(RECONNECT_GRACE));
        // Ended orders without a settlement receipt: their settlement was
        // waiting for the store when the process stopped.
        let parts = self.parts();
        for kind in [StatusKind::Completed, StatusKind::Rejected, StatusKind::Cancelled] {
            let listed = self.store.list_by_status(kind, RECOVERY_LIMIT).await?;
            for order in listed.orders {
                let id = order.id();
                if self.books.recover_settlement(&parts, id).await? {
                    found.settlements += 1;
                } else if kind != StatusKind::Completed && !self.payments.concluded(&parts, id).await? {
                    // Settled, but its capture and release were still
                    // waiting for the gateway: the ledger says what it keeps.
                    let settlement = self.books.settlement_of(&parts, &order).await?;
                    if let Some(retained) = kept_at_the_gateway(&order, settlement.as_ref())
                        && self.payments.recover_conclusion(id, retained, now)
                    {
                        found.conclusions += 1;
                    }
                }
            }
        }
        Ok(found)
    }

    /// Takes one stored order back into the services its state calls for.
    fn restore(&self, order: &Order, now: Timestamp) -> Result<Restored, String> {
        let id = order.id();
        match order.status() {
            OrderStatus::PendingPayment => {
                self.payments.recover_authorization(id, now);
                Ok(Restored::Payment)
            }
            OrderStatus::Placed => {
                if let Some(deadline) = order.acceptance_deadline() {
                    self.kitchen.await_acceptance(id, deadline);
                }
                Ok(Restored::AwaitingAcceptance)
            }
            OrderStatus::Delivered => {
                self.payments.recover_capture(id, now);
                Ok(Restored::Capture)
            }
            _ => {
                self.dispatch
                    .admit(&self.promises, order, now)
                    .map_err(|e| e.to_string())?;
                let mut d = self.dispatch.state();
                match order.assignment() {
                    Assignment::Unassigned => {
                        d.enter_pool(id, now);
                        Ok(Restored::InDispatch)
                    }
                    Assignment::Offered { courier, expires_at } => {
                        d.enter_pool(id, now);
                        if let Some(entry) = d.pool.get_mut(&id) {
                            entry.offer = Some((courier, expires_at));
                        }
                        d.offers.insert(courier, id);
                        Ok(Restored::InDispatch)
                    }
                    Assignment::Assigned { courier } => {
                        // A recovery that failed partway and runs again
                        // finds the order given already.
                        if d.book.courier_of(id) != Some(courier) {
                            d.book
                                .assign(id, courier, order.times().confirmed_at.unwrap_or(now))
                                .map_err(|e| e.to_string())?;
                        }
                        if order.status() == OrderStatus::PickedUp {
                            let _ = d.book.picked_up(id, courier, now);
                        }
                        Ok(Restored::WithCourier)
                    }
                }
            }
        }
    }
}

/// Reports a record set aside.
fn set_aside(key: String, reason: String) -> SetAside {
    telemetry::record_set_aside();
    SetAside { key, reason }
}
