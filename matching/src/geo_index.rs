//! Courier positions bucketed by H3 cell: cheap updates, exact nearest-first queries.

use courier_core::{CourierId, GeoPoint, Place, Timestamp};
use h3o::{CellIndex, LatLng, Resolution};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::cell_geometry::{CellGeometry, chord, chord_of_arc, sin_of_arc, unit_vector};
use crate::k_nearest::{Candidate, KNearest};
use crate::room_lists::RoomLists;
use crate::square_grid::SquareGrid;

/// How many query cells keep their rings cached.
const MAX_CACHED_CENTRES: usize = 65_536;
/// Added to a query's reach before ruling a cell out by its edges: far more
/// than the floating-point error of H3's filing of points near an edge.
const EDGE_SLACK_M: f64 = 1.0;
/// A query never searches more rings than this (a safety stop; at resolution
/// 9 it is over 150 km).
const MAX_RINGS: u32 = 512;

/// A courier found by a nearby query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearby {
    /// The courier.
    pub courier: CourierId,
    /// Great-circle distance from the query point, metres.
    pub distance_m: f64,
    /// Where the courier is.
    pub at: Place,
}

/// One courier in a bucket.
#[derive(Debug, Clone, Copy)]
struct Entry {
    at: Place,
    courier: CourierId,
    /// Orders the courier can still take (0: unavailable), capped at
    /// [`MAX_ROOM`].
    room: u8,
}

/// Room levels tracked per bucket: a unit of up to this many orders can ask
/// for couriers with room for all of it.
pub const MAX_ROOM: u8 = 3;

/// Where a courier is filed: small, so that the map of slots, read at
/// random by every update, stays as compact as it can.
#[derive(Debug, Clone, Copy)]
struct Slot {
    bucket: u32,
    index: u32,
    /// When the position was reported, if the caller said
    /// ([`GeoIndex::upsert_reported`]): kept here, beside what an update
    /// reads anyway, so that a store of latest fixes needs no map of its own.
    reported: Option<Timestamp>,
}

/// Couriers kept inline in a bucket: a resolution-9 cell of a dense city
/// holds about a dozen, so reading a bucket is one contiguous read.
const INLINE_ENTRIES: usize = 12;

/// The couriers of one cell.
#[derive(Debug, Clone)]
struct Bucket {
    cell: CellIndex,
    entries: SmallVec<[Entry; INLINE_ENTRIES]>,
    /// Entries per room level (index = room, 0..=MAX_ROOM): a query for
    /// couriers with room for `n` skips a bucket with none at `n` or above
    /// without reading its entries, which is what keeps a search for an
    /// idle courier cheap when nearly everyone is busy.
    rooms: [u32; MAX_ROOM as usize + 1],
}

impl Bucket {
    fn has_room(&self, min_room: u8) -> bool {
        self.with_room(min_room) > 0
    }

    /// Couriers here with room for at least `min_room` orders.
    fn with_room(&self, min_room: u8) -> u32 {
        self.rooms.iter().skip(usize::from(min_room)).sum()
    }

    fn count(&mut self, room: u8, delta: i32) {
        if let Some(n) = self.rooms.get_mut(usize::from(room.min(MAX_ROOM))) {
            *n = n.saturating_add_signed(delta);
        }
    }
}

/// The cells around a query cell, nearest first, computed once per cell.
#[derive(Debug, Clone, Default)]
struct Neighbourhood {
    /// Metres between the two cells' centres, bucket, ring and the cell's
    /// centre as a unit vector; ascending by distance.
    cells: Vec<(f64, u32, u32, [f64; 3])>,
    /// How many rings `cells` covers.
    rings: u32,
    /// Every point outside those rings is at least this far from the query
    /// cell's centre (infinite once the rings cover the globe).
    outside_m: f64,
    /// The largest circumradius of the cells listed: no point of a listed
    /// cell is farther than this from its centre.
    slack_m: f64,
}

/// The buffers a query gathers in, kept from one query to the next rather
/// than allocated afresh.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryScratch {
    /// The k nearest so far.
    heap: Vec<Candidate>,
    /// Where a query over the room lists orders its buckets.
    by_bound: Vec<(f64, u32)>,
}

/// What a query on a shared index could not do: list the cells around
/// `centre` out to `rings` rings, which only [`GeoIndex::list`] may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unlisted {
    centre: CellIndex,
    rings: u32,
}

