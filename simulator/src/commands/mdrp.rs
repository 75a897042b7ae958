//! `courier-sim mdrp`: replay one MDRP instance, or every instance below a
//! folder, and compare policies.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use courier_sim::mdrp::classes::{ClassMeans, REYES_2018, class_means};
use courier_sim::mdrp::{Instance, MdrpError, Policy, Report, replay_instance};

/// A harder variant of every instance replayed: this share of its couriers
/// removed, chosen by a generator seeded with `seed`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fewer {
    /// Share of couriers removed (0..=1).
    pub(crate) share: f64,
    /// The choice's seed.
    pub(crate) seed: u64,
}

/// Replays `instance` under the one policy given (batch by default), or with
/// `all` every instance folder below it under every policy given (greedy
/// and batch by default), writing `mdrp.csv`.
pub(crate) fn mdrp(
    instance: Option<&Path>,
    all: Option<&Path>,
    policies: &[Policy],
    fewer: Option<Fewer>,
    out: &Path,
) -> ExitCode {
    let outcome = match (instance, all) {
        (Some(dir), None) => {
            let policy = match policies {
                [] => Policy::Batch,
                [one] => *one,
                _ => {
                    eprintln!("error: one --policy for one instance (use --all to compare policies)");
                    return ExitCode::from(2);
                }
            };
            one(dir, policy, fewer, out).map(|report| vec![report])
        }
        (None, Some(root)) => {
            let policies = if policies.is_empty() {
                &[Policy::Greedy, Policy::Batch][..]
            } else {
                policies
            };
            every(root, policies, fewer, out)
        }
        _ => {
            eprintln!("error: give either INSTANCE_DIR or --all DIR");
            return ExitCode::from(2);
        }
    };
    let reports = match outcome {
        Ok(r) => r,
        Err(MdrpError::Input(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let mut stdout = std::io::stdout().lock();
    if print(&mut stdout, &reports).is_err() {
        return ExitCode::from(1);
    }
    if all.is_some() {
        let classes = class_means(&reports);
        let written = write_classes(&out.join("classes.csv"), &classes);
        if print_classes(&mut stdout, &classes).is_err() || written.is_err() {
            eprintln!("error: cannot write {}", out.join("classes.csv").display());
            return ExitCode::from(1);
        }
    }
    if reports.iter().any(|r| !r.violations.is_empty()) {
        for r in reports.iter().filter(|r| !r.violations.is_empty()) {
            eprintln!(
                "{} ({:?}): {} rule(s) broken, first: {}",
                r.instance,
                r.policy,
                r.violations.len(),
                r.violations[0]
            );
        }
        return ExitCode::from(3);
    }
    ExitCode::SUCCESS
}

fn one(dir: &Path, policy: Policy, fewer: Option<Fewer>, out: &Path) -> Result<Report, MdrpError> {
    #[allow(
        clippy::disallowed_methods,
        reason = "wall-clock time of the replay, for the report only"
    )]
    let started = std::time::Instant::now();
    let mut instance = Instance::load(dir)?;
    if let Some(f) = fewer {
        instance = instance.without_couriers(f.share, f.seed);
    }
    replay_instance(&instance, policy, out, || started.elapsed().as_secs_f64())
}

/// Instance folders (holding `orders.txt`) below `root`, sorted by name.
fn instance_dirs(root: &Path) -> Result<Vec<PathBuf>, MdrpError> {
    let read = std::fs::read_dir(root)
        .map_err(|e| MdrpError::Input(courier_sim::mdrp::TableError::new(root, 0, "(folder)", e.to_string())))?;
    let mut dirs: Vec<PathBuf> = read
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("orders.txt").is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(MdrpError::Input(courier_sim::mdrp::TableError::new(
            root,
            0,
            "(folder)",
            "no instance folder (with orders.txt) below it",
        )));
    }
    Ok(dirs)
}

fn every(root: &Path, policies: &[Policy], fewer: Option<Fewer>, out: &Path) -> Result<Vec<Report>, MdrpError> {
    let mut reports = Vec::new();
    for dir in instance_dirs(root)? {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for &policy in policies {
            let sub = out.join(&name).join(policy.name());
            reports.push(one(&dir, policy, fewer, &sub)?);
        }
    }
    write_csv(&out.join("mdrp.csv"), &reports).map_err(|source| MdrpError::Write {
        dir: out.display().to_string(),
        source,
    })?;
    Ok(reports)
}

