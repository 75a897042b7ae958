//! What can go wrong building or querying a road network.

use std::path::PathBuf;

/// A network that could not be built, or a point that could not be placed on it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RoadError {
    /// The file could not be read as an OpenStreetMap PBF extract.
    #[error("{file}: not a readable OpenStreetMap PBF extract: {message}")]
    Unreadable {
        /// The file.
        file: PathBuf,
        /// What the reader said.
        message: String,
    },
    /// The map holds no street the mode may use.
    #[error("{what}: no street a {mode} may use")]
    NoStreets {
        /// The file (or "the map").
        what: String,
        /// The mode, by name.
        mode: String,
    },
    /// A point lies farther from every street than allowed.
    #[error("({lat}, {lng}) is {distance_m:.0} m from the nearest street (at most {limit_m:.0} m)")]
    FarFromStreets {
        /// Latitude.
        lat: f64,
        /// Longitude.
        lng: f64,
        /// Its distance to the nearest street, metres.
        distance_m: f64,
        /// The limit, metres.
        limit_m: f64,
    },
}
