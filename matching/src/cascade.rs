//! The offer cascade of seed 001: offer to the best candidate, wait for an
//! answer, then the next best, up to three offers, then widen the radius and
//! start over.

use courier_core::{CourierId, Duration, Timestamp};

/// How the cascade offers.
#[derive(Debug, Clone, PartialEq)]
pub struct CascadeConfig {
    /// How long a courier has to answer (seed 001: 30 s).
    pub offer_timeout: Duration,
    /// Offers per radius before widening (seed 001: 3).
    pub offers_per_radius: u32,
    /// Search radii in metres, narrowest first (5 km, then wider steps).
    pub radii_m: Vec<f64>,
    /// A courier who declined or let an offer time out is not offered the
    /// same order again for this long.
    pub cooldown: Duration,
}

impl Default for CascadeConfig {
    fn default() -> Self {
        CascadeConfig {
            offer_timeout: Duration::from_secs(30),
            offers_per_radius: 3,
            radii_m: vec![5_000.0, 8_000.0, 12_000.0],
            cooldown: Duration::from_mins(10),
        }
    }
}

/// What the cascade wants done next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CascadeStep {
    /// Send this offer, which expires at `expires_at`.
    Offer {
        /// The courier to offer to.
        courier: CourierId,
        /// When the offer lapses.
        expires_at: Timestamp,
    },
    /// An offer is out and has not expired: wait.
    Waiting {
        /// The courier holding the offer.
        courier: CourierId,
        /// When it lapses.
        expires_at: Timestamp,
    },
    /// The radius grew: search again within `radius_m` and call again.
    Widen {
        /// The new radius.
        radius_m: f64,
    },
    /// Every radius is spent: leave the order in the pool (the batch
    /// assigner or a later [`OfferCascade::restart`] picks it up).
    Exhausted,
}

/// How an offer ended, for the order's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferOutcome {
    /// The courier accepted.
    Accepted,
    /// The courier declined.
    Declined,
    /// No answer before the timeout.
    TimedOut,
}

/// An answer the cascade cannot take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CascadeError {
    /// The courier holds no offer for this order (never had one, or it lapsed).
    #[error("{courier} holds no live offer for this order")]
    NoLiveOffer {
        /// The courier who answered.
        courier: CourierId,
    },
}

/// The cascade state of one order.
///
/// ```
/// use courier_core::{CourierId, Duration, Timestamp};
/// use courier_matching::{CascadeConfig, CascadeStep, OfferCascade};
/// let mut cascade = OfferCascade::new(CascadeConfig::default());
/// let now = Timestamp::EPOCH;
/// let ranked = [CourierId::new(7), CourierId::new(3)];
/// let CascadeStep::Offer { courier, .. } = cascade.next(now, &ranked) else { panic!() };
/// assert_eq!(courier, CourierId::new(7));
/// cascade.decline(courier, now.plus(Duration::from_secs(5)))?;
/// let CascadeStep::Offer { courier, .. } = cascade.next(now.plus(Duration::from_secs(5)), &ranked) else { panic!() };
/// assert_eq!(courier, CourierId::new(3));
/// # Ok::<(), courier_matching::CascadeError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OfferCascade {
    config: CascadeConfig,
    radius: usize,
    offers_at_radius: u32,
    live: Option<(CourierId, Timestamp)>,
    cooling: Vec<(CourierId, Timestamp)>,
    history: Vec<(CourierId, Timestamp, OfferOutcome)>,
}

impl OfferCascade {
    /// A cascade at the first radius, with no offer out.
    pub fn new(config: CascadeConfig) -> OfferCascade {
        OfferCascade {
            config,
            radius: 0,
            offers_at_radius: 0,
            live: None,
            cooling: Vec::new(),
            history: Vec::new(),
        }
    }

    /// The radius to search candidates within now.
    pub fn radius_m(&self) -> f64 {
        self.config.radii_m.get(self.radius).copied().unwrap_or(0.0)
    }

    /// The live offer, if any.
    pub fn live_offer(&self) -> Option<(CourierId, Timestamp)> {
        self.live
    }

    /// Every answered or lapsed offer, oldest first.
    pub fn history(&self) -> &[(CourierId, Timestamp, OfferOutcome)] {
        &self.history
    }

    /// True if `courier` declined or let this order lapse less than the
    /// cool-down ago.
    pub fn is_cooling_down(&self, courier: CourierId, now: Timestamp) -> bool {
        self.cooling.iter().any(|&(c, until)| c == courier && now < until)
    }

    /// The next step, given candidates best first (searched within
    /// [`OfferCascade::radius_m`]). A live offer that has lapsed is recorded
    /// as timed out first.
    pub fn next(&mut self, now: Timestamp, ranked: &[CourierId]) -> CascadeStep {
        if let Some((courier, expires_at)) = self.live {
            if now < expires_at {
                return CascadeStep::Waiting { courier, expires_at };
            }
            self.close(courier, now, OfferOutcome::TimedOut);
        }
        if self.radius >= self.config.radii_m.len() {
            return CascadeStep::Exhausted;
        }
        let candidate = ranked.iter().copied().find(|&c| !self.is_cooling_down(c, now));
        match candidate {
            Some(courier) if self.offers_at_radius < self.config.offers_per_radius => {
                self.offers_at_radius += 1;
                let expires_at = now.plus(self.config.offer_timeout);
                self.live = Some((courier, expires_at));
                CascadeStep::Offer { courier, expires_at }
            }
            // Out of offers here, or nobody left to ask: look further out.
            _ => {
                self.radius += 1;
                self.offers_at_radius = 0;
                match self.config.radii_m.get(self.radius) {
                    Some(&radius_m) => CascadeStep::Widen { radius_m },
                    None => CascadeStep::Exhausted,
                }
            }
        }
    }

    /// The courier accepted the live offer.
    pub fn accept(&mut self, courier: CourierId, now: Timestamp) -> Result<(), CascadeError> {
        self.answer(courier, now, OfferOutcome::Accepted)
    }

    /// The courier declined the live offer; they cool down for this order.
    pub fn decline(&mut self, courier: CourierId, now: Timestamp) -> Result<(), CascadeError> {
        self.answer(courier, now, OfferOutcome::Declined)
    }

    /// Starts over at the first radius (cool-downs are kept).
    pub fn restart(&mut self) {
        self.radius = 0;
        self.offers_at_radius = 0;
        self.live = None;
    }

    fn answer(&mut self, courier: CourierId, now: Timestamp, outcome: OfferOutcome) -> Result<(), CascadeError> {
        match self.live {
            Some((c, expires_at)) if c == courier && now < expires_at => {
                self.close(courier, now, outcome);
                Ok(())
            }
            _ => Err(CascadeError::NoLiveOffer { courier }),
        }
    }

    fn close(&mut self, courier: CourierId, now: Timestamp, outcome: OfferOutcome) {
        self.live = None;
        self.history.push((courier, now, outcome));
        if outcome != OfferOutcome::Accepted {
            self.cooling.retain(|&(c, until)| c != courier && now < until);
            self.cooling.push((courier, now.plus(self.config.cooldown)));
        }
    }
}
