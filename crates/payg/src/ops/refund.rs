//! `POST {base}/Refund`: refund all or part of a successful or settled payment.
//!
//! The body is the user's document's sample, field for field:
//! `{"OrderKeyId","MID","MerchantKeyId":"8792","PaymentType","PaymentTransactionId","RefundAmount"}`
//! — `MerchantKeyId` as a string, as that sample sends it (the document's table lists these
//! fields under "Required headers", but its sample sends them in the body, as here).
//! `RefundAmount` is decimal(18,2), sent as a string with two decimals. `MID` is sent when
//! configured. The answer is the order object with the refund's `OrderRefundTransactionId`
//! and `RefundPaymentResponseCode` (1 succeeded, 2 failed, 4 pending).

use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{Error, Money, NativeResponse, Operation, OrderId, Result, TransactionId};
use serde::Serialize;

use super::{ORDER_KEY_RULES, parse_order, post_json, to_json, wire_amount};
use crate::config::PaygConfig;
use crate::wire::Order;

#[doc(hidden)]
/// The path.
pub const PATH: &str = "/Refund";

/// What a refund needs besides the order and amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundTarget {
    /// `PaymentType`: the payment's method as PayG names it (`PaymentMethod` in Detail, e.g.
    /// `Upi`, `CreditCard`).
    pub payment_type: String,
    /// `PaymentTransactionId` of the payment.
    pub payment_transaction_id: TransactionId,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RefundBody<'a> {
    order_key_id: &'a str,
    #[serde(rename = "MID")]
    mid: &'a str,
    merchant_key_id: &'a str,
    payment_type: &'a str,
    payment_transaction_id: &'a str,
    refund_amount: String,
}

#[doc(hidden)]
/// Builds the request; everything is checked before anything is sent.
pub fn build_refund(
    config: &PaygConfig,
    order_key_id: &OrderId,
    target: &RefundTarget,
    amount: &Money,
) -> Result<HttpRequest> {
    order_key_id.check(&ORDER_KEY_RULES)?;
    if target.payment_type.trim().is_empty() {
        return Err(Error::invalid(
            "payment_type",
            "PayG's Refund needs the PaymentType",
        ));
    }
    let body = to_json(
        "refund",
        &RefundBody {
            order_key_id: order_key_id.as_str(),
            mid: config.refund_mid()?,
            merchant_key_id: &config.merchant_key_id,
            payment_type: &target.payment_type,
            payment_transaction_id: target.payment_transaction_id.as_str(),
            refund_amount: wire_amount("refund.amount", amount)?,
        },
    )?;
    post_json(
        config,
        Operation::Refund,
        PATH,
        body,
        Some(order_key_id.as_str()),
    )
}

#[doc(hidden)]
/// Reads the answer.
pub fn parse_refund(response: &HttpResponse) -> Result<NativeResponse<Order>> {
    parse_order(Operation::Refund, response)
}

#[doc(hidden)]
/// Refund as a [`Call`]. A write: sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct RefundCall<'a> {
    /// PayG's `OrderKeyId`.
    pub order_key_id: &'a OrderId,
    /// The payment transaction and type.
    pub target: &'a RefundTarget,
    /// How much (INR).
    pub amount: &'a Money,
}

impl Call<PaygConfig> for RefundCall<'_> {
    type Output = Order;

    fn to_request(&self, config: &PaygConfig, _context: CallContext<'_>) -> Result<HttpRequest> {
        build_refund(config, self.order_key_id, self.target, self.amount)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_refund(response)
    }
}
