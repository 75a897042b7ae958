//! Restaurants recommended near a customer: the best rated of those open,
//! taking orders and delivering to where the customer is. The first
//! feature the degradation ladder drops (seed 000: "no personalized
//! suggestions" when search is slow), so it is its own service with its own
//! switch.

use std::sync::atomic::{AtomicBool, Ordering};

use courier_core::GeoPoint;
use courier_core::ports::{Restaurant, Store};

use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::parts::Parts;
use crate::rate_limits::{Endpoint, RateGuard, Tier};

/// The most recommendations one call answers.
pub const MAX_RECOMMENDATIONS: usize = 20;

/// How far around the customer recommendations are looked for, metres.
const LOOK_AROUND_M: f64 = 5_000.0;

/// Restaurants read around the customer before ranking: enough for a
/// dense centre, bounded per call.
const CANDIDATES: usize = 400;

/// A kilometre away costs this many hundredths of a star: between two
/// restaurants rated alike the nearer one (fresher food) ranks first,
/// but a much better one is worth a few kilometres.
const CENTI_PER_KM: f64 = 10.0;

/// The recommendations service.
pub(crate) struct Recommendations {
    rates: RateGuard,
    /// Off while the degradation ladder says so.
    on: AtomicBool,
}

impl Recommendations {
    pub(crate) fn new(rates: RateGuard) -> Recommendations {
        Recommendations {
            rates,
            on: AtomicBool::new(true),
        }
    }

    /// Recommends, or not (the degradation ladder).
    pub(crate) fn set_on(&self, on: bool) {
        self.on.store(on, Ordering::Relaxed);
    }

    /// Up to `limit` restaurants recommended at `near`, best first. Counts
    /// against the caller's search budget.
    pub(crate) async fn recommend(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        near: GeoPoint,
        limit: usize,
        tier: Tier,
        caller: &str,
    ) -> Result<Vec<Restaurant>, PlatformError> {
        if !self.on.load(Ordering::Relaxed) {
            return Err(PlatformError::Degraded {
                feature: "recommendations",
            });
        }
        if !(1..=MAX_RECOMMENDATIONS).contains(&limit) {
            return Err(PlatformError::invalid(
                "limit",
                format!("{limit} is not in 1..={MAX_RECOMMENDATIONS}"),
            ));
        }
        self.rates.check(parts, Endpoint::Search, tier, caller).await?;
        let around = parts.store.restaurants_near(near, LOOK_AROUND_M, CANDIDATES).await?;
        Ok(rank(around, near, limit))
    }
}

/// The restaurants that can take an order delivered to `near`, ranked by
/// rating less [`CENTI_PER_KM`] a kilometre, ties to the lower id.
fn rank(around: Vec<Restaurant>, near: GeoPoint, limit: usize) -> Vec<Restaurant> {
    let mut scored: Vec<(f64, Restaurant)> = around
        .into_iter()
        .filter(|r| r.is_open && r.accepting_orders)
        .filter_map(|r| {
            let metres = r.location.distance_m(near);
            (metres <= f64::from(r.delivery_radius_m))
                .then(|| (f64::from(r.rating_centi) - metres / 1_000.0 * CENTI_PER_KM, r))
        })
        .collect();
    scored.sort_by(|(a, ra), (b, rb)| b.total_cmp(a).then(ra.id.cmp(&rb.id)));
    scored.into_iter().take(limit).map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use courier_core::{Currency, Duration, Money, RestaurantId};

    use super::*;

    fn restaurant(id: u64, rating_centi: u16, metres_north: f64) -> Restaurant {
        Restaurant {
            id: RestaurantId::new(id),
            name: format!("r{id}"),
            cuisine: "pizza".into(),
            location: GeoPoint::new(60.17 + metres_north / 111_195.0, 24.94).unwrap(),
            rating_centi,
            is_open: true,
            accepting_orders: true,
            delivery_radius_m: 3_000,
            minimum_order: Money::zero(Currency::Usd),
            prep_time: Duration::from_mins(10),
        }
    }

    fn ids(rs: &[Restaurant]) -> Vec<u64> {
        rs.iter().map(|r| r.id.get()).collect()
    }

    #[test]
    fn the_best_rated_first_nearer_breaking_near_ties() {
        let here = GeoPoint::new(60.17, 24.94).unwrap();
        let around = vec![
            restaurant(1, 400, 100.0),
            restaurant(2, 480, 2_000.0),
            restaurant(3, 402, 1_000.0), // 2 centi better, 0.9 km farther: below 1
            restaurant(4, 500, 100.0),
        ];
        assert_eq!(ids(&rank(around, here, 10)), vec![4, 2, 1, 3]);
    }

    #[test]
    fn only_restaurants_that_deliver_here_and_take_orders() {
        let here = GeoPoint::new(60.17, 24.94).unwrap();
        let mut closed = restaurant(1, 500, 100.0);
        closed.is_open = false;
        let mut paused = restaurant(2, 500, 100.0);
        paused.accepting_orders = false;
        let too_far = restaurant(3, 500, 3_500.0);
        let fine = restaurant(4, 100, 2_900.0);
        assert_eq!(ids(&rank(vec![closed, paused, too_far, fine], here, 10)), vec![4]);
    }

    #[test]
    fn at_most_the_limit() {
        let here = GeoPoint::new(60.17, 24.94).unwrap();
        let around = (1..=10).map(|id| restaurant(id, 300, 100.0)).collect();
        assert_eq!(ids(&rank(around, here, 3)), vec![1, 2, 3]);
    }
}
