//! What admins call to run promotions: create, list, expire.

use courier_core::order::Actor;
use courier_core::ports::Store;
use courier_core::promotion::Promotion;

use super::Platform;
use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::services::promotions;

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Stores a new promotion (admins): checked by
    /// [`check_promotion`](crate::check_promotion), refused when its code exists.
    pub async fn create_promotion(&self, actor: Actor, promotion: &Promotion) -> Result<(), PlatformError> {
        promotions::create(&self.parts(), actor, promotion).await
    }

    /// Every promotion, by code (admins).
    pub async fn promotions(&self, actor: Actor) -> Result<Vec<Promotion>, PlatformError> {
        promotions::list(&self.parts(), actor).await
    }

    /// Ends a promotion now (admins): quotes naming it are refused from now
    /// on; the promotion as it is after.
    pub async fn expire_promotion(&self, actor: Actor, code: &str) -> Result<Promotion, PlatformError> {
        promotions::expire(&self.parts(), actor, code).await
    }
}
