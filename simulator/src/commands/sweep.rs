//! `courier-sim sweep`: one scenario across the values of one parameter,
//! each value on one seed or several.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use courier_sim::Scenario;
use courier_sim::replicate::Seeds;
use courier_sim::sweep::{Param, Point, SweepError, Target, Value, first_meeting, run_all, with_value};

/// What `courier-sim sweep` was asked.
pub(crate) struct SweepArgs<'a> {
    pub(crate) scenario: &'a Path,
    pub(crate) param: &'a str,
    pub(crate) target: Option<&'a str>,
    pub(crate) out: &'a Path,
    pub(crate) seed: Option<u64>,
    pub(crate) seeds: Option<&'a str>,
    pub(crate) scale: Option<f64>,
    pub(crate) cheapest: Option<&'a str>,
}

/// The figures `sweep.csv` gives for every point, each as mean, low and
/// high (the 95% interval of the mean over the seeds).
const FIGURES: [&str; 21] = [
    "orders_placed",
    "orders_delivered",
    "orders_cancelled",
    "orders_rejected",
    "orders_lost",
    "click_to_door_min.mean",
    "click_to_door_min.p50",
    "click_to_door_min.p90",
    "click_to_door_min.p99",
    "service.within_promise",
    "service.within_45_min",
    "service.click_to_door_p90_min",
    "ready_to_pickup_min.mean",
    "courier_utilization",
    "courier_utilization_peak_hour",
    "orders_per_courier_hour",
    "courier_cost_cents",
    "cost_per_order",
    "refunds_cents",
    "courier_pay_cents",
    "invariant_violations",
];

