//! Promotions: caps, eligibility, stacking, best combination.

use courier_core::*;
use courier_pricing::*;

use crate::fixture::*;

fn check(
    book: &PromoBook,
    codes: &[&str],
    subtotal: i64,
    history: &CustomerHistory,
    applied: &[(&str, i64)],
    refused: &[(&str, NotApplied)],
) {
    let out = apply_promotions(book, codes, usd(subtotal), history, T0).unwrap();
    let got: Vec<_> = out.applied.iter().map(|d| (&*d.code, d.amount.minor())).collect();
    assert_eq!(got, applied);
    let got: Vec<_> = out.not_applied.iter().map(|(c, r)| (&**c, *r)).collect();
    assert_eq!(got, refused);
}

fn book(promos: Vec<Promotion>) -> PromoBook {
    let mut b = PromoBook::new();
    promos.into_iter().for_each(|p| b.insert(p));
    b
}

#[test]
fn percent_is_capped_and_flat_is_clamped_to_the_subtotal() {
    let b = book(vec![
        Promotion {
            max_discount: Some(usd(500)),
            ..promo("TWENTY", PromoKind::Percent(BasisPoints::new(2_000)))
        },
        promo("BIGFLAT", PromoKind::Flat(usd(5_000))),
    ]);
    let none = CustomerHistory::default();
    check(&b, &["TWENTY"], 2_000, &none, &[("TWENTY", 400)], &[]);
    check(&b, &["TWENTY"], 4_000, &none, &[("TWENTY", 500)], &[]);
    check(&b, &["BIGFLAT"], 1_200, &none, &[("BIGFLAT", 1_200)], &[]);
}

#[test]
fn eligibility_rules_give_their_reason() {
    let b = book(vec![
        Promotion {
            min_subtotal: usd(2_000),
            ..promo("MIN20", PromoKind::Flat(usd(300)))
        },
        Promotion {
            first_order_only: true,
            ..promo("WELCOME", PromoKind::Flat(usd(500)))
        },
        Promotion {
            per_customer_limit: Some(2),
            ..promo("TWICE", PromoKind::Flat(usd(200)))
        },
    ]);
    let regular = CustomerHistory {
        completed_orders: 3,
        promo_uses: vec![("TWICE".into(), 2)],
    };
    check(
        &b,
        &["MIN20"],
        1_999,
        &regular,
        &[],
        &[(
            "MIN20",
            NotApplied::BelowMinimum {
                min_subtotal: usd(2_000),
            },
        )],
    );
    check(
        &b,
        &["WELCOME"],
        3_000,
        &regular,
        &[],
        &[("WELCOME", NotApplied::FirstOrderOnly)],
    );
    check(
        &b,
        &["TWICE"],
        3_000,
        &regular,
        &[],
        &[("TWICE", NotApplied::UseLimitReached { limit: 2 })],
    );
    check(
        &b,
        &["WELCOME"],
        3_000,
        &CustomerHistory::default(),
        &[("WELCOME", 500)],
        &[],
    );
}

#[test]
fn stackables_combine_and_a_better_single_promotion_wins() {
    let b = book(vec![
        Promotion {
            stackable: true,
            ..promo("S1", PromoKind::Flat(usd(300)))
        },
        Promotion {
            stackable: true,
            ..promo("S2", PromoKind::Percent(BasisPoints::new(1_000)))
        },
        promo("SOLO", PromoKind::Flat(usd(450))),
        promo("SOLO_BIG", PromoKind::Flat(usd(900))),
    ]);
    let h = CustomerHistory::default();
    // 3.00 + 10% of 30.00 = 6.00 beats SOLO (4.50).
    check(
        &b,
        &["S1", "S2", "SOLO"],
        3_000,
        &h,
        &[("S1", 300), ("S2", 300)],
        &[("SOLO", NotApplied::BeatenByBetterCombination)],
    );
    // SOLO_BIG (9.00) beats the stack (6.00).
    check(
        &b,
        &["S1", "SOLO_BIG", "S2"],
        3_000,
        &h,
        &[("SOLO_BIG", 900)],
        &[
            ("S1", NotApplied::BeatenByBetterCombination),
            ("S2", NotApplied::BeatenByBetterCombination),
        ],
    );
    // Two non-stackables: only the better one.
    check(
        &b,
        &["SOLO", "SOLO_BIG"],
        3_000,
        &h,
        &[("SOLO_BIG", 900)],
        &[("SOLO", NotApplied::BeatenByBetterCombination)],
    );
}
