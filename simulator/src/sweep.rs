//! Parameter sweeps: one scenario run across the values of one parameter,
//! each on one seed or several, on every core, and the first value whose
//! runs meet a target.

use std::collections::BTreeMap;
use std::path::Path;

use crate::Scenario;
use crate::replicate::{Job, run_jobs};
use crate::report::Summary;
use crate::stats::{Interval, replicated};

/// A sweep the command line described wrongly.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SweepError {
    /// `--param` is not `PATH=FROM..TO:STEP` with numbers and a positive step,
    /// nor `PATH=A,B,...`.
    #[error(
        "--param {0:?}: expected PATH=FROM..TO:STEP with FROM <= TO and STEP > 0 (couriers.fleet=200..400:50), or PATH=A,B,... (policy.dispatch=cascade,batch)"
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

/// One value of a swept parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// As written on the command line (`250`, `cascade`).
    pub label: String,
    /// As set in the scenario.
    pub toml: toml::Value,
    /// Where it goes on a plot's x axis: the number, or its place in the
    /// list for words.
    pub x: f64,
}

impl Value {
    /// A number (an integer in the scenario when whole).
    pub fn number(x: f64) -> Value {
        let whole = x.fract() == 0.0 && x.abs() < 9.0e15;
        Value {
            label: if whole { format!("{}", x as i64) } else { x.to_string() },
            toml: if whole {
                toml::Value::Integer(x as i64)
            } else {
                toml::Value::Float(x)
            },
            x,
        }
    }
}

/// One swept parameter: its dotted path in the scenario and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Dotted path (`couriers.fleet`).
    pub path: String,
    /// The values, in the order given (ascending for a range).
    pub values: Vec<Value>,
}

impl Param {
    /// Parses `PATH=FROM..TO:STEP` (numbers), or `PATH=A,B,...` (numbers or
    /// words, as listed).
    ///
    /// # Errors
    /// A malformed spec, a non-positive step, FROM > TO, too many values.
    ///
    /// ```
    /// use courier_sim::sweep::Param;
    /// let p = Param::parse("couriers.fleet=200..300:50")?;
    /// assert_eq!(p.path, "couriers.fleet");
    /// assert_eq!(p.values.iter().map(|v| v.x).collect::<Vec<_>>(), vec![200.0, 250.0, 300.0]);
    /// let p = Param::parse("policy.dispatch=cascade,batch")?;
    /// assert_eq!(p.values[1].label, "batch");
    /// # Ok::<(), courier_sim::sweep::SweepError>(())
    /// ```
    pub fn parse(spec: &str) -> Result<Param, SweepError> {
        let bad = || SweepError::Param(spec.to_owned());
        let (path, range) = spec.split_once('=').ok_or_else(bad)?;
        let path = path.trim();
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(bad());
        }
        if !range.contains("..") {
            return Param::listed(spec, path, range);
        }
        let (span, step) = range.split_once(':').ok_or_else(bad)?;
        let (from, to) = span.split_once("..").ok_or_else(bad)?;
        let number = |s: &str| s.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(bad);
        let (from, to, step) = (number(from)?, number(to)?, number(step)?);
        if step <= 0.0 || from > to {
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
        let values = (0..count).map(|k| Value::number(from + k as f64 * step)).collect();
        Ok(Param {
            path: path.to_owned(),
            values,
        })
    }

    /// `A,B,...`: numbers where every item is one, words otherwise.
    fn listed(spec: &str, path: &str, list: &str) -> Result<Param, SweepError> {
        let items: Vec<&str> = list.split(',').map(str::trim).collect();
        if items.iter().any(|i| i.is_empty()) || items.len() < 2 {
            return Err(SweepError::Param(spec.to_owned()));
        }
        if items.len() > MAX_VALUES {
            return Err(SweepError::TooManyValues {
                spec: spec.to_owned(),
                count: items.len(),
                max: MAX_VALUES,
            });
        }
        let numbers: Option<Vec<f64>> = items
            .iter()
            .map(|i| i.parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect();
        let values = match numbers {
            Some(xs) => xs.into_iter().map(Value::number).collect(),
            None => items
                .iter()
                .enumerate()
                .map(|(k, i)| Value {
                    label: (*i).to_owned(),
                    toml: toml::Value::String((*i).to_owned()),
                    x: k as f64,
                })
                .collect(),
        };
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
            let names: Vec<String> = crate::stats::figures(&Summary::default()).into_keys().collect();
            return Err(err(&format!(
                "{metric:?} is not a numeric field of summary.json; the fields are: {}",
                names.join(", ")
            )));
        }
        Ok(target)
    }

    /// The metric's value in `summary`.
    pub fn value(&self, summary: &Summary) -> Option<f64> {
        let json = serde_json::to_value(summary).ok()?;
        self.metric.split('.').try_fold(&json, |v, key| v.get(key))?.as_f64()
    }

    /// Whether `v` meets the bound.
    fn holds(&self, v: f64) -> bool {
        match self.op {
            Comparison::AtMost => v <= self.bound,
            Comparison::Below => v < self.bound,
            Comparison::AtLeast => v >= self.bound,
            Comparison::Above => v > self.bound,
        }
    }

