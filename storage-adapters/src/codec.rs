//! How orders and catalog data are written down by adapters that store them
//! outside the process: JSON documents with stable field names. Domain types
//! stay free of any format; this module owns the mapping both ways, and a
//! document that does not map back is reported as corrupt, never guessed at.

use std::sync::Arc;

use courier_core::order::{
    Actor, ActorKind, CancelReason, OrderEvent, OrderEventKind, OrderLine, PlaceOrder, RejectReason, UnassignReason,
};
use courier_core::ports::{Menu, MenuItem, Restaurant, StorageError};
use courier_core::{
    CourierId, Currency, CustomerId, Duration, GeoPoint, IdempotencyKey, MenuItemId, Money, OrderId, RestaurantId,
    Timestamp,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct LineDoc {
    item: u64,
    quantity: u32,
    unit_price: i64,
}

/// An event's payload; the envelope (order, version, time, actor) is stored
/// in columns of its own.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum EventDoc {
    Created {
        customer: u64,
        restaurant: u64,
        pickup: [f64; 2],
        dropoff: [f64; 2],
        lines: Vec<LineDoc>,
        charge: i64,
        currency: String,
        idempotency_key: String,
    },
    PaymentAuthorized {
        acceptance_deadline: i64,
    },
    Accepted {
        prep_estimate_ms: u64,
    },
    Rejected {
        reason: String,
    },
    PreparationStarted,
    MarkedReady,
    PickedUp {
        courier: u64,
    },
    Delivered {
        courier: u64,
    },
    Completed,
    Cancelled {
        by: String,
        reason: String,
    },
    CourierOffered {
        courier: u64,
        expires_at: i64,
    },
    OfferAccepted {
        courier: u64,
    },
    OfferDeclined {
        courier: u64,
    },
    OfferExpired {
        courier: u64,
    },
    CourierAssigned {
        courier: u64,
    },
    CourierUnassigned {
        courier: u64,
        reason: String,
    },
}

fn corrupt(what: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(what.to_string())
}

/// An event's payload as a JSON document.
pub(crate) fn event_body(event: &OrderEvent) -> serde_json::Value {
    let c = |id: CourierId| id.get();
    let doc = match &event.kind {
        OrderEventKind::Created(p) => EventDoc::Created {
            customer: p.customer.get(),
            restaurant: p.restaurant.get(),
            pickup: [p.pickup.lat(), p.pickup.lng()],
            dropoff: [p.dropoff.lat(), p.dropoff.lng()],
            lines: p
                .lines
                .iter()
                .map(|l| LineDoc {
                    item: l.item.get(),
                    quantity: l.quantity,
                    unit_price: l.unit_price.minor(),
                })
                .collect(),
            charge: p.charge.minor(),
            currency: p.charge.currency().code().to_owned(),
            idempotency_key: p.idempotency_key.as_str().to_owned(),
        },
        OrderEventKind::PaymentAuthorized { acceptance_deadline } => EventDoc::PaymentAuthorized {
            acceptance_deadline: acceptance_deadline.as_millis(),
        },
        OrderEventKind::Accepted { prep_estimate } => EventDoc::Accepted {
            prep_estimate_ms: prep_estimate.as_millis(),
        },
        OrderEventKind::Rejected { reason } => EventDoc::Rejected {
            reason: reject_name(*reason).to_owned(),
        },
        OrderEventKind::PreparationStarted => EventDoc::PreparationStarted,
        OrderEventKind::MarkedReady => EventDoc::MarkedReady,
        OrderEventKind::PickedUp { courier } => EventDoc::PickedUp { courier: c(*courier) },
        OrderEventKind::Delivered { courier } => EventDoc::Delivered { courier: c(*courier) },
        OrderEventKind::Completed => EventDoc::Completed,
        OrderEventKind::Cancelled { by, reason } => EventDoc::Cancelled {
            by: by.name().to_owned(),
            reason: reason.name().to_owned(),
        },
        OrderEventKind::CourierOffered { courier, expires_at } => EventDoc::CourierOffered {
            courier: c(*courier),
            expires_at: expires_at.as_millis(),
        },
        OrderEventKind::OfferAccepted { courier } => EventDoc::OfferAccepted { courier: c(*courier) },
        OrderEventKind::OfferDeclined { courier } => EventDoc::OfferDeclined { courier: c(*courier) },
        OrderEventKind::OfferExpired { courier } => EventDoc::OfferExpired { courier: c(*courier) },
        OrderEventKind::CourierAssigned { courier } => EventDoc::CourierAssigned { courier: c(*courier) },
        OrderEventKind::CourierUnassigned { courier, reason } => EventDoc::CourierUnassigned {
            courier: c(*courier),
            reason: unassign_name(*reason).to_owned(),
        },
    };
    // A derived Serialize of plain data cannot fail.
    serde_json::to_value(doc).unwrap_or(serde_json::Value::Null)
}

