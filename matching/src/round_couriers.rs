//! Dense numbers for the couriers one batch round meets.
//!
//! A courier near a busy restaurant is listed by many units in a round.
//! Numbering each courier once, as the lists are read, lets the round keep
//! what it learns per courier (how many units list it, what it holds, its
//! column in the assignment) in arrays instead of asking a map per listing.

use courier_core::CourierId;
use rustc_hash::FxHashMap;

use crate::Nearby;

/// Couriers by slot, in the order first met, and every listing's slot.
#[derive(Debug, Default)]
pub(crate) struct RoundCouriers {
    /// Slot to courier.
    ids: Vec<CourierId>,
    /// Slot to how many units list the courier.
    listed: Vec<usize>,
    /// Each listing's slot, unit after unit.
    slots: Vec<u32>,
    /// Unit to where its listings start in `slots` (one more, at the end).
    starts: Vec<usize>,
}

impl RoundCouriers {
    /// Numbers the couriers in `lists` (one list of candidates per unit).
    pub(crate) fn number(lists: &[Vec<Nearby>]) -> Self {
        let mut slot_of: FxHashMap<CourierId, u32> = FxHashMap::default();
        let mut round = RoundCouriers {
            slots: Vec::with_capacity(lists.iter().map(Vec::len).sum()),
            starts: Vec::with_capacity(lists.len() + 1),
            ..RoundCouriers::default()
        };
        for list in lists {
            round.starts.push(round.slots.len());
            for n in list {
                let slot = *slot_of.entry(n.courier).or_insert_with(|| {
                    round.ids.push(n.courier);
                    round.listed.push(0);
                    (round.ids.len() - 1) as u32
                });
                if let Some(count) = round.listed.get_mut(slot as usize) {
                    *count += 1;
                }
                round.slots.push(slot);
            }
        }
        round.starts.push(round.slots.len());
        round
    }

    /// How many couriers were met.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The courier in `slot`.
    pub(crate) fn id(&self, slot: u32) -> Option<CourierId> {
        self.ids.get(slot as usize).copied()
    }

    /// How many units list the courier in `slot`.
    pub(crate) fn listed(&self, slot: u32) -> usize {
        self.listed.get(slot as usize).copied().unwrap_or(0)
    }

    /// The slots of `unit`'s candidates, in its list's order.
    pub(crate) fn slots(&self, unit: usize) -> &[u32] {
        match (self.starts.get(unit), self.starts.get(unit + 1)) {
            (Some(&start), Some(&end)) => self.slots.get(start..end).unwrap_or_default(),
            _ => &[],
        }
    }
}
