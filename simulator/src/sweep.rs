//! Parameter sweeps: one scenario run across the values of one parameter,
//! on every core, and the smallest value meeting a target.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use courier_storage::memory::MemoryStore;

use crate::report::Summary;
use crate::{Scenario, Sim};

/// A sweep the command line described wrongly.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SweepError {
    /// `--param` is not `PATH=FROM..TO:STEP` with numbers and a positive step.
    #[error(
        "--param {0:?}: expected PATH=FROM..TO:STEP with FROM <= TO and STEP > 0 (e.g. couriers.fleet=200..400:50)"
    )]
    Param(String),
    /// Too many values.
    #[error("--param {spec:?} gives {count} values; at most {max}")]
    TooManyValues {
        /// The spec.
        spec: String,
        /// Values it gives.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// `--target` is not `METRIC<=X` (or `<`, `>=`, `>`) on a numeric summary field.
    #[error("--target {target:?}: {why}")]
    Target {
        /// The target given.
        target: String,
        /// What is wrong.
        why: String,
    },
    /// The scenario with the value set is not valid.
    #[error("{0}")]
    Scenario(String),
}

/// The most values one sweep runs.
pub const MAX_VALUES: usize = 1_000;

/// One swept parameter: its dotted path in the scenario and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Dotted path (`couriers.fleet`).
    pub path: String,
    /// The values, ascending.
    pub values: Vec<f64>,
}

impl Param {
    /// Parses `PATH=FROM..TO:STEP`.
    ///
    /// # Errors
    /// A malformed spec, a non-positive step, FROM > TO, too many values.
    ///
    /// ```
    /// use courier_sim::sweep::Param;
    /// let p = Param::parse("couriers.fleet=200..300:50")?;
    /// assert_eq!(p.path, "couriers.fleet");
    /// assert_eq!(p.values, vec![200.0, 250.0, 300.0]);
    /// # Ok::<(), courier_sim::sweep::SweepError>(())
    /// ```
    pub fn parse(spec: &str) -> Result<Param, SweepError> {
        let bad = || SweepError::Param(spec.to_owned());
        let (path, range) = spec.split_once('=').ok_or_else(bad)?;
        let (span, step) = range.split_once(':').ok_or_else(bad)?;
        let (from, to) = span.split_once("..").ok_or_else(bad)?;
        let number = |s: &str| s.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(bad);
        let (from, to, step) = (number(from)?, number(to)?, number(step)?);
        let path = path.trim();
        if path.is_empty() || path.split('.').any(str::is_empty) || step <= 0.0 || from > to {
            return Err(bad());
        }
        let count = ((to - from) / step + 1e-9).floor() as usize + 1;
        if count > MAX_VALUES {
            return Err(SweepError::TooManyValues {
                spec: spec.to_owned(),
                count,
                max: MAX_VALUES,
            });
        }
        // Values from an integer index, so 0.1 steps do not drift.
        let values = (0..count).map(|k| from + k as f64 * step).collect();
        Ok(Param {
            path: path.to_owned(),
            values,
        })
    }
}

/// A target on one numeric field of `summary.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Dotted path in the summary (`click_to_door_min.p90`).
    pub metric: String,
    /// The comparison.
    pub op: Comparison,
    /// The bound.
    pub bound: f64,
}

/// How a metric compares with its bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `<=`
    AtMost,
    /// `<`
    Below,
    /// `>=`
    AtLeast,
    /// `>`
    Above,
}

impl Target {
    /// Parses `METRIC<=X` (or `<`, `>=`, `>`), checking that the metric is a
    /// numeric field of the summary.
    ///
    /// # Errors
    /// No comparison, a bound that is not a number, an unknown metric.
    pub fn parse(text: &str) -> Result<Target, SweepError> {
        let err = |why: &str| SweepError::Target {
            target: text.to_owned(),
            why: why.to_owned(),
        };
        let (metric, op, bound) = [
            ("<=", Comparison::AtMost),
            (">=", Comparison::AtLeast),
            ("<", Comparison::Below),
            (">", Comparison::Above),
        ]
        .iter()
        .find_map(|(sym, op)| text.split_once(sym).map(|(m, b)| (m.trim(), *op, b.trim())))
        .ok_or_else(|| err("expected METRIC<=X, METRIC<X, METRIC>=X or METRIC>X"))?;
        let bound: f64 = bound
            .parse()
            .ok()
            .filter(|b: &f64| b.is_finite())
            .ok_or_else(|| err("the bound is not a number"))?;
        let target = Target {
            metric: metric.to_owned(),
            op,
            bound,
        };
        if target.value(&Summary::default()).is_none() {
            return Err(err(&format!("{metric:?} is not a numeric field of summary.json")));
        }
        Ok(target)
    }

    /// The metric's value in `summary`.
    pub fn value(&self, summary: &Summary) -> Option<f64> {
        let json = serde_json::to_value(summary).ok()?;
        self.metric.split('.').try_fold(&json, |v, key| v.get(key))?.as_f64()
    }

