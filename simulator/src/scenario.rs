//! Scenarios: a city, its restaurants, couriers and customers, the demand
//! over the day, the platform's policies and the failures to inject, read
//! from TOML. A malformed file is refused naming the file, line and field.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::history::History;

/// A scenario as written in TOML.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name for reports.
    pub name: String,
    /// The default seed (`--seed` overrides).
    #[serde(default)]
    pub seed: u64,
    /// Simulated hour of day the run starts at (0..24).
    pub start_hour: f64,
    /// Simulated hours of orders; the run then drains open orders.
    pub hours: f64,
    /// Shrinks the whole city: demand, restaurants, fleet, hotspots and
    /// area (the radius by its square root) together, so densities and
    /// distances stay those of the city as written, and the answer to a
    /// question about it does not move with the scale. 1.0 is the
    /// scenario as written. The counts in the file are always the full
    /// city's.
    #[serde(default = "one")]
    pub scale: f64,
    /// The city.
    pub city: City,
    /// The restaurants.
    pub restaurants: Restaurants,
    /// The couriers.
    pub couriers: Couriers,
    /// Orders over the day (required unless `[history]` gives them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand: Option<Demand>,
    /// How customers behave.
    #[serde(default)]
    pub customers: Customers,
    /// The platform's policies.
    #[serde(default)]
    pub policy: Policy,
    /// Failures to inject.
    #[serde(default)]
    pub failures: Vec<Failure>,
    /// Promotions the platform runs, and how many customers name each.
    #[serde(default)]
    pub promotions: Vec<ScenarioPromotion>,
    /// Historical orders (and shifts) to replay instead of generated ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryFiles>,
    /// The history's rows, read when the scenario is loaded.
    #[serde(skip)]
    pub replay: Option<Arc<History>>,
}

/// A planner's own data to replay (see [`crate::history`]): the orders
/// stand in for `[demand]` and the restaurants they name for the generated
/// ones; the shifts, if given, for the `[couriers]` fleet and shifts.
/// Paths are relative to the scenario file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryFiles {
    /// The orders CSV.
    pub orders: PathBuf,
    /// The courier shifts CSV (none: the scenario's fleet works).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub couriers: Option<PathBuf>,
}

fn one() -> f64 {
    1.0
}

/// Where the city is.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct City {
    /// Centre `[lat, lng]`.
    pub center: [f64; 2],
    /// Radius, km.
    pub radius_km: f64,
    /// H3 resolution of the courier index.
    #[serde(default = "default_resolution")]
    pub h3_resolution: u8,
    /// The city's IANA time zone (`America/New_York`): reports give clock
    /// times in it. The simulation's clock is the city's wall clock.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// An OpenStreetMap extract (`.osm.pbf`, relative to the scenario)
    /// whose streets couriers ride; none: great-circle distance times a
    /// circuity factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub road_network: Option<PathBuf>,
    /// The couriers' vehicle on the road network: `bicycle`, `scooter` or
    /// `car` (which streets, directions and speeds).
    #[serde(default = "default_mode")]
    pub mode: String,
    /// The road network, read when the scenario is loaded.
    #[serde(skip)]
    pub streets: Option<crate::streets::Streets>,
}

fn default_mode() -> String {
    "bicycle".into()
}

fn default_timezone() -> String {
    "UTC".into()
}

fn default_resolution() -> u8 {
    8
}

/// The restaurants.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Restaurants {
    /// How many (required unless `[history]` names them).
    #[serde(default)]
    pub count: u32,
    /// Clusters they gather in (required unless `[history]` places them).
    #[serde(default)]
    pub hotspots: u32,
    /// Spread around a hotspot, km (standard deviation).
    #[serde(default = "default_spread")]
    pub hotspot_spread_km: f64,
    /// Mean preparation time, minutes.
    pub prep_minutes_mean: f64,
    /// Its standard deviation, minutes.
    pub prep_minutes_sd: f64,
    /// Share of orders a restaurant rejects.
    #[serde(default)]
    pub reject_probability: f64,
    /// How long a kitchen takes to accept, minutes (mean).
    #[serde(default = "default_accept_minutes")]
    pub accept_minutes_mean: f64,
}

