//! The engine alone on the textbook delivery model (Poisson orders, a FIFO
//! pool of couriers, travel -> service -> travel), the model a user would
//! first write in SimPy; `courier-sim bench-engine` and the engine bench
//! run it so the two can be set side by side.

use std::collections::VecDeque;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};

use crate::event_queue::EventQueue;

/// Simulated time unit of the model: microseconds (times are drawn in
/// minutes and rounded, so runs are exact integers on every machine).
const MICROS_PER_MINUTE: f64 = 60_000_000.0;

/// The model's parameters (the SimPy peer's defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelParams {
    /// Orders to place and deliver.
    pub orders: u64,
    /// Couriers in the pool.
    pub couriers: u32,
    /// Mean travel time of each leg, minutes.
    pub mean_travel_min: f64,
    /// Mean pickup service time, minutes.
    pub mean_service_min: f64,
    /// Fleet load the arrival rate is set for (0..1).
    pub load: f64,
}

impl Default for ModelParams {
    fn default() -> Self {
        Self {
            orders: 125_000,
            couriers: 200,
            mean_travel_min: 8.0,
            mean_service_min: 3.0,
            load: 0.85,
        }
    }
}

/// What a model run did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelOutcome {
    /// Orders delivered (all of them, once the queue drains).
    pub delivered: u64,
    /// Events processed by the queue.
    pub events: u64,
    /// Mean wait for a courier, minutes.
    pub mean_wait_min: f64,
    /// Simulated time at the last delivery, minutes.
    pub end_min: f64,
}

/// A parameter the model cannot run with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field} must be {expected}, got {value}")]
pub struct ModelError {
    /// The parameter.
    pub field: &'static str,
    /// What it must be.
    pub expected: &'static str,
    /// What it was.
    pub value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Arrival,
    AtRestaurant { courier: u32, placed: i64 },
    PickedUp { courier: u32, placed: i64 },
    Delivered { courier: u32 },
}

fn exp(mean_min: f64, field: &'static str) -> Result<Exp<f64>, ModelError> {
    let bad = || ModelError {
        field,
        expected: "a positive number of minutes",
        value: mean_min,
    };
    if !(mean_min.is_finite() && mean_min > 0.0) {
        return Err(bad());
    }
    Exp::new(1.0 / (mean_min * MICROS_PER_MINUTE)).map_err(|_| bad())
}

