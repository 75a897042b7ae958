//! Batch rounds: deferral, bundles, the optimum over greedy, and the
//! invariants over random worlds.

use std::collections::{BTreeMap, BTreeSet};

use courier_core::{CourierId, Duration, GeoPoint, OrderId, Place, Timestamp};
use courier_matching::{
    Availability, BatchConfig, BatchPlan, Carrying, GeoIndex, Job, ReleaseMemo, Stop, StraightLine, TravelTimes,
    best_route, plan_batch, plan_batch_remembering,
};
use proptest::prelude::*;

fn at(north_m: f64, east_m: f64) -> Place {
    let centre = GeoPoint::new(52.37, 4.90).unwrap();
    Place::resolve(centre.offset_m(north_m, east_m).unwrap(), 9).unwrap()
}

fn mins(m: u64) -> Duration {
    Duration::from_mins(m)
}

fn now() -> Timestamp {
    Timestamp::from_millis(18 * 3_600_000)
}

fn job(order: u64, pickup: Place, dropoff: Place, ready_in: u64, promised_in: u64) -> Job {
    Job {
        order: OrderId::new(order),
        pickup,
        dropoff,
        ready_at: now().plus(mins(ready_in)),
        promised_by: now().plus(mins(promised_in)),
        picked_up: false,
    }
}

fn index(couriers: &[(u64, Place)]) -> GeoIndex {
    let mut index = GeoIndex::default();
    for (id, p) in couriers {
        index.upsert(CourierId::new(*id), p.point());
    }
    index
}

/// The default policy, holding orders back however few wait (a small
/// round holds none back by default): what the deferral tests are about.
fn deferring() -> BatchConfig {
    BatchConfig {
        defer_above: 0,
        ..BatchConfig::default()
    }
}

/// The default policy without the customer's wait beyond the kitchen
/// priced: a bundle is judged by what it saves couriers and by lateness
/// alone, the mechanics these tests are about.
fn bundling() -> BatchConfig {
    let mut config = BatchConfig::default();
    config.weights.ready_to_door = 0.0;
    config
}

/// One round with nobody carrying anything, at straight-line speeds.
fn round(idx: &mut GeoIndex, open: &[Job], config: &BatchConfig) -> BatchPlan {
    plan_batch(now(), open, idx, &BTreeMap::new(), &StraightLine::default(), config)
}

#[test]
fn food_far_from_ready_is_deferred() {
    let mut idx = index(&[(1, at(800.0, 0.0)), (2, at(-800.0, 0.0))]);
    let open = [
        job(1, at(0.0, 0.0), at(2_000.0, 0.0), 30, 60),
        job(2, at(0.0, 50.0), at(-2_000.0, 0.0), 0, 40),
    ];
    let config = BatchConfig {
        batch_limit: 1,
        ..deferring()
    };
    let plan = round(&mut idx, &open, &config);
    assert_eq!(plan.deferred, vec![OrderId::new(1)]);
    assert_eq!(plan.assignments.len(), 1);
    assert_eq!(plan.assignments[0].orders, vec![OrderId::new(2)]);
}

/// Courier 1 is second nearest to every order (courier 2 a little nearer),
/// and the two orders nearest it go too far to be worth taking. Priced for
/// its two nearest units only, it takes nothing this round; priced for
/// all, it takes the nearer of the two short trips. Either way every order
/// is accounted for.
#[test]
fn an_over_listed_courier_is_priced_for_its_nearest_units_only() {
    let open = [
        job(1, at(0.0, 200.0), at(35_000.0, 200.0), 0, 60),
        job(2, at(0.0, 400.0), at(-35_000.0, 400.0), 0, 60),
        job(3, at(0.0, 1_500.0), at(1_000.0, 1_500.0), 0, 60),
        job(4, at(0.0, 3_000.0), at(-1_000.0, 3_000.0), 0, 60),
    ];
    let plan_with = |units_per_courier: usize| {
        let mut idx = index(&[(1, at(0.0, 0.0)), (2, at(0.0, 100.0))]);
        let config = BatchConfig {
            units_per_courier,
            batch_limit: 1,
            ..BatchConfig::default()
        };
        round(&mut idx, &open, &config)
    };
    let given = |plan: &BatchPlan| -> BTreeMap<CourierId, Vec<OrderId>> {
        plan.assignments.iter().map(|a| (a.courier, a.orders.clone())).collect()
    };
    let accounted = |plan: &BatchPlan| -> BTreeSet<OrderId> {
        let assigned = plan.assignments.iter().flat_map(|a| a.orders.iter().copied());
        assigned
            .chain(plan.unassigned.iter().copied())
            .chain(plan.deferred.iter().copied())
            .collect()
    };
    let all: BTreeSet<OrderId> = open.iter().map(|j| j.order).collect();

    let short = plan_with(2);
    assert_eq!(
        given(&short),
        BTreeMap::from([(CourierId::new(2), vec![OrderId::new(3)])]),
        "{short:?}"
    );
    assert_eq!(accounted(&short), all);

    let full = plan_with(30);
    assert_eq!(
        given(&full),
        BTreeMap::from([
            (CourierId::new(1), vec![OrderId::new(4)]),
            (CourierId::new(2), vec![OrderId::new(3)]),
        ]),
        "{full:?}"
    );
    assert_eq!(accounted(&full), all);
}

