//! Courier locations: nearby equals brute force, newer fixes win, expiry.

use courier_core::ports::{CourierLocation, LocationStore};
use courier_core::{CourierId, Duration, GeoPoint, Timestamp};

fn fix(id: u64, point: GeoPoint, at_ms: i64) -> CourierLocation {
    CourierLocation {
        courier: CourierId::new(id),
        point,
        at: Timestamp::from_millis(at_ms),
    }
}

/// The `limit` nearest of `all` within `radius_m` of `centre`, by exact
/// distance, ties by id.
fn brute_force(all: &[CourierLocation], centre: GeoPoint, radius_m: f64, limit: usize) -> Vec<(u64, f64)> {
    let mut want: Vec<(u64, f64)> = all
        .iter()
        .map(|f| (f.courier.get(), centre.distance_m(f.point)))
        .filter(|(_, d)| *d <= radius_m)
        .collect();
    want.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    want.truncate(limit);
    want
}

/// Asserts that the store's nearby answer equals a scan over `all`.
async fn assert_nearby_is_exact(
    store: &impl LocationStore,
    all: &[CourierLocation],
    centre: GeoPoint,
    radius_m: f64,
    limit: usize,
) {
    let got = store.nearby(centre, radius_m, limit).await.unwrap();
    let got: Vec<(u64, f64)> = got.iter().map(|n| (n.location.courier.get(), n.distance_m)).collect();
    let want = brute_force(all, centre, radius_m, limit);
    let case = format!("centre {centre:?}, radius {radius_m} m, limit {limit}");
    assert_eq!(got.len(), want.len(), "{case}");
    for (g, w) in got.iter().zip(&want) {
        // Adapters may store coordinates at reduced precision (Redis keeps
        // 52-bit geohashes: under a metre).
        assert!((g.1 - w.1).abs() < 1.0, "{case}: {g:?} vs {w:?}");
    }
}

