//! Scores follow the configured weights and terms.

use courier_core::CourierId;
use courier_matching::{CandidateFacts, ScoringPolicy};

fn facts(id: u64) -> CandidateFacts {
    CandidateFacts {
        courier: CourierId::new(id),
        distance_m: 1_000.0,
        rating: 4.5,
        acceptance_rate: 0.8,
        completion_rate: 0.95,
        active_orders: 0,
        route_efficiency: None,
        needs_more_deliveries: false,
    }
}

#[test]
fn the_seed_001_weights_add_up() {
    let p = ScoringPolicy::default();
    let s = p.score(&facts(1));
    let expected = 0.40 * 0.9 + 0.25 * 0.9 + 0.20 * 0.8 + 0.15 * 0.95;
    assert!((s - expected).abs() < 1e-12, "{s} vs {expected}");
}

#[test]
fn load_route_and_fairness_terms_apply() {
    let p = ScoringPolicy::default();
    let base = p.score(&facts(1));
    let loaded = CandidateFacts {
        active_orders: 1,
        route_efficiency: Some(0.5),
        ..facts(1)
    };
    assert!((p.score(&loaded) - (base - 0.15 + 0.10)).abs() < 1e-12);
    let behind = CandidateFacts {
        needs_more_deliveries: true,
        ..facts(1)
    };
    assert!((p.score(&behind) - (base + 0.10)).abs() < 1e-12);
    // Route efficiency counts only for a courier already carrying.
    let idle = CandidateFacts {
        route_efficiency: Some(1.0),
        ..facts(1)
    };
    assert_eq!(p.score(&idle), base);
}

#[test]
fn weights_are_data() {
    let distance_only = ScoringPolicy {
        distance_weight: 1.0,
        rating_weight: 0.0,
        acceptance_weight: 0.0,
        completion_weight: 0.0,
        ..ScoringPolicy::default()
    };
    let near_but_poor = CandidateFacts {
        distance_m: 100.0,
        rating: 1.0,
        acceptance_rate: 0.1,
        ..facts(1)
    };
    let far_but_great = CandidateFacts {
        distance_m: 4_000.0,
        rating: 5.0,
        acceptance_rate: 1.0,
        ..facts(2)
    };
    let ranked = distance_only.rank(&[far_but_great, near_but_poor]);
    assert_eq!(ranked[0].0, CourierId::new(1));
    let ranked = ScoringPolicy::default().rank(&[far_but_great, near_but_poor]);
    assert_eq!(ranked[0].0, CourierId::new(2));
}

#[test]
fn odd_inputs_are_clamped_and_ties_go_by_id() {
    let p = ScoringPolicy::default();
    let nan = CandidateFacts {
        distance_m: f64::NAN,
        rating: f64::NAN,
        ..facts(1)
    };
    assert!(p.score(&nan).is_finite());
    let ranked = p.rank(&[facts(9), facts(3)]);
    assert_eq!(ranked.iter().map(|r| r.0.get()).collect::<Vec<_>>(), vec![3, 9]);
}
