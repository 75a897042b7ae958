//! What dispatch keeps in memory: the courier index with each courier's
//! room, the book of who carries what, the orders open in dispatch and the
//! pool of those waiting, open offers, couriers online, arrivals seen and
//! each kitchen's load. All of it is a cache of the store, rebuilt by
//! recovery.

use std::collections::BTreeMap;

use courier_core::{CourierId, CustomerId, GeoPoint, OrderId, Place, RestaurantId, Timestamp};
use courier_matching::{DispatchBook, GeoIndex, Job, OfferCascade, ReleaseMemo};
use rustc_hash::{FxHashMap, FxHashSet};

use super::Stop;
use crate::error::PlatformError;

/// An order between acceptance and delivery, as dispatch sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct OpenOrder {
    /// Where from, where to, when ready, when promised.
    pub job: Job,
    /// Who ordered.
    pub customer: CustomerId,
    /// Who cooks.
    pub restaurant: RestaurantId,
    /// When it entered dispatch (the restaurant accepted it).
    pub entered: Timestamp,
}

/// An order waiting for a courier.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PoolEntry {
    /// When it entered the pool (for the match-duration metric).
    pub since: Timestamp,
    /// The cascade's progress (cascade policy only).
    pub cascade: Option<OfferCascade>,
    /// The offer out, mirroring the stored assignment.
    pub offer: Option<(CourierId, Timestamp)>,
}

/// The dispatch cache: fast to ask during a round, never the record.
pub(crate) struct DispatchState {
    /// Online couriers' positions, with their room for more orders.
    pub index: GeoIndex,
    /// The index's H3 resolution.
    pub resolution: u8,
    /// Who carries what.
    pub book: DispatchBook,
    /// Orders between acceptance and delivery.
    pub open: FxHashMap<OrderId, OpenOrder>,
    /// Orders waiting for a courier, in id order.
    pub pool: BTreeMap<OrderId, PoolEntry>,
    /// The open offer of each courier who has one.
    pub offers: FxHashMap<CourierId, OrderId>,
    /// Asked whether a courier is online, never walked: hashed.
    pub online: FxHashSet<CourierId>,
    /// Stops whose geofence a courier has entered, per order.
    pub arrived: FxHashSet<(OrderId, Stop)>,
    /// Couriers whose room in the index was last set below the batch
    /// limit, with that room and the refresh that last saw them holding.
    pub lowered_room: FxHashMap<CourierId, (u8, u32)>,
    /// How many times rooms were refreshed (wrapping): the mark above.
    pub room_refreshes: u32,
    /// Open orders not yet picked up, per restaurant (the kitchen's load,
    /// which preparation estimates read at every acceptance).
    kitchen_load: FxHashMap<RestaurantId, u32>,
    /// Who held each waiting order back in the last batch round, one memo
    /// per pass (fresh orders, then those waiting long).
    pub release_memos: [ReleaseMemo; 2],
    /// Restaurants' places by point: restaurants do not move often, and
    /// finding a point's H3 cell is the larger part of admitting an order.
    pickups: FxHashMap<(u64, u64), Place>,
}

/// Pickup places kept at most (a city's restaurants, with room to spare).
const PICKUPS_MAX: usize = 100_000;

impl DispatchState {
    pub(crate) fn new(index_resolution: u8, batch_limit: usize) -> Result<DispatchState, PlatformError> {
        let resolution = h3o::Resolution::try_from(index_resolution)
            .map_err(|_| PlatformError::invalid("index_resolution", format!("{index_resolution} is not 0..=15")))?;
        Ok(DispatchState {
            index: GeoIndex::new(resolution),
            resolution: index_resolution,
            book: DispatchBook::new(batch_limit),
            open: FxHashMap::default(),
            pool: BTreeMap::new(),
            offers: FxHashMap::default(),
            online: FxHashSet::default(),
            arrived: FxHashSet::default(),
            lowered_room: FxHashMap::default(),
            room_refreshes: 0,
            kitchen_load: FxHashMap::default(),
            release_memos: Default::default(),
            pickups: FxHashMap::default(),
        })
    }

    /// Brings every online courier's room in the index in line with its
    /// load, for a batch round.
    ///
    /// The index's room levels let a search skip cells of couriers who are
    /// full. Only couriers holding orders have less than the limit, so only
    /// they are visited, not the whole fleet; a level is written only when it
    /// changed, and couriers who no longer hold anything get the limit back.
    pub(crate) fn refresh_rooms(&mut self, limit: usize) {
        let full_room = room_left(limit, 0);
        // Marked in place rather than gathered into a new map: most couriers
        // holding work held it last round too, at the same room.
        self.room_refreshes = self.room_refreshes.wrapping_add(1);
        let refresh = self.room_refreshes;
        for (courier, held) in self.book.holding() {
            if !self.online.contains(&courier) {
                continue;
            }
            let room = room_left(limit, held.len());
            let (set, seen) = self.lowered_room.entry(courier).or_insert((full_room, refresh));
            if *set != room {
                self.index.set_room(courier, room);
                *set = room;
            }
            *seen = refresh;
        }
        let index = &mut self.index;
        self.lowered_room.retain(|&courier, &mut (_, seen)| {
            let holding = seen == refresh;
            if !holding {
                index.set_room(courier, full_room);
            }
            holding
        });
    }

