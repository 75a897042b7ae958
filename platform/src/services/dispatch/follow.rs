//! Following the store: when several instances share it, an order can
//! change, and a courier come and go, through any of them. Dispatch brings
//! its cache in line with what the store holds now, order by order and
//! courier by courier; nothing here writes.

use courier_core::order::{Assignment, Order, OrderStatus};
use courier_core::ports::CourierLocation;
use courier_core::{CourierId, Timestamp};
use rustc_hash::FxHashSet;

use super::Dispatch;
use crate::error::PlatformError;
use crate::services::promises::Promises;

impl Dispatch {
    /// Makes the cache hold `order` as the store does: open with its
    /// courier, offer or place in the pool while between acceptance and
    /// delivery, gone otherwise. Doing it twice changes nothing.
    pub(crate) fn follow_order(&self, promises: &Promises, order: &Order, now: Timestamp) -> Result<(), PlatformError> {
        let id = order.id();
        let status = order.status();
        if !matches!(
            status,
            OrderStatus::Confirmed | OrderStatus::Preparing | OrderStatus::ReadyForPickup | OrderStatus::PickedUp
        ) {
            self.close(id);
            return Ok(());
        }
        if !self.state().open.contains_key(&id) {
            self.admit(promises, order, now)?;
        }
        let mut d = self.state();
        let d = &mut *d;
        if let (OrderStatus::ReadyForPickup, Some(ready)) = (status, order.times().ready_at)
            && let Some(open) = d.open.get_mut(&id)
        {
            open.job.ready_at = open.job.ready_at.min(ready);
        }
        let assignment = order.assignment();
        let held_by = d.book.courier_of(id);
        if held_by.is_some() && held_by != assignment.assigned_courier() {
            // Taken from its courier elsewhere: start the order afresh here.
            d.book.close(id);
            d.book.open(id);
        }
        // An offer this cache made that the store no longer has.
        if let Some(entry) = d.pool.get_mut(&id)
            && let Some((courier, _)) = entry.offer
            && assignment.offered_courier() != Some(courier)
        {
            entry.offer = None;
            if d.offers.get(&courier) == Some(&id) {
                d.offers.remove(&courier);
            }
        }
        match assignment {
            Assignment::Unassigned => d.enter_pool(id, now),
            Assignment::Offered { courier, expires_at } => {
                d.enter_pool(id, now);
                if let Some(entry) = d.pool.get_mut(&id) {
                    entry.offer = Some((courier, expires_at));
                }
                d.offers.insert(courier, id);
            }
            Assignment::Assigned { courier } => {
                d.pool.remove(&id);
                if d.book.courier_of(id).is_none() {
                    // The store decided, limit and all: this cache may still
                    // count an order that left the courier, until it follows
                    // that order's change too.
                    let _ = d.book.assign_decided(id, courier, now);
                    d.lower_room(courier, self.rules.batch_limit);
                }
                if status == OrderStatus::PickedUp {
                    let _ = d.book.picked_up(id, courier, now);
                    d.mark_picked_up(id);
                }
            }
        }
        Ok(())
    }

    /// Makes the couriers on shift those with a fix in `fresh`, each where
    /// last reported: one missing from it went off shift (or silent).
    pub(crate) fn follow_couriers(&self, fresh: &[CourierLocation]) {
        let mut d = self.state();
        let on_shift: FxHashSet<CourierId> = fresh.iter().map(|l| l.courier).collect();
        let gone: Vec<CourierId> = d.online.iter().filter(|c| !on_shift.contains(c)).copied().collect();
        for courier in gone {
            d.index.remove(courier);
            d.online.remove(&courier);
        }
        for fix in fresh {
            let moved = d
                .index
                .get(fix.courier)
                .is_none_or(|(place, _)| place.point() != fix.point);
            if moved {
                d.index.upsert(fix.courier, fix.point);
            }
            d.online.insert(fix.courier);
        }
        crate::telemetry::active_couriers(d.online.len());
    }
}
