//! MDRP replays: a hand-checked instance, the feasibility rules, input
//! errors, and random instances replayed feasibly by every policy.

use std::fmt::Write as _;
use std::path::Path;

use courier_matching::{BatchConfig, CostWeights};
use courier_sim::mdrp::planner::config_for;
use courier_sim::mdrp::solution::Place;
use courier_sim::mdrp::{Instance, Metrics, Policy, Solution, avoidable, feasibility, replay, replay_dir};
use proptest::prelude::*;

const PARAMS: &str = "meters_per_minute\tpickup service minutes\tdropoff service minutes\ttarget click-to-door\tmaximum click-to-door\tpay per order\tguaranteed pay per hour\n100\t4\t4\t40\t90\t10\t15\n";

struct Spec<'a> {
    restaurants: &'a [(&'a str, i64, i64)],
    /// id, x, y, placed, restaurant, ready
    orders: &'a [(&'a str, i64, i64, i64, &'a str, i64)],
    /// id, x, y, on, off
    couriers: &'a [(&'a str, i64, i64, i64, i64)],
}

fn write_instance(dir: &Path, spec: &Spec<'_>) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("instance_parameters.txt"), PARAMS).unwrap();
    let mut t = String::from("restaurant\tx\ty\n");
    for (id, x, y) in spec.restaurants {
        writeln!(t, "{id}\t{x}\t{y}").unwrap();
    }
    std::fs::write(dir.join("restaurants.txt"), t).unwrap();
    let mut t = String::from("order\tx\ty\tplacement_time\trestaurant\tready_time\n");
    for (id, x, y, placed, r, ready) in spec.orders {
        writeln!(t, "{id}\t{x}\t{y}\t{placed}\t{r}\t{ready}").unwrap();
    }
    std::fs::write(dir.join("orders.txt"), t).unwrap();
    let mut t = String::from("courier\tx\ty\ton_time\toff_time\n");
    for (id, x, y, on, off) in spec.couriers {
        writeln!(t, "{id}\t{x}\t{y}\t{on}\t{off}").unwrap();
    }
    std::fs::write(dir.join("couriers.txt"), t).unwrap();
}

/// One restaurant at the origin, one courier 500 m away (5 min at 100
/// m/min), two orders 1 km from the restaurant, half an hour apart.
fn two_trips(dir: &Path) -> Instance {
    write_instance(
        dir,
        &Spec {
            restaurants: &[("r1", 0, 0)],
            orders: &[("o1", 0, 1000, 0, "r1", 10), ("o2", 1000, 0, 30, "r1", 35)],
            couriers: &[("c1", 300, 400, 0, 60)],
        },
    );
    Instance::load(dir).unwrap()
}

#[test]
fn a_hand_checked_replay() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = two_trips(&tmp.path().join("tiny"));
    assert_eq!(
        instance.travel(instance.couriers[0].start, instance.restaurants[0].at),
        5
    );
    for policy in [Policy::Greedy, Policy::Batch] {
        let out = tmp.path().join(format!("{policy:?}"));
        let report = replay_dir(&tmp.path().join("tiny"), policy, &out, || 0.0).unwrap();
        // o1: leave at 0, reach r1 at 5, food ready at 10 (pickup 10, after
        // the 2-min arrival half), leave at 12, 10 min to the door, drop at
        // 22 + 2 = 24, free at 26. o2 at 30: 10 min back to r1, arrive 40,
        // pickup 42, leave 44, drop 54 + 2 = 56.
        assert_eq!(
            std::fs::read_to_string(out.join("solution_info_assignments.txt")).unwrap(),
            "assignment_time pickup_time courier orders\n0 10 c1 o1\n30 42 c1 o2\n"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("solution_info_couriers.txt")).unwrap(),
            "courier departure_time origin destination\nc1 0 0 r1\nc1 12 r1 o1\nc1 30 o1 r1\nc1 44 r1 o2\n"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("solution_info_orders.txt")).unwrap(),
            "order placement_time restaurant ready_time pickup_time dropoff_time courier\n\
             o1 0 r1 10 10 24 c1\no2 30 r1 35 42 56 c1\n"
        );
        let m = &report.metrics;
        assert_eq!((m.orders_delivered, m.orders_deliverable, m.bundles), (2, 2, 2));
        assert_eq!(m.click_to_door_min.mean, 25.0);
        assert_eq!(m.ready_to_pickup_min.mean, 3.5);
        // max($10 x 2, $15 x 1 h) = $20.
        assert_eq!(m.courier_pay_cents, 2_000);
        assert_eq!(m.guarantee_share, 0.0);
        // Driving 5 + 10 + 10 + 10, service 4 x 4, over a 60-minute shift.
        assert!((m.courier_utilization - 51.0 / 60.0).abs() < 1e-12);
        assert!(report.violations.is_empty(), "{:?}", report.violations);
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(json["orders_delivered"], 2);
        assert_eq!(
            json["policy"],
            if policy == Policy::Greedy { "greedy" } else { "batch" }
        );
    }
}