/// Two orders going the same way whose food is half an hour off: a pair
/// of held-back orders would only be held back together, so neither is
/// bundled; both wait, and nothing is counted as bundled.
#[test]
fn held_back_orders_are_not_bundled_with_each_other() {
    let mut idx = index(&[(1, at(300.0, 0.0)), (2, at(-300.0, 0.0))]);
    let open = [
        job(1, at(0.0, 0.0), at(2_000.0, 0.0), 30, 70),
        job(2, at(0.0, 40.0), at(2_050.0, 0.0), 30, 70),
    ];
    let plan = round(&mut idx, &open, &deferring());
    assert_eq!(plan.deferred, vec![OrderId::new(1), OrderId::new(2)]);
    assert_eq!(plan.bundled, 0);
    assert!(plan.assignments.is_empty());
}

/// One order's food is ready now, the other's in 12 minutes, same kitchen,
/// same way: within a 30-minute readiness window they ride together (the
/// courier would wait at the counter), within the 5-minute default the
/// first goes alone and the second is not given yet: its courier would be
/// there long before the food.
#[test]
fn food_ready_far_apart_does_not_share_a_bundle() {
    let open = [
        job(1, at(0.0, 0.0), at(2_000.0, 0.0), 0, 40),
        job(2, at(0.0, 40.0), at(2_050.0, 0.0), 12, 52),
    ];
    let plan_with = |window: Duration| {
        let mut idx = index(&[(1, at(300.0, 0.0)), (2, at(-300.0, 0.0))]);
        let config = BatchConfig {
            bundle_ready_window: window,
            ..bundling()
        };
        round(&mut idx, &open, &config)
    };
    let wide = plan_with(mins(30));
    assert_eq!(wide.bundled, 2, "{wide:?}");
    let default = plan_with(BatchConfig::default().bundle_ready_window);
    assert_eq!(default.bundled, 0);
    let waiting: Vec<OrderId> = default
        .held
        .iter()
        .flat_map(|a| a.orders.clone())
        .chain(default.deferred.clone())
        .collect();
    assert_eq!(waiting, vec![OrderId::new(2)], "{default:?}");
    assert_eq!(default.assignments.len(), 1);
    assert_eq!(default.assignments[0].orders, vec![OrderId::new(1)]);
}

#[test]
fn two_orders_going_the_same_way_ride_together() {
    let mut idx = index(&[(1, at(300.0, 0.0)), (2, at(-3_000.0, 0.0))]);
    let kitchen = at(0.0, 0.0);
    let open = [
        job(1, kitchen, at(2_000.0, 100.0), 0, 45),
        job(2, kitchen, at(2_300.0, -100.0), 0, 45),
    ];
    let plan = round(&mut idx, &open, &bundling());
    assert_eq!(plan.bundled, 2);
    assert_eq!(plan.assignments.len(), 1, "{plan:?}");
    let a = &plan.assignments[0];
    assert_eq!(a.courier, CourierId::new(1));
    assert_eq!(a.orders, vec![OrderId::new(1), OrderId::new(2)]);
    // Both pickups come before either drop-off, and the nearer door first.
    assert!(matches!(a.route.stops[..2], [Stop::Pickup(_), Stop::Pickup(_)]));
    assert_eq!(a.route.stops[2], Stop::Dropoff(OrderId::new(1)));
}

