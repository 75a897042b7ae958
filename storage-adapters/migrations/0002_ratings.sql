-- Ratings: one per order, rater and subject; summed per subject.
CREATE TABLE ratings (
    order_id      BIGINT   NOT NULL,
    rater_kind    TEXT     NOT NULL,
    rater_id      BIGINT   NOT NULL,
    subject_kind  TEXT     NOT NULL,
    subject_id    BIGINT   NOT NULL,
    stars         SMALLINT NOT NULL CHECK (stars BETWEEN 1 AND 5),
    rated_at_ms   BIGINT   NOT NULL,
    PRIMARY KEY (order_id, rater_kind, rater_id, subject_kind, subject_id)
);

CREATE TABLE rating_summaries (
    subject_kind  TEXT   NOT NULL,
    subject_id    BIGINT NOT NULL,
    count         BIGINT NOT NULL,
    total_stars   BIGINT NOT NULL,
    PRIMARY KEY (subject_kind, subject_id)
);
