//! The real extract of central Helsinki (see `data/osm/README.md`).

use std::path::Path;

use courier_core::{GeoPoint, Place, Timestamp};
use courier_matching::TravelTimes;
use courier_roads::{Mode, RoadTravel, Router};

fn extract() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/osm/helsinki.osm.pbf")
}

#[test]
fn central_helsinki_routes_every_mode_on_its_streets() {
    let bike = Router::from_pbf(&extract(), Mode::Bicycle).unwrap();
    let car = Router::from_pbf(&extract(), Mode::Car).unwrap();
    assert!(bike.graph().node_count() > 1_000, "{:?}", bike);
    assert!(car.graph().node_count() > 800, "{:?}", car);
    // The railway station's square to the Esplanadi park.
    let station = GeoPoint::new(60.1710, 24.9414).unwrap();
    let esplanadi = GeoPoint::new(60.1676, 24.9488).unwrap();
    for router in [&bike, &car] {
        let (a, b) = (
            router.snap(station, 150.0).unwrap(),
            router.snap(esplanadi, 150.0).unwrap(),
        );
        let path = router.path(&a, &b).unwrap();
        let straight = a.point.distance_m(b.point);
        assert!(path.length_m >= straight, "{} < {straight}", path.length_m);
        assert!(path.length_m < straight * 2.0, "{} for {straight}", path.length_m);
        // Consecutive points of a path are one street segment apart.
        assert!(path.points.windows(2).all(|w| w[0].distance_m(w[1]) < 600.0));
        assert_eq!(Some(path.time_ms), router.time_ms(&a, &b));
    }
    // Outside the extract: refused, naming the distance.
    let tallinn = GeoPoint::new(59.437, 24.7536).unwrap();
    assert!(
        bike.snap(tallinn, 500.0)
            .unwrap_err()
            .to_string()
            .contains("from the nearest street")
    );
}

#[test]
fn road_travel_prices_legs_on_the_streets() {
    let router = std::sync::Arc::new(Router::from_pbf(&extract(), Mode::Bicycle).unwrap());
    let travel = RoadTravel::new(router.clone());
    let place = |lat, lng| Place::resolve(GeoPoint::new(lat, lng).unwrap(), 9).unwrap();
    let (a, b) = (place(60.1710, 24.9414), place(60.1676, 24.9488));
    let at = Timestamp::from_millis(0);
    let leg = travel.travel(&a, &b, at);
    let (sa, sb) = (
        router.snap_anywhere(a.point()).unwrap(),
        router.snap_anywhere(b.point()).unwrap(),
    );
    let ride = router.time_ms(&sa, &sb).unwrap() as f64 / 1000.0;
    let walk = (sa.distance_m + sb.distance_m) / courier_roads::OFF_STREET_MPS;
    assert!((leg.as_secs_f64() - ride - walk).abs() < 0.01);
    // The packed figures give the same answer.
    let (fa, fb) = (travel.place_figure(&a), travel.place_figure(&b));
    assert_eq!(travel.travel_between(&a, fa, &b, fb, at), leg);
    assert!(
        leg.as_secs_f64() > a.distance_m(&b) / (18.0 / 3.6),
        "no faster than the crow flies"
    );
}