fn default_spread() -> f64 {
    0.8
}

fn default_accept_minutes() -> f64 {
    1.0
}

/// The couriers.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Couriers {
    /// Couriers on shift (required unless `[history]` gives their shifts).
    #[serde(default)]
    pub fleet: u32,
    /// Riding speed, km/h.
    pub speed_kmh: f64,
    /// Chance an offer is accepted.
    #[serde(default = "default_accept")]
    pub accept_probability: f64,
    /// Seconds to answer an offer (mean).
    #[serde(default = "default_answer")]
    pub answer_seconds: f64,
    /// App drop-outs per courier-hour.
    #[serde(default)]
    pub dropouts_per_hour: f64,
    /// Minutes a dropped-out courier stays offline.
    #[serde(default = "default_offline")]
    pub offline_minutes: f64,
    /// Shifts: which share of the fleet works when. None: everyone works
    /// the whole run (and the drain after it).
    #[serde(default)]
    pub shifts: Vec<Shift>,
    /// Each courier is paid at least this per hour online, cents: the
    /// larger of its orders' pay and this times its hours (0: per order
    /// only). What makes a bigger fleet cost more.
    #[serde(default)]
    pub guaranteed_cents_per_hour: i64,
}

/// A shift worked by a share of the fleet. A courier comes online at its
/// start; at its end the courier logs off as a dropped-out courier does
/// (orders not yet picked up go back to dispatch, food on the bike is
/// still delivered).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Shift {
    /// Minutes after the run starts.
    pub start_minute: f64,
    /// How long.
    pub duration_minutes: f64,
    /// Share of the fleet working it (the shares add up to 1).
    pub share: f64,
}

fn default_accept() -> f64 {
    0.9
}

fn default_answer() -> f64 {
    10.0
}

fn default_offline() -> f64 {
    10.0
}

/// Orders per minute over the run, by a named profile.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Demand {
    /// The shape of the day (default `rush`).
    #[serde(default)]
    pub profile: DemandProfile,
    /// Orders per minute outside the rush (`rush`, `lunch-and-dinner`).
    #[serde(default)]
    pub base_per_minute: f64,
    /// Orders per minute at the height of the rush.
    #[serde(default)]
    pub peak_per_minute: f64,
    /// Hour of day the rush is at its height from.
    #[serde(default)]
    pub peak_start_hour: f64,
    /// Hours at the height.
    #[serde(default)]
    pub peak_hours: f64,
    /// Minutes to ramp up to (and down from) the height.
    #[serde(default = "default_ramp")]
    pub ramp_minutes: f64,
    /// Orders per minute in each hour of the day, 0:00 to 23:00 (`hourly`);
    /// the rate moves linearly between the middles of the hours.
    #[serde(default)]
    pub hourly: Vec<f64>,
}

/// Named shapes of demand over the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DemandProfile {
    /// A base rate with one rush (ramped) at `peak_start_hour`.
    #[default]
    Rush,
    /// The rush at dinner, and a lunch rush at 12:00 for 90 minutes half
    /// as high above the base.
    LunchAndDinner,
    /// Any day: 24 hourly rates.
    Hourly,
}

/// Lunch rush of the `lunch-and-dinner` profile: from 12:00, 1.5 hours.
const LUNCH: (f64, f64) = (12.0, 1.5);

fn default_ramp() -> f64 {
    30.0
}

/// How customers behave.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Customers {
    /// Chance a customer cancels while waiting.
    pub cancel_probability: f64,
    /// Minutes after placing at which a cancelling customer cancels (mean).
    pub cancel_after_minutes: f64,
    /// How far from its restaurant a customer lives, at most, km (drop-offs
    /// are uniform in that disc).
    pub reach_km: f64,
}

impl Default for Customers {
    fn default() -> Self {
        Customers {
            cancel_probability: 0.02,
            cancel_after_minutes: 6.0,
            reach_km: 3.5,
        }
    }
}

