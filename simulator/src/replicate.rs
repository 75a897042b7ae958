//! Replications: one scenario (or several) on several seeds, side by side on
//! every core, each run the same as it would be alone.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use courier_storage::memory::MemoryStore;

use crate::report::Summary;
use crate::{RunOutput, Scenario, Sim};

/// The most seeds one command runs.
pub const MAX_SEEDS: usize = 1_000;

/// The seeds to run: `N` (N seeds from the scenario's own) or `A..B`
/// (A to B, both included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeds(pub Vec<u64>);

impl Seeds {
    /// Parses `N` or `A..B`; `first` is where `N` starts.
    ///
    /// # Errors
    /// Not a count or a range, an empty range, or more than [`MAX_SEEDS`].
    ///
    /// ```
    /// use courier_sim::replicate::Seeds;
    /// assert_eq!(Seeds::parse("3", 7)?.0, vec![7, 8, 9]);
    /// assert_eq!(Seeds::parse("1..4", 7)?.0, vec![1, 2, 3, 4]);
    /// assert!(Seeds::parse("4..1", 7).is_err());
    /// # Ok::<(), String>(())
    /// ```
    pub fn parse(text: &str, first: u64) -> Result<Seeds, String> {
        let bad = || format!("--seeds {text:?}: expected a count (20) or a range (1..20)");
        let (from, to) = match text.split_once("..") {
            Some((a, b)) => (
                a.trim().parse::<u64>().map_err(|_| bad())?,
                b.trim().parse::<u64>().map_err(|_| bad())?,
            ),
            None => {
                let n = text.trim().parse::<u64>().map_err(|_| bad())?;
                if n == 0 {
                    return Err(bad());
                }
                (first, first.saturating_add(n - 1))
            }
        };
        if from > to {
            return Err(bad());
        }
        let count = to - from + 1;
        if count > MAX_SEEDS as u64 {
            return Err(format!("--seeds {text:?} gives {count} seeds; at most {MAX_SEEDS}"));
        }
        Ok(Seeds((from..=to).collect()))
    }
}

/// One run to make: a scenario and a seed.
#[derive(Debug, Clone)]
pub struct Job {
    /// The scenario.
    pub scenario: Scenario,
    /// The seed.
    pub seed: u64,
}

/// Runs every job in memory on `workers` threads side by side, handing each
/// run's output to `each` (with the job's place) as it finishes, and returns
/// the summaries in job order, whatever the threads' timing. `clock` times
/// each run for its summary. Each run gets its share of the cores for its
/// batch rounds, so a run is as fast side by side as alone on its share.
///
/// # Errors
/// A run that could not start, or an `each` that failed (the first such).
pub fn run_jobs(
    jobs: &[Job],
    workers: usize,
    clock: &(dyn Fn() -> f64 + Sync),
    each: &(dyn Fn(usize, &Summary, &RunOutput) -> Result<(), String> + Sync),
) -> Result<Vec<Summary>, String> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Summary, String>>>> = Mutex::new(vec![None; jobs.len()]);
    let running = workers.max(1).min(jobs.len());
    let threads = std::thread::available_parallelism().map_or(1, |n| (n.get() / running.max(1)).max(1));
    std::thread::scope(|scope| {
        for _ in 0..running {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else {
                        return;
                    };
                    let started = clock();
                    let sim = Sim::new(job.scenario.clone(), job.seed, MemoryStore::default());
                    let result = sim.and_then(|sim| sim.on_threads(threads)).and_then(|sim| {
                        let output = sim.run();
                        let summary = Summary::of(
                            &job.scenario.name,
                            job.seed,
                            &job.scenario.policy.dispatch,
                            &output,
                            clock() - started,
                        );
                        each(i, &summary, &output)?;
                        Ok(summary)
                    });
                    if let Ok(mut slots) = results.lock()
                        && let Some(slot) = slots.get_mut(i)
                    {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    let slots = results.into_inner().map_err(|_| "a worker panicked".to_owned())?;
    slots
        .into_iter()
        .map(|slot| slot.unwrap_or_else(|| Err("a run did not happen".to_owned())))
        .collect()
}
