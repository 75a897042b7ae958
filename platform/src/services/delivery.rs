//! The courier's side of an order: pickup and delivery, then capture,
//! payout and completion (retried while the gateway is down).

use courier_core::order::{Actor, Order, OrderAction};
use courier_core::ports::Store;
use courier_core::{CourierId, OrderId};
use courier_eta::Eta;

use crate::error::PlatformError;
use crate::external::{Clock, NotificationKind, Notifier, PaymentGateway, Recipient};
use crate::parts::Parts;
use crate::services::books::Ending;
use crate::services::dispatch::Dispatch;

/// A delivered order, with the promise it was given.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    /// The order (completed if the capture went through at once).
    pub order: Order,
    /// The ETA made when the restaurant accepted (`None` after a restart).
    pub promise: Option<Eta>,
}

/// The delivery service: no state of its own; dispatch keeps who carries
/// what, payments the captures waiting for the gateway.
pub(crate) struct Delivery;

impl Delivery {
    /// The courier holding the order picks it up.
    pub(crate) async fn pick_up(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        dispatch: &Dispatch,
        courier: CourierId,
        order: OrderId,
    ) -> Result<Order, PlatformError> {
        let (o, _) = parts.apply(order, Actor::Courier(courier), OrderAction::PickUp).await?;
        dispatch.picked_up(order, courier, parts.now());
        parts
            .notify(Recipient::Customer(o.customer()), NotificationKind::PickedUp, order)
            .await;
        Ok(o)
    }

    /// The courier hands the food over: the courier's slot frees, the ETA
    /// learns, and the payment is captured and paid out (through the
    /// services an ended order leaves, which delivery touches in turn).
    pub(crate) async fn deliver(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        ending: &Ending<'_>,
        courier: CourierId,
        order: OrderId,
    ) -> Result<Delivered, PlatformError> {
        let (o, _) = parts
            .apply(order, Actor::Courier(courier), OrderAction::Deliver)
            .await?;
        ending.dispatch.close(order);
        let promise = ending.promises.delivered(order, parts.now());
        parts
            .notify(Recipient::Customer(o.customer()), NotificationKind::Delivered, order)
            .await;
        let order = ending.payments.capture(parts, ending, &o).await?;
        Ok(Delivered { order, promise })
    }
}
