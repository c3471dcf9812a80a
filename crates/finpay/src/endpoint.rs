//! Finpay's `responseCode`: its parts, and which codes are success and refusals (the same on
//! every endpoint; the paths are in each `ops` file).

use std::fmt;

use paygate_core::{ProviderErrorKind, lenient};
use serde::{Deserialize, Deserializer};

/// A SNAP-style 7-digit `responseCode`: HTTP class (3) + service code (2) + case code (2),
/// e.g. `4040100` = HTTP 404, service 01, case 00. Success is `2000000` only.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResponseCode(String);

impl ResponseCode {
    /// The success code.
    pub const SUCCESS: &'static str = "2000000";

    /// A code from its text (kept verbatim, even if malformed).
    pub fn new(code: impl Into<String>) -> ResponseCode {
        ResponseCode(code.into())
    }

    /// The code text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for `2000000`.
    pub fn is_success(&self) -> bool {
        self.0 == Self::SUCCESS
    }

    fn well_formed(&self) -> bool {
        self.0.len() == 7 && self.0.bytes().all(|b| b.is_ascii_digit())
    }

    /// The HTTP class: `404` of `4040100`.
    pub fn http_class(&self) -> Option<u16> {
        self.well_formed().then(|| self.0.get(..3)?.parse().ok())?
    }

    /// The service code: `01` of `4040100`.
    pub fn service(&self) -> Option<&str> {
        self.well_formed().then(|| self.0.get(3..5))?
    }

    /// The case code: `00` of `4040100`.
    pub fn case(&self) -> Option<&str> {
        self.well_formed().then(|| self.0.get(5..7))?
    }

    /// What kind of refusal this code is; `None` when it is not a refusal the SDK recognises
    /// (then on a write the outcome is unknown, on a read the answer is unexpected).
    ///
    /// Finpay's codes are SNAP's `HTTP(3) service(2) case(2)`. Recognised: the codes seen live
    /// (`4030015`, `4040100`, …) and, for any other well-formed code, the SNAP classes that mean
    /// the request was rejected before anything was done — 400 / 409 (validation, conflict,
    /// duplicate), 401 (auth), 403 (not permitted), 404 (not found), 429 (rate limited) — and
    /// 5xx (server; on a write still an unknown outcome). A malformed code, `202xxxx`
    /// ("in progress") or any other class is no refusal.
    pub fn refusal_kind(&self) -> Option<ProviderErrorKind> {
        match self.0.as_str() {
            "4030015" | "4040100" => return Some(ProviderErrorKind::InvalidState),
            "4041011" | "4040001" => return Some(ProviderErrorKind::NotFound),
            _ => {}
        }
        let kind = match self.http_class()? {
            400 | 409 => ProviderErrorKind::Validation,
            401 => ProviderErrorKind::Auth,
            // 403xx00 expired, xx01 feature not allowed, xx02 over limit, …: the account or
            // the transaction does not allow it.
            403 => ProviderErrorKind::InvalidState,
            404 => ProviderErrorKind::NotFound,
            429 => ProviderErrorKind::RateLimited { retry_after: None },
            500..=599 => ProviderErrorKind::Server,
            _ => return None,
        };
        Some(kind)
    }
}

#[doc(hidden)]
/// Finpay's codes for core's coded-answer reader: `2000000` is success, and
/// [`ResponseCode::refusal_kind`] says which others are refusals (the same on every endpoint).
#[derive(Debug, Clone, Copy, Default)]
pub struct FinpayCodes;

impl paygate_core::transport::CodeTable for FinpayCodes {
    fn is_success(&self, code: &str) -> bool {
        code == ResponseCode::SUCCESS
    }

    fn refusal_kind(&self, code: &str) -> Option<ProviderErrorKind> {
        ResponseCode::new(code).refusal_kind()
    }
}

impl fmt::Debug for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResponseCode({})", self.0)
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ResponseCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::string(d).map(ResponseCode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_code_parts() {
        let code = ResponseCode::new("4040100");
        assert_eq!(code.http_class(), Some(404));
        assert_eq!(code.service(), Some("01"));
        assert_eq!(code.case(), Some("00"));
        assert!(!code.is_success());
        assert!(ResponseCode::new("2000000").is_success());
        let odd = ResponseCode::new("40A");
        assert_eq!(
            (odd.http_class(), odd.service(), odd.case()),
            (None, None, None)
        );
        assert_eq!(odd.refusal_kind(), None);
    }

    #[test]
    fn response_code_kinds() {
        use ProviderErrorKind as K;
        for (code, kind) in [
            ("4011000", Some(K::Auth)),
            ("4010000", Some(K::Auth)),
            ("4041011", Some(K::NotFound)),
            ("4040001", Some(K::NotFound)),
            ("4040100", Some(K::InvalidState)),
            ("4030015", Some(K::InvalidState)),
            ("4030001", Some(K::InvalidState)),
            ("4000001", Some(K::Validation)),
            ("4000002", Some(K::Validation)),
            ("4090001", Some(K::Validation)),
            ("4290000", Some(K::RateLimited { retry_after: None })),
            ("5000001", Some(K::Server)),
            ("5040000", Some(K::Server)),
            ("3000000", None),
            ("2020000", None),
            ("40000", None),
            ("4000001x", None),
        ] {
            assert_eq!(ResponseCode::new(code).refusal_kind(), kind, "{code}");
        }
    }
}