/// Orders 1 and 3 would ride together; order 2 goes the other way. Pairs
/// are tried among the earliest orders of a cell only: with two tried,
/// order 3 is never paired and all three go alone.
#[test]
fn bundles_are_tried_among_a_cells_earliest_orders() {
    let kitchen = at(0.0, 0.0);
    let open = [
        job(1, kitchen, at(2_000.0, 100.0), 0, 45),
        job(2, kitchen, at(-3_000.0, 0.0), 0, 16),
        job(3, kitchen, at(2_300.0, -100.0), 0, 45),
    ];
    let plan_with = |bundle_orders_per_cell: usize| {
        let mut idx = index(&[(1, at(300.0, 0.0)), (2, at(-300.0, 0.0)), (3, at(0.0, 300.0))]);
        let config = BatchConfig {
            bundle_orders_per_cell,
            ..bundling()
        };
        round(&mut idx, &open, &config)
    };
    let all = plan_with(3);
    let units: Vec<Vec<OrderId>> = all.assignments.iter().map(|a| a.orders.clone()).collect();
    assert_eq!(
        units,
        vec![vec![OrderId::new(1), OrderId::new(3)], vec![OrderId::new(2)]],
        "{all:?}"
    );
    let earliest_two = plan_with(2);
    assert_eq!(earliest_two.bundled, 0, "{earliest_two:?}");
    assert_eq!(earliest_two.assignments.len(), 3);
}

#[test]
fn opposite_doors_with_tight_promises_do_not_bundle() {
    let mut idx = index(&[(1, at(300.0, 0.0)), (2, at(-300.0, 0.0))]);
    let kitchen = at(0.0, 0.0);
    let open = [
        job(1, kitchen, at(3_000.0, 0.0), 0, 16),
        job(2, kitchen, at(-3_000.0, 0.0), 0, 16),
    ];
    let plan = round(&mut idx, &open, &BatchConfig::default());
    assert_eq!(plan.bundled, 0);
    assert_eq!(plan.assignments.len(), 2);
}

#[test]
fn the_round_takes_the_optimum_not_the_greedy_choice() {
    // Courier 1 is nearest to both restaurants; courier 2 can only reach A
    // reasonably. Greedy (A first, nearest courier) would send courier 1 to A
    // and leave B with nobody near: the optimum sends courier 2 to A.
    let (a, b) = (at(0.0, 0.0), at(0.0, 3_000.0));
    let mut idx = index(&[(1, at(0.0, 1_400.0)), (2, at(0.0, -1_800.0))]);
    let open = [
        job(1, a, at(1_000.0, 0.0), 0, 60),
        job(2, b, at(1_000.0, 3_000.0), 0, 60),
    ];
    let config = BatchConfig {
        batch_limit: 1,
        ..BatchConfig::default()
    };
    let plan = round(&mut idx, &open, &config);
    let given: BTreeMap<u64, u64> = plan
        .assignments
        .iter()
        .map(|x| (x.orders[0].get(), x.courier.get()))
        .collect();
    assert_eq!(given, BTreeMap::from([(1, 2), (2, 1)]), "{plan:?}");
}

#[test]
fn a_courier_carrying_an_order_takes_one_on_the_way() {
    let kitchen = at(0.0, 0.0);
    let mut idx = index(&[(1, at(100.0, 0.0))]);
    let carried = job(10, kitchen, at(2_000.0, 0.0), 0, 40);
    let carrying = BTreeMap::from([(
        CourierId::new(1),
        vec![Job {
            picked_up: true,
            ..carried
        }],
    )]);
    let open = [job(11, at(50.0, 50.0), at(2_100.0, 0.0), 0, 45)];
    let plan = plan_batch(
        now(),
        &open,
        &mut idx,
        &carrying,
        &StraightLine::default(),
        &BatchConfig::default(),
    );
    assert_eq!(plan.assignments.len(), 1);
    let route = &plan.assignments[0].route;
    assert_eq!(route.stops.len(), 3, "the carried order only drops off: {route:?}");
    assert!(!route.stops.contains(&Stop::Pickup(OrderId::new(10))));
}

/// A held-back order is checked first against the courier that held it
/// back: a nearer courier arriving changes nothing while that one still
/// holds it back; once it is busy, a search finds the other; once nobody
/// with room is near, the order goes.
#[test]
fn the_courier_that_held_an_order_back_is_asked_first() {
    let config = BatchConfig {
        batch_limit: 1,
        ..deferring()
    };
    let open = [job(1, at(0.0, 0.0), at(2_000.0, 0.0), 30, 70)];
    let (c1, c2) = (CourierId::new(1), CourierId::new(2));
    let mut idx = index(&[(1, at(300.0, 0.0))]);
    let mut memo = ReleaseMemo::default();
    let round = |idx: &mut GeoIndex, memo: &mut ReleaseMemo| {
        plan_batch_remembering(
            now(),
            &open,
            idx,
            &BTreeMap::new(),
            &StraightLine::default(),
            &config,
            memo,
        )
    };
    assert_eq!(round(&mut idx, &mut memo).deferred, vec![OrderId::new(1)]);
    assert_eq!(memo.held_by(OrderId::new(1)), Some(c1));

    idx.upsert(c2, at(100.0, 0.0).point());
    assert_eq!(round(&mut idx, &mut memo).deferred, vec![OrderId::new(1)]);
    assert_eq!(memo.held_by(OrderId::new(1)), Some(c1), "still held back by courier 1");

    idx.set_available(c1, false);
    assert_eq!(round(&mut idx, &mut memo).deferred, vec![OrderId::new(1)]);
    assert_eq!(memo.held_by(OrderId::new(1)), Some(c2), "found by the search");

    idx.upsert(c2, at(20_000.0, 0.0).point());
    let plan = round(&mut idx, &mut memo);
    assert!(plan.deferred.is_empty(), "{plan:?}");
    assert_eq!(plan.unassigned, vec![OrderId::new(1)]);
    assert!(memo.is_empty());
}

