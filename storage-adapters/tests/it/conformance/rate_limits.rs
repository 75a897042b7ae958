//! Sliding-window rate limits: the edges.

use courier_core::ports::{RateLimit, RateLimitStore};
use courier_core::{Duration, Timestamp};

/// `limit` hits pass, the next is refused with the time until the oldest
/// leaves the window; refused hits do not count; the window slides.
pub(crate) async fn window_edges(store: &impl RateLimitStore, base: u64) {
    let key = format!("rl-{base}");
    let limit = RateLimit {
        limit: 3,
        window: Duration::from_secs(60),
    };
    let at = |s: i64| Timestamp::from_millis(5_000_000 + s * 1_000);
    for (i, s) in [0, 10, 20].into_iter().enumerate() {
        let d = store.hit(&key, limit, at(s)).await.unwrap();
        assert!(d.allowed);
        assert_eq!(d.remaining, 2 - i as u32);
    }
    let refused = store.hit(&key, limit, at(30)).await.unwrap();
    assert!(!refused.allowed);
    assert_eq!(refused.remaining, 0);
    assert_eq!(refused.retry_after, Duration::from_secs(30));
    // Still refused just before the first hit leaves; refusals were not counted.
    assert!(!store.hit(&key, limit, at(59)).await.unwrap().allowed);
    // At exactly 60 s the first hit has left the window (now - 60 s, now].
    let d = store.hit(&key, limit, at(60)).await.unwrap();
    assert!(d.allowed, "{d:?}");
    assert_eq!(d.remaining, 0);
    // Other keys are independent.
    assert!(
        store
            .hit(&format!("rl-other-{base}"), limit, at(60))
            .await
            .unwrap()
            .allowed
    );
}
