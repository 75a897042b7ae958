//! The API's request and response bodies. Domain types do not know JSON;
//! these map them, and refuse unknown fields.

use courier_core::order::Order;
use courier_core::ports::{Menu, Restaurant};
use courier_core::{GeoPoint, Money};
use courier_platform::{Cancellation, PaymentStatus, Placement};
use courier_pricing::Quote;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A point on the map.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// Latitude, -90 to 90.
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    /// Longitude, -180 to 180.
    #[schema(minimum = -180, maximum = 180)]
    pub lng: f64,
}

impl Point {
    /// The validated point.
    pub fn geo(self) -> Result<GeoPoint, courier_core::GeoError> {
        GeoPoint::new(self.lat, self.lng)
    }
}

impl From<GeoPoint> for Point {
    fn from(p: GeoPoint) -> Point {
        Point {
            lat: p.lat(),
            lng: p.lng(),
        }
    }
}

/// `GET /v1/restaurants` parameters.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Latitude of the search centre.
    #[param(minimum = -90, maximum = 90)]
    pub lat: f64,
    /// Longitude of the search centre.
    #[param(minimum = -180, maximum = 180)]
    pub lng: f64,
    /// Radius in metres (default 5,000; above 0, at most 50,000).
    #[param(exclusive_minimum = 0, maximum = 50_000)]
    pub radius_m: Option<f64>,
    /// Words in the name or cuisine.
    pub q: Option<String>,
    /// This cuisine only.
    pub cuisine: Option<String>,
    /// At least this rating, hundredths of a star.
    #[param(minimum = 0, maximum = 500)]
    pub min_rating: Option<u16>,
    /// Only restaurants open and taking orders (default true).
    pub open_now: Option<bool>,
    /// At most this many (default 20, at most 100).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

/// Where to recommend restaurants, and how many.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecommendParams {
    /// Latitude of the customer.
    #[param(minimum = -90, maximum = 90)]
    pub lat: f64,
    /// Longitude of the customer.
    #[param(minimum = -180, maximum = 180)]
    pub lng: f64,
    /// At most this many (default 5, at most 20).
    #[param(minimum = 1, maximum = 20)]
    pub limit: Option<usize>,
}

/// A restaurant.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RestaurantView {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Cuisine.
    pub cuisine: String,
    /// Where to pick up.
    pub location: Point,
    /// Average rating, hundredths of a star.
    pub rating_centi: u16,
    /// Open now.
    pub is_open: bool,
    /// Taking orders now.
    pub accepting_orders: bool,
    /// Delivers within this many metres.
    pub delivery_radius_m: u32,
    /// Smallest subtotal, minor units.
    pub minimum_order_minor: i64,
    /// Currency code.
    pub currency: String,
}

impl From<&Restaurant> for RestaurantView {
    fn from(r: &Restaurant) -> Self {
        RestaurantView {
            id: r.id.get(),
            name: r.name.clone(),
            cuisine: r.cuisine.clone(),
            location: r.location.into(),
            rating_centi: r.rating_centi,
            is_open: r.is_open,
            accepting_orders: r.accepting_orders,
            delivery_radius_m: r.delivery_radius_m,
            minimum_order_minor: r.minimum_order.minor(),
            currency: r.minimum_order.currency().code().to_owned(),
        }
    }
}

/// A dish.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MenuItemView {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Unit price, minor units.
    pub price_minor: i64,
    /// Orderable now.
    pub available: bool,
    /// Portions left of a prepared dish (absent: made to order).
    pub stock: Option<u32>,
}

/// A menu.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MenuView {
    /// Whose.
    pub restaurant_id: u64,
    /// Its version.
    pub version: u64,
    /// Currency of the prices.
    pub currency: Option<String>,
    /// The dishes.
    pub items: Vec<MenuItemView>,
}

impl From<&Menu> for MenuView {
    fn from(m: &Menu) -> Self {
        MenuView {
            restaurant_id: m.restaurant.get(),
            version: m.version,
            currency: m.items.first().map(|i| i.price.currency().code().to_owned()),
            items: m
                .items
                .iter()
                .map(|i| MenuItemView {
                    id: i.id.get(),
                    name: i.name.clone(),
                    price_minor: i.price.minor(),
                    available: i.available,
                    stock: i.stock,
                })
                .collect(),
        }
    }
}

/// One dish and how many.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartLine {
    /// The dish.
    pub item_id: u64,
    /// How many (1 to 99).
    #[schema(minimum = 1, maximum = 99)]
    pub quantity: u32,
}

/// A cart to quote or order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartRequest {
    /// From where.
    pub restaurant_id: u64,
    /// What: 1 to 50 lines.
    #[schema(min_items = 1, max_items = 50)]
    pub items: Vec<CartLine>,
    /// Where to deliver.
    pub dropoff: Point,
    /// Tip, minor units (0 to 50,000).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 50_000)]
    pub tip_minor: i64,
    /// Promotion codes.
    #[serde(default)]
    pub promo_codes: Vec<String>,
}

