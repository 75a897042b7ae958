//! Scenario files: a malformed one names file, line and field.

use std::path::Path;

use courier_sim::Scenario;
use courier_sim::scenario::DemandProfile;

fn steady() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/steady.toml")).unwrap()
}

fn error_for(text: &str) -> courier_sim::ScenarioError {
    Scenario::parse(text, Path::new("bad.toml")).unwrap_err()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.trim_start().starts_with(needle)).unwrap() + 1
}

#[test]
fn every_shipped_scenario_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        n += 1;
    }
    assert!(n >= 4);
}

#[test]
fn a_wrong_type_names_file_line_and_field() {
    let text = steady().replace("fleet = 450", "fleet = \"many\"");
    let e = error_for(&text);
    assert_eq!(e.file, Path::new("bad.toml"));
    assert_eq!(e.line, line_of(&text, "fleet"));
    assert_eq!(e.field, "couriers.fleet");
    assert!(
        e.to_string()
            .starts_with(&format!("bad.toml:{}: couriers.fleet:", e.line)),
        "{e}"
    );
}

#[test]
fn an_invalid_value_names_its_line_and_field() {
    let text = steady().replace("fleet = 450", "fleet = 0");
    let e = error_for(&text);
    assert_eq!((e.field.as_str(), e.line), ("couriers.fleet", line_of(&text, "fleet")));
    let text = steady().replace("dispatch = \"batch\"", "dispatch = \"fastest\"");
    let e = error_for(&text);
    assert_eq!(e.field, "policy.dispatch");
    assert!(e.message.contains("fastest"), "{e}");
    let text = steady().replace("center = [40.7500, -73.9900]", "center = [140.0, -73.99]");
    assert_eq!(error_for(&text).field, "city.center");
}

#[test]
fn named_demand_profiles_shape_the_day() {
    let mut s = Scenario::parse(&steady(), Path::new("steady.toml")).unwrap();
    s.start_hour = 0.0;
    s.demand.as_mut().unwrap().base_per_minute = 10.0;
    s.demand.as_mut().unwrap().peak_per_minute = 30.0;
    s.demand.as_mut().unwrap().peak_start_hour = 19.0;
    s.demand.as_mut().unwrap().peak_hours = 2.0;
    s.demand.as_mut().unwrap().ramp_minutes = 60.0;
    assert_eq!(s.rate_per_minute(12.5 * 60.0), 10.0, "the rush profile has no lunch");
    assert_eq!(s.rate_per_minute(20.0 * 60.0), 30.0);
    assert_eq!(s.rate_per_minute(18.5 * 60.0), 20.0, "half way up the ramp");
    s.demand.as_mut().unwrap().profile = DemandProfile::LunchAndDinner;
    assert_eq!(s.rate_per_minute(12.5 * 60.0), 20.0, "lunch: half the dinner's height");
    assert_eq!(s.rate_per_minute(20.0 * 60.0), 30.0);
    s.demand.as_mut().unwrap().profile = DemandProfile::Hourly;
    s.demand.as_mut().unwrap().hourly = (0..24).map(f64::from).collect();
    assert_eq!(
        s.rate_per_minute(12.5 * 60.0),
        12.0,
        "the middle of an hour is its rate"
    );
    assert_eq!(s.rate_per_minute(13.0 * 60.0), 12.5, "linear between middles");
    // Past midnight the day wraps: 23:30 is 23, 0:00 half way to hour 0.
    s.start_hour = 23.0;
    assert_eq!(s.rate_per_minute(30.0), 23.0);
    assert_eq!(s.rate_per_minute(60.0), 11.5);
}

#[test]
fn a_bad_profile_or_policy_names_its_field() {
    let text = steady().replace("[demand]", "[demand]\nprofile = \"hourly\"\nhourly = [1.0, 2.0]");
    let e = error_for(&text);
    assert_eq!(e.field, "demand.hourly");
    assert!(e.message.contains("needs 24"), "{e}");
    let text = steady().replace("[demand]", "[demand]\nprofile = \"brunch\"");
    assert_eq!(error_for(&text).field, "demand.profile");
    let text = steady().replace("batch_limit = 2", "batch_limit = 2\nsurge_cap = 0.5");
    assert_eq!(error_for(&text).field, "policy.surge_cap");
    let text = steady().replace("batch_limit = 2", "batch_limit = 2\nrefund_early_share = 1.5");
    assert_eq!(error_for(&text).field, "policy.refund_early_share");
}

#[test]
fn shift_shares_must_add_up_to_one() {
    let shifts = "\n[[couriers.shifts]]\nstart_minute = 0.0\nduration_minutes = 60.0\nshare = 0.5\n\n[[couriers.shifts]]\nstart_minute = 60.0\nduration_minutes = 60.0\nshare = 0.4\n";
    let text = steady().replace("\n[demand]", &format!("{shifts}\n[demand]"));
    let e = error_for(&text);
    assert_eq!(e.field, "couriers.shifts.share");
    assert!(e.message.contains("add up to 0.9"), "{e}");
    let ok = text.replace("share = 0.4", "share = 0.5");
    assert_eq!(
        Scenario::parse(&ok, Path::new("ok.toml"))
            .unwrap()
            .couriers
            .shifts
            .len(),
        2
    );
}

#[test]
fn a_missing_section_or_key_points_at_its_place() {
    let text = steady();
    let header = line_of(&text, "[couriers]");
    let body = &text[text.find("[couriers]").unwrap()..text.find("[demand]").unwrap()];
    let e = error_for(&text.replace(body, ""));
    assert_eq!((e.field.as_str(), e.line), ("couriers", 1));
    assert!(e.message.contains("[couriers] table"), "{e}");
    let e = error_for(&text.replace("speed_kmh = 18.0\n", ""));
    assert_eq!((e.field.as_str(), e.line), ("couriers.speed_kmh", header));
    assert!(e.message.contains("[couriers] needs `speed_kmh`"), "{e}");
    // The fleet may come from a history's shifts, so it is checked, not parsed.
    let e = error_for(&text.replace("fleet = 450\n", ""));
    assert_eq!(e.field, "couriers.fleet");
}

#[test]
fn an_unknown_field_is_refused() {
    let text = steady().replace("speed_kmh = 18.0", "speed_kmh = 18.0\nwings = true");
    let e = error_for(&text);
    assert_eq!(e.line, line_of(&text, "wings"));
    assert_eq!(e.field, "couriers.wings");
}

#[test]
fn the_binary_exits_with_2_on_a_bad_scenario() {
    let dir = std::env::temp_dir().join(format!("courier-sim-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(&path, steady().replace("hours = 3.0", "hours = -1.0")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_courier-sim"))
        .args(["run", path.to_str().unwrap(), "--out"])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.toml:5: hours:"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
