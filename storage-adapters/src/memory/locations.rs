//! In-memory `LocationStore`: latest fixes in an H3 geo index, expiry by age.

use std::sync::{Mutex, MutexGuard};

use rustc_hash::FxHashMap;

use courier_core::ports::{CourierLocation, LocationStore, NearbyCourier, StorageError};
use courier_core::{CourierId, Duration, GeoPoint, Timestamp};
use courier_matching::GeoIndex;

#[derive(Debug, Default)]
struct Fixes {
    index: GeoIndex,
    latest: FxHashMap<CourierId, CourierLocation>,
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
        match self.latest.get_mut(&location.courier) {
            // A late, older fix never overwrites a newer one.
            Some(previous) if previous.at > location.at => return false,
            Some(previous) => *previous = location,
            None => {
                self.latest.insert(location.courier, location);
            }
        }
        self.index.upsert(location.courier, location.point);
        true
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
        Ok(self.lock().latest.get(&courier).copied())
    }

    async fn nearby(&self, center: GeoPoint, radius_m: f64, limit: usize) -> Result<Vec<NearbyCourier>, StorageError> {
        let mut f = self.lock();
        let found = f.index.nearest(center, radius_m, limit);
        Ok(found
            .into_iter()
            .filter_map(|n| {
                f.latest.get(&n.courier).map(|&location| NearbyCourier {
                    location,
                    distance_m: n.distance_m,
                })
            })
            .collect())
    }

    async fn expire_silent(&self, now: Timestamp, ttl: Duration) -> Result<Vec<CourierId>, StorageError> {
        // A scan every few seconds is cheaper than keeping an age order on
        // every one of the far more frequent upserts.
        let mut f = self.lock();
        let cutoff = now.minus(ttl);
        // Silent for longer than the TTL: reported strictly before now - ttl.
        let mut ids: Vec<CourierId> = f.latest.values().filter(|l| l.at < cutoff).map(|l| l.courier).collect();
        for id in &ids {
            f.latest.remove(id);
            f.index.remove(*id);
        }
        ids.sort_unstable();
        Ok(ids)
    }
}
