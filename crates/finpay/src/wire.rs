//! Finpay's JSON, in Finpay's field names (camelCase on the wire; the all-lowercase
//! `redirecturl`, `appurl`, `imageurl` of the initiate answer are kept, with camelCase
//! aliases). Lenient on receipt: amounts as string or integer, read exactly; fields this
//! crate does not know stay in the raw response. Requests send amounts as strings of digits.
//! (No `#[serde(flatten)]`: the exact amount readers need serde_json's own deserializer.)

use paygate_core::local_time;
use paygate_core::time::{OffsetDateTime, UtcOffset};
use paygate_core::{Decimal, lenient};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use time::macros::offset;

use crate::endpoint::ResponseCode;

/// The envelope every answer carries.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Envelope {
    /// `2000000` on success.
    pub response_code: ResponseCode,
    /// Human-readable message.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub response_message: Option<String>,
    /// Seconds the server spent.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub processing_time: Option<Decimal>,
    /// Trace id (some answers).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub trace_id: Option<String>,
}

/// Every answer carries `responseCode` and `responseMessage`: core's coded-answer reader reads
/// them there.
macro_rules! coded_by_response_code {
    ($($answer:ty),* $(,)?) => {$(
        impl paygate_core::transport::CodedAnswer for $answer {
            fn code(&self) -> &str {
                self.response_code.as_str()
            }
            fn message(&self) -> String {
                self.response_message.clone().unwrap_or_default()
            }
        }
    )*};
}

coded_by_response_code!(Envelope, InitiateResponse, CheckResponse);

/// `POST /pg/payment/card/initiate` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateRequest {
    /// The payer.
    pub customer: Customer,
    /// The order.
    pub order: Order,
    /// Callback and browser URLs.
    pub url: Urls,
    /// The payment method; absent = Finpay's hosted page lets the customer choose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_of_funds: Option<SourceOfFunds>,
    /// Merchant data echoed back in `meta.data`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Stored-card options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<Card>,
    /// Recurring schedule (JSON as Finpay documents it: all values strings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurring: Option<RawJson>,
}

/// JSON passed through exactly as given (never re-encoded, so numbers keep their digits).
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct RawJson(pub Box<RawValue>);

impl RawJson {
    /// Checks that `text` is JSON and keeps it as written.
    pub fn new(text: impl Into<String>) -> Result<RawJson, serde_json::Error> {
        RawValue::from_string(text.into()).map(RawJson)
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Eq for RawJson {}

/// `customer`. Finpay marks every field conditional, but `mobilePhone` is required in
/// practice, in E.164 form (`+62…`); `0812…` is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    /// Merchant's customer id (≤ 320).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// E-mail (≤ 320).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// First name (≤ 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name (≤ 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Mobile phone, E.164 (≤ 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    /// Phone (≤ 15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Tax registration id (≤ 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_registration_id: Option<String>,
}

/// `order`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// Merchant order id: 1–30 of `[A-Za-z0-9_-]`, unique per merchant.
    pub id: String,
    /// Integer rupiah as a string of digits (≤ 14).
    pub amount: String,
    /// Default IDR.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// ≤ 127 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Minutes the order stays payable (default 1440).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Line items (DANA and LinkAja require them; DANA also `category`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<Item>,
}

/// One `order.item`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// Name.
    pub name: String,
    /// Quantity, as a string.
    pub quantity: String,
    /// Unit price in rupiah, as a string of digits.
    pub unit_price: String,
    /// Category (DANA requires it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// SKU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
}

/// `url`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Urls {
    /// Where Finpay POSTs the signed callback (server to server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// Browser, after success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    /// Browser, after failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_url: Option<String>,
    /// Browser, "back to merchant".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub back_url: Option<String>,
}

/// `sourceOfFunds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceOfFunds {
    /// The channel: `cc`, `qris`, `vabca`, `vamandiri`, `finpaycode`, `dana`, `ovo`, …
    #[serde(rename = "type", default, deserialize_with = "lenient::option_string")]
    pub kind: Option<String>,
    /// A VA number / pay code.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub payment_code: Option<String>,
    /// OVO account (`08…`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub account_id: Option<String>,
    /// Channel code in answers (`"008"`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub channel: Option<String>,
}

/// `meta`: merchant data echoed back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Meta {
    /// Any JSON, sent exactly as given.
    pub data: RawJson,
}

/// `card`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    /// `TO_BE_STORED` to save the card after a successful authorization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored_on_file: Option<String>,
    /// A stored card's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// `{"order":{"id":…,"amount":…}}`: how Finpay's bodies name an order (refund, void).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderRef {
    /// The order.
    pub order: OrderRefInner,
}

/// The `order` of [`OrderRef`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderRefInner {
    /// Order id.
    pub id: String,
    /// Amount in rupiah as digits, when the operation takes one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
}