/// A deterministic point `i` in a square of `side_m` around `centre`.
fn scattered(centre: GeoPoint, side_m: u64, i: u64) -> GeoPoint {
    let h = (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let half = side_m as f64 / 2.0;
    centre
        .offset_m(((h >> 8) % side_m) as f64 - half, ((h >> 32) % side_m) as f64 - half)
        .unwrap()
}

/// A deterministic scatter of couriers within ~4 km; the nearby answer must
/// equal a scan over what was stored.
pub(crate) async fn nearby_equals_brute_force(store: &impl LocationStore, base: u64) {
    let centre = GeoPoint::new(40.75, -73.99).unwrap();
    let mut all = Vec::new();
    for i in 0..200u64 {
        let f = fix(base + i, scattered(centre, 8_000, i), 1_000);
        store.upsert_location(f).await.unwrap();
        all.push(f);
    }
    for (radius, limit) in [
        (1_500.0, 10usize),
        (3_000.0, 50),
        (10_000.0, 500),
        (50.0, 5),
        (3_000.0, 1),
        (3_000.0, 3),
    ] {
        assert_nearby_is_exact(store, &all, centre, radius, limit).await;
    }
}

/// A dense city (1,200 couriers in 3 km by 3 km) inside a sparse region
/// (300 more in 40 km): nearest-k answers from many centres, where a few
/// hundred metres hold the k nearest and where they need the whole radius,
/// equal a scan.
pub(crate) async fn nearby_in_a_dense_city_equals_brute_force(store: &impl LocationStore, base: u64) {
    let centre = GeoPoint::new(-33.87, 151.21).unwrap();
    let all: Vec<CourierLocation> = (0..1_500u64)
        .map(|i| {
            let side = if i < 1_200 { 3_000 } else { 40_000 };
            fix(base + i, scattered(centre, side, i), 1_000)
        })
        .collect();
    for chunk in all.chunks(256) {
        store.upsert_locations(chunk).await.unwrap();
    }
    for q in 0..12u64 {
        let from = scattered(centre, if q < 8 { 3_000 } else { 30_000 }, 5_000 + q);
        for (radius, limit) in [
            (3_000.0, 20usize),
            (3_000.0, 1),
            (300.0, 5),
            (800.0, 150),
            (20_000.0, 40),
            (5.0, 1),
        ] {
            assert_nearby_is_exact(store, &all, from, radius, limit).await;
        }
    }
}

/// An older fix arriving late never replaces a newer one.
pub(crate) async fn newer_fixes_win(store: &impl LocationStore, base: u64) {
    let a = GeoPoint::new(10.0, 10.0).unwrap();
    let b = GeoPoint::new(10.001, 10.0).unwrap();
    store.upsert_location(fix(base, b, 2_000)).await.unwrap();
    store.upsert_location(fix(base, a, 1_000)).await.unwrap();
    let now = store.location(CourierId::new(base)).await.unwrap().unwrap();
    assert_eq!(now.at, Timestamp::from_millis(2_000));
    assert!(now.point.distance_m(b) < 1.0);
}

/// A batch applies each fix by the single-upsert rule, in order: older fixes
/// lose, within a batch as across batches, and the count says how many won.
pub(crate) async fn batches_apply_fix_by_fix(store: &impl LocationStore, base: u64) {
    let p = |lat| GeoPoint::new(lat, 4.9).unwrap();
    let at = |id: u64, lat, at_ms| fix(base + id, p(lat), at_ms);
    let point_of = async |id: u64| store.location(CourierId::new(base + id)).await.unwrap().unwrap().point;
    assert_eq!(
        store
            .upsert_locations(&[at(1, 52.0, 10), at(2, 52.1, 10)])
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .upsert_locations(&[at(1, 52.5, 5), at(2, 52.6, 20)])
            .await
            .unwrap(),
        1
    );
    assert_eq!(point_of(1).await, p(52.0));
    assert_eq!(point_of(2).await, p(52.6));
    assert_eq!(store.upsert_locations(&[]).await.unwrap(), 0);
    // Within one batch a courier's latest fix wins whatever its place in the
    // batch (equal times: the later one), as applied one by one.
    let applied = store
        .upsert_locations(&[at(3, 51.0, 30), at(3, 51.5, 20), at(4, 50.0, 40), at(4, 50.5, 40)])
        .await
        .unwrap();
    assert_eq!(applied, 3);
    assert_eq!(point_of(3).await, p(51.0));
    assert_eq!(point_of(4).await, p(50.5));
    // A large batch (beyond one Redis command's share of arguments) is written whole.
    let many: Vec<_> = (100..3_600).map(|id| at(id, 48.0 + id as f64 / 10_000.0, 50)).collect();
    assert_eq!(store.upsert_locations(&many).await.unwrap(), 3_500);
    assert_eq!(point_of(3_599).await, p(48.3599));
    let near = store.nearby(p(48.0), 1_000_000.0, 10_000).await.unwrap();
    let ours = near
        .iter()
        .filter(|n| (base..base + 3_600).contains(&n.location.courier.get()))
        .count();
    assert_eq!(ours, 3_504);
}

/// Couriers silent for longer than the TTL expire; the boundary is kept.
pub(crate) async fn silent_couriers_expire(store: &impl LocationStore, base: u64) {
    let p = GeoPoint::new(-33.87, 151.21).unwrap();
    store.upsert_location(fix(base, p, 0)).await.unwrap();
    store.upsert_location(fix(base + 1, p, 10_000)).await.unwrap();
    let ttl = Duration::from_secs(30);
    // At 30 s courier `base` has been silent exactly the TTL: it stays.
    let expired = store.expire_silent(Timestamp::from_millis(30_000), ttl).await.unwrap();
    assert!(!expired.contains(&CourierId::new(base)));
    let expired = store.expire_silent(Timestamp::from_millis(30_001), ttl).await.unwrap();
    assert!(expired.contains(&CourierId::new(base)));
    assert!(!expired.contains(&CourierId::new(base + 1)));
    assert_eq!(store.location(CourierId::new(base)).await.unwrap(), None);
    assert!(
        store
            .nearby(p, 100.0, 10)
            .await
            .unwrap()
            .iter()
            .all(|n| n.location.courier != CourierId::new(base))
    );
}

/// Who is on shift: every courier reported since a time, and none removed.
pub(crate) async fn fresh_fixes_list_who_is_on_shift(store: &impl LocationStore, base: u64) {
    let centre = GeoPoint::new(60.17, 24.94).unwrap();
    let fixes: Vec<CourierLocation> = (0..5)
        .map(|i| {
            fix(
                base + i,
                centre.offset_m(100.0 * i as f64, 0.0).unwrap(),
                10_000 + 1_000 * i as i64,
            )
        })
        .collect();
    store.upsert_locations(&fixes).await.unwrap();
    let since = |ms| store.fixes_since(Timestamp::from_millis(ms));
    let ids = |list: Vec<CourierLocation>| list.iter().map(|l| l.courier.get()).collect::<Vec<_>>();
    assert_eq!(since(12_000).await.unwrap(), fixes[2..].to_vec(), "exact fixes, by id");
    assert!(store.remove_location(CourierId::new(base + 3)).await.unwrap());
    assert!(
        !store.remove_location(CourierId::new(base + 3)).await.unwrap(),
        "removed once"
    );
    assert_eq!(ids(since(12_000).await.unwrap()), vec![base + 2, base + 4]);
    assert_eq!(store.location(CourierId::new(base + 3)).await.unwrap(), None);
    assert!(
        store
            .nearby(centre, 10_000.0, 10)
            .await
            .unwrap()
            .iter()
            .all(|n| n.location.courier.get() != base + 3),
        "a removed courier is not found nearby"
    );
}
