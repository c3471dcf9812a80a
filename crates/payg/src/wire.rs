//! PayG's JSON, in PayG's PascalCase field names. The order object comes back from create,
//! Detail, Refund, RefundStatus and the postback; every field may be `null`, numbers may be
//! strings and the reverse (`MerchantKeyId` is `"7963"` in requests, `7963` in answers),
//! and amounts are read from the number's text. Unknown fields stay in the raw response.

use paygate_core::local_time;
use paygate_core::time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
use paygate_core::{Decimal, lenient};
use serde::{Deserialize, Deserializer, Serialize};
use time::format_description::BorrowedFormatItem;
use time::macros::{format_description, offset};

/// The order object.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Order {
    /// PayG's order key: the id of every later call.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub order_key_id: Option<String>,
    /// Merchant key id.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub merchant_key_id: Option<String>,
    /// The merchant's request id (echo).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub unique_request_id: Option<String>,
    /// `PAYMENT` (echo; not validated by PayG).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub order_type: Option<String>,
    /// Order amount, decimal(18,2).
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub order_amount: Option<Decimal>,
    /// The merchant's order number (echo).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub order_id: Option<String>,
    /// Order status code (table not published; `"0"`, `"1"` seen).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub order_status: Option<String>,
    /// 0..7 (table not published; `0` with text "Paid" seen, so not used for the status).
    #[serde(default, deserialize_with = "lenient::option_integer")]
    pub order_payment_status: Option<i64>,
    /// E.g. "Paid".
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub order_payment_status_text: Option<String>,
    /// Payment status code (0 new, 1 paid seen).
    #[serde(default, deserialize_with = "lenient::option_integer")]
    pub payment_status: Option<i64>,
    /// The payment's transaction id: needed for Refund.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_transaction_id: Option<String>,
    /// 0 initiated, 1 approved, 2 declined, 4 pending: the most reliable outcome field.
    #[serde(default, deserialize_with = "lenient::option_integer")]
    pub payment_response_code: Option<i64>,
    /// Approval code.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_approval_code: Option<String>,
    /// Reason code.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_reason_code: Option<String>,
    /// Bank / UPI reference (RRN).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_transaction_ref_no: Option<String>,
    /// "Approved", "Pending", "Declined", …
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_response_text: Option<String>,
    /// "Upi", "CreditCard", … (the Refund's `PaymentType`).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_method: Option<String>,
    /// VPA, masked card, bank or wallet name.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_account: Option<String>,
    /// Surcharge.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub surcharge_fees: Option<Decimal>,
    /// GST on the surcharge.
    #[serde(
        default,
        rename = "SurchargeGST",
        deserialize_with = "lenient::option_decimal"
    )]
    pub surcharge_gst: Option<Decimal>,
    /// Amount paid.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub payment_amount: Option<Decimal>,
    /// The refund's transaction id (0 when there is none).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub order_refund_transaction_id: Option<String>,
    /// 1 succeeded, 2 failed, 4 pending; 0 when there is no refund.
    #[serde(default, deserialize_with = "lenient::option_integer")]
    pub refund_payment_response_code: Option<i64>,
    /// "Transaction Successful", "Pending", …
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub refund_payment_response_text: Option<String>,
    /// `2023-12-16T14:16:59.227`, India time.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub refund_date_time: Option<String>,
    /// rupay, visa, …
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub card_type: Option<String>,
    /// Domestic, platinum, …
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub card_level: Option<String>,
    /// Risk and security notes: act on them.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub order_notes: Option<String>,
    /// `12/16/2023 8:40:35 AM`, India time.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_date_time: Option<String>,
    /// `12/16/2023 8:42:42 AM`, India time.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub updated_date_time: Option<String>,
    /// The payment page to send the customer to.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub payment_process_url: Option<String>,
    /// The customer as given at create.
    #[serde(default)]
    pub customer_data: Option<CustomerData>,
    /// The product data as given at create, as text. The user's document types it as an
    /// object in its table and shows a string in its sample: a string is kept as it is, an
    /// object (or any other JSON value) as its compact JSON.
    #[serde(default, deserialize_with = "product_data_text")]
    pub product_data: Option<String>,
    /// The customer as changed on PayG's page.
    #[serde(default)]
    pub order_payment_customer_data: Option<PaymentCustomerData>,
    /// A `upi://pay?…` link.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub upi_link: Option<String>,
    /// The order's transactions (payment and refunds).
    #[serde(default)]
    pub order_payment_transaction_detail: Option<Vec<TransactionDetail>>,
    /// `UserDefined1`..`UserDefined20` as given at create.
    #[serde(default)]
    pub user_defined_data: Option<UserDefinedData>,
    /// Record id.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub id: Option<String>,
}

