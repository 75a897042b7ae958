//! Money's small rules, each stated by a test of its own: which sign is
//! refused, which amount is smaller, which way a result saturates, how
//! amounts and rates read, and who gets the odd cent.

use courier_core::money::{BasisPoints, allocate_largest_remainder};
use courier_core::{Currency, Money};

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::Usd)
}

#[test]
fn non_negative_refuses_below_zero_only() {
    assert!(Money::non_negative(-1, Currency::Usd).is_err());
    assert_eq!(Money::non_negative(0, Currency::Usd), Ok(usd(0)));
    assert_eq!(Money::non_negative(1, Currency::Usd), Ok(usd(1)));
}

#[test]
fn min_is_the_smaller_amount_and_the_first_on_a_tie_or_mixed_currency() {
    assert_eq!(usd(5).min(usd(7)), usd(5));
    assert_eq!(usd(7).min(usd(5)), usd(5));
    assert_eq!(usd(-3).min(usd(2)), usd(-3));
    assert_eq!(usd(4).min(usd(4)), usd(4));
    let eur = Money::new(1, Currency::Eur);
    assert_eq!(usd(5).min(eur), usd(5), "mixed currencies keep the first");
    assert_eq!(eur.min(usd(5)), eur);
}

#[test]
fn rates_saturate_toward_the_sign_of_the_result() {
    let rate = BasisPoints::new(20_000); // 200%
    assert_eq!(usd(i64::MAX).mul_bps(rate), usd(i64::MAX));
    assert_eq!(usd(i64::MIN).mul_bps(rate), usd(i64::MIN));
    assert_eq!(usd(i64::MAX).mul_div(-3, 1), usd(i64::MIN));
    // Within range nothing saturates: half a cent rounds away from zero.
    assert_eq!(usd(5).mul_bps(BasisPoints::new(1_000)), usd(1));
    assert_eq!(usd(-5).mul_bps(BasisPoints::new(1_000)), usd(-1));
    assert_eq!(usd(4).mul_bps(BasisPoints::new(1_000)), usd(0));
}

#[test]
fn amounts_and_rates_read_as_people_write_them() {
    assert_eq!(usd(0).to_string(), "USD 0.00");
    assert_eq!(usd(5).to_string(), "USD 0.05");
    assert_eq!(usd(-1_250).to_string(), "USD -12.50");
    assert_eq!(Money::new(1_500, Currency::Jpy).to_string(), "JPY 1500");
    assert_eq!(BasisPoints::new(0).to_string(), "0.00%");
    assert_eq!(BasisPoints::new(1_505).to_string(), "15.05%");
    assert_eq!(BasisPoints::new(10_000).to_string(), "100.00%");
}

#[test]
fn the_odd_cent_goes_to_the_largest_remainder_then_the_earlier_party() {
    // 100 over thirds: 33.33 each; the one leftover cent to the first.
    assert_eq!(allocate_largest_remainder(100, &[1, 1, 1]), Some(vec![34, 33, 33]));
    // 10 over 1:2:2 = 2, 4, 4 exactly; 11 = 2.2, 4.4, 4.4: the cent goes
    // to the second (remainder 0.4, ties to the earlier), not the first (0.2).
    assert_eq!(allocate_largest_remainder(10, &[1, 2, 2]), Some(vec![2, 4, 4]));
    assert_eq!(allocate_largest_remainder(11, &[1, 2, 2]), Some(vec![2, 5, 4]));
    // 7 over 3:1 = 5.25, 1.75: the cent to the larger remainder, the second.
    assert_eq!(allocate_largest_remainder(7, &[3, 1]), Some(vec![5, 2]));
    assert_eq!(allocate_largest_remainder(5, &[0, 0]), None);
    assert_eq!(allocate_largest_remainder(-5, &[1]), None);
}
