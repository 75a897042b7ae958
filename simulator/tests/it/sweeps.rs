//! Sweeps across a parameter, and the PNG plots of runs and sweeps.

use std::path::Path;

use courier_sim::sweep::{Param, Point, Target, run_all, smallest_meeting, with_value};
use courier_sim::{Scenario, Sim};
use courier_storage::memory::MemoryStore;

fn shortage_text() -> (String, std::path::PathBuf) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/courier-shortage.toml");
    (std::fs::read_to_string(&path).unwrap(), path)
}

fn scenarios(values: &[f64]) -> Vec<(f64, Scenario)> {
    let (text, path) = shortage_text();
    values
        .iter()
        .map(|&v| {
            let mut s = with_value(&text, &path, "couriers.fleet", v).unwrap();
            s.scale = 0.1;
            (v, s)
        })
        .collect()
}

fn without_wall(points: &[Point]) -> Vec<(f64, String)> {
    points
        .iter()
        .map(|p| {
            let mut s = p.summary.clone();
            s.wall_seconds = 0.0;
            s.events_per_second = 0.0;
            (p.value, serde_json::to_string(&s).unwrap())
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
    let points = run_all(runs, 7, 2, &|| 0.0).unwrap();
    assert_eq!(points.iter().map(|p| p.value).collect::<Vec<_>>(), vec![300.0, 3000.0]);
    let (few, many) = (&points[0].summary, &points[1].summary);
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
    assert_eq!(smallest_meeting(&points, &target), Some(3000.0));
    let none = Target::parse("click_to_door_min.p90<=0.5").unwrap();
    assert_eq!(smallest_meeting(&points, &none), None);
}

#[test]
fn a_sweep_gives_the_same_points_on_one_thread_or_two() {
    let one = run_all(scenarios(&[1000.0, 2000.0, 3000.0]), 3, 1, &|| 0.0).unwrap();
    let two = run_all(scenarios(&[1000.0, 2000.0, 3000.0]), 3, 2, &|| 0.0).unwrap();
    assert_eq!(without_wall(&one), without_wall(&two));
}

#[test]
fn a_bad_value_names_the_field() {
    let (text, path) = shortage_text();
    let e = with_value(&text, &path, "couriers.fleet", -5.0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("couriers.fleet"), "{e}");
    let e = with_value(&text, &path, "couriers.fleet_size", 5.0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("fleet_size"), "{e}");
    let e = with_value(&text, &path, "name.x", 5.0).unwrap_err().to_string();
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
