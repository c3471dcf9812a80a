//! The payment-link answers (`payment-link/create`, `/detail`, `/void`), in PayWay's names.
//!
//! Seen live by an independent SDK: the top-level `tran_id` (a request log id) is a number,
//! `expired_date` is a number on create and a string in detail (`"0"` when the link never
//! expires), `amount` a number or a string, and `pushback_url` in the official schema is
//! `return_url` in the answers. A link's `status` is `OPEN`, `PAID` (as many payments as
//! `payment_limit`) or `VOIDED`; expiry is not a status (an expired link still reads `OPEN`).

use paygate_core::{Decimal, lenient};
use serde::Deserialize;

use super::Status;

/// `payment-link/create` and `/detail` answer: the link in `data`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PaymentLinkResponse {
    /// Absent on errors.
    #[serde(default)]
    pub data: Option<PaymentLinkData>,
    /// Outcome: `"00"` on success.
    pub status: Status,
    /// PayWay's id of this request (a number on the wire), not a transaction.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub tran_id: Option<String>,
}

/// `payment-link/void` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PaymentLinkVoidResponse {
    /// Outcome: `"00"` on success, `PTL188` when the link was voided already.
    pub status: Status,
    /// PayWay's id of this request (a number on the wire).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub tran_id: Option<String>,
}

/// One payment link, as create and detail answer it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PaymentLinkData {
    /// The link's id (base64-like, e.g. `iN4sbkzbwOCx5VzdXTYsCw==`): what detail and void take.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub id: Option<String>,
    /// Title shown to the payer.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub title: Option<String>,
    /// The uploaded image as PayWay hosts it (`image` empty when none).
    #[serde(default)]
    pub image: Option<PaymentLinkImageData>,
    /// The amount each payment is for.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub amount: Option<Decimal>,
    /// `USD` or `KHR`.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub currency: Option<String>,
    /// `OPEN`, `PAID` or `VOIDED`.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub status: Option<String>,
    /// Description shown to the payer.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub description: Option<String>,
    /// How many payments the link takes (absent or 0: no limit).
    #[serde(default, deserialize_with = "lenient::option_integer")]
    pub payment_limit: Option<i64>,
    /// Collected before refunds.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub total_amount_org: Option<Decimal>,
    /// Refunded.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub total_refund: Option<Decimal>,
    /// Collected.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub total_amount: Option<Decimal>,
    /// Payments made.
    #[serde(default, deserialize_with = "lenient::option_integer")]
    pub total_trxn: Option<i64>,
    /// `YYYY-MM-DD HH:mm:ss`.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub created_at: Option<String>,
    /// `YYYY-MM-DD HH:mm:ss`.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub updated_at: Option<String>,
    /// Unix seconds; 0 (or absent) when the link never expires.
    #[serde(default, deserialize_with = "lenient::option_integer")]
    pub expired_date: Option<i64>,
    /// Where PayWay posts each payment's (unsigned) pushback; `pushback_url` in the schema.
    #[serde(
        default,
        alias = "pushback_url",
        deserialize_with = "lenient::option_string"
    )]
    pub return_url: Option<String>,
    /// The merchant's own reference (PayWay does not check it is unique).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub merchant_ref_no: Option<String>,
    /// Outlet id.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub outlet_id: Option<String>,
    /// Outlet name (shown on the payer's page).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub outlet_name: Option<String>,
    /// The link's payout entries as PayWay echoes them (kept as JSON: their shape in answers is
    /// unconfirmed).
    #[serde(default)]
    pub payout: Option<serde_json::Value>,
    /// The URL to share with the payer.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_link: Option<String>,
}

/// `image` of a link: PayWay renames the upload and hosts it; `size` reads 0 even after an
/// upload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PaymentLinkImageData {
    /// The hosted image's URL (`""` when the link has none).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub image: Option<String>,
    /// PayWay's file name for it.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub filename: Option<String>,
    /// Unreliable (0 after an upload too).
    #[serde(default, deserialize_with = "lenient::option_integer")]
    pub size: Option<i64>,
}