/// Rebuilds an event from its envelope and payload.
pub(crate) fn event_from(
    order_id: OrderId,
    version: u64,
    at: Timestamp,
    actor: Actor,
    body: serde_json::Value,
) -> Result<OrderEvent, StorageError> {
    let doc: EventDoc = serde_json::from_value(body).map_err(|e| corrupt(format!("{order_id} v{version}: {e}")))?;
    let courier = CourierId::new;
    let kind = match doc {
        EventDoc::Created {
            customer,
            restaurant,
            pickup,
            dropoff,
            lines,
            charge,
            currency,
            idempotency_key,
        } => {
            let currency: Currency = currency.parse().map_err(corrupt)?;
            let point = |p: [f64; 2]| GeoPoint::new(p[0], p[1]).map_err(corrupt);
            OrderEventKind::Created(Arc::new(PlaceOrder {
                order_id,
                customer: CustomerId::new(customer),
                restaurant: RestaurantId::new(restaurant),
                pickup: point(pickup)?,
                dropoff: point(dropoff)?,
                lines: lines
                    .into_iter()
                    .map(|l| OrderLine {
                        item: MenuItemId::new(l.item),
                        quantity: l.quantity,
                        unit_price: Money::new(l.unit_price, currency),
                    })
                    .collect(),
                charge: Money::new(charge, currency),
                idempotency_key: IdempotencyKey::parse(&idempotency_key).map_err(corrupt)?,
            }))
        }
        EventDoc::PaymentAuthorized { acceptance_deadline } => OrderEventKind::PaymentAuthorized {
            acceptance_deadline: Timestamp::from_millis(acceptance_deadline),
        },
        EventDoc::Accepted { prep_estimate_ms } => OrderEventKind::Accepted {
            prep_estimate: Duration::from_millis(prep_estimate_ms),
        },
        EventDoc::Rejected { reason } => OrderEventKind::Rejected {
            reason: reject_from(&reason)?,
        },
        EventDoc::PreparationStarted => OrderEventKind::PreparationStarted,
        EventDoc::MarkedReady => OrderEventKind::MarkedReady,
        EventDoc::PickedUp { courier: id } => OrderEventKind::PickedUp { courier: courier(id) },
        EventDoc::Delivered { courier: id } => OrderEventKind::Delivered { courier: courier(id) },
        EventDoc::Completed => OrderEventKind::Completed,
        EventDoc::Cancelled { by, reason } => OrderEventKind::Cancelled {
            by: actor_kind_from(&by)?,
            reason: cancel_from(&reason)?,
        },
        EventDoc::CourierOffered {
            courier: id,
            expires_at,
        } => OrderEventKind::CourierOffered {
            courier: courier(id),
            expires_at: Timestamp::from_millis(expires_at),
        },
        EventDoc::OfferAccepted { courier: id } => OrderEventKind::OfferAccepted { courier: courier(id) },
        EventDoc::OfferDeclined { courier: id } => OrderEventKind::OfferDeclined { courier: courier(id) },
        EventDoc::OfferExpired { courier: id } => OrderEventKind::OfferExpired { courier: courier(id) },
        EventDoc::CourierAssigned { courier: id } => OrderEventKind::CourierAssigned { courier: courier(id) },
        EventDoc::CourierUnassigned { courier: id, reason } => OrderEventKind::CourierUnassigned {
            courier: courier(id),
            reason: unassign_from(&reason)?,
        },
    };
    Ok(OrderEvent {
        order_id,
        version,
        at,
        actor,
        kind,
    })
}

/// An actor as (kind, id): the id is None for the system.
pub(crate) fn actor_parts(actor: Actor) -> (&'static str, Option<u64>) {
    (actor.kind().name(), actor.id())
}

/// The actor stored as (kind, id).
pub(crate) fn actor_from(kind: &str, id: Option<u64>) -> Result<Actor, StorageError> {
    Actor::from_parts(actor_kind_from(kind)?, id).ok_or_else(|| corrupt(format!("actor {kind} without an id")))
}

fn actor_kind_from(name: &str) -> Result<ActorKind, StorageError> {
    [
        ActorKind::Customer,
        ActorKind::Restaurant,
        ActorKind::Courier,
        ActorKind::Admin,
        ActorKind::System,
    ]
    .into_iter()
    .find(|k| k.name() == name)
    .ok_or_else(|| corrupt(format!("unknown actor kind {name:?}")))
}

fn reject_name(r: RejectReason) -> &'static str {
    match r {
        RejectReason::RestaurantDeclined => "restaurant_declined",
        RejectReason::AcceptanceTimeout => "acceptance_timeout",
    }
}

fn reject_from(name: &str) -> Result<RejectReason, StorageError> {
    [RejectReason::RestaurantDeclined, RejectReason::AcceptanceTimeout]
        .into_iter()
        .find(|r| reject_name(*r) == name)
        .ok_or_else(|| corrupt(format!("unknown reject reason {name:?}")))
}

