//! Runs on a road network: the Helsinki scenario on its real streets.

use std::path::Path;

use courier_sim::report::{Summary, write};
use courier_sim::{Scenario, Sim};
use courier_storage::memory::MemoryStore;

fn helsinki() -> Scenario {
    Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/helsinki.toml")).unwrap()
}

#[test]
fn helsinki_runs_on_its_streets_with_every_invariant() {
    let s = helsinki();
    let streets = s.city.streets.clone().expect("the scenario names a network");
    let out = Sim::new(s.clone(), 2, MemoryStore::default()).unwrap().run();
    assert!(out.violation.is_none(), "{:?}", out.violation);
    assert!(out.orders.len() > 300);
    assert!(
        out.orders
            .iter()
            .all(|o| o.status == "completed" || o.status == "cancelled" || o.status == "rejected")
    );
    // Kitchens and doors stand on streets.
    let on_street = |p: courier_core::GeoPoint| streets.place(p).distance_m(p) < 0.5;
    assert!(out.restaurants.iter().all(|&(_, p)| on_street(p)));
    let tmp = tempfile::tempdir().unwrap();
    let summary = Summary::of(&out.scenario, out.seed, "batch", &out, 0.0);
    write(tmp.path(), &summary, &out).unwrap();
    let mut csv = csv::Reader::from_path(tmp.path().join("orders.csv")).unwrap();
    let headers = csv.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (lat, lng) = (col("dropoff_lat"), col("dropoff_lng"));
    for row in csv.records() {
        let row = row.unwrap();
        let p = courier_core::GeoPoint::new(row[lat].parse().unwrap(), row[lng].parse().unwrap()).unwrap();
        // orders.csv rounds to 6 decimals: within 0.2 m.
        assert!(streets.place(p).distance_m(p) < 0.5, "drop-off off the street: {p:?}");
    }
    // Streets are never shorter than the crow flies.
    let crow_km: f64 = out
        .orders
        .iter()
        .filter(|o| o.status == "completed")
        .map(|o| {
            let r = out.restaurants[o.restaurant_index()].1;
            r.distance_m(o.dropoff()) / 1_000.0
        })
        .sum();
    assert!(
        summary.distance_ridden_km > crow_km,
        "{} km ridden < {crow_km} km",
        summary.distance_ridden_km
    );
    let again = Sim::new(s, 2, MemoryStore::default()).unwrap().run();
    let times = |o: &courier_sim::RunOutput| o.orders.iter().map(|t| t.times).collect::<Vec<_>>();
    assert_eq!(times(&again), times(&out), "same seed, same run");
}

#[test]
fn a_bad_road_network_is_named_in_the_scenario() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/helsinki.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let e = Scenario::parse(&text.replace("helsinki.osm.pbf", "nowhere.osm.pbf"), &path).unwrap_err();
    assert_eq!(e.field, "city.road_network");
    assert!(e.message.contains("nowhere.osm.pbf"), "{e}");
    let e = Scenario::parse(&text.replace("mode = \"bicycle\"", "mode = \"boat\""), &path).unwrap_err();
    assert_eq!(e.field, "city.mode");
}
