//! Runs requests through a [`Transport`] with the retry policy.

use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use super::{HttpRequest, HttpResponse, Transport};
use crate::clock::{Clock, OsRandom, RandomSource, SystemClock};
use crate::error::{Delivery, Error, TransportError};

/// When to try again.
///
/// Reads (status, refund status) are retried on connection failures, timeouts, HTTP 429 and
/// 502/503/504 (honouring `Retry-After`), and on provider rate-limit and server errors.
/// Writes (create, refund, void, cancel, capture) are retried only when the request provably
/// never left the machine: the library never sends a refund twice.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, first included. Default 3; 1 disables retries.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles each time. Default 200 ms.
    pub initial_backoff: Duration,
    /// Largest backoff. Default 2 s.
    pub max_backoff: Duration,
    /// Largest `Retry-After` honoured; a provider asking for longer gets its error returned at
    /// once, with the wait in [`Error::retry_after`]. Default 10 s.
    pub max_retry_after: Duration,
    /// Total time budget for all attempts and waits. Default 30 s.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// One attempt, never retried.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the number of attempts (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the initial and largest backoff.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Sets the largest `Retry-After` honoured.
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// Sets the total time budget.
    pub fn max_elapsed(mut self, max: Duration) -> Self {
        self.max_elapsed = max;
        self
    }

    /// Backoff before attempt `attempt + 1`: exponential, with jitter in [½, 1] of the step.
    fn backoff_for(&self, attempt: u32, random: &dyn RandomSource) -> Duration {
        let exponent = attempt.saturating_sub(1).min(16);
        let step = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        let step_ms = u64::try_from(step.as_millis()).unwrap_or(u64::MAX);
        let half = step_ms / 2;
        let jitter = if half == 0 {
            0
        } else {
            random.next_u64() % (half + 1)
        };
        Duration::from_millis(half + jitter)
    }
}

/// A transport plus the policy, clock and randomness every provider client shares.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    transport: Arc<dyn Transport>,
    policy: RetryPolicy,
    clock: Arc<dyn Clock>,
    random: Arc<dyn RandomSource>,
}

impl Dispatcher {
    /// A dispatcher over `transport` with the default policy, the system clock and OS randomness.
    pub fn new(transport: Arc<dyn Transport>) -> Dispatcher {
        Dispatcher {
            transport,
            policy: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
            random: Arc::new(OsRandom),
        }
    }

    /// Replaces the retry policy.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Replaces the clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the random source.
    pub fn with_random(mut self, random: Arc<dyn RandomSource>) -> Self {
        self.random = random;
        self
    }

    /// The transport.
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The random source.
    pub fn random(&self) -> &Arc<dyn RandomSource> {
        &self.random
    }

    /// Sends `request` and parses the answer with `parse`, retrying as the policy allows.
    /// `parse` sees every answer, whatever its status, and decides what it means; retries are
    /// decided on the resulting [`Error`], so a provider's own rate-limit shape is honoured.
    pub async fn execute<T, P>(&self, request: &HttpRequest, parse: P) -> Result<T, Error>
    where
        P: Fn(&HttpResponse) -> Result<T, Error> + Send + Sync,
        T: Send,
    {
        // The logical request (its attempts are the HTTP client spans below): paygate's own
        // fields, in its namespace.
        let span = tracing::info_span!(
            "paygate.request",
            paygate.provider = request.provider,
            paygate.operation = request.operation.name(),
            paygate.order_id = request.order_id.as_deref().unwrap_or(""),
        );
        let started = std::time::Instant::now();
        let result = self.execute_inner(request, parse).instrument(span).await;
        // One line per request at INFO (the CLI's `-v`): what, how it ended, how long.
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match &result {
            Ok(_) => tracing::info!(
                provider = request.provider,
                operation = request.operation.name(),
                http.request.method = %request.method,
                url.template = %UrlTemplate(request),
                elapsed_ms,
                "request done"
            ),
            Err(error) => tracing::info!(
                provider = request.provider,
                operation = request.operation.name(),
                http.request.method = %request.method,
                url.template = %UrlTemplate(request),
                elapsed_ms,
                error.type = error.class().name(),
                "request failed"
            ),
        }
        result
    }

