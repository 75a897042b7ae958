//! `courier-sim`: run a scenario and write its reports.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;

/// A run allocates and frees millions of small, short-lived objects (orders
/// in flight, round plans, routes): mimalloc serves them faster than the
/// system allocator, which took about 5% of a full day's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Courier's capacity-planning simulator.
#[derive(Debug, Parser)]
#[command(name = "courier-sim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs a scenario and writes summary.json, orders.csv, timeseries.csv and
    /// the PNG plots.
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// The seed (default: the scenario's), or the first of `--seeds N`.
        #[arg(long)]
        seed: Option<u64>,
        /// Runs several seeds side by side (in memory): `N` (from the first
        /// seed) or `A..B`; writes each seed's reports into `seed-N/` and
        /// every figure's mean with its 95% interval into summary.json.
        #[arg(long)]
        seeds: Option<String>,
        /// Where to write the reports.
        #[arg(long, default_value = "sim-out")]
        out: PathBuf,
        /// `memory` (in process); a `postgres://` URL (orders and catalog in
        /// PostgreSQL, in a schema of their own); or a `redis://` URL
        /// (locations, idempotency, rate limits and the catalog cache in
        /// Redis under a key prefix of their own, orders in memory).
        #[arg(long, default_value = "memory")]
        storage: String,
        /// Overrides the scenario's scale: demand, restaurants, fleet and
        /// area shrink together, so densities stay the full city's.
        #[arg(long)]
        scale: Option<f64>,
    },
    /// Runs a scenario across the values of one parameter (on every core),
    /// writes sweep.csv and sweep.png, and prints the smallest value that
    /// meets the target.
    Sweep {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// `PATH=FROM..TO:STEP` or `PATH=A,B,...`, PATH dotted into the
        /// scenario (`couriers.fleet=200..400:50`,
        /// `policy.dispatch=cascade,batch`).
        #[arg(long)]
        param: String,
        /// `METRIC<=X` (or `<`, `>=`, `>`) on a numeric field of summary.json
        /// (`click_to_door_min.p90<=45`).
        #[arg(long)]
        target: Option<String>,
        /// Where to write.
        #[arg(long, default_value = "sweep-out")]
        out: PathBuf,
        /// The seed (default: the scenario's), or the first of `--seeds N`.
        #[arg(long)]
        seed: Option<u64>,
        /// Runs every value on several seeds: `N` (from the first seed) or
        /// `A..B`; each figure is a mean with its 95% interval, and a value
        /// meets the target when its whole interval does.
        #[arg(long)]
        seeds: Option<String>,
        /// Also prints the value meeting the target at the smallest mean of
        /// this summary figure (`cost_per_order`).
        #[arg(long)]
        cheapest: Option<String>,
        /// Overrides the scenario's scale: demand, restaurants, fleet and
        /// area shrink together, so densities stay the full city's.
        #[arg(long)]
        scale: Option<f64>,
    },
    /// Compares two run folders: each figure side by side with the
    /// difference, and for replicated runs (`--seeds`) whether it is
    /// significant (Welch's t-test, p < 0.05); writes compare.csv and
    /// compare.png.
    Compare {
        /// The first run's folder (A).
        a: PathBuf,
        /// The second run's folder (B).
        b: PathBuf,
        /// Where to write.
        #[arg(long, default_value = "compare-out")]
        out: PathBuf,
        /// Every figure both summaries have, not only the headline ones.
        #[arg(long)]
        all: bool,
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
    /// Replays a Grubhub MDRP instance under its own rules and writes
    /// summary.json with the three solution files (checked for
    /// feasibility), or with `--all` every instance below a folder and
    /// `mdrp.csv`.
    Mdrp {
        /// The instance folder (restaurants.txt, orders.txt, couriers.txt,
        /// instance_parameters.txt).
        instance: Option<PathBuf>,
        /// Replays every instance folder below this one instead.
        #[arg(long, conflicts_with = "instance")]
        all: Option<PathBuf>,
        /// The policy (repeat to compare several with --all; default: batch
        /// for one instance, greedy and batch with --all).
        #[arg(long, value_enum)]
        policy: Vec<courier_sim::mdrp::Policy>,
        /// Where to write.
        #[arg(long, default_value = "mdrp-out")]
        out: PathBuf,
        /// Replays a harder variant instead: this share of each instance's
        /// couriers removed (0.15: 15%), chosen by `--seed`.
        #[arg(long, value_parser = share)]
        remove_couriers: Option<f64>,
        /// The seed of the couriers removed.
        #[arg(long, default_value_t = 1, requires = "remove_couriers")]
        seed: u64,
    },
}

/// A share between 0 and 1.
fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("{text:?} is not a share between 0 and 1")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            scenario,
            seed,
            seeds,
            out,
            storage,
            scale,
        } => commands::run::run(&commands::run::RunArgs {
            scenario: &scenario,
            seed,
            seeds: seeds.as_deref(),
            out: &out,
            storage: &storage,
            scale,
        }),
        Command::Sweep {
            scenario,
            param,
            target,
            out,
            seed,
            seeds,
            scale,
            cheapest,
        } => commands::sweep::sweep(&commands::sweep::SweepArgs {
            scenario: &scenario,
            param: &param,
            target: target.as_deref(),
            out: &out,
            seed,
            seeds: seeds.as_deref(),
            scale,
            cheapest: cheapest.as_deref(),
        }),
        Command::Compare { a, b, out, all } => commands::compare::compare_runs(&a, &b, &out, all),
        Command::BenchEngine {
            orders,
            couriers,
            repeat,
        } => commands::bench_engine::bench_engine(orders, couriers, repeat),
        Command::Mdrp {
            instance,
            all,
            policy,
            out,
            remove_couriers,
            seed,
        } => {
            let fewer = remove_couriers.map(|share| commands::mdrp::Fewer { share, seed });
            commands::mdrp::mdrp(instance.as_deref(), all.as_deref(), &policy, fewer, &out)
        }
    }
}
