//! The simulated city: restaurants around hotspots, each with a menu and a
//! kitchen speed, and where customers live (uniform over the city disc).

use courier_core::ports::{Menu, MenuItem, Restaurant};
use courier_core::{Currency, Duration, GeoPoint, MenuItemId, Money, RestaurantId};
use rand::Rng;
use rand_distr::{Distribution, Normal};

use crate::scenario::Scenario;

/// A restaurant as the simulation knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SimRestaurant {
    /// The catalog record.
    pub record: Restaurant,
    /// Its dishes: (id, price in cents).
    pub dishes: Vec<(MenuItemId, i64)>,
    /// This kitchen's mean preparation time, minutes.
    pub prep_mean_min: f64,
}

impl SimRestaurant {
    /// The menu to store.
    pub fn menu(&self) -> Menu {
        Menu {
            restaurant: self.record.id,
            version: 1,
            items: self
                .dishes
                .iter()
                .map(|&(id, cents)| MenuItem {
                    id,
                    name: format!("dish {}", id.get()),
                    price: Money::new(cents, Currency::Usd),
                    available: true,
                    stock: None,
                })
                .collect(),
        }
    }
}

/// A point uniformly distributed in the disc of `radius_m` around `center`.
pub fn point_in_disc(rng: &mut impl Rng, center: GeoPoint, radius_m: f64) -> GeoPoint {
    let r = radius_m * rng.random::<f64>().sqrt();
    let theta = rng.random::<f64>() * std::f64::consts::TAU;
    // Offsets within a city never leave the valid range; fall back to the
    // centre rather than fail if one ever did.
    center.offset_m(r * theta.cos(), r * theta.sin()).unwrap_or(center)
}

/// Builds the restaurants of a scenario from its restaurant stream.
pub fn restaurants(s: &Scenario, center: GeoPoint, rng: &mut impl Rng) -> Vec<SimRestaurant> {
    let radius_m = s.scaled_radius_km() * 1_000.0;
    let hotspots: Vec<GeoPoint> = (0..s.scaled_hotspots())
        .map(|_| point_in_disc(rng, center, radius_m * 0.7))
        .collect();
    let spread = Normal::new(0.0, s.restaurants.hotspot_spread_km * 1_000.0).ok();
    let count = s.scaled_restaurants();
    (0..count)
        .map(|i| {
            let hub = hotspots[i as usize % hotspots.len()];
            let (dn, de) = spread.map_or((0.0, 0.0), |n| (n.sample(rng), n.sample(rng)));
            let location = hub.offset_m(dn, de).unwrap_or(hub);
            restaurant(s, i, format!("restaurant {}", i + 1), location, rng)
        })
        .collect()
}

/// The restaurants a history names, at their recorded places, with menus
/// and kitchens drawn as the scenario's are.
pub fn past_restaurants(s: &Scenario, places: &[(String, GeoPoint)], rng: &mut impl Rng) -> Vec<SimRestaurant> {
    (0u32..)
        .zip(places)
        .map(|(i, (name, location))| restaurant(s, i, name.clone(), *location, rng))
        .collect()
}

/// Restaurant `i` (id `i + 1`) at `location`: its menu and its kitchen's
/// mean preparation time drawn from the scenario.
fn restaurant(s: &Scenario, i: u32, name: String, location: GeoPoint, rng: &mut impl Rng) -> SimRestaurant {
    let prep = Normal::new(s.restaurants.prep_minutes_mean, s.restaurants.prep_minutes_sd.max(0.0)).ok();
    let prep_mean_min = prep.map_or(s.restaurants.prep_minutes_mean, |n| n.sample(rng)).max(4.0);
    let base = 1_000 * u64::from(i) + 1;
    let dishes = (0..6)
        .map(|d| (MenuItemId::new(base + d), rng.random_range(700..2_200)))
        .collect();
    SimRestaurant {
        record: Restaurant {
            id: RestaurantId::new(u64::from(i) + 1),
            name,
            cuisine: ["pizza", "sushi", "burgers", "thai", "salads"][i as usize % 5].into(),
            location,
            rating_centi: rng.random_range(350..=500),
            is_open: true,
            accepting_orders: true,
            delivery_radius_m: 4_000,
            minimum_order: Money::new(1_000, Currency::Usd),
            prep_time: Duration::try_from_secs_f64(prep_mean_min * 60.0).unwrap_or(Duration::from_mins(15)),
        },
        dishes,
        prep_mean_min,
    }
}
