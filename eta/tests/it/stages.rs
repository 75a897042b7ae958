//! Each stage of an order's estimate, on a model that knows only its priors.

use courier_core::{Duration, RestaurantId, Timestamp};
use courier_eta::{Courier, EtaConfig, EtaModel, Food, PrepConfig, PrepModel, Stage, TravelConfig, TravelModel};

use crate::fixture::{mins, place, request, six_pm};

fn model() -> EtaModel {
    EtaModel::new(EtaConfig::default())
}

#[test]
fn travel_time_is_distance_times_circuity_over_the_hours_speed() {
    let travel = TravelModel::new(TravelConfig::default());
    let (a, b) = (place(0.0, 0.0), place(3_000.0, 0.0));
    let metres = a.point().distance_m(b.point());
    // 20 km/h x 0.75 at 18:00, circuity 1.3.
    let expected = metres * 1.3 / (20.0 / 3.6 * 0.75);
    let got = travel.travel_secs(&a, &b, six_pm());
    assert!((got - expected).abs() < 1e-6, "{got} vs {expected}");
    let night = travel.travel_secs(&a, &b, Timestamp::from_millis(3 * 3_600_000));
    assert!((night - metres * 1.3 / (20.0 / 3.6 * 1.15)).abs() < 1e-6);
}

#[test]
fn picked_up_is_the_last_leg_and_the_door() {
    let model = model();
    let courier_at = place(1_000.0, 1_000.0);
    let req = request(Courier::PickedUp { at: courier_at });
    let b = model.breakdown(&req);
    assert_eq!(
        (b.to_restaurant, b.prep_remaining, b.pickup_service),
        (Duration::ZERO, Duration::ZERO, Duration::ZERO)
    );
    assert_eq!(
        b.to_customer,
        model.travel().travel_time(&courier_at, &req.dropoff, req.at)
    );
    assert_eq!(b.dropoff_service, mins(3));
    assert_eq!(b.total(), b.to_customer.saturating_add(mins(3)));
    assert_eq!(model.estimate(&req).stage, Stage::PickedUp);
}

#[test]
fn waiting_at_the_restaurant_is_the_food() {
    let model = model();
    let mut req = request(Courier::AtRestaurant);
    req.at = six_pm().plus(mins(5));
    let b = model.breakdown(&req);
    assert_eq!(b.to_restaurant, Duration::ZERO);
    assert_eq!(b.prep_remaining, mins(10));
    assert_eq!(
        b.total(),
        mins(10)
            .saturating_add(mins(2))
            .saturating_add(b.to_customer)
            .saturating_add(mins(3))
    );
}

#[test]
fn en_route_takes_the_longer_of_courier_and_kitchen() {
    let model = model();
    // Courier 500 m away: the kitchen is the bottleneck.
    let near = model.breakdown(&request(Courier::EnRoute { at: place(-500.0, 0.0) }));
    assert!(near.to_restaurant < near.prep_remaining);
    assert_eq!(
        near.total(),
        near.prep_remaining
            .saturating_add(mins(5))
            .saturating_add(near.to_customer)
    );
    // Courier 6 km away: the courier is.
    let far = model.breakdown(&request(Courier::EnRoute {
        at: place(-6_000.0, 0.0),
    }));
    assert!(far.to_restaurant > far.prep_remaining);
    assert_eq!(
        far.total(),
        far.to_restaurant
            .saturating_add(mins(5))
            .saturating_add(far.to_customer)
    );
}

#[test]
fn unassigned_uses_the_typical_approach() {
    let model = model();
    let mut req = request(Courier::Unassigned);
    req.food = Food::NotStarted {
        estimate: mins(5),
        orders_in_progress: 0,
    };
    let b = model.breakdown(&req);
    assert_eq!(b.to_restaurant, mins(8));
    assert_eq!(b.prep_remaining, mins(5));
    assert_eq!(b.total(), mins(8).saturating_add(mins(5)).saturating_add(b.to_customer));
}

#[test]
fn every_stage_reports_a_p90_above_its_p50() {
    let model = model();
    for courier in [
        Courier::Unassigned,
        Courier::EnRoute {
            at: place(-1_000.0, 0.0),
        },
        Courier::AtRestaurant,
        Courier::PickedUp {
            at: place(500.0, 500.0),
        },
    ] {
        let eta = model.estimate(&request(courier));
        assert!(eta.p50 < eta.p90, "{courier:?}: {eta:?}");
        assert_eq!(eta.arrival_p50(), six_pm().plus(eta.p50));
    }
}

#[test]
fn a_busy_kitchen_is_slower() {
    let prep = PrepModel::new(PrepConfig::default());
    let r = RestaurantId::new(3);
    assert_eq!(
        prep.expected(r, mins(10), 4),
        mins(10),
        "four orders fit in the free slots"
    );
    assert_eq!(prep.expected(r, mins(10), 6), mins(12), "two extra orders add 20%");
}

#[test]
fn late_food_is_still_expected_to_take_a_minute() {
    let prep = PrepModel::new(PrepConfig::default());
    let food = Food::Preparing {
        started: six_pm(),
        estimate: mins(10),
        orders_in_progress: 0,
    };
    let r = RestaurantId::new(3);
    assert_eq!(prep.remaining(r, food, six_pm().plus(mins(4))), mins(6));
    assert_eq!(prep.remaining(r, food, six_pm().plus(mins(30))), mins(1));
    assert_eq!(prep.remaining(r, Food::Ready, six_pm()), Duration::ZERO);
}

#[test]
fn a_courier_stuck_in_traffic_is_news_for_the_customer() {
    let model = model();
    let before = model.estimate(&request(Courier::EnRoute {
        at: place(-1_000.0, 0.0),
    }));
    let mut stuck = request(Courier::EnRoute {
        at: place(-1_000.0, 0.0),
    });
    stuck.at = six_pm().plus(mins(2));
    let small = model.estimate(&stuck);
    assert_eq!(
        model.shift(&before, &small),
        None,
        "two minutes of progress move nothing"
    );
    stuck.courier = Courier::EnRoute {
        at: place(-9_000.0, 0.0),
    };
    let shift = model.shift(&before, &model.estimate(&stuck)).unwrap();
    assert!(shift.is_later());
    assert!(shift.by() > mins(5));
}

#[test]
fn before_assignment_the_approach_is_learned_from_arrivals() {
    let mut model = model();
    let req = request(Courier::Unassigned);
    assert_eq!(model.breakdown(&req).to_restaurant, mins(8), "the prior");
    // A rush: couriers now reach restaurants 30 minutes after acceptance.
    for _ in 0..300 {
        model.observe_approach(mins(30));
    }
    let learned = model.breakdown(&req).to_restaurant;
    assert!(learned > mins(29) && learned <= mins(30), "{learned}");
    assert!(model.estimate(&req).p50 > mins(30));
    // What the city could do without the queue stays on the prior.
    let unqueued = model.estimate_unqueued(&req);
    assert_eq!(unqueued.breakdown.to_restaurant, mins(8));
    assert!(unqueued.p50 < model.estimate(&req).p50);
    // The queue clears: it comes back down.
    for _ in 0..300 {
        model.observe_approach(mins(6));
    }
    let calm = model.breakdown(&req).to_restaurant;
    assert!(calm < mins(7), "{calm}");
}
