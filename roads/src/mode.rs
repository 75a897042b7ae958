//! Which streets a courier's vehicle may use, in which directions, and how
//! fast: read from OpenStreetMap's `highway`, access, one-way and
//! `maxspeed` tags.
//!
//! Defaults (km/h, before `maxspeed` and the vehicle's own top speed):
//! motorway 100, trunk 80, primary 50, secondary 45, tertiary 40, links 40,
//! unclassified and residential 30, service 15, living street 10; for a
//! bicycle also cycleway 18, path and track 15, and pedestrian streets or
//! footways signed for bicycles 10. A bicycle rides at most 18 km/h, a
//! scooter 35, a car as signed.

use std::collections::HashMap;

/// The courier's vehicle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// A bicycle: no motorways or trunk roads; cycleways, paths and streets
    /// signed for bicycles; contraflow where `oneway:bicycle=no` or a
    /// `cycleway=opposite*` lane says so.
    Bicycle,
    /// A scooter (moped): the streets a car uses but motorways.
    Scooter,
    /// A car.
    Car,
}

impl Mode {
    /// The mode named `name` (`bicycle`, `scooter`, `car`).
    ///
    /// # Errors
    /// Any other name, listing the valid ones.
    pub fn parse(name: &str) -> Result<Mode, String> {
        match name {
            "bicycle" => Ok(Mode::Bicycle),
            "scooter" => Ok(Mode::Scooter),
            "car" => Ok(Mode::Car),
            other => Err(format!("{other:?} is not a mode: bicycle, scooter or car")),
        }
    }

    /// The vehicle's own top speed, km/h (none: as signed).
    fn top_kmh(self) -> Option<f64> {
        match self {
            Mode::Bicycle => Some(18.0),
            Mode::Scooter => Some(35.0),
            Mode::Car => None,
        }
    }

    /// The access tag specific to the vehicle.
    fn access_key(self) -> &'static str {
        match self {
            Mode::Bicycle => "bicycle",
            Mode::Scooter => "moped",
            Mode::Car => "motor_vehicle",
        }
    }
}

/// How a way may be used by one mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    /// Along the way's node order.
    pub forward: bool,
    /// Against it.
    pub backward: bool,
    /// Metres per second.
    pub speed_mps: f64,
}

/// The default speed of a `highway` value for `mode`, km/h; none when the
/// mode does not use it.
fn default_kmh(mode: Mode, highway: &str, tags: &HashMap<String, String>) -> Option<f64> {
    let signed_for_bicycles = matches!(
        tags.get("bicycle").map(String::as_str),
        Some("yes" | "designated" | "permissive")
    );
    let motor = match highway {
        "motorway" => Some(100.0),
        "trunk" => Some(80.0),
        "primary" => Some(50.0),
        "secondary" => Some(45.0),
        "tertiary" => Some(40.0),
        "motorway_link" | "trunk_link" | "primary_link" | "secondary_link" | "tertiary_link" => Some(40.0),
        "unclassified" | "residential" => Some(30.0),
        "service" => Some(15.0),
        "living_street" => Some(10.0),
        _ => None,
    };
    match mode {
        Mode::Car => motor,
        Mode::Scooter => motor.filter(|_| !matches!(highway, "motorway" | "motorway_link")),
        Mode::Bicycle => match highway {
            "motorway" | "motorway_link" | "trunk" | "trunk_link" => None,
            "cycleway" => Some(18.0),
            "path" | "track" if tags.get("bicycle").map(String::as_str) != Some("no") => Some(15.0),
            "pedestrian" | "footway" if signed_for_bicycles => Some(10.0),
            _ => motor,
        },
    }
}

/// `maxspeed` in km/h (`50`, `30 mph`); none when absent or not a number.
fn maxspeed_kmh(tags: &HashMap<String, String>) -> Option<f64> {
    let text = tags.get("maxspeed")?.trim();
    let (number, factor) = match text.strip_suffix("mph") {
        Some(n) => (n.trim(), 1.609_344),
        None => (text, 1.0),
    };
    number.parse::<f64>().ok().filter(|v| *v > 0.0).map(|v| v * factor)
}

