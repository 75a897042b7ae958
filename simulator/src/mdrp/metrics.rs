//! The MDRP metrics of a solution (the ones the MDRP paper reports).

use serde::Serialize;

use super::instance::Instance;
use super::solution::Solution;

/// Mean, spread and quantiles of a sample, minutes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Mean.
    pub mean: f64,
    /// Standard deviation (population).
    pub sd: f64,
    /// Smallest.
    pub min: f64,
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Largest.
    pub max: f64,
}

impl Stats {
    /// The statistics of `xs` (all zero when empty).
    pub fn of(mut xs: Vec<f64>) -> Stats {
        if xs.is_empty() {
            return Stats::default();
        }
        xs.sort_by(f64::total_cmp);
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        // Nearest rank on the sorted sample.
        let q = |p: f64| xs[((xs.len() - 1) as f64 * p).round() as usize];
        Stats {
            mean,
            sd,
            min: q(0.0),
            p10: q(0.1),
            p50: q(0.5),
            p90: q(0.9),
            max: q(1.0),
        }
    }
}

/// An instance's metrics under one solution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Orders in the instance.
    pub orders: usize,
    /// Orders someone could deliver (ready by the last off time).
    pub orders_deliverable: usize,
    /// Orders delivered.
    pub orders_delivered: usize,
    /// Undelivered orders an idle courier could have collected (see
    /// [`super::avoidable`]): 0 for a dispatcher that never idles a courier
    /// while it could serve a waiting order.
    pub orders_avoidably_undelivered: usize,
    /// Bundles picked up.
    pub bundles: usize,
    /// Placement to drop-off.
    pub click_to_door_min: Stats,
    /// Ready to drop-off.
    pub ready_to_door_min: Stats,
    /// Ready to pickup (food waiting for the courier).
    pub ready_to_pickup_min: Stats,
    /// Click-to-door beyond the target (0 when within).
    pub click_to_door_overage_min: Stats,
    /// Total courier pay, in cents.
    pub courier_pay_cents: i64,
    /// Share of couriers paid the hourly guarantee rather than per order.
    pub guarantee_share: f64,
    /// Orders delivered per courier shift hour.
    pub orders_per_courier_hour: f64,
    /// Bundles per courier shift hour.
    pub bundles_per_courier_hour: f64,
    /// Mean over couriers of (driving + pickup service + drop-off service) / shift length.
    pub courier_utilization: f64,
}

impl Metrics {
    /// The metrics of `solution` on `instance`.
    pub fn of(instance: &Instance, solution: &Solution) -> Metrics {
        let p = instance.params;
        let mut ctd = Vec::new();
        let mut rtd = Vec::new();
        let mut rtp = Vec::new();
        let mut overage = Vec::new();
        for (order, out) in instance.orders.iter().zip(&solution.orders) {
            if let (Some(pickup), Some(drop)) = (out.pickup, out.dropoff) {
                let click = (drop - order.placed) as f64;
                ctd.push(click);
                rtd.push((drop - order.ready) as f64);
                rtp.push((pickup - order.ready) as f64);
                overage.push((click - p.target_click_to_door as f64).max(0.0));
            }
        }
        let n = instance.couriers.len();
        let mut delivered = vec![0i64; n];
        let mut busy = vec![0i64; n];
        for a in &solution.assignments {
            if let Some(c) = delivered.get_mut(a.courier) {
                *c += a.orders.len() as i64;
                busy[a.courier] += p.pickup_service + p.dropoff_service * a.orders.len() as i64;
            }
        }
        for m in &solution.movements {
            let (Some(from), Some(to)) = (instance.point_of(m.courier, m.from), instance.point_of(m.courier, m.to))
            else {
                continue;
            };
            if let Some(b) = busy.get_mut(m.courier) {
                *b += instance.travel(from, to);
            }
        }
        let (mut pay, mut guaranteed, mut utilization, mut shift_minutes) = (0i64, 0usize, 0.0, 0i64);
        for (c, courier) in instance.couriers.iter().enumerate() {
            let minutes = courier.off - courier.on;
            shift_minutes += minutes;
            let per_order = p.pay_per_order * 100 * delivered[c];
            // Hourly guarantee in cents, rounded to the nearest cent.
            let guarantee = (p.guaranteed_pay_per_hour * 100 * minutes + 30) / 60;
            if guarantee > per_order {
                guaranteed += 1;
            }
            pay += per_order.max(guarantee);
            if minutes > 0 {
                utilization += busy[c] as f64 / minutes as f64;
            }
        }
        let hours = shift_minutes as f64 / 60.0;
        let per_hour = |x: usize| if hours > 0.0 { x as f64 / hours } else { 0.0 };
        Metrics {
            orders: instance.orders.len(),
            orders_deliverable: (0..instance.orders.len()).filter(|&o| instance.deliverable(o)).count(),
            orders_delivered: ctd.len(),
            orders_avoidably_undelivered: super::avoidable::avoidable_undelivered(instance, solution).len(),
            bundles: solution.assignments.len(),
            click_to_door_min: Stats::of(ctd.clone()),
            ready_to_door_min: Stats::of(rtd),
            ready_to_pickup_min: Stats::of(rtp),
            click_to_door_overage_min: Stats::of(overage),
            courier_pay_cents: pay,
            guarantee_share: if n == 0 { 0.0 } else { guaranteed as f64 / n as f64 },
            orders_per_courier_hour: per_hour(ctd.len()),
            bundles_per_courier_hour: per_hour(solution.assignments.len()),
            courier_utilization: if n == 0 { 0.0 } else { utilization / n as f64 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Stats;

    #[test]
    fn stats_of_a_small_sample() {
        let s = Stats::of(vec![4.0, 1.0, 3.0, 2.0, 5.0]);
        assert_eq!((s.mean, s.min, s.p50, s.max), (3.0, 1.0, 3.0, 5.0));
        assert!((s.sd - 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(Stats::of(Vec::new()), Stats::default());
    }
}