/// Courier positions on H3 cells, answering "the k nearest available
/// couriers within r metres", nearest first, with exact distances.
///
/// Queries visit the cells around the query's cell nearest first and stop as
/// soon as no cell left can hold anything nearer than what was found (a bound
/// from each cell's circumscribed circle), so the answer is the same as a
/// linear scan's, across cell and pentagon boundaries. Where couriers are
/// dense, a query first searches only as far as its own cell's density says
/// the k nearest should be, and goes on to the full radius only if it found
/// fewer there. Distances are
/// great-circle arcs (the haversine distance); ties are broken by courier id,
/// so results are deterministic.
///
/// ```
/// use courier_core::{CourierId, GeoPoint};
/// use courier_matching::GeoIndex;
/// let mut index = GeoIndex::default();
/// let centre = GeoPoint::new(40.75, -73.99)?;
/// index.upsert(CourierId::new(1), centre.offset_m(300.0, 0.0)?);
/// index.upsert(CourierId::new(2), centre.offset_m(100.0, 0.0)?);
/// index.upsert(CourierId::new(3), centre.offset_m(9_000.0, 0.0)?);
/// index.set_available(CourierId::new(2), false);
/// let found = index.nearest(centre, 5_000.0, 10);
/// assert_eq!(found.iter().map(|n| n.courier.get()).collect::<Vec<_>>(), vec![1]);
/// # Ok::<(), courier_core::GeoError>(())
/// ```
#[derive(Debug, Clone)]
pub struct GeoIndex {
    resolution: Resolution,
    slots: FxHashMap<CourierId, Slot>,
    bucket_of: FxHashMap<CellIndex, u32>,
    /// Never shrinks: a city has a bounded number of cells, and stable bucket
    /// numbers let the ring cache skip the hash lookups.
    buckets: Vec<Bucket>,
    /// Each bucket's cell shape, apart so that scans stay in fewer cache lines.
    geometry: Vec<Option<CellGeometry>>,
    /// Each bucket's cell's centre (unit vector) and inscribed circle (as a
    /// chord), 32 bytes a bucket: an update that stays inside that circle
    /// costs one chord and no H3 call, and the array stays in cache.
    inner: Vec<([f64; 3], f64)>,
    /// Each bucket's neighbouring buckets, resolved the first time a courier
    /// leaves it.
    neighbours: Vec<Option<Box<[u32]>>>,
    /// Cells around a query cell, nearest first, grown on demand.
    rings: FxHashMap<CellIndex, Neighbourhood>,
    /// The buffers of queries through `&mut self`.
    scratch: QueryScratch,
    /// The buckets with a courier with room, per room level.
    room_lists: RoomLists,
    /// The bucket last found for each small square: a courier that jumps
    /// far is filed from it and the cell shapes, without H3.
    squares: SquareGrid,
}

impl Default for GeoIndex {
    /// Resolution 8 (cells of about 0.74 km²): in a dense city a nearest-20
    /// query reads a few contiguous buckets (see the crate's benches).
    fn default() -> Self {
        GeoIndex::new(Resolution::Eight)
    }
}

impl GeoIndex {
    /// An empty index bucketing at `resolution`.
    pub fn new(resolution: Resolution) -> GeoIndex {
        GeoIndex {
            resolution,
            slots: FxHashMap::default(),
            bucket_of: FxHashMap::default(),
            buckets: Vec::new(),
            geometry: Vec::new(),
            inner: Vec::new(),
            neighbours: Vec::new(),
            rings: FxHashMap::default(),
            scratch: Default::default(),
            room_lists: RoomLists::default(),
            squares: SquareGrid::new(resolution),
        }
    }

    /// The bucketing resolution.
    pub fn resolution(&self) -> Resolution {
        self.resolution
    }

    /// Couriers in the index.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True if no courier is indexed.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Places `courier` at `point`: inserted (available) if new, moved
    /// (keeping its availability) if known. Any report time held for it is
    /// cleared.
    pub fn upsert(&mut self, courier: CourierId, point: GeoPoint) {
        self.place(courier, point, None);
    }