/// One line of a quote.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuoteLineView {
    /// E.g. `subtotal`, `discount:SAVE20`, `delivery_fee`, `tax`.
    pub name: String,
    /// Minor units (negative for discounts).
    pub amount_minor: i64,
}

/// A priced cart.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuoteView {
    /// The lines, summing to the total.
    pub lines: Vec<QuoteLineView>,
    /// The total, minor units.
    pub total_minor: i64,
    /// Currency code.
    pub currency: String,
    /// Prices hold until then, ms since the epoch.
    pub valid_until_ms: i64,
}

impl From<&Quote> for QuoteView {
    fn from(q: &Quote) -> Self {
        QuoteView {
            lines: q
                .lines()
                .into_iter()
                .map(|l| QuoteLineView {
                    name: l.name,
                    amount_minor: l.amount.minor(),
                })
                .collect(),
            total_minor: q.total.minor(),
            currency: q.total.currency().code().to_owned(),
            valid_until_ms: q.valid_until.as_millis(),
        }
    }
}

/// An order's milestones, ms since the epoch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderTimesView {
    /// Created.
    pub created_at_ms: i64,
    /// Paid and passed to the restaurant.
    pub placed_at_ms: Option<i64>,
    /// Accepted by the restaurant.
    pub confirmed_at_ms: Option<i64>,
    /// Ready for pickup.
    pub ready_at_ms: Option<i64>,
    /// Picked up.
    pub picked_up_at_ms: Option<i64>,
    /// Delivered.
    pub delivered_at_ms: Option<i64>,
}

/// An order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderView {
    /// Id (a string: it exceeds JavaScript's exact integers).
    pub id: String,
    /// `pending_payment`, `placed`, `confirmed`, `preparing`,
    /// `ready_for_pickup`, `picked_up`, `delivered`, `completed`, `rejected`
    /// or `cancelled`.
    pub status: String,
    /// Version, for optimistic concurrency.
    pub version: u64,
    /// Customer.
    pub customer_id: u64,
    /// Restaurant.
    pub restaurant_id: u64,
    /// The courier assigned (or who delivered).
    pub courier_id: Option<u64>,
    /// The charge, minor units.
    pub charge_minor: i64,
    /// Currency code.
    pub currency: String,
    /// What was ordered.
    pub items: Vec<CartLine>,
    /// Milestones.
    pub times: OrderTimesView,
}

fn ms(t: Option<courier_core::Timestamp>) -> Option<i64> {
    t.map(courier_core::Timestamp::as_millis)
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        let t = o.times();
        OrderView {
            id: o.id().get().to_string(),
            status: o.status().name().to_owned(),
            version: o.version(),
            customer_id: o.customer().get(),
            restaurant_id: o.restaurant().get(),
            courier_id: o
                .assignment()
                .assigned_courier()
                .or_else(|| o.delivered_by())
                .map(courier_core::CourierId::get),
            charge_minor: o.charge().minor(),
            currency: o.charge().currency().code().to_owned(),
            items: o
                .lines()
                .iter()
                .map(|l| CartLine {
                    item_id: l.item.get(),
                    quantity: l.quantity,
                })
                .collect(),
            times: OrderTimesView {
                created_at_ms: t.created_at.as_millis(),
                placed_at_ms: ms(t.placed_at),
                confirmed_at_ms: ms(t.confirmed_at),
                ready_at_ms: ms(t.ready_at),
                picked_up_at_ms: ms(t.picked_up_at),
                delivered_at_ms: ms(t.delivered_at),
            },
        }
    }
}

/// The answer to placing an order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlacementView {
    /// The order.
    pub order: OrderView,
    /// The quote it was priced with (absent on a replayed key).
    pub quote: Option<QuoteView>,
    /// `authorized`, `queued` (the gateway is down: retried) or `failed`.
    pub payment: String,
    /// With `queued`: the next attempt, ms since the epoch.
    pub payment_retry_at_ms: Option<i64>,
}

impl From<&Placement> for PlacementView {
    fn from(p: &Placement) -> Self {
        let (payment, retry) = match p.payment {
            PaymentStatus::Authorized => ("authorized", None),
            PaymentStatus::Queued { retry_at } => ("queued", Some(retry_at.as_millis())),
            PaymentStatus::Failed => ("failed", None),
        };
        PlacementView {
            order: (&p.order).into(),
            quote: p.quote.as_ref().map(QuoteView::from),
            payment: payment.to_owned(),
            payment_retry_at_ms: retry,
        }
    }
}

/// The answer to a cancellation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CancellationView {
    /// The order, cancelled.
    pub order: OrderView,
    /// Given back, minor units (0 when nothing was paid).
    pub refund_minor: i64,
    /// Kept, minor units.
    pub retained_minor: i64,
    /// The refund policy rule that applied.
    pub refund_rule: Option<String>,
}

