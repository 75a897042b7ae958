//! What a run reports: one row per order, one row per simulated minute, and
//! the summary a planner reads first.

use std::io::Write;
use std::path::Path;

use courier_core::ledger::Account;
use courier_core::order::Order;
use courier_core::{CourierId, CustomerId, GeoPoint, OrderId, Timestamp};
use courier_eta::Eta;
use courier_platform::Placement;
use courier_platform::settlement::Settlement;
use serde::Serialize;

use crate::engine::RunOutput;

/// One order's life, as the run saw it and as the store recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTrack {
    /// The order.
    pub id: OrderId,
    pub(crate) restaurant_index: usize,
    pub(crate) customer: CustomerId,
    pub(crate) dropoff: GeoPoint,
    /// The courier who carried it last.
    pub courier: Option<CourierId>,
    /// The kitchen's decision, once drawn (a retried call repeats it).
    pub(crate) kitchen_rejects: Option<bool>,
    /// The kitchen's acceptance was recorded.
    pub(crate) kitchen_accepted: bool,
    pub(crate) ready: bool,
    pub(crate) picked_up: bool,
    pub(crate) closed: bool,
    /// The store lost it.
    pub lost: bool,
    /// The promise made when the restaurant accepted.
    pub eta: Option<Eta>,
    /// Final status.
    pub status: &'static str,
    /// Milestones (simulated ms): created, placed, confirmed, ready, picked up, delivered, closed.
    pub times: [Option<i64>; 7],
    /// Price lines, minor units: subtotal, delivery fee, service fee, small-order fee, tax, tip.
    pub price: [i64; 6],
    /// What the customer was charged.
    pub charge: i64,
    /// Taken off by promotions, minor units.
    pub discount: i64,
    /// What was refunded.
    pub refund: i64,
    /// What the courier earned from it.
    pub courier_pay: i64,
    /// Why it was cancelled or rejected (empty otherwise).
    pub end_reason: &'static str,
}

impl OrderTrack {
    /// The restaurant's index in [`RunOutput::restaurants`].
    pub fn restaurant_index(&self) -> usize {
        self.restaurant_index
    }

    /// Where the order went.
    pub fn dropoff(&self) -> GeoPoint {
        self.dropoff
    }

    pub(crate) fn new(id: OrderId, restaurant_index: usize, p: &Placement) -> OrderTrack {
        let price = p.quote.as_ref().map_or([0; 6], |q| {
            [
                q.subtotal.minor(),
                q.delivery_fee.minor(),
                q.service_fee.minor(),
                q.small_order_fee.minor(),
                q.tax.minor(),
                q.tip.minor(),
            ]
        });
        OrderTrack {
            price,
            charge: p.order.charge().minor(),
            discount: p
                .quote
                .as_ref()
                .map_or(0, |q| q.discounts.iter().map(|d| d.amount.minor()).sum()),
            ..OrderTrack::blank(id, restaurant_index, p.order.customer(), p.order.dropoff())
        }
    }

    /// A track with nothing yet recorded.
    fn blank(id: OrderId, restaurant_index: usize, customer: CustomerId, dropoff: GeoPoint) -> OrderTrack {
        OrderTrack {
            id,
            restaurant_index,
            customer,
            dropoff,
            courier: None,
            kitchen_rejects: None,
            kitchen_accepted: false,
            ready: false,
            picked_up: false,
            closed: false,
            lost: false,
            eta: None,
            status: "",
            times: [None; 7],
            price: [0; 6],
            charge: 0,
            discount: 0,
            refund: 0,
            courier_pay: 0,
            end_reason: "",
        }
    }

    /// A blank track for `id`, for unit tests of what holds tracks.
    #[cfg(test)]
    pub(crate) fn for_tests(id: OrderId) -> OrderTrack {
        OrderTrack::blank(id, 0, CustomerId::new(1), GeoPoint::new(0.0, 0.0).unwrap())
    }

