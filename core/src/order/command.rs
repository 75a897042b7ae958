//! Commands: what an actor asks of an order, at a time, against a version.

use std::fmt;

use crate::geo::GeoPoint;
use crate::ids::{CourierId, CustomerId, IdempotencyKey, MenuItemId, OrderId, RestaurantId};
use crate::money::Money;
use crate::time::{Duration, Timestamp};

use super::actor::Actor;
use super::status::CancelReason;

/// One line of an order: an item, how many, at what unit price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    /// The menu item.
    pub item: MenuItemId,
    /// How many (at least 1).
    pub quantity: u32,
    /// Price of one, not negative.
    pub unit_price: Money,
}

/// Everything needed to create an order. The charge comes from a pricing quote.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceOrder {
    /// The id the platform assigned to the new order.
    pub order_id: OrderId,
    /// Who orders (must be the acting customer unless an admin places it).
    pub customer: CustomerId,
    /// Where from.
    pub restaurant: RestaurantId,
    /// The restaurant's pickup point.
    pub pickup: GeoPoint,
    /// The customer's drop-off point.
    pub dropoff: GeoPoint,
    /// What was ordered (at least one line).
    pub lines: Vec<OrderLine>,
    /// The total the customer is charged (authorized), in the lines' currency.
    pub charge: Money,
    /// Makes placement idempotent: a replay with the same key returns the first order.
    pub idempotency_key: IdempotencyKey,
}

/// Why a courier stopped being assigned to an order before pickup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnassignReason {
    /// The courier dropped the order.
    CourierDropped,
    /// The courier went offline (silent past the location TTL).
    CourierOffline,
    /// Dispatch moved the order to another courier.
    Reassigned,
}

/// What an actor asks to happen to an existing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderAction {
    /// The payment gateway authorized the charge (system).
    AuthorizePayment,
    /// The payment gateway refused the charge for good (system).
    FailPayment,
    /// The restaurant accepts, with its preparation estimate.
    Accept {
        /// The kitchen's estimate of preparation time.
        prep_estimate: Duration,
    },
    /// The restaurant declines.
    Reject,
    /// The acceptance window passed without an answer (system).
    ExpireAcceptance,
    /// The kitchen starts cooking.
    StartPreparing,
    /// The food is ready.
    MarkReady,
    /// The assigned courier has the food.
    PickUp,
    /// The assigned courier handed it over.
    Deliver,
    /// Settle and close a delivered order (system).
    Complete,
    /// End the order early.
    Cancel {
        /// Why; the allowed reasons depend on the actor.
        reason: CancelReason,
    },
    /// Offer the order to a courier until `expires_at` (system dispatch).
    Offer {
        /// Who is offered the order.
        courier: CourierId,
        /// When the offer lapses (30 s by default, set by dispatch).
        expires_at: Timestamp,
    },
    /// The offered courier accepts.
    AcceptOffer,
    /// The offered courier declines.
    DeclineOffer,
    /// The offer lapsed without an answer (system).
    ExpireOffer,
    /// Assign a courier directly (batch dispatch or admin).
    Assign {
        /// The courier.
        courier: CourierId,
    },
    /// Take the order away from its courier before pickup.
    Unassign {
        /// Why.
        reason: UnassignReason,
    },
}

impl OrderAction {
    /// A stable snake-case name, for errors, audit and metrics.
    pub const fn name(self) -> &'static str {
        match self {
            OrderAction::AuthorizePayment => "authorize_payment",
            OrderAction::FailPayment => "fail_payment",
            OrderAction::Accept { .. } => "accept",
            OrderAction::Reject => "reject",
            OrderAction::ExpireAcceptance => "expire_acceptance",
            OrderAction::StartPreparing => "start_preparing",
            OrderAction::MarkReady => "mark_ready",
            OrderAction::PickUp => "pick_up",
            OrderAction::Deliver => "deliver",
            OrderAction::Complete => "complete",
            OrderAction::Cancel { .. } => "cancel",
            OrderAction::Offer { .. } => "offer",
            OrderAction::AcceptOffer => "accept_offer",
            OrderAction::DeclineOffer => "decline_offer",
            OrderAction::ExpireOffer => "expire_offer",
            OrderAction::Assign { .. } => "assign",
            OrderAction::Unassign { .. } => "unassign",
        }
    }
}

impl fmt::Display for OrderAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A command: an action by an actor at a time, against the version the actor last saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command {
    /// Who asks.
    pub actor: Actor,
    /// When (simulated or real, supplied by the caller).
    pub at: Timestamp,
    /// The order version the actor based the command on; a stale one is a conflict.
    pub expected_version: u64,
    /// What is asked.
    pub action: OrderAction,
}
