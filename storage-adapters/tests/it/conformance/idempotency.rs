//! Idempotency records: the first value wins until its TTL.

use courier_core::ports::IdempotencyStore;
use courier_core::{Duration, Timestamp};
use futures::future::join_all;

/// Concurrent first writes: exactly one stores, every caller sees its value.
pub(crate) async fn first_value_wins(store: &impl IdempotencyStore, base: u64) {
    let key = format!("idem-{base}");
    let now = Timestamp::from_millis(0);
    let ttl = Duration::from_hours(24);
    let values: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; 4]).collect();
    let results = join_all(values.iter().map(|v| store.put_if_absent(&key, v, now, ttl))).await;
    let stored: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, Ok(None)))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(stored.len(), 1, "{results:?}");
    let winner = &values[stored[0]];
    for r in &results {
        if let Ok(Some(existing)) = r {
            assert_eq!(existing, winner);
        }
    }
    assert_eq!(store.get(&key, now).await.unwrap().as_ref(), Some(winner));
}

/// A record lives for its TTL, then the key is free again.
pub(crate) async fn records_expire(store: &impl IdempotencyStore, base: u64) {
    let key = format!("idem-ttl-{base}");
    let ttl = Duration::from_secs(60);
    let t0 = Timestamp::from_millis(1_000_000);
    assert_eq!(store.put_if_absent(&key, b"first", t0, ttl).await.unwrap(), None);
    let almost = t0.plus(Duration::from_millis(59_000));
    assert_eq!(
        store.put_if_absent(&key, b"second", almost, ttl).await.unwrap(),
        Some(b"first".to_vec())
    );
    let after = t0.plus(Duration::from_secs(61));
    assert_eq!(store.get(&key, after).await.unwrap(), None);
    assert_eq!(store.put_if_absent(&key, b"third", after, ttl).await.unwrap(), None);
    assert_eq!(store.get(&key, after).await.unwrap(), Some(b"third".to_vec()));
}