    async fn execute_inner<T, P>(&self, request: &HttpRequest, parse: P) -> Result<T, Error>
    where
        P: Fn(&HttpResponse) -> Result<T, Error> + Send + Sync,
        T: Send,
    {
        let started = self.clock.now();
        let mut attempt: u32 = 1;
        loop {
            // One HTTP client span per attempt, in OpenTelemetry's HTTP client conventions
            // (`tracing-opentelemetry` reads `otel.name` and `otel.kind`); the resend count
            // only on resends. `url.full` carries no secret: credentials travel in headers and
            // bodies, never in paygate's URLs.
            let span = tracing::info_span!(
                "paygate.attempt",
                otel.name = %format_args!("{} {}", request.method, UrlTemplate(request)),
                otel.kind = "client",
                http.request.method = %request.method,
                url.template = %UrlTemplate(request),
                url.full = %UrlFull(request),
                server.address = request.url.host_str().unwrap_or(""),
                server.port = request.url.port_or_known_default().unwrap_or(0),
                http.request.resend_count = tracing::field::Empty,
                http.response.status_code = tracing::field::Empty,
                error.type = tracing::field::Empty,
            );
            if attempt > 1 {
                span.record("http.request.resend_count", attempt - 1);
            }
            let outcome = async {
                let in_flight = crate::metered::InFlight::enter(request.provider);
                let sent = std::time::Instant::now();
                let answer = self.transport.send(request).await;
                drop(in_flight);
                crate::metered::http_attempt(
                    request.provider,
                    request.operation.name(),
                    sent.elapsed(),
                );
                let outcome = match answer {
                    Ok(response) => {
                        tracing::Span::current()
                            .record("http.response.status_code", response.status);
                        tracing::debug!(attempt, status = response.status, "answer received");
                        parse(&response)
                    }
                    Err(failure) => Err(Error::from(TransportError::from_failure(
                        request.provider,
                        request.operation,
                        failure,
                        attempt,
                    ))),
                };
                if let Err(error) = &outcome {
                    tracing::Span::current().record("error.type", error.class().name());
                }
                outcome
            }
            .instrument(span)
            .await;
            let error = match outcome {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let Some(delay) = self.retry_delay(request, &error, attempt, started) else {
                tracing::debug!(attempt, class = %error.class(), "giving up");
                return Err(error);
            };
            tracing::debug!(
                attempt,
                class = %error.class(),
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying"
            );
            self.clock.sleep(delay).await;
            crate::metered::http_retry(request.provider, request.operation.name());
            attempt += 1;
        }
    }

    /// How long to wait before trying again, or `None` to give up.
    fn retry_delay(
        &self,
        request: &HttpRequest,
        error: &Error,
        attempt: u32,
        started: time::OffsetDateTime,
    ) -> Option<Duration> {
        if attempt >= self.policy.max_attempts || !error.is_retryable() {
            return None;
        }
        // A write goes again only if it provably never left (the provider's "rate limited"
        // answer means it did not act, but a write is not repeated on any provider's word).
        let never_sent = matches!(error, Error::Transport(t) if t.delivery == Delivery::NotSent);
        if request.operation.is_write() && !never_sent {
            return None;
        }
        let delay = match error.retry_after() {
            Some(wait) if wait > self.policy.max_retry_after => return None,
            Some(wait) => wait,
            None => self.policy.backoff_for(attempt, self.random.as_ref()),
        };
        let elapsed = self.clock.now() - started;
        let elapsed = Duration::try_from(elapsed).unwrap_or_default();
        if elapsed.saturating_add(delay) > self.policy.max_elapsed {
            return None;
        }
        Some(delay)
    }
}

/// A request's path template (OpenTelemetry's `url.template`): the endpoint's own template
/// ([`HttpRequest::url_template`]) after the base URL's path prefix, or the path itself for
/// an endpoint whose path has no variable part. Never made by replacing an id's text in
/// the path (an order id `1` or `pay` would land inside `/v1/payments`). Written only when
/// a subscriber records the span: nothing is built on the hot path otherwise.
struct UrlTemplate<'a>(&'a HttpRequest);

impl std::fmt::Display for UrlTemplate<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.0.url.path();
        let Some(template) = self.0.url_template else {
            return f.write_str(path);
        };
        // The base URL's prefix is what comes before the template's fixed head.
        let head = template.split('{').next().unwrap_or(template);
        let prefix = path.rfind(head).and_then(|at| path.get(..at)).unwrap_or("");
        f.write_str(prefix)?;
        f.write_str(template)
    }
}

/// A request's URL without its query or any user information (OpenTelemetry's `url.full`,
/// with what could be sensitive removed), written only when a subscriber records it.
struct UrlFull<'a>(&'a HttpRequest);

impl std::fmt::Display for UrlFull<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = &self.0.url;
        f.write_str(url.scheme())?;
        f.write_str("://")?;
        f.write_str(url.host_str().unwrap_or(""))?;
        if let Some(port) = url.port() {
            write!(f, ":{port}")?;
        }
        f.write_str(url.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::DeterministicRandom;

    fn template_of(url: &str, order_id: &str, template: Option<&'static str>) -> String {
        let mut request = HttpRequest::new(
            "finpay",
            crate::Operation::PaymentStatus,
            crate::http::Method::GET,
            crate::Url::parse(url).unwrap(),
        )
        .order_id(order_id);
        request.url_template = template;
        UrlTemplate(&request).to_string()
    }

    #[test]
    fn the_url_template_comes_from_the_endpoint_never_from_the_ids_text() {
        // An id whose text is inside the path's fixed parts is left alone.
        assert_eq!(
            template_of(
                "https://h/api/payment-gateway/v1/payments/check-transaction-2",
                "1",
                None
            ),
            "/api/payment-gateway/v1/payments/check-transaction-2"
        );
        let check = Some("/pg/payment/card/check/{order_id}");
        assert_eq!(
            template_of("https://h/pg/payment/card/check/pay", "pay", check),
            "/pg/payment/card/check/{order_id}"
        );
        // A base URL with a path prefix keeps it.
        assert_eq!(
            template_of("https://h/proxy/pg/payment/card/check/card", "card", check),
            "/proxy/pg/payment/card/check/{order_id}"
        );
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let policy =
            RetryPolicy::default().backoff(Duration::from_millis(100), Duration::from_millis(1000));
        let random = DeterministicRandom::new(1);
        for attempt in 1..=8u32 {
            let step = (100u64 << (attempt - 1)).min(1000);
            let d = policy.backoff_for(attempt, &random).as_millis() as u64;
            assert!(
                d >= step / 2 && d <= step,
                "attempt {attempt}: {d} not in [{}, {step}]",
                step / 2
            );
        }
    }
}
