//! The pushback: PayWay's POST to the purchase's `return_url` after a payment.
//!
//! **A pushback is a notification, not proof.** PayWay's own guidance is to confirm every
//! payment with check-transaction before fulfilling; legacy and payment-link pushbacks carry
//! no signature at all. When the newer `X-PAYWAY-HMAC-SHA512` header is present it is
//! verified (constant time): `ksort` the body's keys, concatenate the values (strings as they
//! are, numbers as PHP prints them, `null` and `false` as `""`, `true` as `"1"`, arrays and
//! objects as compact JSON), then `base64(HMAC-SHA512(…, api_key))`. That the key is the API
//! key is what every SDK assumes; PayWay's page calls it "YOUR_SECRET_KEY". Without the header
//! the event is [`Authenticity::Unverified`] unless the profile is configured to require it.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use paygate_core::http::HeaderMap;
use paygate_core::php_json::{self, PhpJsonFlags};
use paygate_core::signing::HmacSha512Key;
use paygate_core::webhook::header_text;
use paygate_core::{
    Authenticity, Currency, Error, Money, PaymentStatus, Result, WebhookEvent, WebhookRejection,
};
use serde_json::value::RawValue;

use crate::PROVIDER;
use crate::config::PaywayConfig;
use crate::status::payment_status;
use crate::wire::Pushback;
use crate::wire::parse_date;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-payway-hmac-sha512";

fn rejected(reason: WebhookRejection) -> Error {
    Error::webhook(PROVIDER, reason)
}

/// The string PayWay signs: PHP's `ksort($body)` then `$s .= $value` for each value — strings
/// as they are, numbers as PHP casts them, `true` as `"1"`, `null`/`false` as `""`, arrays
/// and objects `json_encode`d ([`paygate_core::php_json`], checked against PHP itself).
pub fn signature_base(body: &[u8]) -> Result<String> {
    let malformed = |e: String| rejected(WebhookRejection::Malformed(e));
    let members = php_json::object_members(body).map_err(malformed)?;
    // ksort: byte order of the keys (PHP's for non-numeric string keys); a duplicate key was
    // already folded to its last value.
    let fields: BTreeMap<&str, &RawValue> =
        members.iter().map(|(k, v)| (k.as_str(), &**v)).collect();
    let mut base = String::new();
    for value in fields.values() {
        let text = value.get().trim();
        match text.as_bytes().first() {
            Some(b'"') => {
                let s: String = serde_json::from_str(text).map_err(|e| malformed(e.to_string()))?;
                base.push_str(&s);
            }
            Some(b'n') | Some(b'f') => {}
            Some(b't') => base.push('1'),
            Some(b'[') | Some(b'{') => {
                base.push_str(&php_json::reencode(text, PhpJsonFlags::DEFAULT).map_err(malformed)?);
            }
            _ => base.push_str(&php_json::string_cast_of_number(text).map_err(malformed)?),
        }
    }
    Ok(base)
}

/// The base64 signature of `body` under `key`.
pub fn sign(key: &HmacSha512Key, body: &[u8]) -> Result<String> {
    let base = signature_base(body)?;
    Ok(BASE64.encode(key.sign(&[base.as_bytes()])))
}

/// Verifies (when signed) and reads a pushback.
pub fn verify(config: &PaywayConfig, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
    let authenticity = match header_text(headers, SIGNATURE_HEADER) {
        Some(signature) => {
            let given = BASE64
                .decode(signature)
                .map_err(|_| rejected(WebhookRejection::BadSignature))?;
            let base = signature_base(body)?;
            if !config.hmac.verify(&[base.as_bytes()], &given) {
                return Err(rejected(WebhookRejection::BadSignature));
            }
            Authenticity::Verified
        }
        None if config.require_webhook_signature => {
            return Err(rejected(WebhookRejection::MissingSignature(
                "X-PAYWAY-HMAC-SHA512 header",
            )));
        }
        None => Authenticity::Unverified,
    };
    let pushback: Pushback = serde_json::from_slice(body)
        .map_err(|e| rejected(WebhookRejection::Malformed(e.to_string())))?;
    to_event(config, &pushback, authenticity, body)
}