    /// As [`GeoIndex::upsert`], for a position reported at `at`, unless the
    /// index holds a later report for `courier` (a late fix never
    /// overwrites a newer one; of two at the same time the second wins).
    /// Returns whether it was applied.
    ///
    /// ```
    /// use courier_core::{CourierId, GeoPoint, Timestamp};
    /// use courier_matching::GeoIndex;
    /// let mut index = GeoIndex::default();
    /// let (here, there) = (GeoPoint::new(40.75, -73.99)?, GeoPoint::new(40.76, -73.98)?);
    /// let courier = CourierId::new(7);
    /// assert!(index.upsert_reported(courier, there, Timestamp::from_millis(2_000)));
    /// assert!(!index.upsert_reported(courier, here, Timestamp::from_millis(1_000)));
    /// assert_eq!(index.get(courier).map(|(at, _)| at.point()), Some(there));
    /// assert_eq!(index.reported_at(courier), Some(Timestamp::from_millis(2_000)));
    /// # Ok::<(), courier_core::GeoError>(())
    /// ```
    pub fn upsert_reported(&mut self, courier: CourierId, point: GeoPoint, at: Timestamp) -> bool {
        self.place(courier, point, Some(at))
    }

    /// When `courier`'s position was reported, if it was placed by
    /// [`GeoIndex::upsert_reported`].
    pub fn reported_at(&self, courier: CourierId) -> Option<Timestamp> {
        self.slots.get(&courier)?.reported
    }