    /// Whether `summary` meets the target.
    pub fn met(&self, summary: &Summary) -> bool {
        self.value(summary).is_some_and(|v| match self.op {
            Comparison::AtMost => v <= self.bound,
            Comparison::Below => v < self.bound,
            Comparison::AtLeast => v >= self.bound,
            Comparison::Above => v > self.bound,
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match self.op {
            Comparison::AtMost => "<=",
            Comparison::Below => "<",
            Comparison::AtLeast => ">=",
            Comparison::Above => ">",
        };
        write!(f, "{}{op}{}", self.metric, self.bound)
    }
}

/// The scenario text with `path` set to `value` (an integer when whole).
///
/// # Errors
/// The text is not TOML, the path crosses a value that is not a table, or
/// the scenario with the value is invalid (named by field).
pub fn with_value(text: &str, file: &Path, path: &str, value: f64) -> Result<Scenario, SweepError> {
    let mut doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| SweepError::Scenario(format!("{}: {}", file.display(), e.message())))?;
    let keys: Vec<&str> = path.split('.').collect();
    let (last, parents) = keys.split_last().ok_or_else(|| SweepError::Param(path.to_owned()))?;
    let mut table = &mut doc;
    for key in parents {
        let entry = table
            .entry((*key).to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = entry
            .as_table_mut()
            .ok_or_else(|| SweepError::Scenario(format!("{}: {path}: {key} is not a table", file.display())))?;
    }
    let whole = value.fract() == 0.0 && value.abs() < 9.0e15;
    let item = if whole {
        toml::Value::Integer(value as i64)
    } else {
        toml::Value::Float(value)
    };
    table.insert((*last).to_owned(), item);
    let edited = toml::to_string(&doc).map_err(|e| SweepError::Scenario(e.to_string()))?;
    Scenario::parse(&edited, file).map_err(|e| {
        SweepError::Scenario(format!(
            "{}: {}: {} (with {path} = {value})",
            e.file.display(),
            e.field,
            e.message
        ))
    })
}

/// One point of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The parameter's value.
    pub value: f64,
    /// The run's summary.
    pub summary: Summary,
}

/// Runs `scenarios` (one per value) with `seed` in memory on `workers`
/// threads; `clock` times each run for its summary. Results are in value
/// order whatever the threads' timing.
///
/// # Errors
/// A run that could not start.
pub fn run_all(
    scenarios: Vec<(f64, Scenario)>,
    seed: u64,
    workers: usize,
    clock: &(dyn Fn() -> f64 + Sync),
) -> Result<Vec<Point>, String> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Point, String>>>> = Mutex::new(vec![None; scenarios.len()]);
    let running = workers.max(1).min(scenarios.len());
    // The cores the runs side by side leave each run for its batch rounds.
    let threads = std::thread::available_parallelism().map_or(1, |n| (n.get() / running.max(1)).max(1));
    std::thread::scope(|scope| {
        for _ in 0..running {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((value, scenario)) = scenarios.get(i) else {
                        return;
                    };
                    let started = clock();
                    let name = scenario.name.clone();
                    let policy = scenario.policy.dispatch.clone();
                    let sim = Sim::new(scenario.clone(), seed, MemoryStore::default());
                    let point = sim.and_then(|sim| sim.on_threads(threads)).map(|sim| {
                        let output = sim.run();
                        Point {
                            value: *value,
                            summary: Summary::of(&name, seed, &policy, &output, clock() - started),
                        }
                    });
                    if let Ok(mut slots) = results.lock()
                        && let Some(slot) = slots.get_mut(i)
                    {
                        *slot = Some(point);
                    }
                }
            });
        }
    });
    let slots = results.into_inner().map_err(|_| "a sweep worker panicked".to_owned())?;
    slots
        .into_iter()
        .map(|slot| slot.unwrap_or_else(|| Err("a sweep point did not run".to_owned())))
        .collect()
}

/// The smallest value whose run meets `target`.
pub fn smallest_meeting(points: &[Point], target: &Target) -> Option<f64> {
    points
        .iter()
        .filter(|p| target.met(&p.summary))
        .map(|p| p.value)
        .min_by(f64::total_cmp)
}

#[cfg(test)]
mod tests {
    use super::{Comparison, Param, SweepError, Target};

    #[test]
    fn params_parse_and_bad_ones_are_refused() {
        let p = Param::parse("demand.peak_per_minute=0.5..1.0:0.1").unwrap();
        assert_eq!(p.values.len(), 6);
        assert!((p.values[5] - 1.0).abs() < 1e-12);
        for bad in [
            "fleet",
            "couriers.fleet=1..2",
            "couriers.fleet=5..1:1",
            "couriers.fleet=1..5:0",
            "=1..2:1",
            "a..b=1..2:1",
            "x=a..2:1",
        ] {
            assert!(matches!(Param::parse(bad), Err(SweepError::Param(_))), "{bad}");
        }
        assert!(matches!(
            Param::parse("x=0..5000:1"),
            Err(SweepError::TooManyValues { count: 5001, .. })
        ));
    }

    #[test]
    fn targets_parse_against_the_summary_fields() {
        let t = Target::parse("click_to_door_min.p90<=45").unwrap();
        assert_eq!(
            (t.metric.as_str(), t.op, t.bound),
            ("click_to_door_min.p90", Comparison::AtMost, 45.0)
        );
        assert_eq!(Target::parse("orders_delivered > 10").unwrap().op, Comparison::Above);
        assert!(Target::parse("click_to_door_min.p95<=45").is_err());
        assert!(Target::parse("scenario<=1").is_err());
        assert!(Target::parse("orders_delivered=3").is_err());
        assert!(Target::parse("orders_delivered<=x").is_err());
    }
}
