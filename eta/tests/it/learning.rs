//! A synthetic city whose true speeds and kitchens differ from the priors:
//! the learned model must beat the static one and its P90 must be calibrated.

use courier_core::{Duration, GeoPoint, RestaurantId, Timestamp};
use courier_eta::{AccuracyTracker, Courier, EtaConfig, EtaModel, EtaRequest, Food, Place, ReadyObservation, Trip};
use h3o::{LatLng, Resolution};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

use crate::fixture::{CENTRE, mins, place};

/// The true city: pace per resolution-7 cell (slower downtown, faster at the
/// edge) and a bias per restaurant, neither known to the model.
struct World {
    restaurants: Vec<(Place, f64)>,
    leg_noise: LogNormal<f64>,
    prep_noise: LogNormal<f64>,
    service_noise: LogNormal<f64>,
}

impl World {
    fn new(rng: &mut ChaCha8Rng) -> World {
        let restaurants = (0..60)
            .map(|_| (random_place(rng, 4_000.0), rng.random_range(0.8..1.5)))
            .collect();
        World {
            restaurants,
            leg_noise: LogNormal::new(0.0, 0.12).unwrap(),
            prep_noise: LogNormal::new(0.0, 0.15).unwrap(),
            service_noise: LogNormal::new(0.0, 0.25).unwrap(),
        }
    }

    /// True pace of the cell at `p`: a fixed pseudo-random value per cell in
    /// 0.7..1.8, so neighbouring cells differ as real districts do.
    fn true_pace(p: GeoPoint) -> f64 {
        let cell = LatLng::new(p.lat(), p.lng()).unwrap().to_cell(Resolution::Seven);
        let h = u64::from(cell).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
        0.7 + 1.1 * (h % 1_000) as f64 / 1_000.0
    }

    /// True time of a leg: the static time scaled by the mean true pace of
    /// five points along the way (not the model's two-cell rule), with noise.
    fn leg(&self, model: &EtaModel, from: &Place, to: &Place, at: Timestamp, rng: &mut ChaCha8Rng) -> Duration {
        let (a, b) = (from.point(), to.point());
        let pace: f64 = (0..5)
            .map(|i| {
                let f = f64::from(i) / 4.0;
                World::true_pace(
                    GeoPoint::new(a.lat() + f * (b.lat() - a.lat()), a.lng() + f * (b.lng() - a.lng())).unwrap(),
                )
            })
            .sum::<f64>()
            / 5.0;
        let secs = model.travel().static_secs(from, to, at) * pace * self.leg_noise.sample(rng);
        Duration::try_from_secs_f64(secs).unwrap()
    }
}

fn random_place(rng: &mut ChaCha8Rng, radius_m: f64) -> Place {
    place(
        rng.random_range(-radius_m..radius_m),
        rng.random_range(-radius_m..radius_m),
    )
}

/// One order, estimated when the courier is assigned, then played out.
struct Played {
    estimate_at: Timestamp,
    delivered: Timestamp,
}