/// The initiate answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct InitiateResponse {
    /// `2000000`.
    #[serde(rename = "responseCode")]
    pub response_code: ResponseCode,
    /// Message.
    #[serde(
        default,
        rename = "responseMessage",
        deserialize_with = "lenient::option_string"
    )]
    pub response_message: Option<String>,
    /// Hosted page or pending page.
    #[serde(
        default,
        alias = "redirectUrl",
        deserialize_with = "lenient::option_string"
    )]
    pub redirecturl: Option<String>,
    /// VA number / pay code.
    #[serde(
        default,
        rename = "paymentCode",
        deserialize_with = "lenient::option_string"
    )]
    pub payment_code: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS`, Jakarta time (UTC+7) assumed: the zone is undocumented.
    #[serde(
        default,
        rename = "expiryLink",
        deserialize_with = "lenient::option_string"
    )]
    pub expiry_link: Option<String>,
    /// E-wallet deep link.
    #[serde(default, alias = "appUrl", deserialize_with = "lenient::option_string")]
    pub appurl: Option<String>,
    /// QR image.
    #[serde(
        default,
        alias = "imageUrl",
        deserialize_with = "lenient::option_string"
    )]
    pub imageurl: Option<String>,
}

/// The check-status answer (and open-payment check).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CheckResponse {
    /// `2000000`.
    #[serde(rename = "responseCode")]
    pub response_code: ResponseCode,
    /// Message.
    #[serde(
        default,
        rename = "responseMessage",
        deserialize_with = "lenient::option_string"
    )]
    pub response_message: Option<String>,
    /// The transaction.
    #[serde(default)]
    pub data: Option<Transaction>,
}

/// `data` of check status, and the callback body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Transaction {
    /// Payer.
    #[serde(default)]
    pub customer: Option<Customer>,
    /// Order.
    #[serde(default)]
    pub order: Option<OrderState>,
    /// Card, for card payments.
    #[serde(default)]
    pub card: Option<CardInfo>,
    /// Outcome.
    #[serde(default)]
    pub result: Option<ResultInfo>,
    /// Channel used.
    #[serde(default)]
    pub source_of_funds: Option<SourceOfFunds>,
    /// Callback signature (callbacks; PG×Billing check).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub signature: Option<String>,
}

/// `order` in answers: `amount` is an integer here, though sent as a string.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderState {
    /// Merchant order id.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub id: Option<String>,
    /// Finpay's reference.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub reference: Option<String>,
    /// Amount.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub amount: Option<Decimal>,
    /// Currency.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub currency: Option<String>,
}

/// `card`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CardInfo {
    /// `512345xxxxxx0008`.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub mask: Option<String>,
    /// Brand, issuer, type, country.
    #[serde(default)]
    pub info: Option<CardDetails>,
}

/// `card.info`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CardDetails {
    /// MASTERCARD, VISA, …
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub brand: Option<String>,
    /// Issuing bank.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub issuing: Option<String>,
    /// CREDIT / DEBIT.
    #[serde(default, rename = "type", deserialize_with = "lenient::option_string")]
    pub kind: Option<String>,
    /// STANDARD, …
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub sub_type: Option<String>,
    /// Issuing country.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub country: Option<String>,
}

/// `result`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ResultInfo {
    /// The payment.
    #[serde(default)]
    pub payment: Option<PaymentResult>,
}

/// `result.payment`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentResult {
    /// Amount.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub amount: Option<Decimal>,
    /// PAID, CAPTURED, REQUEST_INITIATED, … (see [`crate::status::payment_status`]).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub status: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub status_desc: Option<String>,
    /// `YYYY-MM-DD hh:mi:ss`, Jakarta time assumed.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub datetime: Option<String>,
    /// Reference.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub reference: Option<String>,
    /// Channel.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub channel: Option<String>,
}

/// Jakarta time (WIB), assumed for Finpay's zone-less dates: Finpay documents no zone, and
/// third-party integrations read them as WIB.
pub const FINPAY_OFFSET: UtcOffset = offset!(+7);

/// Reads `YYYY-MM-DD HH:MM:SS` as Jakarta time, with an explicit +07:00.
pub fn parse_date(text: &str) -> Option<OffsetDateTime> {
    local_time::parse_ymd_hms(text, FINPAY_OFFSET)
}

/// An open payment's channel, Finpay's `sofId` of a virtual account: `va` and the bank,
/// lowercase (`vabca`, `vabni`, `vabri`, `vamandiri`, `vapermata`, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VirtualAccountChannel(String);

impl VirtualAccountChannel {
    /// Checks `sof_id`: `va` then 2 to 18 lowercase letters.
    pub fn new(sof_id: impl Into<String>) -> paygate_core::Result<VirtualAccountChannel> {
        let sof_id = sof_id.into();
        let bank = sof_id.strip_prefix("va").unwrap_or("");
        if !(2..=18).contains(&bank.len()) || !bank.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(paygate_core::Error::invalid(
                "sof_id",
                "must be a virtual-account channel: `va` and the bank in lowercase (vabca, vamandiri, …)",
            ));
        }
        Ok(VirtualAccountChannel(sof_id))
    }

    /// The `sofId`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A virtual account number (`paymentCode`): 1 to 30 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PaymentCode(String);

impl PaymentCode {
    /// Checks `code`.
    pub fn new(code: impl Into<String>) -> paygate_core::Result<PaymentCode> {
        let code = code.into();
        if code.is_empty() || code.len() > 30 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(paygate_core::Error::invalid(
                "payment_code",
                "must be a virtual account number: 1 to 30 digits",
            ));
        }
        Ok(PaymentCode(code))
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_jakarta_time() {
        let d = parse_date("2023-04-05 09:56:35").unwrap();
        assert_eq!(d.offset(), FINPAY_OFFSET);
        assert_eq!(d.to_offset(UtcOffset::UTC).hour(), 2);
        assert!(parse_date("2023-02-30 00:00:00").is_none());
    }
}
