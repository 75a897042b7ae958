//! Route search: the pruned depth-first search against pricing every
//! sequence in the same order, and the cap against the uncapped answer.

use courier_core::{Duration, GeoPoint, OrderId, Place, Timestamp};
use courier_matching::{CostWeights, Job, RoutePlan, Stop, TravelTimes, best_route, best_route_within, price};
use proptest::prelude::*;

fn at(north_m: f64, east_m: f64) -> Place {
    let centre = GeoPoint::new(52.37, 4.90).unwrap();
    Place::resolve(centre.offset_m(north_m, east_m).unwrap(), 9).unwrap()
}

fn now() -> Timestamp {
    Timestamp::from_millis(18 * 3_600_000)
}

/// Whole minutes (so that equal-cost sequences are common and the tie rule
/// is exercised), slower after 18:10, uphill (northward) legs dearer than
/// downhill ones, and slower east of the centre: neither symmetric nor
/// independent of the hour. The eastern slowdown is a per-place figure the
/// search asks for once and must hand back with the right places.
struct Minutes;

impl TravelTimes for Minutes {
    fn travel(&self, from: &Place, to: &Place, at: Timestamp) -> Duration {
        self.travel_between(from, self.place_figure(from), to, self.place_figure(to), at)
    }

    fn place_figure(&self, place: &Place) -> f64 {
        if place.point().lng() > 4.90 { 1.6 } else { 1.0 }
    }

    fn travel_between(&self, from: &Place, from_figure: f64, to: &Place, to_figure: f64, at: Timestamp) -> Duration {
        let uphill = if to.point().lat() > from.point().lat() {
            1.5
        } else {
            1.0
        };
        let rush = if at.since(now()) > Duration::from_mins(10) {
            1.4
        } else {
            1.0
        };
        let east = 0.5 * (from_figure + to_figure);
        let mins = (from.distance_m(to) / 300.0 * uphill * rush * east).round() as u64;
        Duration::from_mins(mins)
    }
}

/// [`Minutes`] through `travel` alone: what the reference prices with, so a
/// search that hands figures to the wrong places disagrees with it.
struct PlainMinutes;

impl TravelTimes for PlainMinutes {
    fn travel(&self, from: &Place, to: &Place, at: Timestamp) -> Duration {
        Minutes.travel(from, to, at)
    }
}

/// Every pickup-before-drop-off sequence, priced, in the order the search
/// documents ("ties keep the first sequence found"); the first cheapest wins.
fn reference(start: &Place, jobs: &[Job], w: &CostWeights) -> Option<RoutePlan> {
    fn walk(
        jobs: &[Job],
        picked: &mut Vec<bool>,
        dropped: &mut Vec<bool>,
        stops: &mut Vec<Stop>,
        out: &mut Vec<Vec<Stop>>,
    ) {
        if dropped.iter().all(|&d| d) {
            out.push(stops.clone());
            return;
        }
        for i in 0..jobs.len() {
            if !picked[i] {
                picked[i] = true;
                stops.push(Stop::Pickup(jobs[i].order));
                walk(jobs, picked, dropped, stops, out);
                stops.pop();
                picked[i] = false;
            } else if !dropped[i] {
                dropped[i] = true;
                stops.push(Stop::Dropoff(jobs[i].order));
                walk(jobs, picked, dropped, stops, out);
                stops.pop();
                dropped[i] = false;
            }
        }
    }
    if jobs.is_empty() || jobs.len() > 3 {
        return None;
    }
    let mut sequences = Vec::new();
    let mut picked: Vec<bool> = jobs.iter().map(|j| j.picked_up).collect();
    walk(
        jobs,
        &mut picked,
        &mut vec![false; jobs.len()],
        &mut Vec::new(),
        &mut sequences,
    );
    let mut best: Option<RoutePlan> = None;
    for stops in sequences {
        let plan = price(start, now(), jobs, &stops, &PlainMinutes, w);
        if best.as_ref().is_none_or(|b| plan.cost < b.cost) {
            best = Some(plan);
        }
    }
    best
}

/// A few places a block or two apart: shared stops and zero-length legs
/// make near-ties between sequences common.
fn arb_place() -> impl Strategy<Value = (f64, f64)> {
    prop_oneof![
        (-2i32..=2, -2i32..=2).prop_map(|(n, e)| (f64::from(n) * 400.0, f64::from(e) * 400.0)),
        (-3_000.0..3_000.0f64, -3_000.0..3_000.0f64),
    ]
}

fn arb_job(order: u64) -> impl Strategy<Value = Job> {
    (arb_place(), arb_place(), 0u64..30, 10u64..60, prop::bool::weighted(0.2)).prop_map(
        move |(p, d, ready, promised, picked_up)| Job {
            order: OrderId::new(order),
            pickup: at(p.0, p.1),
            dropoff: at(d.0, d.1),
            ready_at: now().plus(Duration::from_mins(ready)),
            promised_by: now().plus(Duration::from_mins(promised)),
            picked_up,
        },
    )
}

