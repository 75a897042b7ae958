//! What a planner weighs a fleet by: service over every placed order (a
//! cancelled, rejected or undelivered order fails it), utilization while
//! orders come (not over the drain after), and what couriers cost when
//! each is paid the larger of its orders' pay and an hourly guarantee.

use std::collections::BTreeMap;

use courier_core::CourierId;
use serde::Serialize;

use crate::engine::RunOutput;
use crate::report::OrderTrack;

/// Service over every placed order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Service {
    /// Share of placed orders delivered by the P90 time promised when the
    /// restaurant accepted.
    pub within_promise: f64,
    /// Share of placed orders delivered within 45 minutes of the click.
    pub within_45_min: f64,
    /// Share within 60 minutes.
    pub within_60_min: f64,
    /// Click-to-door median over every placed order, a failed one counting
    /// as never delivered (none when over half failed).
    pub click_to_door_p50_min: Option<f64>,
    /// The 90th percentile likewise (none when over a tenth failed).
    pub click_to_door_p90_min: Option<f64>,
    /// The 99th percentile likewise.
    pub click_to_door_p99_min: Option<f64>,
}

impl Service {
    /// The service of `orders`.
    pub fn of(orders: &[OrderTrack]) -> Service {
        let placed = orders.len();
        if placed == 0 {
            return Service::default();
        }
        let share = |ok: usize| ok as f64 / placed as f64;
        let delivered: Vec<f64> = orders.iter().filter_map(|o| o.minutes_between(0, 5)).collect();
        let within = |limit: f64| share(delivered.iter().filter(|&&m| m <= limit).count());
        let promised = orders
            .iter()
            .filter(|o| matches!((o.times[5], o.eta), (Some(at), Some(eta)) if at <= eta.arrival_p90().as_millis()))
            .count();
        let mut sorted = delivered.clone();
        sorted.sort_by(f64::total_cmp);
        // Nearest rank over every placed order; ranks past the delivered
        // ones are orders never delivered.
        let rank = |q: f64| crate::report::nearest_rank(&sorted, placed, q);
        Service {
            within_promise: share(promised),
            within_45_min: within(45.0),
            within_60_min: within(60.0),
            click_to_door_p50_min: rank(0.5),
            click_to_door_p90_min: rank(0.9),
            click_to_door_p99_min: rank(0.99),
        }
    }
}

/// What the couriers of a run cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Costs {
    /// Hours couriers were online.
    pub courier_hours: f64,
    /// Each courier paid the larger of its orders' pay and the hourly
    /// guarantee over its hours online, cents.
    pub courier_cost_cents: i64,
    /// Of that, paid to bring couriers up to the guarantee, cents.
    pub guarantee_topup_cents: i64,
}

impl Costs {
    /// The costs of `out`.
    pub fn of(out: &RunOutput) -> Costs {
        let mut earned: BTreeMap<CourierId, i64> = BTreeMap::new();
        for o in &out.orders {
            if let Some(c) = o.courier {
                *earned.entry(c).or_default() += o.courier_pay;
            }
        }
        let rate = out.guaranteed_cents_per_hour.max(0);
        let (mut cost, mut topup, mut online_ms) = (0i64, 0i64, 0i64);
        for &(courier, ms) in &out.courier_online_ms_each {
            online_ms += ms;
            // Rounded to the nearest cent, in integers.
            let guarantee = (i128::from(rate) * i128::from(ms) + 1_800_000) / 3_600_000;
            let guarantee = i64::try_from(guarantee).unwrap_or(i64::MAX);
            let per_order = earned.get(&courier).copied().unwrap_or(0);
            cost = cost.saturating_add(per_order.max(guarantee));
            topup = topup.saturating_add((guarantee - per_order).max(0));
        }
        Costs {
            courier_hours: online_ms as f64 / 3_600_000.0,
            courier_cost_cents: cost,
            guarantee_topup_cents: topup,
        }
    }
}

/// Share of online couriers busy, averaged over the minutes of demand, and
/// at the busiest hour of demand (from each minute's closing sample).
pub fn utilization(out: &RunOutput) -> (f64, f64) {
    let demand = usize::try_from(out.demand_minutes).unwrap_or(usize::MAX);
    let busy: Vec<f64> = out
        .minutes
        .iter()
        .take(demand)
        .map(|m| {
            let online = m.online_couriers.max(1) as f64;
            m.online_couriers.saturating_sub(m.free_couriers) as f64 / online
        })
        .collect();
    if busy.is_empty() {
        return (0.0, 0.0);
    }
    let mean = busy.iter().sum::<f64>() / busy.len() as f64;
    let peak = busy
        .chunks(60)
        .map(|hour| hour.iter().sum::<f64>() / hour.len() as f64)
        .fold(0.0, f64::max);
    (mean, peak)
}

#[cfg(test)]
mod tests {
    use super::*;
    use courier_core::OrderId;

    fn order(id: u64, courier: u64, delivered_after_min: Option<i64>, pay: i64) -> OrderTrack {
        let mut o = OrderTrack::for_tests(OrderId::new(id));
        o.courier = Some(CourierId::new(courier));
        o.times[0] = Some(0);
        o.times[5] = delivered_after_min.map(|m| m * 60_000);
        o.courier_pay = pay;
        o
    }

    #[test]
    fn a_failed_order_counts_against_service_as_never_delivered() {
        // Ten orders: eight delivered in 10..=80 minutes, two never.
        let mut orders: Vec<OrderTrack> = [10, 20, 30, 40, 44, 46, 50, 80]
            .iter()
            .enumerate()
            .map(|(i, &m)| order(i as u64, 1, Some(m), 0))
            .collect();
        orders.push(order(8, 1, None, 0));
        orders.push(order(9, 1, None, 0));
        let s = Service::of(&orders);
        assert_eq!(s.within_45_min, 0.5);
        assert_eq!(s.within_60_min, 0.7);
        // The median of all ten is the 6th fastest: 46 minutes (nearest rank
        // 4.5 rounds to index 5); the 90th percentile falls on a failure.
        assert_eq!(s.click_to_door_p50_min, Some(46.0));
        assert_eq!(s.click_to_door_p90_min, None);
        assert_eq!(s.within_promise, 0.0, "no promise was made");
    }

    #[test]
    fn couriers_are_paid_the_larger_of_their_orders_and_the_guarantee() {
        // Courier 1 earned $40 in 2 hours (guarantee $30); courier 2 earned
        // $10 in 2 hours and is topped up by $20; courier 3 did nothing for
        // half an hour: $7.50.
        let two_hours = 2 * 3_600_000;
        let out = RunOutput {
            guaranteed_cents_per_hour: 1_500,
            orders: vec![order(1, 1, Some(20), 4_000), order(2, 2, Some(20), 1_000)],
            courier_online_ms_each: vec![
                (CourierId::new(1), two_hours),
                (CourierId::new(2), two_hours),
                (CourierId::new(3), 1_800_000),
            ],
            ..RunOutput::default()
        };
        let c = Costs::of(&out);
        assert_eq!(c.courier_cost_cents, 4_000 + 3_000 + 750);
        assert_eq!(c.guarantee_topup_cents, 2_000 + 750);
        assert_eq!(c.courier_hours, 4.5);
    }
}