    /// Takes the final state from the store.
    pub(crate) fn record(&mut self, order: &Order, settlement: Option<&Settlement>) {
        let t = order.times();
        let ms = |x: Option<Timestamp>| x.map(Timestamp::as_millis);
        self.status = order.status().name();
        self.end_reason = match order.status() {
            courier_core::order::OrderStatus::Cancelled { reason, .. } => reason.name(),
            courier_core::order::OrderStatus::Rejected { reason } => reason.name(),
            _ => "",
        };
        self.times = [
            Some(t.created_at.as_millis()),
            ms(t.placed_at),
            ms(t.confirmed_at),
            ms(t.ready_at),
            ms(t.picked_up_at),
            ms(t.delivered_at),
            ms(t.closed_at),
        ];
        self.courier = order.delivered_by().or(self.courier);
        if let Some(s) = settlement {
            self.refund = s.refund.map_or(0, |d| d.refund.minor());
            self.courier_pay = s.ledger.balance(Account::CourierPayable).minor();
        }
    }

    pub(crate) fn minutes_between(&self, from: usize, to: usize) -> Option<f64> {
        Some((self.times[to]? - self.times[from]?) as f64 / 60_000.0)
    }
}

/// One simulated minute.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MinuteRow {
    /// Minutes since the start.
    pub minute: u32,
    /// Orders attempted in the minute.
    pub placed: u64,
    /// Attempts the platform refused.
    pub refused: u64,
    /// Orders delivered in the minute.
    pub delivered: u64,
    /// Orders closed (delivered, cancelled, rejected) in the minute.
    pub closed: u64,
    /// Orders open at the end of the minute.
    pub open: u64,
    /// Orders waiting for a courier.
    pub waiting_for_courier: u64,
    /// Couriers online with nothing to carry.
    pub free_couriers: u64,
    /// Couriers online.
    pub online_couriers: u64,
    /// Surge on the delivery fee, weighted by the orders waiting in each
    /// cell (1.0: none).
    pub surge: f64,
    /// Surge cells priced above 1.0x.
    pub surging_cells: u32,
    /// The degradation ladder's rung at the end of the minute (0 normal ..
    /// 5 order-only).
    pub degradation_level: u8,
}

/// Mean and quantiles of a sample, in minutes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Spread {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// The nearest-rank quantile `q` of `n` values whose smallest ones are
/// `sorted` (ranks past its end are values never observed, such as orders
/// never delivered): the one definition every report's quantiles use.
pub(crate) fn nearest_rank(sorted: &[f64], n: usize, q: f64) -> Option<f64> {
    let k = (n.saturating_sub(1) as f64 * q).round() as usize;
    sorted.get(k).copied()
}

impl Spread {
    pub(crate) fn of(mut xs: Vec<f64>) -> Spread {
        if xs.is_empty() {
            return Spread::default();
        }
        xs.sort_by(f64::total_cmp);
        let q = |p: f64| nearest_rank(&xs, xs.len(), p).unwrap_or(0.0);
        Spread {
            mean: xs.iter().sum::<f64>() / xs.len() as f64,
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
        }
    }
}

/// How the delivery promises held up, minutes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct EtaError {
    /// Mean absolute error of the P50 arrival.
    pub mae: f64,
    /// Mean signed error (positive: later than promised).
    pub bias: f64,
    /// 90th percentile of the absolute error.
    pub p90_abs: f64,
    /// Share delivered by the P90 arrival.
    pub p90_coverage: f64,
}

/// What a run was given, recorded with its results so that two summaries
/// can be told apart.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Inputs {
    /// The scenario file, as given.
    pub scenario_path: String,
    /// SHA-256 of the scenario file's bytes (hex).
    pub scenario_sha256: String,
    /// The scale run (see [`crate::Scenario::scale`]).
    pub scale: f64,
    /// Couriers at that scale.
    pub fleet: u32,
    /// Restaurants at that scale.
    pub restaurants: u32,
    /// The city's radius at that scale, km.
    pub radius_km: f64,
    /// The dispatch policy.
    pub dispatch: String,
    /// Most orders a courier carries at once.
    pub batch_limit: usize,
    /// Where orders were stored (`memory`, or the URL's scheme and host).
    pub storage: String,
    /// The historical orders replayed, if any (`[history]`), with their count.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub history: String,
    /// The road network ridden, if any, with its mode and size.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub road_network: String,
}

