//! The catalog: restaurant search, menus, their upkeep by owners and
//! admins, and pricing a request against every placement rule (the
//! restaurant open and taking orders, dishes available and in stock, the
//! minimum order, the delivery radius).

use courier_core::bounds;
use courier_core::order::{Actor, OrderError, OrderLine};
use courier_core::ports::{Menu, Restaurant, Store};
use courier_core::{Currency, GeoPoint, RestaurantId};
use courier_pricing::{Cart, CartItem, Quote};

use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::parts::Parts;
use crate::rate_limits::{Endpoint, RateGuard, Tier};
use crate::services::ordering::OrderRequest;
use crate::services::pricing::{Pricing, Promotions, QuoteFor};

/// The widest search radius accepted, metres.
pub const MAX_SEARCH_RADIUS_M: f64 = 50_000.0;

/// A restaurant search (seed 000 journey 1).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// Search around here.
    pub near: GeoPoint,
    /// Within this many metres (0 < r <= 50 km).
    pub radius_m: f64,
    /// Words in the name or cuisine, case-insensitive.
    pub text: Option<String>,
    /// This cuisine only.
    pub cuisine: Option<String>,
    /// At least this rating, in hundredths of a star.
    pub min_rating_centi: u16,
    /// Only restaurants open and taking orders now.
    pub open_now: bool,
    /// At most this many results (1..=100).
    pub limit: usize,
}

/// A request priced and checked.
pub(crate) struct Priced {
    /// The restaurant as read.
    pub(crate) restaurant: Restaurant,
    /// The order's lines at the menu's prices.
    pub(crate) lines: Vec<OrderLine>,
    /// The price.
    pub(crate) quote: Quote,
    /// Some line is a prepared dish whose stock is counted.
    pub(crate) counts_stock: bool,
    /// The promotions the quote was priced with.
    pub(crate) promotions: Promotions,
}

/// The catalog service: no state of its own, the store holds the catalog.
pub(crate) struct Catalog {
    currency: Currency,
    rates: RateGuard,
    /// The highest order total, minor units.
    max_total_minor: i64,
    /// New restaurants may be added (off while the degradation ladder says so).
    onboarding_on: std::sync::atomic::AtomicBool,
}

fn may_edit(actor: Actor, restaurant: courier_core::RestaurantId, what: &'static str) -> Result<(), PlatformError> {
    match actor {
        Actor::Admin(_) => Ok(()),
        Actor::Restaurant(r) if r == restaurant => Ok(()),
        _ => Err(OrderError::Forbidden { actor, action: what }.into()),
    }
}

impl Catalog {
    pub(crate) fn new(currency: Currency, rates: RateGuard, max_total_minor: i64) -> Catalog {
        Catalog {
            currency,
            rates,
            max_total_minor,
            onboarding_on: std::sync::atomic::AtomicBool::new(true),
        }
    }

