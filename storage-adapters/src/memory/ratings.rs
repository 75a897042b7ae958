//! In-memory `RatingStore`: ratings keyed by order, rater and subject, and
//! a running summary per subject.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use courier_core::OrderId;
use courier_core::order::Actor;
use courier_core::ports::{RatingOutcome, RatingStore, StorageError};
use courier_core::rating::{Rating, RatingSubject, RatingSummary};

#[derive(Debug, Default)]
struct Ratings {
    given: BTreeMap<(OrderId, Actor, RatingSubject), Rating>,
    summaries: BTreeMap<RatingSubject, RatingSummary>,
}

/// Ratings in process memory.
#[derive(Debug, Default)]
pub struct MemoryRatingStore {
    ratings: Mutex<Ratings>,
}

impl MemoryRatingStore {
    fn lock(&self) -> MutexGuard<'_, Ratings> {
        self.ratings.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl RatingStore for MemoryRatingStore {
    async fn record_rating(&self, rating: &Rating) -> Result<RatingOutcome, StorageError> {
        let mut ratings = self.lock();
        let key = (rating.order, rating.by, rating.subject);
        if let Some(first) = ratings.given.get(&key) {
            return Ok(RatingOutcome::AlreadyRated(first.clone()));
        }
        ratings.given.insert(key, rating.clone());
        let summary = ratings.summaries.entry(rating.subject).or_default();
        *summary = summary.with(rating.stars);
        Ok(RatingOutcome::Recorded(*summary))
    }

    async fn rating_summary(&self, subject: RatingSubject) -> Result<RatingSummary, StorageError> {
        Ok(self.lock().summaries.get(&subject).copied().unwrap_or_default())
    }
}
