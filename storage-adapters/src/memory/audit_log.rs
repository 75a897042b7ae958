//! The in-memory audit trail: every order's lines in one append-only list.

use std::num::NonZeroU64;

use courier_core::order::{Actor, OrderEvent};
use courier_core::ports::AuditEntry;
use courier_core::{OrderId, Timestamp};

/// Where a line sits in the log, counted from 1 (so `Option<LineNo>` costs nothing extra).
pub(super) type LineNo = NonZeroU64;

/// One line, without its order (the order's row points at it).
#[derive(Debug)]
struct AuditLine {
    version: u64,
    at: Timestamp,
    actor: Actor,
    action: &'static str,
    /// The same order's line before this one.
    previous: Option<LineNo>,
}

/// Audit lines of all orders, oldest first. Each line points back to its
/// order's previous line, so an order's trail is a walk from its newest line:
/// no order carries a vector of its own, and placing an order costs one line.
#[derive(Debug, Default)]
pub(super) struct AuditLog {
    lines: Vec<AuditLine>,
}

impl AuditLog {
    /// Records `event` after the order's newest line and returns the new newest.
    pub(super) fn append(&mut self, event: &OrderEvent, newest: Option<LineNo>) -> LineNo {
        let entry = AuditEntry::of(event);
        self.lines.push(AuditLine {
            version: entry.version,
            at: entry.at,
            actor: entry.actor,
            action: entry.action,
            previous: newest,
        });
        // The length after a push is at least 1.
        NonZeroU64::new(self.lines.len() as u64).unwrap_or(NonZeroU64::MIN)
    }

    /// The trail of `order` ending at `newest`, oldest first.
    pub(super) fn trail(&self, order: OrderId, newest: Option<LineNo>) -> Vec<AuditEntry> {
        let mut trail = Vec::new();
        let mut next = newest;
        while let Some(line) = next.and_then(|no| self.lines.get((no.get() - 1) as usize)) {
            trail.push(AuditEntry {
                order_id: order,
                version: line.version,
                at: line.at,
                actor: line.actor,
                action: line.action,
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

    use super::*;

    fn event(order: u64, version: u64) -> OrderEvent {
        OrderEvent {
            order_id: OrderId::new(order),
            version,
            at: Timestamp::from_millis((order * 100 + version) as i64),
            actor: Actor::System,
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
}