    /// Every courier placed with a report time, with that time, in no
    /// particular order.
    pub fn reports(&self) -> impl Iterator<Item = (CourierId, Timestamp)> + '_ {
        self.slots
            .iter()
            .filter_map(|(&courier, slot)| Some((courier, slot.reported?)))
    }

    fn place(&mut self, courier: CourierId, point: GeoPoint, reported: Option<Timestamp>) -> bool {
        let Some(held) = self.slots.get_mut(&courier) else {
            let xyz = unit_vector(point.lat().to_radians(), point.lng().to_radians());
            let bucket = self.locate(point, &xyz, None);
            let entry = Entry {
                at: Place::with_cell(point, self.cell_of_bucket(bucket)),
                courier,
                room: MAX_ROOM,
            };
            self.file(entry, reported);
            return true;
        };
        if held.reported.zip(reported).is_some_and(|(held, new)| held > new) {
            return false;
        }
        held.reported = reported;
        let slot = *held;
        // Most fixes land in the cell the courier was in, or a neighbour:
        // decide that with a few dot products before asking H3 (~0.5 µs).
        let at = Place::with_cell(point, self.cell_of_bucket(slot.bucket));
        let xyz = at.unit_vector();
        let inside = self
            .inner
            .get(slot.bucket as usize)
            .is_some_and(|(centre, inner_chord)| chord(&xyz, centre) < *inner_chord);
        if inside && self.update_entry(slot, |e| e.at = at) {
            return true;
        }
        let bucket = self.locate(point, &xyz, Some(slot.bucket));
        if bucket == slot.bucket && self.update_entry(slot, |e| e.at = at) {
            return true;
        }
        let at = at.in_cell(self.cell_of_bucket(bucket));
        let room = self.take(courier, slot).map_or(MAX_ROOM, |e| e.room);
        self.file(Entry { at, courier, room }, reported);
        true
    }

    /// The bucket whose cell holds `point` (unit vector `xyz`): the cell of
    /// `near` (where the courier was) or of the bucket last found for the
    /// point's square, or a neighbour of it, when their shapes say so for
    /// certain; H3 otherwise.
    fn locate(&mut self, point: GeoPoint, xyz: &[f64; 3], near: Option<u32>) -> u32 {
        for guess in [near, self.squares.get(point)].into_iter().flatten() {
            let found = match self.geometry_of(guess).and_then(|g| g.contains(xyz)) {
                Some(true) => Some(guess),
                Some(false) => self.neighbour_containing(guess, xyz),
                None => None,
            };
            if let Some(b) = found {
                return b;
            }
        }
        let b = self.bucket_for(self.cell_of(point));
        self.squares.remember(point, b);
        b
    }

    /// The neighbour of bucket `b`'s cell that surely contains `xyz`, if any.
    fn neighbour_containing(&mut self, b: u32, xyz: &[f64; 3]) -> Option<u32> {
        if self.neighbours.get(b as usize).is_none_or(Option::is_none) {
            let cell = self.cell_of_bucket(b);
            let list: Vec<u32> = cell
                .grid_disk::<Vec<_>>(1)
                .into_iter()
                .filter(|&c| c != cell)
                .map(|c| self.bucket_for(c))
                .collect();
            if let Some(slot) = self.neighbours.get_mut(b as usize) {
                *slot = Some(list.into_boxed_slice());
            }
        }
        let list = self.neighbours.get(b as usize)?.as_deref()?;
        list.iter()
            .copied()
            .find(|&nb| self.geometry_of(nb).and_then(|g| g.contains(xyz)) == Some(true))
    }

    fn geometry_of(&self, b: u32) -> Option<&CellGeometry> {
        self.geometry.get(b as usize)?.as_ref()
    }

    fn cell_of_bucket(&self, b: u32) -> CellIndex {
        match self.buckets.get(b as usize) {
            Some(bucket) => bucket.cell,
            None => unreachable!("bucket numbers come from the index itself"),
        }
    }

    /// Marks `courier` available (with room for [`MAX_ROOM`] orders) or not
    /// for queries. Returns false if unknown.
    pub fn set_available(&mut self, courier: CourierId, available: bool) -> bool {
        self.set_room(courier, if available { MAX_ROOM } else { 0 })
    }

    /// How many more orders `courier` can take (0: unavailable; capped at
    /// [`MAX_ROOM`]), for [`GeoIndex::nearest_with_room`]. Returns false if
    /// unknown.
    pub fn set_room(&mut self, courier: CourierId, room: u8) -> bool {
        let Some(slot) = self.slots.get(&courier).copied() else {
            return false;
        };
        let room = room.min(MAX_ROOM);
        let Some(bucket) = self.buckets.get_mut(slot.bucket as usize) else {
            return false;
        };
        let Some(e) = bucket.entries.get_mut(slot.index as usize) else {
            return false;
        };
        let before = std::mem::replace(&mut e.room, room);
        bucket.count(before, -1);
        bucket.count(room, 1);
        self.room_lists.sync(slot.bucket, |n| bucket.has_room(n));
        true
    }

    /// Removes `courier`. Returns false if it was not indexed.
    pub fn remove(&mut self, courier: CourierId) -> bool {
        match self.slots.get(&courier).copied() {
            Some(slot) => self.take(courier, slot).is_some(),
            None => false,
        }
    }

    /// Where `courier` is, and whether it is available.
    pub fn get(&self, courier: CourierId) -> Option<(Place, bool)> {
        self.room_of(courier).map(|(at, room)| (at, room > 0))
    }

    /// Where `courier` is and how many more orders it has room for (see
    /// [`GeoIndex::set_room`]; 0: unavailable).
    pub fn room_of(&self, courier: CourierId) -> Option<(Place, u8)> {
        let slot = self.slots.get(&courier)?;
        let e = self
            .buckets
            .get(slot.bucket as usize)?
            .entries
            .get(slot.index as usize)?;
        Some((e.at, e.room))
    }

    /// Every indexed courier with its place and availability, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (CourierId, Place, bool)> + '_ {
        self.buckets
            .iter()
            .flat_map(|b| b.entries.iter().map(|e| (e.courier, e.at, e.room > 0)))
    }

    /// The `k` nearest available couriers within `radius_m` of `point`,
    /// nearest first (ties by courier id).
    pub fn nearest(&mut self, point: GeoPoint, radius_m: f64, k: usize) -> Vec<Nearby> {
        let cell = self.cell_of(point);
        self.nearest_from(&Place::with_cell(point, cell), radius_m, k, |_| true)
    }

    /// As [`GeoIndex::nearest`], from a place whose cell is already known
    /// (restaurants resolve theirs once), keeping only couriers `keep`
    /// accepts (it may be asked about a courier more than once: a query
    /// that must first list the cells around the place starts again). The
    /// place's cell must contain its point, at this index's resolution or
    /// finer.
    pub fn nearest_from(
        &mut self,
        from: &Place,
        radius_m: f64,
        k: usize,
        keep: impl FnMut(CourierId) -> bool,
    ) -> Vec<Nearby> {
        self.nearest_with_room(from, radius_m, k, 1, keep)
    }

    /// As [`GeoIndex::nearest_from`], keeping only couriers with room for at
    /// least `min_room` more orders (see [`GeoIndex::set_room`]); cells with
    /// no such courier are passed over without reading them.
    pub fn nearest_with_room(
        &mut self,
        from: &Place,
        radius_m: f64,
        k: usize,
        min_room: u8,
        mut keep: impl FnMut(CourierId) -> bool,
    ) -> Vec<Nearby> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let first = self.listed_nearest(&mut scratch, from, radius_m, k, min_room, &mut keep);
        // Listed now: the query starts again (`keep` may be asked about a
        // courier twice) and goes further.
        let found = self.once_listed(first, |index| {
            index.listed_nearest(&mut scratch, from, radius_m, k, min_room, &mut keep)
        });
        self.scratch = scratch;
        found
    }

    /// What a query on the shared index answered, once the cells it met
    /// unlisted (if any) are listed and it has run `again` on the index
    /// itself: one by one, for the few queries that need it.
    pub(crate) fn once_listed<R>(
        &mut self,
        mut answer: Result<R, Unlisted>,
        mut again: impl FnMut(&GeoIndex) -> Result<R, Unlisted>,
    ) -> R {
        loop {
            match answer {
                Ok(found) => return found,
                Err(unlisted) => {
                    self.list(unlisted);
                    answer = again(self);
                }
            }
        }
    }

    /// As [`GeoIndex::nearest_with_room`] on a shared index, in buffers of
    /// the caller's: queries from several threads at once. Where it would
    /// have to list the cells around the query first, it says which
    /// instead; [`GeoIndex::list`] them and ask again.
    pub(crate) fn listed_nearest(
        &self,
        scratch: &mut QueryScratch,
        from: &Place,
        radius_m: f64,
        k: usize,
        min_room: u8,
        keep: &mut impl FnMut(CourierId) -> bool,
    ) -> Result<Vec<Nearby>, Unlisted> {
        let min_room = min_room.clamp(1, MAX_ROOM);
        if k == 0 || radius_m.is_nan() || radius_m < 0.0 || self.slots.is_empty() {
            return Ok(Vec::new());
        }
        let query = Query {
            q: from.unit_vector(),
            radius_m,
            radius_sq: squared(chord_of_arc(radius_m)),
            offered_sq: -1.0,
            min_room,
        };
        let mut nearest = KNearest::new(k, std::mem::take(&mut scratch.heap));
        if self.few_with_room(min_room, radius_m) {
            self.offer_listed(&query, keep, &mut nearest, &mut scratch.by_bound);
        } else {
            // Where couriers are dense, first search only as far as the k
            // nearest are likely to be: a tight limit from the start keeps
            // far entries out of the heap and far cells unread. Finding k
            // within it settles the answer (nothing unread is nearer).
            // Finding fewer, the limit never shrank, so everything within
            // it has been offered: search on to the full radius for the
            // rest only.
            let centre = match from.cell().parent(self.resolution) {
                Some(c) => c,
                None => self.cell_of(from.point()),
            };
            let mut rest = query;
            if let Some(reach) = self.likely_reach(centre, k, min_room).filter(|&r| r < radius_m) {
                let close = Query {
                    radius_m: reach,
                    radius_sq: squared(chord_of_arc(reach)),
                    ..query
                };
                self.offer_by_rings(centre, &close, keep, &mut nearest)?;
                rest.offered_sq = close.radius_sq;
            }
            if nearest.len() < k {
                self.offer_by_rings(centre, &rest, keep, &mut nearest)?;
            }
        }
        let mut ranked = nearest.into_ranked();
        let mut found = Vec::with_capacity(ranked.len());
        found.extend(ranked.iter().filter_map(|c| {
            let at = self.buckets.get(c.bucket as usize)?.entries.get(c.entry as usize)?.at;
            Some(Nearby {
                courier: c.courier(),
                distance_m: arc_of_squared_chord(c.squared_chord()),
                at,
            })
        }));
        ranked.clear();
        scratch.heap = ranked;
        Ok(found)
    }

    /// Lists the cells a query on a shared index found unlisted.
    pub(crate) fn list(&mut self, unlisted: Unlisted) {
        self.ensure_neighbourhood(unlisted.centre, unlisted.rings);
    }

    /// How far the k nearest with room likely are from a query in cell
    /// `centre`, judged by how many couriers with room that cell holds: the
    /// radius of a disc expected to hold 1.21 k of them at that density.
    /// None when the cell holds fewer than 2 k (too sparse to judge, and the
    /// walk finds its k in a few cells anyway).
    ///
    /// The factor is measured, in instructions per query on the crate's
    /// nearest-20 bench (callgrind, with each restaurant's one-time ring
    /// cache build spread over the run, a few hundred a query): 14,300 with
    /// no first pass; 15,800, 12,500, 10,700, 10,700, 11,300 and 12,400 for
    /// factors 0.8, 0.9, 1.0, 1.1, 1.2 and 1.5. Too tight, most queries
    /// search twice; too loose, the heap churns as before. At 1.1 about one
    /// query in six (a uniform scatter) finds fewer than k and searches on.
    fn likely_reach(&self, centre: CellIndex, k: usize, min_room: u8) -> Option<f64> {
        let bucket = self.buckets.get(*self.bucket_of.get(&centre)? as usize)?;
        let here = bucket.with_room(min_room);
        if (here as usize) < 2 * k {
            return None;
        }
        let area_m2 = self.resolution.area_m2();
        Some(1.1 * (k as f64 * area_m2 / (std::f64::consts::PI * f64::from(here))).sqrt())
    }

    /// True when so few buckets hold a courier with room that visiting each
    /// of them beats walking the cells out to the radius (a walk may stop
    /// early, so the lists must be much shorter than the cells).
    fn few_with_room(&self, min_room: u8, radius_m: f64) -> bool {
        let listed = self.room_lists.with_room(min_room).len() as f64;
        let radius_km = radius_m / 1_000.0;
        let cells = std::f64::consts::PI * radius_km * radius_km / self.resolution.area_km2();
        listed * 4.0 <= cells
    }

    /// Offers the couriers of the buckets that hold one with room, nearest
    /// bucket first, until no bucket left can hold anything nearer.
    fn offer_listed(
        &self,
        query: &Query,
        keep: &mut impl FnMut(CourierId) -> bool,
        nearest: &mut KNearest,
        order: &mut Vec<(f64, u32)>,
    ) {
        order.clear();
        for &b in self.room_lists.with_room(query.min_room) {
            // No point of the bucket's cell is nearer than this.
            let bound = match self.geometry_of(b) {
                Some(g) => {
                    arc_of_squared_chord(squared_chord(&query.q, &g.centre_xyz)) - g.circumradius_m - EDGE_SLACK_M
                }
                None => f64::NEG_INFINITY,
            };
            if bound <= query.radius_m {
                order.push((bound, b));
            }
        }
        order.sort_unstable_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        let (mut limit, mut reach) = (query.radius_sq, query.radius_m);
        for &(bound, b) in order.iter() {
            if bound > reach {
                break;
            }
            let Some(bucket) = self.buckets.get(b as usize) else {
                continue;
            };
            limit = offer_bucket(bucket, b, query, limit, keep, nearest);
            if limit < query.radius_sq {
                reach = reach.min(arc_of_squared_chord(limit));
            }
        }
    }

    /// Offers the couriers of the cells around the query's cell `centre`,
    /// nearest cell first, until no cell left can hold anything nearer.
    /// Fails where the cells around `centre` are not listed as far as it
    /// must look (the query is then to start again, once they are).
    fn offer_by_rings(
        &self,
        centre: CellIndex,
        query: &Query,
        keep: &mut impl FnMut(CourierId) -> bool,
        nearest: &mut KNearest,
    ) -> Result<(), Unlisted> {
        let (q, radius_sq, min_room) = (query.q, query.radius_sq, query.min_room);
        let mut limit = radius_sq;
        let mut rings_wanted = 3u32;
        let unlisted = |rings| Unlisted { centre, rings };
        let centre_bucket = *self.bucket_of.get(&centre).ok_or(unlisted(rings_wanted))?;
        let centre_xyz = self.geometry_of(centre_bucket).map_or(q, |g| g.centre_xyz);
        // The query point's distance from its cell's centre: every bound below
        // is from that centre, so it is paid back once here.
        let offset = arc_of_squared_chord(squared_chord(&q, &centre_xyz));
        let mut reach = query.radius_m;
        let mut visited_rings = None;
        loop {
            let nb = self
                .rings
                .get(&centre)
                .filter(|nb| nb.rings >= rings_wanted)
                .ok_or(unlisted(rings_wanted))?;
            // A cell whose centre is `d` from the query cell's centre holds no
            // point nearer than d - offset - slack to the query.
            let mut beyond = reach + offset + nb.slack_m;
            // The same bound from the query point itself, as a squared chord:
            // tighter, and cheap enough to test per cell.
            let mut skip_sq = squared(chord_of_arc(reach + nb.slack_m));
            let mut sin_reach = sin_of_arc(reach + EDGE_SLACK_M);
            for &(d, b, ring, centre_c) in &nb.cells {
                if d > beyond {
                    break;
                }
                if visited_rings.is_some_and(|v| ring <= v) || squared_chord(&q, &centre_c) > skip_sq {
                    continue;
                }
                let Some(bucket) = self.buckets.get(b as usize).filter(|b| b.has_room(min_room)) else {
                    continue;
                };
                if self.geometry_of(b).is_some_and(|g| g.beyond(&q, sin_reach)) {
                    continue;
                }
                limit = offer_bucket(bucket, b, query, limit, keep, nearest);
                if limit < radius_sq {
                    reach = reach.min(arc_of_squared_chord(limit));
                    beyond = reach + offset + nb.slack_m;
                    skip_sq = squared(chord_of_arc(reach + nb.slack_m));
                    sin_reach = sin_of_arc(reach + EDGE_SLACK_M);
                }
            }
            // Nothing outside the listed rings is nearer than this.
            if nb.outside_m - offset > reach || nb.rings >= MAX_RINGS {
                break;
            }
            visited_rings = Some(nb.rings);
            rings_wanted = nb.rings * 2;
        }
        Ok(())
    }

    /// Makes the cells of at least `rings` rings around `centre` available,
    /// nearest first, with the bound for everything beyond.
    fn ensure_neighbourhood(&mut self, centre: CellIndex, rings: u32) {
        if self.rings.get(&centre).is_some_and(|nb| nb.rings >= rings) {
            return;
        }
        if self.rings.len() >= MAX_CACHED_CENTRES {
            // Queries from everywhere, not just restaurants: start afresh
            // rather than grow without bound.
            self.rings.clear();
        }
        let origin = self.bucket_for(centre);
        let Some(origin) = self.geometry.get(origin as usize).copied().flatten() else {
            // Unknown shape (never seen): list nothing, bound nothing; the
            // caller falls back to growing, then stops at MAX_RINGS.
            self.rings.insert(
                centre,
                Neighbourhood {
                    rings,
                    ..Neighbourhood::default()
                },
            );
            return;
        };
        let disk: Vec<(CellIndex, u32)> = centre.grid_disk_distances(rings + 1);
        let mut nb = Neighbourhood {
            rings,
            outside_m: f64::INFINITY,
            ..Neighbourhood::default()
        };
        for (cell, ring) in disk {
            let bucket = self.bucket_for(cell);
            let (d, circumradius, centre_c) = match self.geometry.get(bucket as usize).copied().flatten() {
                Some(g) => (
                    arc_of_squared_chord(squared_chord(&origin.centre_xyz, &g.centre_xyz)),
                    g.circumradius_m,
                    g.centre_xyz,
                ),
                // Unknown shape: treat it as touching the centre.
                None => (0.0, f64::INFINITY, origin.centre_xyz),
            };
            if ring <= rings {
                nb.slack_m = nb.slack_m.max(circumradius);
                nb.cells.push((d, bucket, ring, centre_c));
            } else {
                nb.outside_m = nb.outside_m.min((d - circumradius).max(0.0));
            }
        }
        nb.cells.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.rings.insert(centre, nb);
    }

    fn bucket_for(&mut self, cell: CellIndex) -> u32 {
        if let Some(&b) = self.bucket_of.get(&cell) {
            return b;
        }
        let b = self.buckets.len() as u32;
        self.buckets.push(Bucket {
            cell,
            entries: SmallVec::new(),
            rooms: [0; MAX_ROOM as usize + 1],
        });
        let geometry = CellGeometry::of(cell);
        // No shape: no circle (a zero chord holds nothing), H3 decides.
        self.inner
            .push(geometry.map_or(([0.0; 3], 0.0), |g| (g.centre_xyz, chord_of_arc(g.inradius_m))));
        self.geometry.push(geometry);
        self.neighbours.push(None);
        self.bucket_of.insert(cell, b);
        b
    }

    fn cell_of(&self, point: GeoPoint) -> CellIndex {
        // GeoPoint is finite and in range, which is all LatLng checks.
        match LatLng::new(point.lat(), point.lng()) {
            Ok(ll) => ll.to_cell(self.resolution),
            Err(_) => unreachable!("GeoPoint {point:?} is always a valid LatLng"),
        }
    }

    /// Applies `change` to a filed courier, keeping the scan array in step.
    fn update_entry(&mut self, slot: Slot, change: impl FnOnce(&mut Entry)) -> bool {
        match self
            .buckets
            .get_mut(slot.bucket as usize)
            .and_then(|b| b.entries.get_mut(slot.index as usize))
        {
            Some(e) => {
                change(e);
                true
            }
            None => false,
        }
    }

    fn file(&mut self, entry: Entry, reported: Option<Timestamp>) {
        let b = self.bucket_for(entry.at.cell());
        let bucket = &mut self.buckets[b as usize];
        bucket.count(entry.room, 1);
        bucket.entries.push(entry);
        self.room_lists.sync(b, |n| bucket.has_room(n));
        let index = (bucket.entries.len() - 1) as u32;
        self.slots.insert(
            entry.courier,
            Slot {
                bucket: b,
                index,
                reported,
            },
        );
    }

    fn take(&mut self, courier: CourierId, slot: Slot) -> Option<Entry> {
        self.slots.remove(&courier);
        let bucket = self.buckets.get_mut(slot.bucket as usize)?;
        let i = slot.index as usize;
        if i >= bucket.entries.len() {
            return None;
        }
        let entry = bucket.entries.swap_remove(i);
        bucket.count(entry.room, -1);
        self.room_lists.sync(slot.bucket, |n| bucket.has_room(n));
        if let Some(s) = bucket
            .entries
            .get(i)
            .and_then(|moved| self.slots.get_mut(&moved.courier))
        {
            s.index = slot.index;
        }
        Some(entry)
    }
}