/// `CustomerData`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerData {
    /// Merchant's customer id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub customer_id: Option<String>,
    /// Notes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub customer_notes: Option<String>,
    /// First name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub last_name: Option<String>,
    /// Mobile number (without it PayG's page asks for the customer's details).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub mobile_no: Option<String>,
    /// E-mail.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub email: Option<String>,
    /// `"true"` in requests, a boolean in answers.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub email_receipt: Option<String>,
    /// Billing address.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub billing_address: Option<String>,
    /// Billing city.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub billing_city: Option<String>,
    /// Billing state.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub billing_state: Option<String>,
    /// Billing country.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub billing_country: Option<String>,
    /// Billing postcode.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub billing_zip_code: Option<String>,
    /// Shipping first name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub shipping_first_name: Option<String>,
    /// Shipping last name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub shipping_last_name: Option<String>,
    /// Shipping address.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub shipping_address: Option<String>,
    /// Shipping city.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub shipping_city: Option<String>,
    /// Shipping state.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub shipping_state: Option<String>,
    /// Shipping country.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub shipping_country: Option<String>,
    /// Shipping postcode.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub shipping_zip_code: Option<String>,
    /// Shipping mobile number.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option_string"
    )]
    pub shipping_mobile_no: Option<String>,
}

/// `OrderPaymentCustomerData`: what the customer changed on PayG's page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct PaymentCustomerData {
    /// First name.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub last_name: Option<String>,
    /// Address.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub address: Option<String>,
    /// City.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub city: Option<String>,
    /// State.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub state: Option<String>,
    /// Postcode.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub zip_code: Option<String>,
    /// Country.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub country: Option<String>,
    /// Mobile number.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub mobile_no: Option<String>,
    /// E-mail.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub email: Option<String>,
    /// User id.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub user_id: Option<String>,
    /// IP address.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub ip_address: Option<String>,
}

/// One `OrderPaymentTransactionDetail` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct TransactionDetail {
    /// Record id.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub id: Option<String>,
    /// PayG's numeric order id.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub order_id: Option<String>,
    /// Order key.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub order_key_id: Option<String>,
    /// Merchant key id.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub merchant_key_id: Option<String>,
    /// The transaction id (a number here, a string in `PaymentTransactionId`).
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub transaction_id: Option<String>,
    /// Outcome code (1 approved).
    #[serde(default, deserialize_with = "lenient::option_integer")]
    pub response_code: Option<i64>,
    /// Outcome text.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub response_text: Option<String>,
    /// Processor's request id.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub processor_request_id: Option<String>,
    /// Payer IP.
    #[serde(
        default,
        rename = "IPAddress",
        deserialize_with = "lenient::option_string"
    )]
    pub ip_address: Option<String>,
    /// ISO-like, India time.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub updated_date_time: Option<String>,
    /// Amount of the transaction.
    #[serde(default, deserialize_with = "lenient::option_decimal")]
    pub transaction_amount: Option<Decimal>,
}

/// `UserDefinedData`: `UserDefined1`..`UserDefined20`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDefinedData(pub std::collections::BTreeMap<String, serde_json::Value>);

/// One entry of an error answer: an array of these, a single one, or one inside HTTP 200.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ApiError {
    /// Error code, e.g. `"6095"`.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub code: Option<String>,
    /// Message.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub message: Option<String>,
    /// Developer's message.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub developer_message: Option<String>,
    /// The request field at fault.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub field_name: Option<String>,
    /// A response code, when given.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub response_code: Option<String>,
    /// More information.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub more_info_url: Option<String>,
    /// The request it answers.
    #[serde(default, deserialize_with = "lenient::option_string")]
    pub request_unique_id: Option<String>,
}

