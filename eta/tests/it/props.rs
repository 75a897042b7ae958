//! Properties of the estimate over random inputs and random learned state.

use courier_core::{Duration, GeoPoint, RestaurantId, Timestamp};
use courier_eta::{Courier, EtaConfig, EtaModel, EtaRequest, Food, Place, ReadyObservation, Trip};
use proptest::prelude::*;

use crate::fixture::{CENTRE, place};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    ProptestConfig::with_cases(cases)
}

/// A model that has learned from a few random trips, ready events and deliveries.
fn trained(observations: &[(f64, f64, f64, u64, u64)]) -> EtaModel {
    let mut model = EtaModel::new(EtaConfig::default());
    for &(n, e, ratio, hour, r) in observations {
        let (from, to) = (place(0.0, 0.0), place(n, e));
        let at = Timestamp::from_millis((hour * 3_600_000) as i64);
        let took = Duration::try_from_secs_f64(model.travel().static_secs(&from, &to, at) * ratio).unwrap();
        model.observe_trip(&Trip {
            from,
            to,
            started: at,
            took,
        });
        let ready = ReadyObservation {
            restaurant: RestaurantId::new(r),
            estimate: Duration::from_mins(15),
            orders_in_progress: 2,
            took: Duration::try_from_secs_f64(900.0 * ratio).unwrap(),
        };
        model.observe_ready(&ready);
    }
    model
}

fn observation() -> impl Strategy<Value = (f64, f64, f64, u64, u64)> {
    (-5_000.0..5_000.0, -5_000.0..5_000.0, 0.3..3.0, 0u64..24, 0u64..4)
}

fn courier_stage() -> impl Strategy<Value = u8> {
    0u8..4
}

