//! The end-of-run audit: every order the store holds, whether or not the
//! run tracked it, is held to the invariants and to the payment gateway's
//! own record of it, and its ledger counted into the books the store
//! implies (see `Sim::finish`, which compares them with the books the
//! platform kept).

use std::collections::HashSet;

use courier_core::OrderId;
use courier_core::order::{Order, StatusKind};
use courier_core::ports::Store;
use courier_platform::settlement::{Books, Settlement};

use super::Sim;
use crate::report::OrderTrack;

impl<S: Store> Sim<S> {
    /// Holds `order`'s ledger to the payment gateway's own record of it:
    /// the gateway took what the books say was captured, to the cent, and
    /// once the order has ended no hold stays open on the customer's card.
    pub(super) fn reconcile(&mut self, order: &Order, settlement: Option<&Settlement>) {
        let id = order.id();
        let account = self.survivors.gateway.account(id);
        let booked = settlement.map_or(0, |s| s.ledger.captured().minor());
        let taken = account.map_or(0, |a| a.captured.minor());
        if taken != booked {
            self.violation(
                Some(id),
                format!("the gateway captured {taken} cents, the books {booked}"),
            );
        }
        if order.status().is_terminal() && account.is_some_and(|a| !a.closed()) {
            self.violation(
                Some(id),
                format!("{} and its hold still open at the gateway", order.status()),
            );
        }
    }

    /// Audits the orders the store holds that the run did not track (a
    /// placement that failed after its order was stored, the customer
    /// never told of it): each must have ended, and none may have kept the
    /// customer's money. Their ledgers join `audited`. Returns how many.
    pub(super) fn audit_untracked(&mut self, tracked: &[OrderTrack], audited: &mut Books) -> u64 {
        let tracked: HashSet<OrderId> = tracked.iter().map(|t| t.id).collect();
        let mut untold = 0;
        for kind in StatusKind::ALL {
            let listed = self
                .exec
                .block_on(async { self.platform.store().inner().list_by_status(kind, usize::MAX).await });
            let listed = match listed {
                Ok(listed) => listed,
                Err(e) => {
                    self.violation(None, format!("the store cannot list {} orders: {e}", kind.name()));
                    return untold;
                }
            };
            if let Some(bad) = listed.unreadable.first() {
                self.violation(
                    Some(bad.order),
                    format!("the store holds it unreadable: {}", bad.reason),
                );
            }
            for order in listed.orders.iter().filter(|o| !tracked.contains(&o.id())) {
                untold += 1;
                let id = order.id();
                if !order.status().is_terminal() {
                    self.violation(Some(id), format!("untold to its customer and still {}", order.status()));
                }
                let settlement = self.exec.block_on(self.platform.settlement_of(order)).ok().flatten();
                self.reconcile(order, settlement.as_ref());
                if let Some(s) = &settlement {
                    if s.ledger.captured().minor() > 0 {
                        self.violation(Some(id), "charged though its customer was told it failed".into());
                    }
                    audited.add(&s.ledger, s.refund.as_ref());
                }
            }
        }
        untold
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use courier_core::ledger::PaymentLedger;
    use courier_core::ports::OrderStore;
    use courier_core::{Currency, GeoPoint, Money, Timestamp};
    use courier_platform::settlement::Settlement;
    use courier_storage::memory::MemoryStore;

    use crate::Scenario;
    use crate::engine::Sim;

    fn sim() -> Sim<MemoryStore> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join("steady.toml");
        let mut scenario = Scenario::load(&path).unwrap();
        scenario.scale = 0.02;
        Sim::new(scenario, 1, MemoryStore::default()).unwrap()
    }

    /// An order's true ledger agrees with the gateway; a ledger with a
    /// capture the gateway never made is caught, to the cent.
    #[test]
    fn a_ledger_the_gateway_disagrees_with_is_caught() {
        let mut sim = sim();
        let dropoff = GeoPoint::new(40.751, -73.989).unwrap();
        let id = sim.place(0, dropoff).expect("an order placed");
        let order = sim
            .exec
            .block_on(async { sim.platform.store().inner().load_order(id).await })
            .unwrap()
            .unwrap();
        let truth = sim.exec.block_on(sim.platform.settlement_of(&order)).unwrap();
        sim.reconcile(&order, truth.as_ref());
        assert!(sim.violation.is_none(), "{:?}", sim.violation);

        let usd = |c| Money::new(c, Currency::Usd);
        let mut ledger = PaymentLedger::new(Currency::Usd);
        ledger.authorize(order.charge(), Timestamp::EPOCH).unwrap();
        ledger.capture(usd(100), Timestamp::EPOCH).unwrap();
        let forged = Settlement { ledger, refund: None };
        sim.reconcile(&order, Some(&forged));
        let caught = sim.violation.as_ref().map(|v| v.what.clone()).unwrap_or_default();
        assert!(
            caught.contains("the gateway captured 0 cents, the books 100"),
            "{caught}"
        );
    }
}