fn to_event(
    config: &PaywayConfig,
    pushback: &Pushback,
    authenticity: Authenticity,
    body: &[u8],
) -> Result<WebhookEvent> {
    let order_id = pushback
        .tran_id
        .clone()
        .or_else(|| pushback.transaction_id.clone())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| rejected(WebhookRejection::MissingField("tran_id")))?;
    let status = if pushback.payment_status_code.is_some() || pushback.payment_status.is_some() {
        Some(payment_status(
            pushback.payment_status_code,
            pushback.payment_status.as_deref(),
            pushback.total_amount,
            None,
        ))
    } else {
        pushback.status.as_deref().map(|s| match s.trim() {
            "0" | "00" => PaymentStatus::Paid,
            other => PaymentStatus::Unknown(other.to_owned()),
        })
    };
    let currency_code = pushback
        .payment_currency
        .as_deref()
        .or(pushback.original_currency.as_deref())
        .filter(|c| !c.is_empty());
    let currency = match currency_code {
        Some(code) => Currency::from_code(code)
            .map_err(|e| rejected(WebhookRejection::Malformed(e.to_string())))?,
        None => config.currency,
    };
    let amount = pushback
        .payment_amount
        .or(pushback.total_amount)
        .or(pushback.original_amount)
        .map(|a| Money::new(a, currency))
        .transpose()
        .map_err(|e| rejected(WebhookRejection::Malformed(format!("amount: {e}"))))?;
    let mut event = WebhookEvent::new(PROVIDER, order_id, authenticity, body);
    event.transaction_id = pushback.apv.clone().filter(|a| !a.is_empty());
    event.provider_status = pushback
        .payment_status
        .clone()
        .or_else(|| pushback.status.clone());
    event.status = status;
    event.amount = amount;
    event.occurred_at = pushback.transaction_date.as_deref().and_then(parse_date);
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// research §8, computed with Python `hmac` (independent of this crate): the official
    /// sample body, keys sorted `apv, return_params, status, tran_id`.
    #[test]
    fn official_sample_vector() {
        let body = br#"{"tran_id":"17425401324","apv":"619195","status":"0","return_params":"xxxxxxxxxx"}"#;
        assert_eq!(
            signature_base(body).unwrap(),
            "619195xxxxxxxxxx017425401324"
        );
        let key = HmacSha512Key::new(b"test_api_key_not_a_real_secret").unwrap();
        assert_eq!(
            sign(&key, body).unwrap(),
            "6p7HJaC+cSiBAJO7AM16iJ9xOSCAjoUqoaWYVS4vyKCyXeolqWwqCHMN4bMo6zxImsqnwZieF6I4EevbffMzMQ=="
        );
    }

    /// Expected strings were printed by PHP 8.2.35 running the documented algorithm.
    #[test]
    fn values_print_like_php() {
        let body = br#"{"b":100.0,"a":0.10,"c":null,"d":true,"e":false,"f":[1,"x"],"g":7}"#;
        assert_eq!(signature_base(body).unwrap(), "0.11001[1,\"x\"]7");
        let body = r#"{"b":[1,"x/y"],"a":true,"c":null,"d":false,"e":{"k":"é"}}"#;
        assert_eq!(
            signature_base(body.as_bytes()).unwrap(),
            r#"1[1,"x\/y"]{"k":"\u00e9"}"#
        );
        assert_eq!(signature_base(br#"{"big":1e15}"#).unwrap(), "1.0E+15");
    }

    #[test]
    fn not_an_object_is_malformed() {
        for body in [&b"[1]"[..], b"", b"{", b"\"x\""] {
            assert!(matches!(
                signature_base(body),
                Err(Error::WebhookRejected {
                    reason: WebhookRejection::Malformed(_),
                    ..
                })
            ));
        }
    }
}
