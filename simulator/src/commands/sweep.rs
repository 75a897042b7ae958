//! `courier-sim sweep`: one scenario across the values of one parameter.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use courier_sim::Scenario;
use courier_sim::sweep::{Param, Point, SweepError, Target, run_all, smallest_meeting, with_value};

/// What `courier-sim sweep` was asked.
pub(crate) struct SweepArgs<'a> {
    pub(crate) scenario: &'a Path,
    pub(crate) param: &'a str,
    pub(crate) target: Option<&'a str>,
    pub(crate) out: &'a Path,
    pub(crate) seed: Option<u64>,
    pub(crate) scale: Option<f64>,
}

/// Runs the sweep, writes `sweep.csv` (and its plot) and prints the
/// smallest value meeting the target.
pub(crate) fn sweep(args: &SweepArgs<'_>) -> ExitCode {
    let prepared = prepare(args);
    let (points_in, target, seed) = match prepared {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    #[allow(
        clippy::disallowed_methods,
        reason = "wall-clock time of each run, for the report only"
    )]
    let epoch = std::time::Instant::now();
    let clock = move || epoch.elapsed().as_secs_f64();
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let points = match run_all(points_in, seed, workers, &clock) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let param = args.param.split_once('=').map_or(args.param, |(p, _)| p);
    if let Err(e) = write_csv(args.out, param, &points, target.as_ref()) {
        eprintln!("error: cannot write to {}: {e}", args.out.display());
        return ExitCode::from(1);
    }
    if let Err(e) = courier_sim::plots::sweep(&args.out.join("sweep.png"), param, &points, target.as_ref()) {
        eprintln!("error: cannot draw {}: {e}", args.out.join("sweep.png").display());
        return ExitCode::from(1);
    }
    let mut stdout = std::io::stdout().lock();
    if print(&mut stdout, param, &points, target.as_ref()).is_err() {
        return ExitCode::from(1);
    }
    if points.iter().any(|p| p.summary.invariant_violations > 0) {
        return ExitCode::from(3);
    }
    ExitCode::SUCCESS
}

type Prepared = (Vec<(f64, Scenario)>, Option<Target>, u64);

fn prepare(args: &SweepArgs<'_>) -> Result<Prepared, SweepError> {
    let param = Param::parse(args.param)?;
    let target = args.target.map(Target::parse).transpose()?;
    let text = std::fs::read_to_string(args.scenario)
        .map_err(|e| SweepError::Scenario(format!("{}: {e}", args.scenario.display())))?;
    let mut scenarios = Vec::with_capacity(param.values.len());
    for &value in &param.values {
        let mut scenario = with_value(&text, args.scenario, &param.path, value)?;
        if let Some(scale) = args.scale {
            if !(scale.is_finite() && scale > 0.0) {
                return Err(SweepError::Scenario(format!(
                    "--scale {scale} must be a positive number"
                )));
            }
            scenario.scale = scale;
        }
        scenarios.push((value, scenario));
    }
    let seed = args
        .seed
        .unwrap_or_else(|| scenarios.first().map_or(0, |(_, s)| s.seed));
    Ok((scenarios, target, seed))
}

fn write_csv(out: &Path, param: &str, points: &[Point], target: Option<&Target>) -> std::io::Result<()> {
    std::fs::create_dir_all(out)?;
    let mut w = csv::Writer::from_path(out.join("sweep.csv"))?;
    w.write_record([
        param,
        "orders_placed",
        "orders_delivered",
        "orders_cancelled",
        "orders_rejected",
        "orders_lost",
        "click_to_door_mean",
        "click_to_door_p50",
        "click_to_door_p90",
        "click_to_door_p99",
        "ready_to_pickup_mean",
        "courier_utilization",
        "orders_per_courier_hour",
        "refunds_cents",
        "courier_pay_cents",
        "invariant_violations",
        "meets_target",
        "wall_seconds",
    ])?;
    for p in points {
        let s = &p.summary;
        let met = target.map_or(String::new(), |t| t.met(s).to_string());
        w.write_record([
            p.value.to_string(),
            s.orders_placed.to_string(),
            s.orders_delivered.to_string(),
            s.orders_cancelled.to_string(),
            s.orders_rejected.to_string(),
            s.orders_lost.to_string(),
            format!("{:.3}", s.click_to_door_min.mean),
            format!("{:.3}", s.click_to_door_min.p50),
            format!("{:.3}", s.click_to_door_min.p90),
            format!("{:.3}", s.click_to_door_min.p99),
            format!("{:.3}", s.ready_to_pickup_min.mean),
            format!("{:.4}", s.courier_utilization),
            format!("{:.3}", s.orders_per_courier_hour),
            s.refunds_cents.to_string(),
            s.courier_pay_cents.to_string(),
            s.invariant_violations.to_string(),
            met,
            format!("{:.3}", s.wall_seconds),
        ])?;
    }
    w.flush()
}

fn print(w: &mut impl Write, param: &str, points: &[Point], target: Option<&Target>) -> std::io::Result<()> {
    writeln!(
        w,
        "{param:>24} {:>9} {:>9} {:>8} {:>8} {:>6} {:>8}",
        "placed", "delivered", "ctd p50", "ctd p90", "util", "target"
    )?;
    for p in points {
        let s = &p.summary;
        let met = match target {
            Some(t) if t.met(s) => "met",
            Some(_) => "-",
            None => "",
        };
        writeln!(
            w,
            "{:>24} {:>9} {:>9} {:>8.1} {:>8.1} {:>5.0}% {met:>8}",
            p.value,
            s.orders_placed,
            s.orders_delivered,
            s.click_to_door_min.p50,
            s.click_to_door_min.p90,
            s.courier_utilization * 100.0
        )?;
    }
    if let Some(t) = target {
        match smallest_meeting(points, t) {
            Some(v) => writeln!(w, "smallest {param} meeting {}: {v}", t)?,
            None => writeln!(w, "no value of {param} tried meets {}", t)?,
        }
    }
    Ok(())
}
