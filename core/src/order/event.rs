//! Domain events: one per accepted command, the audit trail and the outbox.

use std::sync::Arc;

use crate::ids::{CourierId, OrderId};
use crate::time::{Duration, Timestamp};

use super::actor::{Actor, ActorKind};
use super::command::{PlaceOrder, UnassignReason};
use super::status::{CancelReason, RejectReason};

/// Something that happened to an order. Replaying an order's events rebuilds it exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderEvent {
    /// The order.
    pub order_id: OrderId,
    /// The order's version after this event (1 for creation, then +1 each).
    pub version: u64,
    /// When it happened.
    pub at: Timestamp,
    /// Who caused it.
    pub actor: Actor,
    /// What happened.
    pub kind: OrderEventKind,
}

/// What happened, with the data needed to replay it.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderEventKind {
    /// The order was created, waiting for payment.
    Created(Arc<PlaceOrder>),
    /// Payment authorized; the restaurant must accept before `acceptance_deadline`.
    PaymentAuthorized {
        /// Placed time plus the acceptance window.
        acceptance_deadline: Timestamp,
    },
    /// The restaurant accepted.
    Accepted {
        /// The kitchen's estimate.
        prep_estimate: Duration,
    },
    /// The restaurant declined or timed out.
    Rejected {
        /// Why.
        reason: RejectReason,
    },
    /// The kitchen started.
    PreparationStarted,
    /// The food is ready.
    MarkedReady,
    /// The courier has the food.
    PickedUp {
        /// Who.
        courier: CourierId,
    },
    /// Delivered to the customer.
    Delivered {
        /// Who.
        courier: CourierId,
    },
    /// Closed after settlement.
    Completed,
    /// Ended early.
    Cancelled {
        /// Who cancelled.
        by: ActorKind,
        /// Why.
        reason: CancelReason,
    },
    /// Offered to a courier.
    CourierOffered {
        /// Who.
        courier: CourierId,
        /// Until when.
        expires_at: Timestamp,
    },
    /// The offered courier accepted: now assigned.
    OfferAccepted {
        /// Who.
        courier: CourierId,
    },
    /// The offered courier declined.
    OfferDeclined {
        /// Who.
        courier: CourierId,
    },
    /// The offer lapsed.
    OfferExpired {
        /// Who.
        courier: CourierId,
    },
    /// Assigned directly (batch dispatch or admin).
    CourierAssigned {
        /// Who.
        courier: CourierId,
    },
    /// The courier was taken off the order before pickup.
    CourierUnassigned {
        /// Who.
        courier: CourierId,
        /// Why.
        reason: UnassignReason,
    },
}

impl OrderEventKind {
    /// A stable snake-case name (the outbox topic suffix).
    pub const fn name(&self) -> &'static str {
        match self {
            OrderEventKind::Created(_) => "created",
            OrderEventKind::PaymentAuthorized { .. } => "payment_authorized",
            OrderEventKind::Accepted { .. } => "accepted",
            OrderEventKind::Rejected { .. } => "rejected",
            OrderEventKind::PreparationStarted => "preparation_started",
            OrderEventKind::MarkedReady => "marked_ready",
            OrderEventKind::PickedUp { .. } => "picked_up",
            OrderEventKind::Delivered { .. } => "delivered",
            OrderEventKind::Completed => "completed",
            OrderEventKind::Cancelled { .. } => "cancelled",
            OrderEventKind::CourierOffered { .. } => "courier_offered",
            OrderEventKind::OfferAccepted { .. } => "offer_accepted",
            OrderEventKind::OfferDeclined { .. } => "offer_declined",
            OrderEventKind::OfferExpired { .. } => "offer_expired",
            OrderEventKind::CourierAssigned { .. } => "courier_assigned",
            OrderEventKind::CourierUnassigned { .. } => "courier_unassigned",
        }
    }
}