#[test]
fn an_order_ready_after_every_shift_is_undeliverable_and_left_out() {
    let tmp = tempfile::tempdir().unwrap();
    write_instance(
        tmp.path(),
        &Spec {
            restaurants: &[("r1", 0, 0)],
            orders: &[("o1", 0, 100, 0, "r1", 5), ("o2", 0, 100, 50, "r1", 70)],
            couriers: &[("c1", 0, 0, 0, 60)],
        },
    );
    let instance = Instance::load(tmp.path()).unwrap();
    for policy in [Policy::Greedy, Policy::Batch] {
        let solution = replay(&instance, policy);
        let m = Metrics::of(&instance, &solution);
        assert_eq!((m.orders_delivered, m.orders_deliverable), (1, 1));
        assert_eq!(solution.orders[1].courier, None);
        assert!(feasibility::violations(&instance, &solution).is_empty());
    }
}

#[test]
fn the_batch_policy_bundles_when_couriers_are_short() {
    let tmp = tempfile::tempdir().unwrap();
    write_instance(
        tmp.path(),
        &Spec {
            restaurants: &[("r1", 0, 0)],
            orders: &[
                ("o1", 0, 1000, 0, "r1", 10),
                ("o2", 0, 1200, 0, "r1", 11),
                ("o3", 0, -1000, 0, "r1", 12),
            ],
            couriers: &[("c1", 0, 500, 0, 120)],
        },
    );
    let instance = Instance::load(tmp.path()).unwrap();
    let greedy = replay(&instance, Policy::Greedy);
    let batch = replay(&instance, Policy::Batch);
    assert_eq!(greedy.assignments.len(), 3);
    assert!(batch.assignments.len() < 3, "{:?}", batch.assignments);
    let ctd = |s: &Solution| Metrics::of(&instance, s).click_to_door_min.mean;
    assert!(
        ctd(&batch) < ctd(&greedy),
        "batch {} vs greedy {}",
        ctd(&batch),
        ctd(&greedy)
    );
    for s in [&greedy, &batch] {
        assert!(feasibility::violations(&instance, s).is_empty());
    }
}

/// The hand-checked solution with one rule broken by `edit`; the checker
/// must report a line containing `expect`.
fn broken(edit: impl FnOnce(&mut Solution), expect: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let instance = two_trips(tmp.path());
    let mut solution = replay(&instance, Policy::Greedy);
    assert!(feasibility::violations(&instance, &solution).is_empty());
    edit(&mut solution);
    let found = feasibility::violations(&instance, &solution);
    assert!(
        found.iter().any(|v| v.contains(expect)),
        "expected {expect:?} in {found:?}"
    );
}

#[test]
fn an_order_in_two_bundles_is_infeasible() {
    broken(
        |s| s.assignments[1].orders.push(0),
        "in the bundles of assignment lines 2 and 3",
    );
}

#[test]
fn assigning_before_placement_is_infeasible() {
    broken(
        |s| s.assignments[1].assigned = 29,
        "assigned at 29 before it was placed at 30",
    );
}

#[test]
fn picking_up_before_ready_is_infeasible() {
    broken(
        |s| {
            s.assignments[0].pickup = 9;
            s.orders[0].pickup = Some(9);
        },
        "picked up at 9 before it was ready at 10",
    );
}

