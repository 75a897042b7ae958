//! The in-memory adapter: the embedded default, deterministic, no external service.

mod audit_log;
mod catalog;
mod chunked;
mod idempotency;
mod locations;
mod orders;
mod outbox;
mod promotions;
mod rate_limit;
mod ratings;
mod store;

pub use catalog::MemoryCatalogStore;
pub use idempotency::MemoryIdempotencyStore;
pub use locations::MemoryLocationStore;
pub use orders::MemoryOrderStore;
pub use promotions::MemoryPromotionStore;
pub use rate_limit::MemoryRateLimitStore;
pub use ratings::MemoryRatingStore;
pub use store::MemoryStore;
