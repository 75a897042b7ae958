//! The metrics the seeds name, through the `metrics` facade: whichever
//! recorder the embedding application installs (Prometheus, statsd, none).

use courier_core::order::{Order, OrderEvent, OrderEventKind};
use courier_core::{Duration, Timestamp};
use metrics::{counter, gauge, histogram};

use crate::external::NotificationKind;

/// Counts an order's new status; on delivery, records click-to-door.
pub(crate) fn order_event(order: &Order, event: &OrderEvent) {
    counter!("courier_orders_total", "status" => order.status().name()).increment(1);
    if let OrderEventKind::Delivered { .. } = event.kind {
        let took = event.at.since(order.times().created_at);
        histogram!("courier_delivery_duration_seconds").record(took.as_secs_f64());
    }
}

/// Records how far a promised arrival was from the actual one (signed:
/// positive is late).
pub(crate) fn eta_error(promised: Timestamp, actual: Timestamp) {
    let err_ms = actual.as_millis() - promised.as_millis();
    histogram!("courier_eta_error_seconds").record(err_ms as f64 / 1_000.0);
}

/// Records how long an order waited in dispatch before a courier took it.
pub(crate) fn match_duration(waited: Duration) {
    histogram!("courier_match_duration_seconds").record(waited.as_secs_f64());
}

/// Counts an accepted location update.
pub(crate) fn location_update() {
    counter!("courier_location_updates_total").increment(1);
}

/// Sets the number of couriers online.
pub(crate) fn active_couriers(n: usize) {
    gauge!("courier_active_couriers").set(n as f64);
}

/// Counts a notification the notifier failed to send.
pub(crate) fn notification_failed(kind: NotificationKind) {
    counter!("courier_notifications_failed_total", "kind" => kind.name()).increment(1);
}

/// Counts a payment attempt's outcome.
pub(crate) fn payment_attempt(outcome: &'static str) {
    counter!("courier_payment_attempts_total", "outcome" => outcome).increment(1);
}

/// Counts a stock give-back that failed (stock stays counted low).
pub(crate) fn stock_release_failed() {
    counter!("courier_stock_release_failures_total").increment(1);
}

/// Counts a stored record recovery set aside for an operator.
pub(crate) fn record_set_aside() {
    counter!("courier_records_set_aside_total").increment(1);
}

/// A placement that stored no order could not give back the promotion uses
/// it had counted.
pub(crate) fn promotion_uses_kept() {
    counter!("courier_promotion_uses_kept_total").increment(1);
}

/// What the edge measured of the store: p99 call latency and the share
/// of calls failing, as the ladder reads them.
pub(crate) fn storage_health(edge: &crate::EdgeSignals) {
    // Milliseconds far below 2^52: exact as a float.
    metrics::gauge!("courier_storage_latency_p99_seconds").set(edge.storage_latency.as_millis() as f64 / 1_000.0);
    metrics::gauge!("courier_storage_error_ratio").set(edge.storage_error_rate);
}

/// The degradation ladder's rung (0 normal .. 5 order-only).
pub(crate) fn degradation_level(level: crate::degradation::DegradationLevel) {
    metrics::gauge!("courier_degradation_level").set(f64::from(level.rung()));
}
