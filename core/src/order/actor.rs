//! Who issues a command: customers, restaurants, couriers, admins and the system.

use std::fmt;

use crate::ids::{AdminId, CourierId, CustomerId, RestaurantId};

/// The party behind a command, carried by every command and event (the audit trail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Actor {
    /// A customer, who may place and cancel only their own orders.
    Customer(CustomerId),
    /// A restaurant, which acts only on its own orders.
    Restaurant(RestaurantId),
    /// A courier, who acts only on orders offered or assigned to them.
    Courier(CourierId),
    /// A platform operator, who may act on every order.
    Admin(AdminId),
    /// The platform itself: timeouts, payments and dispatch.
    System,
}

impl Actor {
    /// The kind of actor, without its id.
    pub const fn kind(self) -> ActorKind {
        match self {
            Actor::Customer(_) => ActorKind::Customer,
            Actor::Restaurant(_) => ActorKind::Restaurant,
            Actor::Courier(_) => ActorKind::Courier,
            Actor::Admin(_) => ActorKind::Admin,
            Actor::System => ActorKind::System,
        }
    }

    /// The actor's numeric id; `None` for the system, which has none.
    pub const fn id(self) -> Option<u64> {
        match self {
            Actor::Customer(id) => Some(id.get()),
            Actor::Restaurant(id) => Some(id.get()),
            Actor::Courier(id) => Some(id.get()),
            Actor::Admin(id) => Some(id.get()),
            Actor::System => None,
        }
    }

    /// The actor of `kind` with `id`, as split by [`Actor::kind`] and
    /// [`Actor::id`]: `None` when a person's kind comes without an id. The
    /// system ignores any id.
    ///
    /// ```
    /// use courier_core::CourierId;
    /// use courier_core::order::{Actor, ActorKind};
    /// let courier = Actor::Courier(CourierId::new(4));
    /// assert_eq!(Actor::from_parts(courier.kind(), courier.id()), Some(courier));
    /// assert_eq!(Actor::from_parts(ActorKind::Courier, None), None);
    /// ```
    pub const fn from_parts(kind: ActorKind, id: Option<u64>) -> Option<Actor> {
        Some(match (kind, id) {
            (ActorKind::System, _) => Actor::System,
            (_, None) => return None,
            (ActorKind::Customer, Some(id)) => Actor::Customer(CustomerId::new(id)),
            (ActorKind::Restaurant, Some(id)) => Actor::Restaurant(RestaurantId::new(id)),
            (ActorKind::Courier, Some(id)) => Actor::Courier(CourierId::new(id)),
            (ActorKind::Admin, Some(id)) => Actor::Admin(AdminId::new(id)),
        })
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Customer(id) => id.fmt(f),
            Actor::Restaurant(id) => id.fmt(f),
            Actor::Courier(id) => id.fmt(f),
            Actor::Admin(id) => id.fmt(f),
            Actor::System => f.write_str("system"),
        }
    }
}

/// The kind of an [`Actor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorKind {
    /// A customer.
    Customer,
    /// A restaurant.
    Restaurant,
    /// A courier.
    Courier,
    /// An admin.
    Admin,
    /// The platform.
    System,
}

impl ActorKind {
    /// A stable lower-case name.
    pub const fn name(self) -> &'static str {
        match self {
            ActorKind::Customer => "customer",
            ActorKind::Restaurant => "restaurant",
            ActorKind::Courier => "courier",
            ActorKind::Admin => "admin",
            ActorKind::System => "system",
        }
    }
}

impl fmt::Display for ActorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
