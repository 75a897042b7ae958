//! `RatingStore` on PostgreSQL: a rating and its subject's running summary
//! written in one statement, so the summary never disagrees with the rows.

use courier_core::Timestamp;
use courier_core::ports::{RatingOutcome, RatingStore, StorageError};
use courier_core::rating::{Rating, RatingSubject, RatingSummary, Stars};
use sqlx::Row;

use super::{PgStore, to_i64, to_u64};
use crate::codec::actor_parts;

fn corrupt(e: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

impl RatingStore for PgStore {
    async fn record_rating(&self, rating: &Rating) -> Result<RatingOutcome, StorageError> {
        let (rater_kind, rater_id) = actor_parts(rating.by);
        // The insert claims (order, rater, subject); only a row it inserted
        // moves the summary, so a repeat writes nothing.
        let row = sqlx::query(
            "WITH rated AS ( \
                 INSERT INTO ratings (order_id, rater_kind, rater_id, subject_kind, subject_id, stars, rated_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING stars) \
             INSERT INTO rating_summaries (subject_kind, subject_id, count, total_stars) \
             SELECT $4, $5, 1, stars FROM rated \
             ON CONFLICT (subject_kind, subject_id) DO UPDATE \
             SET count = rating_summaries.count + 1, total_stars = rating_summaries.total_stars + EXCLUDED.total_stars \
             RETURNING count, total_stars",
        )
        .bind(to_i64(rating.order.get()))
        .bind(rater_kind)
        .bind(to_i64(rater_id.unwrap_or(0)))
        .bind(rating.subject.kind())
        .bind(to_i64(rating.subject.id()))
        .bind(i16::from(rating.stars.get()))
        .bind(rating.at.as_millis())
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.error(e))?;
        if let Some(row) = row {
            return Ok(RatingOutcome::Recorded(RatingSummary {
                count: to_u64(row.try_get("count").map_err(corrupt)?, "rating count")?,
                total_stars: to_u64(row.try_get("total_stars").map_err(corrupt)?, "rating stars")?,
            }));
        }
        let first = sqlx::query(
            "SELECT stars, rated_at_ms FROM ratings WHERE order_id = $1 AND rater_kind = $2 AND rater_id = $3 \
             AND subject_kind = $4 AND subject_id = $5",
        )
        .bind(to_i64(rating.order.get()))
        .bind(rater_kind)
        .bind(to_i64(rater_id.unwrap_or(0)))
        .bind(rating.subject.kind())
        .bind(to_i64(rating.subject.id()))
        .fetch_one(&self.pool)
        .await
        .map_err(|e| self.error(e))?;
        let stars = u8::try_from(first.try_get::<i16, _>("stars").map_err(corrupt)?).map_err(corrupt)?;
        Ok(RatingOutcome::AlreadyRated(Rating {
            stars: Stars::new(stars).map_err(corrupt)?,
            at: Timestamp::from_millis(first.try_get("rated_at_ms").map_err(corrupt)?),
            ..rating.clone()
        }))
    }

    async fn rating_summary(&self, subject: RatingSubject) -> Result<RatingSummary, StorageError> {
        let row =
            sqlx::query("SELECT count, total_stars FROM rating_summaries WHERE subject_kind = $1 AND subject_id = $2")
                .bind(subject.kind())
                .bind(to_i64(subject.id()))
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| self.error(e))?;
        let Some(row) = row else {
            return Ok(RatingSummary::default());
        };
        Ok(RatingSummary {
            count: to_u64(row.try_get("count").map_err(corrupt)?, "rating count")?,
            total_stars: to_u64(row.try_get("total_stars").map_err(corrupt)?, "rating stars")?,
        })
    }
}
