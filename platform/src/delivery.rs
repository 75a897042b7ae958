//! The courier's side of an order: pickup and delivery, then capture,
//! payout and completion (retried while the gateway is down).

use courier_core::order::{Actor, Order, OrderAction, OrderStatus};
use courier_core::ports::Store;
use courier_core::{CourierId, OrderId, Timestamp};
use courier_eta::Eta;

use crate::error::PlatformError;
use crate::external::{Clock, NotificationKind, Notifier, PaymentGateway, Recipient};
use crate::platform::Platform;
use crate::runtime::QueuedPayment;
use crate::telemetry;

/// A delivered order, with the promise it was given.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    /// The order (completed if the capture went through at once).
    pub order: Order,
    /// The ETA made when the restaurant accepted (`None` after a restart).
    pub promise: Option<Eta>,
}

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// The courier holding the order picks it up.
    pub async fn pick_up(&self, courier: CourierId, order: OrderId) -> Result<Order, PlatformError> {
        let (o, _) = self.apply(order, Actor::Courier(courier), OrderAction::PickUp).await?;
        let now = self.now();
        {
            let mut rt = self.rt();
            let d = &mut rt.dispatch;
            // The book refuses only if it no longer holds the order (a restart
            // lost it); the store, which just accepted the pickup, is the record.
            let _ = d.book.picked_up(order, courier, now);
            d.mark_picked_up(order);
        }
        self.notify(Recipient::Customer(o.customer()), NotificationKind::PickedUp, order)
            .await;
        Ok(o)
    }

    /// The courier hands the food over: the courier's slot frees, the ETA
    /// learns, and the payment is captured and paid out.
    pub async fn deliver(&self, courier: CourierId, order: OrderId) -> Result<Delivered, PlatformError> {
        let (o, _) = self.apply(order, Actor::Courier(courier), OrderAction::Deliver).await?;
        let now = self.now();
        let promise = {
            let mut rt = self.rt();
            rt.dispatch.close(order);
            let promise = rt.promises.remove(&order);
            if let Some(eta) = &promise {
                rt.eta.observe_delivery(eta, now);
                telemetry::eta_error(eta.arrival_p50(), now);
            }
            promise
        };
        self.notify(Recipient::Customer(o.customer()), NotificationKind::Delivered, order)
            .await;
        let order = self.capture(&o).await?;
        Ok(Delivered { order, promise })
    }

    /// Captures a delivered order's charge; on success completes and settles
    /// it, otherwise queues a retry.
    pub(crate) async fn capture(&self, order: &Order) -> Result<Order, PlatformError> {
        let now = self.now();
        let id = order.id();
        match self.payments.capture(id, order.charge(), now).await {
            Ok(()) => match self.apply(id, Actor::System, OrderAction::Complete).await {
                Ok((completed, _)) => {
                    self.rt().captures.remove(&id);
                    self.settle_or_defer(&completed).await?;
                    Ok(completed)
                }
                // Storage failed after the gateway captured: capture again
                // later (captures are keyed by order, so a repeat is harmless)
                // and complete then.
                Err(e) if e.is_transient() => Ok(self.queue_capture(order)),
                Err(e) => Err(e),
            },
            Err(_) => Ok(self.queue_capture(order)),
        }
    }

    /// Puts a delivered order's capture back in the queue with backoff.
    fn queue_capture(&self, order: &Order) -> Order {
        let now = self.now();
        let id = order.id();
        {
            let mut rt = self.rt();
            let attempts = rt.captures.get(&id).map_or(0, |q| q.attempts) + 1;
            let policy = self.config.payment_retry;
            let backoff = policy.backoff(attempts, &mut rt.rng).unwrap_or(policy.base_backoff);
            rt.captures.insert(
                id,
                QueuedPayment {
                    attempts,
                    due: now.plus(backoff),
                },
            );
        }
        order.clone()
    }

    /// Retries captures that are due. Returns how many completed.
    pub async fn retry_captures(&self) -> Result<usize, PlatformError> {
        let now = self.now();
        let due: Vec<OrderId> = self
            .rt()
            .captures
            .iter()
            .filter(|(_, q)| q.due <= now)
            .map(|(&id, _)| id)
            .collect();
        let mut completed = 0;
        for id in due {
            match self.store.load_order(id).await? {
                Some(o) if o.status() == OrderStatus::Delivered => {
                    if self.capture(&o).await?.status() == OrderStatus::Completed {
                        completed += 1;
                    }
                }
                // Completed by an earlier attempt whose answer was lost: the
                // bookkeeping did not run after it.
                Some(o) if o.status() == OrderStatus::Completed => {
                    self.rt().captures.remove(&id);
                    self.settle_or_defer(&o).await?;
                }
                _ => {
                    self.rt().captures.remove(&id);
                }
            }
        }
        Ok(completed)
    }

    /// Delivered orders whose capture is waiting for the gateway.
    pub fn captures_queued(&self) -> usize {
        self.rt().captures.len()
    }

    /// The promise made for an order still in flight.
    pub fn promise(&self, order: OrderId) -> Option<Eta> {
        self.rt().promises.get(&order).copied()
    }

    /// When an open order's food is expected to be ready.
    pub fn expected_ready(&self, order: OrderId) -> Option<Timestamp> {
        self.rt().dispatch.open.get(&order).map(|o| o.job.ready_at)
    }
}
