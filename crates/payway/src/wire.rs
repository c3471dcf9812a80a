//! PayWay's JSON, in PayWay's field names. Lenient on receipt: numbers may arrive as strings
//! and codes as numbers; amounts are read from the number's text, never through `f64`;
//! fields this crate does not know stay in the raw response.

use std::collections::BTreeMap;

use paygate_core::local_time;
use paygate_core::time::{OffsetDateTime, UtcOffset};
use paygate_core::{Decimal, lenient};
use serde::Deserialize;
use time::macros::offset;

/// The `status` object every answer carries.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Status {
    /// `"00"` on success; a string (`"PTL02"`, `"1"`) or a number (`6`, `429`) otherwise,
    /// normalised to text.
    #[serde(deserialize_with = "lenient::string")]
    pub code: String,
    /// Human-readable message.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub message: Option<String>,
    /// The merchant's `tran_id` on check/close; a gateway request id on list.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub tran_id: Option<String>,
    /// Gateway trace id (some endpoints).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub trace_id: Option<String>,
    /// Field errors on validation failures: `{"hash": ["The hash field is required."]}`.
    #[serde(default)]
    pub errors: Option<BTreeMap<String, serde_json::Value>>,
}

impl Status {
    /// The message with any field errors appended: `The given data was invalid. (hash: The
    /// hash field is required.)`.
    pub fn full_message(&self) -> String {
        let mut message = self.message.clone().unwrap_or_default();
        if let Some(errors) = self.errors.as_ref().filter(|e| !e.is_empty()) {
            let details: Vec<String> = errors
                .iter()
                .map(|(field, value)| {
                    let text = match value {
                        serde_json::Value::Array(items) => items
                            .iter()
                            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                            .collect::<Vec<_>>()
                            .join(" "),
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    format!("{field}: {text}")
                })
                .collect();
            message.push_str(&format!(" ({})", details.join("; ")));
        }
        message
    }
}

/// Every answer carries `status {code, message}`: core's coded-answer reader reads it there.
macro_rules! coded_by_status {
    ($($answer:ty),* $(,)?) => {$(
        impl paygate_core::transport::CodedAnswer for $answer {
            fn code(&self) -> &str {
                &self.status.code
            }
            fn message(&self) -> String {
                self.status.full_message()
            }
        }
    )*};
}

coded_by_status!(
    StatusOnly,
    CheckTransactionResponse,
    TransactionDetailResponse,
    CloseTransactionResponse,
    TransactionListResponse,
    ExchangeRateResponse,
    RefundResponse,
    PreAuthResponse,
    PurchaseResponse,
    GenerateQrResponse,
    PaymentLinkResponse,
    PaymentLinkVoidResponse,
    TransactionsByRefResponse,
    AccountLinkResponse,
    TokenDetailsResponse,
    TokenPaymentResponse,
    TokenStatusResponse,
);

mod credential;
mod payment_link;
mod status_in_data;
pub use credential::{
    AccountLinkData, AccountLinkResponse, TokenDetailsData, TokenDetailsResponse,
    TokenPaymentResponse, TokenStatusResponse,
};
pub use payment_link::{
    PaymentLinkData, PaymentLinkImageData, PaymentLinkResponse, PaymentLinkVoidResponse,
};

/// Any answer, read for its `status` only (at the top or inside `data`).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "status_in_data::Envelope")]
pub(crate) struct StatusOnly {
    pub(crate) status: Status,
}

impl TryFrom<status_in_data::Envelope> for StatusOnly {
    type Error = String;

    fn try_from(envelope: status_in_data::Envelope) -> Result<Self, String> {
        Ok(StatusOnly {
            status: envelope.status()?,
        })
    }
}

/// `check-transaction-2` answer (`status` read inside `data` too, where PayWay's schema puts
/// it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "status_in_data::Envelope")]
#[non_exhaustive]
pub struct CheckTransactionResponse {
    /// Absent on errors.
    #[serde(default)]
    pub data: Option<TransactionStatus>,
    /// Outcome.
    pub status: Status,
}

impl TryFrom<status_in_data::Envelope> for CheckTransactionResponse {
    type Error = String;

