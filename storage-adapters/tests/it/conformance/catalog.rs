//! Restaurants and menus: reads after writes, invalidation, nearby search.

use courier_core::ports::{CatalogStore, Menu, MenuItem, Restaurant};
use courier_core::{Currency, Duration, GeoPoint, MenuItemId, Money, RestaurantId};

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
