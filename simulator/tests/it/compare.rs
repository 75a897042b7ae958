//! `courier-sim run --seeds` and `courier-sim compare`, through the binary.

use std::path::Path;
use std::process::Command;

fn sim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_courier-sim"))
        .args(args)
        .output()
        .unwrap()
}

fn scenario(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.toml"))
        .display()
        .to_string()
}

#[test]
fn compare_tells_a_policy_change_from_the_seeds_noise() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = |name: &str| tmp.path().join(name).display().to_string();
    let cascade = tmp.path().join("cascade.toml");
    let text = std::fs::read_to_string(scenario("steady")).unwrap();
    std::fs::write(&cascade, text.replace("dispatch = \"batch\"", "dispatch = \"cascade\"")).unwrap();
    for (file, out) in [
        (scenario("steady"), dir("batch")),
        (cascade.display().to_string(), dir("cascade")),
    ] {
        let run = sim(&["run", &file, "--scale", "0.03", "--seeds", "4", "--out", &out]);
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        assert!(Path::new(&out).join("seed-3/summary.json").is_file());
        assert!(Path::new(&out).join("report.html").is_file());
    }
    let cmp = sim(&["compare", &dir("batch"), &dir("cascade"), "--out", &dir("cmp")]);
    assert!(cmp.status.success(), "{}", String::from_utf8_lossy(&cmp.stderr));
    let csv = std::fs::read_to_string(tmp.path().join("cmp/compare.csv")).unwrap();
    let row = |figure: &str| -> Vec<String> {
        csv.lines()
            .find(|l| l.starts_with(&format!("{figure},")))
            .unwrap_or_else(|| panic!("{figure} in compare.csv"))
            .split(',')
            .map(str::to_owned)
            .collect()
    };
    // Same seeds, same demand: the orders placed do not differ at all.
    assert_eq!(row("orders_placed")[9].parse::<f64>().unwrap(), 0.0);
    assert_eq!(row("orders_placed")[12], "false");
    // Offering orders one by one makes food wait for couriers: a change
    // four seeds show beyond doubt.
    let wait = row("ready_to_pickup_min.mean");
    assert!(wait[9].parse::<f64>().unwrap() > 0.0, "{wait:?}");
    assert_eq!(wait[12], "true", "{wait:?}");
    assert!(tmp.path().join("cmp/compare.png").is_file());
}

#[test]
fn compare_refuses_a_folder_without_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().display().to_string();
    let out = sim(&["compare", &empty, &empty]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no summary.json"));
}