/// India Standard Time, in which PayG writes its zone-less dates.
pub const IST: UtcOffset = offset!(+5:30);

/// Reads PayG's dates, both forms, as IST: `12/16/2023 8:40:35 AM` (Payment/UpdatedDateTime)
/// and `2023-12-16T14:16:59.227` (RefundDateTime and transaction details).
pub fn parse_date(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if text.contains('/') {
        parse_us(text).map(|t| t.assume_offset(IST))
    } else if text.contains('T') {
        local_time::parse_ymd_hms(text, IST)
    } else {
        None
    }
}

/// `M/D/YYYY h:mm:ss AM|PM` (month, day and hour with or without a leading zero).
const US_DATE: &[BorrowedFormatItem<'static>] = format_description!(
    "[month padding:none]/[day padding:none]/[year] [hour repr:12 padding:none]:[minute]:[second] [period case_sensitive:false]"
);

fn parse_us(text: &str) -> Option<PrimitiveDateTime> {
    PrimitiveDateTime::parse(text, US_DATE).ok()
}

/// `RequestDateTime`: `MMDDYYYY` in IST.
pub fn request_date(now: OffsetDateTime) -> String {
    // Formatting a valid date cannot fail; PayG refuses an empty date rather than take a
    // wrong one.
    now.to_offset(IST)
        .format(format_description!("[month][day][year]"))
        .unwrap_or_default()
}

/// `ProductData` as text, whether PayG sends a string or an object.
fn product_data_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) => Some(text),
        other => Some(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use paygate_core::time::macros::datetime;

    #[test]
    fn product_data_is_read_as_a_string_or_an_object() {
        let read = |json: &str| serde_json::from_str::<Order>(json).map(|o| o.product_data);
        // The sample's form.
        assert_eq!(
            read(r#"{"ProductData":"{'PaymentReason':'OnlineOrder'}"}"#).ok(),
            Some(Some("{'PaymentReason':'OnlineOrder'}".to_owned()))
        );
        // The table's form.
        assert_eq!(
            read(r#"{"ProductData":{"PaymentReason":"OnlineOrder"}}"#).ok(),
            Some(Some(r#"{"PaymentReason":"OnlineOrder"}"#.to_owned()))
        );
        assert_eq!(read(r#"{"ProductData":null}"#).ok(), Some(None));
        assert_eq!(read("{}").ok(), Some(None));
    }

    #[test]
    fn both_date_forms_in_ist() {
        assert_eq!(
            parse_date("12/16/2023 8:40:35 AM"),
            Some(datetime!(2023-12-16 08:40:35 +05:30))
        );
        assert_eq!(
            parse_date("12/16/2023 2:07:53 PM"),
            Some(datetime!(2023-12-16 14:07:53 +05:30))
        );
        assert_eq!(
            parse_date("12/14/2025 12:05:00 AM"),
            Some(datetime!(2025-12-14 00:05:00 +05:30))
        );
        assert_eq!(
            parse_date("12/14/2025 12:05:00 PM"),
            Some(datetime!(2025-12-14 12:05:00 +05:30))
        );
        assert_eq!(
            parse_date("2023-12-16T14:16:59.227"),
            Some(datetime!(2023-12-16 14:16:59.227 +05:30))
        );
        assert_eq!(
            parse_date("2023-12-16T14:30:34.7"),
            Some(datetime!(2023-12-16 14:30:34.7 +05:30))
        );
        assert_eq!(
            parse_date("2023-04-19T11:32:38"),
            Some(datetime!(2023-04-19 11:32:38 +05:30))
        );
        for bad in [
            "",
            "13/16/2023 8:40:35 AM",
            "12/16/2023 13:40:35 PM",
            "12/16/2023 8:40:35",
            "2023-12-16 14:16:59",
            "2023-12-16T14:16:59.x",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn request_date_is_mmddyyyy_ist() {
        assert_eq!(request_date(datetime!(2023-06-22 20:00 UTC)), "06232023");
    }
}