    /// Lowers the room of `courier`, just given an order, to match its load.
    pub(crate) fn lower_room(&mut self, courier: CourierId, limit: usize) {
        if !self.online.contains(&courier) {
            return;
        }
        let room = room_left(limit, self.book.load(courier));
        let before = self.lowered_room.insert(courier, (room, self.room_refreshes));
        if before.map(|(set, _)| set) != Some(room) {
            self.index.set_room(courier, room);
        }
    }

    /// Opens (or replaces) an order in dispatch.
    pub(crate) fn open_order(&mut self, id: OrderId, open: OpenOrder) {
        if let Some(old) = self.open.insert(id, open) {
            self.leave_kitchen(&old);
        }
        if !open.job.picked_up {
            *self.kitchen_load.entry(open.restaurant).or_default() += 1;
        }
    }

    /// The courier has the food: the order leaves its kitchen's load.
    pub(crate) fn mark_picked_up(&mut self, id: OrderId) {
        if let Some(open) = self.open.get_mut(&id)
            && !open.job.picked_up
        {
            let waiting = *open;
            open.job.picked_up = true;
            self.leave_kitchen(&waiting);
        }
    }

    /// Orders of `restaurant` open and not yet picked up.
    pub(crate) fn kitchen_load(&self, restaurant: RestaurantId) -> u32 {
        self.kitchen_load.get(&restaurant).copied().unwrap_or(0)
    }

    /// The kept kitchen loads equal a count over the open orders.
    pub(crate) fn check_kitchen_load(&self) -> Result<(), String> {
        let mut counted: FxHashMap<RestaurantId, u32> =
            FxHashMap::with_capacity_and_hasher(self.kitchen_load.len(), Default::default());
        for open in self.open.values().filter(|o| !o.job.picked_up) {
            *counted.entry(open.restaurant).or_default() += 1;
        }
        if counted == self.kitchen_load {
            Ok(())
        } else {
            Err(format!(
                "kitchen loads {:?} differ from the open orders' {counted:?}",
                self.kitchen_load
            ))
        }
    }

    fn leave_kitchen(&mut self, open: &OpenOrder) {
        if open.job.picked_up {
            return;
        }
        if let Some(n) = self.kitchen_load.get_mut(&open.restaurant) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.kitchen_load.remove(&open.restaurant);
            }
        }
    }

    pub(crate) fn place(&self, point: GeoPoint) -> Result<Place, PlatformError> {
        Place::resolve(point, self.resolution).map_err(|e| PlatformError::invalid("location", e.to_string()))
    }

    /// [`DispatchState::place`] of a restaurant, resolved once per point.
    pub(crate) fn pickup_place(&mut self, point: GeoPoint) -> Result<Place, PlatformError> {
        let key = (point.lat().to_bits(), point.lng().to_bits());
        if let Some(&place) = self.pickups.get(&key) {
            return Ok(place);
        }
        let place = self.place(point)?;
        if self.pickups.len() >= PICKUPS_MAX {
            self.pickups.clear();
        }
        self.pickups.insert(key, place);
        Ok(place)
    }

    /// Puts an order (back) into the pool.
    pub(crate) fn enter_pool(&mut self, order: OrderId, now: Timestamp) {
        self.pool.entry(order).or_insert(PoolEntry {
            since: now,
            cascade: None,
            offer: None,
        });
    }

    /// Forgets a finished order.
    pub(crate) fn close(&mut self, order: OrderId) {
        self.book.close(order);
        if let Some(open) = self.open.remove(&order) {
            self.leave_kitchen(&open);
        }
        if let Some(entry) = self.pool.remove(&order)
            && let Some((courier, _)) = entry.offer
        {
            self.offers.remove(&courier);
        }
        self.arrived.remove(&(order, Stop::Restaurant));
        self.arrived.remove(&(order, Stop::Door));
    }
}

/// Orders a courier holding `load` can still take under `limit`, as the
/// geo index counts room (which caps it further).
pub(crate) fn room_left(limit: usize, load: usize) -> u8 {
    u8::try_from(limit.saturating_sub(load)).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_follow_loads_and_come_back_when_work_is_done() {
        let limit = 2;
        let mut d = DispatchState::new(8, limit).unwrap();
        let (c1, c2) = (CourierId::new(1), CourierId::new(2));
        for c in [c1, c2] {
            d.index.upsert(c, GeoPoint::new(40.75, -73.99).unwrap());
            d.online.insert(c);
        }
        let room = |d: &DispatchState, c| d.index.room_of(c).map(|(_, room)| room);
        let (o1, o2) = (OrderId::new(1), OrderId::new(2));
        for o in [o1, o2] {
            d.book.open(o);
        }
        let idle = room(&d, c2);
        d.book.assign(o1, c1, Timestamp::EPOCH).unwrap();
        d.refresh_rooms(limit);
        // Only couriers holding work are touched.
        assert_eq!((room(&d, c1), room(&d, c2)), (Some(1), idle));
        // An assignment within the round lowers the room at once.
        d.book.assign(o2, c1, Timestamp::EPOCH).unwrap();
        d.lower_room(c1, limit);
        assert_eq!(room(&d, c1), Some(0));
        // Work finished between rounds: the next refresh gives room back.
        d.book.close(o1);
        d.refresh_rooms(limit);
        assert_eq!(room(&d, c1), Some(1));
        d.book.close(o2);
        d.refresh_rooms(limit);
        assert_eq!(room(&d, c1), Some(2));
        assert!(d.lowered_room.is_empty());
    }
}
