//! Sweeps across a parameter, and the PNG plots of runs and sweeps.

use std::path::Path;

use courier_sim::sweep::{Param, Point, Target, Value, first_meeting, run_all, with_value};
use courier_sim::{Scenario, Sim};
use courier_storage::memory::MemoryStore;

fn shortage_text() -> (String, std::path::PathBuf) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/courier-shortage.toml");
    (std::fs::read_to_string(&path).unwrap(), path)
}

fn scenarios(values: &[Value]) -> Vec<(Value, Scenario)> {
    let (text, path) = shortage_text();
    values
        .iter()
        .map(|v| {
            let mut s = with_value(&text, &path, "couriers.fleet", v).unwrap();
            s.scale = 0.1;
            (v.clone(), s)
        })
        .collect()
}

fn fleets(xs: &[f64]) -> Vec<Value> {
    xs.iter().map(|&x| Value::number(x)).collect()
}

fn without_wall(points: &[Point]) -> Vec<(f64, String)> {
    points
        .iter()
        .flat_map(|p| {
            p.runs.iter().map(|s| {
                let mut s = s.clone();
                s.wall_seconds = 0.0;
                s.events_per_second = 0.0;
                (p.value.x, serde_json::to_string(&s).unwrap())
            })
        })
        .collect()
}

#[test]
fn a_sweep_sets_the_value_and_more_couriers_deliver_sooner() {
    // 300 couriers are short of the scenario's demand; 3,000 are plenty
    // (past about 600, more couriers barely speed delivery up).
    let param = Param::parse("couriers.fleet=300..3000:2700").unwrap();
    let runs = scenarios(&param.values);
    assert_eq!(runs[0].1.couriers.fleet, 300);
    assert_eq!(runs[1].1.couriers.fleet, 3000);
    let points = run_all(runs, &[7], 2, &|| 0.0).unwrap();
    assert_eq!(
        points.iter().map(|p| p.value.x).collect::<Vec<_>>(),
        vec![300.0, 3000.0]
    );
    let (few, many) = (&points[0].runs[0], &points[1].runs[0]);
    assert_eq!(
        few.orders_placed, many.orders_placed,
        "demand does not depend on the fleet"
    );
    assert!(
        many.click_to_door_min.p90 < few.click_to_door_min.p90,
        "{} vs {}",
        many.click_to_door_min.p90,
        few.click_to_door_min.p90
    );
    // A target between the two is met by the bigger fleet only.
    let bound = (few.click_to_door_min.p90 + many.click_to_door_min.p90) / 2.0;
    let target = Target::parse(&format!("click_to_door_min.p90<={bound}")).unwrap();
    assert_eq!(first_meeting(&points, &target).map(|v| v.x), Some(3000.0));
    let none = Target::parse("click_to_door_min.p90<=0.5").unwrap();
    assert_eq!(first_meeting(&points, &none), None);
}

#[test]
fn a_sweep_gives_the_same_points_on_one_thread_or_two() {
    let one = run_all(scenarios(&fleets(&[1000.0, 3000.0])), &[3, 4], 1, &|| 0.0).unwrap();
    let two = run_all(scenarios(&fleets(&[1000.0, 3000.0])), &[3, 4], 2, &|| 0.0).unwrap();
    assert_eq!(without_wall(&one), without_wall(&two));
}

#[test]
fn a_bad_value_names_the_field() {
    let (text, path) = shortage_text();
    let e = with_value(&text, &path, "couriers.fleet", &Value::number(-5.0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("couriers.fleet"), "{e}");
    let e = with_value(&text, &path, "couriers.fleet_size", &Value::number(5.0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("fleet_size"), "{e}");
    let e = with_value(&text, &path, "name.x", &Value::number(5.0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("name is not a table"), "{e}");
}

#[test]
fn runs_draw_four_identical_pngs_for_the_same_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    for run in 0..2 {
        let mut s = Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/steady.toml")).unwrap();
        s.scale = 0.05;
        let out = Sim::new(s, 5, MemoryStore::default()).unwrap().run();
        let dir = tmp.path().join(run.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        courier_sim::plots::run(&dir, &out).unwrap();
        let mut files = Vec::new();
        for name in ["demand.png", "click_to_door.png", "utilization.png", "eta.png"] {
            let png = std::fs::read(dir.join(name)).unwrap();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name} is a PNG");
            assert!(png.len() > 10_000, "{name} has a drawing ({} bytes)", png.len());
            files.push(png);
        }
        bytes.push(files);
    }
    assert!(bytes[0] == bytes[1], "the same run draws the same plots");
}

/// Replicated points: each run on every seed, the figures' intervals over
/// them, and a value that meets the target only when its interval's upper
/// end does (one lucky seed is not enough).
#[test]
fn a_replicated_sweep_meets_a_target_only_with_its_whole_interval() {
    let seeds = [1, 2, 3, 4];
    let points = run_all(scenarios(&fleets(&[300.0, 3000.0])), &seeds, 2, &|| 0.0).unwrap();
    for p in &points {
        assert_eq!(p.runs.iter().map(|s| s.seed).collect::<Vec<_>>(), seeds);
        let p90 = p.figure("click_to_door_min.p90").unwrap();
        assert_eq!(p90.n, 4);
        assert!(p90.low <= p90.mean && p90.mean <= p90.high);
        let runs: Vec<f64> = p.runs.iter().map(|s| s.click_to_door_min.p90).collect();
        assert!((p90.mean - runs.iter().sum::<f64>() / 4.0).abs() < 1e-9);
    }
    let few = points[0].figure("click_to_door_min.p90").unwrap();
    // A bound inside the short fleet's interval: some seeds meet it alone,
    // the interval does not.
    let bound = (few.mean + few.high) / 2.0;
    let target = Target::parse(&format!("click_to_door_min.p90<={bound}")).unwrap();
    assert!(!points[0].meets(&target));
    assert!(points[0].runs_meeting(&target) < 4);
    assert_eq!(first_meeting(&points, &target).map(|v| v.x), Some(3000.0));
}

/// A categorical parameter sets the scenario's word and runs each.
#[test]
fn a_sweep_over_the_dispatch_policy_runs_each_policy() {
    let (text, path) = shortage_text();
    let param = Param::parse("policy.dispatch=cascade,batch").unwrap();
    let runs: Vec<(Value, Scenario)> = param
        .values
        .iter()
        .map(|v| {
            let mut s = with_value(&text, &path, &param.path, v).unwrap();
            s.scale = 0.1;
            (v.clone(), s)
        })
        .collect();
    assert_eq!(runs[0].1.policy.dispatch, "cascade");
    let points = run_all(runs, &[5], 2, &|| 0.0).unwrap();
    assert_eq!(points[0].runs[0].policy, "cascade");
    assert_eq!(points[1].runs[0].policy, "batch");
    let e = with_value(
        &text,
        &path,
        &param.path,
        &Value {
            label: "nearest".into(),
            toml: toml::Value::String("nearest".into()),
            x: 0.0,
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("policy.dispatch"), "{e}");
}
