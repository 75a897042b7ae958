//! The ratings port: one rating per order, rater and subject, and a running
//! summary per subject.

use crate::rating::{Rating, RatingSubject, RatingSummary};

use super::StorageError;

/// What [`RatingStore::record_rating`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RatingOutcome {
    /// Stored; the subject's summary including it.
    Recorded(RatingSummary),
    /// This rater already rated this subject for this order: the first
    /// rating stands and nothing was written.
    AlreadyRated(Rating),
}

/// Ratings, written once and summed per subject.
pub trait RatingStore: Send + Sync {
    /// Stores a rating unless the same rater already rated the same subject
    /// for the same order (checked atomically: two concurrent first ratings
    /// store one).
    fn record_rating(&self, rating: &Rating) -> impl Future<Output = Result<RatingOutcome, StorageError>> + Send;

    /// What a subject has received so far.
    fn rating_summary(
        &self,
        subject: RatingSubject,
    ) -> impl Future<Output = Result<RatingSummary, StorageError>> + Send;
}