    /// Lets new restaurants in, or not (the degradation ladder).
    pub(crate) fn set_onboarding_on(&self, on: bool) {
        self.onboarding_on.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Restaurants near a point matching the query, nearest first.
    pub(crate) async fn search(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        query: &SearchQuery,
        tier: Tier,
        caller: &str,
    ) -> Result<Vec<Restaurant>, PlatformError> {
        if !(query.radius_m > 0.0 && query.radius_m <= MAX_SEARCH_RADIUS_M) {
            return Err(PlatformError::invalid(
                "radius_m",
                format!("{} is not in (0, {MAX_SEARCH_RADIUS_M}]", query.radius_m),
            ));
        }
        if !(1..=100).contains(&query.limit) {
            return Err(PlatformError::invalid(
                "limit",
                format!("{} is not in 1..=100", query.limit),
            ));
        }
        self.rates.check(parts, Endpoint::Search, tier, caller).await?;
        // Filters apply after the geo search, so fetch a wider set first.
        let fetched = parts
            .store
            .restaurants_near(query.near, query.radius_m, (query.limit * 20).min(2_000))
            .await?;
        let text = query.text.as_deref().map(str::to_lowercase);
        let cuisine = query.cuisine.as_deref().map(str::to_lowercase);
        Ok(fetched
            .into_iter()
            .filter(|r| !query.open_now || (r.is_open && r.accepting_orders))
            .filter(|r| r.rating_centi >= query.min_rating_centi)
            .filter(|r| cuisine.as_deref().is_none_or(|c| r.cuisine.to_lowercase() == c))
            .filter(|r| {
                text.as_deref()
                    .is_none_or(|t| r.name.to_lowercase().contains(t) || r.cuisine.to_lowercase().contains(t))
            })
            .take(query.limit)
            .collect())
    }

    /// A restaurant's menu (through the cache where the store has one).
    pub(crate) async fn menu(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        restaurant: RestaurantId,
        tier: Tier,
        caller: &str,
    ) -> Result<Menu, PlatformError> {
        self.rates.check(parts, Endpoint::MenuView, tier, caller).await?;
        parts
            .store
            .menu(restaurant)
            .await?
            .ok_or(PlatformError::RestaurantNotFound(restaurant))
    }

    /// Prices a request after checking every placement rule: the restaurant
    /// is open and taking orders, every dish is available (and in stock),
    /// the minimum order is met and the address is within the delivery
    /// radius; also tells whether a line is a counted (prepared) dish, from
    /// the same menu read.
    pub(crate) async fn price(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        pricing: &Pricing,
        req: &OrderRequest,
    ) -> Result<Priced, PlatformError> {
        let restaurant = parts
            .store
            .restaurant(req.restaurant)
            .await?
            .ok_or(PlatformError::RestaurantNotFound(req.restaurant))?;
        let unavailable = |why| PlatformError::RestaurantUnavailable {
            restaurant: restaurant.id,
            why,
        };
        if !restaurant.is_open {
            return Err(unavailable("closed"));
        }
        if !restaurant.accepting_orders {
            return Err(unavailable("not accepting orders"));
        }
        if req.items.is_empty() {
            return Err(PlatformError::invalid("items", "the cart is empty"));
        }
        bounds::line_count("items", req.items.len())?;
        for (i, &(_, quantity)) in req.items.iter().enumerate() {
            bounds::quantity(&format!("items[{i}].quantity"), quantity)?;
        }
        bounds::amount("tip", req.tip, bounds::MAX_TIP_MINOR)?;
        let menu = parts
            .store
            .menu(req.restaurant)
            .await?
            .ok_or(PlatformError::RestaurantNotFound(req.restaurant))?;
        let mut lines = Vec::with_capacity(req.items.len());
        let mut counts_stock = false;
        let mut cart_items = Vec::with_capacity(req.items.len());
        for &(item, quantity) in &req.items {
            let dish = menu
                .items
                .iter()
                .find(|d| d.id == item)
                .ok_or(PlatformError::ItemUnavailable {
                    item,
                    why: "not on the menu",
                })?;
            if !dish.available {
                return Err(PlatformError::ItemUnavailable {
                    item,
                    why: "not available now",
                });
            }
            counts_stock |= dish.stock.is_some();
            if dish.stock.is_some_and(|left| left < quantity) {
                return Err(PlatformError::ItemUnavailable { item, why: "sold out" });
            }
            if quantity == 0 {
                return Err(PlatformError::invalid("items", format!("{item} has quantity 0")));
            }
            lines.push(OrderLine {
                item,
                quantity,
                unit_price: dish.price,
            });
            cart_items.push(CartItem {
                item,
                unit_price: dish.price,
                quantity: i64::from(quantity),
            });
        }
        let cart = Cart::new(self.currency, cart_items)?;
        if cart.subtotal().minor() < restaurant.minimum_order.minor() {
            return Err(PlatformError::BelowMinimum {
                subtotal: cart.subtotal(),
                minimum: restaurant.minimum_order,
            });
        }
        let distance_m = restaurant.location.distance_m(req.dropoff);
        if distance_m > f64::from(restaurant.delivery_radius_m) {
            return Err(PlatformError::OutsideDeliveryRadius {
                restaurant: restaurant.id,
                distance_m: distance_m.round() as u32,
                radius_m: restaurant.delivery_radius_m,
            });
        }
        let promotions = pricing.promotions_for(parts, req.customer, &req.promo_codes).await?;
        let priced = pricing.quote(
            &QuoteFor {
                customer: req.customer,
                pickup: restaurant.location,
                dropoff: req.dropoff,
                cart: &cart,
                tip: req.tip,
                promo_codes: &req.promo_codes,
                promotions: &promotions,
            },
            parts.now(),
        )?;
        bounds::amount("total", priced.total, self.max_total_minor)?;
        Ok(Priced {
            restaurant,
            lines,
            quote: priced,
            counts_stock,
            promotions,
        })
    }

    /// A quote for `req`, counted against the caller's quote limit.
    pub(crate) async fn quote(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        pricing: &Pricing,
        req: &OrderRequest,
    ) -> Result<Priced, PlatformError> {
        self.rates
            .check(parts, Endpoint::Quote, req.tier, &req.customer.get().to_string())
            .await?;
        self.price(parts, pricing, req).await
    }

    /// Counts the opening of a tracking stream against `caller`'s limit.
    pub(crate) async fn open_stream(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        tier: Tier,
        caller: &str,
    ) -> Result<(), PlatformError> {
        self.rates.check(parts, Endpoint::TrackStream, tier, caller).await
    }

    /// Creates or replaces a restaurant (admins; a restaurant itself).
    pub(crate) async fn put_restaurant(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        actor: Actor,
        restaurant: &Restaurant,
    ) -> Result<(), PlatformError> {
        may_edit(actor, restaurant.id, "edit restaurant")?;
        bounds::name("name", &restaurant.name)?;
        bounds::name("cuisine", &restaurant.cuisine)?;
        bounds::amount(
            "minimum_order",
            restaurant.minimum_order,
            bounds::MAX_MINIMUM_ORDER_MINOR,
        )?;
        bounds::prep_minutes("prep_minutes", restaurant.prep_time.as_millis() / 60_000)?;
        if !self.onboarding_on.load(std::sync::atomic::Ordering::Relaxed)
            && parts.store.restaurant(restaurant.id).await?.is_none()
        {
            return Err(PlatformError::Degraded {
                feature: "adding a new restaurant",
            });
        }
        if restaurant.rating_centi > 500 {
            return Err(PlatformError::invalid(
                "rating_centi",
                format!("{} is above 500", restaurant.rating_centi),
            ));
        }
        Ok(parts.store.put_restaurant(restaurant).await?)
    }

    /// Replaces a restaurant's menu (admins; the restaurant itself). The
    /// version must move forward, so caches and stock reservations see it.
    pub(crate) async fn put_menu(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        actor: Actor,
        menu: &Menu,
    ) -> Result<(), PlatformError> {
        may_edit(actor, menu.restaurant, "edit menu")?;
        if parts.store.restaurant(menu.restaurant).await?.is_none() {
            return Err(PlatformError::RestaurantNotFound(menu.restaurant));
        }
        if let Some(current) = parts.store.menu(menu.restaurant).await?
            && menu.version <= current.version
        {
            return Err(PlatformError::StaleVersion {
                what: format!("the menu of {}", menu.restaurant),
                given: menu.version,
                stored: current.version,
            });
        }
        for (i, item) in menu.items.iter().enumerate() {
            bounds::name(&format!("items[{i}].name"), &item.name)?;
            bounds::price(&format!("items[{i}].price"), item.price)?;
        }
        let currency = self.currency;
        if let Some(item) = menu
            .items
            .iter()
            .find(|i| i.price.currency() != currency || i.price.minor() < 0)
        {
            return Err(PlatformError::invalid(
                "items",
                format!("{} must have a non-negative {} price", item.id, currency.code()),
            ));
        }
        Ok(parts.store.put_menu(menu).await?)
    }
}