/// One to three jobs; now and then one repeats an earlier job's order id
/// (a caller's mistake the search must price as `price` does: by the first
/// job with the id).
fn arb_jobs() -> impl Strategy<Value = Vec<Job>> {
    (1usize..=3).prop_flat_map(|n| {
        (0..n as u64)
            .map(|i| prop_oneof![6 => Just(i), 1 => 0..=i].prop_flat_map(arb_job))
            .collect::<Vec<_>>()
    })
}

fn arb_weights() -> impl Strategy<Value = CostWeights> {
    (
        (0.0..2.0f64, 0.0..2.0f64, 0.0..2.0f64),
        prop_oneof![Just(0.0), 0.0..10.0f64],
        prop_oneof![Just(0.0), 0.0..2.0f64],
        (0u64..=4, 0u64..=4),
    )
        .prop_map(
            |((travel, food_wait, courier_idle), lateness, ready_to_door, (lead, trail))| CostWeights {
                travel,
                food_wait,
                courier_idle,
                lateness,
                ready_to_door,
                pickup_service: Duration::from_mins(4),
                pickup_lead: Duration::from_mins(lead),
                dropoff_service: Duration::from_mins(4),
                dropoff_trail: Duration::from_mins(trail),
            },
        )
}

/// MDRP's service rule: half the pickup service on arrival before the food
/// changes hands, half after; an order counts as delivered half-way through
/// the drop-off service.
#[test]
fn split_service_hands_food_over_between_arrival_and_departure() {
    let mins = Duration::from_mins;
    let w = CostWeights {
        pickup_service: mins(4),
        pickup_lead: mins(2),
        dropoff_service: mins(4),
        dropoff_trail: mins(2),
        ..CostWeights::default()
    };
    let job = Job {
        order: OrderId::new(1),
        pickup: at(0.0, 0.0),
        // 600 m north, uphill: 3 minutes.
        dropoff: at(600.0, 0.0),
        ready_at: now().plus(mins(1)),
        promised_by: now().plus(mins(30)),
        picked_up: false,
    };
    let stops = [Stop::Pickup(job.order), Stop::Dropoff(job.order)];
    let plan = price(&job.pickup, now(), &[job], &stops, &Minutes, &w);
    // In at once, the food changes hands 2 minutes later (it waited 1),
    // the courier leaves at 4, reaches the door at 7, hands over at 9.
    assert_eq!(plan.arrivals, vec![(job.order, now())]);
    assert_eq!(plan.food_wait, mins(1));
    assert_eq!(plan.courier_idle, Duration::ZERO);
    assert_eq!(plan.deliveries, vec![(job.order, now().plus(mins(9)))]);
    // The whole service before the handover, as by default: delivered at 11.
    let whole = CostWeights {
        dropoff_trail: Duration::ZERO,
        ..w
    };
    let plan = price(&job.pickup, now(), &[job], &stops, &Minutes, &whole);
    assert_eq!(plan.deliveries, vec![(job.order, now().plus(mins(11)))]);
}

proptest! {
    #![proptest_config(crate::cases(300))]

    #[test]
    fn best_route_is_the_first_cheapest_sequence(
        jobs in arb_jobs(),
        w in arb_weights(),
        start in arb_place(),
    ) {
        let start = at(start.0, start.1);
        prop_assert_eq!(best_route(&start, now(), &jobs, &Minutes, &w), reference(&start, &jobs, &w));
    }

    #[test]
    fn a_capped_search_answers_only_when_the_best_is_within_the_cap(
        jobs in arb_jobs(),
        w in arb_weights(),
        offset in -600.0..600.0f64,
    ) {
        let start = at(0.0, 0.0);
        let best = best_route(&start, now(), &jobs, &Minutes, &w).unwrap();
        for cap in [best.cost, best.cost + offset] {
            let capped = best_route_within(&start, now(), &jobs, &Minutes, &w, cap);
            let expected = (best.cost <= cap).then(|| best.clone());
            prop_assert_eq!(capped, expected, "cap {}", cap);
        }
    }
}

#[test]
fn negative_weights_are_searched_in_full() {
    // A reward for lateness makes later stops cheaper: no prefix bounds its
    // sequences, so nothing may be cut.
    let w = CostWeights {
        lateness: -1.0,
        ..CostWeights::default()
    };
    let jobs: Vec<Job> = (0..3)
        .map(|i| Job {
            order: OrderId::new(i),
            pickup: at(500.0 * i as f64, 0.0),
            dropoff: at(-800.0 * i as f64, 900.0),
            ready_at: now(),
            promised_by: now(),
            picked_up: false,
        })
        .collect();
    let start = at(100.0, 100.0);
    assert_eq!(
        best_route(&start, now(), &jobs, &Minutes, &w),
        reference(&start, &jobs, &w)
    );
}
