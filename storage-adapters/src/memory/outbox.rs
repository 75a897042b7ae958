//! The in-memory outbox: accepted events waiting to be published, oldest first.

use std::collections::VecDeque;

use courier_core::order::OrderEvent;
use courier_core::ports::{EventId, OutboxEntry};

/// Events in id order. Ids rise by one per event and only the front ever
/// leaves, so the queue always holds the consecutive ids `first..first + len`
/// and an id finds its slot by subtraction, with no search and no tree.
///
/// A slot published out of order (behind an older unpublished one) is emptied
/// at once and leaves when everything before it has been published.
#[derive(Debug)]
pub(super) struct Outbox {
    slots: VecDeque<Option<OrderEvent>>,
    first: u64,
}

impl Default for Outbox {
    fn default() -> Self {
        // Event ids start at 1, as in the database adapters.
        Self {
            slots: VecDeque::new(),
            first: 1,
        }
    }
}

impl Outbox {
    /// Appends an accepted event and returns its id.
    pub(super) fn push(&mut self, event: OrderEvent) -> EventId {
        let id = self.first + self.slots.len() as u64;
        self.slots.push_back(Some(event));
        EventId(id)
    }

    /// Up to `limit` unpublished events, oldest first.
    pub(super) fn unpublished(&self, limit: usize) -> Vec<OutboxEntry> {
        (self.first..)
            .zip(&self.slots)
            .filter_map(|(id, slot)| {
                slot.as_ref().map(|event| OutboxEntry {
                    event_id: EventId(id),
                    event: event.clone(),
                })
            })
            .take(limit)
            .collect()
    }

    /// Forgets a published event; an unknown or already published id changes nothing.
    pub(super) fn mark_published(&mut self, EventId(id): EventId) {
        let Some(offset) = id.checked_sub(self.first) else {
            return;
        };
        if let Some(slot) = usize::try_from(offset).ok().and_then(|i| self.slots.get_mut(i)) {
            *slot = None;
        }
        while let Some(None) = self.slots.front() {
            self.slots.pop_front();
            self.first += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use courier_core::order::{Actor, OrderEventKind};
    use courier_core::{OrderId, Timestamp};

    use super::*;

    fn event(n: u64) -> OrderEvent {
        OrderEvent {
            order_id: OrderId::new(n),
            version: 2,
            at: Timestamp::from_millis(n as i64),
            actor: Actor::System,
            kind: OrderEventKind::Completed,
        }
    }

    fn ids(outbox: &Outbox) -> Vec<u64> {
        outbox.unpublished(usize::MAX).iter().map(|e| e.event_id.0).collect()
    }

    #[test]
    fn ids_start_at_one_and_rise_by_one() {
        let mut outbox = Outbox::default();
        assert_eq!(outbox.push(event(7)), EventId(1));
        assert_eq!(outbox.push(event(8)), EventId(2));
        assert_eq!(ids(&outbox), [1, 2]);
        assert_eq!(outbox.unpublished(1)[0].event, event(7));
    }

    #[test]
    fn publishing_out_of_order_keeps_the_older_event_and_later_ids_stay_unique() {
        let mut outbox = Outbox::default();
        for n in 1..=4 {
            outbox.push(event(n));
        }
        outbox.mark_published(EventId(2));
        outbox.mark_published(EventId(4));
        assert_eq!(ids(&outbox), [1, 3]);
        outbox.mark_published(EventId(1));
        assert_eq!(ids(&outbox), [3]);
        assert_eq!(outbox.push(event(5)), EventId(5));
        assert_eq!(ids(&outbox), [3, 5]);
    }

    #[test]
    fn unknown_and_repeated_ids_change_nothing() {
        let mut outbox = Outbox::default();
        outbox.push(event(1));
        outbox.push(event(2));
        outbox.mark_published(EventId(1));
        outbox.mark_published(EventId(1));
        outbox.mark_published(EventId(0));
        outbox.mark_published(EventId(99));
        assert_eq!(ids(&outbox), [2]);
        assert_eq!(outbox.push(event(3)), EventId(3));
    }
}
