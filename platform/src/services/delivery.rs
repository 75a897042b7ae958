//! The courier's side of an order: pickup and delivery, then capture,
//! payout and completion (retried while the gateway is down).

use courier_core::order::{Actor, Order, OrderAction};
use courier_core::ports::Store;
use courier_core::{AdminId, CourierId, Duration, GeoPoint, OrderId};
use courier_eta::Eta;

use crate::error::PlatformError;
use crate::external::{Clock, NotificationKind, Notifier, PaymentGateway, Recipient};
use crate::parts::{Parts, visible_to};
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

/// The delivery service: the handover rule is its only state; dispatch
/// keeps who carries what, payments the captures waiting for the gateway.
pub(crate) struct Delivery {
    /// A fix within this many metres of the stop...
    radius_m: f64,
    /// ... and no older than this.
    max_age: Duration,
}

/// Who hands food over: the courier (checked against the stop) or an
/// admin overriding the check for the assigned courier (recorded as the
/// admin's action in the order's audit trail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handover {
    /// The courier, at the stop.
    Courier(CourierId),
    /// An admin, for the order's assigned courier, wherever they are.
    Override(AdminId),
}

impl Delivery {
    pub(crate) fn new(radius_m: f64, max_age: Duration) -> Delivery {
        Delivery { radius_m, max_age }
    }

    /// Who acts and for which courier; the courier's fix is checked
    /// against `stop` unless an admin overrides.
    async fn handover(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        by: Handover,
        order: OrderId,
        stop: Stop,
    ) -> Result<(Actor, CourierId), PlatformError> {
        let stored = parts
            .store
            .load_order(order)
            .await?
            .ok_or(PlatformError::OrderNotFound(order))?;
        match by {
            Handover::Courier(courier) => {
                // Not theirs: as if it did not exist (no distance to it either).
                visible_to(Actor::Courier(courier), &stored)?;
                let point = match stop {
                    Stop::Restaurant => stored.pickup(),
                    Stop::Door => stored.dropoff(),
                };
                self.at_stop(parts, courier, point, stop).await?;
                Ok((Actor::Courier(courier), courier))
            }
            Handover::Override(admin) => {
                let courier = stored.assignment().assigned_courier().ok_or(PlatformError::Order(
                    courier_core::order::OrderError::InvalidOrder(format!(
                        "{order} has no assigned courier to hand over for"
                    )),
                ))?;
                Ok((Actor::Admin(admin), courier))
            }
        }
    }

    /// The courier's last fix is within the radius of `point` and fresh.
    async fn at_stop(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        courier: CourierId,
        point: GeoPoint,
        stop: Stop,
    ) -> Result<(), PlatformError> {
        let refuse = |why: String| PlatformError::NotAtStop { stop: stop.name(), why };
        let Some(fix) = parts.store.location(courier).await? else {
            return Err(refuse(format!("{courier} has reported no position")));
        };
        let age = parts.now().since(fix.at);
        let distance_m = fix.point.distance_m(point);
        if distance_m > self.radius_m || age > self.max_age {
            return Err(refuse(format!(
                "{courier}'s last fix is {:.0} m away and {} s old; a handover needs one within {:.0} m and {} s",
                distance_m,
                age.as_millis() / 1_000,
                self.radius_m,
                self.max_age.as_millis() / 1_000
            )));
        }
        Ok(())
    }

    /// The courier holding the order picks it up (or an admin for them).
    pub(crate) async fn pick_up(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        dispatch: &Dispatch,
        by: Handover,
        order: OrderId,
    ) -> Result<Order, PlatformError> {
        let (actor, courier) = self.handover(parts, by, order, Stop::Restaurant).await?;
        let (o, _) = parts.apply(order, actor, OrderAction::PickUp).await?;
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
        by: Handover,
        order: OrderId,
    ) -> Result<Delivered, PlatformError> {
        let (actor, _) = self.handover(parts, by, order, Stop::Door).await?;
        let (o, _) = parts.apply(order, actor, OrderAction::Deliver).await?;
        ending.dispatch.close(order);
        let promise = ending.promises.delivered(order, parts.now());
        parts
            .notify(Recipient::Customer(o.customer()), NotificationKind::Delivered, order)
            .await;
        let order = ending.payments.capture(parts, ending, &o).await?;
        Ok(Delivered { order, promise })
    }
}

/// Where a handover happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Restaurant,
    Door,
}

impl Stop {
    fn name(self) -> &'static str {
        match self {
            Stop::Restaurant => "restaurant",
            Stop::Door => "door",
        }
    }
}
