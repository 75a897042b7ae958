//! Pricing and core agree on the seed 000 economics, through the facade.

use courier::core::ledger::{ChargeBreakdown, PaymentLedger, PayoutSplit, SplitRule};
use courier::core::{BasisPoints, Currency, Money, Timestamp};
use courier::pricing::{DEFAULT_COMMISSION, commission};

fn usd(c: i64) -> Money {
    Money::new(c, Currency::Usd)
}

#[test]
fn commission_on_a_25_dollar_order_is_6_25_everywhere() {
    assert_eq!(commission(usd(2500), DEFAULT_COMMISSION), usd(625));
    let rule = SplitRule {
        commission: DEFAULT_COMMISSION,
        courier_delivery_pay: usd(0),
    };
    let charge = ChargeBreakdown {
        subtotal: usd(2500),
        platform_fees: usd(0),
        tax: usd(0),
        tip: usd(0),
    };
    let split = PayoutSplit::from_rule(&rule, &charge).unwrap();
    assert_eq!(split.platform, usd(625));
    assert_eq!(split.restaurant, usd(1875));
    let mut ledger = PaymentLedger::new(Currency::Usd);
    ledger.authorize(usd(2500), Timestamp::EPOCH).unwrap();
    ledger.capture(usd(2500), Timestamp::EPOCH).unwrap();
    ledger.settle(&split, Timestamp::EPOCH).unwrap();
    assert!(ledger.is_balanced());
    assert_eq!(ledger.customer_net_charge(), usd(2500));
    assert_eq!(BasisPoints::new(2_500).to_string(), "25.00%");
}
