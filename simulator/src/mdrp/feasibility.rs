//! The MDRP feasibility rules, checked on a solution as its files state it.

use super::instance::Instance;
use super::solution::{Movement, Place, Solution};

/// Checks `solution` against every rule of the MDRP format and the
/// instance's service times; returns one line per broken rule (empty when
/// feasible).
///
/// The rules: every order in at most one bundle; no bundle assigned before
/// its orders are placed; a bundle's orders share a restaurant and are
/// picked up there at or after every ready time and no later than the
/// courier's off time; the orders file agrees with the assignments;
/// drop-offs follow the bundle's sequence spaced by at least the drop-off
/// service; each movement starts where the courier's previous one ended,
/// no earlier than it arrived; at each pickup and drop-off the courier's
/// last arrival was at that place, half the service time earlier at least,
/// and it stays the other half.
pub fn violations(instance: &Instance, solution: &Solution) -> Vec<String> {
    let mut out = Vec::new();
    let p = instance.params;
    let (ps_in, ds_in) = (p.pickup_service / 2, p.dropoff_service / 2);
    let (ps_out, ds_out) = (p.pickup_service - ps_in, p.dropoff_service - ds_in);
    let routes = Routes::of(instance, &solution.movements, &mut out);
    let mut bundle_of = vec![None; instance.orders.len()];
    for (b, a) in solution.assignments.iter().enumerate() {
        let line = b + 2;
        let Some(courier) = instance.couriers.get(a.courier) else {
            out.push(format!(
                "assignment line {line}: courier index {} out of range",
                a.courier
            ));
            continue;
        };
        let Some(first) = a.orders.first().and_then(|&o| instance.orders.get(o)) else {
            out.push(format!("assignment line {line}: no orders"));
            continue;
        };
        let restaurant = first.restaurant;
        for &o in &a.orders {
            let Some(order) = instance.orders.get(o) else {
                out.push(format!("assignment line {line}: order index {o} out of range"));
                continue;
            };
            match bundle_of.get_mut(o) {
                Some(Some(earlier)) => out.push(format!(
                    "order {}: in the bundles of assignment lines {} and {line}",
                    order.id,
                    *earlier + 2
                )),
                Some(slot) => *slot = Some(b),
                None => {}
            }
            if a.assigned < order.placed {
                out.push(format!(
                    "order {}: assigned at {} before it was placed at {}",
                    order.id, a.assigned, order.placed
                ));
            }
            if order.restaurant != restaurant {
                out.push(format!("order {}: bundled with orders of another restaurant", order.id));
            }
            if a.pickup < order.ready {
                out.push(format!(
                    "order {}: picked up at {} before it was ready at {}",
                    order.id, a.pickup, order.ready
                ));
            }
            let stated = solution.orders.get(o).copied().unwrap_or_default();
            if stated.pickup != Some(a.pickup) || stated.courier != Some(a.courier) {
                out.push(format!(
                    "order {}: the orders file says pickup {:?} by courier {:?}, the assignment {} by {}",
                    order.id, stated.pickup, stated.courier, a.pickup, courier.id
                ));
            }
        }
        if a.pickup > courier.off {
            out.push(format!(
                "assignment line {line}: pickup at {} after courier {}'s off time {}",
                a.pickup, courier.id, courier.off
            ));
        }
        routes.check_visit(
            instance,
            a.courier,
            Place::Restaurant(restaurant),
            a.pickup,
            ps_in,
            ps_out,
            &mut out,
        );
        let mut previous: Option<i64> = None;
        for &o in &a.orders {
            let Some(order) = instance.orders.get(o) else {
                continue;
            };
            let Some(drop) = solution.orders.get(o).and_then(|s| s.dropoff) else {
                out.push(format!("order {}: picked up and never dropped off", order.id));
                continue;
            };
            let earliest = previous.map_or(a.pickup + 1, |d| d + p.dropoff_service);
            if drop < earliest {
                out.push(format!(
                    "order {}: dropped off at {drop}, before {earliest} (sequence and drop-off service)",
                    order.id
                ));
            }
            routes.check_visit(instance, a.courier, Place::DropOff(o), drop, ds_in, ds_out, &mut out);
            previous = Some(drop);
        }
    }
    for (o, stated) in solution.orders.iter().enumerate() {
        if bundle_of.get(o).is_some_and(Option::is_none)
            && (stated.pickup.is_some() || stated.dropoff.is_some() || stated.courier.is_some())
        {
            out.push(format!(
                "order {}: the orders file gives it times or a courier but no assignment has it",
                instance.orders[o].id
            ));
        }
    }
    out
}