fn cancel_from(name: &str) -> Result<CancelReason, StorageError> {
    [
        CancelReason::CustomerRequest,
        CancelReason::RestaurantUnavailable,
        CancelReason::NoCourierFound,
        CancelReason::PaymentFailed,
        CancelReason::PlatformFailure,
    ]
    .into_iter()
    .find(|r| r.name() == name)
    .ok_or_else(|| corrupt(format!("unknown cancel reason {name:?}")))
}

fn unassign_name(r: UnassignReason) -> &'static str {
    match r {
        UnassignReason::CourierDropped => "courier_dropped",
        UnassignReason::CourierOffline => "courier_offline",
        UnassignReason::Reassigned => "reassigned",
    }
}

fn unassign_from(name: &str) -> Result<UnassignReason, StorageError> {
    [
        UnassignReason::CourierDropped,
        UnassignReason::CourierOffline,
        UnassignReason::Reassigned,
    ]
    .into_iter()
    .find(|r| unassign_name(*r) == name)
    .ok_or_else(|| corrupt(format!("unknown unassign reason {name:?}")))
}

/// Every event name [`OrderEventKind::name`] produces.
const EVENT_NAMES: [&str; 16] = [
    "created",
    "payment_authorized",
    "accepted",
    "rejected",
    "preparation_started",
    "marked_ready",
    "picked_up",
    "delivered",
    "completed",
    "cancelled",
    "courier_offered",
    "offer_accepted",
    "offer_declined",
    "offer_expired",
    "courier_assigned",
    "courier_unassigned",
];

/// A stored event name back as the static name the domain uses.
pub(crate) fn event_name(name: &str) -> Result<&'static str, StorageError> {
    EVENT_NAMES
        .into_iter()
        .find(|n| *n == name)
        .ok_or_else(|| corrupt(format!("unknown event {name:?}")))
}

#[derive(Debug, Serialize, Deserialize)]
struct RestaurantDoc {
    id: u64,
    name: String,
    cuisine: String,
    location: [f64; 2],
    rating_centi: u16,
    is_open: bool,
    accepting_orders: bool,
    delivery_radius_m: u32,
    minimum_order: i64,
    currency: String,
    prep_time_ms: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct MenuItemDoc {
    id: u64,
    name: String,
    price: i64,
    currency: String,
    available: bool,
    stock: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize)]
struct MenuDoc {
    restaurant: u64,
    version: u64,
    items: Vec<MenuItemDoc>,
}

/// A restaurant as JSON (for caches).
pub(crate) fn restaurant_json(r: &Restaurant) -> String {
    let doc = RestaurantDoc {
        id: r.id.get(),
        name: r.name.clone(),
        cuisine: r.cuisine.clone(),
        location: [r.location.lat(), r.location.lng()],
        rating_centi: r.rating_centi,
        is_open: r.is_open,
        accepting_orders: r.accepting_orders,
        delivery_radius_m: r.delivery_radius_m,
        minimum_order: r.minimum_order.minor(),
        currency: r.minimum_order.currency().code().to_owned(),
        prep_time_ms: r.prep_time.as_millis(),
    };
    serde_json::to_string(&doc).unwrap_or_default()
}

/// A restaurant back from JSON.
pub(crate) fn restaurant_from_json(s: &str) -> Result<Restaurant, StorageError> {
    let d: RestaurantDoc = serde_json::from_str(s).map_err(corrupt)?;
    let currency: Currency = d.currency.parse().map_err(corrupt)?;
    Ok(Restaurant {
        id: RestaurantId::new(d.id),
        name: d.name,
        cuisine: d.cuisine,
        location: GeoPoint::new(d.location[0], d.location[1]).map_err(corrupt)?,
        rating_centi: d.rating_centi,
        is_open: d.is_open,
        accepting_orders: d.accepting_orders,
        delivery_radius_m: d.delivery_radius_m,
        minimum_order: Money::new(d.minimum_order, currency),
        prep_time: Duration::from_millis(d.prep_time_ms),
    })
}

/// A menu as JSON.
pub(crate) fn menu_json(m: &Menu) -> String {
    let doc = MenuDoc {
        restaurant: m.restaurant.get(),
        version: m.version,
        items: m
            .items
            .iter()
            .map(|i| MenuItemDoc {
                id: i.id.get(),
                name: i.name.clone(),
                price: i.price.minor(),
                currency: i.price.currency().code().to_owned(),
                available: i.available,
                stock: i.stock,
            })
            .collect(),
    };
    serde_json::to_string(&doc).unwrap_or_default()
}

/// A menu back from JSON.
pub(crate) fn menu_from_json(s: &str) -> Result<Menu, StorageError> {
    let d: MenuDoc = serde_json::from_str(s).map_err(corrupt)?;
    let items = d
        .items
        .into_iter()
        .map(|i| {
            let currency: Currency = i.currency.parse().map_err(corrupt)?;
            Ok(MenuItem {
                id: MenuItemId::new(i.id),
                name: i.name,
                price: Money::new(i.price, currency),
                available: i.available,
                stock: i.stock,
            })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
    Ok(Menu {
        restaurant: RestaurantId::new(d.restaurant),
        version: d.version,
        items,
    })
}