proptest! {
    #![proptest_config(crate::cases(200))]

    /// Over two rounds with couriers moving, leaving and filling up in
    /// between, a memo only ever adds held-back orders, each one held back
    /// by the courier remembered (indexed, with room, within the radius,
    /// near enough in time), and remembers exactly the orders it held back,
    /// each with a courier that holds it back.
    #[test]
    fn a_memo_holds_back_only_what_its_courier_would(
        couriers in prop::collection::vec((-3_000.0f64..3_000.0, -3_000.0f64..3_000.0, -9_000.0f64..9_000.0, -9_000.0f64..9_000.0, 0u8..3), 0..12),
        orders in prop::collection::vec((-2_000.0f64..2_000.0, -2_000.0f64..2_000.0, 0u64..30), 0..10),
        later_secs in 0u64..600,
    ) {
        let config = BatchConfig { batch_limit: 1, ..deferring() };
        let mut idx = GeoIndex::default();
        for (i, (n, e, ..)) in couriers.iter().enumerate() {
            idx.upsert(CourierId::new(i as u64), at(*n, *e).point());
        }
        let open: Vec<Job> = orders.iter().enumerate().map(|(i, (n, e, ready))| job(i as u64, at(*n, *e), at(0.0, 0.0), *ready, ready + 60)).collect();
        let carrying = BTreeMap::new();
        let mut memo = ReleaseMemo::default();
        plan_batch_remembering(now(), &open, &mut idx, &carrying, &SlowEast, &config, &mut memo);
        // Between rounds: some couriers move (up to 9 km), some fill up, some leave.
        for (i, (n, e, dn, de, fate)) in couriers.iter().enumerate() {
            let id = CourierId::new(i as u64);
            match fate {
                0 => { idx.upsert(id, at(n + dn, e + de).point()); }
                1 => { idx.set_available(id, false); }
                _ => { idx.remove(id); }
            }
        }
        let later = now().plus(Duration::from_secs(later_secs));
        let remembered = memo.clone();
        let with = plan_batch_remembering(later, &open, &mut idx.clone(), &carrying, &SlowEast, &config, &mut memo);
        let without = plan_batch(later, &open, &mut idx.clone(), &carrying, &SlowEast, &config);
        let holds_back = |order: OrderId, courier: CourierId| {
            let j = &open[order.get() as usize];
            idx.room_of(courier).is_some_and(|(p, room)| {
                room > 0
                    && p.distance_m(&j.pickup) <= config.search_radius_m
                    && j.ready_at.since(later) > SlowEast.travel(&p, &j.pickup, later).saturating_add(config.defer_slack)
            })
        };
        for o in &without.deferred {
            prop_assert!(with.deferred.contains(o), "{} held back without the memo, not with it", o);
        }
        for o in with.deferred.iter().filter(|o| !without.deferred.contains(o)) {
            let courier = remembered.held_by(*o);
            prop_assert!(courier.is_some_and(|c| holds_back(*o, c)), "{} held back by {:?}", o, courier);
        }
        prop_assert_eq!(memo.len(), with.deferred.len());
        for o in &with.deferred {
            let courier = memo.held_by(*o);
            prop_assert!(courier.is_some_and(|c| holds_back(*o, c)), "{} remembered as held back by {:?}", o, courier);
        }
    }

    /// A round's route searches run on every thread of rayon's pool: the
    /// plan is the same on one thread as on several, bundles and all.
    #[test]
    fn plans_do_not_depend_on_the_threads(
        couriers in prop::collection::vec((-1_500.0f64..1_500.0, -1_500.0f64..1_500.0, 0usize..2), 1..16),
        orders in prop::collection::vec((-600.0f64..600.0, -600.0f64..600.0, -3_000.0f64..3_000.0, -3_000.0f64..3_000.0, 0u64..12, 20u64..60), 1..24),
    ) {
        let mut idx = GeoIndex::default();
        let mut carrying = BTreeMap::new();
        for (i, (n, e, load)) in couriers.iter().enumerate() {
            let id = CourierId::new(i as u64);
            idx.upsert(id, at(*n, *e).point());
            let held: Vec<Job> = (0..*load).map(|k| job(1_000 + 10 * i as u64 + k as u64, at(*n, *e), at(*e, *n), 0, 40)).collect();
            if !held.is_empty() {
                carrying.insert(id, held);
            }
        }
        let open: Vec<Job> = orders.iter().enumerate().map(|(i, (pn, pe, dn, de, ready, promise))| job(i as u64, at(*pn, *pe), at(*dn, *de), *ready, ready + promise)).collect();
        let config = BatchConfig { batch_limit: 2, ..BatchConfig::default() };
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| plan_batch(now(), &open, &mut idx.clone(), &carrying, &StraightLine::default(), &config))
        };
        let one = on(1);
        prop_assert_eq!(&on(3), &one);
        prop_assert_eq!(&plan_batch(now(), &open, &mut idx.clone(), &carrying, &StraightLine::default(), &config), &one);
    }

    /// A round asks each place's travel figure once and hands it to every
    /// search through that place: the plan is the one a model without
    /// figures gives, with couriers carrying orders (picked up or not) and
    /// bundles tried, so a figure handed to the wrong place shows.
    #[test]
    fn plans_are_the_same_with_place_figures_or_without(
        couriers in prop::collection::vec((-1_500.0f64..1_500.0, -1_500.0f64..1_500.0, 0usize..3), 1..12),
        orders in prop::collection::vec((-600.0f64..600.0, -600.0f64..600.0, -3_000.0f64..3_000.0, -3_000.0f64..3_000.0, 0u64..12, 20u64..60), 1..20),
        limit in 1usize..4,
    ) {
        let mut idx = GeoIndex::default();
        let mut carrying = BTreeMap::new();
        for (i, (n, e, load)) in couriers.iter().enumerate() {
            let id = CourierId::new(i as u64);
            idx.upsert(id, at(*n, *e).point());
            let held: Vec<Job> = (0..(*load).min(limit))
                .map(|k| Job { picked_up: k % 2 == 1, ..job(1_000 + 10 * i as u64 + k as u64, at(*e, *n), at(*n, -*e), 0, 40) })
                .collect();
            if !held.is_empty() {
                carrying.insert(id, held);
            }
        }
        let open: Vec<Job> = orders.iter().enumerate().map(|(i, (pn, pe, dn, de, ready, promise))| job(i as u64, at(*pn, *pe), at(*dn, *de), *ready, ready + promise)).collect();
        let config = BatchConfig { batch_limit: limit, ..bundling() };
        let figured = plan_batch(now(), &open, &mut idx.clone(), &carrying, &EastFigured, &config);
        let plain = plan_batch(now(), &open, &mut idx, &carrying, &EastPlain, &config);
        prop_assert_eq!(figured, plain);
    }

    /// Random worlds: every open order comes out exactly once (assigned,
    /// deferred or unassigned), no courier ends over the batch limit counting
    /// what they already carry, no courier gets two units, and no unit costs
    /// more than leaving it.
    #[test]
    fn rounds_lose_nothing_and_respect_the_limit(
        couriers in prop::collection::vec((-3_000.0f64..3_000.0, -3_000.0f64..3_000.0, 0usize..3), 0..12),
        orders in prop::collection::vec((-2_000.0f64..2_000.0, -2_000.0f64..2_000.0, -3_000.0f64..3_000.0, -3_000.0f64..3_000.0, 0u64..30, 10u64..60), 0..15),
        limit in 1usize..4,
    ) {
        let mut idx = GeoIndex::default();
        let mut carrying = BTreeMap::new();
        for (i, (n, e, load)) in couriers.iter().enumerate() {
            let id = CourierId::new(i as u64);
            idx.upsert(id, at(*n, *e).point());
            let held: Vec<Job> = (0..(*load).min(limit)).map(|k| Job { picked_up: k % 2 == 0, ..job(1_000 + 10 * i as u64 + k as u64, at(*n, *e), at(*e, *n), 0, 40) }).collect();
            if !held.is_empty() {
                carrying.insert(id, held);
            }
        }
        let open: Vec<Job> = orders.iter().enumerate().map(|(i, (pn, pe, dn, de, ready, promise))| job(i as u64, at(*pn, *pe), at(*dn, *de), *ready, ready + promise)).collect();
        let config = BatchConfig { batch_limit: limit, ..BatchConfig::default() };
        let plan = plan_batch(now(), &open, &mut idx, &carrying, &StraightLine::default(), &config);

        // With the index's rooms kept exact, trusting them plans the same.
        let mut kept = GeoIndex::default();
        for (i, (n, e, _)) in couriers.iter().enumerate() {
            let id = CourierId::new(i as u64);
            kept.upsert(id, at(*n, *e).point());
            let load = carrying.get(&id).map_or(0, Vec::len);
            kept.set_room(id, u8::try_from(limit - load).unwrap());
        }
        let trusted = plan_batch(now(), &open, &mut kept, &RoomsKept(&carrying), &StraightLine::default(), &config);
        prop_assert_eq!(&trusted, &plan);

        let mut seen = BTreeSet::new();
        let matched = plan.assignments.iter().chain(&plan.held);
        for o in matched.clone().flat_map(|a| a.orders.iter()).chain(&plan.deferred).chain(&plan.unassigned) {
            prop_assert!(seen.insert(*o), "{} appears twice", o);
        }
        prop_assert_eq!(seen.len(), open.len(), "an order was lost");
        let mut couriers_used = BTreeSet::new();
        for a in &plan.assignments {
            // Given only when the courier would not wait long for the food.
            for o in &a.orders {
                let job = &open[o.get() as usize];
                let arrival = a.route.arrivals.iter().find(|x| x.0 == *o).map(|x| x.1);
                prop_assert!(arrival.is_some_and(|t| t.plus(config.commit_slack) >= job.ready_at), "{:?}", a);
            }
        }
        for a in &plan.held {
            let early = a.orders.iter().any(|o| {
                let job = &open[o.get() as usize];
                a.route.arrivals.iter().any(|x| x.0 == *o && x.1.plus(config.commit_slack) < job.ready_at)
            });
            prop_assert!(early, "held though due: {:?}", a);
        }
        for a in matched {
            prop_assert!(couriers_used.insert(a.courier), "{} got two units", a.courier);
            let held = carrying.get(&a.courier).map_or(0, Vec::len);
            prop_assert!(held + a.orders.len() <= limit, "{} would carry {}", a.courier, held + a.orders.len());
            for o in &a.orders {
                prop_assert!(a.route.stops.contains(&Stop::Dropoff(*o)));
            }
            // The route given is the best through what the courier held and the unit.
            let mut jobs = carrying.get(&a.courier).cloned().unwrap_or_default();
            jobs.extend(a.orders.iter().map(|o| open[o.get() as usize]));
            let (place, _) = idx.get(a.courier).unwrap();
            let best = best_route(&place, now(), &jobs, &StraightLine::default(), &config.weights);
            prop_assert_eq!(Some(&a.route), best.as_ref());
        }
    }

    /// Deferral follows the rule over every candidate, not just the nearest:
    /// with travel three times slower from the east half of the city (so the
    /// nearest courier is often not the quickest), an order is deferred
    /// exactly when its quickest candidate (of the nearest within the radius,
    /// found by a linear scan) would still be early by more than the slack.
    ///
    /// With bundles allowed, an order early by that rule may still ride in a
    /// bundle with one that is not (never the other way round: an order on
    /// time is never held back), and every bundle holds such an order.
    #[test]
    fn deferral_follows_the_quickest_candidate(
        couriers in prop::collection::vec((-3_000.0f64..3_000.0, -3_000.0f64..3_000.0), 0..12),
        orders in prop::collection::vec((-2_000.0f64..2_000.0, -2_000.0f64..2_000.0, 0u64..30), 0..10),
        limit in 1usize..4,
    ) {
        let config = BatchConfig { batch_limit: limit, ..deferring() };
        let places: Vec<(CourierId, Place)> = couriers.iter().enumerate().map(|(i, (n, e))| (CourierId::new(i as u64), at(*n, *e))).collect();
        let mut idx = GeoIndex::default();
        for (id, p) in &places {
            idx.upsert(*id, p.point());
        }
        let open: Vec<Job> = orders.iter().enumerate().map(|(i, (n, e, ready))| job(i as u64, at(*n, *e), at(0.0, 0.0), *ready, ready + 60)).collect();
        let plan = plan_batch(now(), &open, &mut idx, &BTreeMap::new(), &SlowEast, &config);
        let mut early_orders = BTreeSet::new();
        for j in &open {
            let mut near: Vec<(f64, CourierId, Place)> = places
                .iter()
                .map(|(id, p)| (p.distance_m(&j.pickup), *id, *p))
                .filter(|(d, ..)| *d <= config.search_radius_m)
                .collect();
            near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            near.truncate(config.candidates_per_order);
            let quickest = near.iter().map(|(_, _, p)| SlowEast.travel(p, &j.pickup, now())).min();
            let early = quickest.is_some_and(|t| j.ready_at.since(now()) > t.saturating_add(config.defer_slack));
            if limit == 1 || !early {
                prop_assert_eq!(plan.deferred.contains(&j.order), early, "{}: quickest {:?}", j.order, quickest);
            }
            if early {
                early_orders.insert(j.order);
            }
        }
        for a in plan.assignments.iter().filter(|a| a.orders.len() > 1) {
            prop_assert!(a.orders.iter().any(|o| !early_orders.contains(o)), "a bundle of held-back orders: {:?}", a.orders);
        }
    }
}