fn play_order(
    world: &World,
    truth: &EtaModel,
    learner: &mut EtaModel,
    statik: &EtaModel,
    rng: &mut ChaCha8Rng,
    acc: (&mut AccuracyTracker, &mut AccuracyTracker),
) -> Played {
    let idx = rng.random_range(0..world.restaurants.len());
    let (pickup, bias) = world.restaurants[idx];
    let restaurant = RestaurantId::new(idx as u64);
    let at = Timestamp::from_millis(rng.random_range(0..24 * 3_600_000));
    let dropoff = place(
        (pickup.point().lat() - CENTRE.0) * 111_000.0 + rng.random_range(-3_000.0..3_000.0),
        (pickup.point().lng() - CENTRE.1) * 84_000.0 + rng.random_range(-3_000.0..3_000.0),
    );
    let courier_at = place(
        (pickup.point().lat() - CENTRE.0) * 111_000.0 + rng.random_range(-2_500.0..2_500.0),
        (pickup.point().lng() - CENTRE.1) * 84_000.0 + rng.random_range(-2_500.0..2_500.0),
    );
    let estimate = mins(rng.random_range(8..25));
    let load = rng.random_range(0..9);
    let food = Food::Preparing {
        started: at,
        estimate,
        orders_in_progress: load,
    };
    let req = EtaRequest {
        at,
        restaurant,
        pickup,
        dropoff,
        food,
        courier: Courier::EnRoute { at: courier_at },
    };
    let eta = learner.estimate(&req);
    let static_eta = statik.estimate(&req);

    // What really happens.
    let to_restaurant = world.leg(truth, &courier_at, &pickup, at, rng);
    let prep_secs = estimate.as_secs_f64() * bias * truth.prep().load_multiplier(load) * world.prep_noise.sample(rng);
    let prep = Duration::try_from_secs_f64(prep_secs).unwrap();
    let pickup_service = Duration::try_from_secs_f64(120.0 * world.service_noise.sample(rng)).unwrap();
    let departs = at.plus(to_restaurant.max(prep)).plus(pickup_service);
    let to_customer = world.leg(truth, &pickup, &dropoff, departs, rng);
    let dropoff_service = Duration::try_from_secs_f64(180.0 * world.service_noise.sample(rng)).unwrap();
    let delivered = departs.plus(to_customer).plus(dropoff_service);

    acc.0.record_eta(&eta, delivered);
    acc.1.record_eta(&static_eta, delivered);
    learner.observe_trip(&Trip {
        from: courier_at,
        to: pickup,
        started: at,
        took: to_restaurant,
    });
    learner.observe_trip(&Trip {
        from: pickup,
        to: dropoff,
        started: departs,
        took: to_customer,
    });
    learner.observe_ready(&ReadyObservation {
        restaurant,
        estimate,
        orders_in_progress: load,
        took: prep,
    });
    learner.observe_delivery(&eta, delivered);
    Played {
        estimate_at: at,
        delivered,
    }
}

#[test]
fn learning_beats_the_static_estimate_and_the_p90_is_calibrated() {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let world = World::new(&mut rng);
    let truth = EtaModel::new(EtaConfig::default());
    let statik = EtaModel::new(EtaConfig::default());
    let mut learner = EtaModel::new(EtaConfig::default());

    // Warm-up: learn from 8,000 deliveries, then measure the next 3,000.
    let (mut warm_l, mut warm_s) = (AccuracyTracker::default(), AccuracyTracker::default());
    for _ in 0..8_000 {
        play_order(
            &world,
            &truth,
            &mut learner,
            &statik,
            &mut rng,
            (&mut warm_l, &mut warm_s),
        );
    }
    let (mut learned, mut fixed) = (AccuracyTracker::default(), AccuracyTracker::default());
    for _ in 0..3_000 {
        let played = play_order(
            &world,
            &truth,
            &mut learner,
            &statik,
            &mut rng,
            (&mut learned, &mut fixed),
        );
        assert!(played.delivered > played.estimate_at);
    }
    let (l, s) = (learned.report().unwrap(), fixed.report().unwrap());
    eprintln!("learned: {l:?}\nstatic:  {s:?}");
    assert!(learner.travel().learned_cells() > 10);
    assert_eq!(learner.prep().learned_restaurants(), 60);
    assert!(
        l.mae_min < 0.6 * s.mae_min,
        "learned MAE {:.2} min vs static {:.2} min",
        l.mae_min,
        s.mae_min
    );
    assert!(l.bias_min.abs() < 1.0, "learned bias {:.2} min", l.bias_min);
    assert!(
        (0.85..=0.95).contains(&l.p90_coverage),
        "P90 coverage {:.3}",
        l.p90_coverage
    );
}

#[test]
fn same_observations_give_the_same_model() {
    let run = || {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let world = World::new(&mut rng);
        let truth = EtaModel::new(EtaConfig::default());
        let statik = EtaModel::new(EtaConfig::default());
        let mut learner = EtaModel::new(EtaConfig::default());
        let (mut a, mut b) = (AccuracyTracker::default(), AccuracyTracker::default());
        for _ in 0..300 {
            play_order(&world, &truth, &mut learner, &statik, &mut rng, (&mut a, &mut b));
        }
        let probe = EtaRequest {
            at: Timestamp::from_millis(19 * 3_600_000),
            restaurant: RestaurantId::new(3),
            pickup: place(0.0, 0.0),
            dropoff: place(1_500.0, -800.0),
            food: Food::NotStarted {
                estimate: mins(12),
                orders_in_progress: 5,
            },
            courier: Courier::Unassigned,
        };
        (learner.estimate(&probe), a.report())
    };
    assert_eq!(run(), run());
}
