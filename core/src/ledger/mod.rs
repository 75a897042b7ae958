//! The double-entry payments ledger of one order: authorize, capture, release, refund, settle.
//!
//! Money moves only by postings whose legs sum to zero, so the sum of all
//! account balances is always zero. The customer's net charge is always
//! `captured - refunded`, and a refund can never exceed what was captured
//! and not yet paid out.
//!
//! ```text
//! authorize  customer_funds -a   authorized +a
//! capture    authorized     -c   captured   +c
//! release    authorized     -r   customer_funds +r
//! refund     captured       -f   customer_funds +f
//! settle     captured       -s   restaurant +   courier +   platform +   tax +
//! ```

mod split;

pub use split::{ChargeBreakdown, PayoutSplit, SplitRule};

use crate::money::{Currency, Money, MoneyError};
use crate::time::Timestamp;

/// The accounts of an order's ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Account {
    /// The customer's payment method (outside the platform); negative = paid out of it.
    CustomerFunds,
    /// Held by an authorization, not yet captured.
    Authorized,
    /// Captured and not yet paid out.
    Captured,
    /// Owed to the restaurant.
    RestaurantPayable,
    /// Owed to the courier.
    CourierPayable,
    /// The platform's revenue.
    PlatformRevenue,
    /// Owed to the tax authority.
    TaxPayable,
}

impl Account {
    /// Every account, in a fixed order.
    pub const ALL: [Account; 7] = [
        Account::CustomerFunds,
        Account::Authorized,
        Account::Captured,
        Account::RestaurantPayable,
        Account::CourierPayable,
        Account::PlatformRevenue,
        Account::TaxPayable,
    ];

    const fn index(self) -> usize {
        self as usize
    }
}

/// What a posting records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostingKind {
    /// A hold on the customer's funds.
    Authorize,
    /// Taking held funds.
    Capture,
    /// Giving back a hold.
    Release,
    /// Giving back captured funds.
    Refund,
    /// Paying out captured funds to their owners.
    Settle,
}

/// One leg of a posting: an amount to (positive) or from (negative) an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leg {
    /// The account.
    pub account: Account,
    /// Signed minor units.
    pub amount: i64,
}

/// A balanced set of legs: their amounts sum to zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    /// What it records.
    pub kind: PostingKind,
    /// When.
    pub at: Timestamp,
    /// The legs (sum to zero).
    pub legs: Vec<Leg>,
}

impl Posting {
    /// True when the legs sum to zero.
    pub fn is_balanced(&self) -> bool {
        self.legs.iter().map(|l| i128::from(l.amount)).sum::<i128>() == 0
    }
}

/// Why a ledger operation was refused. A refused operation posts nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The amount was zero or negative.
    #[error("amount {0} must be positive")]
    NotPositive(Money),
    /// The ledger already holds an authorization.
    #[error("the order is already authorized")]
    AlreadyAuthorized,
    /// More was to be captured or released than is held.
    #[error("{requested} exceeds the {available} still authorized")]
    ExceedsAuthorized {
        /// Asked for.
        requested: Money,
        /// Held.
        available: Money,
    },
    /// More was to be refunded than is captured and not paid out.
    #[error("refund {requested} exceeds the {available} captured and not yet settled")]
    ExceedsRefundable {
        /// Asked for.
        requested: Money,
        /// Refundable.
        available: Money,
    },
    /// A settlement did not sum to the captured balance.
    #[error("split sums to {split_total}, but {captured} is captured")]
    SplitMismatch {
        /// The split's total.
        split_total: Money,
        /// What is captured.
        captured: Money,
    },
    /// A payout part other than the platform's was negative.
    #[error("payout to {account:?} is negative ({amount})")]
    NegativePayout {
        /// Which account.
        account: Account,
        /// The amount.
        amount: Money,
    },
    /// Amounts did not add up (currency mismatch, overflow).
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// The ledger of one order, in one currency.
///
/// ```
/// use courier_core::ledger::{PaymentLedger, PayoutSplit};
/// use courier_core::{Money, Currency, Timestamp};
/// let usd = |c| Money::new(c, Currency::Usd);
/// let t = Timestamp::EPOCH;
/// let mut ledger = PaymentLedger::new(Currency::Usd);
/// ledger.authorize(usd(2500), t)?;
/// ledger.capture(usd(1250), t)?;     // the non-refundable half of a cancellation
/// ledger.release_remaining(t)?;      // the other half goes back
/// assert_eq!(ledger.customer_net_charge(), usd(1250));
/// assert!(ledger.is_balanced());
/// # Ok::<(), courier_core::ledger::LedgerError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentLedger {
    currency: Currency,
    balances: [i64; 7],
    postings: Vec<Posting>,
    authorized_total: i64,
    captured_total: i64,
    refunded_total: i64,
}

