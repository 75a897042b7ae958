//! Each order's money, from its final state: the ledger is a pure function
//! of the stored order and the payout split priced when it was placed, so a
//! crash at any point can never leave books half-written.

use std::collections::BTreeMap;

use courier_core::ledger::{Account, LedgerError, PaymentLedger, PayoutSplit};
use courier_core::order::{Order, OrderStatus};
use courier_core::refund::{RefundDecision, RefundPolicy};
use courier_core::{Currency, Money, MoneyError};

/// The key an order's payout split is kept under.
pub(crate) fn split_key(order: courier_core::OrderId) -> String {
    format!("split:{}", order.get())
}

/// Encodes a split for storage: `restaurant,courier,platform,tax` in minor units.
pub(crate) fn encode_split(split: &PayoutSplit) -> Vec<u8> {
    format!(
        "{},{},{},{}",
        split.restaurant.minor(),
        split.courier.minor(),
        split.platform.minor(),
        split.tax.minor()
    )
    .into_bytes()
}

/// Reads a split written by [`encode_split`].
pub(crate) fn decode_split(bytes: &[u8], currency: Currency) -> Result<PayoutSplit, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let parts: Vec<i64> = text
        .split(',')
        .map(|p| p.parse::<i64>().map_err(|e| format!("{p:?}: {e}")))
        .collect::<Result<_, _>>()?;
    let &[restaurant, courier, platform, tax] = parts.as_slice() else {
        return Err(format!("expected 4 amounts, found {}", parts.len()));
    };
    let m = |minor| Money::new(minor, currency);
    Ok(PayoutSplit {
        restaurant: m(restaurant),
        courier: m(courier),
        platform: m(platform),
        tax: m(tax),
    })
}

/// The split when no courier carried the food: the courier's part stays
/// with the platform.
fn without_delivery(split: &PayoutSplit) -> Result<PayoutSplit, MoneyError> {
    Ok(PayoutSplit {
        courier: Money::zero(split.courier.currency()),
        platform: split.platform.checked_add(split.courier)?,
        ..*split
    })
}

/// What an ended order did with the customer's money.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    /// The order's postings, balanced.
    pub ledger: PaymentLedger,
    /// The refund decision, for cancelled and rejected orders that were paid.
    pub refund: Option<RefundDecision>,
}

/// The ledger of an order in a final money state (delivered, completed,
/// rejected or cancelled); `None` while its money is still in flight.
///
/// ```
/// use courier_core::ledger::PayoutSplit;
/// # use courier_core::{*, order::*};
/// # let usd = |c| Money::new(c, Currency::Usd);
/// # let place = PlaceOrder { order_id: OrderId::new(1), customer: CustomerId::new(1), restaurant: RestaurantId::new(1),
/// #     pickup: GeoPoint::new(40.0, -74.0)?, dropoff: GeoPoint::new(40.01, -74.0)?,
/// #     lines: vec![OrderLine { item: MenuItemId::new(1), quantity: 1, unit_price: usd(2000) }],
/// #     charge: usd(2500), idempotency_key: IdempotencyKey::parse("k")? };
/// let (mut order, _) = Order::place(Actor::Customer(CustomerId::new(1)), Timestamp::EPOCH, place)?;
/// order.execute(&Command { actor: Actor::System, at: Timestamp::EPOCH, expected_version: 1, action: OrderAction::AuthorizePayment })?;
/// order.execute(&Command { actor: Actor::Customer(CustomerId::new(1)), at: Timestamp::EPOCH, expected_version: 2,
///     action: OrderAction::Cancel { reason: CancelReason::CustomerRequest } })?;
/// let split = PayoutSplit { restaurant: usd(1500), courier: usd(500), platform: usd(300), tax: usd(200) };
/// let s = courier_platform::settlement::settle(&order, &split, &Default::default())?.unwrap();
/// assert!(s.ledger.is_balanced());
/// assert_eq!(s.ledger.customer_net_charge(), Money::zero(Currency::Usd)); // before acceptance: all back
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn settle(order: &Order, split: &PayoutSplit, policy: &RefundPolicy) -> Result<Option<Settlement>, LedgerError> {
    let charge = order.charge();
    let mut ledger = PaymentLedger::new(charge.currency());
    let times = order.times();
    let Some(authorized_at) = times.placed_at else {
        // Never paid: nothing moved (a payment that failed or was never tried).
        return Ok(order
            .status()
            .is_terminal()
            .then_some(Settlement { ledger, refund: None }));
    };
    let closed_at = times.closed_at.or(times.delivered_at).unwrap_or(authorized_at);
    match order.status() {
        OrderStatus::Delivered | OrderStatus::Completed => {
            ledger.authorize(charge, authorized_at)?;
            ledger.capture(charge, closed_at)?;
            ledger.settle(split, closed_at)?;
            Ok(Some(Settlement { ledger, refund: None }))
        }
        OrderStatus::Rejected { .. } | OrderStatus::Cancelled { .. } => {
            ledger.authorize(charge, authorized_at)?;
            let decision = policy.for_ended_order(order);
            let retained = decision.map_or(Money::zero(charge.currency()), |d| d.retained);
            if retained.minor() > 0 {
                ledger.capture(retained, closed_at)?;
            }
            ledger.release_remaining(closed_at)?;
            if retained.minor() > 0 {
                let carried = times.picked_up_at.is_some();
                let base = if carried { *split } else { without_delivery(split)? };
                ledger.settle(&base.pro_rata(retained)?, closed_at)?;
            }
            Ok(Some(Settlement {
                ledger,
                refund: decision,
            }))
        }
        _ => Ok(None),
    }
}

