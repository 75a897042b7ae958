//! Pricing: quotes over the fee schedule, the promotion book and surge per
//! H3 cell. Surge follows what dispatch sees: per cell, orders waiting for a
//! courier (demand) against couriers online with room (supply), observed at
//! a fixed interval so that quotes price the delivery fee where couriers are
//! short.

use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use courier_core::ports::{PromoClaim, Store};
use courier_core::{CustomerId, Duration, GeoPoint, Money, Timestamp};
use courier_pricing::{
    Cart, CustomerHistory, PricingConfig, PricingError, PromoBook, Quote, QuoteRequest, SurgeBook, quote,
};

use h3o::CellIndex;
use rustc_hash::FxHashMap;

use crate::config::PlatformConfig;
use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::parts::Parts;
use crate::services::dispatch::Dispatch;

/// The surge across the city at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SurgeSnapshot {
    /// Cells priced above 1.0x.
    pub cells_surging: u32,
    /// The highest multiplier, in basis points (10,000 = 1.0x).
    pub max_bp: u32,
    /// The multiplier weighted by the orders waiting in each cell, in basis
    /// points (10,000 when nothing waits).
    pub demand_weighted_bp: u32,
}

/// What a quote is for.
pub(crate) struct QuoteFor<'a> {
    /// Who asks.
    pub(crate) customer: CustomerId,
    /// The restaurant's location.
    pub(crate) pickup: GeoPoint,
    /// The delivery address.
    pub(crate) dropoff: GeoPoint,
    /// The validated cart.
    pub(crate) cart: &'a Cart,
    /// The tip.
    pub(crate) tip: Money,
    /// Promotion codes typed by the customer.
    pub(crate) promo_codes: &'a [String],
    /// Those codes' promotions and the customer's uses of them, as stored.
    pub(crate) promotions: &'a Promotions,
}

/// The stored promotions a quote may apply, and what the customer did with
/// them: read per quote that names codes, so every instance prices with
/// what the store holds (a quote without codes reads nothing).
#[derive(Debug, Default)]
pub(crate) struct Promotions {
    pub(crate) book: PromoBook,
    pub(crate) history: CustomerHistory,
}

impl Promotions {
    /// The uses a placement of `quote` claims: one of each applied code,
    /// under its per-customer limit.
    pub(crate) fn claims<'q>(&self, quote: &'q Quote) -> Vec<PromoClaim<'q>> {
        quote
            .discounts
            .iter()
            .map(|d| PromoClaim {
                code: &d.code,
                limit: self.book.get(&d.code).and_then(|p| p.per_customer_limit),
            })
            .collect()
    }
}

struct Books {
    surge: SurgeBook,
    /// When demand and supply were last observed into `surge`.
    last_observed: Option<Timestamp>,
    /// The surge cell of each pickup point priced so far: restaurants do not
    /// move often, and finding a point's H3 cell is most of a quote's cost.
    pickup_cells: FxHashMap<(u64, u64), Option<CellIndex>>,
}

/// Pickup cells kept at most (a city's restaurants, with room to spare).
const PICKUP_CELLS_MAX: usize = 100_000;

/// The pricing service. Its lock is taken before dispatch's when surge
/// observes what dispatch sees, never after.
pub(crate) struct Pricing {
    config: PricingConfig,
    /// Promotions apply (off while the degradation ladder says so).
    promotions_on: AtomicBool,
    surge_every: Duration,
    books: Mutex<Books>,
}

impl Pricing {
    pub(crate) fn new(config: &PlatformConfig) -> Pricing {
        Pricing {
            config: config.pricing.clone(),
            promotions_on: AtomicBool::new(config.degradation.promotions_on()),
            surge_every: config.surge_every,
            books: Mutex::new(Books {
                surge: SurgeBook::new(config.surge),
                last_observed: None,
                pickup_cells: FxHashMap::default(),
            }),
        }
    }

