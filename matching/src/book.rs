//! Who carries what: the dispatch invariants in one place.
//!
//! A courier never holds more active orders than the batch limit, and an
//! order is never assigned to two couriers. Every change goes through a
//! method that checks both first and changes nothing when it refuses.

use courier_core::{CourierId, OrderId, Timestamp};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

/// A change the book refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DispatchError {
    /// The order is not in the book (never added, delivered or cancelled).
    #[error("{order} is not open")]
    UnknownOrder {
        /// The order.
        order: OrderId,
    },
    /// The order already has a courier.
    #[error("{order} is already assigned to {courier}")]
    AlreadyAssigned {
        /// The order.
        order: OrderId,
        /// Its courier.
        courier: CourierId,
    },
    /// The courier carries the batch limit already.
    #[error("{courier} already carries {limit} orders, the batch limit")]
    CourierFull {
        /// The courier.
        courier: CourierId,
        /// The limit.
        limit: usize,
    },
    /// The courier is not the one holding the order.
    #[error("{order} is not held by {courier}")]
    NotHolder {
        /// The order.
        order: OrderId,
        /// The courier who tried.
        courier: CourierId,
    },
}

/// Why an order came back to the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnReason {
    /// The courier went offline.
    CourierOffline,
    /// The courier dropped the order.
    Dropped,
}

/// One line of an order's dispatch history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispatchNote {
    /// Assigned to the courier.
    Assigned(CourierId, Timestamp),
    /// Returned to the pool from the courier.
    Returned(CourierId, ReturnReason, Timestamp),
    /// Picked up by the courier.
    PickedUp(CourierId, Timestamp),
}

#[derive(Debug, Clone, Default)]
struct OpenOrder {
    courier: Option<CourierId>,
    picked_up: bool,
    history: Vec<DispatchNote>,
}

/// Open orders, their couriers and their dispatch history.
///
/// ```
/// use courier_core::{CourierId, OrderId, Timestamp};
/// use courier_matching::{DispatchBook, DispatchError};
/// let mut book = DispatchBook::new(2);
/// let (o1, o2, o3) = (OrderId::new(1), OrderId::new(2), OrderId::new(3));
/// let c = CourierId::new(9);
/// for o in [o1, o2, o3] { book.open(o); }
/// let now = Timestamp::EPOCH;
/// book.assign(o1, c, now)?;
/// book.assign(o2, c, now)?;
/// assert_eq!(book.assign(o3, c, now), Err(DispatchError::CourierFull { courier: c, limit: 2 }));
/// assert_eq!(book.courier_offline(c, now), vec![o1, o2]);
/// assert_eq!(book.pool().collect::<Vec<_>>(), vec![o1, o2, o3]);
/// # Ok::<(), DispatchError>(())
/// ```
#[derive(Debug, Clone)]
pub struct DispatchBook {
    batch_limit: usize,
    /// Hashed: every dispatch step looks an order up, and nothing but the
    /// pool (sorted when asked for) walks them.
    orders: FxHashMap<OrderId, OpenOrder>,
    /// Per courier, what it holds: hashed, because a batch round asks for
    /// the couriers its searches find, far more often than anything walks
    /// the couriers in turn.
    carrying: FxHashMap<CourierId, Held>,
}

/// The orders one courier holds, in id order: a few ids inline, since the
/// batch limit is small.
#[derive(Debug, Clone, Default)]
struct Held(SmallVec<[OrderId; 3]>);

impl Held {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn iter(&self) -> impl ExactSizeIterator<Item = &OrderId> {
        self.0.iter()
    }

    /// Adds `order` in its place (once).
    fn insert(&mut self, order: OrderId) {
        if let Err(at) = self.0.binary_search(&order) {
            self.0.insert(at, order);
        }
    }

    /// Takes `order` out, if held.
    fn remove(&mut self, order: &OrderId) {
        if let Ok(at) = self.0.binary_search(order) {
            self.0.remove(at);
        }
    }
}