/// What couriers carry, saying the index's rooms are kept in line with it.
struct RoomsKept<'a>(&'a BTreeMap<CourierId, Vec<Job>>);

impl Carrying for RoomsKept<'_> {
    fn load(&self, courier: CourierId) -> usize {
        self.0.load(courier)
    }

    fn jobs_of(&self, courier: CourierId, out: &mut Vec<Job>) {
        self.0.jobs_of(courier, out);
    }

    fn rooms_kept(&self) -> bool {
        true
    }
}

/// Five metres a second, three times slower when leaving from east of the centre.
struct SlowEast;

impl TravelTimes for SlowEast {
    fn travel(&self, from: &Place, to: &Place, _at: Timestamp) -> Duration {
        let slow = if from.point().lng() > 4.90 { 3.0 } else { 1.0 };
        Duration::from_millis((from.distance_m(to) / 5.0 * slow * 1_000.0) as u64)
    }
}

/// Five metres a second, three times slower leaving from east of the
/// centre, the slowness a place figure: a search hands the figures of the
/// places it travels between, and swapping them changes the answer.
struct EastFigured;

impl TravelTimes for EastFigured {
    fn travel(&self, from: &Place, to: &Place, at: Timestamp) -> Duration {
        self.travel_between(from, self.place_figure(from), to, self.place_figure(to), at)
    }

