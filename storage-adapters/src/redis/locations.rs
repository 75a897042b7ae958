//! `LocationStore` on Redis: a geo set for search, a hash with each
//! courier's exact last fix, and a sorted set by report time for expiry.

use std::sync::LazyLock;

use courier_core::ports::{CourierLocation, LocationStore, NearbyCourier, StorageError};
use courier_core::{CourierId, Duration, GeoPoint, Timestamp};
use redis::Script;

use super::RedisStore;

/// Upserts fixes unless a newer one is stored: one script, so racing fixes
/// cannot interleave. KEYS: geo, fixes, by-time. ARGV: groups of five (id,
/// lng, lat, at, "lat,lng,at"). Returns how many were applied, counted as
/// one by one would (a fix superseded later in the same batch counts).
///
/// The stored times are read with one ZMSCORE and the survivors written with
/// one GEOADD, one HSET and one ZADD (in chunks that stay under Lua's unpack
/// limit): a call per command rather than per fix is what makes a batch
/// cheap. Within a batch the latest fix of a courier wins, as it would one
/// by one (equal times: the later in the batch).
const UPSERT: &str = r"
local function chunked(cmd, key, list, width)
  local step = width * 1000
  for k = 1, #list, step do
    redis.call(cmd, key, unpack(list, k, math.min(k + step - 1, #list)))
  end
end
local ids = {}
for i = 1, #ARGV, 5 do ids[#ids + 1] = ARGV[i] end
local stored = {}
for k = 1, #ids, 1000 do
  local part = redis.call('ZMSCORE', KEYS[3], unpack(ids, k, math.min(k + 999, #ids)))
  for j = 1, #part do stored[k + j - 1] = part[j] end
end
local best, applied = {}, 0
for j = 1, #ids do
  local at = tonumber(ARGV[(j - 1) * 5 + 4])
  local current = stored[j] and tonumber(stored[j])
  local seen = best[ids[j]]
  if (not current or current <= at) and (not seen or seen.at <= at) then
    best[ids[j]] = { at = at, j = j }
    applied = applied + 1
  end
end
local geo, fix, times = {}, {}, {}
for j = 1, #ids do
  local b = best[ids[j]]
  if b and b.j == j then
    local i = (j - 1) * 5 + 1
    geo[#geo + 1] = ARGV[i + 1]; geo[#geo + 1] = ARGV[i + 2]; geo[#geo + 1] = ARGV[i]
    fix[#fix + 1] = ARGV[i]; fix[#fix + 1] = ARGV[i + 4]
    times[#times + 1] = ARGV[i + 3]; times[#times + 1] = ARGV[i]
  end
end
if #geo > 0 then
  chunked('GEOADD', KEYS[1], geo, 3)
  chunked('HSET', KEYS[2], fix, 2)
  chunked('ZADD', KEYS[3], times, 2)
end
return applied
";

/// The candidates of a nearby search with their exact fixes, in one round
/// trip. KEYS: geo, fixes. ARGV: lng, lat, radius in metres, count, limit,
/// first radius in metres. Returns the members nearest first and their
/// fixes' texts, as two lists.
///
/// GEOSEARCH reads every member within its radius before it sorts and cuts
/// to COUNT, so in a dense city a 3 km search for 20 reads thousands. The
/// script searches a small circle first and widens it threefold until the
/// circle surely holds `limit` members or reaches the radius: the members
/// Redis puts within `r` (its sphere is 0.03% larger than ours, its
/// positions 52-bit geohashes, under 0.3 m off) are within `r + 1` metres
/// exactly, and the search at `r * 1.001 + 5` holds every member within
/// `r + 1` exactly, so once `limit` of them are found no member left out
/// can be among the `limit` nearest. The caller ranks by exact distance.
const NEARBY: &str = r"
local radius, want = tonumber(ARGV[3]), tonumber(ARGV[5])
local r = math.min(tonumber(ARGV[6]), radius)
while true do
  local found = redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', ARGV[1], ARGV[2],
    'BYRADIUS', r * 1.001 + 5, 'm', 'ASC', 'COUNT', ARGV[4], 'WITHDIST')
  local sure = 0
  for i = 1, #found do
    if tonumber(found[i][2]) <= r then sure = sure + 1 end
  end
  if sure >= want or r >= radius then
    if #found == 0 then return {{}, {}} end
    local ids = {}
    for i = 1, #found do ids[i] = found[i][1] end
    return {ids, redis.call('HMGET', KEYS[2], unpack(ids))}
  end
  r = math.min(r * 3, radius)
end
";

/// Where [`NEARBY`] starts: in a city of 100 couriers a square kilometre
/// this circle holds about 80, enough for most queries in one search.
const FIRST_SEARCH_RADIUS_M: f64 = 500.0;

/// Farther than any two points on Earth are apart.
const MAX_SEARCH_RADIUS_M: f64 = 21_000_000.0;

/// Couriers reported at or after a time, with their fixes, in one round
/// trip. KEYS: by-time, fixes. ARGV: the time (inclusive). Returns ids and
/// fixes' texts, as two lists.
const SINCE: &str = r"
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
if #ids == 0 then return {{}, {}} end
local texts = {}
for k = 1, #ids, 1000 do
  local part = redis.call('HMGET', KEYS[2], unpack(ids, k, math.min(k + 999, #ids)))
  for j = 1, #part do texts[k + j - 1] = part[j] end
end
return {ids, texts}
";

/// Forgets one courier. KEYS: geo, fixes, by-time. ARGV: the courier.
/// Returns 1 if it was held.
const REMOVE: &str = r"
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return redis.call('ZREM', KEYS[3], ARGV[1])
";

/// Removes couriers last seen before a cutoff. KEYS: geo, fixes, by-time. ARGV: cutoff (exclusive).
const EXPIRE: &str = r"
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[1])
if #gone > 0 then
  redis.call('ZREM', KEYS[1], unpack(gone))
  redis.call('HDEL', KEYS[2], unpack(gone))
  redis.call('ZREM', KEYS[3], unpack(gone))
end
return gone
";

fn fix_text(l: &CourierLocation) -> String {
    // Rust's shortest round-trip formatting: the exact f64 comes back.
    format!("{},{},{}", l.point.lat(), l.point.lng(), l.at.as_millis())
}

fn fix_from(courier: CourierId, text: &str) -> Result<CourierLocation, StorageError> {
    let corrupt = || StorageError::Corrupt(format!("{courier}: location {text:?}"));
    let mut parts = text.split(',');
    let mut next = || parts.next().ok_or_else(corrupt);
    let lat: f64 = next()?.parse().map_err(|_| corrupt())?;
    let lng: f64 = next()?.parse().map_err(|_| corrupt())?;
    let at: i64 = next()?.parse().map_err(|_| corrupt())?;
    Ok(CourierLocation {
        courier,
        point: GeoPoint::new(lat, lng).map_err(|_| corrupt())?,
        at: Timestamp::from_millis(at),
    })
}

impl RedisStore {
    fn location_keys(&self) -> [String; 3] {
        [self.location_geo_key(), self.key("loc:fix"), self.key("loc:at")]
    }

    /// The geo set holding courier positions (member = courier id), for
    /// operators and for measuring raw GEOSEARCH against [`LocationStore::nearby`].
    pub fn location_geo_key(&self) -> String {
        self.key("loc:geo")
    }
}

impl LocationStore for RedisStore {
    async fn upsert_location(&self, location: CourierLocation) -> Result<(), StorageError> {
        self.upsert_locations(std::slice::from_ref(&location)).await.map(|_| ())
    }

    /// One round trip and one script run for the whole batch.
    async fn upsert_locations(&self, fixes: &[CourierLocation]) -> Result<u64, StorageError> {
        if fixes.is_empty() {
            return Ok(0);
        }
        let [geo, by_fix, at] = self.location_keys();
        // Hashed once: the script's SHA is what every call sends.
        static UPSERT_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(UPSERT));
        let mut call = UPSERT_SCRIPT.key(geo);
        call.key(by_fix).key(at);
        for f in fixes {
            call.arg(f.courier.get())
                .arg(f.point.lng())
                .arg(f.point.lat())
                .arg(f.at.as_millis())
                .arg(fix_text(f));
        }
        call.invoke_async::<u64>(&mut self.conn())
            .await
            .map_err(|e| self.error(e))
    }

    async fn location(&self, courier: CourierId) -> Result<Option<CourierLocation>, StorageError> {
        let [_, fixes, _] = self.location_keys();
        let text: Option<String> = redis::cmd("HGET")
            .arg(fixes)
            .arg(courier.get())
            .query_async(&mut self.conn())
            .await
            .map_err(|e| self.error(e))?;
        text.map(|t| fix_from(courier, &t)).transpose()
    }

    async fn nearby(&self, center: GeoPoint, radius_m: f64, limit: usize) -> Result<Vec<NearbyCourier>, StorageError> {
        if limit == 0 || radius_m.is_nan() || radius_m < 0.0 {
            return Ok(Vec::new());
        }
        let [geo, fixes, _] = self.location_keys();
        // Redis measures on a slightly larger sphere and stores 52-bit
        // geohashes: the script searches a little wider (and no wider than
        // it must to hold `limit`), then the exact fixes are ranked with the
        // same haversine as everywhere else. The script reads the fixes
        // beside the search, saving the second round trip.
        static NEARBY_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(NEARBY));
        let (candidates, texts): (Vec<String>, Vec<Option<String>>) = NEARBY_SCRIPT
            .key(geo)
            .key(fixes)
            .arg(center.lng())
            .arg(center.lat())
            // Beyond half the globe every member is within: a finite number
            // Lua can read.
            .arg(radius_m.min(MAX_SEARCH_RADIUS_M))
            .arg(limit.saturating_mul(2).saturating_add(16))
            .arg(limit)
            .arg(FIRST_SEARCH_RADIUS_M)
            .invoke_async(&mut self.conn())
            .await
            .map_err(|e| self.error(e))?;
        let mut found = Vec::with_capacity(candidates.len());
        for (member, text) in candidates.iter().zip(texts) {
            let id: u64 = member
                .parse()
                .map_err(|_| StorageError::Corrupt(format!("geo member {member:?}")))?;
            let Some(text) = text else { continue };
            let location = fix_from(CourierId::new(id), &text)?;
            let distance_m = center.distance_m(location.point);
            if distance_m <= radius_m {
                found.push(NearbyCourier { location, distance_m });
            }
        }
        found.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then(a.location.courier.cmp(&b.location.courier))
        });
        found.truncate(limit);
        Ok(found)
    }

    async fn fixes_since(&self, since: Timestamp) -> Result<Vec<CourierLocation>, StorageError> {
        let [_, fixes, at] = self.location_keys();
        static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(SINCE));
        let (ids, texts): (Vec<u64>, Vec<Option<String>>) = SCRIPT
            .key(at)
            .key(fixes)
            .arg(since.as_millis())
            .invoke_async(&mut self.conn())
            .await
            .map_err(|e| self.error(e))?;
        let mut fresh = Vec::with_capacity(ids.len());
        for (id, text) in ids.into_iter().zip(texts) {
            // Removed between the two reads of the script: nothing to list.
            let Some(text) = text else { continue };
            fresh.push(fix_from(CourierId::new(id), &text)?);
        }
        fresh.sort_unstable_by_key(|l| l.courier);
        Ok(fresh)
    }

    async fn remove_location(&self, courier: CourierId) -> Result<bool, StorageError> {
        let [geo, fixes, at] = self.location_keys();
        static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(REMOVE));
        let removed: u64 = SCRIPT
            .key(geo)
            .key(fixes)
            .key(at)
            .arg(courier.get())
            .invoke_async(&mut self.conn())
            .await
            .map_err(|e| self.error(e))?;
        Ok(removed == 1)
    }

    async fn expire_silent(&self, now: Timestamp, ttl: Duration) -> Result<Vec<CourierId>, StorageError> {
        let [geo, fixes, at] = self.location_keys();
        static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(EXPIRE));
        let gone: Vec<u64> = SCRIPT
            .key(geo)
            .key(fixes)
            .key(at)
            .arg(now.minus(ttl).as_millis())
            .invoke_async(&mut self.conn())
            .await
            .map_err(|e| self.error(e))?;
        let mut ids: Vec<CourierId> = gone.into_iter().map(CourierId::new).collect();
        ids.sort_unstable();
        Ok(ids)
    }
}
