//! Webhook events and replies, and the test-signer pattern.
//!
//! With the `test-util` feature, each provider crate that verifies signed callbacks offers a
//! `TestSigner` implementing `WebhookSigner`: it signs a body exactly as the provider would, so an app can test its own
//! webhook endpoint without the provider, and the conformance suite can check every gateway's
//! verification (signed right → accepted, tampered → rejected) through one interface.

use std::fmt;

use http::HeaderMap;

use bytes::Bytes;
use serde::Serialize;
use time::OffsetDateTime;

#[cfg(any(test, feature = "test-util"))]
use crate::error::Result;
use crate::model::RawResponse;
use crate::money::Money;
use crate::status::PaymentStatus;

// Hidden: the provider crates read webhook headers with it.
#[doc(hidden)]
/// A header's value as text, if present and visible ASCII.
pub fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
/// A webhook body and headers, signed as the provider would sign them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedWebhook {
    /// The body bytes to send.
    pub body: Vec<u8>,
    /// The headers to send with it.
    pub headers: HeaderMap,
}

#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
/// Signs webhook bodies exactly as a provider does; for tests of webhook endpoints.
pub trait WebhookSigner: Send + Sync + fmt::Debug {
    /// The provider's name.
    fn provider(&self) -> &'static str;
    /// Signs `body` (the JSON the provider would send, without any signature).
    fn sign(&self, body: &[u8]) -> Result<SignedWebhook>;
}

/// How much a webhook can be trusted on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Authenticity {
    /// Its signature was checked against the merchant's key.
    Verified,
    /// The provider does not sign it (or did not this time): confirm it by reading the
    /// payment's status before acting on it.
    Unverified,
}

impl Authenticity {
    /// `"verified"` or `"unverified"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Authenticity::Verified => "verified",
            Authenticity::Unverified => "unverified",
        }
    }
}

impl fmt::Display for Authenticity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to answer the provider's webhook request with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookReply {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body.
    pub body: String,
}

impl WebhookReply {
    /// `200 OK` with an empty body.
    pub fn ok_empty() -> WebhookReply {
        WebhookReply {
            status: 200,
            content_type: "text/plain",
            body: String::new(),
        }
    }
}

/// A parsed, verified webhook / callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// Provider name.
    pub provider: &'static str,
    /// The app's order id: the one it created the payment with (PayG: `UniqueRequestId`).
    pub order_id: String,
    /// The provider's own id of the order, where the provider's calls take it instead of
    /// the app's (PayG's `OrderKeyId`: status, refund and refund status need it); `None`
    /// where the app's id serves. See [`WebhookEvent::status_order_id`].
    pub provider_reference: Option<String>,
    /// The provider's transaction id, if any.
    pub transaction_id: Option<String>,
    /// Unified status, when the event says.
    pub status: Option<PaymentStatus>,
    /// The provider's own status, verbatim.
    pub provider_status: Option<String>,
    /// Amount, when the event says.
    pub amount: Option<Money>,
    /// When it happened, with the provider's offset.
    #[serde(with = "time::serde::rfc3339::option")]
    pub occurred_at: Option<OffsetDateTime>,
    /// Whether the signature was checked.
    pub authenticity: Authenticity,
    /// What to answer the provider with.
    pub reply: WebhookReply,
    /// The body as received.
    #[serde(skip)]
    pub raw: RawResponse,
}

impl WebhookEvent {
    /// A webhook event; optional fields start empty and the reply is `200` with an empty body.
    pub fn new(
        provider: &'static str,
        order_id: impl Into<String>,
        authenticity: Authenticity,
        body: &[u8],
    ) -> WebhookEvent {
        WebhookEvent {
            provider,
            order_id: order_id.into(),
            provider_reference: None,
            transaction_id: None,
            status: None,
            provider_status: None,
            amount: None,
            occurred_at: None,
            authenticity,
            reply: WebhookReply::ok_empty(),
            raw: RawResponse {
                http_status: 0,
                content_type: Some("application/json".into()),
                body: Bytes::copy_from_slice(body),
            },
        }
    }

    /// The order id the gateway's status and refund calls take for this order: the
    /// provider's reference where it has one (PayG), else the app's order id.
    pub fn status_order_id(&self) -> &str {
        self.provider_reference.as_deref().unwrap_or(&self.order_id)
    }
}
