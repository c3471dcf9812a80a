//! Finpay's authentication and callback signature.
//!
//! Requests: `Authorization: Basic base64(merchant_id:merchant_key)`; no request signing,
//! timestamps or nonces exist in this API family.
//!
//! Callbacks: `signature` = lowercase hex `HMAC-SHA512(json_encode($fields), merchant_key)`
//! where `$fields` is the body without `signature`, encoded by PHP's `json_encode` with its
//! default flags (compact, key order kept, `/` as `\/`, non-ASCII as `\uXXXX`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use paygate_core::http::HeaderValue;
use paygate_core::php_json::{self, PhpJsonFlags};
use paygate_core::secrecy::{ExposeSecret, SecretString};
use paygate_core::signing::{HmacSha512Key, to_hex};
use paygate_core::{Error, Result};

/// `Basic base64(merchant_id:merchant_key)`, marked sensitive so it is never printed.
pub fn basic_authorization(merchant_id: &str, merchant_key: &SecretString) -> Result<HeaderValue> {
    let credentials = format!("{merchant_id}:{}", merchant_key.expose_secret());
    let mut value = HeaderValue::from_str(&format!("Basic {}", BASE64.encode(credentials)))
        .map_err(|_| Error::config("merchant_key", "cannot be used in an Authorization header"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// The lowercase hex signature of `message`.
pub fn signature(key: &HmacSha512Key, message: &[u8]) -> String {
    to_hex(&key.sign(&[message]))
}

/// The messages Finpay may have signed for `body`, in the order they are tried:
///
/// 1. the body as received minus its `signature` member (exact when Finpay sends compact
///    JSON, whatever encoder it used);
/// 2. PHP `json_encode` with default flags (what Finpay's docs and official plugin do);
/// 3. the same with `JSON_UNESCAPED_SLASHES` (what several integrators do);
/// 4. with `JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE`.
///
/// The last three differ only for bodies holding `/`, non-ASCII or numbers PHP reprints.
pub fn signed_message_candidates(body: &[u8]) -> std::result::Result<Vec<String>, String> {
    let members = php_json::object_members(body)?;
    let mut raw = String::from("{");
    let mut first = true;
    for (key, value) in &members {
        if key == "signature" {
            continue;
        }
        if !first {
            raw.push(',');
        }
        first = false;
        raw.push_str(&serde_json::to_string(key).map_err(|e| e.to_string())?);
        raw.push(':');
        raw.push_str(value.get());
    }
    raw.push('}');
    let mut candidates = vec![raw];
    for flags in [
        PhpJsonFlags::DEFAULT,
        PhpJsonFlags::UNESCAPED_SLASHES,
        PhpJsonFlags::UNESCAPED_SLASHES_AND_UNICODE,
    ] {
        let encoded = php_json::reencode_without(body, "signature", flags)?;
        if !candidates.contains(&encoded) {
            candidates.push(encoded);
        }
    }
    Ok(candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented example: MID `FINPAY770`, key `SoSecret123`.
    #[test]
    fn documented_basic_auth_vector() {
        let value = basic_authorization("FINPAY770", &SecretString::from("SoSecret123")).unwrap();
        assert_eq!(
            value.to_str().unwrap(),
            "Basic RklOUEFZNzcwOlNvU2VjcmV0MTIz"
        );
        assert!(value.is_sensitive());
    }

    #[test]
    fn candidates_are_distinct_and_raw_first() {
        let body = br#"{"order":{"id":"INV/1"},"signature":"x"}"#;
        let c = signed_message_candidates(body).unwrap();
        assert_eq!(
            c,
            vec![
                r#"{"order":{"id":"INV/1"}}"#.to_owned(),
                r#"{"order":{"id":"INV\/1"}}"#.to_owned()
            ]
        );
    }
}