    fn place_figure(&self, place: &Place) -> f64 {
        if place.point().lng() > 4.90 { 3.0 } else { 1.0 }
    }

    fn travel_between(&self, from: &Place, from_figure: f64, to: &Place, _: f64, _at: Timestamp) -> Duration {
        Duration::from_millis((from.distance_m(to) / 5.0 * from_figure * 1_000.0) as u64)
    }
}

/// [`EastFigured`] through `travel` alone.
struct EastPlain;

impl TravelTimes for EastPlain {
    fn travel(&self, from: &Place, to: &Place, at: Timestamp) -> Duration {
        EastFigured.travel(from, to, at)
    }
}

/// When couriers are short, the order whose food has waited longest goes
/// first: its leaving cost grows with every second it waits
/// (`waiting_weight`). Without that, the round serves the order nearest the
/// one courier and the old one waits on.
#[test]
fn the_oldest_order_goes_first_when_couriers_are_short() {
    let old = Job {
        ready_at: now().minus(mins(20)),
        promised_by: now().plus(mins(20)),
        ..job(1, at(1_200.0, 0.0), at(2_500.0, 0.0), 0, 0)
    };
    let fresh = job(2, at(300.0, 0.0), at(-1_500.0, 0.0), 0, 40);
    let given = |config: &BatchConfig| {
        let mut idx = index(&[(1, at(0.0, 0.0))]);
        let plan = round(&mut idx, &[old, fresh], config);
        assert_eq!(plan.assignments.len(), 1, "{plan:?}");
        plan.assignments[0].orders.clone()
    };
    assert_eq!(given(&BatchConfig::default()), vec![OrderId::new(1)]);
    let no_priority = BatchConfig {
        waiting_weight: 0.0,
        ..BatchConfig::default()
    };
    assert_eq!(given(&no_priority), vec![OrderId::new(2)]);
}

