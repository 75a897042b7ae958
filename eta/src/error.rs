//! What can be wrong with the numbers handed to the ETA model.

use courier_core::PlaceError;

/// A value the ETA model refuses, naming the value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EtaError {
    /// A speed that is NaN, infinite, zero or negative.
    #[error("speed must be a finite number above zero, got {value} {unit}")]
    InvalidSpeed {
        /// The value that was given.
        value: f64,
        /// The unit it was given in (`km/h` or `m/s`).
        unit: &'static str,
    },
    /// A multiplier (traffic factor, circuity, load factor...) out of its range.
    #[error("{name} must be a finite number in [{min}, {max}], got {value}")]
    InvalidFactor {
        /// Which factor.
        name: &'static str,
        /// The value that was given.
        value: f64,
        /// Smallest accepted value.
        min: f64,
        /// Largest accepted value.
        max: f64,
    },
    /// A place that could not be resolved (bad coordinate or resolution).
    #[error(transparent)]
    Place(#[from] PlaceError),
}
