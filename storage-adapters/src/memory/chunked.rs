//! An append-only list kept in fixed-size chunks, so that growing it never
//! moves what it already holds.
//!
//! A `Vec` that doubles copies everything it holds at each doubling and, for
//! that moment, holds the old and the new allocation at once: for the nine
//! million audit lines and million order rows of a million-order simulated
//! day that was a measurable share of the run's time (the copies, and the
//! kernel zeroing pages twice) and of its peak memory.

use std::ops::{Index, IndexMut};

/// Elements in push order, addressed by their position from 0.
///
/// A full chunk holds `2^BITS` elements (a power of two, so an index splits
/// with a shift and a mask); 2^16 makes a chunk 2 MB of audit lines or
/// 12 MB of order rows, a small slack at the end of the list.
#[derive(Debug)]
pub(super) struct Chunked<T, const BITS: u32 = 16> {
    /// Every chunk but the last holds exactly `2^BITS` elements.
    chunks: Vec<Vec<T>>,
}

impl<T, const BITS: u32> Default for Chunked<T, BITS> {
    fn default() -> Self {
        Self { chunks: Vec::new() }
    }
}

impl<T, const BITS: u32> Chunked<T, BITS> {
    const CHUNK_LEN: usize = 1 << BITS;

    /// How many elements have been pushed.
    pub(super) fn len(&self) -> usize {
        self.chunks
            .last()
            .map_or(0, |last| (self.chunks.len() - 1) * Self::CHUNK_LEN + last.len())
    }

    /// Appends `value` at position `len()`.
    pub(super) fn push(&mut self, value: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < Self::CHUNK_LEN => last.push(value),
            _ => {
                // The first chunk grows as a `Vec` does, so a small store stays
                // small; later ones are taken whole and never reallocated.
                let mut chunk = if self.chunks.is_empty() {
                    Vec::new()
                } else {
                    Vec::with_capacity(Self::CHUNK_LEN)
                };
                chunk.push(value);
                self.chunks.push(chunk);
            }
        }
    }

    /// The element at `index`, if one was pushed there.
    pub(super) fn get(&self, index: usize) -> Option<&T> {
        self.chunks.get(index >> BITS)?.get(index & (Self::CHUNK_LEN - 1))
    }

    /// Every element, in push order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }
}

/// Reads position `index`, panicking past the end as a slice does: for
/// positions the store itself recorded.
impl<T, const BITS: u32> Index<usize> for Chunked<T, BITS> {
    type Output = T;

    fn index(&self, index: usize) -> &T {
        &self.chunks[index >> BITS][index & (Self::CHUNK_LEN - 1)]
    }
}

impl<T, const BITS: u32> IndexMut<usize> for Chunked<T, BITS> {
    fn index_mut(&mut self, index: usize) -> &mut T {
        &mut self.chunks[index >> BITS][index & (Self::CHUNK_LEN - 1)]
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    #[should_panic]
    fn indexing_past_the_end_panics_as_a_slice_does() {
        let mut list = Chunked::<u8, 2>::default();
        list.push(1);
        let _ = list[1];
    }

    #[test]
    fn an_empty_list_has_nothing_anywhere() {
        let list = Chunked::<u8>::default();
        assert_eq!(list.len(), 0);
        assert_eq!(list.get(0), None);
        assert_eq!(list.iter().count(), 0);
    }

    #[test]
    fn positions_across_chunk_boundaries_hold_what_was_pushed_there() {
        const CHUNK_LEN: usize = Chunked::<usize>::CHUNK_LEN;
        let mut list = Chunked::<usize>::default();
        let n = 2 * CHUNK_LEN + 3;
        for i in 0..n {
            list.push(i);
        }
        assert_eq!(list.len(), n);
        for i in [0, CHUNK_LEN - 1, CHUNK_LEN, 2 * CHUNK_LEN, n - 1] {
            assert_eq!(list.get(i), Some(&i));
        }
        assert_eq!(list.get(n), None);
        assert!(list.iter().copied().eq(0..n));
        list[CHUNK_LEN] = 7;
        assert_eq!(list[CHUNK_LEN], 7);
        assert_eq!(list[n - 1], n - 1);
    }

    proptest! {
        /// The list answers every read exactly as a `Vec` given the same pushes.
        #[test]
        fn reads_match_a_vec(values in proptest::collection::vec(any::<u16>(), 0..40), probes in proptest::collection::vec(0usize..50, 0..20)) {
            // Chunks of four elements: a few pushes cross several boundaries.
            let mut list = Chunked::<u16, 2>::default();
            for &v in &values {
                list.push(v);
            }
            prop_assert_eq!(list.len(), values.len());
            for i in probes {
                prop_assert_eq!(list.get(i), values.get(i));
            }
            prop_assert!(list.iter().eq(values.iter()));
        }
    }
}