proptest! {
    #![proptest_config(config())]

    /// Moving the customer further along the same bearing (same cells) never
    /// makes the food arrive sooner, at any stage, on any learned state.
    #[test]
    fn eta_is_monotone_in_distance(
        obs in prop::collection::vec(observation(), 0..20),
        bearing in 0.0f64..std::f64::consts::TAU,
        near in 0.0f64..8_000.0,
        extra in 0.0f64..8_000.0,
        stage in courier_stage(),
        hour in 0i64..24,
        prep_mins in 0u64..60,
    ) {
        let model = trained(&obs);
        let pickup = place(0.0, 0.0);
        let centre = GeoPoint::new(CENTRE.0, CENTRE.1).unwrap();
        let at_distance = |d: f64| Place::with_cell(centre.offset_m(d * bearing.cos(), d * bearing.sin()).unwrap(), place(3_000.0, 3_000.0).cell());
        let courier = match stage {
            0 => Courier::Unassigned,
            1 => Courier::EnRoute { at: place(-1_000.0, 500.0) },
            2 => Courier::AtRestaurant,
            _ => Courier::PickedUp { at: pickup },
        };
        let req = |d: f64| EtaRequest {
            at: Timestamp::from_millis(hour * 3_600_000),
            restaurant: RestaurantId::new(1),
            pickup,
            dropoff: at_distance(d),
            food: Food::NotStarted { estimate: Duration::from_mins(prep_mins), orders_in_progress: 3 },
            courier,
        };
        let (a, b) = (model.estimate(&req(near)), model.estimate(&req(near + extra)));
        prop_assert!(a.p50 <= b.p50, "{a:?} vs {b:?}");
        prop_assert!(a.p90 <= b.p90, "{a:?} vs {b:?}");
        for eta in [a, b] {
            prop_assert!(eta.p50 <= eta.p90);
            prop_assert!(eta.arrival_p50() >= eta.computed_at);
            prop_assert!(eta.breakdown.total() >= eta.breakdown.dropoff_service);
        }
    }

    /// A trip inside one cell moves that cell's estimate toward what was
    /// observed, never past it.
    #[test]
    fn learning_a_trip_moves_toward_it(
        obs in prop::collection::vec(observation(), 0..20),
        metres in 150.0f64..400.0,
        ratio in 0.3f64..3.0,
        hour in 0u64..24,
    ) {
        let mut model = trained(&obs);
        let from = place(0.0, 0.0);
        let to = Place::with_cell(place(metres, 0.0).point(), from.cell());
        let at = Timestamp::from_millis((hour * 3_600_000) as i64);
        let before = model.travel().travel_secs(&from, &to, at);
        let observed = model.travel().static_secs(&from, &to, at) * ratio;
        let trip = Trip { from, to, started: at, took: Duration::try_from_secs_f64(observed).unwrap() };
        prop_assert!(model.observe_trip(&trip));
        let after = model.travel().travel_secs(&from, &to, at);
        let (lo, hi) = if before <= observed { (before, observed) } else { (observed, before) };
        // Observations are rounded to the millisecond.
        prop_assert!(after >= lo - 1e-3 && after <= hi + 1e-3, "before {before}, observed {observed}, after {after}");
        prop_assert!((after - observed).abs() <= (before - observed).abs() + 1e-3);
    }

    /// Travel given the two paces looked up beforehand is travel, to the
    /// millisecond, on any learned state (route searches rely on it).
    #[test]
    fn travel_with_paces_looked_up_once_is_travel(
        obs in prop::collection::vec(observation(), 0..20),
        (n1, e1, n2, e2) in (-6_000.0f64..6_000.0, -6_000.0f64..6_000.0, -6_000.0f64..6_000.0, -6_000.0f64..6_000.0),
        at_ms in 0i64..(3 * 86_400_000),
    ) {
        let model = trained(&obs);
        let travel = model.travel();
        let (from, to) = (place(n1, e1), place(n2, e2));
        let at = Timestamp::from_millis(at_ms);
        let paced = travel.travel_time_paced(&from, travel.pace(from.cell()), &to, travel.pace(to.cell()), at);
        prop_assert_eq!(paced, travel.travel_time(&from, &to, at));
    }

    /// A ready event moves the restaurant's expected preparation toward it.
    #[test]
    fn learning_a_ready_event_moves_toward_it(
        obs in prop::collection::vec(observation(), 0..20),
        took_secs in 60u64..5_400,
        load in 0u32..12,
    ) {
        let mut model = trained(&obs);
        let restaurant = RestaurantId::new(2);
        let estimate = Duration::from_mins(15);
        let before = model.prep().expected(restaurant, estimate, load).as_millis() as i64;
        let took = Duration::from_secs(took_secs);
        let ready = ReadyObservation { restaurant, estimate, orders_in_progress: load, took };
        prop_assert!(model.observe_ready(&ready));
        let after = model.prep().expected(restaurant, estimate, load).as_millis() as i64;
        let observed = took.as_millis() as i64;
        // Ratios beyond x4 are clamped, so only the direction is promised for them.
        prop_assert!((after - observed).abs() <= (before - observed).abs() + 1, "before {before}, observed {observed}, after {after}");
    }
}

proptest! {
    #![proptest_config(config())]

    /// A place's cached-trigonometry distance is core's haversine.
    #[test]
    fn place_distance_is_haversine(
        lat1 in -89.0f64..89.0, lng1 in -180.0f64..180.0,
        lat2 in -89.0f64..89.0, lng2 in -180.0f64..180.0,
    ) {
        let (a, b) = (GeoPoint::new(lat1, lng1).unwrap(), GeoPoint::new(lat2, lng2).unwrap());
        let (pa, pb) = (Place::resolve(a, 5).unwrap(), Place::resolve(b, 5).unwrap());
        let (fast, reference) = (pa.distance_m(&pb), a.distance_m(b));
        prop_assert!((fast - reference).abs() <= 1e-6 * reference.max(1.0), "{fast} vs {reference}");
    }
}