    /// Whether `summary` meets the target.
    pub fn met(&self, summary: &Summary) -> bool {
        self.value(summary).is_some_and(|v| self.holds(v))
    }

    /// Whether replicated runs meet the target with 95% confidence: the
    /// interval's end on the wrong side of the bound (its upper end for an
    /// upper bound) meets it.
    pub fn met_by(&self, interval: &Interval) -> bool {
        match self.op {
            Comparison::AtMost | Comparison::Below => self.holds(interval.high),
            Comparison::AtLeast | Comparison::Above => self.holds(interval.low),
        }
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

/// The scenario text with `path` set to `value`.
///
/// # Errors
/// The text is not TOML, the path crosses a value that is not a table, or
/// the scenario with the value is invalid (named by field).
pub fn with_value(text: &str, file: &Path, path: &str, value: &Value) -> Result<Scenario, SweepError> {
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
    table.insert((*last).to_owned(), value.toml.clone());
    let edited = toml::to_string(&doc).map_err(|e| SweepError::Scenario(e.to_string()))?;
    Scenario::parse(&edited, file).map_err(|e| {
        SweepError::Scenario(format!(
            "{}: {}: {} (with {path} = {})",
            e.file.display(),
            e.field,
            e.message,
            value.label
        ))
    })
}

/// One point of a sweep: a value and its runs, one per seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The parameter's value.
    pub value: Value,
    /// Each seed's summary, in seed order.
    pub runs: Vec<Summary>,
    /// Each numeric figure over the runs (see [`crate::stats::figures`]).
    pub figures: BTreeMap<String, Interval>,
}

impl Point {
    /// The interval of the figure at dotted `path`.
    pub fn figure(&self, path: &str) -> Option<Interval> {
        self.figures.get(path).copied()
    }

    /// Whether the point's runs meet `target` with 95% confidence.
    pub fn meets(&self, target: &Target) -> bool {
        self.figure(&target.metric).is_some_and(|i| target.met_by(&i))
    }

    /// How many of the point's runs meet `target` on their own.
    pub fn runs_meeting(&self, target: &Target) -> usize {
        self.runs.iter().filter(|s| target.met(s)).count()
    }
}

/// Runs every scenario (one per value) on every seed in memory on `workers`
/// threads; `clock` times each run for its summary. Points come back in
/// value order, each with its runs in seed order, whatever the threads'
/// timing.
///
/// # Errors
/// A run that could not start.
pub fn run_all(
    scenarios: Vec<(Value, Scenario)>,
    seeds: &[u64],
    workers: usize,
    clock: &(dyn Fn() -> f64 + Sync),
) -> Result<Vec<Point>, String> {
    let jobs: Vec<Job> = scenarios
        .iter()
        .flat_map(|(_, scenario)| {
            seeds.iter().map(|&seed| Job {
                scenario: scenario.clone(),
                seed,
            })
        })
        .collect();
    let mut summaries = run_jobs(&jobs, workers, clock, &|_, _, _| Ok(()))?.into_iter();
    Ok(scenarios
        .into_iter()
        .map(|(value, _)| {
            let runs: Vec<Summary> = summaries.by_ref().take(seeds.len()).collect();
            Point {
                value,
                figures: replicated(&runs),
                runs,
            }
        })
        .collect())
}

/// The first value (the smallest of a range) whose runs meet `target` with
/// 95% confidence.
pub fn first_meeting<'a>(points: &'a [Point], target: &Target) -> Option<&'a Value> {
    points.iter().find(|p| p.meets(target)).map(|p| &p.value)
}

#[cfg(test)]
mod tests {
    use super::{Comparison, Param, SweepError, Target};

    #[test]
    fn params_parse_and_bad_ones_are_refused() {
        let p = Param::parse("demand.peak_per_minute=0.5..1.0:0.1").unwrap();
        assert_eq!(p.values.len(), 6);
        assert!((p.values[5].x - 1.0).abs() < 1e-12);
        let p = Param::parse("couriers.fleet=100,250").unwrap();
        assert_eq!(p.values[1].toml, toml::Value::Integer(250));
        for bad in [
            "fleet",
            "couriers.fleet=1..2",
            "couriers.fleet=5..1:1",
            "couriers.fleet=1..5:0",
            "=1..2:1",
            "a..b=1..2:1",
            "x=a..2:1",
            "policy.dispatch=batch",
            "policy.dispatch=batch,,cascade",
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
        let Err(SweepError::Target { why, .. }) = Target::parse("click_to_door_min.p95<=45") else {
            panic!("an unknown figure is refused");
        };
        for name in ["click_to_door_min.p90", "cost_per_order", "service.within_45_min"] {
            assert!(why.contains(name), "the error lists {name}: {why}");
        }
        assert!(Target::parse("cost_per_order<=8").is_ok());
        assert!(Target::parse("service.within_45_min>=0.9").is_ok());
        assert!(Target::parse("scenario<=1").is_err());
        assert!(Target::parse("orders_delivered=3").is_err());
        assert!(Target::parse("orders_delivered<=x").is_err());
    }
}
