-- Who carries what, decided in the same transaction as each order
-- transition that changes it: the orders a courier has in hand (assigned,
-- not yet delivered or taken back) and their one open offer.
CREATE TABLE courier_loads (
    courier_id        BIGINT  PRIMARY KEY,
    carrying          INTEGER NOT NULL DEFAULT 0 CHECK (carrying >= 0),
    offer_order       BIGINT,
    offer_expires_ms  BIGINT
);
