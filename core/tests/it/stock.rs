//! Stock changes (`apply_stock_changes`): all or nothing, never below zero,
//! made-to-order dishes untouched, one version step per change.

use courier_core::ports::{Menu, MenuItem, StockChange, StockOutcome, apply_stock_changes};
use courier_core::{Currency, MenuItemId, Money, RestaurantId};
use proptest::prelude::*;

fn menu(stocks: &[Option<u32>]) -> Menu {
    Menu {
        restaurant: RestaurantId::new(1),
        version: 3,
        items: stocks
            .iter()
            .enumerate()
            .map(|(i, &stock)| MenuItem {
                id: MenuItemId::new(i as u64),
                name: format!("dish {i}"),
                price: Money::new(500, Currency::Eur),
                available: true,
                stock,
            })
            .collect(),
    }
}

proptest! {
    #![proptest_config(crate::props::config())]

    #[test]
    fn changes_are_all_or_nothing(
        stocks in prop::collection::vec(prop::option::of(0u32..10), 1..6),
        changes in prop::collection::vec((0u64..7, -12i64..12), 0..8),
    ) {
        let before = menu(&stocks);
        let changes: Vec<StockChange> = changes
            .into_iter()
            .map(|(item, delta)| StockChange { item: MenuItemId::new(item), delta })
            .collect();
        // The reference: apply one change at a time, failing on the first bad one.
        let mut expected: Vec<Option<i64>> = stocks.iter().map(|s| s.map(i64::from)).collect();
        let mut failed = false;
        for c in &changes {
            match expected.get_mut(c.item.get() as usize) {
                None => { failed = true; break; }
                Some(None) => {}
                Some(Some(left)) => {
                    *left += c.delta;
                    if *left < 0 { failed = true; break; }
                }
            }
        }
        match apply_stock_changes(&before, &changes) {
            StockOutcome::Applied(after) => {
                prop_assert!(!failed);
                prop_assert_eq!(after.version, before.version + 1);
                let got: Vec<Option<i64>> = after.items.iter().map(|d| d.stock.map(i64::from)).collect();
                prop_assert_eq!(got, expected);
            }
            StockOutcome::Short { item, left } => {
                prop_assert!(failed);
                prop_assert!(changes.iter().any(|c| c.item == item && c.delta < 0));
                prop_assert!(left < 100);
            }
            StockOutcome::UnknownItem(item) => {
                prop_assert!(failed);
                prop_assert!(item.get() as usize >= stocks.len());
            }
            StockOutcome::NoMenu => prop_assert!(false, "a menu was given"),
        }
    }
}
