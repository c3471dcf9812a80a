//! The credentials-on-file answers (v3), in PayWay's names. Every one carries `status`
//! (`"00"` on success). Their other fields are not on any page of PayWay's that we could read:
//! they are those independent integrations read (`data.qr_string`, `data.deeplink`, and
//! `data.ctid`, `data.pwt`, `data.status` from get-token-details). The raw body is kept too.

use paygate_core::lenient;
use serde::{Deserialize, Deserializer};

use super::Status;
use crate::ops::credential::PaymentToken;

/// `link-account` answer: what the customer opens to approve the link in ABA Mobile (valid
/// about ten minutes).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AccountLinkResponse {
    /// Absent on errors.
    #[serde(default)]
    pub data: Option<AccountLinkData>,
    /// Outcome.
    pub status: Status,
}

/// The link to approve: a QR for a web page, a deep link for a phone.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AccountLinkData {
    /// KHQR-style text to draw as a QR.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub qr_string: Option<String>,
    /// ABA Mobile deep link (`abapay_deeplink` in one independent schema).
    #[serde(
        default,
        alias = "abapay_deeplink",
        deserialize_with = "lenient::option_string"
    )]
    pub deeplink: Option<String>,
}

/// `get-token-details` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TokenDetailsResponse {
    /// Absent on errors and while the link is not approved.
    #[serde(default)]
    pub data: Option<TokenDetailsData>,
    /// Outcome (`09` when the link request has no token).
    pub status: Status,
}

/// The token a link request produced.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TokenDetailsData {
    /// The customer the token belongs to.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub ctid: Option<String>,
    /// The token (a secret).
    #[serde(default, deserialize_with = "option_token")]
    pub pwt: Option<PaymentToken>,
    /// `1` active, `0` removed, `2` frozen (do not charge unless `1`).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub status: Option<String>,
    /// `CITI_FLEX`, … as linked.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub token_flag: Option<String>,
}

impl TokenDetailsData {
    /// True when PayWay says the token may be charged (`status` 1).
    pub fn is_active(&self) -> bool {
        self.status.as_deref() == Some("1")
    }
}

/// `payment-credential` answer: `status.code` `00` means PayWay took the payment request;
/// the payment's result is read with check-transaction (and arrives at `callback_url`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TokenPaymentResponse {
    /// Outcome; `tran_id` echoes the payment's when present.
    pub status: Status,
}

/// `renew-expired-account-token` and `remove-token` answers: a status only.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TokenStatusResponse {
    /// Outcome.
    pub status: Status,
}

fn option_token<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PaymentToken>, D::Error> {
    match lenient::option_string(d)? {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) => PaymentToken::new(text)
            .map(Some)
            .map_err(|_| serde::de::Error::custom("pwt is not 1 to 255 visible ASCII characters")),
    }
}
