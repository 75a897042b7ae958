//! The subcommands of `courier-sim`, one per file.

pub(crate) mod bench_engine;
pub(crate) mod compare;
pub(crate) mod mdrp;
pub(crate) mod run;
pub(crate) mod sweep;

/// Seconds since this call on the wall clock: each run's wall time, for
/// the reports only (the simulation never reads it).
pub(crate) fn stopwatch() -> impl Fn() -> f64 + Send + Sync {
    #[allow(
        clippy::disallowed_methods,
        reason = "wall-clock time of each run, for the report only"
    )]
    let epoch = std::time::Instant::now();
    move || epoch.elapsed().as_secs_f64()
}

/// Runs to keep side by side: one per core.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}
