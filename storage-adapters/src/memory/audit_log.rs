//! The in-memory audit trail: every order's lines in one append-only list.

use std::num::NonZeroU64;

use courier_core::order::{Actor, ActorKind, OrderEvent};
use courier_core::ports::AuditEntry;
use courier_core::{OrderId, Timestamp};

use super::chunked::Chunked;

/// Where a line sits in the log, counted from 1 (so `Option<LineNo>` costs nothing extra).
pub(super) type LineNo = NonZeroU64;

/// One line, without its order (the order's row points at it), packed into
/// 32 bytes: a million-order simulated day writes about nine million of them.
#[derive(Debug)]
struct AuditLine {
    at: Timestamp,
    /// The same order's line before this one.
    previous: Option<LineNo>,
    /// The actor's id (0 for the system).
    actor_id: u64,
    /// Saturates at `u32::MAX`: no order sees four billion events.
    version: u32,
    actor_kind: ActorKind,
    /// Index into [`AuditLog::actions`].
    action: u8,
}

/// Audit lines of all orders, oldest first. Each line points back to its
/// order's previous line, so an order's trail is a walk from its newest line:
/// no order carries a vector of its own, and placing an order costs one line.
#[derive(Debug, Default)]
pub(super) struct AuditLog {
    lines: Chunked<AuditLine>,
    /// The action names seen so far (an event kind has a couple of dozen).
    actions: Vec<&'static str>,
}

/// Where names beyond the 256th would go; event kinds have far fewer.
const LAST_ACTION: u8 = u8::MAX;

impl AuditLog {
    /// Records `event` after the order's newest line and returns the new newest.
    pub(super) fn append(&mut self, event: &OrderEvent, newest: Option<LineNo>) -> LineNo {
        let entry = AuditEntry::of(event);
        let action = self.action_code(entry.action);
        self.lines.push(AuditLine {
            at: entry.at,
            previous: newest,
            actor_id: entry.actor.id().unwrap_or(0),
            version: u32::try_from(entry.version).unwrap_or(u32::MAX),
            actor_kind: entry.actor.kind(),
            action,
        });
        // The length after a push is at least 1.
        NonZeroU64::new(self.lines.len() as u64).unwrap_or(NonZeroU64::MIN)
    }

    fn action_code(&mut self, name: &'static str) -> u8 {
        if let Some(code) = self.actions.iter().position(|&known| known == name) {
            return u8::try_from(code).unwrap_or(LAST_ACTION);
        }
        if self.actions.len() <= usize::from(LAST_ACTION) {
            self.actions.push(name);
        }
        u8::try_from(self.actions.len() - 1).unwrap_or(LAST_ACTION)
    }

    /// The trail of `order` ending at `newest`, oldest first.
    pub(super) fn trail(&self, order: OrderId, newest: Option<LineNo>) -> Vec<AuditEntry> {
        let mut trail = Vec::new();
        let mut next = newest;
        while let Some(line) = next.and_then(|no| self.lines.get((no.get() - 1) as usize)) {
            trail.push(AuditEntry {
                order_id: order,
                version: u64::from(line.version),
                at: line.at,
                // Every line has an id (0 for the system), so this never falls back.
                actor: Actor::from_parts(line.actor_kind, Some(line.actor_id)).unwrap_or(Actor::System),
                action: self.actions.get(usize::from(line.action)).copied().unwrap_or("unknown"),
            });
            next = line.previous;
        }
        trail.reverse();
        trail
    }
}

#[cfg(test)]
mod tests {
    use courier_core::order::OrderEventKind;
    use courier_core::{AdminId, CourierId, CustomerId, RestaurantId};

    use super::*;

    fn event(order: u64, version: u64) -> OrderEvent {
        OrderEvent {
            order_id: OrderId::new(order),
            version,
            at: Timestamp::from_millis((order * 100 + version) as i64),
            actor: [
                Actor::System,
                Actor::Courier(CourierId::new(order)),
                Actor::Admin(AdminId::new(3)),
            ][(version % 3) as usize],
            kind: OrderEventKind::Completed,
        }
    }

    #[test]
    fn interleaved_orders_keep_separate_trails_in_order() {
        let mut log = AuditLog::default();
        let mut newest = [None, None];
        for version in 1..=3 {
            for (i, order) in [7, 8].into_iter().enumerate() {
                newest[i] = Some(log.append(&event(order, version), newest[i]));
            }
        }
        for (i, order) in [7, 8].into_iter().enumerate() {
            let trail = log.trail(OrderId::new(order), newest[i]);
            let expected: Vec<AuditEntry> = (1..=3).map(|v| AuditEntry::of(&event(order, v))).collect();
            assert_eq!(trail, expected);
        }
        assert!(log.trail(OrderId::new(9), None).is_empty());
    }

    #[test]
    fn a_line_is_32_bytes() {
        assert_eq!(std::mem::size_of::<AuditLine>(), 32);
    }

    #[test]
    fn every_actor_comes_back_as_it_went_in() {
        for actor in [
            Actor::Customer(CustomerId::new(u64::MAX)),
            Actor::Restaurant(RestaurantId::new(0)),
            Actor::Courier(CourierId::new(17)),
            Actor::Admin(AdminId::new(2)),
            Actor::System,
        ] {
            let mut log = AuditLog::default();
            let event = OrderEvent { actor, ..event(1, 1) };
            let newest = log.append(&event, None);
            assert_eq!(log.trail(OrderId::new(1), Some(newest)), vec![AuditEntry::of(&event)]);
        }
    }
}