/// The platform's policies.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// `"cascade"` or `"batch"`.
    pub dispatch: String,
    /// Most orders a courier carries at once.
    pub batch_limit: usize,
    /// Seconds between dispatch rounds.
    pub dispatch_interval_seconds: u32,
    /// Highest surge multiplier on the delivery fee (1.0: no surge).
    #[serde(default = "default_surge_cap")]
    pub surge_cap: f64,
    /// Share refunded when the customer cancels within the early window
    /// after the restaurant accepted (seed 000: 0.5).
    #[serde(default = "default_early_refund")]
    pub refund_early_share: f64,
    /// The early window, minutes (seed 000: 5).
    #[serde(default = "default_early_minutes")]
    pub refund_early_minutes: f64,
    /// Share refunded when the customer cancels later, before pickup (seed 000: 0).
    #[serde(default)]
    pub refund_late_share: f64,
}

fn default_surge_cap() -> f64 {
    2.0
}

fn default_early_refund() -> f64 {
    0.5
}

fn default_early_minutes() -> f64 {
    5.0
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            dispatch: "batch".into(),
            batch_limit: 2,
            dispatch_interval_seconds: 30,
            surge_cap: default_surge_cap(),
            refund_early_share: default_early_refund(),
            refund_early_minutes: default_early_minutes(),
            refund_late_share: 0.0,
        }
    }
}

/// A failure window.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    /// `"payment_outage"`, `"courier_app_offline"` (a share of the fleet),
    /// `"restaurant_tablet_offline"` (a share of restaurants stop answering),
    /// `"storage_outage"` (every storage call fails), `"storage_errors"` (a
    /// share of storage calls fail), `"platform_crash"` (the platform's
    /// process dies: every service's memory is lost, and after the
    /// duration a new one is built from the store with `recover`).
    pub kind: String,
    /// Minutes after the start.
    pub start_minute: f64,
    /// How long.
    pub duration_minutes: f64,
    /// Share affected (couriers, restaurants, or storage calls).
    #[serde(default = "one")]
    pub share: f64,
}

/// A promotion in a scenario: stored on the platform at the start of the
/// run, valid for the whole run, and named by a share of customers.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioPromotion {
    /// The code (letters, digits, `-`, `_`).
    pub code: String,
    /// `"percent"` or `"flat"`.
    pub kind: String,
    /// Basis points of the subtotal (percent) or cents off (flat).
    pub value: u32,
    /// Smallest food subtotal it applies to, cents.
    #[serde(default)]
    pub min_subtotal_cents: i64,
    /// Largest discount, cents (0: uncapped).
    #[serde(default)]
    pub max_discount_cents: i64,
    /// Uses per customer (0: without limit).
    #[serde(default)]
    pub per_customer_limit: u32,
    /// Combines with other stackable promotions.
    #[serde(default)]
    pub stackable: bool,
    /// `"platform"` or `"restaurant"`: who pays for it.
    #[serde(default = "platform_funded")]
    pub funded_by: String,
    /// Share of customers who name the code.
    #[serde(default = "one")]
    pub share: f64,
}

fn platform_funded() -> String {
    "platform".into()
}

impl ScenarioPromotion {
    /// The promotion as the platform stores it, valid from `from` for a week.
    pub fn promotion(
        &self,
        currency: courier_core::Currency,
        from: courier_core::Timestamp,
    ) -> Result<courier_core::promotion::Promotion, String> {
        use courier_core::promotion::{FundedBy, PromoKind, Promotion};
        use courier_core::{BasisPoints, Duration, Money};
        let kind = match self.kind.as_str() {
            "percent" => PromoKind::Percent(BasisPoints::new(self.value)),
            "flat" => PromoKind::Flat(Money::new(i64::from(self.value), currency)),
            other => return Err(format!("{other:?} is not \"percent\" or \"flat\"")),
        };
        let funded_by = match self.funded_by.as_str() {
            "platform" => FundedBy::Platform,
            "restaurant" => FundedBy::Restaurant,
            other => return Err(format!("{other:?} is not \"platform\" or \"restaurant\"")),
        };
        let promotion = Promotion {
            code: self.code.as_str().into(),
            kind,
            min_subtotal: Money::new(self.min_subtotal_cents, currency),
            max_discount: (self.max_discount_cents > 0).then(|| Money::new(self.max_discount_cents, currency)),
            first_order_only: false,
            valid_from: from,
            valid_until: from.plus(Duration::from_mins(7 * 24 * 60)),
            per_customer_limit: (self.per_customer_limit > 0).then_some(self.per_customer_limit),
            stackable: self.stackable,
            funded_by,
        };
        courier_platform::check_promotion(&promotion).map_err(|e| e.to_string())?;
        Ok(promotion)
    }
}