/// How `mode` may use a way with `tags`; none when it may not.
pub fn usage(mode: Mode, tags: &HashMap<String, String>) -> Option<Usage> {
    let highway = tags.get("highway")?;
    let own = tags.get(mode.access_key()).map(String::as_str);
    let general = tags.get("access").map(String::as_str);
    if matches!(own, Some("no" | "private"))
        || (matches!(general, Some("no" | "private")) && !matches!(own, Some("yes" | "designated" | "permissive")))
        || tags.get("area").map(String::as_str) == Some("yes")
    {
        return None;
    }
    let mut kmh = default_kmh(mode, highway, tags)?;
    if let Some(signed) = maxspeed_kmh(tags) {
        kmh = signed;
    }
    if let Some(top) = mode.top_kmh() {
        kmh = kmh.min(top);
    }
    let oneway = tags.get("oneway").map(String::as_str);
    let implied = highway == "motorway" || tags.get("junction").map(String::as_str) == Some("roundabout");
    let (mut forward, mut backward) = match oneway {
        Some("yes" | "true" | "1") => (true, false),
        Some("-1" | "reverse") => (false, true),
        Some("no" | "false" | "0") => (true, true),
        _ if implied => (true, false),
        _ => (true, true),
    };
    if mode == Mode::Bicycle {
        let contraflow = tags.get("oneway:bicycle").map(String::as_str) == Some("no")
            || ["cycleway", "cycleway:left", "cycleway:right"]
                .iter()
                .any(|k| tags.get(*k).is_some_and(|v| v.starts_with("opposite")));
        if contraflow {
            (forward, backward) = (true, true);
        }
    }
    Some(Usage {
        forward,
        backward,
        speed_mps: kmh / 3.6,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn each_mode_keeps_to_its_streets_and_speeds() {
        let motorway = tags(&[("highway", "motorway")]);
        assert!(usage(Mode::Bicycle, &motorway).is_none());
        assert!(usage(Mode::Scooter, &motorway).is_none());
        let car = usage(Mode::Car, &motorway).unwrap();
        assert!(car.forward && !car.backward, "a motorway is one-way");
        assert!((car.speed_mps * 3.6 - 100.0).abs() < 1e-9);
        let cycleway = tags(&[("highway", "cycleway")]);
        assert!(usage(Mode::Car, &cycleway).is_none());
        assert!(usage(Mode::Bicycle, &cycleway).is_some());
        let fast = tags(&[("highway", "primary"), ("maxspeed", "30 mph")]);
        assert!((usage(Mode::Car, &fast).unwrap().speed_mps * 3.6 - 48.28).abs() < 0.01);
        assert!((usage(Mode::Bicycle, &fast).unwrap().speed_mps * 3.6 - 18.0).abs() < 1e-9);
        assert!(usage(Mode::Car, &tags(&[("highway", "residential"), ("access", "private")])).is_none());
        assert!(usage(Mode::Car, &tags(&[("highway", "footway")])).is_none());
        assert!(usage(Mode::Bicycle, &tags(&[("highway", "footway"), ("bicycle", "yes")])).is_some());
        assert!(usage(Mode::Car, &tags(&[("building", "yes")])).is_none());
    }

    #[test]
    fn one_way_streets_and_contraflow_for_bicycles() {
        let oneway = tags(&[("highway", "residential"), ("oneway", "yes")]);
        let car = usage(Mode::Car, &oneway).unwrap();
        assert!(car.forward && !car.backward);
        let reverse = usage(Mode::Car, &tags(&[("highway", "residential"), ("oneway", "-1")])).unwrap();
        assert!(!reverse.forward && reverse.backward);
        let contraflow = tags(&[("highway", "residential"), ("oneway", "yes"), ("oneway:bicycle", "no")]);
        let bike = usage(Mode::Bicycle, &contraflow).unwrap();
        assert!(bike.forward && bike.backward);
        assert!(!usage(Mode::Car, &contraflow).unwrap().backward);
        let roundabout = usage(Mode::Car, &tags(&[("highway", "primary"), ("junction", "roundabout")])).unwrap();
        assert!(!roundabout.backward);
        assert!(Mode::parse("boat").unwrap_err().contains("bicycle, scooter or car"));
    }
}
