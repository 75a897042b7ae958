//! Acceptance deadlines: when each order waiting for its restaurant must be
//! accepted by, due first.

use std::collections::BTreeSet;

use courier_core::{OrderId, Timestamp};
use rustc_hash::FxHashMap;

/// At most one deadline per order, found by time (the tick takes those due)
/// and by order (an acceptance or a final state drops its order's deadline
/// without reading the others: a dinner rush has thousands waiting).
#[derive(Debug, Default)]
pub(crate) struct Deadlines {
    by_time: BTreeSet<(Timestamp, OrderId)>,
    of_order: FxHashMap<OrderId, Timestamp>,
}

impl Deadlines {
    /// Sets `order`'s deadline, replacing any earlier one.
    pub(crate) fn set(&mut self, order: OrderId, deadline: Timestamp) {
        if let Some(before) = self.of_order.insert(order, deadline) {
            self.by_time.remove(&(before, order));
        }
        self.by_time.insert((deadline, order));
    }

    /// Drops `order`'s deadline, if it has one.
    pub(crate) fn clear(&mut self, order: OrderId) {
        if let Some(deadline) = self.of_order.remove(&order) {
            self.by_time.remove(&(deadline, order));
        }
    }

    /// Takes the earliest deadline at or before `now`, if any.
    pub(crate) fn pop_due(&mut self, now: Timestamp) -> Option<OrderId> {
        let &(deadline, order) = self.by_time.first()?;
        if deadline > now {
            return None;
        }
        self.by_time.pop_first();
        self.of_order.remove(&order);
        Some(order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_millis(secs * 1_000)
    }

    #[test]
    fn deadlines_come_due_in_time_order_once_each() {
        let mut d = Deadlines::default();
        let (a, b, c) = (OrderId::new(1), OrderId::new(2), OrderId::new(3));
        d.set(a, at(30));
        d.set(b, at(10));
        d.set(c, at(20));
        d.set(a, at(5)); // replaces 30
        d.clear(c);
        assert_eq!(d.pop_due(at(4)), None);
        assert_eq!(d.pop_due(at(60)), Some(a));
        assert_eq!(d.pop_due(at(60)), Some(b));
        assert_eq!(d.pop_due(at(60)), None, "cleared and replaced deadlines are gone");
        assert!(d.of_order.is_empty() && d.by_time.is_empty());
    }
}