/// Runs the sweep, writes `sweep.csv` (and its plot) and prints the first
/// value meeting the target.
pub(crate) fn sweep(args: &SweepArgs<'_>) -> ExitCode {
    let (points_in, target, seeds) = match prepare(args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let clock = super::stopwatch();
    let workers = super::cores();
    let title = points_in.first().map_or_else(String::new, |(_, s)| {
        format!(
            "{}: {} seed{} at scale {}",
            s.name,
            seeds.0.len(),
            if seeds.0.len() == 1 { "" } else { "s" },
            s.scale
        )
    });
    let points = match run_all(points_in, &seeds.0, workers, &clock) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let param = args.param.split_once('=').map_or(args.param, |(p, _)| p.trim());
    if let Err(e) = write_csv(args.out, param, &points, target.as_ref()) {
        eprintln!("error: cannot write to {}: {e}", args.out.display());
        return ExitCode::from(1);
    }
    let plot = args.out.join("sweep.png");
    if let Err(e) = courier_sim::plots::sweep(&plot, &title, param, &points, target.as_ref()) {
        eprintln!("error: cannot draw {}: {e}", plot.display());
        return ExitCode::from(1);
    }
    let mut stdout = std::io::stdout().lock();
    if print(&mut stdout, param, &points, target.as_ref()).is_err() {
        return ExitCode::from(1);
    }
    if let Some(figure) = args.cheapest
        && print_cheapest(&mut stdout, param, &points, target.as_ref(), figure).is_err()
    {
        return ExitCode::from(1);
    }
    if points.iter().flat_map(|p| &p.runs).any(|s| s.invariant_violations > 0) {
        return ExitCode::from(3);
    }
    ExitCode::SUCCESS
}

type Prepared = (Vec<(Value, Scenario)>, Option<Target>, Seeds);

fn prepare(args: &SweepArgs<'_>) -> Result<Prepared, SweepError> {
    let param = Param::parse(args.param)?;
    let target = args.target.map(Target::parse).transpose()?;
    if let Some(figure) = args.cheapest {
        // Checked as a target's metric is: a numeric field of the summary.
        Target::parse(&format!("{figure}<=0"))?;
    }
    let text = std::fs::read_to_string(args.scenario)
        .map_err(|e| SweepError::Scenario(format!("{}: {e}", args.scenario.display())))?;
    let mut scenarios = Vec::with_capacity(param.values.len());
    for value in &param.values {
        let mut scenario = with_value(&text, args.scenario, &param.path, value)?;
        if let Some(scale) = args.scale {
            if !(scale.is_finite() && scale > 0.0) {
                return Err(SweepError::Scenario(format!(
                    "--scale {scale} must be a positive number"
                )));
            }
            scenario.scale = scale;
        }
        scenarios.push((value.clone(), scenario));
    }
    let first = args
        .seed
        .unwrap_or_else(|| scenarios.first().map_or(0, |(_, s)| s.seed));
    let seeds = match args.seeds {
        Some(text) => Seeds::parse(text, first).map_err(SweepError::Scenario)?,
        None => Seeds(vec![first]),
    };
    Ok((scenarios, target, seeds))
}

/// The figures written: the fixed ones and the target's.
fn figures(target: Option<&Target>) -> Vec<String> {
    let mut all: Vec<String> = FIGURES.iter().map(|f| (*f).to_owned()).collect();
    if let Some(t) = target
        && !all.contains(&t.metric)
    {
        all.push(t.metric.clone());
    }
    all
}

fn write_csv(out: &Path, param: &str, points: &[Point], target: Option<&Target>) -> std::io::Result<()> {
    std::fs::create_dir_all(out)?;
    let mut w = csv::Writer::from_path(out.join("sweep.csv"))?;
    let names = figures(target);
    let mut header = vec![param.to_owned(), "seeds".to_owned()];
    for f in &names {
        header.extend([f.clone(), format!("{f}_low"), format!("{f}_high")]);
    }
    header.extend(["meets_target".to_owned(), "seeds_meeting_target".to_owned()]);
    w.write_record(&header)?;
    for p in points {
        let mut row = vec![p.value.label.clone(), p.runs.len().to_string()];
        for f in &names {
            match p.figure(f) {
                Some(i) => row.extend([i.mean, i.low, i.high].map(|x| format!("{x:.4}"))),
                None => row.extend([String::new(), String::new(), String::new()]),
            }
        }
        match target {
            Some(t) => row.extend([p.meets(t).to_string(), p.runs_meeting(t).to_string()]),
            None => row.extend([String::new(), String::new()]),
        }
        w.write_record(&row)?;
    }
    w.flush()
}

/// `mean ± half-width` (just the mean for one run).
fn pm(p: &Point, path: &str) -> String {
    // Shares (0..1) need more places than minutes do.
    let places = |x: f64| if x.abs() < 2.0 { 3 } else { 1 };
    match p.figure(path) {
        Some(i) if i.n > 1 => {
            let d = places(i.mean);
            format!("{:.d$}±{:.d$}", i.mean, (i.high - i.low) / 2.0)
        }
        Some(i) => format!("{:.d$}", i.mean, d = places(i.mean)),
        None => "-".to_owned(),
    }
}

fn print(w: &mut impl Write, param: &str, points: &[Point], target: Option<&Target>) -> std::io::Result<()> {
    // The target's own figure gets a column, so the verdict can be read off it.
    let target_column = target.map_or(String::new(), |t| format!(" {:>16}", short(&t.metric)));
    writeln!(
        w,
        "{param:>24} {:>5} {:>9} {:>9} {:>11} {:>6} {:>8}{target_column} {:>12}",
        "seeds", "placed", "delivered", "ctd p90", "util", "$/order", "target"
    )?;
    for p in points {
        let met = match target {
            Some(t) if p.meets(t) => format!("met {}/{}", p.runs_meeting(t), p.runs.len()),
            Some(t) => format!("- {}/{}", p.runs_meeting(t), p.runs.len()),
            None => String::new(),
        };
        let mean = |path: &str| p.figure(path).map_or(0.0, |i| i.mean);
        let value = target.map_or(String::new(), |t| format!(" {:>16}", pm(p, &t.metric)));
        writeln!(
            w,
            "{:>24} {:>5} {:>9.0} {:>9.0} {:>11} {:>5.0}% {:>8.2}{value} {met:>12}",
            p.value.label,
            p.runs.len(),
            mean("orders_placed"),
            mean("orders_delivered"),
            pm(p, "click_to_door_min.p90"),
            mean("courier_utilization") * 100.0,
            mean("cost_per_order"),
        )?;
    }
    if let Some(t) = target {
        let replicated = points.iter().any(|p| p.runs.len() > 1);
        let how = if replicated {
            " (its 95% interval within the bound)"
        } else {
            ""
        };
        match first_meeting(points, t) {
            Some(v) => {
                let runs = points
                    .iter()
                    .find(|p| p.value == *v)
                    .map_or((0, 0), |p| (p.runs_meeting(t), p.runs.len()));
                writeln!(
                    w,
                    "first {param} meeting {t}{how}: {} ({} of {} seeds met it alone)",
                    v.label, runs.0, runs.1
                )?;
            }
            None => writeln!(w, "no value of {param} tried meets {t}{how}")?,
        }
    }
    Ok(())
}

/// The value whose runs meet the target (all values without one) at the
/// smallest mean of `figure`: what a planner pays least for.
/// The last part of a dotted figure name, at most 16 characters.
fn short(metric: &str) -> &str {
    let last = metric.rsplit('.').next().unwrap_or(metric);
    last.get(last.len().saturating_sub(16)..).unwrap_or(last)
}

fn print_cheapest(
    w: &mut impl Write,
    param: &str,
    points: &[Point],
    target: Option<&Target>,
    figure: &str,
) -> std::io::Result<()> {
    let best = points
        .iter()
        .filter(|p| target.is_none_or(|t| p.meets(t)))
        .filter_map(|p| Some((p, p.figure(figure)?)))
        .min_by(|a, b| a.1.mean.total_cmp(&b.1.mean));
    let meeting = target.map_or(String::new(), |t| format!(" meeting {t}"));
    match best {
        Some((p, i)) => writeln!(
            w,
            "cheapest {param}{meeting} by {figure}: {} ({figure} {:.2})",
            p.value.label, i.mean
        ),
        None => writeln!(w, "no value of {param}{meeting} to weigh by {figure}"),
    }
}
