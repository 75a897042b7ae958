//! In-memory `LocationStore`: latest fixes in an H3 geo index, expiry by age.

use std::sync::{Mutex, MutexGuard};

use courier_core::ports::{CourierLocation, LocationStore, NearbyCourier, StorageError};
use courier_core::{CourierId, Duration, GeoPoint, Place, Timestamp};
use courier_matching::GeoIndex;

/// The latest fixes: the index holds each courier's position and report
/// time together, so a fix costs one lookup of the courier, not one in a
/// map of fixes and another in the index (in a profile of the upsert
/// bench, that map's lookup alone, a cache miss, took 29% of the time).
#[derive(Debug, Default)]
struct Fixes {
    index: GeoIndex,
}

/// Courier locations in process memory, nearby queries answered exactly by
/// courier-matching's [`GeoIndex`].
#[derive(Debug, Default)]
pub struct MemoryLocationStore {
    fixes: Mutex<Fixes>,
}

impl MemoryLocationStore {
    fn lock(&self) -> MutexGuard<'_, Fixes> {
        // Every operation validates before it mutates: a poisoned lock holds no half-write.
        self.fixes.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Fixes {
    /// Applies one fix unless the courier's held one is newer; true if applied.
    fn apply(&mut self, location: CourierLocation) -> bool {
        self.index
            .upsert_reported(location.courier, location.point, location.at)
    }

    /// The latest fix of `courier`, if it has one.
    fn latest(&self, courier: CourierId) -> Option<CourierLocation> {
        let (place, _) = self.index.get(courier)?;
        self.fix_at(courier, place)
    }

    /// `courier`'s fix, given where the index holds it.
    fn fix_at(&self, courier: CourierId, place: Place) -> Option<CourierLocation> {
        Some(CourierLocation {
            courier,
            point: place.point(),
            at: self.index.reported_at(courier)?,
        })
    }
}

impl LocationStore for MemoryLocationStore {
    async fn upsert_location(&self, location: CourierLocation) -> Result<(), StorageError> {
        self.lock().apply(location);
        Ok(())
    }

    async fn upsert_locations(&self, fixes: &[CourierLocation]) -> Result<u64, StorageError> {
        // One lock for the batch: taking it per fix costs as much as the fix.
        let mut f = self.lock();
        Ok(fixes.iter().filter(|&&fix| f.apply(fix)).count() as u64)
    }

    async fn location(&self, courier: CourierId) -> Result<Option<CourierLocation>, StorageError> {
        Ok(self.lock().latest(courier))
    }

    async fn nearby(&self, center: GeoPoint, radius_m: f64, limit: usize) -> Result<Vec<NearbyCourier>, StorageError> {
        let mut f = self.lock();
        let found = f.index.nearest(center, radius_m, limit);
        Ok(found
            .into_iter()
            .filter_map(|n| {
                Some(NearbyCourier {
                    location: f.fix_at(n.courier, n.at)?,
                    distance_m: n.distance_m,
                })
            })
            .collect())
    }

    async fn fixes_since(&self, since: Timestamp) -> Result<Vec<CourierLocation>, StorageError> {
        let f = self.lock();
        let mut fresh: Vec<CourierLocation> = f
            .index
            .reports()
            .filter(|&(_, at)| at >= since)
            .filter_map(|(courier, _)| f.latest(courier))
            .collect();
        fresh.sort_unstable_by_key(|l| l.courier);
        Ok(fresh)
    }

    async fn remove_location(&self, courier: CourierId) -> Result<bool, StorageError> {
        Ok(self.lock().index.remove(courier))
    }

    async fn expire_silent(&self, now: Timestamp, ttl: Duration) -> Result<Vec<CourierId>, StorageError> {
        // A scan every few seconds is cheaper than keeping an age order on
        // every one of the far more frequent upserts.
        let mut f = self.lock();
        let cutoff = now.minus(ttl);
        // Silent for longer than the TTL: reported strictly before now - ttl.
        let mut ids: Vec<CourierId> = f
            .index
            .reports()
            .filter(|&(_, at)| at < cutoff)
            .map(|(courier, _)| courier)
            .collect();
        for id in &ids {
            f.index.remove(*id);
        }
        ids.sort_unstable();
        Ok(ids)
    }
}
