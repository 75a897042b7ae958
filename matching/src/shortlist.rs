//! Which of a round's candidate pairs are worth pricing when couriers are
//! scarce.
//!
//! Each unit lists its nearest couriers with room. When waiting orders far
//! outnumber couriers with room (a rush short of couriers), thousands of
//! units list the same few couriers, and each pair costs a route search,
//! though a courier takes at most one unit a round. An over-listed courier
//! is priced only for the units nearest it (its own nearest-first list, as
//! long as a unit's) and for the units it is the nearest courier of, so no
//! order goes unpriced round after round because nearer ones keep coming.
//! Off the peak no courier is listed that often and nothing is cut.

use std::cmp::Ordering;

use crate::Nearby;
use crate::round_couriers::RoundCouriers;

/// A unit's place in a courier's list: nearer first, then the earlier unit.
type Rank = (f64, usize);

fn by_rank(a: &Rank, b: &Rank) -> Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
}

/// The furthest unit each over-listed courier is priced for.
#[derive(Debug, Default)]
pub(crate) struct Shortlist {
    /// Slot to the rank of the last unit its courier is priced for; `None`
    /// for couriers listed by no more units than the cap (all admitted).
    /// Empty when no courier is over-listed.
    last_admitted: Vec<Option<Rank>>,
}

impl Shortlist {
    /// From each unit's candidates (indexed by unit, nearest first) and
    /// their couriers' slots, ranking at most `cap` units per courier,
    /// nearest first (ties to the earlier unit).
    pub(crate) fn new(lists: &[Vec<Nearby>], couriers: &RoundCouriers, cap: usize) -> Self {
        let cap = cap.max(1);
        let over = |slot: u32| couriers.listed(slot) > cap;
        if !(0..couriers.len() as u32).any(over) {
            return Shortlist::default();
        }
        let mut ranks: Vec<Vec<Rank>> = vec![Vec::new(); couriers.len()];
        for (unit, list) in lists.iter().enumerate() {
            for (n, &slot) in list.iter().zip(couriers.slots(unit)) {
                if over(slot)
                    && let Some(units) = ranks.get_mut(slot as usize)
                {
                    units.push((n.distance_m, unit));
                }
            }
        }
        let last_admitted = ranks
            .into_iter()
            .map(|mut units| {
                // Only over-listed couriers have units here, more than `cap`.
                (units.len() > cap).then(|| *units.select_nth_unstable_by(cap - 1, by_rank).1)
            })
            .collect();
        Shortlist { last_admitted }
    }

    /// Whether `n`, whose courier is in `slot`, at `place` in unit `unit`'s
    /// list (0: its nearest), is to be priced.
    pub(crate) fn admits(&self, n: &Nearby, slot: u32, unit: usize, place: usize) -> bool {
        place == 0
            || self
                .last_admitted
                .get(slot as usize)
                .copied()
                .flatten()
                .is_none_or(|last| by_rank(&(n.distance_m, unit), &last) != Ordering::Greater)
    }
}

#[cfg(test)]
mod tests {
    use super::Shortlist;
    use crate::Nearby;
    use crate::round_couriers::RoundCouriers;
    use courier_core::{CourierId, GeoPoint, Place};
    use proptest::prelude::*;

    /// Whether each unit's candidates are priced, list by list.
    fn admitted(lists: &[Vec<Nearby>], cap: usize) -> Vec<Vec<bool>> {
        let couriers = RoundCouriers::number(lists);
        let shortlist = Shortlist::new(lists, &couriers, cap);
        lists
            .iter()
            .enumerate()
            .map(|(unit, list)| {
                list.iter()
                    .zip(couriers.slots(unit))
                    .enumerate()
                    .map(|(place, (n, &slot))| shortlist.admits(n, slot, unit, place))
                    .collect()
            })
            .collect()
    }

    fn near(courier: u64, distance_m: f64) -> Nearby {
        let at = Place::resolve(GeoPoint::new(52.37, 4.90).unwrap(), 9).unwrap();
        Nearby {
            courier: CourierId::new(courier),
            distance_m,
            at,
        }
    }

    #[test]
    fn a_courier_listed_by_no_more_units_than_the_cap_is_priced_for_all() {
        let lists = vec![
            vec![near(2, 50.0), near(1, 900.0)],
            vec![near(1, 100.0)],
            vec![near(2, 50.0)],
        ];
        assert!(admitted(&lists, 2).iter().flatten().all(|&priced| priced));
    }

    #[test]
    fn an_over_listed_courier_is_priced_for_its_nearest_units_and_those_it_is_nearest_to() {
        let lists = vec![
            vec![near(8, 10.0), near(7, 300.0)],
            vec![near(8, 5.0), near(7, 100.0)],
            vec![near(8, 20.0), near(7, 300.0)],
            vec![near(8, 1.0), near(7, 200.0)],
            vec![near(7, 400.0)],
        ];
        let priced = admitted(&lists, 3);
        // Courier 7: 100 m, 200 m and the first of the two at 300 m; and
        // the furthest of all, as its unit's nearest courier.
        let seven: Vec<bool> = priced.iter().map(|list| *list.last().unwrap()).collect();
        assert_eq!(seven, vec![true, true, false, true, true]);
        // Courier 8, listed by four units with three priced, is nearest to all four.
        assert!(priced.iter().take(4).all(|list| list[0]));
    }

    proptest! {
        /// A courier is priced for a unit exactly when it is the unit's
        /// nearest or the unit is among the `cap` nearest (ties to the
        /// earlier unit) of those listing it.
        #[test]
        fn a_courier_is_priced_for_its_nearest_units_up_to_the_cap(
            lists in prop::collection::vec(
                prop::collection::btree_map(0u64..6, 0u32..2_000, 0..6),
                0..40,
            ),
            cap in 1usize..8,
        ) {
            let lists: Vec<Vec<Nearby>> = lists
                .iter()
                .map(|list| {
                    let mut list: Vec<Nearby> = list.iter().map(|(&c, &d)| near(c, f64::from(d))).collect();
                    list.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
                    list
                })
                .collect();
            let priced = admitted(&lists, cap);
            for courier in (0u64..6).map(CourierId::new) {
                let mut listing: Vec<(f64, usize)> = lists
                    .iter()
                    .enumerate()
                    .flat_map(|(unit, list)| list.iter().filter(|n| n.courier == courier).map(move |n| (n.distance_m, unit)))
                    .collect();
                listing.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let nearest_units = listing.get(..cap).unwrap_or(&listing).to_vec();
                for (unit, list) in lists.iter().enumerate() {
                    for (place, n) in list.iter().enumerate().filter(|(_, n)| n.courier == courier) {
                        let expected = place == 0 || nearest_units.contains(&(n.distance_m, unit));
                        prop_assert_eq!(priced[unit][place], expected, "unit {} place {}", unit, place);
                    }
                }
            }
        }
    }
}