/// Couriers as a replay of fixed shifts sees them: some free only later,
/// at the place their trip ends, some ending their shift.
struct Shifts(BTreeMap<CourierId, Availability>);

impl Carrying for Shifts {
    fn load(&self, _: CourierId) -> usize {
        0
    }

    fn jobs_of(&self, _: CourierId, _: &mut Vec<Job>) {}

    fn availability(&self, courier: CourierId) -> Availability {
        self.0.get(&courier).copied().unwrap_or_default()
    }
}

/// A courier whose shift ends before the food is ready is never given it;
/// one free only in ten minutes is kept for the order (held), not given it,
/// while the food is not due; once due, the courier free now goes.
#[test]
fn availability_decides_who_can_take_an_order_and_when() {
    let order = job(1, at(0.0, 0.0), at(1_000.0, 0.0), 10, 50);
    let (ending, later, far) = (CourierId::new(1), CourierId::new(2), CourierId::new(3));
    let shifts = Shifts(BTreeMap::from([
        (
            ending,
            Availability {
                free_at: None,
                last_pickup: Some(now().plus(mins(5))),
            },
        ),
        (
            later,
            Availability {
                free_at: Some(now().plus(mins(10))),
                last_pickup: None,
            },
        ),
    ]));
    let mut idx = index(&[(1, at(100.0, 0.0)), (2, at(150.0, 0.0)), (3, at(3_000.0, 0.0))]);
    let plan = plan_batch(
        now(),
        &[order],
        &mut idx,
        &shifts,
        &StraightLine::default(),
        &BatchConfig::default(),
    );
    assert!(plan.assignments.is_empty(), "{plan:?}");
    assert_eq!(plan.held.len(), 1, "{plan:?}");
    assert_eq!(plan.held[0].courier, later);
    // The courier free later starts its route when free.
    assert_eq!(
        plan.held[0].route.arrivals[0].1,
        now()
            .plus(mins(10))
            .plus(StraightLine::default().travel(&at(150.0, 0.0), &order.pickup, now()),)
    );
    // Ten minutes on the food is ready and the later courier still busy:
    // the far one, free now, goes.
    let shifts = Shifts(BTreeMap::from([(
        later,
        Availability {
            free_at: Some(now().plus(mins(40))),
            last_pickup: None,
        },
    )]));
    let due = Job {
        ready_at: now(),
        ..order
    };
    let mut idx = index(&[(2, at(150.0, 0.0)), (3, at(3_000.0, 0.0))]);
    let plan = plan_batch(
        now(),
        &[due],
        &mut idx,
        &shifts,
        &StraightLine::default(),
        &BatchConfig::default(),
    );
    assert_eq!(plan.assignments.len(), 1, "{plan:?}");
    assert_eq!(plan.assignments[0].courier, far);
}