impl DispatchBook {
    /// An empty book; no courier ever holds more than `batch_limit` orders
    /// (at least 1).
    pub fn new(batch_limit: usize) -> DispatchBook {
        DispatchBook {
            batch_limit: batch_limit.max(1),
            orders: FxHashMap::default(),
            carrying: FxHashMap::default(),
        }
    }

    /// The batch limit.
    pub fn batch_limit(&self) -> usize {
        self.batch_limit
    }

    /// Adds an order to the pool (no effect if already open).
    pub fn open(&mut self, order: OrderId) {
        self.orders.entry(order).or_default();
    }

    /// Open orders without a courier, in id order.
    pub fn pool(&self) -> impl Iterator<Item = OrderId> + use<> {
        let mut pool: Vec<OrderId> = self
            .orders
            .iter()
            .filter(|(_, o)| o.courier.is_none())
            .map(|(&id, _)| id)
            .collect();
        pool.sort_unstable();
        pool.into_iter()
    }

    /// The courier holding `order`, if any.
    pub fn courier_of(&self, order: OrderId) -> Option<CourierId> {
        self.orders.get(&order)?.courier
    }

    /// Orders `courier` holds, in id order.
    pub fn orders_of(&self, courier: CourierId) -> Vec<OrderId> {
        self.held_by(courier).collect()
    }

