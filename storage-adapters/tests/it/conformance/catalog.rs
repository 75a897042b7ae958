//! Restaurants and menus: reads after writes, invalidation, nearby search.

use courier_core::ports::{CatalogStore, Menu, MenuItem, Restaurant, StockChange, StockOutcome, StorageError};
use courier_core::{Currency, Duration, GeoPoint, MenuItemId, Money, RestaurantId};
use futures::future::join_all;

fn restaurant(id: u64, point: GeoPoint) -> Restaurant {
    Restaurant {
        id: RestaurantId::new(id),
        name: format!("Kitchen {id}"),
        cuisine: "thai".into(),
        location: point,
        rating_centi: 450,
        is_open: true,
        accepting_orders: true,
        delivery_radius_m: 5_000,
        minimum_order: Money::new(1_000, Currency::Usd),
        prep_time: Duration::from_mins(15),
    }
}

fn menu(id: u64, version: u64, price: i64) -> Menu {
    Menu {
        restaurant: RestaurantId::new(id),
        version,
        items: vec![MenuItem {
            id: MenuItemId::new(1),
            name: "Pad thai".into(),
            price: Money::new(price, Currency::Usd),
            available: true,
            stock: Some(20),
        }],
    }
}

/// A new menu is what the next read sees, cached or not; so is an
/// invalidated restaurant.
pub(crate) async fn writes_invalidate_the_cache(store: &impl CatalogStore, base: u64) {
    let here = GeoPoint::new(13.75, 100.5).unwrap();
    store.put_restaurant(&restaurant(base, here)).await.unwrap();
    store.put_menu(&menu(base, 1, 1_200)).await.unwrap();
    assert_eq!(store.menu(RestaurantId::new(base)).await.unwrap().unwrap().version, 1);
    // Read twice (a cache would now hold version 1), then change the menu.
    let _ = store.menu(RestaurantId::new(base)).await.unwrap();
    store.put_menu(&menu(base, 2, 1_350)).await.unwrap();
    let now = store.menu(RestaurantId::new(base)).await.unwrap().unwrap();
    assert_eq!((now.version, now.items[0].price.minor()), (2, 1_350));
    let mut closed = restaurant(base, here);
    closed.is_open = false;
    store.put_restaurant(&closed).await.unwrap();
    store.invalidate(RestaurantId::new(base)).await.unwrap();
    assert!(
        !store
            .restaurant(RestaurantId::new(base))
            .await
            .unwrap()
            .unwrap()
            .is_open
    );
    assert_eq!(store.menu(RestaurantId::new(base + 999_999)).await.unwrap(), None);
}

/// Nearby restaurants: within the radius, nearest first, limited.
pub(crate) async fn restaurants_near_are_sorted(store: &impl CatalogStore, base: u64) {
    let centre = GeoPoint::new(-23.55, -46.63).unwrap();
    for (i, metres) in [900.0, 100.0, 2_500.0, 400.0].into_iter().enumerate() {
        store
            .put_restaurant(&restaurant(base + i as u64, centre.offset_m(metres, 0.0).unwrap()))
            .await
            .unwrap();
    }
    let near = store.restaurants_near(centre, 1_000.0, 10).await.unwrap();
    let ids: Vec<u64> = near
        .iter()
        .map(|r| r.id.get())
        .filter(|id| (base..base + 4).contains(id))
        .collect();
    assert_eq!(ids, vec![base + 1, base + 3, base]);
    let one = store.restaurants_near(centre, 1_000.0, 1).await.unwrap();
    assert_eq!(one.len(), 1);
}

fn take(item: u64, n: i64) -> StockChange {
    StockChange {
        item: MenuItemId::new(item),
        delta: -n,
    }
}