/// What a nearest query asks, as its bucket scans need it.
#[derive(Debug, Clone, Copy)]
struct Query {
    /// The query point as a unit vector.
    q: [f64; 3],
    radius_m: f64,
    /// The radius as a squared chord.
    radius_sq: f64,
    /// Entries this near (as a squared chord) were offered by an earlier
    /// pass; negative when there was none.
    offered_sq: f64,
    min_room: u8,
}

/// Offers bucket `b`'s couriers with room (and kept) to the k nearest so
/// far, given the squared chord `limit` nothing beyond can beat; returns the
/// new limit (the k-th's once there are k).
#[inline]
fn offer_bucket(
    bucket: &Bucket,
    b: u32,
    query: &Query,
    mut limit: f64,
    keep: &mut impl FnMut(CourierId) -> bool,
    nearest: &mut KNearest,
) -> f64 {
    // Whether an entry is within the limit is close to a coin toss where
    // couriers are dense, which a branch per entry pays for in
    // mispredictions. So each chunk of 64 entries is first sifted without a
    // branch (one bit per entry, set when within the limit with room), and
    // only the entries whose bit is set are looked at one by one, against
    // the limit as it stands then. More instructions, less time: the
    // nearest-20 bench ran 1.1-1.25x faster this way.
    for (chunk_no, chunk) in bucket.entries.chunks(SIFT_CHUNK).enumerate() {
        let mut within = 0u64;
        for (j, e) in chunk.iter().enumerate() {
            let c = squared_chord(&query.q, &e.at.unit_vector());
            within |= u64::from((c <= limit) & (e.room >= query.min_room)) << j;
        }
        while within != 0 {
            let j = within.trailing_zeros() as usize;
            within &= within - 1;
            let Some(e) = chunk.get(j) else { break };
            // Computed again rather than kept from the sift: a buffer of the
            // sift's chords measured slower than this second dot product.
            let c = squared_chord(&query.q, &e.at.unit_vector());
            if c > limit || c <= query.offered_sq || !keep(e.courier) {
                continue;
            }
            nearest.offer(Candidate::new(c, e.courier, b, (chunk_no * SIFT_CHUNK + j) as u32));
            if let Some(kth) = nearest.limit() {
                limit = kth;
            }
        }
    }
    limit
}

/// Entries [`offer_bucket`] sifts at a time: one bit each in a `u64`.
const SIFT_CHUNK: usize = u64::BITS as usize;

/// Squared chord between two unit vectors: ranks exactly as the arc does.
#[inline]
fn squared_chord(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    dx * dx + dy * dy + dz * dz
}

fn squared(x: f64) -> f64 {
    x * x
}

/// Great-circle metres of a squared chord (radius 1).
fn arc_of_squared_chord(c: f64) -> f64 {
    courier_core::geo::arc_of_chord_m(c.sqrt())
}
