//! `courier-sim run`: one scenario, its summary table and reports.

use std::path::Path;
use std::process::ExitCode;

use std::io::IsTerminal;

use courier_core::ports::Store;
use courier_sim::replicate::{Job, Seeds, run_jobs};
use courier_sim::replicated::Replicated;
use courier_sim::report::{Inputs, MinuteRow, Summary, print_table, write};
use courier_sim::{RunOutput, Scenario, Sim};
use courier_storage::composite::Composite;
use courier_storage::memory::MemoryStore;
use courier_storage::postgres::{PgConfig, PgStore};
use courier_storage::redis::{CachedCatalog, RedisStore};
use indicatif::{ProgressBar, ProgressStyle};

/// How long the simulated catalog stays cached in Redis.
const CATALOG_CACHE_TTL: courier_core::Duration = courier_core::Duration::from_mins(5);

/// What `courier-sim run` was asked.
pub(crate) struct RunArgs<'a> {
    pub(crate) scenario: &'a Path,
    pub(crate) seed: Option<u64>,
    pub(crate) seeds: Option<&'a str>,
    pub(crate) out: &'a Path,
    pub(crate) storage: &'a str,
    pub(crate) scale: Option<f64>,
}

/// Runs the scenario (on one seed, or on several side by side) and writes
/// its reports into `out`.
pub(crate) fn run(args: &RunArgs<'_>) -> ExitCode {
    let (path, out, storage) = (args.scenario, args.out, args.storage);
    let mut scenario = match Scenario::load(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let text = std::fs::read(path).unwrap_or_default();
    if let Some(scale) = args.scale {
        if !(scale.is_finite() && scale > 0.0) {
            eprintln!("error: --scale {scale} must be a positive number");
            return ExitCode::from(2);
        }
        scenario.scale = scale;
    }
    let inputs = Inputs::of(&scenario, path, &text, storage);
    let seed = args.seed.unwrap_or(scenario.seed);
    if let Some(seeds) = args.seeds {
        let seeds = match Seeds::parse(seeds, seed) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        if storage != "memory" {
            eprintln!("error: --seeds runs side by side in memory; run one seed at a time with --storage {storage}");
            return ExitCode::from(2);
        }
        return replicated(scenario, &seeds, &inputs, out);
    }
    let name = scenario.name.clone();
    let policy = scenario.policy.dispatch.clone();
    // Wall time is reported, never used by the simulation itself.
    #[allow(
        clippy::disallowed_methods,
        reason = "wall-clock time of the run, for the report only"
    )]
    let started = std::time::Instant::now();
    let output = match simulate(storage, scenario, seed) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut summary = Summary::of(&name, seed, &policy, &output, started.elapsed().as_secs_f64());
    summary.inputs = inputs;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = print_table(&mut stdout, &summary).and_then(|()| write(out, &summary, &output)) {
        eprintln!("error: cannot write the reports to {}: {e}", out.display());
        return ExitCode::from(1);
    }
    if let Err(e) = courier_sim::plots::run(out, &output) {
        eprintln!("error: cannot draw the plots: {e}");
        return ExitCode::from(1);
    }
    if let Err(e) = courier_sim::geo_report::write(out, &output) {
        eprintln!("error: cannot write the map: {e}");
        return ExitCode::from(1);
    }
    if let Err(e) = courier_sim::html_report::run(out, &summary, &output) {
        eprintln!("error: cannot write {}: {e}", out.join("report.html").display());
        return ExitCode::from(1);
    }
    if summary.invariant_violations > 0 {
        return ExitCode::from(3);
    }
    ExitCode::SUCCESS
}

/// Runs `scenario` on every seed side by side, writes each seed's reports
/// into `out/seed-N/` and the replications into `out`.
fn replicated(scenario: Scenario, seeds: &Seeds, inputs: &Inputs, out: &Path) -> ExitCode {
    let clock = super::stopwatch();
    let workers = super::cores();
    let jobs: Vec<Job> = seeds
        .0
        .iter()
        .map(|&seed| Job {
            scenario: scenario.clone(),
            seed,
        })
        .collect();
    let total = jobs.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let each = |_: usize, summary: &Summary, output: &RunOutput| {
        let dir = out.join(format!("seed-{}", summary.seed));
        let mut summary = summary.clone();
        summary.inputs = inputs.clone();
        write(&dir, &summary, output).map_err(|e| format!("cannot write {}: {e}", dir.display()))?;
        courier_sim::plots::run(&dir, output).map_err(|e| e.to_string())?;
        courier_sim::geo_report::write(&dir, output)?;
        courier_sim::html_report::run(&dir, &summary, output)
            .map_err(|e| format!("cannot write {}: {e}", dir.join("report.html").display()))?;
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        eprintln!(
            "seed {} done ({n}/{total}): click-to-door p90 {:.1} min",
            summary.seed, summary.click_to_door_min.p90
        );
        Ok(())
    };
    let runs = match run_jobs(&jobs, workers, &clock, &each) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let report = Replicated::of(inputs.clone(), &runs);
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = courier_sim::replicated::print_table(&mut stdout, &report)
        .and_then(|()| courier_sim::replicated::write(out, &report, &runs))
        .and_then(|()| {
            let first = runs.first().map(|s| out.join(format!("seed-{}", s.seed)));
            courier_sim::html_report::replicated(out, &report, &runs, first.as_deref())
        })
    {
        eprintln!("error: cannot write the reports to {}: {e}", out.display());
        return ExitCode::from(1);
    }
    if runs.iter().any(|s| s.invariant_violations > 0) {
        return ExitCode::from(3);
    }
    ExitCode::SUCCESS
}

