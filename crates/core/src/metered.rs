//! Metrics through the `metrics` facade (feature `metrics`), with bounded labels only
//! (provider, operation, error class: never an order id). Without the feature every function
//! here does nothing. The app installs a recorder (a Prometheus exporter, say) to see them.

use std::time::Duration;

/// One HTTP attempt took `elapsed`: `paygate_http_request_duration_seconds{provider,
/// operation}`.
pub fn http_attempt(provider: &'static str, operation: &'static str, elapsed: Duration) {
    #[cfg(feature = "metrics")]
    metrics::histogram!(
        "paygate_http_request_duration_seconds",
        "provider" => provider,
        "operation" => operation
    )
    .record(elapsed.as_secs_f64());
    #[cfg(not(feature = "metrics"))]
    let _ = (provider, operation, elapsed);
}

/// A request is sent again: `paygate_http_retries_total{provider, operation}`.
pub fn http_retry(provider: &'static str, operation: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!(
        "paygate_http_retries_total",
        "provider" => provider,
        "operation" => operation
    )
    .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = (provider, operation);
}

/// Requests in flight to `provider` went up (`true`) or down:
/// `paygate_http_requests_in_flight{provider}`.
pub fn http_in_flight(provider: &'static str, up: bool) {
    #[cfg(feature = "metrics")]
    {
        let gauge = metrics::gauge!("paygate_http_requests_in_flight", "provider" => provider);
        if up {
            gauge.increment(1.0);
        } else {
            gauge.decrement(1.0);
        }
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (provider, up);
}

/// One unified operation ended: `paygate_operations_total{provider, gateway, operation,
/// outcome}` (`ok` or the error class) and `paygate_operation_duration_seconds{provider,
/// gateway, operation}`. `gateway` is the configured instance name (a bounded set).
pub fn operation(
    provider: &'static str,
    gateway: &str,
    operation: &'static str,
    outcome: &'static str,
    elapsed: Duration,
) {
    #[cfg(feature = "metrics")]
    {
        let gateway = gateway.to_owned();
        metrics::counter!(
            "paygate_operations_total",
            "provider" => provider,
            "gateway" => gateway.clone(),
            "operation" => operation,
            "outcome" => outcome
        )
        .increment(1);
        metrics::histogram!(
            "paygate_operation_duration_seconds",
            "provider" => provider,
            "gateway" => gateway,
            "operation" => operation
        )
        .record(elapsed.as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (provider, gateway, operation, outcome, elapsed);
}

/// A webhook delivery was answered: `paygate_webhooks_total{gateway, outcome}` (`handled`,
/// `duplicate`, `rejected`, `unavailable`).
pub fn webhook(gateway: &str, outcome: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!(
        "paygate_webhooks_total",
        "gateway" => gateway.to_owned(),
        "outcome" => outcome
    )
    .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = (gateway, outcome);
}