fn write_csv(path: &Path, reports: &[Report]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record([
        "instance",
        "policy",
        "orders",
        "deliverable",
        "delivered",
        "avoidable_undelivered",
        "bundles",
        "click_to_door_mean",
        "click_to_door_p90",
        "ready_to_door_mean",
        "ready_to_pickup_mean",
        "overage_mean",
        "courier_utilization",
        "orders_per_courier_hour",
        "courier_pay_cents",
        "guarantee_share",
        "violations",
        "wall_seconds",
    ])?;
    for r in reports {
        let m = &r.metrics;
        w.write_record([
            r.instance.clone(),
            r.policy.name().to_owned(),
            m.orders.to_string(),
            m.orders_deliverable.to_string(),
            m.orders_delivered.to_string(),
            m.orders_avoidably_undelivered.to_string(),
            m.bundles.to_string(),
            format!("{:.2}", m.click_to_door_min.mean),
            format!("{:.0}", m.click_to_door_min.p90),
            format!("{:.2}", m.ready_to_door_min.mean),
            format!("{:.2}", m.ready_to_pickup_min.mean),
            format!("{:.2}", m.click_to_door_overage_min.mean),
            format!("{:.4}", m.courier_utilization),
            format!("{:.3}", m.orders_per_courier_hour),
            m.courier_pay_cents.to_string(),
            format!("{:.3}", m.guarantee_share),
            r.violations.len().to_string(),
            format!("{:.3}", r.wall_seconds),
        ])?;
    }
    w.flush()
}

fn print(w: &mut impl Write, reports: &[Report]) -> std::io::Result<()> {
    writeln!(
        w,
        "{:<18} {:<7} {:>9} {:>8} {:>8} {:>8} {:>6} {:>10} {:>7} {:>7}",
        "instance", "policy", "delivered", "ctd mean", "ctd p90", "r2p mean", "util", "pay $", "rules", "wall s"
    )?;
    for r in reports {
        let m = &r.metrics;
        writeln!(
            w,
            "{:<18} {:<7} {:>4}/{:<4} {:>8.1} {:>8.0} {:>8.1} {:>5.0}% {:>10.2} {:>7} {:>7.3}",
            r.instance,
            r.policy.name(),
            m.orders_delivered,
            m.orders_deliverable,
            m.click_to_door_min.mean,
            m.click_to_door_min.p90,
            m.ready_to_pickup_min.mean,
            m.courier_utilization * 100.0,
            m.courier_pay_cents as f64 / 100.0,
            if r.violations.is_empty() {
                "ok".to_owned()
            } else {
                r.violations.len().to_string()
            },
            r.wall_seconds
        )?;
    }
    Ok(())
}

/// The per-class table, the published reference last.
fn print_classes(w: &mut impl Write, classes: &[ClassMeans]) -> std::io::Result<()> {
    writeln!(w)?;
    writeln!(
        w,
        "{:<6} {:<14} {:>4} {:>8} {:>8} {:>8} {:>7} {:>8} {:>9} {:>7}",
        "class", "policy", "n", "ctd mean", "ctd p90", "r2p mean", "$/order", "undeliv", "avoidable", "bundle"
    )?;
    let reference = ClassMeans {
        class: "all".into(),
        policy: "reyes-2018".into(),
        ..REYES_2018
    };
    for c in classes.iter().chain(std::iter::once(&reference)) {
        let avoidable = if c.avoidable_share.is_nan() {
            "-".to_owned()
        } else {
            format!("{:.2}%", c.avoidable_share * 100.0)
        };
        writeln!(
            w,
            "{:<6} {:<14} {:>4} {:>8.2} {:>8.1} {:>8.2} {:>7.2} {:>7.2}% {:>9} {:>7.3}",
            c.class,
            c.policy,
            c.instances,
            c.click_to_door_mean,
            c.click_to_door_p90,
            c.ready_to_pickup_mean,
            c.pay_per_order,
            c.undelivered_share * 100.0,
            avoidable,
            c.orders_per_bundle
        )?;
    }
    Ok(())
}

/// `classes.csv`: the per-class table with the published reference row.
fn write_classes(path: &Path, classes: &[ClassMeans]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_path(path)?;
    let reference = ClassMeans {
        class: "all".into(),
        policy: "reyes-2018".into(),
        ..REYES_2018
    };
    for c in classes.iter().chain(std::iter::once(&reference)) {
        w.serialize(c)?;
    }
    w.flush()?;
    Ok(())
}
