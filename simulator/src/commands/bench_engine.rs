//! `courier-sim bench-engine`: the engine alone on the SimPy peer's model.

use std::io::Write;
use std::process::ExitCode;

use courier_sim::delivery_model::{self, ModelParams};

/// Runs the model `repeat` times and prints the median events per second last.
pub(crate) fn bench_engine(orders: u64, couriers: u32, repeat: u32) -> ExitCode {
    let params = ModelParams {
        orders,
        couriers,
        ..ModelParams::default()
    };
    let mut rates = Vec::new();
    let mut stdout = std::io::stdout().lock();
    for i in 0..repeat.max(1) {
        #[allow(clippy::disallowed_methods, reason = "wall-clock time is what this command measures")]
        let started = std::time::Instant::now();
        let outcome = match delivery_model::run(params, 42 + u64::from(i)) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        let wall = started.elapsed().as_secs_f64().max(f64::MIN_POSITIVE);
        let rate = outcome.events as f64 / wall;
        let line = writeln!(
            stdout,
            "run {i}: {wall:.3} s  events={}  orders/s={:.0}  events/s={rate:.0}  mean_wait={:.2} min",
            outcome.events,
            outcome.delivered as f64 / wall,
            outcome.mean_wait_min
        );
        if line.is_err() {
            return ExitCode::from(1);
        }
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    match writeln!(stdout, "events_per_second={:.0}", rates[rates.len() / 2]) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}
