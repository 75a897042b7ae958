//! Replaying a planner's own orders and shifts (`[history]`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use courier_sim::report::{Summary, write};
use courier_sim::{RunOutput, Scenario, Sim};
use courier_storage::memory::MemoryStore;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("history/replay.toml")
}

fn run(s: Scenario, seed: u64) -> RunOutput {
    Sim::new(s, seed, MemoryStore::default()).unwrap().run()
}

/// The rows of a CSV file, each as column -> cell.
fn rows(file: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(file).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// The run's orders.csv, written and read back.
fn written_orders(out: &RunOutput, dir: &Path) -> Vec<HashMap<String, String>> {
    write(dir, &Summary::of(&out.scenario, out.seed, "batch", out, 0.0), out).unwrap();
    rows(&dir.join("orders.csv"))
}

fn key(row: &HashMap<String, String>, place: [&str; 2]) -> String {
    let p = |c: &str| format!("{:.5}", row[c].parse::<f64>().unwrap());
    format!("{} {}", p(place[0]), p(place[1]))
}

#[test]
fn the_example_history_replays_every_order_where_and_when_it_was() {
    let s = Scenario::load(&example()).unwrap();
    let history = rows(&example().with_file_name("orders.csv"));
    let out = run(s.clone(), 3);
    assert!(out.violation.is_none(), "{:?}", out.violation);
    assert_eq!(out.orders.len(), history.len(), "every order of the evening is placed");
    let tmp = tempfile::tempdir().unwrap();
    let replayed = written_orders(&out, tmp.path());
    // The same drop-offs from the same restaurants' places.
    let mut wanted: Vec<(String, String)> = history
        .iter()
        .map(|r| {
            (
                key(r, ["pickup_lat", "pickup_lng"]),
                key(r, ["dropoff_lat", "dropoff_lng"]),
            )
        })
        .collect();
    let mut got: Vec<(String, String)> = replayed
        .iter()
        .map(|r| {
            (
                key(r, ["pickup_lat", "pickup_lng"]),
                key(r, ["dropoff_lat", "dropoff_lng"]),
            )
        })
        .collect();
    wanted.sort();
    got.sort();
    assert_eq!(got, wanted);
    // Placed when it was placed; never ready before the history says.
    let recorded: HashMap<String, (&str, &str)> = history
        .iter()
        .map(|r| {
            (
                key(r, ["dropoff_lat", "dropoff_lng"]),
                (r["placed_at"].as_str(), r["ready_at"].as_str()),
            )
        })
        .collect();
    for r in &replayed {
        let (placed, ready) = recorded[&key(r, ["dropoff_lat", "dropoff_lng"])];
        assert_eq!(r["created_at"], placed);
        if !r["ready_at"].is_empty() {
            assert!(
                r["ready_at"].as_str() >= ready,
                "{} ready at {} before {ready}",
                r["order_id"],
                r["ready_at"]
            );
        }
    }
    // Only the history's 24 couriers carry orders.
    let couriers: std::collections::BTreeSet<u64> =
        out.orders.iter().filter_map(|o| o.courier).map(|c| c.get()).collect();
    assert!(couriers.iter().all(|&c| (1..=24).contains(&c)), "{couriers:?}");
    assert!(couriers.len() > 12, "both shifts work: {}", couriers.len());
    assert_eq!(out.courier_online_ms_each.len(), 24);
    let again = run(s, 3);
    let times = |o: &RunOutput| o.orders.iter().map(|t| (t.times, t.courier)).collect::<Vec<_>>();
    assert_eq!(times(&again), times(&out), "same seed, same replay");
}

#[test]
fn a_runs_own_orders_csv_replays_with_the_scenarios_fleet() {
    let tmp = tempfile::tempdir().unwrap();
    let steady = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/steady.toml");
    let mut s = Scenario::load(&steady).unwrap();
    s.scale = 0.03;
    let first = run(s, 5);
    let first_rows = written_orders(&first, &tmp.path().join("first"));
    // The same city, its orders replayed from the file, the fleet as before.
    let text = std::fs::read_to_string(&steady)
        .unwrap()
        .replace("[city]", "[history]\norders = \"first/orders.csv\"\n\n[city]")
        .replace("fleet = 450", "fleet = 14");
    let file = tmp.path().join("replay.toml");
    std::fs::write(&file, &text).unwrap();
    let s = Scenario::load(&file).unwrap();
    assert_eq!(s.replay.as_ref().unwrap().orders.len(), first_rows.len());
    let second = run(s, 5);
    assert!(second.violation.is_none());
    assert_eq!(second.orders.len(), first.orders.len());
    let dropoffs = |rows: &[HashMap<String, String>]| {
        let mut v: Vec<String> = rows.iter().map(|r| key(r, ["dropoff_lat", "dropoff_lng"])).collect();
        v.sort();
        v
    };
    assert_eq!(
        dropoffs(&written_orders(&second, &tmp.path().join("second"))),
        dropoffs(&first_rows)
    );
}

#[test]
fn a_bad_history_is_named_by_file_line_and_column_and_scale_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let orders = std::fs::read_to_string(example().with_file_name("orders.csv")).unwrap();
    let mut lines: Vec<&str> = orders.lines().collect();
    let broken = lines[5].replacen("40.", "140.", 1);
    lines[5] = &broken;
    std::fs::write(tmp.path().join("orders.csv"), lines.join("\n")).unwrap();
    std::fs::copy(
        example().with_file_name("couriers.csv"),
        tmp.path().join("couriers.csv"),
    )
    .unwrap();
    let toml = std::fs::read_to_string(example()).unwrap();
    std::fs::write(tmp.path().join("replay.toml"), &toml).unwrap();
    let e = Scenario::load(&tmp.path().join("replay.toml")).unwrap_err();
    assert_eq!(e.file, tmp.path().join("orders.csv"));
    assert_eq!((e.line, e.field.as_str()), (6, "pickup_lat"), "{e}");
    let mut s = Scenario::load(&example()).unwrap();
    s.scale = 0.5;
    let refused = Sim::new(s, 1, MemoryStore::default()).err().unwrap();
    assert!(refused.contains("scale"), "{refused}");
    let e = Scenario::parse(&toml.replace("start_hour", "scale = 0.5\nstart_hour"), &example()).unwrap_err();
    assert_eq!(e.field, "scale");
}

#[test]
fn the_binary_replays_the_example_and_logs_each_simulated_hour() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_courier-sim"))
        .arg("run")
        .arg(example())
        .arg("--out")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for hour in 1..=3 {
        assert!(stdout.contains(&format!("simulated hour {hour} of 3:")), "{stdout}");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["inputs"]["history"],
        "orders.csv (196 orders, 15 restaurants; shifts from couriers.csv)"
    );
    assert_eq!(summary["inputs"]["fleet"], 24);
    assert!(tmp.path().join("report.html").is_file());
}