/// A scenario that could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {field}: {message}")]
pub struct ScenarioError {
    /// The file.
    pub file: PathBuf,
    /// The line (1-based; 0 when the file could not be read).
    pub line: usize,
    /// The field, dotted (`couriers.fleet`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            file: path.to_path_buf(),
            line: 0,
            field: "(file)".into(),
            message: e.to_string(),
        })?;
        Scenario::parse(&text, path)
    }

    /// Parses and checks scenario text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            let line = text[..offset.min(text.len())].lines().count().max(1);
            let line = if text[..offset.min(text.len())].ends_with('\n') {
                line + 1
            } else {
                line
            };
            let field = field_at(text, line);
            let message = e.message().trim().to_string();
            match missing_field(&message) {
                Some(key) if offset == 0 => missing_at_top(path, key),
                Some(key) => ScenarioError {
                    file: path.to_path_buf(),
                    line,
                    field: format!("{field}.{key}"),
                    message: format!("missing: [{field}] needs `{key}`"),
                },
                None => ScenarioError {
                    file: path.to_path_buf(),
                    line,
                    field,
                    message,
                },
            }
        })?;
        let mut scenario = scenario;
        scenario.validate().map_err(|(field, message)| ScenarioError {
            file: path.to_path_buf(),
            line: line_of(text, &field),
            field,
            message,
        })?;
        if let Some(file) = &scenario.city.road_network {
            let dir = path.parent().unwrap_or(Path::new("."));
            let at = |message: String| ScenarioError {
                file: path.to_path_buf(),
                line: line_of(text, "city.road_network"),
                field: "city.road_network".into(),
                message,
            };
            let mode = courier_roads::Mode::parse(&scenario.city.mode).map_err(at)?;
            let streets = crate::streets::Streets::load(&dir.join(file), mode).map_err(|e| at(e.to_string()))?;
            scenario.city.streets = Some(streets);
        }
        if let Some(files) = &scenario.history {
            let dir = path.parent().unwrap_or(Path::new("."));
            let clock = crate::clock::CityClock::new(&scenario.city.timezone).map_err(|message| ScenarioError {
                file: path.to_path_buf(),
                line: line_of(text, "city.timezone"),
                field: "city.timezone".into(),
                message,
            })?;
            let couriers = files.couriers.as_ref().map(|c| dir.join(c));
            let history = History::load(&dir.join(&files.orders), couriers.as_deref(), &clock)?;
            scenario.replay = Some(Arc::new(history));
        }
        Ok(scenario)
    }

    fn validate(&self) -> Result<(), (String, String)> {
        let bad = |field: &str, message: String| Err((field.to_string(), message));
        let share = |field: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                bad(field, format!("{v} must be between 0 and 1"))
            }
        };
        if !(0.0..24.0).contains(&self.start_hour) {
            return bad(
                "start_hour",
                format!("{} is not an hour of the day (0..24)", self.start_hour),
            );
        }
        positive("hours", self.hours)?;
        positive("scale", self.scale)?;
        let [lat, lng] = self.city.center;
        if courier_core::GeoPoint::new(lat, lng).is_err() {
            return bad("city.center", format!("[{lat}, {lng}] is not a valid [lat, lng]"));
        }
        positive("city.radius_km", self.city.radius_km)?;
        if let Err(e) = crate::clock::CityClock::new(&self.city.timezone) {
            return bad("city.timezone", e);
        }
        if let Err(e) = courier_roads::Mode::parse(&self.city.mode) {
            return bad("city.mode", e);
        }
        if self.city.h3_resolution > 15 {
            return bad(
                "city.h3_resolution",
                format!("{} is not 0..=15", self.city.h3_resolution),
            );
        }
        if self.history.is_none() && self.restaurants.count == 0 {
            return bad("restaurants.count", "must be at least 1".into());
        }
        if self.history.is_none() && self.restaurants.hotspots == 0 {
            return bad("restaurants.hotspots", "must be at least 1".into());
        }
        non_negative("restaurants.hotspot_spread_km", self.restaurants.hotspot_spread_km)?;
        positive("restaurants.prep_minutes_mean", self.restaurants.prep_minutes_mean)?;
        if !(self.restaurants.prep_minutes_sd.is_finite() && self.restaurants.prep_minutes_sd >= 0.0) {
            return bad("restaurants.prep_minutes_sd", "must be zero or more".into());
        }
        share("restaurants.reject_probability", self.restaurants.reject_probability)?;
        positive("restaurants.accept_minutes_mean", self.restaurants.accept_minutes_mean)?;
        let shifts_given = self.history.as_ref().is_some_and(|h| h.couriers.is_some());
        if !shifts_given && self.couriers.fleet == 0 {
            return bad("couriers.fleet", "must be at least 1".into());
        }
        positive("couriers.speed_kmh", self.couriers.speed_kmh)?;
        share("couriers.accept_probability", self.couriers.accept_probability)?;
        positive("couriers.answer_seconds", self.couriers.answer_seconds)?;
        if !(0..=100_000).contains(&self.couriers.guaranteed_cents_per_hour) {
            return bad(
                "couriers.guaranteed_cents_per_hour",
                format!(
                    "{} is not 0..=100000 cents an hour",
                    self.couriers.guaranteed_cents_per_hour
                ),
            );
        }
        if !(self.couriers.dropouts_per_hour.is_finite() && self.couriers.dropouts_per_hour >= 0.0) {
            return bad("couriers.dropouts_per_hour", "must be zero or more".into());
        }
        for s in &self.couriers.shifts {
            if !(s.start_minute.is_finite() && s.start_minute >= 0.0) {
                return bad(
                    "couriers.shifts.start_minute",
                    format!("{} must be zero or more", s.start_minute),
                );
            }
            positive("couriers.shifts.duration_minutes", s.duration_minutes)?;
            share("couriers.shifts.share", s.share)?;
        }
        let shares: f64 = self.couriers.shifts.iter().map(|s| s.share).sum();
        if !self.couriers.shifts.is_empty() && (shares - 1.0).abs() > 1e-6 {
            return bad("couriers.shifts.share", format!("the shares add up to {shares}, not 1"));
        }
        non_negative("couriers.offline_minutes", self.couriers.offline_minutes)?;
        if self.history.is_some() && self.scale != 1.0 {
            return bad(
                "scale",
                format!(
                    "{} with [history]: a history replays every order as recorded, at scale 1",
                    self.scale
                ),
            );
        }
        match &self.demand {
            Some(d) => Self::validate_demand(d)?,
            None if self.history.is_none() => {
                return bad(
                    "demand",
                    "missing section: the scenario needs a [demand] table (or a [history] of orders)".into(),
                );
            }
            None => {}
        }
        share("customers.cancel_probability", self.customers.cancel_probability)?;
        positive("customers.cancel_after_minutes", self.customers.cancel_after_minutes)?;
        positive("customers.reach_km", self.customers.reach_km)?;
        if !matches!(self.policy.dispatch.as_str(), "cascade" | "batch") {
            return bad(
                "policy.dispatch",
                format!("{:?} is not one of \"cascade\", \"batch\"", self.policy.dispatch),
            );
        }
        if !(1..=3).contains(&self.policy.batch_limit) {
            return bad(
                "policy.batch_limit",
                format!("{} is not 1..=3", self.policy.batch_limit),
            );
        }
        if !(1.0..=10.0).contains(&self.policy.surge_cap) {
            return bad(
                "policy.surge_cap",
                format!("{} is not 1.0..=10.0", self.policy.surge_cap),
            );
        }
        share("policy.refund_early_share", self.policy.refund_early_share)?;
        share("policy.refund_late_share", self.policy.refund_late_share)?;
        if !(self.policy.refund_early_minutes.is_finite() && self.policy.refund_early_minutes >= 0.0) {
            return bad("policy.refund_early_minutes", "must be zero or more".into());
        }
        self.check_upper_bounds()?;
        if self.policy.dispatch_interval_seconds == 0 {
            return bad("policy.dispatch_interval_seconds", "must be at least 1".into());
        }
        for p in &self.promotions {
            share("promotions.share", p.share)?;
            if let Err(e) = p.promotion(courier_core::Currency::Usd, courier_core::Timestamp::EPOCH) {
                return bad("promotions", format!("{}: {e}", p.code));
            }
        }
        for f in &self.failures {
            if !matches!(
                f.kind.as_str(),
                "payment_outage"
                    | "courier_app_offline"
                    | "restaurant_tablet_offline"
                    | "storage_outage"
                    | "storage_errors"
                    | "platform_crash"
            ) {
                return bad("failures.kind", format!("{:?} is not a known failure", f.kind));
            }
            non_negative("failures.start_minute", f.start_minute)?;
            positive("failures.duration_minutes", f.duration_minutes)?;
            share("failures.share", f.share)?;
        }
        Ok(())
    }

    /// Upper bounds on every number, so that no scenario can hang the
    /// simulator or exhaust its memory: each is far beyond any real city
    /// (docs/scenario.md lists them), and a run's expected orders and
    /// couriers are bounded too.
    fn check_upper_bounds(&self) -> Result<(), (String, String)> {
        let week_min = 7.0 * 24.0 * 60.0;
        let mut bounds: Vec<(String, f64, f64)> = vec![
            ("hours".into(), self.hours, 168.0),
            ("scale".into(), self.scale, 10.0),
            ("city.radius_km".into(), self.city.radius_km, 200.0),
            (
                "restaurants.count".into(),
                f64::from(self.restaurants.count),
                2_000_000.0,
            ),
            (
                "restaurants.hotspots".into(),
                f64::from(self.restaurants.hotspots),
                100_000.0,
            ),
            (
                "restaurants.hotspot_spread_km".into(),
                self.restaurants.hotspot_spread_km,
                50.0,
            ),
            (
                "restaurants.prep_minutes_mean".into(),
                self.restaurants.prep_minutes_mean,
                600.0,
            ),
            (
                "restaurants.prep_minutes_sd".into(),
                self.restaurants.prep_minutes_sd,
                600.0,
            ),
            (
                "restaurants.accept_minutes_mean".into(),
                self.restaurants.accept_minutes_mean,
                60.0,
            ),
            ("couriers.fleet".into(), f64::from(self.couriers.fleet), 5_000_000.0),
            ("couriers.speed_kmh".into(), self.couriers.speed_kmh, 200.0),
            ("couriers.answer_seconds".into(), self.couriers.answer_seconds, 600.0),
            (
                "couriers.dropouts_per_hour".into(),
                self.couriers.dropouts_per_hour,
                60.0,
            ),
            (
                "couriers.offline_minutes".into(),
                self.couriers.offline_minutes,
                1_440.0,
            ),
            (
                "customers.cancel_after_minutes".into(),
                self.customers.cancel_after_minutes,
                1_440.0,
            ),
            ("customers.reach_km".into(), self.customers.reach_km, 100.0),
            (
                "policy.refund_early_minutes".into(),
                self.policy.refund_early_minutes,
                1_440.0,
            ),
            (
                "policy.dispatch_interval_seconds".into(),
                f64::from(self.policy.dispatch_interval_seconds),
                3_600.0,
            ),
        ];
        for s in &self.couriers.shifts {
            bounds.push(("couriers.shifts.start_minute".into(), s.start_minute, week_min));
            bounds.push(("couriers.shifts.duration_minutes".into(), s.duration_minutes, week_min));
        }
        for f in &self.failures {
            bounds.push(("failures.start_minute".into(), f.start_minute, week_min));
            bounds.push(("failures.duration_minutes".into(), f.duration_minutes, week_min));
        }
        if let Some(d) = &self.demand {
            bounds.push(("demand.base_per_minute".into(), d.base_per_minute, 1_000_000.0));
            bounds.push(("demand.peak_per_minute".into(), d.peak_per_minute, 1_000_000.0));
            bounds.push(("demand.peak_hours".into(), d.peak_hours, 24.0));
            bounds.push(("demand.ramp_minutes".into(), d.ramp_minutes, 1_440.0));
            for &v in &d.hourly {
                bounds.push(("demand.hourly".into(), v, 1_000_000.0));
            }
        }
        if let Some((field, v, max)) = bounds.into_iter().find(|(_, v, max)| !(v.is_finite() && *v <= *max)) {
            return Err((field, format!("{v} is above the most allowed, {max}")));
        }
        // What a run would hold: its orders and couriers.
        let orders = self.demand_curve().1 * self.scale;
        if orders > MAX_RUN_ORDERS {
            return Err((
                "demand.peak_per_minute".into(),
                format!("the run would place about {orders:.0} orders; at most {MAX_RUN_ORDERS:.0} fit in memory"),
            ));
        }
        if f64::from(self.couriers.fleet) * self.scale > MAX_RUN_COURIERS {
            return Err((
                "couriers.fleet".into(),
                format!(
                    "{} couriers at scale {} is above {MAX_RUN_COURIERS:.0} in one run",
                    self.couriers.fleet, self.scale
                ),
            ));
        }
        Ok(())
    }

    /// The demand curve over the run's minutes (full city): its peak rate
    /// and the sum of its rates, orders per minute.
    pub fn demand_curve(&self) -> (f64, f64) {
        (0..=(self.hours * 60.0) as u32)
            .map(|m| self.rate_per_minute(f64::from(m)))
            .fold((0.0, 0.0), |(peak, sum), rate| (f64::max(peak, rate), sum + rate))
    }

    /// The demand section's own checks.
    fn validate_demand(d: &Demand) -> Result<(), (String, String)> {
        let bad = |field: &str, message: String| Err((field.to_string(), message));
        if d.profile == DemandProfile::Hourly {
            if d.hourly.len() != 24 {
                return bad(
                    "demand.hourly",
                    format!("{} values; the hourly profile needs 24 (0:00 to 23:00)", d.hourly.len()),
                );
            }
            if let Some(v) = d.hourly.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
                return bad("demand.hourly", format!("{v} is not an order rate (zero or more)"));
            }
            if !d.hourly.iter().any(|v| *v > 0.0) {
                return bad("demand.hourly", "every hour is zero: nobody orders".into());
            }
        } else {
            positive("demand.base_per_minute", d.base_per_minute)?;
            positive("demand.peak_per_minute", d.peak_per_minute)?;
        }

        if !(0.0..24.0).contains(&d.peak_start_hour) {
            return bad(
                "demand.peak_start_hour",
                format!("{} is not an hour of the day (0..24)", d.peak_start_hour),
            );
        }
        non_negative("demand.peak_hours", d.peak_hours)?;
        non_negative("demand.ramp_minutes", d.ramp_minutes)
    }

    /// The city's radius at this scale, km: the area shrinks with the
    /// counts, so densities stay those of the full city.
    pub fn scaled_radius_km(&self) -> f64 {
        self.city.radius_km * self.scale.sqrt()
    }

    /// Restaurant hotspots at this scale (at least one).
    pub fn scaled_hotspots(&self) -> u32 {
        ((f64::from(self.restaurants.hotspots) * self.scale).round() as u32).max(1)
    }

    /// Couriers at this scale (at least one).
    pub fn scaled_fleet(&self) -> u32 {
        ((f64::from(self.couriers.fleet) * self.scale).round() as u32).max(1)
    }

    /// Restaurants at this scale (at least one).
    pub fn scaled_restaurants(&self) -> u32 {
        ((f64::from(self.restaurants.count) * self.scale).round() as u32).max(1)
    }

    /// Orders per minute at `minute` after the start (before scaling).
    pub fn rate_per_minute(&self, minute: f64) -> f64 {
        let Some(d) = &self.demand else { return 0.0 };
        let hour = (self.start_hour + minute / 60.0).rem_euclid(24.0);
        let ramp_h = d.ramp_minutes.max(0.0) / 60.0;
        let rush = |start: f64, hours: f64| {
            let (up, top_end) = (start, start + hours);
            if hour >= up && hour <= top_end {
                1.0
            } else if hour < up && hour > up - ramp_h {
                1.0 - (up - hour) / ramp_h
            } else if hour > top_end && hour < top_end + ramp_h {
                1.0 - (hour - top_end) / ramp_h
            } else {
                0.0
            }
        };
        let height = d.peak_per_minute - d.base_per_minute;
        match d.profile {
            DemandProfile::Rush => d.base_per_minute + height * rush(d.peak_start_hour, d.peak_hours),
            DemandProfile::LunchAndDinner => {
                d.base_per_minute
                    + height * rush(d.peak_start_hour, d.peak_hours)
                    + height * 0.5 * rush(LUNCH.0, LUNCH.1)
            }
            DemandProfile::Hourly => {
                // Between the middles of two hours, linearly (wrapping at midnight).
                let at = hour - 0.5;
                let from = at.floor();
                let rate = |h: f64| d.hourly.get(h.rem_euclid(24.0) as usize).copied().unwrap_or(0.0);
                rate(from) + (rate(from + 1.0) - rate(from)) * (at - from)
            }
        }
    }
}