#[test]
fn picking_up_after_the_shift_is_infeasible() {
    broken(
        |s| {
            s.assignments[1].pickup = 61;
            s.orders[1].pickup = Some(61);
        },
        "after courier c1's off time 60",
    );
}

#[test]
fn drop_offs_must_follow_the_sequence_with_service_between() {
    broken(
        |s| {
            s.assignments[1].orders = vec![1, 0];
            s.assignments.remove(0);
            s.orders[0].pickup = Some(42);
            s.orders[0].dropoff = Some(58);
        },
        "before 60 (sequence and drop-off service)",
    );
}

#[test]
fn a_movement_must_start_where_the_last_one_ended() {
    broken(
        |s| s.movements[2].from = Place::Start,
        "leaves from Start but the courier is at DropOff(0)",
    );
}

#[test]
fn the_courier_must_be_at_the_restaurant_for_the_pickup() {
    // Leaving for r1 at 33 instead of 30 arrives at 43: the pickup at 42
    // finds the courier's last arrival at o1's door.
    broken(
        |s| s.movements[2].depart = 33,
        "at 42 its last arrival was at DropOff(0), not Restaurant(0)",
    );
}

#[test]
fn the_orders_file_must_agree_with_the_assignments() {
    broken(
        |s| s.orders[0].courier = None,
        "the orders file says pickup Some(10) by courier None",
    );
}

#[test]
fn a_malformed_instance_names_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    write_instance(
        tmp.path(),
        &Spec {
            restaurants: &[("r1", 0, 0)],
            orders: &[("o1", 0, 10, 0, "r9", 5)],
            couriers: &[("c1", 0, 0, 0, 60)],
        },
    );
    let e = Instance::load(tmp.path()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}:2: restaurant: \"r9\" is not in restaurants.txt",
            tmp.path().join("orders.txt").display()
        )
    );
    let couriers = tmp.path().join("couriers.txt");
    std::fs::write(&couriers, "courier\tx\ty\ton_time\toff_time\nc1\t0\t0\t0\tlate\n").unwrap();
    std::fs::write(
        tmp.path().join("orders.txt"),
        "order\tx\ty\tplacement_time\trestaurant\tready_time\n",
    )
    .unwrap();
    let e = Instance::load(tmp.path()).unwrap_err();
    assert_eq!(
        (e.file.as_path(), e.line, e.field.as_str()),
        (couriers.as_path(), 2, "off_time")
    );
    std::fs::remove_file(&couriers).unwrap();
    let e = Instance::load(tmp.path()).unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (0, "(file)"));
}

