//! `courier-sim run`: one scenario, its summary table and reports.

use std::path::Path;
use std::process::ExitCode;

use courier_sim::report::{Summary, print_table, write};
use courier_sim::{Scenario, Sim};
use courier_storage::composite::Composite;
use courier_storage::memory::MemoryStore;
use courier_storage::postgres::{PgConfig, PgStore};

/// Runs `path` and writes its reports into `out`.
pub(crate) fn run(path: &Path, seed: Option<u64>, out: &Path, storage: &str, scale: Option<f64>) -> ExitCode {
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
    if let Err(e) = courier_sim::plots::run(out, &output) {
        eprintln!("error: cannot draw the plots: {e}");
        return ExitCode::from(1);
    }
    if summary.invariant_violations > 0 {
        return ExitCode::from(3);
    }
    ExitCode::SUCCESS
}
