//! Values the types refuse, each error naming the value.

use courier_core::{Duration, DurationError, GeoPoint, PlaceError};
use courier_eta::{EtaError, LearningRate, Place, ResidualConfig, Speed, TrafficProfile};

#[test]
fn speeds_must_be_positive_and_finite() {
    assert_eq!(
        Speed::from_kmh(-5.0),
        Err(EtaError::InvalidSpeed {
            value: -5.0,
            unit: "km/h"
        })
    );
    assert!(Speed::from_kmh(0.0).is_err());
    assert!(Speed::from_mps(f64::INFINITY).is_err());
    let err = Speed::from_mps(f64::NAN).unwrap_err().to_string();
    assert!(err.contains("NaN") && err.contains("m/s"), "{err}");
}

#[test]
fn traffic_factors_name_their_hour() {
    let mut hourly = [1.0; 24];
    hourly[18] = -0.5;
    let err = TrafficProfile::new(hourly, 0).unwrap_err().to_string();
    assert_eq!(
        err,
        "traffic factor for hour 18 must be a finite number in [0.05, 5], got -0.5"
    );
    hourly[18] = f64::NAN;
    assert!(TrafficProfile::new(hourly, 0).is_err());
    assert!(
        TrafficProfile::new([1.0; 24], 2_000)
            .unwrap_err()
            .to_string()
            .contains("UTC offset")
    );
}

#[test]
fn negative_and_non_finite_durations_are_refused() {
    assert_eq!(
        Duration::try_from_secs_f64(-1.5),
        Err(DurationError::Negative { value: -1.5 })
    );
    assert!(matches!(
        Duration::try_from_secs_f64(f64::INFINITY),
        Err(DurationError::NotFinite { .. })
    ));
    assert_eq!(Duration::try_from_secs_f64(90.0), Ok(Duration::from_secs(90)));
}

#[test]
fn coordinates_resolutions_and_rates_are_checked() {
    assert!(GeoPoint::new(f64::NAN, 0.0).is_err());
    assert!(GeoPoint::new(0.0, 181.0).is_err());
    let p = GeoPoint::new(1.0, 1.0).unwrap();
    assert_eq!(Place::resolve(p, 16), Err(PlaceError::InvalidResolution { value: 16 }));
    assert!(
        LearningRate::new(-1.0, 0.1)
            .unwrap_err()
            .to_string()
            .contains("prior weight")
    );
    assert!(
        ResidualConfig::new(0.2, 30.0, 1.0)
            .unwrap_err()
            .to_string()
            .contains("residual memory")
    );
}