impl From<&Cancellation> for CancellationView {
    fn from(c: &Cancellation) -> Self {
        let zero = Money::zero(c.order.charge().currency());
        CancellationView {
            order: (&c.order).into(),
            refund_minor: c.refund.as_ref().map_or(zero, |r| r.refund).minor(),
            retained_minor: c.refund.as_ref().map_or(zero, |r| r.retained).minor(),
            refund_rule: c.refund.as_ref().map(|r| format!("{:?}", r.rule)),
        }
    }
}

/// `POST /v1/orders/{id}/accept`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// The kitchen's preparation estimate, minutes (1 to 240).
    #[schema(minimum = 1, maximum = 240)]
    pub prep_minutes: u32,
}

/// `POST /v1/orders/{id}/cancel` (the body is optional).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// Admins only: `customer_request`, `restaurant_unavailable`,
    /// `no_courier_found`, `payment_failed` or `platform_failure`.
    pub reason: Option<String>,
}

/// `POST /v1/orders/{id}/ratings`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    /// `restaurant` or `courier` (by the customer), `customer` (by the
    /// courier or restaurant).
    #[schema(pattern = "^(restaurant|courier|customer)$")]
    pub subject: String,
    /// 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub stars: u8,
}

/// A subject's ratings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RatingSummaryView {
    /// How many.
    pub count: u64,
    /// Average, hundredths of a star.
    pub average_centi: Option<u16>,
}

/// A courier arriving somewhere that matters.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ArrivalView {
    /// The order (as a string).
    pub order_id: String,
    /// `restaurant` or `door`.
    pub stop: String,
}

/// What a location update did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LocationView {
    /// Geofences entered.
    pub arrivals: Vec<ArrivalView>,
}

/// What going offline did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OfflineView {
    /// Orders returned to dispatch.
    pub released: Vec<String>,
}

/// `POST /v1/dev/token`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The id of the customer, restaurant, courier or admin.
    pub sub: u64,
    /// Which of those.
    pub role: crate::auth::Role,
    /// Rate-limit tier.
    #[serde(default)]
    pub tier: crate::auth::TierName,
    /// Lifetime, seconds (default 3,600; at most 7 days).
    #[schema(minimum = 1, maximum = 604_800)]
    pub ttl_secs: Option<u64>,
}

/// A signed token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenView {
    /// `Authorization: Bearer <token>`.
    pub token: String,
    /// Expiry, seconds since the epoch.
    pub expires_at: u64,
}

/// `PUT /v1/restaurants/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestaurantInput {
    /// Name (1 to 200 characters).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// Cuisine (1 to 200 characters).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub cuisine: String,
    /// Where to pick up.
    pub location: Point,
    /// Average rating, hundredths of a star (0 to 500).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 500)]
    pub rating_centi: u16,
    /// Open now.
    pub is_open: bool,
    /// Taking orders now.
    pub accepting_orders: bool,
    /// Delivers within this many metres.
    pub delivery_radius_m: u32,
    /// Smallest subtotal, minor units (0 to 100,000).
    #[schema(minimum = 0, maximum = 100_000)]
    pub minimum_order_minor: i64,
    /// Usual preparation time, minutes (1 to 240).
    #[schema(minimum = 1, maximum = 240)]
    pub prep_minutes: u32,
}

/// One dish of `PUT /v1/restaurants/{id}/menu`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MenuItemInput {
    /// Id.
    pub id: u64,
    /// Name (1 to 200 characters).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// Unit price, minor units (0 to 1,000,000).
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub price_minor: i64,
    /// Orderable now.
    pub available: bool,
    /// Portions of a prepared dish (absent: made to order).
    pub stock: Option<u32>,
}

/// `PUT /v1/restaurants/{id}/menu`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MenuInput {
    /// The new version: above the stored one.
    pub version: u64,
    /// The dishes.
    pub items: Vec<MenuItemInput>,
}

/// A delivery offer open to the courier.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OfferView {
    /// The order (a string, as everywhere).
    pub order_id: String,
    /// The restaurant to collect from.
    pub restaurant_id: u64,
    /// Where to collect.
    pub pickup: Point,
    /// Where to deliver.
    pub dropoff: Point,
    /// What the courier earns (delivery pay and tip), minor units.
    pub pay_minor: i64,
    /// Currency code.
    pub currency: String,
    /// When the offer lapses, epoch milliseconds.
    pub expires_at_ms: i64,
}

impl From<&courier_platform::CourierOffer> for OfferView {
    fn from(o: &courier_platform::CourierOffer) -> Self {
        OfferView {
            order_id: o.order.id().get().to_string(),
            restaurant_id: o.order.restaurant().get(),
            pickup: o.order.pickup().into(),
            dropoff: o.order.dropoff().into(),
            pay_minor: o.pay.minor(),
            currency: o.pay.currency().code().to_owned(),
            expires_at_ms: o.expires_at.as_millis(),
        }
    }
}

/// An order a courier event is about, when the event carries no more.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderRef {
    /// The order.
    pub order_id: String,
}
