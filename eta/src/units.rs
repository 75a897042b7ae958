//! Validated quantities: a speed and a bounded multiplier.
//!
//! Both hold an `f64` that is finite and in range by construction, so the
//! arithmetic of the model never meets a NaN or a division by zero.

use crate::EtaError;

/// A travel speed, strictly positive and finite.
///
/// ```
/// use courier_eta::Speed;
/// let s = Speed::from_kmh(18.0)?;
/// assert_eq!(s.as_mps(), 5.0);
/// assert!(Speed::from_kmh(-3.0).is_err());
/// assert!(Speed::from_mps(f64::NAN).is_err());
/// # Ok::<(), courier_eta::EtaError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Speed(f64);

impl Speed {
    /// A speed in kilometres per hour.
    pub fn from_kmh(kmh: f64) -> Result<Speed, EtaError> {
        if kmh.is_finite() && kmh > 0.0 {
            Ok(Speed(kmh / 3.6))
        } else {
            Err(EtaError::InvalidSpeed {
                value: kmh,
                unit: "km/h",
            })
        }
    }

    /// A speed in metres per second.
    pub fn from_mps(mps: f64) -> Result<Speed, EtaError> {
        if mps.is_finite() && mps > 0.0 {
            Ok(Speed(mps))
        } else {
            Err(EtaError::InvalidSpeed {
                value: mps,
                unit: "m/s",
            })
        }
    }

    /// Metres per second.
    pub fn as_mps(self) -> f64 {
        self.0
    }

    /// Kilometres per hour.
    pub fn as_kmh(self) -> f64 {
        self.0 * 3.6
    }
}

/// A finite multiplier checked against the range its role allows.
///
/// ```
/// use courier_eta::Factor;
/// assert_eq!(Factor::new("circuity", 1.3, 1.0, 3.0)?.get(), 1.3);
/// let err = Factor::new("circuity", 0.5, 1.0, 3.0).unwrap_err();
/// assert_eq!(err.to_string(), "circuity must be a finite number in [1, 3], got 0.5");
/// # Ok::<(), courier_eta::EtaError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Factor(f64);

impl Factor {
    /// The neutral multiplier.
    pub const ONE: Factor = Factor(1.0);

    /// `value`, if it is finite and within `[min, max]`; `name` goes into the error.
    pub fn new(name: &'static str, value: f64, min: f64, max: f64) -> Result<Factor, EtaError> {
        if value.is_finite() && value >= min && value <= max {
            Ok(Factor(value))
        } else {
            Err(EtaError::InvalidFactor { name, value, min, max })
        }
    }

    /// The multiplier.
    pub fn get(self) -> f64 {
        self.0
    }
}
