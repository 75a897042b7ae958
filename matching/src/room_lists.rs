//! Which buckets hold a courier with room, per room level.
//!
//! When nearly every courier is busy (a rush with too few couriers, or an
//! order whose search has widened to the whole city), a nearest query that
//! walks the cells around it ring by ring reads hundreds of cells to find the
//! few with anyone free. These lists let it visit just those buckets instead.

use crate::geo_index::MAX_ROOM;

/// Not in a list.
const ABSENT: u32 = u32::MAX;

/// For each room level 1..=MAX_ROOM, the buckets with at least one courier
/// with that much room or more, in no particular order, and where each
/// bucket sits in each list (so that leaving one is a swap, not a search).
#[derive(Debug, Clone, Default)]
pub(crate) struct RoomLists {
    lists: [Vec<u32>; MAX_ROOM as usize],
    at: Vec<[u32; MAX_ROOM as usize]>,
}

impl RoomLists {
    /// The buckets with a courier with room for at least `min_room` (1..=MAX_ROOM).
    pub(crate) fn with_room(&self, min_room: u8) -> &[u32] {
        match usize::from(min_room).checked_sub(1).and_then(|i| self.lists.get(i)) {
            Some(list) => list,
            None => &[],
        }
    }

    /// Brings bucket `b` in or out of each list after its room counts
    /// changed; `has_room(n)` says whether it now holds a courier with room
    /// for at least `n` orders.
    pub(crate) fn sync(&mut self, b: u32, has_room: impl Fn(u8) -> bool) {
        let i = b as usize;
        if self.at.len() <= i {
            self.at.resize(i + 1, [ABSENT; MAX_ROOM as usize]);
        }
        for room in 1..=MAX_ROOM {
            let (wanted, level) = (has_room(room), usize::from(room));
            let pos = self.at.get(i).map_or(ABSENT, |a| a[level - 1]);
            let Some(list) = self.lists.get_mut(level - 1) else {
                continue;
            };
            if wanted && pos == ABSENT {
                let p = list.len() as u32;
                list.push(b);
                self.set(b, level, p);
            } else if !wanted && pos != ABSENT {
                let p = pos as usize;
                if p < list.len() {
                    list.swap_remove(p);
                }
                // The last bucket now sits where `b` was.
                if let Some(moved) = list.get(p).copied() {
                    self.set(moved, level, pos);
                }
                self.set(b, level, ABSENT);
            }
        }
    }

    fn set(&mut self, b: u32, level: usize, pos: u32) {
        if let Some(slot) = self.at.get_mut(b as usize).and_then(|a| a.get_mut(level - 1)) {
            *slot = pos;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bucket's couriers per room level (index = room), as the index counts them.
    fn sync(lists: &mut RoomLists, b: u32, rooms: [u32; MAX_ROOM as usize + 1]) {
        lists.sync(b, |min_room| rooms.iter().skip(usize::from(min_room)).any(|&n| n > 0));
    }

    fn sorted(lists: &RoomLists, level: u8) -> Vec<u32> {
        let mut v = lists.with_room(level).to_vec();
        v.sort_unstable();
        v
    }

    #[test]
    fn buckets_join_and_leave_each_level() {
        let mut lists = RoomLists::default();
        sync(&mut lists, 4, [0, 0, 0, 1]);
        sync(&mut lists, 1, [0, 1, 0, 0]);
        sync(&mut lists, 7, [5, 0, 2, 0]);
        assert_eq!(sorted(&lists, 1), vec![1, 4, 7]);
        assert_eq!(sorted(&lists, 2), vec![4, 7]);
        assert_eq!(sorted(&lists, 3), vec![4]);
        // Bucket 4 leaves every list; the bucket swapped into its place
        // must still be found where the lists say it is.
        sync(&mut lists, 4, [1, 0, 0, 0]);
        assert_eq!(sorted(&lists, 1), vec![1, 7]);
        sync(&mut lists, 7, [0, 0, 0, 0]);
        sync(&mut lists, 1, [0, 0, 0, 0]);
        assert!(lists.with_room(1).is_empty());
        assert!(lists.with_room(2).is_empty() && lists.with_room(3).is_empty());
        assert!(lists.with_room(0).is_empty() && lists.with_room(9).is_empty());
    }
}