proptest! {
    #![proptest_config(crate::cases(200))]

    /// With at least as many free couriers as orders, all near, and every
    /// order's food due, no order is left: none unassigned, held or
    /// deferred.
    #[test]
    fn no_deliverable_order_is_left_while_couriers_are_free(
        orders in prop::collection::vec(((-1_500.0..1_500.0f64, -1_500.0..1_500.0f64), (-3_000.0..3_000.0f64, -3_000.0..3_000.0f64), 0u64..3), 1..12),
        extra in 0usize..6,
        spread in prop::collection::vec((-2_000.0..2_000.0f64, -2_000.0..2_000.0f64), 18),
    ) {
        let open: Vec<Job> = orders
            .iter()
            .enumerate()
            .map(|(i, (p, d, ready))| job(i as u64 + 1, at(p.0, p.1), at(d.0, d.1), *ready, 45))
            .collect();
        let couriers: Vec<(u64, Place)> = spread
            .iter()
            .take(open.len() + extra)
            .enumerate()
            .map(|(i, (n, e))| (i as u64 + 1, at(*n, *e)))
            .collect();
        let mut idx = index(&couriers);
        let plan = round(&mut idx, &open, &BatchConfig::default());
        prop_assert!(plan.unassigned.is_empty() && plan.held.is_empty() && plan.deferred.is_empty(), "{:?}", plan);
        let given: usize = plan.assignments.iter().map(|a| a.orders.len()).sum();
        prop_assert_eq!(given, open.len());
    }
}

/// A courier with stops of its own to make first holds no order back: a
/// straight ride from where it is says nothing of when it would get there.
/// Free, the same courier holds the order back, 12 minutes early.
#[test]
fn a_courier_carrying_orders_holds_nothing_back() {
    let kitchen = at(0.0, 0.0);
    let open = [job(1, kitchen, at(1_000.0, 0.0), 12, 60)];
    let carried = Job {
        picked_up: true,
        ..job(9, kitchen, at(-4_000.0, 0.0), 0, 40)
    };
    let carrying = BTreeMap::from([(CourierId::new(1), vec![carried])]);
    let config = BatchConfig {
        batch_limit: 2,
        ..deferring()
    };
    let mut idx = index(&[(1, at(50.0, 0.0))]);
    let busy = plan_batch(now(), &open, &mut idx, &carrying, &StraightLine::default(), &config);
    assert!(busy.deferred.is_empty(), "{busy:?}");
    let free = plan_batch(
        now(),
        &open,
        &mut idx,
        &BTreeMap::new(),
        &StraightLine::default(),
        &config,
    );
    assert_eq!(free.deferred, vec![OrderId::new(1)]);
}
