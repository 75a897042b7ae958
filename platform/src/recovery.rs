//! Start-up: pending work is rebuilt from the store, so a crash between
//! two steps of a journey loses nothing.

use courier_core::order::{Assignment, OrderStatus, StatusKind};
use courier_core::ports::Store;

use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::kitchen::admit;
use crate::platform::Platform;
use crate::runtime::QueuedPayment;

/// Most orders read back per status on recovery.
const RECOVERY_LIMIT: usize = 1_000_000;

/// What [`Platform::recover`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
}

impl Recovered {
    /// Every order recovered.
    pub fn total(&self) -> usize {
        self.payments + self.awaiting_acceptance + self.in_dispatch + self.with_courier + self.captures
    }
}

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Rebuilds pending work from the store: payments to retry, acceptance
    /// deadlines, orders waiting for a courier (live offers kept until they
    /// lapse), who carries what, and captures to retry.
    pub async fn recover(&self) -> Result<Recovered, PlatformError> {
        let now = self.now();
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
            let orders = self.store.list_by_status(kind, RECOVERY_LIMIT).await?;
            let mut rt = self.rt();
            for order in orders {
                let id = order.id();
                match order.status() {
                    OrderStatus::PendingPayment => {
                        rt.payments.insert(id, QueuedPayment { attempts: 0, due: now });
                        found.payments += 1;
                    }
                    OrderStatus::Placed => {
                        if let Some(deadline) = order.acceptance_deadline() {
                            rt.deadlines.set(id, deadline);
                        }
                        found.awaiting_acceptance += 1;
                    }
                    OrderStatus::Delivered => {
                        rt.captures.insert(id, QueuedPayment { attempts: 0, due: now });
                        found.captures += 1;
                    }
                    _ => {
                        admit(&mut rt, &order, now)?;
                        let d = &mut rt.dispatch;
                        match order.assignment() {
                            Assignment::Unassigned => {
                                d.enter_pool(id, now);
                                found.in_dispatch += 1;
                            }
                            Assignment::Offered { courier, expires_at } => {
                                d.enter_pool(id, now);
                                if let Some(entry) = d.pool.get_mut(&id) {
                                    entry.offer = Some((courier, expires_at));
                                }
                                d.offers.insert(courier, id);
                                found.in_dispatch += 1;
                            }
                            Assignment::Assigned { courier } => {
                                d.book
                                    .assign(id, courier, order.times().confirmed_at.unwrap_or(now))
                                    .map_err(|e| PlatformError::Corrupt {
                                        key: format!("order:{}", id.get()),
                                        reason: e.to_string(),
                                    })?;
                                if order.status() == OrderStatus::PickedUp {
                                    let _ = d.book.picked_up(id, courier, now);
                                }
                                found.with_courier += 1;
                            }
                        }
                    }
                }
            }
        }
        Ok(found)
    }
}