    fn try_from(envelope: status_in_data::Envelope) -> Result<Self, String> {
        Ok(CheckTransactionResponse {
            data: envelope.data()?,
            status: envelope.status()?,
        })
    }
}

impl TryFrom<status_in_data::Envelope> for TransactionDetailResponse {
    type Error = String;

    fn try_from(envelope: status_in_data::Envelope) -> Result<Self, String> {
        Ok(TransactionDetailResponse {
            data: envelope.data()?,
            status: envelope.status()?,
        })
    }
}

/// `check-transaction-2` `data`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TransactionStatus {
    /// 0 APPROVED or PRE-AUTH, 2 PENDING, 3 DECLINED, 4 REFUNDED (also after a *partial*
    /// refund), 7 CANCELLED.
    #[serde(default, deserialize_with = "lenient::option_integer")]
    pub payment_status_code: Option<i64>,
    /// Amount after discount.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub total_amount: Option<Decimal>,
    /// Amount before discount.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub original_amount: Option<Decimal>,
    /// Refunded so far: the authoritative figure after partial refunds.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub refund_amount: Option<Decimal>,
    /// Discount.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub discount_amount: Option<Decimal>,
    /// Amount paid (0 while pending).
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub payment_amount: Option<Decimal>,
    /// Currency paid in (`""` while pending).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_currency: Option<String>,
    /// Approval code.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub apv: Option<String>,
    /// APPROVED, PRE-AUTH, PENDING, DECLINED, REFUNDED, CANCELLED.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_status: Option<String>,
    /// `YYYY-MM-DD HH:mm:ss`, Phnom Penh time (UTC+7).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub transaction_date: Option<String>,
}

/// `transaction-detail` answer (`status` read inside `data` too, where PayWay's schema puts
/// it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "status_in_data::Envelope")]
#[non_exhaustive]
pub struct TransactionDetailResponse {
    /// Absent on errors.
    #[serde(default)]
    pub data: Option<Transaction>,
    /// Outcome.
    pub status: Status,
}

/// A transaction as `transaction-detail` and `transaction-list-2` describe it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// The merchant's `tran_id`.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub transaction_id: Option<String>,
    /// See [`TransactionStatus::payment_status_code`].
    #[serde(default, deserialize_with = "lenient::option_integer")]
    pub payment_status_code: Option<i64>,
    /// Status word.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_status: Option<String>,
    /// Amount before discount.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub original_amount: Option<Decimal>,
    /// The order's currency (on unpaid transactions: the profile's).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub original_currency: Option<String>,
    /// Amount paid.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub payment_amount: Option<Decimal>,
    /// Currency paid in.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_currency: Option<String>,
    /// Amount after discount.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub total_amount: Option<Decimal>,
    /// Refunded so far.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub refund_amount: Option<Decimal>,
    /// Discount.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub discount_amount: Option<Decimal>,
    /// Approval code.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub apv: Option<String>,
    /// UTC+7; creation time on detail, completion time on list.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub transaction_date: Option<String>,
    /// Payer's first name.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub first_name: Option<String>,
    /// Payer's last name.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub last_name: Option<String>,
    /// Payer's e-mail.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub email: Option<String>,
    /// Payer's phone.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub phone: Option<String>,
    /// Bank reference.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub bank_ref: Option<String>,
    /// ABA Pay, Alipay, Wechat, KHQR, VISA, MC, JCB, CUP, or `N/A`.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_type: Option<String>,
    /// Masked payer account.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payer_account: Option<String>,
    /// Payer's bank.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub bank_name: Option<String>,
    /// ONUS, OFFUS_DOMESTIC, OFFUS_INTERNATIONAL.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub card_source: Option<String>,
    /// The transaction's history (detail only).
    #[serde(default)]
    pub transaction_operations: Vec<TransactionOperation>,
    /// The merchant reference it was paid under (get-transactions-by-mc-ref: a KHQR's tag
    /// 62.01).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub merchant_ref: Option<String>,
}

/// One step of a transaction's history.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TransactionOperation {
    /// Create Order, Completed, Pre-Auth, Completed Pre-Auth, Cancelled Pre-Auth, Refunded.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub status: Option<String>,
    /// Amount of the step.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub amount: Option<Decimal>,
    /// UTC+7.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub transaction_date: Option<String>,
    /// Bank reference.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub bank_ref: Option<String>,
}

