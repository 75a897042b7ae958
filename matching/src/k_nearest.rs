//! The k nearest couriers a query has found so far, and their ranking.

use std::collections::BinaryHeap;

use courier_core::CourierId;

/// A courier a query may return, where to find it, and its rank.
/// Candidates compare by rank alone: a courier is one entry, so equal
/// ranks mean the same entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    /// The squared chord's bits (which rank as the chord does, chords never
    /// being negative) above the courier id (breaking ties): one integer
    /// comparison ranks two candidates, and a courier has one rank.
    rank: u128,
    /// The bucket holding the courier.
    pub(crate) bucket: u32,
    /// The courier's entry in that bucket.
    pub(crate) entry: u32,
}

impl Candidate {
    /// A courier at `squared_chord` from the query, filed at `entry` of
    /// `bucket`.
    pub(crate) fn new(squared_chord: f64, courier: CourierId, bucket: u32, entry: u32) -> Candidate {
        Candidate {
            rank: (u128::from(squared_chord.to_bits()) << 64) | u128::from(courier.get()),
            bucket,
            entry,
        }
    }

    /// The squared chord (radius 1) from the query point.
    pub(crate) fn squared_chord(&self) -> f64 {
        f64::from_bits((self.rank >> 64) as u64)
    }

    /// The courier.
    pub(crate) fn courier(&self) -> CourierId {
        CourierId::new(self.rank as u64)
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.rank == other.rank
    }
}

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank.cmp(&other.rank)
    }
}

/// At most `k` candidates, the farthest on top of a max-heap while
/// gathering: a candidate either beats the top or is out, in a few
/// comparisons of plain integers.
#[derive(Debug)]
pub(crate) struct KNearest {
    k: usize,
    heap: BinaryHeap<Candidate>,
}

impl KNearest {
    /// An empty set of at most `k`, gathering into `buffer`'s allocation.
    pub(crate) fn new(k: usize, mut buffer: Vec<Candidate>) -> KNearest {
        buffer.clear();
        KNearest {
            k,
            heap: BinaryHeap::from(buffer),
        }
    }

    /// How many have been kept.
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// The squared chord nothing farther can beat: the k-th's once there
    /// are k.
    #[inline]
    pub(crate) fn limit(&self) -> Option<f64> {
        if self.heap.len() < self.k {
            return None;
        }
        self.heap.peek().map(Candidate::squared_chord)
    }

    /// Keeps `candidate` if fewer than k are kept or it ranks before the
    /// k-th (which then drops out).
    #[inline]
    pub(crate) fn offer(&mut self, candidate: Candidate) {
        if self.heap.len() < self.k {
            self.heap.push(candidate);
        } else if let Some(mut top) = self.heap.peek_mut()
            && candidate.rank < top.rank
        {
            *top = candidate;
        }
    }

    /// The kept candidates, nearest first (their buffer goes back to the
    /// caller for the next query).
    pub(crate) fn into_ranked(self) -> Vec<Candidate> {
        let mut v = self.heap.into_vec();
        // A max-heap's array read backwards is nearly ascending, so an
        // insertion sort of it shifts little: on the nearest-20 bench this
        // costs about 730 instructions a query, `into_sorted_vec` 2,000.
        v.reverse();
        for i in 1..v.len() {
            let c = v[i];
            let mut at = i;
            while at > 0 {
                let before = v[at - 1];
                if before.rank <= c.rank {
                    break;
                }
                v[at] = before;
                at -= 1;
            }
            v[at] = c;
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The kept set is the k lowest ranks offered, in order, whatever
        /// order they came in.
        #[test]
        fn keeps_the_k_lowest_in_order(
            chords in proptest::collection::vec(0u32..50, 0..80),
            k in 0usize..25,
        ) {
            let offered: Vec<Candidate> = chords
                .iter()
                .enumerate()
                .map(|(i, &c)| Candidate::new(f64::from(c) * 1e-6, CourierId::new(i as u64), 0, i as u32))
                .collect();
            let mut kept = KNearest::new(k, Vec::new());
            for &c in &offered {
                kept.offer(c);
            }
            let mut expected = offered.clone();
            expected.sort_by_key(|c| c.rank);
            expected.truncate(k);
            let limit = if expected.len() == k { expected.last().map(Candidate::squared_chord) } else { None };
            prop_assert_eq!(kept.limit(), limit);
            prop_assert_eq!(kept.into_ranked(), expected);
        }
    }
}
