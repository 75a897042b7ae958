//! Surge: threshold, steps, smoothing, hysteresis, cap, and its effect on a quote.

use courier_core::*;
use courier_pricing::*;

use crate::fixture::*;

fn no_smoothing() -> SurgeConfig {
    SurgeConfig {
        smoothing: BasisPoints::FULL,
        ..SurgeConfig::default()
    }
}

#[test]
fn target_rises_in_steps_above_the_threshold_and_stops_at_the_cap() {
    let cfg = SurgeConfig::default();
    assert_eq!(target_multiplier(&cfg, 1_000), NO_SURGE);
    assert_eq!(target_multiplier(&cfg, 1_500), BasisPoints::new(12_500)); // +0.5 x 0.5
    assert_eq!(target_multiplier(&cfg, 1_590), BasisPoints::new(12_500)); // rounded down to 0.05x
    assert_eq!(target_multiplier(&cfg, 9_000), BasisPoints::new(20_000)); // capped at 2.0x
}

#[test]
fn hysteresis_holds_small_moves_and_smoothing_damps_spikes() {
    let mut book = SurgeBook::new(no_smoothing());
    let cell = book.cell_of(pickup()).unwrap();
    assert_eq!(book.observe(cell, 30, 10, T0), BasisPoints::new(20_000));
    // Target 1.95x is within 0.1x of 2.0x: held.
    assert_eq!(book.observe(cell, 29, 10, T0), BasisPoints::new(20_000));
    assert_eq!(book.observe(cell, 10, 10, T0), NO_SURGE);

    let mut smooth = SurgeBook::new(SurgeConfig::default());
    smooth.observe(cell, 10, 10, T0);
    let after_spike = smooth.observe(cell, 40, 10, T0); // ratio 4.0, smoothed 1.9
    assert_eq!(after_spike, BasisPoints::new(14_500));
}

#[test]
fn surge_multiplies_only_the_delivery_fee_and_is_explained() {
    let c = cart(&[(2000, 1)]);
    let calm = SurgeBook::new(no_smoothing());
    let mut busy = SurgeBook::new(no_smoothing());
    let cell = busy.cell_of(pickup()).unwrap();
    busy.observe(cell, 20, 10, T0); // ratio 2.0 -> 1.5x
    let h = CustomerHistory::default();
    let q0 = price(&c, &[], &PromoBook::new(), &calm, &h).unwrap();
    let q1 = price(&c, &[], &PromoBook::new(), &busy, &h).unwrap();
    assert_eq!(q0.surge, None);
    let e = q1.surge.unwrap();
    assert_eq!(
        (e.cell, e.multiplier, e.demand, e.supply),
        (cell, BasisPoints::new(15_000), 20, 10)
    );
    assert_eq!(q1.delivery_fee, q0.delivery_fee.mul_bps(BasisPoints::new(15_000)));
    assert_eq!(
        (q1.subtotal, q1.service_fee, q1.small_order_fee),
        (q0.subtotal, q0.service_fee, q0.small_order_fee)
    );
}