/// `close-transaction` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CloseTransactionResponse {
    /// Outcome.
    pub status: Status,
}

/// `transaction-list-2` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TransactionListResponse {
    /// The page of transactions.
    #[serde(default)]
    pub data: Vec<Transaction>,
    /// Page number, as PayWay echoes it.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub page: Option<String>,
    /// Page size, as PayWay echoes it.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub pagination: Option<String>,
    /// Outcome.
    pub status: Status,
}

/// `get-transactions-by-mc-ref` answer: the last 50 transactions under the reference (the
/// spec names the list `data`; one SDK reads `transactions`, taken too).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TransactionsByRefResponse {
    /// The transactions, as PayWay lists them.
    #[serde(default, alias = "transactions", deserialize_with = "list_or_null")]
    pub data: Vec<Transaction>,
    /// Outcome.
    pub status: Status,
}

/// A list that may come as `null`.
fn list_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Transaction>, D::Error> {
    Ok(Option::<Vec<Transaction>>::deserialize(d)?.unwrap_or_default())
}

/// `exchange-rate` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ExchangeRateResponse {
    /// Riel per one unit of each foreign currency, keyed by lower-case code (`"eur"`).
    #[serde(default)]
    pub exchange_rates: BTreeMap<String, ExchangeRate>,
    /// Outcome.
    pub status: Status,
}

/// Riel per one unit of a foreign currency.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ExchangeRate {
    /// Bank sells at.
    #[serde(deserialize_with = "lenient::decimal")]
    pub sell: Decimal,
    /// Bank buys at.
    #[serde(deserialize_with = "lenient::decimal")]
    pub buy: Decimal,
}

/// `online-transaction/refund` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RefundResponse {
    /// The amount after discount.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub grand_total: Option<Decimal>,
    /// Everything refunded so far, this refund included.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub total_refunded: Option<Decimal>,
    /// The original currency.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub currency: Option<String>,
    /// `REFUNDED`, for full and partial refunds alike.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub transaction_status: Option<String>,
    /// Outcome.
    pub status: Status,
}

/// `pre-auth-completion` and `pre-auth-cancellation` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PreAuthResponse {
    /// The amount.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub grand_total: Option<Decimal>,
    /// Currency.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub currency: Option<String>,
    /// `COMPLETED` or `CANCELLED`.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub transaction_status: Option<String>,
    /// Outcome.
    pub status: Status,
}

/// `purchase` JSON answer (QR / deep-link options, and QR-enabled profiles).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PurchaseResponse {
    /// KHQR payload (`qrString` on QR-API profiles).
    #[serde(
        default,
        alias = "qrString",
        deserialize_with = "lenient::option_string"
    )]
    pub qr_string: Option<String>,
    /// QR image as a data URL (QR-API profiles).
    #[serde(
        default,
        alias = "qrImage",
        deserialize_with = "lenient::option_string"
    )]
    pub qr_image: Option<String>,
    /// ABA Mobile deep link.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub abapay_deeplink: Option<String>,
    /// Hosted page showing the QR.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub checkout_qr_url: Option<String>,
    /// Free text.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub description: Option<String>,
    /// Outcome.
    pub status: Status,
}

/// `generate-qr` answer: the QR in camelCase (`qrString`, `qrImage`), the rest in
/// snake_case.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct GenerateQrResponse {
    /// The QR's payload (EMVCo / KHQR text): draw it, or show `qr_image`.
    #[serde(
        default,
        rename = "qrString",
        alias = "qr_string",
        deserialize_with = "lenient::option_string"
    )]
    pub qr_string: Option<String>,
    /// The QR drawn by PayWay, as a data URL (`data:image/png;base64,…`).
    #[serde(
        default,
        rename = "qrImage",
        alias = "qr_image",
        deserialize_with = "lenient::option_string"
    )]
    pub qr_image: Option<String>,
    /// Opens ABA Mobile on the payment.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub abapay_deeplink: Option<String>,
    /// ABA Mobile in Apple's App Store.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub app_store: Option<String>,
    /// ABA Mobile in Google Play.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub play_store: Option<String>,
    /// The amount, as PayWay echoes it.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub amount: Option<Decimal>,
    /// The currency, as PayWay echoes it.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub currency: Option<String>,
    /// Outcome.
    pub status: Status,
}

