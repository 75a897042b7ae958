-- Leases for work that must run on one instance at a time. The token rises
-- with every change of holder; writes made under a lease carry it and are
-- refused once it is stale. Times are on the database's clock.
CREATE TABLE leases (
    name           TEXT   PRIMARY KEY,
    holder         TEXT   NOT NULL,
    token          BIGINT NOT NULL CHECK (token >= 1),
    expires_at_ms  BIGINT NOT NULL
);
