-- Promotions by code, and how often each customer used each one.
CREATE TABLE promotions (
    code                TEXT    PRIMARY KEY,
    kind                TEXT    NOT NULL CHECK (kind IN ('percent', 'flat')),
    amount              BIGINT  NOT NULL CHECK (amount >= 0),
    currency            TEXT    NOT NULL,
    min_subtotal        BIGINT  NOT NULL,
    max_discount        BIGINT,
    first_order_only    BOOLEAN NOT NULL,
    valid_from_ms       BIGINT  NOT NULL,
    valid_until_ms      BIGINT  NOT NULL,
    per_customer_limit  INTEGER,
    stackable           BOOLEAN NOT NULL,
    funded_by           TEXT    NOT NULL CHECK (funded_by IN ('platform', 'restaurant'))
);

CREATE TABLE promotion_uses (
    customer_id  BIGINT  NOT NULL,
    code         TEXT    NOT NULL,
    uses         INTEGER NOT NULL CHECK (uses >= 0),
    PRIMARY KEY (customer_id, code)
);
