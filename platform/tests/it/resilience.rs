//! The breaker through the seed 000 payment-outage timeline, retry
//! backoff properties, and money movements retried, never dropped.

use courier_core::order::{Actor, CancelReason};
use courier_core::{Duration, Timestamp};
use courier_platform::external::{Clock, GatewayCall};
use courier_platform::resilience::{BreakerConfig, BreakerState, CircuitBreaker, RetryPolicy};
use courier_storage::memory::MemoryStore;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::world::*;

fn t(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

/// Seed 000: the gateway fails from T+0; the breaker opens at T+10 s after 5
/// consecutive failures; the gateway is back at T+30 s; the breaker closes
/// by T+35 s after 3 successful requests.
#[test]
fn the_payment_outage_timeline() {
    let mut b = CircuitBreaker::new(BreakerConfig::payment());
    // One placement every 2 s fails: T+2, 4, 6, 8, 10.
    for s in 1..=5 {
        assert!(b.allow(t(s * 2_000)).is_ok(), "closed at T+{}s", s * 2);
        b.record_failure(t(s * 2_000));
    }
    assert_eq!(b.state(), BreakerState::Open { until: t(30_000) }, "open at T+10s");
    // While open, calls are refused (queued by the caller) without touching the gateway.
    for s in [12, 20, 29] {
        let r = b.allow(t(s * 1_000)).unwrap_err();
        assert_eq!(r.retry_at, t(30_000));
    }
    // T+30 s: the gateway is back; the first call is a probe.
    assert!(b.allow(t(30_000)).is_ok());
    assert_eq!(b.state(), BreakerState::HalfOpen { successes: 0 });
    for s in [30, 32, 34] {
        b.allow(t(s * 1_000)).unwrap();
        b.record_success(t(s * 1_000));
    }
    assert_eq!(b.state(), BreakerState::Closed, "closed by T+35s");
}

#[test]
fn a_failed_probe_reopens() {
    let mut b = CircuitBreaker::new(BreakerConfig::payment());
    for s in 0..5 {
        b.record_failure(t(s));
    }
    b.allow(t(20_004)).unwrap();
    b.record_success(t(20_004));
    b.allow(t(20_005)).unwrap();
    b.record_failure(t(20_005));
    assert_eq!(b.state(), BreakerState::Open { until: t(40_005) });
}

#[test]
fn the_failure_rate_opens_a_full_window() {
    let config = BreakerConfig {
        consecutive_failures: u32::MAX,
        ..BreakerConfig::payment()
    };
    let mut b = CircuitBreaker::new(config);
    // 20 calls, one failure in four: 5 of 20 (25%) stays closed.
    for i in 0..20 {
        if i % 4 == 0 {
            b.record_failure(t(i))
        } else {
            b.record_success(t(i))
        }
    }
    assert_eq!(b.state(), BreakerState::Closed);
    // A failure pushes out the oldest call (a failure): still 5 of 20.
    b.record_failure(t(21));
    assert_eq!(b.state(), BreakerState::Closed);
    // The next pushes out a success: 6 of 20 is 30%, the threshold.
    b.record_failure(t(22));
    assert_eq!(b.state(), BreakerState::Open { until: t(20_022) });
}

proptest! {
    /// Backoff never exceeds base x 2^(n-1) (capped), and stops after the retries.
    #[test]
    fn backoff_stays_under_its_ceiling(seed in any::<u64>(), n in 0u32..8) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // Seed 000's table: Redis, PostgreSQL, events, payments, pushes.
        for p in [
            RetryPolicy::new(1, Duration::ZERO),
            RetryPolicy::new(2, Duration::from_millis(100)),
            RetryPolicy::new(3, Duration::from_millis(100)),
            RetryPolicy::new(2, Duration::from_secs(1)),
            RetryPolicy::new(3, Duration::from_secs(1)),
        ] {
            match p.backoff(n, &mut rng) {
                Some(d) => {
                    prop_assert!(n >= 1 && n <= p.retries);
                    let ceiling = p.base_backoff.saturating_mul(1 << (n - 1)).min(p.max_backoff);
                    prop_assert!(d <= ceiling);
                }
                None => prop_assert!(n == 0 || n > p.retries),
            }
        }
    }

    /// An open breaker refuses every call before its wait is over, whatever
    /// happened before.
    #[test]
    fn an_open_breaker_refuses_until_its_wait_ends(outcomes in prop::collection::vec(any::<bool>(), 0..60), probe in 0i64..40_000) {
        let mut b = CircuitBreaker::new(BreakerConfig::payment());
        for (i, ok) in outcomes.iter().enumerate() {
            let now = t(i as i64);
            if b.allow(now).is_ok() {
                if *ok { b.record_success(now) } else { b.record_failure(now) }
            }
        }
        if let BreakerState::Open { until } = b.state() {
            let at = t(outcomes.len() as i64 + probe);
            prop_assert_eq!(b.allow(at).is_ok(), at >= until);
        }
    }
}

