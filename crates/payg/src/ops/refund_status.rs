//! `POST {base}/RefundStatus`: a refund's status.
//!
//! The body is the user's document's sample: `{"OrderKeyId","MID","MerchantKeyId":21764,
//! "TransactionId":72200157}` — here `MerchantKeyId` and `TransactionId` are numbers, as
//! that sample sends them. `TransactionId` is, per the document, the *original* PayG
//! transaction id (the payment's `PaymentTransactionId`), not the refund's. The answer is
//! the order object.

use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{Error, NativeResponse, Operation, OrderId, Result, TransactionId};
use serde::Serialize;

use super::{ORDER_KEY_RULES, parse_order, post_json, to_json};
use crate::config::PaygConfig;
use crate::wire::Order;

#[doc(hidden)]
/// The path.
pub const PATH: &str = "/RefundStatus";

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RefundStatusBody<'a> {
    order_key_id: &'a str,
    #[serde(rename = "MID")]
    mid: &'a str,
    merchant_key_id: u64,
    transaction_id: u64,
}

#[doc(hidden)]
/// Builds the request. `transaction_id` must be numeric.
pub fn build_refund_status(
    config: &PaygConfig,
    order_key_id: &OrderId,
    transaction_id: &TransactionId,
) -> Result<HttpRequest> {
    order_key_id.check(&ORDER_KEY_RULES)?;
    let transaction = transaction_id
        .as_str()
        .parse::<u64>()
        .map_err(|_| Error::invalid("transaction_id", "PayG's TransactionId is a number"))?;
    let merchant_key_id = config
        .merchant_key_id
        .parse::<u64>()
        .map_err(|_| Error::config("merchant_key_id", "must be numeric"))?;
    let body = to_json(
        "refund_status",
        &RefundStatusBody {
            order_key_id: order_key_id.as_str(),
            mid: config.refund_mid()?,
            merchant_key_id,
            transaction_id: transaction,
        },
    )?;
    post_json(
        config,
        Operation::RefundStatus,
        PATH,
        body,
        Some(order_key_id.as_str()),
    )
}

#[doc(hidden)]
/// Reads the answer.
pub fn parse_refund_status(response: &HttpResponse) -> Result<NativeResponse<Order>> {
    parse_order(Operation::RefundStatus, response)
}

#[doc(hidden)]
/// RefundStatus as a [`Call`].
#[derive(Debug, Clone, Copy)]
pub struct RefundStatusCall<'a> {
    /// PayG's `OrderKeyId`.
    pub order_key_id: &'a OrderId,
    /// The *original* payment transaction id.
    pub transaction_id: &'a TransactionId,
}

impl Call<PaygConfig> for RefundStatusCall<'_> {
    type Output = Order;

    fn to_request(&self, config: &PaygConfig, _context: CallContext<'_>) -> Result<HttpRequest> {
        build_refund_status(config, self.order_key_id, self.transaction_id)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_refund_status(response)
    }
}