/// Most orders one run may place: a full day of the dinner rush at scale 1
/// places about a million.
const MAX_RUN_ORDERS: f64 = 20_000_000.0;
/// Most couriers one run may hold.
const MAX_RUN_COURIERS: f64 = 2_000_000.0;

/// A finite number, positive.
fn positive(field: &str, v: f64) -> Result<(), (String, String)> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err((field.to_owned(), format!("{v} must be a positive number")))
    }
}

/// A finite number, zero or more.
fn non_negative(field: &str, v: f64) -> Result<(), (String, String)> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err((field.to_owned(), format!("{v} must be zero or more")))
    }
}

/// The key a "missing field `key`" message names.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

/// A required top-level key or section left out: the sections are named as
/// sections, so the reader knows to add a `[couriers]` table, not a key.
fn missing_at_top(path: &Path, key: &str) -> ScenarioError {
    let section = matches!(key, "city" | "restaurants" | "couriers" | "demand");
    ScenarioError {
        file: path.to_path_buf(),
        line: 1,
        field: key.to_owned(),
        message: if section {
            format!("missing section: the scenario needs a [{key}] table")
        } else {
            format!("missing: `{key}` is required at the top, before the first [section]")
        },
    }
}

/// The dotted field named on `line`: the nearest table header above it and
/// the key before `=` on it.
fn field_at(text: &str, line: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let here = lines.get(line.saturating_sub(1)).copied().unwrap_or("").trim();
    let key = here.split('=').next().unwrap_or("").trim();
    let table = lines[..line.saturating_sub(1).min(lines.len())]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').to_string());
    match (table, key.starts_with('[')) {
        (_, true) => key.trim_matches(|c| c == '[' || c == ']').to_string(),
        (Some(t), false) if !key.is_empty() => format!("{t}.{key}"),
        (None, false) if !key.is_empty() => key.to_string(),
        _ => "(document)".into(),
    }
}

/// The line a dotted field is written on (its table's header if the key is
/// absent, 1 if neither is found).
fn line_of(text: &str, field: &str) -> usize {
    let (table, key) = field.rsplit_once('.').map_or(("", field), |(t, k)| (t, k));
    let mut in_table = table.is_empty();
    let mut table_line = 1;
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.starts_with('[') {
            let name = l.trim_matches(|c| c == '[' || c == ']');
            in_table = name == table;
            if in_table {
                table_line = i + 1;
            }
            continue;
        }
        if in_table && l.split('=').next().is_some_and(|k| k.trim() == key) {
            return i + 1;
        }
    }
    table_line
}