impl Inputs {
    /// The inputs of `scenario` read from `path` (whose bytes are `text`),
    /// run over `storage`.
    pub fn of(scenario: &crate::Scenario, path: &std::path::Path, text: &[u8], storage: &str) -> Inputs {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(text);
        let replay = scenario.replay.as_deref();
        let shifts = replay.map_or(0, |h| h.shifts.len());
        Inputs {
            scenario_path: path.display().to_string(),
            scenario_sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
            scale: scenario.scale,
            fleet: if shifts > 0 {
                shifts as u32
            } else {
                scenario.scaled_fleet()
            },
            restaurants: replay.map_or_else(|| scenario.scaled_restaurants(), |h| h.restaurants.len() as u32),
            radius_km: scenario.scaled_radius_km(),
            dispatch: scenario.policy.dispatch.clone(),
            batch_limit: scenario.policy.batch_limit,
            storage: without_credentials(storage),
            history: match (replay, &scenario.history) {
                (Some(h), Some(files)) => format!(
                    "{} ({} orders, {} restaurants{})",
                    files.orders.display(),
                    h.orders.len(),
                    h.restaurants.len(),
                    files
                        .couriers
                        .as_ref()
                        .map_or(String::new(), |c| format!("; shifts from {}", c.display()))
                ),
                _ => String::new(),
            },
            road_network: match (&scenario.city.road_network, &scenario.city.streets) {
                (Some(file), Some(streets)) => format!(
                    "{} ({}, {} nodes)",
                    file.display(),
                    scenario.city.mode,
                    streets.router().graph().node_count()
                ),
                _ => String::new(),
            },
        }
    }
}

/// `url` without its user and password: a report names where, not who.
fn without_credentials(url: &str) -> String {
    match (url.split_once("://"), url.rsplit_once('@')) {
        (Some((scheme, _)), Some((_, place))) => format!("{scheme}://{place}"),
        _ => url.to_owned(),
    }
}

/// The run's summary (`summary.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// What the run was given (empty when run from code that did not say).
    pub inputs: Inputs,
    /// Scenario name.
    pub scenario: String,
    /// The seed.
    pub seed: u64,
    /// Dispatch policy.
    pub policy: String,
    /// Orders stored.
    pub orders_placed: u64,
    /// Delivered (and completed).
    pub orders_delivered: u64,
    /// Cancelled (by customers, or for failed payment).
    pub orders_cancelled: u64,
    /// Rejected by restaurants or for a missed acceptance deadline.
    pub orders_rejected: u64,
    /// Placed but missing from the store at the end.
    pub orders_lost: u64,
    /// Attempts the platform refused before storing an order.
    pub placements_refused: u64,
    /// Click to door, minutes.
    pub click_to_door_min: Spread,
    /// Promise accuracy.
    pub eta_error_min: EtaError,
    /// Food ready to pickup, minutes.
    pub ready_to_pickup_min: Spread,
    /// Order-minutes orders waited for a courier, past their first minute,
    /// while an idle courier within the search radius could have taken them
    /// (their food ready, or ready by the time it got there): the
    /// dispatcher's own delay, near 0 for a good one.
    pub order_minutes_waiting_while_couriers_idle: f64,
    /// Service over every placed order: shares on time and click-to-door
    /// quantiles where a cancelled, rejected or undelivered order fails.
    pub service: crate::service::Service,
    /// Share of online couriers busy, averaged over the minutes orders come
    /// in (the drain after the last order is left out).
    pub courier_utilization: f64,
    /// The same at the busiest hour of demand.
    pub courier_utilization_peak_hour: f64,
    /// Deliveries per online courier-hour.
    pub orders_per_courier_hour: f64,
    /// Hours couriers were online.
    pub courier_hours: f64,
    /// Kilometres couriers rode on the legs they finished (on the streets
    /// with a road network; great-circle times the circuity factor without).
    pub distance_ridden_km: f64,
    /// What couriers cost: each paid the larger of its orders' pay and the
    /// scenario's hourly guarantee over its hours online, cents.
    pub courier_cost_cents: i64,
    /// Of that, paid to bring couriers up to the guarantee, cents.
    pub guarantee_topup_cents: i64,
    /// Courier cost per delivered order, dollars.
    pub cost_per_order: f64,
    /// The platform's revenue (commission and service fees) less the
    /// guarantee top-ups, cents.
    pub platform_margin_cents: i64,
    /// Refunded to customers.
    pub refunds_cents: i64,
    /// Charged for delivered orders.
    pub gmv_cents: i64,
    /// Taken off delivered orders by promotions, cents.
    pub discounts_cents: i64,
    /// Owed to couriers.
    pub courier_pay_cents: i64,
    /// Invariant violations (0, or the run stopped at 1).
    pub invariant_violations: u64,
    /// The violation, if any.
    pub violation: Option<String>,
    /// Storage calls the fault injector failed (outages and error windows).
    pub storage_calls_failed: u64,
    /// Agent calls retried after a transient failure.
    pub agent_retries: u64,
    /// Times the platform crashed and was built again from the store.
    pub platform_restarts: u64,
    /// Orders the store holds whose customer was told the placement
    /// failed (and gave up after trying again): audited, never charged.
    pub orders_untold: u64,
    /// Order events the outbox relay published.
    pub outbox_events_published: u64,
    /// Events the engine handled.
    pub events_processed: u64,
    /// Wall-clock seconds (not deterministic).
    pub wall_seconds: f64,
    /// Events per wall-clock second (not deterministic).
    pub events_per_second: f64,
}