    /// Orders `courier` holds, in id order, without gathering them.
    pub fn held_by(&self, courier: CourierId) -> impl Iterator<Item = OrderId> + '_ {
        self.carrying.get(&courier).into_iter().flat_map(Held::iter).copied()
    }

    /// Couriers holding at least one order, in no particular order (the
    /// same for the same history), each with the orders it holds, in id
    /// order (`len()` is its load).
    pub fn holding(&self) -> impl Iterator<Item = (CourierId, impl ExactSizeIterator<Item = OrderId> + '_)> + '_ {
        self.carrying
            .iter()
            .map(|(&courier, held)| (courier, held.iter().copied()))
    }

    /// How many orders `courier` holds.
    pub fn load(&self, courier: CourierId) -> usize {
        self.carrying.get(&courier).map_or(0, Held::len)
    }

    /// `order`'s dispatch history, oldest first.
    pub fn history(&self, order: OrderId) -> &[DispatchNote] {
        self.orders.get(&order).map_or(&[], |o| &o.history)
    }

    /// Gives `order` to `courier`.
    pub fn assign(&mut self, order: OrderId, courier: CourierId, at: Timestamp) -> Result<(), DispatchError> {
        let open = self.orders.get(&order).ok_or(DispatchError::UnknownOrder { order })?;
        if let Some(holder) = open.courier {
            return Err(DispatchError::AlreadyAssigned { order, courier: holder });
        }
        if self.load(courier) >= self.batch_limit {
            return Err(DispatchError::CourierFull {
                courier,
                limit: self.batch_limit,
            });
        }
        if let Some(o) = self.orders.get_mut(&order) {
            o.courier = Some(courier);
            o.history.push(DispatchNote::Assigned(courier, at));
        }
        self.carrying.entry(courier).or_default().insert(order);
        Ok(())
    }

    /// Gives `order` to `courier` as a store shared by several instances has
    /// already decided: as [`DispatchBook::assign`], but not refused at the
    /// batch limit, which the store holds. A book following the store's
    /// changes one order at a time may show a courier over the limit until
    /// it has followed the order that left (and [`DispatchBook::check`]
    /// says so); once caught up it holds what the store holds.
    ///
    /// ```
    /// use courier_core::{CourierId, OrderId, Timestamp};
    /// use courier_matching::DispatchBook;
    /// let mut book = DispatchBook::new(1);
    /// let (old, new, c) = (OrderId::new(1), OrderId::new(2), CourierId::new(9));
    /// book.open(old);
    /// book.open(new);
    /// book.assign(old, c, Timestamp::EPOCH)?;
    /// assert!(book.assign(new, c, Timestamp::EPOCH).is_err(), "full, as far as this book knows");
    /// // The store says `old` was delivered through another instance and `new` is c's:
    /// book.assign_decided(new, c, Timestamp::EPOCH)?;
    /// assert!(book.check().is_err(), "not caught up yet");
    /// book.close(old);
    /// assert!(book.check().is_ok());
    /// # Ok::<(), courier_matching::DispatchError>(())
    /// ```
    pub fn assign_decided(&mut self, order: OrderId, courier: CourierId, at: Timestamp) -> Result<(), DispatchError> {
        let open = self
            .orders
            .get_mut(&order)
            .ok_or(DispatchError::UnknownOrder { order })?;
        if let Some(holder) = open.courier {
            return Err(DispatchError::AlreadyAssigned { order, courier: holder });
        }
        open.courier = Some(courier);
        open.history.push(DispatchNote::Assigned(courier, at));
        self.carrying.entry(courier).or_default().insert(order);
        Ok(())
    }

    /// The courier collected `order`: it can no longer return to the pool.
    pub fn picked_up(&mut self, order: OrderId, courier: CourierId, at: Timestamp) -> Result<(), DispatchError> {
        let o = self
            .orders
            .get_mut(&order)
            .ok_or(DispatchError::UnknownOrder { order })?;
        if o.courier != Some(courier) {
            return Err(DispatchError::NotHolder { order, courier });
        }
        o.picked_up = true;
        o.history.push(DispatchNote::PickedUp(courier, at));
        Ok(())
    }

    /// `courier` dropped `order` before pickup: back to the pool, history kept.
    pub fn drop_order(&mut self, order: OrderId, courier: CourierId, at: Timestamp) -> Result<(), DispatchError> {
        let o = self.orders.get(&order).ok_or(DispatchError::UnknownOrder { order })?;
        if o.courier != Some(courier) || o.picked_up {
            return Err(DispatchError::NotHolder { order, courier });
        }
        self.release(order, courier, ReturnReason::Dropped, at);
        Ok(())
    }

    /// `courier` went offline: every order not yet picked up returns to the
    /// pool (returned in id order). Orders already on the bike stay with the
    /// courier, who still has to deliver them.
    pub fn courier_offline(&mut self, courier: CourierId, at: Timestamp) -> Vec<OrderId> {
        let held = self.orders_of(courier);
        let returned: Vec<OrderId> = held
            .into_iter()
            .filter(|o| self.orders.get(o).is_some_and(|open| !open.picked_up))
            .collect();
        for &order in &returned {
            self.release(order, courier, ReturnReason::CourierOffline, at);
        }
        returned
    }

    /// The order is finished (delivered, cancelled or rejected): it leaves
    /// the book and frees its courier's slot. Returns its courier, if any.
    pub fn close(&mut self, order: OrderId) -> Option<CourierId> {
        let open = self.orders.remove(&order)?;
        let courier = open.courier?;
        self.unlink(order, courier);
        Some(courier)
    }

    fn release(&mut self, order: OrderId, courier: CourierId, reason: ReturnReason, at: Timestamp) {
        if let Some(o) = self.orders.get_mut(&order) {
            o.courier = None;
            o.history.push(DispatchNote::Returned(courier, reason, at));
        }
        self.unlink(order, courier);
    }

    fn unlink(&mut self, order: OrderId, courier: CourierId) {
        if let Some(set) = self.carrying.get_mut(&courier) {
            set.remove(&order);
            if set.is_empty() {
                self.carrying.remove(&courier);
            }
        }
    }

    /// Checks the invariants from scratch: every held order is open and held
    /// by exactly that courier, and no courier exceeds the batch limit.
    pub fn check(&self) -> Result<(), String> {
        // One hashed lookup per held order, rather than two sorted lists: the
        // simulator runs this after every dispatch round. Each courier's list
        // strictly ascending and every listed order assigned to its lister
        // make the listed pairs distinct orders, each assigned; as many as
        // are assigned, they are all the assigned ones.
        let mut listed = 0;
        for (courier, held) in &self.carrying {
            if held.len() > self.batch_limit {
                return Err(format!(
                    "{courier} holds {} orders, over the limit {}",
                    held.len(),
                    self.batch_limit
                ));
            }
            let ascending = held.0.windows(2).all(|pair| pair[0] < pair[1]);
            let assigned_here = held
                .iter()
                .all(|order| self.orders.get(order).and_then(|o| o.courier) == Some(*courier));
            if !(ascending && assigned_here) {
                return Err(self.disagreement());
            }
            listed += held.len();
        }
        let assigned = self.orders.values().filter(|o| o.courier.is_some()).count();
        if listed == assigned {
            Ok(())
        } else {
            Err(self.disagreement())
        }
    }

    /// Where the couriers' lists and the orders' assignments disagree,
    /// found by comparing both sorted (only once they are known to).
    fn disagreement(&self) -> String {
        let mut listed: Vec<(OrderId, CourierId)> = self
            .carrying
            .iter()
            .flat_map(|(&courier, held)| held.iter().map(move |&order| (order, courier)))
            .collect();
        listed.sort_unstable();
        let mut assigned: Vec<(OrderId, CourierId)> = self
            .orders
            .iter()
            .filter_map(|(&order, open)| open.courier.map(|c| (order, c)))
            .collect();
        assigned.sort_unstable();
        if let Some(pair) = listed.windows(2).find(|p| p[0].0 == p[1].0) {
            return format!("{} is held by two couriers, {} and {}", pair[0].0, pair[0].1, pair[1].1);
        }
        let differ = listed.iter().zip(&assigned).position(|(l, a)| l != a);
        let at = differ.unwrap_or(listed.len().min(assigned.len()));
        match (listed.get(at), assigned.get(at)) {
            (Some(&(order, courier)), a) if a.is_none_or(|&(other, _)| order <= other) => {
                format!("{order} is listed under {courier} but not assigned to it")
            }
            (_, Some(&(order, courier))) => format!("{order} is assigned to {courier} but not listed under it"),
            _ => "the book's lists disagree".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Orders 1 and 2 open, both held by courier 7.
    fn book() -> DispatchBook {
        let mut book = DispatchBook::new(2);
        for o in [1, 2] {
            book.open(OrderId::new(o));
            assert!(
                book.assign(OrderId::new(o), CourierId::new(7), Timestamp::EPOCH)
                    .is_ok()
            );
        }
        assert_eq!(book.check(), Ok(()));
        book
    }

    // The public operations cannot break the book, so these break it by hand.

    #[test]
    fn an_order_listed_under_two_couriers_is_reported() {
        let mut book = book();
        book.carrying
            .entry(CourierId::new(8))
            .or_default()
            .insert(OrderId::new(1));
        assert_eq!(
            book.check(),
            Err("order_1 is held by two couriers, courier_7 and courier_8".into())
        );
    }

    #[test]
    fn an_assigned_order_missing_from_its_courier_is_reported() {
        let mut book = book();
        book.carrying
            .entry(CourierId::new(7))
            .or_default()
            .remove(&OrderId::new(2));
        assert_eq!(
            book.check(),
            Err("order_2 is assigned to courier_7 but not listed under it".into())
        );
    }

    #[test]
    fn a_listing_without_an_assignment_is_reported() {
        let mut book = book();
        if let Some(o) = book.orders.get_mut(&OrderId::new(1)) {
            o.courier = None;
        }
        assert_eq!(
            book.check(),
            Err("order_1 is listed under courier_7 but not assigned to it".into())
        );
    }

    #[test]
    fn a_courier_over_the_limit_is_reported() {
        let mut book = book();
        book.open(OrderId::new(3));
        if let Some(o) = book.orders.get_mut(&OrderId::new(3)) {
            o.courier = Some(CourierId::new(7));
        }
        book.carrying
            .entry(CourierId::new(7))
            .or_default()
            .insert(OrderId::new(3));
        assert_eq!(book.check(), Err("courier_7 holds 3 orders, over the limit 2".into()));
    }

    #[test]
    fn an_order_listed_twice_under_its_courier_is_reported() {
        let mut book = book();
        if let Some(held) = book.carrying.get_mut(&CourierId::new(7)) {
            held.0.clear();
            held.0.extend([OrderId::new(1), OrderId::new(1)]);
        }
        assert_eq!(
            book.check(),
            Err("order_1 is held by two couriers, courier_7 and courier_7".into())
        );
    }
}