/// Stock changes are all-or-nothing compare-and-sets on the menu version:
/// a short dish, an unknown dish or a stale version writes nothing, and
/// made-to-order dishes are never counted.
pub(crate) async fn stock_changes_are_checked_and_atomic(store: &impl CatalogStore, base: u64) {
    let id = RestaurantId::new(base);
    store
        .put_restaurant(&restaurant(base, GeoPoint::new(41.39, 2.17).unwrap()))
        .await
        .unwrap();
    let mut with_fresh = menu(base, 7, 1_000);
    with_fresh.items.push(MenuItem {
        id: MenuItemId::new(2),
        name: "Curry".into(),
        price: Money::new(1_400, Currency::Usd),
        available: true,
        stock: None,
    });
    store.put_menu(&with_fresh).await.unwrap();
    let _ = store.menu(id).await.unwrap(); // a cache, if any, now holds version 7

    let StockOutcome::Applied(after) = store.adjust_stock(id, 7, &[take(1, 5), take(2, 3)]).await.unwrap() else {
        panic!("taking 5 of 20 must apply");
    };
    assert_eq!(
        (after.version, after.items[0].stock, after.items[1].stock),
        (8, Some(15), None)
    );
    assert_eq!(
        store.menu(id).await.unwrap().unwrap(),
        after,
        "the next read sees the change"
    );

    // The stale version loses and writes nothing.
    let stale = store.adjust_stock(id, 7, &[take(1, 1)]).await.unwrap_err();
    assert_eq!(
        stale,
        StorageError::MenuConflict {
            restaurant: id,
            expected: 7,
            actual: 8
        }
    );
    // Short and unknown: nothing written, version unchanged.
    assert_eq!(
        store.adjust_stock(id, 8, &[take(1, 2), take(1, 14)]).await.unwrap(),
        StockOutcome::Short {
            item: MenuItemId::new(1),
            left: 13
        }
    );
    assert_eq!(
        store.adjust_stock(id, 8, &[take(1, 1), take(99, 1)]).await.unwrap(),
        StockOutcome::UnknownItem(MenuItemId::new(99))
    );
    assert_eq!(store.menu(id).await.unwrap().unwrap(), after);
    // Giving back works the same way.
    let back = StockChange {
        item: MenuItemId::new(1),
        delta: 5,
    };
    let StockOutcome::Applied(restored) = store.adjust_stock(id, 8, &[back]).await.unwrap() else {
        panic!("giving back must apply");
    };
    assert_eq!((restored.version, restored.items[0].stock), (9, Some(20)));
    assert_eq!(
        store
            .adjust_stock(RestaurantId::new(base + 424_242), 1, &[take(1, 1)])
            .await
            .unwrap(),
        StockOutcome::NoMenu
    );
}

/// Many buyers race for the last few portions, each re-reading the menu on
/// a lost compare-and-set: exactly as many win as there were portions, and
/// the stock ends at zero, never below.
pub(crate) async fn racing_buyers_never_oversell(store: &impl CatalogStore, base: u64) {
    const PORTIONS: u32 = 5;
    const BUYERS: usize = 12;
    let id = RestaurantId::new(base);
    store
        .put_restaurant(&restaurant(base, GeoPoint::new(41.39, 2.17).unwrap()))
        .await
        .unwrap();
    let mut scarce = menu(base, 1, 900);
    scarce.items[0].stock = Some(PORTIONS);
    store.put_menu(&scarce).await.unwrap();
    let buyer = || async {
        for _ in 0..200 {
            let seen = store.menu(id).await.unwrap().unwrap();
            match store.adjust_stock(id, seen.version, &[take(1, 1)]).await {
                Ok(StockOutcome::Applied(_)) => return true,
                Ok(StockOutcome::Short { left: 0, .. }) => return false,
                Ok(other) => panic!("unexpected {other:?}"),
                Err(StorageError::MenuConflict { .. }) => continue,
                Err(e) => panic!("{e}"),
            }
        }
        panic!("a buyer kept losing the race");
    };
    let won = join_all((0..BUYERS).map(|_| buyer())).await;
    assert_eq!(won.iter().filter(|&&w| w).count(), PORTIONS as usize);
    let last = store.menu(id).await.unwrap().unwrap();
    assert_eq!((last.items[0].stock, last.version), (Some(0), 1 + u64::from(PORTIONS)));
}
