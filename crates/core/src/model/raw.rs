//! Answers as received: the raw response, the typed native answer, and the checks every
//! provider applies to what an answer says (amounts it can hold, the order it names).

use std::fmt;

use bytes::Bytes;

use crate::error::{Error, Result, UnexpectedBody};
use crate::money::Money;
use crate::operation::Operation;

/// The provider's answer exactly as received: status, content type and body bytes.
/// Unknown fields stay readable here whatever the typed model knows.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RawResponse {
    /// HTTP status (0 for a webhook, which was received, not answered).
    pub http_status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Bytes,
}

impl RawResponse {
    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body parsed as JSON. Numbers keep their exact text only if read into
    /// [`crate::lenient`] types; `serde_json::Value` holds floats as `f64`.
    pub fn json<T: serde::de::DeserializeOwned>(
        &self,
    ) -> std::result::Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

impl From<&crate::transport::HttpResponse> for RawResponse {
    fn from(r: &crate::transport::HttpResponse) -> Self {
        RawResponse {
            http_status: r.status,
            content_type: r.content_type().map(str::to_owned),
            body: r.body.clone(),
        }
    }
}

/// Shows status and size only: bodies can carry customer data.
impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("http_status", &self.http_status)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl UnexpectedBody {
    /// Describes a body already kept as a [`RawResponse`] (for errors found while
    /// converting a parsed answer, e.g. an amount of a currency's wrong precision).
    pub fn from_raw(
        provider: &'static str,
        operation: Operation,
        raw: &RawResponse,
        reason: impl Into<String>,
    ) -> Self {
        UnexpectedBody {
            provider,
            operation,
            http_status: raw.http_status,
            content_type: raw.content_type.clone(),
            excerpt: crate::redact::excerpt(&raw.body, 160),
            reason: reason.into(),
            retry_after: None,
            body: raw.body.clone(),
        }
    }
}

// Hidden: for the provider crates: money read from an answer, checked.
#[doc(hidden)]
/// A received amount as [`Money`]; an amount the currency cannot hold (negative, too precise)
/// makes the answer an [`crate::UnexpectedBody`] naming `field`.
pub fn received_money(
    provider: &'static str,
    operation: crate::Operation,
    raw: &RawResponse,
    field: &str,
    amount: Option<rust_decimal::Decimal>,
    currency: crate::Currency,
) -> Result<Option<Money>> {
    amount
        .map(|a| {
            Money::new(a, currency).map_err(|e| {
                Error::from(crate::UnexpectedBody::from_raw(
                    provider,
                    operation,
                    raw,
                    format!("{field}: {e}"),
                ))
            })
        })
        .transpose()
}

// Hidden: for the provider crates: an answer must echo what was asked.
#[doc(hidden)]
/// Checks that an answer is about this request: `echoed` — the order id, transaction id or
/// currency the provider names in its answer — must equal `expected` when the answer names
/// one. An answer about something else is an [`crate::UnexpectedBody`]: on a write an unknown
/// outcome, on a read an answer not accepted (providers and proxies have mixed up answers).
pub fn check_echo(
    provider: &'static str,
    operation: crate::Operation,
    raw: &RawResponse,
    field: &str,
    expected: &str,
    echoed: Option<&str>,
) -> Result<()> {
    match echoed.map(str::trim).filter(|e| !e.is_empty()) {
        Some(echoed) if echoed != expected => Err(Error::from(crate::UnexpectedBody::from_raw(
            provider,
            operation,
            raw,
            format!("the answer is about {field} {echoed:?}, not {expected:?}"),
        ))),
        _ => Ok(()),
    }
}

/// A provider's own answer, typed in its field names, with the raw response it was read from
/// (where any field the type does not know stays readable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeResponse<T> {
    /// The typed body.
    pub body: T,
    /// The answer as received.
    pub raw: RawResponse,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_response_debug_hides_the_body() {
        let raw = RawResponse {
            http_status: 200,
            content_type: None,
            body: Bytes::from_static(b"{\"Email\":\"someone@example.com\"}"),
        };
        let debug = format!("{raw:?}");
        assert!(!debug.contains("example.com"), "{debug}");
        assert!(debug.contains("body_len: 31"), "{debug}");
    }
}