/// The pushback PayWay POSTs to the purchase's `return_url`. Its field set differs between
/// doc revisions; only `tran_id` (or `transaction_id` on KHQR webhooks) is required.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Pushback {
    /// The merchant's `tran_id`.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub tran_id: Option<String>,
    /// KHQR webhooks name it `transaction_id`.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub transaction_id: Option<String>,
    /// Approval code.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub apv: Option<String>,
    /// `"0"` or `0` for success.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub status: Option<String>,
    /// Echo of the purchase's `return_params`.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub return_params: Option<String>,
    /// Merchant reference (newer revisions).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub merchant_ref: Option<String>,
    /// The payment link's `merchant_ref_no`, on a payment made through a link.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub merchant_ref_no: Option<String>,
    /// See [`TransactionStatus::payment_status_code`] (KHQR webhooks).
    #[serde(default, deserialize_with = "lenient::option_integer")]
    pub payment_status_code: Option<i64>,
    /// Status word (KHQR webhooks).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_status: Option<String>,
    /// Amount paid.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub payment_amount: Option<Decimal>,
    /// Currency paid in.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_currency: Option<String>,
    /// Amount after discount.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub total_amount: Option<Decimal>,
    /// Order amount.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub original_amount: Option<Decimal>,
    /// Order currency.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub original_currency: Option<String>,
    /// UTC+7.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub transaction_date: Option<String>,
}

/// `req_time` / `request_time`: UTC as `YYYYMMDDHHmmss`.
pub fn request_time(now: OffsetDateTime) -> String {
    // Formatting a valid date cannot fail; PayWay refuses an empty `req_time` rather than
    // take a wrong one.
    now.to_offset(UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year][month][day][hour][minute][second]"
        ))
        .unwrap_or_default()
}

/// Phnom Penh time, in which PayWay writes every date.
pub const PAYWAY_OFFSET: UtcOffset = offset!(+7);

/// Reads PayWay's `YYYY-MM-DD HH:mm:ss` (UTC+7, no offset written) with an explicit +07:00.
pub fn parse_date(text: &str) -> Option<OffsetDateTime> {
    local_time::parse_ymd_hms(text, PAYWAY_OFFSET)
}

/// Writes a date as PayWay's `YYYY-MM-DD HH:mm:ss` in UTC+7.
pub fn format_date(at: OffsetDateTime) -> String {
    local_time::format_ymd_hms(at, PAYWAY_OFFSET)
}

#[cfg(test)]
mod tests {
    use super::*;
    use paygate_core::time::macros::datetime;

    #[test]
    fn request_time_is_utc_compact() {
        assert_eq!(
            request_time(datetime!(2025-02-13 06:55:45 UTC)),
            "20250213065545"
        );
        // A local time is converted, not reformatted.
        assert_eq!(
            request_time(datetime!(2025-02-13 13:55:45 +07:00)),
            "20250213065545"
        );
    }

    #[test]
    fn dates_get_an_explicit_offset() {
        assert_eq!(
            parse_date("2025-02-13 13:55:25"),
            Some(datetime!(2025-02-13 13:55:25 +07:00))
        );
        assert_eq!(
            parse_date("2025-02-13 13:55:25")
                .unwrap()
                .to_offset(UtcOffset::UTC)
                .hour(),
            6
        );
        for bad in [
            "",
            "2025-02-13",
            "2025-13-01 00:00:00",
            "2025-02-13 25:00:00",
            "a-b-c d:e:f",
            "2025-02-13 13:55:25:1",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        // Tolerant on receipt: an ISO `T` reads the same.
        assert_eq!(
            parse_date("2025-02-13T13:55:25"),
            parse_date("2025-02-13 13:55:25")
        );
        assert_eq!(
            format_date(datetime!(2025-02-13 06:55:25 UTC)),
            "2025-02-13 13:55:25"
        );
    }
}
