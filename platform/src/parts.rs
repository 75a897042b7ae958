//! The outside world every service works through: the store, the payment
//! gateway, the notifier and the clock, with the one way any service changes
//! an order (load it, decide, compare-and-set with its events).

use courier_core::order::permission::may_view;
use courier_core::order::{Actor, Command, Order, OrderAction, OrderError, OrderEvent, OrderStatus};
use courier_core::ports::{CourierChange, Fence, StorageError, Store, Transition};
use courier_core::{OrderId, Timestamp};

use crate::error::PlatformError;
use crate::external::{Clock, Notification, NotificationKind, Notifier, PaymentGateway, Recipient};
use crate::telemetry;

/// How many times a command is retried on a lost compare-and-set before the
/// conflict is reported: each retry reloads the order and re-checks the
/// command, so a retry never applies a stale decision.
const CAS_ATTEMPTS: usize = 8;

/// The ports and external parties as one call of the services sees them:
/// borrowed from the facade for the call, holding no state of its own (what
/// a service remembers lives in the service).
pub(crate) struct Parts<'a, S, G, N, C> {
    /// Durable state: the record every service reads and writes.
    pub(crate) store: &'a S,
    /// The payment provider.
    pub(crate) gateway: &'a G,
    /// Messages to customers, restaurants and couriers.
    pub(crate) notifier: &'a N,
    /// Now.
    pub(crate) clock: &'a C,
    /// The most orders one courier carries at once: every transition asks
    /// the store to hold it.
    pub(crate) batch_limit: usize,
    /// The lease the call's work runs under (the clock-driven steps): every
    /// transition carries it, and the store refuses them once it is stale.
    pub(crate) fence: Option<Fence<'a>>,
}

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Parts<'_, S, G, N, C> {
    /// Now.
    pub(crate) fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Runs `action` on the stored order as `actor`, through the store's
    /// compare-and-set, retrying on a lost race with a fresh copy. The store
    /// also decides what the change does to couriers (the batch limit, one
    /// open offer each): a refusal there is
    /// [`PlatformError::CourierUnavailable`] and changes nothing.
    pub(crate) async fn apply(
        &self,
        id: OrderId,
        actor: Actor,
        action: OrderAction,
    ) -> Result<(Order, OrderEvent), PlatformError> {
        let mut last_conflict = None;
        for _ in 0..CAS_ATTEMPTS {
            let mut order = self
                .store
                .load_order(id)
                .await?
                .ok_or(PlatformError::OrderNotFound(id))?;
            let (expected, assignment_before) = (order.version(), order.assignment());
            let event = order
                .execute(&Command {
                    actor,
                    at: self.clock.now(),
                    expected_version: expected,
                    action,
                })
                .map_err(|e| hidden_from(actor, &order, e))?;
            let transition = Transition {
                order: &order,
                expected_version: expected,
                assignment_before,
                events: std::slice::from_ref(&event),
                batch_limit: self.batch_limit,
                fence: self.fence,
            };
            match self.store.save_transition(&transition).await {
                Ok(()) => {
                    telemetry::order_event(&order, &event);
                    self.tell_couriers(actor, &order, transition.courier_changes()).await;
                    return Ok((order, event));
                }
                Err(conflict @ StorageError::VersionConflict { .. }) => last_conflict = Some(conflict),
                Err(other) => return Err(other.into()),
            }
        }
        Err(last_conflict
            .unwrap_or(StorageError::Backend("compare-and-set retries exhausted".into()))
            .into())
    }

    /// Tells each courier a transition changed what it did to them, so a
    /// courier's app learns of offers, withdrawals, assignments and
    /// cancellations wherever the change was made. What the courier did
    /// itself (accepting, declining, delivering) is not echoed back.
    async fn tell_couriers(&self, actor: Actor, order: &Order, changes: [Option<CourierChange>; 2]) {
        for change in changes.into_iter().flatten() {
            let courier = change.courier();
            if actor == Actor::Courier(courier) {
                continue;
            }
            let kind = match change {
                CourierChange::Offer { .. } => NotificationKind::Offer,
                CourierChange::Take { .. } => NotificationKind::CourierAssigned,
                CourierChange::CloseOffer { .. } => NotificationKind::OfferClosed,
                CourierChange::Release { .. } if matches!(order.status(), OrderStatus::Cancelled { .. }) => {
                    NotificationKind::Cancelled
                }
                CourierChange::Release { .. } if order.delivered_by().is_none() => NotificationKind::Unassigned,
                CourierChange::Release { .. } | CourierChange::TakeOffer { .. } => continue,
            };
            self.notify(Recipient::Courier(courier), kind, order.id()).await;
        }
    }

    /// Sends a notification; a failure is counted, never fatal.
    pub(crate) async fn notify(&self, to: Recipient, kind: NotificationKind, order: OrderId) {
        let note = Notification {
            to,
            kind,
            order,
            at: self.clock.now(),
        };
        if self.notifier.send(note).await.is_err() {
            telemetry::notification_failed(kind);
        }
    }
}

/// An order a caller may not see is, to that caller, an order that does
/// not exist: refusing with "forbidden" would tell a stranger it is there
/// (and, for a courier, that it is in dispatch).
pub(crate) fn visible_to(actor: Actor, order: &Order) -> Result<(), PlatformError> {
    if may_view(actor, order) {
        Ok(())
    } else {
        Err(PlatformError::OrderNotFound(order.id()))
    }
}

/// A refusal as [`visible_to`] says the caller may hear it: "forbidden" on
/// an order they may not see is "not found".
pub(crate) fn hidden_from(actor: Actor, order: &Order, error: OrderError) -> PlatformError {
    match (&error, visible_to(actor, order)) {
        (OrderError::Forbidden { .. }, Err(not_found)) => not_found,
        _ => error.into(),
    }
}
