//! Ratings: one per order, rater and subject, even when sent concurrently;
//! the summary is the sum of what was stored.

use courier_core::order::Actor;
use courier_core::ports::{RatingOutcome, RatingStore};
use courier_core::rating::{Rating, RatingSubject, RatingSummary, Stars};
use courier_core::{CourierId, CustomerId, OrderId, RestaurantId, Timestamp};
use futures::future::join_all;

fn rating(order: u64, by: Actor, subject: RatingSubject, stars: u8) -> Rating {
    Rating {
        order: OrderId::new(order),
        by,
        subject,
        stars: Stars::new(stars).unwrap(),
        at: Timestamp::from_millis(1_000 * order as i64),
    }
}

/// Five concurrent copies of one rating store one; a repeat with other
/// stars reports the first; other orders and raters add up.
pub(crate) async fn one_rating_per_order_rater_and_subject(store: &impl RatingStore, base: u64) {
    let kitchen = RatingSubject::Restaurant(RestaurantId::new(base));
    let alice = Actor::Customer(CustomerId::new(base));
    let first = rating(base, alice, kitchen, 4);
    let outcomes = join_all((0..5).map(|_| store.record_rating(&first))).await;
    let recorded = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(RatingOutcome::Recorded(_))))
        .count();
    assert_eq!(recorded, 1, "{outcomes:?}");
    match store.record_rating(&rating(base, alice, kitchen, 1)).await.unwrap() {
        RatingOutcome::AlreadyRated(kept) => assert_eq!(kept, first),
        other => panic!("a second rating must not count: {other:?}"),
    }
    store.record_rating(&rating(base + 1, alice, kitchen, 5)).await.unwrap();
    let bob = Actor::Customer(CustomerId::new(base + 1));
    let RatingOutcome::Recorded(summary) = store.record_rating(&rating(base + 2, bob, kitchen, 2)).await.unwrap()
    else {
        panic!("a new order's rating counts");
    };
    assert_eq!(
        summary,
        RatingSummary {
            count: 3,
            total_stars: 11
        }
    );
    assert_eq!(store.rating_summary(kitchen).await.unwrap(), summary);
    assert_eq!(summary.average_centi(), Some(367));
    // The same order may rate several subjects; an unrated one has nothing.
    let rider = RatingSubject::Courier(CourierId::new(base));
    store.record_rating(&rating(base, alice, rider, 5)).await.unwrap();
    assert_eq!(store.rating_summary(rider).await.unwrap().count, 1);
    let nobody = RatingSubject::Customer(CustomerId::new(base + 77));
    assert_eq!(store.rating_summary(nobody).await.unwrap(), RatingSummary::default());
}