impl Summary {
    /// Summarises a run.
    pub fn of(scenario: &str, seed: u64, policy: &str, out: &RunOutput, wall_seconds: f64) -> Summary {
        let count = |s: &str| out.orders.iter().filter(|o| o.status == s).count() as u64;
        let delivered: Vec<&OrderTrack> = out.orders.iter().filter(|o| o.times[5].is_some()).collect();
        let mut abs = Vec::new();
        let (mut signed, mut covered, mut promised) = (0.0, 0u64, 0u64);
        for o in &delivered {
            if let (Some(eta), Some(at)) = (o.eta, o.times[5]) {
                let err = (at - eta.arrival_p50().as_millis()) as f64 / 60_000.0;
                abs.push(err.abs());
                signed += err;
                promised += 1;
                covered += u64::from(at <= eta.arrival_p90().as_millis());
            }
        }
        let n = promised.max(1) as f64;
        let abs_spread = Spread::of(abs.clone());
        let online_h = out.courier_online_ms as f64 / 3_600_000.0;
        let costs = crate::service::Costs::of(out);
        let utilization = crate::service::utilization(out);
        Summary {
            inputs: Inputs::default(),
            scenario: scenario.into(),
            seed,
            policy: policy.into(),
            orders_placed: out.orders.len() as u64,
            orders_delivered: delivered.len() as u64,
            orders_cancelled: count("cancelled"),
            orders_rejected: count("rejected"),
            orders_lost: out.orders.iter().filter(|o| o.lost).count() as u64,
            placements_refused: out.minutes.iter().map(|m| m.refused).sum(),
            click_to_door_min: Spread::of(delivered.iter().filter_map(|o| o.minutes_between(0, 5)).collect()),
            eta_error_min: EtaError {
                mae: abs.iter().sum::<f64>() / n,
                bias: signed / n,
                p90_abs: abs_spread.p90,
                p90_coverage: covered as f64 / n,
            },
            ready_to_pickup_min: Spread::of(delivered.iter().filter_map(|o| o.minutes_between(3, 4)).collect()),
            order_minutes_waiting_while_couriers_idle: out.order_minutes_waiting_while_couriers_idle,
            service: crate::service::Service::of(&out.orders),
            courier_utilization: utilization.0,
            courier_utilization_peak_hour: utilization.1,
            orders_per_courier_hour: delivered.len() as f64 / online_h.max(1e-9),
            courier_hours: costs.courier_hours,
            distance_ridden_km: out.distance_ridden_m / 1_000.0,
            courier_cost_cents: costs.courier_cost_cents,
            guarantee_topup_cents: costs.guarantee_topup_cents,
            cost_per_order: costs.courier_cost_cents as f64 / 100.0 / delivered.len().max(1) as f64,
            platform_margin_cents: cents(
                out.books.balance(Account::PlatformRevenue) - i128::from(costs.guarantee_topup_cents),
            ),
            refunds_cents: cents(out.books.refunded_minor),
            gmv_cents: delivered.iter().map(|o| o.charge).sum(),
            discounts_cents: delivered.iter().map(|o| o.discount).sum(),
            courier_pay_cents: cents(out.books.balance(Account::CourierPayable)),
            invariant_violations: u64::from(out.violation.is_some()),
            violation: out.violation.as_ref().map(ToString::to_string),
            storage_calls_failed: out.storage_faults.outage + out.storage_faults.errors + out.storage_faults.timeouts,
            agent_retries: out.retries,
            platform_restarts: out.restarts,
            orders_untold: out.untold_orders,
            outbox_events_published: out.events_published,
            events_processed: out.events,
            wall_seconds,
            events_per_second: out.events as f64 / wall_seconds.max(1e-9),
        }
    }
}

