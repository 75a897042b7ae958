//! In-memory `LocationStore`: latest fixes in an H3 geo index, expiry by age.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use courier_core::ports::{CourierLocation, LocationStore, NearbyCourier, StorageError};
use courier_core::{CourierId, Duration, GeoPoint, Timestamp};
use courier_matching::GeoIndex;

#[derive(Debug, Default)]
struct Fixes {
    index: GeoIndex,
    latest: HashMap<CourierId, CourierLocation>,
    /// (reported at, courier), oldest first: expiry reads only what expires.
    by_age: BTreeSet<(Timestamp, CourierId)>,
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

impl LocationStore for MemoryLocationStore {
    async fn upsert_location(&self, location: CourierLocation) -> Result<(), StorageError> {
        let mut f = self.lock();
        if let Some(previous) = f.latest.get(&location.courier).copied() {
            if previous.at > location.at {
                // A late, older fix never overwrites a newer one.
                return Ok(());
            }
            f.by_age.remove(&(previous.at, previous.courier));
        }
        f.index.upsert(location.courier, location.point);
        f.latest.insert(location.courier, location);
        f.by_age.insert((location.at, location.courier));
        Ok(())
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
        let mut f = self.lock();
        let cutoff = now.minus(ttl);
        // Silent for longer than the TTL: reported strictly before now - ttl.
        let expired: Vec<(Timestamp, CourierId)> = f.by_age.range(..(cutoff, CourierId::new(0))).copied().collect();
        let mut ids = Vec::with_capacity(expired.len());
        for key in expired {
            f.by_age.remove(&key);
            f.latest.remove(&key.1);
            f.index.remove(key.1);
            ids.push(key.1);
        }
        ids.sort_unstable();
        Ok(ids)
    }
}
