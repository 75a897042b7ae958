//! Which courier held each order back, carried from one batch round to the
//! next.

use courier_core::{CourierId, OrderId};
use rustc_hash::FxHashMap;

/// For each order a batch round held back, the courier whose nearness held
/// it back.
///
/// Most waiting orders are held back round after round by the same nearby
/// courier until their food nears ready. Given the memo of the last round,
/// [`plan_batch_remembering`](crate::plan_batch_remembering) first asks that
/// one courier (is it still indexed, with room, within the search radius,
/// and near enough in time?) and searches the index only when it no longer
/// holds the order back: one travel estimate instead of a nearest search.
///
/// A round keeps only the orders it was given, so a caller planning orders
/// in separate passes (say, fresh and long-waiting orders with different
/// settings) keeps one memo per pass.
///
/// ```
/// use courier_matching::ReleaseMemo;
/// let memo = ReleaseMemo::default();
/// assert!(memo.is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct ReleaseMemo {
    held_by: FxHashMap<OrderId, CourierId>,
}

impl ReleaseMemo {
    /// The courier that held `order` back in the last round, if it was held back.
    pub fn held_by(&self, order: OrderId) -> Option<CourierId> {
        self.held_by.get(&order).copied()
    }

    /// Orders remembered.
    pub fn len(&self) -> usize {
        self.held_by.len()
    }

    /// Whether no order is remembered.
    pub fn is_empty(&self) -> bool {
        self.held_by.is_empty()
    }

    /// Replaces the memo with what a round found.
    pub(crate) fn replace(&mut self, held_by: FxHashMap<OrderId, CourierId>) {
        self.held_by = held_by;
    }
}
