//! The permission table of seed 000, as code.
//!
//! | action | customer | restaurant | courier | admin | system |
//! |---|---|---|---|---|---|
//! | place | own | - | - | yes | - |
//! | view | own | own restaurant | offered/assigned | all | all |
//! | authorize/fail payment | - | - | - | yes | yes |
//! | accept, reject, start preparing, mark ready | - | own | - | yes | - |
//! | expire acceptance, expire offer, complete | - | - | - | yes | yes |
//! | pick up, deliver | - | - | assigned | yes | - |
//! | cancel | own, `customer_request` | own, `restaurant_unavailable` | - | any reason | platform reasons |
//! | offer, assign | - | - | - | yes | yes |
//! | accept/decline offer | - | - | offered | yes | - |
//! | unassign | - | - | assigned, `courier_dropped` | yes | yes |

use super::actor::Actor;
use super::command::{OrderAction, PlaceOrder, UnassignReason};
use super::error::OrderError;
use super::machine::Order;
use super::status::{CancelReason, Fault};

/// May `actor` place `order`? Customers place only for themselves.
pub fn may_place(actor: Actor, order: &PlaceOrder) -> Result<(), OrderError> {
    match actor {
        Actor::Customer(c) if c == order.customer => Ok(()),
        Actor::Admin(_) => Ok(()),
        _ => Err(OrderError::Forbidden { actor, action: "place" }),
    }
}

/// May `actor` see `order`? (Seed 000: own, own restaurant, assigned, all.)
pub fn may_view(actor: Actor, order: &Order) -> bool {
    match actor {
        Actor::Customer(c) => c == order.customer(),
        Actor::Restaurant(r) => r == order.restaurant(),
        Actor::Courier(c) => {
            order.assignment().assigned_courier() == Some(c)
                || order.assignment().offered_courier() == Some(c)
                || order.delivered_by() == Some(c)
        }
        Actor::Admin(_) | Actor::System => true,
    }
}

/// May `actor` perform `action` on `order`? Status is checked separately.
pub fn may_act(actor: Actor, order: &Order, action: OrderAction) -> Result<(), OrderError> {
    let forbidden = || OrderError::Forbidden {
        actor,
        action: action.name(),
    };
    let own_restaurant = matches!(actor, Actor::Restaurant(r) if r == order.restaurant());
    let is_assigned = matches!(actor, Actor::Courier(c) if order.assignment().assigned_courier() == Some(c));
    let is_offered = matches!(actor, Actor::Courier(c) if order.assignment().offered_courier() == Some(c));
    let is_admin = matches!(actor, Actor::Admin(_));
    let is_system = matches!(actor, Actor::System);
    let allowed = match action {
        OrderAction::AuthorizePayment
        | OrderAction::FailPayment
        | OrderAction::ExpireAcceptance
        | OrderAction::ExpireOffer
        | OrderAction::Complete
        | OrderAction::Offer { .. }
        | OrderAction::Assign { .. } => is_admin || is_system,
        OrderAction::Accept { .. } | OrderAction::Reject | OrderAction::StartPreparing | OrderAction::MarkReady => {
            is_admin || own_restaurant
        }
        OrderAction::PickUp | OrderAction::Deliver => is_admin || is_assigned,
        OrderAction::AcceptOffer | OrderAction::DeclineOffer => is_admin || is_offered,
        OrderAction::Unassign { reason } => {
            is_admin || is_system || (is_assigned && reason == UnassignReason::CourierDropped)
        }
        OrderAction::Cancel { reason } => return may_cancel(actor, order, reason),
    };
    if allowed { Ok(()) } else { Err(forbidden()) }
}

fn may_cancel(actor: Actor, order: &Order, reason: CancelReason) -> Result<(), OrderError> {
    let reason_ok = match actor {
        Actor::Customer(c) if c == order.customer() => reason == CancelReason::CustomerRequest,
        Actor::Restaurant(r) if r == order.restaurant() => reason == CancelReason::RestaurantUnavailable,
        Actor::Admin(_) => true,
        Actor::System => reason.fault() == Fault::Platform,
        _ => {
            return Err(OrderError::Forbidden {
                actor,
                action: "cancel",
            });
        }
    };
    if reason_ok {
        Ok(())
    } else {
        Err(OrderError::ReasonNotAllowed { actor, reason })
    }
}