#[test]
fn backoff_ceilings_double_until_the_retries_are_spent() {
    let payment = RetryPolicy::new(2, Duration::from_secs(1));
    assert_eq!(payment.ceiling(1), Some(Duration::from_secs(1)));
    assert_eq!(payment.ceiling(2), Some(Duration::from_secs(2)));
    assert_eq!(payment.ceiling(3), None);
    assert_eq!(RetryPolicy::new(1, Duration::ZERO).ceiling(1), Some(Duration::ZERO));
    let long = RetryPolicy::new(10, Duration::from_secs(1));
    assert_eq!(long.ceiling(10), Some(Duration::from_secs(30)), "capped at 30 s");
}

/// A cancellation whose capture and release the gateway fails is not
/// dropped: the conclusion waits in a queue, each tick retries it when due,
/// and once the gateway answers the kept part is captured and the rest of
/// the hold released, once.
#[tokio::test]
async fn a_cancellations_capture_and_release_are_retried_until_they_go_through() {
    let store = MemoryStore::default();
    seed_catalog(&store).await;
    let w = World::new(store, config());
    let p = &w.platform;
    let id = p.place_order(&two_pizzas("conclude-1")).await.unwrap().order.id();
    w.advance(30);
    p.accept_order(RESTAURANT, id, Duration::from_mins(20)).await.unwrap();
    w.advance(90);
    let down_from = w.clock.now();
    w.gateway.add_outage(down_from, down_from.plus(Duration::from_mins(3)));
    let cancelled = p
        .cancel(Actor::Customer(CUSTOMER), id, CancelReason::CustomerRequest)
        .await
        .unwrap();
    let retained = cancelled.refund.unwrap().retained;
    assert!(retained.minor() > 0);
    assert_eq!(p.conclusions_queued(), 1, "the failed conclusion waits");
    let concluded = |calls: &[GatewayCall]| {
        let captured = calls
            .iter()
            .filter(|c| matches!(c, GatewayCall::Capture(o, m, _, true) if *o == id && *m == retained))
            .count();
        let released = calls
            .iter()
            .filter(|c| matches!(c, GatewayCall::Release(o, _, true) if *o == id))
            .count();
        (captured, released)
    };
    assert_eq!(concluded(&w.gateway.calls()), (0, 0));
    // Ticks during the outage retry and fail; none is lost.
    for _ in 0..6 {
        w.advance(20);
        assert_eq!(p.tick().await.unwrap().conclusions_completed, 0);
    }
    assert_eq!(p.conclusions_queued(), 1);
    // The gateway is back: the next due retry goes through, once.
    let mut completed = 0;
    for _ in 0..60 {
        w.advance(10);
        completed += p.tick().await.unwrap().conclusions_completed;
    }
    assert_eq!(completed, 1);
    assert_eq!(p.conclusions_queued(), 0);
    assert_eq!(concluded(&w.gateway.calls()), (1, 1));
    assert!(p.books().is_balanced());
}