/// Writes `summary.json`, `orders.csv` and `timeseries.csv` into `dir`.
pub fn write(dir: &Path, summary: &Summary, out: &RunOutput) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_string_pretty(summary).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("summary.json"), json + "\n")?;

    let mut orders = csv::Writer::from_path(dir.join("orders.csv"))?;
    orders.write_record([
        "order_id",
        "status",
        "courier",
        "created_ms",
        "placed_ms",
        "confirmed_ms",
        "ready_ms",
        "picked_up_ms",
        "delivered_ms",
        "closed_ms",
        "eta_p50_ms",
        "eta_p90_ms",
        "subtotal_cents",
        "delivery_fee_cents",
        "service_fee_cents",
        "small_order_fee_cents",
        "tax_cents",
        "tip_cents",
        "charge_cents",
        "refund_cents",
        "courier_pay_cents",
        "restaurant_id",
        "pickup_lat",
        "pickup_lng",
        "dropoff_lat",
        "dropoff_lng",
        "distance_m",
        "end_reason",
        "created_at",
        "placed_at",
        "confirmed_at",
        "ready_at",
        "picked_up_at",
        "delivered_at",
        "closed_at",
    ])?;
    let opt = |x: Option<i64>| x.map_or(String::new(), |v| v.to_string());
    let clock = crate::clock::CityClock::new(&out.timezone).ok();
    let at = |x: Option<i64>| match (x, &clock) {
        (Some(ms), Some(c)) => c.rfc3339(ms),
        _ => String::new(),
    };
    for o in &out.orders {
        let mut row = vec![
            o.id.get().to_string(),
            o.status.to_string(),
            o.courier.map_or(String::new(), |c| c.get().to_string()),
        ];
        row.extend(o.times.iter().map(|t| opt(*t)));
        row.push(opt(o.eta.map(|e| e.arrival_p50().as_millis())));
        row.push(opt(o.eta.map(|e| e.arrival_p90().as_millis())));
        row.extend(o.price.iter().map(i64::to_string));
        row.extend([o.charge, o.refund, o.courier_pay].iter().map(i64::to_string));
        let restaurant = out.restaurants.get(o.restaurant_index);
        let pickup = restaurant.map(|r| r.1);
        row.push(restaurant.map_or(String::new(), |r| r.0.get().to_string()));
        row.push(pickup.map_or(String::new(), |p| format!("{:.6}", p.lat())));
        row.push(pickup.map_or(String::new(), |p| format!("{:.6}", p.lng())));
        row.push(format!("{:.6}", o.dropoff.lat()));
        row.push(format!("{:.6}", o.dropoff.lng()));
        row.push(pickup.map_or(String::new(), |p| format!("{:.0}", p.distance_m(o.dropoff))));
        row.push(o.end_reason.to_owned());
        row.extend(o.times.iter().map(|t| at(*t)));
        orders.write_record(&row)?;
    }
    orders.flush()?;

    let mut series = csv::Writer::from_path(dir.join("timeseries.csv"))?;
    for m in &out.minutes {
        series.serialize(m).map_err(std::io::Error::other)?;
    }
    series.flush()?;
    Ok(())
}