/// Each courier's stays: (place, arrival, next departure or none).
struct Routes {
    stays: Vec<Vec<(Place, i64, Option<i64>)>>,
}

impl Routes {
    fn of(instance: &Instance, movements: &[Movement], out: &mut Vec<String>) -> Routes {
        let mut stays: Vec<Vec<(Place, i64, Option<i64>)>> = vec![Vec::new(); instance.couriers.len()];
        let mut finished = vec![false; instance.couriers.len()];
        let mut last_courier = None;
        for (i, m) in movements.iter().enumerate() {
            let line = i + 2;
            let Some(route) = stays.get_mut(m.courier) else {
                out.push(format!(
                    "movement line {line}: courier index {} out of range",
                    m.courier
                ));
                continue;
            };
            if last_courier != Some(m.courier) {
                if finished[m.courier] {
                    out.push(format!(
                        "movement line {line}: courier {}'s movements are not grouped",
                        instance.couriers[m.courier].id
                    ));
                }
                if let Some(c) = last_courier.and_then(|c: usize| finished.get_mut(c)) {
                    *c = true;
                }
                last_courier = Some(m.courier);
            }
            let (here, arrived) = match route.last() {
                Some(&(place, arrival, _)) => (place, arrival),
                None => (Place::Start, i64::MIN),
            };
            if m.from != here {
                out.push(format!(
                    "movement line {line}: leaves from {:?} but the courier is at {here:?}",
                    m.from
                ));
            }
            if m.depart < arrived {
                out.push(format!(
                    "movement line {line}: leaves at {} before arriving at {arrived}",
                    m.depart
                ));
            }
            if let Some(stay) = route.last_mut() {
                stay.2 = Some(m.depart);
            }
            let (Some(a), Some(b)) = (instance.point_of(m.courier, m.from), instance.point_of(m.courier, m.to)) else {
                continue;
            };
            route.push((m.to, m.depart + instance.travel(a, b), None));
        }
        Routes { stays }
    }

    /// At `at` the courier's last arrival was at `place`, at least `before`
    /// minutes earlier, and it stays at least `after` minutes more.
    #[allow(clippy::too_many_arguments, reason = "one rule, stated in full")]
    fn check_visit(
        &self,
        instance: &Instance,
        courier: usize,
        place: Place,
        at: i64,
        before: i64,
        after: i64,
        out: &mut Vec<String>,
    ) {
        let Some(route) = self.stays.get(courier) else {
            return;
        };
        let name = instance.couriers.get(courier).map_or("?", |c| c.id.as_str());
        let last = route.iter().rev().find(|(_, arrival, _)| *arrival <= at);
        match last {
            Some(&(p, arrival, leaves)) if p == place => {
                if at < arrival + before {
                    out.push(format!(
                        "courier {name}: service at {place:?} at {at}, less than {before} min after arriving at {arrival}"
                    ));
                }
                if let Some(leaves) = leaves
                    && leaves < at + after
                {
                    out.push(format!(
                        "courier {name}: leaves {place:?} at {leaves}, less than {after} min after serving it at {at}"
                    ));
                }
            }
            Some(&(p, _, _)) => out.push(format!(
                "courier {name}: at {at} its last arrival was at {p:?}, not {place:?}"
            )),
            None => out.push(format!(
                "courier {name}: at {at} it had not arrived anywhere for {place:?}"
            )),
        }
    }
}