/// Running totals over every settled order, by account. The sums are kept
/// in `i128`: a platform's lifetime of orders cannot overflow them, so the
/// balance check never sees a wrapped total.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Books {
    balances: BTreeMap<&'static str, i128>,
    /// Orders settled.
    pub orders: u64,
    /// Refunded to customers, minor units.
    pub refunded_minor: i128,
    /// Captured from customers, minor units.
    pub captured_minor: i128,
}

impl Books {
    /// Adds one order's ledger.
    pub fn add(&mut self, ledger: &PaymentLedger, refund: Option<&RefundDecision>) {
        for account in Account::ALL {
            *self.balances.entry(account_name(account)).or_default() += i128::from(ledger.balance(account).minor());
        }
        self.orders += 1;
        self.captured_minor += i128::from(ledger.captured().minor());
        self.refunded_minor += i128::from(refund.map_or(0, |d| d.refund.minor()));
    }

    /// Adds the totals another set of books kept: another instance's, or
    /// an earlier process's of this one.
    pub fn absorb(&mut self, other: &Books) {
        for (account, balance) in &other.balances {
            *self.balances.entry(account).or_default() += balance;
        }
        self.orders += other.orders;
        self.captured_minor += other.captured_minor;
        self.refunded_minor += other.refunded_minor;
    }

    /// The total balance of an account, minor units.
    pub fn balance(&self, account: Account) -> i128 {
        self.balances.get(account_name(account)).copied().unwrap_or(0)
    }

    /// True when the accounts sum to zero (every posting balanced).
    pub fn is_balanced(&self) -> bool {
        self.balances.values().sum::<i128>() == 0
    }
}

fn account_name(account: Account) -> &'static str {
    match account {
        Account::CustomerFunds => "customer_funds",
        Account::Authorized => "authorized",
        Account::Captured => "captured",
        Account::RestaurantPayable => "restaurant_payable",
        Account::CourierPayable => "courier_payable",
        Account::PlatformRevenue => "platform_revenue",
        Account::TaxPayable => "tax_payable",
    }
}

#[cfg(test)]
mod tests {
    use courier_core::ledger::{Account, PaymentLedger, PayoutSplit};
    use courier_core::{Currency, Money, Timestamp};

    use super::Books;

    #[test]
    fn the_books_add_past_i64_without_wrapping() {
        let usd = |m| Money::new(m, Currency::Usd);
        let mut ledger = PaymentLedger::new(Currency::Usd);
        let t = Timestamp::EPOCH;
        ledger.authorize(usd(i64::MAX), t).unwrap();
        ledger.capture(usd(i64::MAX), t).unwrap();
        let split = PayoutSplit {
            restaurant: usd(i64::MAX),
            courier: usd(0),
            platform: usd(0),
            tax: usd(0),
        };
        ledger.settle(&split, t).unwrap();
        let mut books = Books::default();
        books.add(&ledger, None);
        books.add(&ledger, None);
        assert_eq!(books.balance(Account::RestaurantPayable), 2 * i128::from(i64::MAX));
        assert_eq!(books.captured_minor, 2 * i128::from(i64::MAX));
        assert!(books.is_balanced(), "the sums are exact, not wrapped");
    }

    /// Two instances' books absorbed are the books of every order both
    /// settled, as if one instance had settled them all.
    #[test]
    fn books_absorbed_equal_books_kept_together() {
        let usd = |m| Money::new(m, Currency::Usd);
        let t = Timestamp::EPOCH;
        let ledger = |charge: i64, courier: i64| {
            let mut ledger = PaymentLedger::new(Currency::Usd);
            ledger.authorize(usd(charge), t).unwrap();
            ledger.capture(usd(charge), t).unwrap();
            let split = PayoutSplit {
                restaurant: usd(charge - courier),
                courier: usd(courier),
                platform: usd(0),
                tax: usd(0),
            };
            ledger.settle(&split, t).unwrap();
            ledger
        };
        let (a, b, c) = (ledger(2_500, 700), ledger(1_999, 500), ledger(4_000, 1_200));
        let (mut first, mut second, mut together) = (Books::default(), Books::default(), Books::default());
        first.add(&a, None);
        second.add(&b, None);
        second.add(&c, None);
        for l in [&a, &b, &c] {
            together.add(l, None);
        }
        first.absorb(&second);
        assert_eq!(first, together);
        assert_eq!(first.orders, 3);
        let courier_pay: i128 = [&a, &b, &c]
            .iter()
            .map(|l| i128::from(l.balance(Account::CourierPayable).minor()))
            .sum();
        assert_eq!(first.balance(Account::CourierPayable), courier_pay);
        assert_eq!(courier_pay.abs(), 2_400);
        assert!(first.is_balanced());
    }
}
