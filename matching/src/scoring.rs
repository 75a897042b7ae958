//! Candidate scoring as data: the seed 001 weights and the seed 004 terms.

use courier_core::CourierId;

/// What the scorer knows about one candidate courier for one order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CandidateFacts {
    /// The courier.
    pub courier: CourierId,
    /// Distance to the restaurant, metres.
    pub distance_m: f64,
    /// Average rating, 0 to 5.
    pub rating: f64,
    /// Share of offers accepted, 0 to 1.
    pub acceptance_rate: f64,
    /// Share of accepted orders delivered, 0 to 1.
    pub completion_rate: f64,
    /// Orders the courier carries now.
    pub active_orders: u32,
    /// For a courier already carrying an order: how well this order fits the
    /// route, 0 (a full detour) to 1 (on the way). None when not carrying.
    pub route_efficiency: Option<f64>,
    /// The courier is behind their earnings goal for the shift.
    pub needs_more_deliveries: bool,
}

/// Weights and terms of the score. Every part is data: a city tunes it in
/// configuration, not code.
///
/// The score is on a 0-1 scale for the weighted part (seed 001: distance
/// 40%, rating 25%, acceptance 20%, completion 15%), plus the seed 004
/// terms: minus a penalty per order carried, plus a route-efficiency bonus
/// for a courier already carrying an order, plus a fairness bonus for a
/// courier behind their earnings goal.
///
/// ```
/// use courier_core::CourierId;
/// use courier_matching::{CandidateFacts, ScoringPolicy};
/// let policy = ScoringPolicy::default();
/// let facts = |id, distance_m| CandidateFacts {
///     courier: CourierId::new(id), distance_m, rating: 4.8, acceptance_rate: 0.9,
///     completion_rate: 0.98, active_orders: 0, route_efficiency: None, needs_more_deliveries: false,
/// };
/// let ranked = policy.rank(&[facts(1, 2_500.0), facts(2, 400.0)]);
/// assert_eq!(ranked[0].0, CourierId::new(2));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ScoringPolicy {
    /// Weight of closeness (1 at the restaurant, 0 at `max_distance_m`).
    pub distance_weight: f64,
    /// Weight of rating / 5.
    pub rating_weight: f64,
    /// Weight of the acceptance rate.
    pub acceptance_weight: f64,
    /// Weight of the completion rate.
    pub completion_weight: f64,
    /// Distance at which closeness reaches 0.
    pub max_distance_m: f64,
    /// Subtracted per order already carried (seed 004: 15 on its 100 scale).
    pub load_penalty_per_order: f64,
    /// Times the route efficiency, for couriers already carrying (seed 004: 20).
    pub route_efficiency_weight: f64,
    /// Added for a courier behind their earnings goal (seed 004: 10).
    pub fairness_bonus: f64,
}

impl Default for ScoringPolicy {
    fn default() -> Self {
        ScoringPolicy {
            distance_weight: 0.40,
            rating_weight: 0.25,
            acceptance_weight: 0.20,
            completion_weight: 0.15,
            max_distance_m: 10_000.0,
            load_penalty_per_order: 0.15,
            route_efficiency_weight: 0.20,
            fairness_bonus: 0.10,
        }
    }
}

impl ScoringPolicy {
    /// The score of one candidate; higher is better. Inputs outside their
    /// ranges are clamped into them, NaN counts as the worst value.
    pub fn score(&self, f: &CandidateFacts) -> f64 {
        let unit = |x: f64| if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
        let max_d = if self.max_distance_m > 0.0 {
            self.max_distance_m
        } else {
            1.0
        };
        let distance = if f.distance_m.is_nan() {
            f64::INFINITY
        } else {
            f.distance_m.max(0.0)
        };
        let closeness = 1.0 - (distance / max_d).min(1.0);
        let mut score = self.distance_weight * closeness
            + self.rating_weight * unit(f.rating / 5.0)
            + self.acceptance_weight * unit(f.acceptance_rate)
            + self.completion_weight * unit(f.completion_rate)
            - self.load_penalty_per_order * f64::from(f.active_orders);
        if f.active_orders > 0 {
            score += self.route_efficiency_weight * unit(f.route_efficiency.unwrap_or(0.0));
        }
        if f.needs_more_deliveries {
            score += self.fairness_bonus;
        }
        score
    }

    /// Candidates best first, with their scores; equal scores by courier id,
    /// so the ranking is deterministic.
    pub fn rank(&self, candidates: &[CandidateFacts]) -> Vec<(CourierId, f64)> {
        let mut ranked: Vec<(CourierId, f64)> = candidates.iter().map(|f| (f.courier, self.score(f))).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
    }
}
