//! Every placed order's track for `orders.csv`, kept in placement order.

use courier_core::OrderId;
use rustc_hash::FxHashMap;

use crate::report::OrderTrack;

/// The tracks in one vector, in the order they were placed, found by id
/// through a map of row numbers: the run's output takes the vector as it is
/// (a hash map of tracks would have to be copied out in order at the end,
/// doubling the largest structure of a big run at its peak).
#[derive(Debug, Default)]
pub(crate) struct Tracks {
    rows: Vec<OrderTrack>,
    row_of: FxHashMap<OrderId, usize>,
}

impl Tracks {
    /// No tracks, with room for about `expected` of them where memory
    /// allows: at a million orders the vector is the largest of the run,
    /// and growing it copies it whole, into memory touched for the first time.
    pub(crate) fn with_room_for(expected: usize) -> Tracks {
        let mut tracks = Tracks::default();
        // Only a hint: a reservation refused leaves the tracks to grow.
        let _ = tracks.rows.try_reserve(expected);
        let _ = tracks.row_of.try_reserve(expected);
        tracks
    }

    /// Adds a track, or replaces the one with its id where it stands.
    pub(crate) fn insert(&mut self, track: OrderTrack) {
        match self.row_of.get(&track.id).and_then(|&row| self.rows.get_mut(row)) {
            Some(existing) => *existing = track,
            None => {
                self.row_of.insert(track.id, self.rows.len());
                self.rows.push(track);
            }
        }
    }

    /// The track of `order`.
    pub(crate) fn get(&self, order: &OrderId) -> Option<&OrderTrack> {
        self.rows.get(*self.row_of.get(order)?)
    }

    /// The track of `order`, to update.
    pub(crate) fn get_mut(&mut self, order: &OrderId) -> Option<&mut OrderTrack> {
        self.rows.get_mut(*self.row_of.get(order)?)
    }

    /// Every track, in placement order.
    pub(crate) fn into_rows(self) -> Vec<OrderTrack> {
        self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::OrderTrack;

    fn track(id: u64, courier_pay: i64) -> OrderTrack {
        OrderTrack {
            courier_pay,
            ..OrderTrack::for_tests(OrderId::new(id))
        }
    }

    #[test]
    fn tracks_keep_placement_order_and_replace_in_place() {
        let mut tracks = Tracks::default();
        for id in [5, 2, 9] {
            tracks.insert(track(id, 0));
        }
        tracks.insert(track(2, 7));
        assert_eq!(tracks.get(&OrderId::new(2)).map(|t| t.courier_pay), Some(7));
        assert!(tracks.get(&OrderId::new(3)).is_none());
        if let Some(t) = tracks.get_mut(&OrderId::new(9)) {
            t.courier_pay = 4;
        }
        let rows: Vec<(u64, i64)> = tracks.into_rows().iter().map(|t| (t.id.get(), t.courier_pay)).collect();
        assert_eq!(rows, vec![(5, 0), (2, 7), (9, 4)]);
    }
}
