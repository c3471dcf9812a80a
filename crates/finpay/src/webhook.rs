//! The callback Finpay POSTs to `url.callbackUrl` after a payment.
//!
//! `signature` (128 lowercase hex, the last member of the body) is
//! `HMAC-SHA512(json_encode(body without signature), merchant_key)` with PHP's default
//! `json_encode`. Because the exact bytes Finpay signs are not documented, the candidates of
//! [`crate::sign::signed_message_candidates`] are tried in turn — the raw body first, then
//! the PHP re-encodings — each compared in constant time. Finpay's docs call reading the
//! status with check the most secure confirmation; the signature is the other accepted way.
//!
//! Reply to a verified callback with [`paygate_core::WebhookEvent::reply`]:
//! `{"responseCode":"2000000","responseMessage":"Success"}`.

use paygate_core::http::HeaderMap;
use paygate_core::signing::{HmacSha512Key, from_hex};
use paygate_core::{Authenticity, Error, Result, WebhookEvent, WebhookRejection, WebhookReply};

use crate::PROVIDER;
use crate::config::FinpayConfig;
use crate::sign::signed_message_candidates;
use crate::status::payment_status;
use crate::wire::Transaction;
use crate::wire::parse_date;

fn rejected(reason: WebhookRejection) -> Error {
    Error::webhook(PROVIDER, reason)
}

/// True if `given` (hex, any case) signs one of the candidate messages of `body`.
pub fn signature_matches(key: &HmacSha512Key, body: &[u8], given: &str) -> Result<bool> {
    let Some(given) = from_hex(given.trim()).filter(|g| g.len() == 64) else {
        return Ok(false);
    };
    let candidates =
        signed_message_candidates(body).map_err(|e| rejected(WebhookRejection::Malformed(e)))?;
    // Every candidate is checked, so the time taken does not say which one matched.
    let mut matched = false;
    for candidate in &candidates {
        matched |= key.verify(&[candidate.as_bytes()], &given);
    }
    Ok(matched)
}

/// Verifies and reads a callback.
pub fn verify(config: &FinpayConfig, body: &[u8], _headers: &HeaderMap) -> Result<WebhookEvent> {
    let callback: Transaction = serde_json::from_slice(body)
        .map_err(|e| rejected(WebhookRejection::Malformed(e.to_string())))?;
    let given = callback
        .signature
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| rejected(WebhookRejection::MissingSignature("signature field")))?;
    if !signature_matches(&config.hmac, body, given)? {
        return Err(rejected(WebhookRejection::BadSignature));
    }
    let order = callback.order.as_ref();
    let order_id = order
        .and_then(|o| o.id.clone())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| rejected(WebhookRejection::MissingField("order.id")))?;
    let payment = callback.result.as_ref().and_then(|r| r.payment.as_ref());
    let mut event = WebhookEvent::new(PROVIDER, order_id, Authenticity::Verified, body);
    event.provider_status = payment.and_then(|p| p.status.clone());
    event.status = event.provider_status.as_deref().map(payment_status);
    event.transaction_id = order.and_then(|o| o.reference.clone());
    event.occurred_at = payment
        .and_then(|p| p.datetime.as_deref())
        .and_then(parse_date);
    let amount = order
        .and_then(|o| o.amount)
        .or(payment.and_then(|p| p.amount));
    event.amount = match amount {
        Some(a) => {
            let currency = match order
                .and_then(|o| o.currency.as_deref())
                .filter(|c| !c.is_empty())
            {
                Some(code) => paygate_core::Currency::from_code(code)
                    .map_err(|e| rejected(WebhookRejection::Malformed(e.to_string())))?,
                None => paygate_core::Currency::IDR,
            };
            Some(
                paygate_core::Money::new(a, currency)
                    .map_err(|e| rejected(WebhookRejection::Malformed(format!("amount: {e}"))))?,
            )
        }
        None => None,
    };
    event.reply = WebhookReply {
        status: 200,
        content_type: "application/json",
        body: r#"{"responseCode":"2000000","responseMessage":"Success"}"#.to_owned(),
    };
    Ok(event)
}