/// Runs the model to the last delivery with `seed`.
///
/// # Errors
/// A parameter out of range, named.
///
/// # Examples
/// ```
/// use courier_sim::delivery_model::{ModelParams, run};
/// let params = ModelParams { orders: 1_000, couriers: 20, ..ModelParams::default() };
/// let outcome = run(params, 7)?;
/// assert_eq!(outcome.delivered, 1_000);
/// assert_eq!(outcome.events, 4_000);
/// # Ok::<(), courier_sim::delivery_model::ModelError>(())
/// ```
pub fn run(params: ModelParams, seed: u64) -> Result<ModelOutcome, ModelError> {
    if params.couriers == 0 {
        return Err(ModelError {
            field: "couriers",
            expected: "at least 1",
            value: 0.0,
        });
    }
    if !(params.load.is_finite() && params.load > 0.0 && params.load < 1.0) {
        return Err(ModelError {
            field: "load",
            expected: "between 0 and 1 (exclusive)",
            value: params.load,
        });
    }
    let busy_min = 2.0 * params.mean_travel_min + params.mean_service_min;
    let gap = exp(
        busy_min / (params.load * f64::from(params.couriers)),
        "mean interarrival",
    )?;
    let travel = exp(params.mean_travel_min, "mean_travel_min")?;
    let service = exp(params.mean_service_min, "mean_service_min")?;
    // One stream per agent kind, as in the scenario engine.
    let mut demand_rng = ChaCha8Rng::seed_from_u64(seed);
    demand_rng.set_stream(1);
    let mut courier_rng = ChaCha8Rng::seed_from_u64(seed);
    courier_rng.set_stream(2);
    let draw = |d: &Exp<f64>, rng: &mut ChaCha8Rng| d.sample(rng) as i64;

    let mut queue = EventQueue::with_capacity(params.couriers as usize * 2);
    let mut free: Vec<u32> = (0..params.couriers).rev().collect();
    let mut waiting: VecDeque<i64> = VecDeque::new();
    let (mut placed, mut delivered, mut events, mut wait_total, mut end) = (0u64, 0u64, 0u64, 0i64, 0i64);
    if params.orders > 0 {
        queue.push(draw(&gap, &mut demand_rng), Event::Arrival);
    }
    while let Some((now, event)) = queue.pop() {
        events += 1;
        match event {
            Event::Arrival => {
                placed += 1;
                if placed < params.orders {
                    queue.push(now + draw(&gap, &mut demand_rng), Event::Arrival);
                }
                match free.pop() {
                    Some(courier) => {
                        let at = now + draw(&travel, &mut courier_rng);
                        queue.push(at, Event::AtRestaurant { courier, placed: now });
                    }
                    None => waiting.push_back(now),
                }
            }
            Event::AtRestaurant { courier, placed } => {
                let at = now + draw(&service, &mut courier_rng);
                queue.push(at, Event::PickedUp { courier, placed });
            }
            Event::PickedUp { courier, .. } => {
                queue.push(now + draw(&travel, &mut courier_rng), Event::Delivered { courier });
            }
            Event::Delivered { courier } => {
                delivered += 1;
                end = now;
                // The freed courier takes the longest-waiting order first.
                match waiting.pop_front() {
                    Some(placed) => {
                        wait_total += now - placed;
                        let at = now + draw(&travel, &mut courier_rng);
                        queue.push(at, Event::AtRestaurant { courier, placed });
                    }
                    None => free.push(courier),
                }
            }
        }
    }
    Ok(ModelOutcome {
        delivered,
        events,
        mean_wait_min: if delivered == 0 {
            0.0
        } else {
            wait_total as f64 / delivered as f64 / MICROS_PER_MINUTE
        },
        end_min: end as f64 / MICROS_PER_MINUTE,
    })
}

#[cfg(test)]
mod tests {
    use super::{ModelParams, run};

    #[test]
    fn every_order_is_delivered_with_four_events_each() {
        let outcome = run(
            ModelParams {
                orders: 5_000,
                ..ModelParams::default()
            },
            1,
        )
        .unwrap();
        assert_eq!(outcome.delivered, 5_000);
        assert_eq!(outcome.events, 20_000);
        assert!(outcome.end_min > 0.0);
    }

    #[test]
    fn same_seed_same_run_other_seed_other_run() {
        let p = ModelParams {
            orders: 2_000,
            ..ModelParams::default()
        };
        assert_eq!(run(p, 9).unwrap(), run(p, 9).unwrap());
        assert_ne!(run(p, 9).unwrap().end_min, run(p, 10).unwrap().end_min);
    }

    #[test]
    fn an_overloaded_pool_makes_orders_wait() {
        // One courier at 99 % load queues; at 10 % load waits are rare and short.
        let busy = run(
            ModelParams {
                orders: 3_000,
                couriers: 1,
                load: 0.99,
                ..ModelParams::default()
            },
            3,
        )
        .unwrap();
        let idle = run(
            ModelParams {
                orders: 3_000,
                couriers: 50,
                load: 0.1,
                ..ModelParams::default()
            },
            3,
        )
        .unwrap();
        assert!(
            busy.mean_wait_min > 10.0 * idle.mean_wait_min.max(0.01),
            "{busy:?} vs {idle:?}"
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        let e = run(
            ModelParams {
                couriers: 0,
                ..ModelParams::default()
            },
            1,
        )
        .unwrap_err();
        assert_eq!(e.field, "couriers");
        let e = run(
            ModelParams {
                load: 1.5,
                ..ModelParams::default()
            },
            1,
        )
        .unwrap_err();
        assert_eq!(e.field, "load");
        let e = run(
            ModelParams {
                mean_travel_min: -1.0,
                ..ModelParams::default()
            },
            1,
        )
        .unwrap_err();
        assert_eq!(e.field, "mean_travel_min");
    }
}