prop_compose! {
    fn instance_spec()(
        restaurants in prop::collection::vec((0i64..5_000, 0i64..5_000), 1..5),
        orders in prop::collection::vec((0i64..5_000, 0i64..5_000, 0i64..120, 0usize..5, 0i64..40), 1..30),
        couriers in prop::collection::vec((0i64..5_000, 0i64..5_000, 0i64..60, 10i64..150), 1..6),
    ) -> (Vec<(i64, i64)>, Vec<(i64, i64, i64, usize, i64)>, Vec<(i64, i64, i64, i64)>) {
        (restaurants, orders, couriers)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every policy's solution on any instance obeys every rule, delivers
    /// no order twice and none that cannot be delivered, and a replay
    /// is a function of the instance.
    #[test]
    fn every_policy_replays_any_instance_feasibly((rs, os, cs) in instance_spec()) {
        let tmp = tempfile::tempdir().unwrap();
        let r_ids: Vec<String> = (0..rs.len()).map(|i| format!("r{i}")).collect();
        let o_ids: Vec<String> = (0..os.len()).map(|i| format!("o{i}")).collect();
        let c_ids: Vec<String> = (0..cs.len()).map(|i| format!("c{i}")).collect();
        let restaurants: Vec<_> = rs.iter().zip(&r_ids).map(|(&(x, y), id)| (id.as_str(), x, y)).collect();
        let orders: Vec<_> = os
            .iter()
            .zip(&o_ids)
            .map(|(&(x, y, placed, r, prep), id)| (id.as_str(), x, y, placed, r_ids[r % rs.len()].as_str(), placed + prep))
            .collect();
        let couriers: Vec<_> = cs.iter().zip(&c_ids).map(|(&(x, y, on, len), id)| (id.as_str(), x, y, on, on + len)).collect();
        write_instance(tmp.path(), &Spec { restaurants: &restaurants, orders: &orders, couriers: &couriers });
        let instance = Instance::load(tmp.path()).unwrap();
        for policy in [Policy::Greedy, Policy::Batch] {
            let solution = replay(&instance, policy);
            let out = tmp.path().join(format!("{policy:?}"));
            solution.write(&instance, &out).unwrap();
            let read = Solution::read(&instance, &out).unwrap();
            prop_assert_eq!(&read, &solution);
            let found = feasibility::violations(&instance, &read);
            prop_assert!(found.is_empty(), "{:?}: {:?}", policy, found);
            let m = Metrics::of(&instance, &read);
            prop_assert!(m.orders_delivered <= m.orders_deliverable);
            prop_assert_eq!(&replay(&instance, policy), &solution);
        }
    }
}

/// One dispatcher: the MDRP replay plans with courier-matching's batch
/// planner under the platform's own policy (the same `BatchConfig` the
/// scenario engine and the server run), changed only where the instance
/// states its rules: service times, one-restaurant bundles, one bundle a
/// trip (up to the planner's most), and a whole-city search.
#[test]
fn mdrp_replays_plan_with_the_platforms_own_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = two_trips(tmp.path());
    let mdrp: BatchConfig = config_for(&instance);
    let platform = BatchConfig::default();
    let rules_aside = BatchConfig {
        weights: CostWeights {
            pickup_service: platform.weights.pickup_service,
            pickup_lead: platform.weights.pickup_lead,
            dropoff_service: platform.weights.dropoff_service,
            dropoff_trail: platform.weights.dropoff_trail,
            ..mdrp.weights
        },
        bundle_scope: platform.bundle_scope,
        batch_limit: platform.batch_limit,
        search_radius_m: platform.search_radius_m,
        ..mdrp.clone()
    };
    assert_eq!(rules_aside, platform);
    assert_eq!(mdrp.weights.pickup_lead, courier_core::Duration::from_mins(2));
}

/// A dispatcher that never idles a courier while an order it could collect
/// waits leaves no order avoidably undelivered; an order left while a
/// courier sat idle next to it is counted.
#[test]
fn undelivered_orders_an_idle_courier_could_have_collected_are_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = two_trips(tmp.path());
    let solution = replay(&instance, Policy::Batch);
    assert_eq!(solution.orders.iter().filter(|o| o.dropoff.is_some()).count(), 2);
    assert!(avoidable::avoidable_undelivered(&instance, &solution).is_empty());
    // Drop the second trip: the courier was idle at the first door from
    // minute 19 to its shift's end at 60, 10 minutes from the restaurant.
    let mut lazy = solution.clone();
    let second = lazy.assignments.pop().unwrap();
    for &o in &second.orders {
        lazy.orders[o] = Default::default();
    }
    lazy.movements.retain(|m| m.depart < second.assigned);
    assert_eq!(avoidable::avoidable_undelivered(&instance, &lazy), vec![1]);
    // The same order is not avoidable once the courier's shift ends first.
    let mut short = instance.clone();
    short.couriers[0].off = 20;
    assert!(avoidable::avoidable_undelivered(&short, &lazy).is_empty());
}

/// A harder variant keeps the demand and drops a seeded share of couriers,
/// the same ones for the same seed, never the last.
#[test]
fn a_harder_variant_removes_a_seeded_share_of_couriers() {
    let tmp = tempfile::tempdir().unwrap();
    let mut instance = two_trips(tmp.path());
    instance.couriers = (0..20)
        .map(|i| courier_sim::mdrp::instance::Courier {
            id: format!("c{i}"),
            ..instance.couriers[0].clone()
        })
        .collect();
    let fewer = instance.without_couriers(0.3, 7);
    assert_eq!(fewer.couriers.len(), 14);
    assert_eq!(fewer.orders, instance.orders);
    assert_eq!(fewer.name, format!("{}-c30s7", instance.name));
    assert_eq!(instance.without_couriers(0.3, 7), fewer);
    assert_ne!(instance.without_couriers(0.3, 8).couriers, fewer.couriers);
    assert_eq!(instance.without_couriers(1.0, 7).couriers.len(), 1);
}