/// Prints the summary as a table.
pub fn print_table(w: &mut impl Write, s: &Summary) -> std::io::Result<()> {
    let rows: [(&str, String); 16] = [
        ("scenario", format!("{} (seed {}, {})", s.scenario, s.seed, s.policy)),
        ("orders placed", s.orders_placed.to_string()),
        ("delivered", s.orders_delivered.to_string()),
        (
            "cancelled / rejected",
            format!("{} / {}", s.orders_cancelled, s.orders_rejected),
        ),
        ("lost", s.orders_lost.to_string()),
        (
            "click-to-door min",
            format!(
                "mean {:.1}  p50 {:.1}  p90 {:.1}  p99 {:.1}",
                s.click_to_door_min.mean, s.click_to_door_min.p50, s.click_to_door_min.p90, s.click_to_door_min.p99
            ),
        ),
        (
            "ETA error min",
            format!(
                "MAE {:.1}  bias {:+.1}  P90 coverage {:.0}%",
                s.eta_error_min.mae,
                s.eta_error_min.bias,
                s.eta_error_min.p90_coverage * 100.0
            ),
        ),
        (
            "ready-to-pickup min",
            format!(
                "mean {:.1}  p90 {:.1}",
                s.ready_to_pickup_min.mean, s.ready_to_pickup_min.p90
            ),
        ),
        (
            "waiting, courier idle",
            format!(
                "{:.0} order-minutes ({:.3} an order)",
                s.order_minutes_waiting_while_couriers_idle,
                s.order_minutes_waiting_while_couriers_idle / s.orders_placed.max(1) as f64
            ),
        ),
        (
            "on time, all orders",
            format!(
                "{:.1}% by the promise  {:.1}% within 45 min  {:.1}% within 60  p90 {}",
                s.service.within_promise * 100.0,
                s.service.within_45_min * 100.0,
                s.service.within_60_min * 100.0,
                s.service
                    .click_to_door_p90_min
                    .map_or("never".to_owned(), |m| format!("{m:.1} min"))
            ),
        ),
        (
            "couriers",
            format!(
                "utilization {:.0}% (peak hour {:.0}%)  {:.2} orders/courier-hour  {:.0} km ridden",
                s.courier_utilization * 100.0,
                s.courier_utilization_peak_hour * 100.0,
                s.orders_per_courier_hour,
                s.distance_ridden_km
            ),
        ),
        (
            "courier cost",
            format!(
                "${:.2} over {:.0} courier-hours  ${:.2} an order  guarantee top-ups ${:.2}",
                s.courier_cost_cents as f64 / 100.0,
                s.courier_hours,
                s.cost_per_order,
                s.guarantee_topup_cents as f64 / 100.0
            ),
        ),
        (
            "money",
            format!(
                "GMV ${:.2}  discounts ${:.2}  refunds ${:.2}  courier pay ${:.2}",
                s.gmv_cents as f64 / 100.0,
                s.discounts_cents as f64 / 100.0,
                s.refunds_cents as f64 / 100.0,
                s.courier_pay_cents as f64 / 100.0
            ),
        ),
        ("invariant violations", s.invariant_violations.to_string()),
        (
            "events",
            format!("{} ({:.0}/s)", s.events_processed, s.events_per_second),
        ),
        ("wall time", format!("{:.2} s", s.wall_seconds)),
    ];
    for (k, v) in rows {
        writeln!(w, "  {k:<22} {v}")?;
    }
    if let Some(v) = &s.violation {
        writeln!(w, "  VIOLATION: {v}")?;
    }
    Ok(())
}

/// A total of the books as the summary's cents (beyond `i64`, clamped: no
/// run comes near it).
fn cents(total: i128) -> i64 {
    i64::try_from(total).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX })
}