    fn books(&self) -> MutexGuard<'_, Books> {
        // The books only accumulate observations; a cut-short update leaves
        // them usable.
        self.books.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Turns promotions on or off (the degradation ladder).
    pub(crate) fn set_promotions_on(&self, on: bool) {
        self.promotions_on.store(on, Relaxed);
    }

    /// The stored promotions named by `codes` and `customer`'s uses of
    /// them (none while the degradation ladder turns promotions off, or
    /// when no code is named).
    pub(crate) async fn promotions_for(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        customer: CustomerId,
        codes: &[String],
    ) -> Result<Promotions, PlatformError> {
        if !self.promotions_on.load(Relaxed) || codes.is_empty() {
            return Ok(Promotions::default());
        }
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        let mut book = PromoBook::new();
        for promotion in parts.store.promotions(&codes).await? {
            book.insert(promotion);
        }
        let uses = parts.store.promotion_uses(customer, &codes).await?;
        Ok(Promotions {
            book,
            history: CustomerHistory {
                completed_orders: 0,
                promo_uses: codes.iter().map(|c| Arc::from(*c)).zip(uses).collect(),
            },
        })
    }

    /// Prices a cart at `now` (promotions only while the degradation
    /// ladder allows them).
    pub(crate) fn quote(&self, request: &QuoteFor<'_>, now: Timestamp) -> Result<Quote, PricingError> {
        let codes: Vec<&str> = if self.promotions_on.load(Relaxed) {
            request.promo_codes.iter().map(String::as_str).collect()
        } else {
            Vec::new()
        };
        let mut books = self.books();
        let books = &mut *books;
        if books.pickup_cells.len() >= PICKUP_CELLS_MAX {
            books.pickup_cells.clear();
        }
        let key = (request.pickup.lat().to_bits(), request.pickup.lng().to_bits());
        let surge = &books.surge;
        let pickup_cell = *books
            .pickup_cells
            .entry(key)
            .or_insert_with(|| surge.cell_of(request.pickup));
        quote(
            &self.config,
            &request.promotions.book,
            &books.surge,
            &QuoteRequest {
                customer: request.customer,
                pickup: request.pickup,
                pickup_cell,
                dropoff: request.dropoff,
                cart: request.cart,
                tip: request.tip,
                promo_codes: &codes,
                history: &request.promotions.history,
                now,
            },
        )
    }

    /// Observes demand and supply per surge cell from `dispatch`, if the
    /// interval has passed.
    pub(crate) fn watch_surge(&self, dispatch: &Dispatch, now: Timestamp) {
        let mut books = self.books();
        if books.last_observed.is_some_and(|t| now.since(t) < self.surge_every) {
            return;
        }
        books.last_observed = Some(now);
        let counts = dispatch.surge_counts(&books.surge);
        for (cell, (demand, supply)) in counts {
            books.surge.observe(cell, demand, supply, now);
        }
    }

    /// The surge published now.
    pub(crate) fn surge_snapshot(&self, dispatch: &Dispatch) -> SurgeSnapshot {
        let books = self.books();
        // Supply does not enter the snapshot, and a cell never observed is
        // priced at 1.0x, so the orders waiting per cell are all it needs.
        let waiting = dispatch.waiting_by_cell(&books.surge);
        let (mut weighted, mut demand) = (0u64, 0u64);
        for (cell, d) in &waiting {
            weighted += u64::from(books.surge.multiplier(*cell).get()) * u64::from(*d);
            demand += u64::from(*d);
        }
        let mut snapshot = SurgeSnapshot {
            demand_weighted_bp: weighted.checked_div(demand).map_or(10_000, |bp| bp as u32),
            max_bp: 10_000,
            ..SurgeSnapshot::default()
        };
        for (cell, _) in waiting {
            let m = books.surge.multiplier(cell).get();
            snapshot.max_bp = snapshot.max_bp.max(m);
            snapshot.cells_surging += u32::from(m > 10_000);
        }
        snapshot
    }
}
