//! The courier location port: latest position per courier, nearby search and expiry.

use crate::geo::GeoPoint;
use crate::ids::CourierId;
use crate::time::{Duration, Timestamp};

use super::StorageError;

/// A courier is offline once silent for this long (seed 000: GPS every 4-10 s).
pub const DEFAULT_LOCATION_TTL: Duration = Duration::from_secs(30);

/// A courier's last reported position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CourierLocation {
    /// Who.
    pub courier: CourierId,
    /// Where.
    pub point: GeoPoint,
    /// When it was reported.
    pub at: Timestamp,
}

/// A courier found by a nearby search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearbyCourier {
    /// The location record.
    pub location: CourierLocation,
    /// Great-circle distance from the search centre, metres.
    pub distance_m: f64,
}

/// Latest courier positions.
pub trait LocationStore: Send + Sync {
    /// Records a position, replacing the courier's previous one unless that one is newer.
    fn upsert_location(&self, location: CourierLocation) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Records a batch of positions (a location ingest's tick) as
    /// [`LocationStore::upsert_location`] would one after another, in one
    /// call; returns how many were applied (a fix older than the one held is
    /// not). Adapters write a batch in one round trip or under one lock,
    /// which is where ingest throughput comes from.
    fn upsert_locations(&self, fixes: &[CourierLocation]) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// The courier's last position, if known.
    fn location(
        &self,
        courier: CourierId,
    ) -> impl Future<Output = Result<Option<CourierLocation>, StorageError>> + Send;

    /// Up to `limit` couriers within `radius_m` of `center`, nearest first
    /// (ties by courier id).
    fn nearby(
        &self,
        center: GeoPoint,
        radius_m: f64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<NearbyCourier>, StorageError>> + Send;

    /// Every courier whose last fix was reported at `since` or later, by id:
    /// who is on shift, for instances sharing the store.
    fn fixes_since(&self, since: Timestamp) -> impl Future<Output = Result<Vec<CourierLocation>, StorageError>> + Send;

    /// Forgets a courier's position (going off shift); true if one was held.
    fn remove_location(&self, courier: CourierId) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Removes every courier last seen more than `ttl` before `now`; returns them, by id.
    fn expire_silent(
        &self,
        now: Timestamp,
        ttl: Duration,
    ) -> impl Future<Output = Result<Vec<CourierId>, StorageError>> + Send;
}