/// A name no other run uses, for this run's PostgreSQL schema or Redis
/// prefix (the simulation's ids repeat from run to run).
fn namespace() -> String {
    #[allow(clippy::disallowed_methods, reason = "a unique name, not simulated time")]
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("courier_sim_{}_{nanos}", std::process::id())
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Runs the scenario over the storage `--storage` names: `memory`; a
/// `postgres://` URL (orders and catalog in PostgreSQL, in a schema of
/// their own, dropped afterwards); a `redis://` URL (locations,
/// idempotency, rate limits and the catalog cache in Redis under a prefix
/// of their own, cleared afterwards; orders in memory).
fn simulate(storage: &str, scenario: Scenario, seed: u64) -> Result<RunOutput, String> {
    if storage == "memory" {
        return with_progress(Sim::new(scenario, seed, MemoryStore::default())?);
    }
    let rt = runtime()?;
    if storage.starts_with("postgres://") || storage.starts_with("postgresql://") {
        let config = PgConfig {
            schema: Some(namespace()),
            ..PgConfig::new(storage)
        };
        let pg = rt
            .block_on(PgStore::connect(config.clone()))
            .map_err(|e| format!("cannot use {storage}: {e}"))?;
        let store = Composite::new(pg.clone(), pg, MemoryStore::default());
        let output = with_progress(Sim::new_on(rt, scenario, seed, store)?);
        // The run's connections died with its runtime: clean up on new ones.
        let rt = runtime()?;
        rt.block_on(async { PgStore::connect(config).await?.drop_schema().await })
            .map_err(|e| format!("the run finished but its schema could not be dropped: {e}"))?;
        return output;
    }
    if storage.starts_with("redis://") || storage.starts_with("rediss://") {
        let prefix = namespace();
        let redis = rt
            .block_on(RedisStore::connect(storage, &prefix))
            .map_err(|e| format!("cannot use {storage}: {e}"))?;
        // The catalog's source of truth is its own in-memory store, read
        // through the Redis cache; orders stay in memory.
        let catalog = CachedCatalog::new(MemoryStore::default(), redis.clone(), CATALOG_CACHE_TTL);
        let store = Composite::new(MemoryStore::default(), catalog, redis);
        let output = with_progress(Sim::new_on(rt, scenario, seed, store)?);
        let rt = runtime()?;
        rt.block_on(async { RedisStore::connect(storage, &prefix).await?.clear().await })
            .map_err(|e| format!("the run finished but its Redis keys could not be cleared: {e}"))?;
        return output;
    }
    Err(format!(
        "--storage {storage:?} is not `memory`, a postgres:// URL or a redis:// URL"
    ))
}

/// Runs with a progress bar on a terminal, or, when standard error is not
/// one (a log), a line per simulated hour.
fn with_progress<S: Store>(sim: Sim<S>) -> Result<RunOutput, String> {
    use std::io::Write;
    let hours = sim.demand_minutes().div_ceil(60);
    // A log (stdout, or else stderr, sent to a file) gets a line per
    // simulated hour; a terminal on stderr gets the bar.
    let log_to_stdout = !std::io::stdout().is_terminal();
    let log_to_stderr = !log_to_stdout && !std::io::stderr().is_terminal();
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(sim.demand_minutes());
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} sim min  {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        bar
    });
    let output = sim.run_observed(&mut |row: &MinuteRow| {
        if let Some(bar) = &bar {
            bar.set_position(u64::from(row.minute).min(bar.length().unwrap_or(0)));
            bar.set_message(format!("{} open, {} free", row.open, row.free_couriers));
        }
        if row.minute.is_multiple_of(60) && (log_to_stdout || log_to_stderr) {
            let line = format!(
                "simulated hour {} of {hours}: {} orders open, {} couriers free of {} online",
                row.minute / 60,
                row.open,
                row.free_couriers,
                row.online_couriers
            );
            // A log that cannot be written must not stop the run.
            let _ = if log_to_stdout {
                writeln!(std::io::stdout(), "{line}")
            } else {
                writeln!(std::io::stderr(), "{line}")
            };
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(output)
}
