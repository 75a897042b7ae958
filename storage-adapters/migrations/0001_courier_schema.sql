-- Orders are event-sourced: order_events holds every accepted event (and is
-- the outbox); orders holds the current version and status for compare-and-set
-- and listing; order_items are the lines as placed.
CREATE TABLE orders (
    id              BIGINT PRIMARY KEY,
    customer_id     BIGINT NOT NULL,
    restaurant_id   BIGINT NOT NULL,
    status          TEXT   NOT NULL,
    version         BIGINT NOT NULL CHECK (version >= 1),
    charge_minor    BIGINT NOT NULL,
    currency        TEXT   NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL
);
CREATE INDEX orders_by_status ON orders (status, created_at_ms, id);
CREATE INDEX orders_by_customer ON orders (customer_id, created_at_ms);
CREATE INDEX orders_by_restaurant ON orders (restaurant_id, created_at_ms);

CREATE TABLE order_items (
    order_id         BIGINT  NOT NULL REFERENCES orders (id),
    line_no          INTEGER NOT NULL,
    item_id          BIGINT  NOT NULL,
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor BIGINT  NOT NULL CHECK (unit_price_minor >= 0),
    PRIMARY KEY (order_id, line_no)
);

-- A customer's placement key: the first order wins while the key is live.
CREATE TABLE order_keys (
    customer_id     BIGINT NOT NULL,
    idempotency_key TEXT   NOT NULL,
    order_id        BIGINT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (customer_id, idempotency_key)
);

CREATE TABLE order_events (
    event_id    BIGSERIAL PRIMARY KEY,
    order_id    BIGINT  NOT NULL REFERENCES orders (id),
    version     BIGINT  NOT NULL,
    at_ms       BIGINT  NOT NULL,
    actor_kind  TEXT    NOT NULL,
    actor_id    BIGINT,
    kind        TEXT    NOT NULL,
    body        JSONB   NOT NULL,
    published   BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (order_id, version)
);
CREATE INDEX order_events_unpublished ON order_events (event_id) WHERE NOT published;

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    order_id    BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    at_ms       BIGINT NOT NULL,
    actor_kind  TEXT   NOT NULL,
    actor_id    BIGINT,
    action      TEXT   NOT NULL
);
CREATE INDEX audit_log_by_order ON audit_log (order_id, version);

CREATE TABLE idempotency (
    key            TEXT   PRIMARY KEY,
    value          BYTEA  NOT NULL,
    expires_at_ms  BIGINT NOT NULL
);
CREATE INDEX idempotency_by_expiry ON idempotency (expires_at_ms);

CREATE TABLE restaurants (
    id                 BIGINT PRIMARY KEY,
    name               TEXT   NOT NULL,
    cuisine            TEXT   NOT NULL,
    lat                DOUBLE PRECISION NOT NULL,
    lng                DOUBLE PRECISION NOT NULL,
    rating_centi       INTEGER NOT NULL,
    is_open            BOOLEAN NOT NULL,
    accepting_orders   BOOLEAN NOT NULL,
    delivery_radius_m  INTEGER NOT NULL,
    minimum_order      BIGINT NOT NULL,
    currency           TEXT   NOT NULL,
    prep_time_ms       BIGINT NOT NULL
);
-- Nearby search filters a latitude band first, then longitude.
CREATE INDEX restaurants_by_position ON restaurants (lat, lng);
CREATE INDEX restaurants_by_cuisine ON restaurants (cuisine);

CREATE TABLE menus (
    restaurant_id  BIGINT PRIMARY KEY REFERENCES restaurants (id),
    version        BIGINT NOT NULL
);

CREATE TABLE menu_items (
    restaurant_id  BIGINT  NOT NULL REFERENCES menus (restaurant_id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    item_id        BIGINT  NOT NULL,
    name           TEXT    NOT NULL,
    price_minor    BIGINT  NOT NULL CHECK (price_minor >= 0),
    currency       TEXT    NOT NULL,
    available      BOOLEAN NOT NULL,
    stock          INTEGER,
    PRIMARY KEY (restaurant_id, position)
);
