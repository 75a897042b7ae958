//! The offer cascade: timeouts, declines, cool-downs, widening.

use courier_core::{CourierId, Duration, Timestamp};
use courier_matching::{CascadeConfig, CascadeError, CascadeStep, OfferCascade, OfferOutcome};

fn c(id: u64) -> CourierId {
    CourierId::new(id)
}

fn secs(s: u64) -> Timestamp {
    Timestamp::EPOCH.plus(Duration::from_secs(s))
}

fn offered(step: CascadeStep) -> CourierId {
    match step {
        CascadeStep::Offer { courier, .. } => courier,
        other => panic!("expected an offer, got {other:?}"),
    }
}

#[test]
fn an_offer_waits_for_its_timeout_then_moves_on() {
    let mut cascade = OfferCascade::new(CascadeConfig::default());
    let ranked = [c(1), c(2), c(3)];
    assert_eq!(
        cascade.next(secs(0), &ranked),
        CascadeStep::Offer {
            courier: c(1),
            expires_at: secs(30)
        }
    );
    assert_eq!(
        cascade.next(secs(29), &ranked),
        CascadeStep::Waiting {
            courier: c(1),
            expires_at: secs(30)
        }
    );
    // At 30 s the offer has lapsed: recorded, and the next best is asked.
    assert_eq!(offered(cascade.next(secs(30), &ranked)), c(2));
    assert_eq!(cascade.history(), &[(c(1), secs(30), OfferOutcome::TimedOut)]);
    // A late answer from courier 1 is refused.
    assert_eq!(
        cascade.accept(c(1), secs(31)),
        Err(CascadeError::NoLiveOffer { courier: c(1) })
    );
    cascade.accept(c(2), secs(40)).unwrap();
    assert_eq!(cascade.live_offer(), None);
    assert_eq!(
        cascade.history().last(),
        Some(&(c(2), secs(40), OfferOutcome::Accepted))
    );
}

#[test]
fn an_answer_at_the_deadline_is_too_late() {
    let mut cascade = OfferCascade::new(CascadeConfig::default());
    cascade.next(secs(0), &[c(1)]);
    assert!(cascade.accept(c(1), secs(30)).is_err());
    assert!(cascade.accept(c(2), secs(10)).is_err(), "someone else cannot answer");
}

#[test]
fn three_offers_then_the_radius_widens() {
    let mut cascade = OfferCascade::new(CascadeConfig::default());
    let ranked = [c(1), c(2), c(3), c(4), c(5)];
    assert_eq!(cascade.radius_m(), 5_000.0);
    for (i, expect) in [c(1), c(2), c(3)].into_iter().enumerate() {
        let now = secs(10 * i as u64);
        assert_eq!(offered(cascade.next(now, &ranked)), expect);
        cascade.decline(expect, now.plus(Duration::from_secs(1))).unwrap();
    }
    assert_eq!(
        cascade.next(secs(40), &ranked),
        CascadeStep::Widen { radius_m: 8_000.0 }
    );
    assert_eq!(cascade.radius_m(), 8_000.0);
    // Declined couriers cool down: the wider search starts with courier 4.
    assert_eq!(offered(cascade.next(secs(41), &ranked)), c(4));
}

#[test]
fn nobody_left_to_ask_widens_and_the_last_radius_exhausts() {
    let mut cascade = OfferCascade::new(CascadeConfig::default());
    assert_eq!(cascade.next(secs(0), &[]), CascadeStep::Widen { radius_m: 8_000.0 });
    assert_eq!(cascade.next(secs(0), &[]), CascadeStep::Widen { radius_m: 12_000.0 });
    assert_eq!(cascade.next(secs(0), &[]), CascadeStep::Exhausted);
    assert_eq!(cascade.next(secs(5), &[c(1)]), CascadeStep::Exhausted);
    cascade.restart();
    assert_eq!(cascade.radius_m(), 5_000.0);
    assert_eq!(offered(cascade.next(secs(6), &[c(1)])), c(1));
}

#[test]
fn a_cool_down_ends() {
    let config = CascadeConfig {
        cooldown: Duration::from_mins(10),
        ..CascadeConfig::default()
    };
    let mut cascade = OfferCascade::new(config);
    cascade.next(secs(0), &[c(1)]);
    cascade.decline(c(1), secs(5)).unwrap();
    assert!(cascade.is_cooling_down(c(1), secs(604)));
    assert!(!cascade.is_cooling_down(c(1), secs(605)));
    cascade.restart();
    assert_eq!(
        cascade.next(secs(300), &[c(1)]),
        CascadeStep::Widen { radius_m: 8_000.0 }
    );
    cascade.restart();
    assert_eq!(offered(cascade.next(secs(605), &[c(1)])), c(1));
}