impl PaymentLedger {
    /// An empty ledger in `currency`.
    pub fn new(currency: Currency) -> Self {
        Self {
            currency,
            balances: [0; 7],
            postings: Vec::new(),
            authorized_total: 0,
            captured_total: 0,
            refunded_total: 0,
        }
    }

    /// The ledger's currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The balance of `account`.
    pub fn balance(&self, account: Account) -> Money {
        Money::new(self.balances[account.index()], self.currency)
    }

    /// Every posting so far, oldest first.
    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }

    /// Total captured so far.
    pub fn captured(&self) -> Money {
        Money::new(self.captured_total, self.currency)
    }

    /// Total refunded so far.
    pub fn refunded(&self) -> Money {
        Money::new(self.refunded_total, self.currency)
    }

    /// What the customer has paid, net: captured minus refunded.
    pub fn customer_net_charge(&self) -> Money {
        Money::new(self.captured_total - self.refunded_total, self.currency)
    }

    /// True when every posting balances and the balances sum to zero.
    pub fn is_balanced(&self) -> bool {
        self.postings.iter().all(Posting::is_balanced)
            && self.balances.iter().map(|&b| i128::from(b)).sum::<i128>() == 0
    }

    fn positive(&self, amount: Money) -> Result<i64, LedgerError> {
        if amount.currency() != self.currency {
            return Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: amount.currency(),
            }
            .into());
        }
        if amount.minor() <= 0 {
            return Err(LedgerError::NotPositive(amount));
        }
        Ok(amount.minor())
    }

    /// Applies a balanced posting; a balance that would overflow refuses
    /// it whole, so an overflow is an error, never a wrap.
    fn post(&mut self, kind: PostingKind, at: Timestamp, legs: Vec<Leg>) -> Result<(), LedgerError> {
        debug_assert!(legs.iter().map(|l| i128::from(l.amount)).sum::<i128>() == 0);
        let mut balances = self.balances;
        for leg in &legs {
            let b = &mut balances[leg.account.index()];
            *b = b.checked_add(leg.amount).ok_or(MoneyError::Overflow)?;
        }
        self.balances = balances;
        self.postings.push(Posting { kind, at, legs });
        Ok(())
    }

    fn transfer(
        &mut self,
        kind: PostingKind,
        at: Timestamp,
        from: Account,
        to: Account,
        amount: i64,
    ) -> Result<(), LedgerError> {
        let legs = vec![
            Leg {
                account: from,
                amount: -amount,
            },
            Leg { account: to, amount },
        ];
        self.post(kind, at, legs)
    }

    /// Holds `amount` on the customer's funds. Only one authorization per order.
    pub fn authorize(&mut self, amount: Money, at: Timestamp) -> Result<(), LedgerError> {
        let a = self.positive(amount)?;
        if self.authorized_total != 0 {
            return Err(LedgerError::AlreadyAuthorized);
        }
        self.transfer(
            PostingKind::Authorize,
            at,
            Account::CustomerFunds,
            Account::Authorized,
            a,
        )?;
        self.authorized_total = a;
        Ok(())
    }

    fn within_hold(&self, amount: Money, a: i64) -> Result<(), LedgerError> {
        let held = self.balances[Account::Authorized.index()];
        if a > held {
            return Err(LedgerError::ExceedsAuthorized {
                requested: amount,
                available: Money::new(held, self.currency),
            });
        }
        Ok(())
    }

    /// Takes `amount` of the hold.
    pub fn capture(&mut self, amount: Money, at: Timestamp) -> Result<(), LedgerError> {
        let a = self.positive(amount)?;
        self.within_hold(amount, a)?;
        self.transfer(PostingKind::Capture, at, Account::Authorized, Account::Captured, a)?;
        self.captured_total += a;
        Ok(())
    }

    /// Gives `amount` of the hold back to the customer.
    pub fn release(&mut self, amount: Money, at: Timestamp) -> Result<(), LedgerError> {
        let a = self.positive(amount)?;
        self.within_hold(amount, a)?;
        self.transfer(PostingKind::Release, at, Account::Authorized, Account::CustomerFunds, a)
    }

    /// Gives back whatever is still held (nothing to do if nothing is).
    pub fn release_remaining(&mut self, at: Timestamp) -> Result<(), LedgerError> {
        let held = self.balance(Account::Authorized);
        if held.is_zero() { Ok(()) } else { self.release(held, at) }
    }

    /// Refunds `amount` of captured, not-yet-settled funds to the customer.
    pub fn refund(&mut self, amount: Money, at: Timestamp) -> Result<(), LedgerError> {
        let a = self.positive(amount)?;
        let refundable = self.balances[Account::Captured.index()];
        if a > refundable {
            return Err(LedgerError::ExceedsRefundable {
                requested: amount,
                available: Money::new(refundable, self.currency),
            });
        }
        self.transfer(PostingKind::Refund, at, Account::Captured, Account::CustomerFunds, a)?;
        self.refunded_total += a;
        Ok(())
    }

    /// Pays the whole captured balance out as `split`, which must sum to it exactly.
    pub fn settle(&mut self, split: &PayoutSplit, at: Timestamp) -> Result<(), LedgerError> {
        let captured = self.balance(Account::Captured);
        let split_total = split.total()?;
        if split_total != captured {
            return Err(LedgerError::SplitMismatch { split_total, captured });
        }
        let parts = [
            (Account::RestaurantPayable, split.restaurant),
            (Account::CourierPayable, split.courier),
            (Account::TaxPayable, split.tax),
        ];
        if let Some(&(account, amount)) = parts.iter().find(|(_, m)| m.is_negative()) {
            return Err(LedgerError::NegativePayout { account, amount });
        }
        let mut legs = vec![Leg {
            account: Account::Captured,
            amount: -captured.minor(),
        }];
        legs.extend(
            parts
                .into_iter()
                .chain([(Account::PlatformRevenue, split.platform)])
                .filter(|(_, m)| !m.is_zero())
                .map(|(account, m)| Leg {
                    account,
                    amount: m.minor(),
                }),
        );
        self.post(PostingKind::Settle, at, legs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(c: i64) -> Money {
        Money::new(c, Currency::Usd)
    }

    #[test]
    fn refused_operations_post_nothing() {
        let t = Timestamp::EPOCH;
        let mut l = PaymentLedger::new(Currency::Usd);
        assert_eq!(
            l.capture(usd(1), t),
            Err(LedgerError::ExceedsAuthorized {
                requested: usd(1),
                available: usd(0)
            })
        );
        assert_eq!(l.authorize(usd(0), t), Err(LedgerError::NotPositive(usd(0))));
        assert!(l.authorize(Money::new(5, Currency::Eur), t).is_err());
        assert!(l.postings().is_empty());
        l.authorize(usd(1000), t).unwrap();
        assert_eq!(l.authorize(usd(1000), t), Err(LedgerError::AlreadyAuthorized));
        l.capture(usd(1000), t).unwrap();
        assert!(matches!(
            l.refund(usd(1001), t),
            Err(LedgerError::ExceedsRefundable { .. })
        ));
        let bad = PayoutSplit {
            restaurant: usd(900),
            courier: usd(0),
            platform: usd(0),
            tax: usd(0),
        };
        assert!(matches!(l.settle(&bad, t), Err(LedgerError::SplitMismatch { .. })));
        assert_eq!(l.postings().len(), 2);
    }

    #[test]
    fn a_posting_balances_only_when_its_legs_sum_to_zero() {
        let leg = |account, amount| Leg { account, amount };
        let posting = |legs| Posting {
            kind: PostingKind::Capture,
            at: Timestamp::EPOCH,
            legs,
        };
        assert!(posting(vec![leg(Account::Authorized, -5), leg(Account::Captured, 5)]).is_balanced());
        assert!(!posting(vec![leg(Account::Authorized, -5), leg(Account::Captured, 4)]).is_balanced());
        assert!(!posting(vec![leg(Account::Captured, 1)]).is_balanced());
    }

    #[test]
    fn a_ledger_is_balanced_only_when_every_posting_and_the_balances_are() {
        let t = Timestamp::EPOCH;
        let mut l = PaymentLedger::new(Currency::Usd);
        l.authorize(usd(1000), t).unwrap();
        assert!(l.is_balanced());
        // Balanced postings but balances off by a cent (a wrong update).
        let mut off = l.clone();
        off.balances[Account::Captured.index()] += 1;
        assert!(!off.is_balanced(), "the balances must sum to zero too");
        // Balances summing to zero but a posting that does not balance.
        let mut wrong = l.clone();
        wrong.postings.push(Posting {
            kind: PostingKind::Capture,
            at: t,
            legs: vec![Leg {
                account: Account::Captured,
                amount: 7,
            }],
        });
        assert!(!wrong.is_balanced(), "every posting must balance too");
    }

    #[test]
    fn an_overflowing_settlement_is_refused_and_posts_nothing() {
        let t = Timestamp::EPOCH;
        let mut l = PaymentLedger::new(Currency::Usd);
        l.authorize(usd(1000), t).unwrap();
        l.capture(usd(1000), t).unwrap();
        let split = |restaurant: i64, platform: i64| PayoutSplit {
            restaurant: usd(restaurant),
            courier: usd(0),
            platform: usd(platform),
            tax: usd(0),
        };
        l.settle(&split(i64::MAX, 1000 - i64::MAX), t).unwrap();
        // Nothing is left captured; a zero-sum split of huge parts would
        // push the restaurant's balance past i64::MAX.
        let before = l.postings().len();
        assert_eq!(
            l.settle(&split(i64::MAX, -i64::MAX), t),
            Err(LedgerError::Money(MoneyError::Overflow))
        );
        assert_eq!(l.postings().len(), before, "refused whole");
        assert_eq!(l.balance(Account::RestaurantPayable), usd(i64::MAX));
        assert!(l.is_balanced());
    }

    #[test]
    fn full_delivery_settles_to_payees() {
        let t = Timestamp::EPOCH;
        let mut l = PaymentLedger::new(Currency::Usd);
        l.authorize(usd(3518), t).unwrap();
        l.capture(usd(3518), t).unwrap();
        let split = PayoutSplit {
            restaurant: usd(1875),
            courier: usd(750),
            platform: usd(674),
            tax: usd(219),
        };
        l.settle(&split, t).unwrap();
        assert_eq!(l.balance(Account::Captured), usd(0));
        assert_eq!(l.balance(Account::RestaurantPayable), usd(1875));
        assert_eq!(l.customer_net_charge(), usd(3518));
        assert_eq!(l.balance(Account::CustomerFunds), usd(-3518));
        assert!(l.is_balanced());
    }
}
