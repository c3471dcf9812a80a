//! Webhook delivery: when an order is paid (or declined, where the provider notifies that
//! too), the simulator POSTs the provider's notification
//! to the callback URL the order was created with, signed as the provider signs it, and
//! retries as the provider does; every attempt is listed (`GET /_sandbox/deliveries`).
//!
//! Only loopback URLs (`127.0.0.1`, `[::1]`, `localhost`) are called: the simulator never
//! reaches beyond the machine it tests on.

use std::sync::{Arc, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Provider, Shared, SimulatedWebhook};

/// How a provider delivers its notifications.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeliveryPolicy {
    /// Whether the notification URL is given per order at creation (else it is one account
    /// setting, as PayG's dashboard "Webhook URL": [`crate::Sandbox::set_notification_url`]).
    pub(crate) per_order: bool,
    /// The waits before each attempt after the first, each from the attempt before (empty:
    /// sent once). Divided by [`crate::Sandbox::compress_delivery_schedule`]'s factor.
    pub(crate) retry_waits: &'static [Duration],
    /// Whether an answer acknowledges the notification (else it is sent again, while
    /// attempts remain).
    pub(crate) acknowledged: fn(status: u16, body: &[u8]) -> bool,
    /// How long the provider waits for the answer before it counts the attempt failed.
    pub(crate) answer_within: Duration,
    /// Whether a declined payment is notified too (a paid one always is).
    pub(crate) notifies_declined: bool,
}

/// How long a provider that says nothing of it waits for an answer.
pub(crate) const DEFAULT_ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Delivery {
    /// The provider.
    pub provider: Provider,
    /// The order.
    pub order_id: String,
    /// Where it was sent.
    pub url: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// When the attempt was made: milliseconds since the sandbox started.
    #[serde(default)]
    pub at_ms: u64,
    /// The body sent.
    pub body: String,
    /// The headers sent (name, value).
    pub headers: Vec<(String, String)>,
    /// The answer's HTTP status, if one came.
    pub status: Option<u16>,
    /// The answer's body (at most 4 KiB), if one came.
    pub answer: Option<String>,
    /// Why no answer came, if none did.
    pub error: Option<String>,
    /// Whether the answer acknowledged the notification, as the provider judges it.
    pub acknowledged: bool,
    /// For a delivery made again on request (`POST /_sandbox/redeliver/{n}`), the index in
    /// the delivery list of the attempt it repeats.
    #[serde(default)]
    pub redelivery_of: Option<usize>,
}

/// True for an `http(s)` URL on this machine's loopback.
pub(crate) fn is_loopback(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && paygate_core::config::is_loopback_host(&u)
    })
}

/// Delivers `webhook` for `order_id` in the background to the provider's notification URL
/// (the order's callback URL, or the account's) when a runtime is running. A URL off
/// loopback is never called: the attempt is listed as refused.
pub(crate) fn start(
    shared: &Arc<Shared>,
    provider: Provider,
    order_id: &str,
    order_callback: Option<&str>,
    webhook: &SimulatedWebhook,
) {
    let url = if provider.simulated().delivery_policy().per_order {
        order_callback.map(str::to_owned)
    } else {
        shared.notification_url(provider)
    };
    let Some(url) = url else {
        return;
    };
    let paused = shared
        .deliveries_paused
        .load(std::sync::atomic::Ordering::Relaxed);
    if paused || !is_loopback(&url) {
        // Refused, and listed: a notification that never left is no mystery.
        record(
            shared,
            Delivery {
                provider,
                order_id: order_id.to_owned(),
                url: url.clone(),
                attempt: 1,
                at_ms: shared.elapsed_ms(),
                body: webhook.body.clone(),
                headers: webhook.headers.clone(),
                status: None,
                answer: None,
                error: Some(if paused {
                    "not sent: deliveries are paused (Sandbox::pause_deliveries)".to_owned()
                } else {
                    format!(
                        "not sent: {url} is not on this machine's loopback, and the sandbox calls nothing else"
                    )
                }),
                acknowledged: false,
                redelivery_of: None,
            },
        );
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let shared = shared.clone();
    let (order_id, webhook) = (order_id.to_owned(), webhook.clone());
    runtime.spawn(async move { deliver(&shared, provider, &order_id, &url, &webhook, None).await });
}

/// Why a delivery could not be made again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedeliveryError {
    /// The delivery list has no such attempt.
    #[error("there is no delivery {0} (see GET /_sandbox/deliveries)")]
    NoSuchDelivery(usize),
    /// Its URL is off loopback: the sandbox calls nothing else.
    #[error("{0} is not on this machine's loopback: the sandbox calls nothing else")]
    OffLoopback(String),
    /// No runtime to send it from.
    #[error("no async runtime is running to send it")]
    NoRuntime,
}

