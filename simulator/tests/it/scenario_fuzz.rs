//! Scenarios with any number in any numeric field: each is loaded or
//! refused naming that field; none panics, and none that would hang the
//! simulator or exhaust its memory is accepted.

use std::path::Path;
use std::time::{Duration, Instant};

use courier_sim::Scenario;
use proptest::prelude::*;

/// The numeric fields of `steady.toml` (and their TOML kind: integers).
const FIELDS: [(&str, bool); 16] = [
    ("hours", false),
    ("scale", false),
    ("start_hour", false),
    ("city.radius_km", false),
    ("restaurants.count", true),
    ("restaurants.hotspots", true),
    ("restaurants.prep_minutes_mean", false),
    ("restaurants.prep_minutes_sd", false),
    ("couriers.fleet", true),
    ("couriers.speed_kmh", false),
    ("couriers.dropouts_per_hour", false),
    ("demand.base_per_minute", false),
    ("demand.peak_per_minute", false),
    ("demand.peak_hours", false),
    ("customers.cancel_after_minutes", false),
    ("policy.dispatch_interval_seconds", true),
];

fn steady_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/steady.toml")
}

/// steady.toml with `path` set to `value`.
fn with(path: &str, value: toml::Value) -> String {
    let mut doc: toml::Table = std::fs::read_to_string(steady_path()).unwrap().parse().unwrap();
    let (section, key) = path.rsplit_once('.').map_or((None, path), |(s, k)| (Some(s), k));
    let table = match section {
        Some(s) => doc
            .entry(s.to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .unwrap(),
        None => &mut doc,
    };
    table.insert(key.to_owned(), value);
    toml::to_string(&doc).unwrap()
}

fn any_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-1.0),
        Just(1e300),
        -1e3..1e3f64,
        -1e9..1e12f64,
        any::<f64>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_number_is_loaded_or_refused_by_name(field in 0..FIELDS.len(), x in any_number()) {
        let (path, integer) = FIELDS[field];
        let value = if integer && x.is_finite() && x.abs() < 9.0e18 {
            toml::Value::Integer(x as i64)
        } else {
            toml::Value::Float(x)
        };
        let text = with(path, value);
        match Scenario::parse(&text, &steady_path()) {
            Ok(s) => {
                // Accepted: within every bound, so a run's size is bounded.
                prop_assert!(s.hours.is_finite() && s.hours <= 168.0);
                prop_assert!(f64::from(s.scaled_fleet()) <= 2_000_000.0);
                prop_assert!(s.scaled_radius_km().is_finite());
            }
            Err(e) => {
                prop_assert!(
                    e.field == path || e.field.starts_with(path.split('.').next().unwrap()) || e.field.starts_with("demand"),
                    "{path} = {x}: refused naming {:?}: {e}", e.field
                );
                prop_assert!(e.line >= 1, "{e}");
            }
        }
    }
}

#[test]
fn scenarios_that_would_hang_or_exhaust_memory_exit_2_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    for (n, (path, value)) in [
        ("demand.peak_per_minute", toml::Value::Float(1e12)),
        ("couriers.fleet", toml::Value::Integer(4_000_000_000)),
        ("hours", toml::Value::Float(1e9)),
        ("failures.start_minute", toml::Value::Float(f64::NAN)),
    ]
    .into_iter()
    .enumerate()
    {
        let file = tmp.path().join(format!("bad-{n}.toml"));
        let text = if path.starts_with("failures") {
            std::fs::read_to_string(steady_path()).unwrap()
                + "\n[[failures]]\nkind = \"payment_outage\"\nstart_minute = nan\nduration_minutes = 5.0\n"
        } else {
            with(path, value)
        };
        std::fs::write(&file, text).unwrap();
        #[allow(clippy::disallowed_methods, reason = "a hang is measured on the wall clock")]
        let started = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_courier-sim"))
            .arg("run")
            .arg(&file)
            .arg("--out")
            .arg(tmp.path().join("out"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(path),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path} took {:?}",
            started.elapsed()
        );
    }
}
