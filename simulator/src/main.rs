//! `courier-sim`: run a scenario and write its reports.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use courier_sim::delivery_model::{self, ModelParams};
use courier_sim::report::{Summary, print_table, write};
use courier_sim::{Scenario, Sim};
use courier_storage::composite::Composite;
use courier_storage::memory::MemoryStore;
use courier_storage::postgres::{PgConfig, PgStore};

/// Courier's capacity-planning simulator.
#[derive(Debug, Parser)]
#[command(name = "courier-sim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs a scenario and writes summary.json, orders.csv and timeseries.csv.
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// The seed (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Where to write the reports.
        #[arg(long, default_value = "sim-out")]
        out: PathBuf,
        /// `memory`, or a `postgres://` URL (orders and catalog in PostgreSQL).
        #[arg(long, default_value = "memory")]
        storage: String,
        /// Overrides the scenario's scale (demand, restaurants and fleet).
        #[arg(long)]
        scale: Option<f64>,
    },
    /// The engine alone on the SimPy peer's delivery model (Poisson orders,
    /// a FIFO pool of couriers, travel -> service -> travel); the last line
    /// printed is `events_per_second=<median over the repeats>`.
    BenchEngine {
        /// Orders to place and deliver per run.
        #[arg(long, default_value_t = 125_000)]
        orders: u64,
        /// Couriers in the pool.
        #[arg(long, default_value_t = 200)]
        couriers: u32,
        /// Runs (seeds 42, 43, ...); the median is reported.
        #[arg(long, default_value_t = 5)]
        repeat: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            scenario,
            seed,
            out,
            storage,
            scale,
        } => run(&scenario, seed, &out, &storage, scale),
        Command::BenchEngine {
            orders,
            couriers,
            repeat,
        } => bench_engine(orders, couriers, repeat),
    }
}

fn run(path: &Path, seed: Option<u64>, out: &Path, storage: &str, scale: Option<f64>) -> ExitCode {
    let mut scenario = match Scenario::load(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(scale) = scale {
        if !(scale.is_finite() && scale > 0.0) {
            eprintln!("error: --scale {scale} must be a positive number");
            return ExitCode::from(2);
        }
        scenario.scale = scale;
    }
    let seed = seed.unwrap_or(scenario.seed);
    let name = scenario.name.clone();
    let policy = scenario.policy.dispatch.clone();
    // Wall time is reported, never used by the simulation itself.
    #[allow(
        clippy::disallowed_methods,
        reason = "wall-clock time of the run, for the report only"
    )]
    let started = std::time::Instant::now();
    let output = if storage == "memory" {
        Sim::new(scenario, seed, MemoryStore::default()).map(Sim::run)
    } else if storage.starts_with("postgres://") || storage.starts_with("postgresql://") {
        let connected = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
            .and_then(|rt| {
                let pg = rt
                    .block_on(PgStore::connect(PgConfig::new(storage)))
                    .map_err(|e| e.to_string())?;
                Ok((rt, pg))
            });
        match connected {
            Ok((rt, pg)) => {
                let store = Composite::new(pg.clone(), pg, MemoryStore::default());
                Sim::new_on(rt, scenario, seed, store).map(Sim::run)
            }
            Err(e) => Err(format!("cannot use {storage}: {e}")),
        }
    } else {
        Err(format!("--storage {storage:?} is not `memory` or a postgres:// URL"))
    };
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let summary = Summary::of(&name, seed, &policy, &output, started.elapsed().as_secs_f64());
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = print_table(&mut stdout, &summary).and_then(|()| write(out, &summary, &output)) {
        eprintln!("error: cannot write the reports to {}: {e}", out.display());
        return ExitCode::from(1);
    }
    if summary.invariant_violations > 0 {
        return ExitCode::from(3);
    }
    ExitCode::SUCCESS
}

fn bench_engine(orders: u64, couriers: u32, repeat: u32) -> ExitCode {
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