/// Sends delivery `index` of the list again, as the provider's dashboard "resend" does: its
/// body and headers to its URL, with the provider's attempts and deadline, each attempt
/// listed with `redelivery_of`.
pub(crate) fn redeliver(shared: &Arc<Shared>, index: usize) -> Result<(), RedeliveryError> {
    let original = shared
        .deliveries
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(index)
        .cloned()
        .ok_or(RedeliveryError::NoSuchDelivery(index))?;
    if !is_loopback(&original.url) {
        return Err(RedeliveryError::OffLoopback(original.url));
    }
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| RedeliveryError::NoRuntime)?;
    let shared = shared.clone();
    let webhook = SimulatedWebhook {
        body: original.body.clone(),
        headers: original.headers.clone(),
    };
    runtime.spawn(async move {
        deliver(
            &shared,
            original.provider,
            &original.order_id,
            &original.url,
            &webhook,
            Some(index),
        )
        .await;
    });
    Ok(())
}

async fn deliver(
    shared: &Shared,
    provider: Provider,
    order_id: &str,
    url: &str,
    webhook: &SimulatedWebhook,
    redelivery_of: Option<usize>,
) {
    let policy = provider.simulated().delivery_policy();
    let waits = std::iter::once(Duration::ZERO).chain(policy.retry_waits.iter().copied());
    for (attempt, wait) in (1u32..).zip(waits) {
        if !wait.is_zero() {
            tokio::time::sleep(wait / shared.delivery_compression()).await;
        }
        let at_ms = shared.elapsed_ms();
        let mut request = shared
            .http
            .post(url)
            .timeout(policy.answer_within)
            .body(webhook.body.clone());
        for (name, value) in &webhook.headers {
            request = request.header(name, value);
        }
        let (status, answer, error) = match request.send().await {
            Ok(response) if response.status().is_redirection() => {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or("nowhere")
                    .to_owned();
                (
                    Some(response.status().as_u16()),
                    None,
                    Some(format!(
                        "redirected to {location}: not followed, a failed delivery"
                    )),
                )
            }
            Ok(response) => {
                let status = response.status().as_u16();
                match response.bytes().await {
                    Ok(bytes) => (Some(status), Some(bytes.to_vec()), None),
                    Err(e) => (Some(status), None, Some(e.to_string())),
                }
            }
            Err(e) => (None, None, Some(e.to_string())),
        };
        let acknowledged = match (status, &answer) {
            (Some(status), Some(body)) if !(300..400).contains(&status) => {
                (policy.acknowledged)(status, body)
            }
            _ => false,
        };
        let excerpt = answer.map(|body| {
            let end = body.len().min(4096);
            String::from_utf8_lossy(body.get(..end).unwrap_or_default()).into_owned()
        });
        record(
            shared,
            Delivery {
                provider,
                order_id: order_id.to_owned(),
                url: url.to_owned(),
                attempt,
                at_ms,
                body: webhook.body.clone(),
                headers: webhook.headers.clone(),
                status,
                answer: excerpt,
                error,
                acknowledged,
                redelivery_of,
            },
        );
        if acknowledged {
            return;
        }
    }
}

fn record(shared: &Shared, delivery: Delivery) {
    shared
        .deliveries
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(delivery);
}

/// An answer is an acknowledgement when its status is 2xx.
pub(crate) fn any_success(status: u16, _body: &[u8]) -> bool {
    (200..300).contains(&status)
}
