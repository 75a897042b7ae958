//! The simulated-time priority queue both engines run on.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Pending events ordered by simulated time, first-scheduled first among
/// events due at the same instant (so runs never depend on how the heap
/// breaks ties).
#[derive(Debug, Clone)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<(i64, u64, E)>>,
    seq: u64,
}

impl<E: Ord> Default for EventQueue<E> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl<E: Ord> EventQueue<E> {
    /// An empty queue with room for `capacity` pending events.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(capacity),
            seq: 0,
        }
    }

    /// Schedules `event` at simulated time `at` (in the caller's unit).
    pub fn push(&mut self, at: i64, event: E) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, event)));
    }

    /// Takes the earliest pending event with its time.
    pub fn pop(&mut self) -> Option<(i64, E)> {
        self.heap.pop().map(|Reverse((at, _, event))| (at, event))
    }

    /// Events pending.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// No event pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::EventQueue;

    #[test]
    fn pops_in_time_order_and_fifo_among_ties() {
        let mut q = EventQueue::default();
        q.push(5, 'c');
        q.push(1, 'z');
        q.push(5, 'a');
        q.push(3, 'm');
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(1, 'z'), (3, 'm'), (5, 'c'), (5, 'a')]);
        assert!(q.is_empty());
    }
}
