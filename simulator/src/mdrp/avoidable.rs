//! Undelivered orders a courier could have collected: the dispatcher's
//! fault, not the fleet's.
//!
//! An undelivered order counts as avoidable when some courier, after the
//! order was placed, had an idle spell (no trip under way, before its next
//! trip set off and before its shift ended) long enough to reach the
//! restaurant and collect the food, by the instance's own travel rule.
//! Orders left while every courier was busy, or ready after every shift
//! ended, are the fleet's limit and do not count.

use super::instance::{Instance, Point};
use super::solution::{Place, Solution};

/// A courier between trips: idle from `from` until `until`, at `at`.
#[derive(Debug, Clone, Copy)]
struct Idle {
    from: i64,
    until: i64,
    at: Point,
}

/// The undelivered orders of `solution` that an idle courier could have
/// collected, by index.
pub fn avoidable_undelivered(instance: &Instance, solution: &Solution) -> Vec<usize> {
    let spells = idle_spells(instance, solution);
    let half_pickup = instance.params.pickup_service / 2;
    instance
        .orders
        .iter()
        .enumerate()
        .filter(|&(o, _)| solution.orders.get(o).is_none_or(|out| out.dropoff.is_none()))
        .filter(|(_, order)| {
            let Some(restaurant) = instance.restaurants.get(order.restaurant) else {
                return false;
            };
            spells.iter().enumerate().any(|(c, idle)| {
                let off = instance.couriers.get(c).map_or(i64::MIN, |s| s.off);
                idle.iter().any(|spell| {
                    let leave = spell.from.max(order.placed);
                    let collected = (leave + instance.travel(spell.at, restaurant.at) + half_pickup).max(order.ready);
                    leave < spell.until && collected <= spell.until.min(off)
                })
            })
        })
        .map(|(o, _)| o)
        .collect()
}

/// Each courier's idle spells: from its shift start (or the end of a trip,
/// at its last door) until it sets off for the next pickup (or its shift
/// ends).
fn idle_spells(instance: &Instance, solution: &Solution) -> Vec<Vec<Idle>> {
    let p = instance.params;
    let mut trips: Vec<Vec<(i64, i64, usize, usize)>> = vec![Vec::new(); instance.couriers.len()];
    for a in &solution.assignments {
        let (Some(&first), Some(&last)) = (a.orders.first(), a.orders.last()) else {
            continue;
        };
        let end = a
            .orders
            .iter()
            .filter_map(|&o| solution.orders.get(o)?.dropoff)
            .max()
            .unwrap_or(a.pickup)
            + (p.dropoff_service - p.dropoff_service / 2);
        if let Some(list) = trips.get_mut(a.courier) {
            list.push((a.pickup, end, first, last));
        }
    }
    // When each courier set off for a restaurant, in time order.
    let mut departures: Vec<Vec<(i64, Place)>> = vec![Vec::new(); instance.couriers.len()];
    for m in &solution.movements {
        if let (Place::Restaurant(_), Some(list)) = (m.to, departures.get_mut(m.courier)) {
            list.push((m.depart, m.to));
        }
    }
    instance
        .couriers
        .iter()
        .zip(trips)
        .zip(departures)
        .map(|((courier, mut list), departed)| {
            list.sort_unstable();
            let (mut at, mut from) = (courier.start, courier.on);
            let mut spells = Vec::with_capacity(list.len() + 1);
            for (pickup, end, first, last) in list {
                let restaurant = instance.orders.get(first).map(|o| o.restaurant);
                // The latest departure for this restaurant before the
                // pickup; the latest one could have left by otherwise.
                let latest = restaurant
                    .and_then(|r| instance.restaurants.get(r))
                    .map_or(pickup, |r| pickup - p.pickup_service / 2 - instance.travel(at, r.at));
                let sets_off = departed
                    .iter()
                    .rev()
                    .find(|(t, to)| *t <= pickup && restaurant.is_some_and(|r| *to == Place::Restaurant(r)))
                    .map_or(latest, |(t, _)| (*t).min(latest));
                spells.push(Idle {
                    from,
                    until: sets_off,
                    at,
                });
                from = end;
                at = instance.orders.get(last).map_or(at, |o| o.drop_off);
            }
            spells.push(Idle {
                from,
                until: courier.off,
                at,
            });
            spells
        })
        .collect()
}
