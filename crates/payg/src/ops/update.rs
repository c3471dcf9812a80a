//! `POST {base}/Update`: replace an order's notes (at most 15 key-value pairs of at most 256
//! characters each, per PayG's page; customer and shipping details can also be updated for
//! 10 days after payment).
//!
//! PayG's page gives the create body as its schema and names neither the notes field nor the
//! method; integrations disagree (PUT with the create body plus `OrderKeyId`, or POST). This
//! sends POST, like every other PayG order call, with the identifying create fields,
//! `OrderKeyId` and the notes as `OrderNotes`. Use `raw_request` for any other shape.

use paygate_core::transport::{Call, CallContext};
use std::collections::BTreeMap;

use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{Effect, Error, Money, NativeResponse, Operation, OrderId, Result};
use serde::Serialize;

use super::{ORDER_KEY_RULES, UNIQUE_REQUEST_RULES, parse_order, post_json, to_json, wire_amount};
use crate::config::PaygConfig;
use crate::wire::Order;

#[doc(hidden)]
/// The path.
pub const PATH: &str = "/Update";

#[doc(hidden)]
/// The operation (a write: never resent once it may have left).
pub const OPERATION: Operation = Operation::Native {
    name: "update",
    effect: Effect::Write,
};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateBody<'a> {
    #[serde(rename = "Merchantkeyid")]
    merchant_key_id: &'a str,
    #[serde(rename = "MID", skip_serializing_if = "Option::is_none")]
    mid: Option<&'a str>,
    order_key_id: &'a str,
    unique_request_id: &'a str,
    order_amount: String,
    order_notes: &'a BTreeMap<String, String>,
}

#[doc(hidden)]
/// Builds the request; the notes' limits are checked first.
pub fn build_update(
    config: &PaygConfig,
    order_key_id: &OrderId,
    unique_request_id: &OrderId,
    amount: &Money,
    notes: &BTreeMap<String, String>,
) -> Result<HttpRequest> {
    order_key_id.check(&ORDER_KEY_RULES)?;
    unique_request_id.check(&UNIQUE_REQUEST_RULES)?;
    if notes.len() > 15 {
        return Err(Error::invalid("notes", "PayG takes at most 15 notes"));
    }
    if let Some((key, _)) = notes
        .iter()
        .find(|(k, v)| k.chars().count() > 256 || v.chars().count() > 256)
    {
        return Err(Error::invalid(
            "notes",
            format!("note {key:?} is over 256 characters"),
        ));
    }
    let body = to_json(
        "update",
        &UpdateBody {
            merchant_key_id: &config.merchant_key_id,
            mid: config.mid.as_deref(),
            order_key_id: order_key_id.as_str(),
            unique_request_id: unique_request_id.as_str(),
            order_amount: wire_amount("amount", amount)?,
            order_notes: notes,
        },
    )?;
    post_json(config, OPERATION, PATH, body, Some(order_key_id.as_str()))
}

#[doc(hidden)]
/// Reads the answer.
pub fn parse_update(response: &HttpResponse) -> Result<NativeResponse<Order>> {
    parse_order(OPERATION, response)
}

#[doc(hidden)]
/// Update (notes) as a [`Call`]. A write: sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct UpdateNotesCall<'a> {
    /// PayG's `OrderKeyId`.
    pub order_key_id: &'a OrderId,
    /// The merchant's `UniqueRequestId`.
    pub unique_request_id: &'a OrderId,
    /// The order's amount (INR).
    pub amount: &'a Money,
    /// The notes that replace the order's.
    pub notes: &'a BTreeMap<String, String>,
}

impl Call<PaygConfig> for UpdateNotesCall<'_> {
    type Output = Order;

    fn to_request(&self, config: &PaygConfig, _context: CallContext<'_>) -> Result<HttpRequest> {
        build_update(
            config,
            self.order_key_id,
            self.unique_request_id,
            self.amount,
            self.notes,
        )
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_update(response)
    }
}
