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

/// One request in flight to `provider` while it lives: `paygate_http_requests_in_flight
/// {provider}` goes up when it is made and down when it is dropped — also when the request's
/// future is dropped mid-flight (a caller's timeout, a cancelled task), so the gauge never
/// leaks.
#[must_use = "the request counts as in flight only while this lives"]
pub struct InFlight {
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    provider: &'static str,
}

impl InFlight {
    /// Counts a request to `provider` as in flight.
    pub fn enter(provider: &'static str) -> InFlight {
        #[cfg(feature = "metrics")]
        metrics::gauge!("paygate_http_requests_in_flight", "provider" => provider).increment(1.0);
        InFlight { provider }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        #[cfg(feature = "metrics")]
        metrics::gauge!("paygate_http_requests_in_flight", "provider" => self.provider)
            .decrement(1.0);
    }
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
