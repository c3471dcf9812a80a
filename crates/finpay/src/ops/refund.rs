//! `POST /pg/payment/card/refund`: refund all or part of a payment.
//!
//! The request body is in no available document (the user's document gives the endpoint and
//! the `2000000` "Payment refunded successfully" answer only). We send
//! `{"order":{"id":"…","amount":"<rupiah>"}}`: the same order object, with the amount as a
//! string of digits, that Finpay documents for cancel and initiate, and the shape a
//! third-party integration uses; another one nests `refund.amount` instead. Finpay's status
//! list has PARTIALLY_REFUNDED, so partial refunds exist; the amount is the refund's, not the
//! order's.

use paygate_core::http::Method;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{Error, Money, NativeResponse, Operation, OrderId, Result};

use super::{ORDER_ID_RULES, parse_answer, request, wire_amount};
use crate::config::FinpayConfig;
use crate::wire::{Envelope, OrderRef, OrderRefInner};

/// The path.
pub const PATH: &str = "/pg/payment/card/refund";

/// Builds the request; the amount is checked before anything is sent.
pub fn build_refund(
    config: &FinpayConfig,
    order_id: &OrderId,
    amount: &Money,
) -> Result<HttpRequest> {
    order_id.check(&ORDER_ID_RULES)?;
    let amount = wire_amount("refund.amount", amount)?;
    let body = serde_json::to_vec(&OrderRef {
        order: OrderRefInner {
            id: order_id.as_str().to_owned(),
            amount: Some(amount),
        },
    })
    .map_err(|e| Error::invalid("refund", e.to_string()))?;
    Ok(request(
        config,
        Operation::Refund,
        Method::POST,
        PATH,
        Some(order_id.as_str()),
    )?
    .json_body(body))
}

/// Reads the answer.
pub fn parse_refund(response: &HttpResponse) -> Result<NativeResponse<Envelope>> {
    parse_answer(Operation::Refund, response)
}

/// refund as a [`Call`]. A write: sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct RefundCall<'a> {
    /// The order.
    pub order_id: &'a OrderId,
    /// How much (IDR).
    pub amount: &'a Money,
}

impl Call<FinpayConfig> for RefundCall<'_> {
    type Output = Envelope;

    fn to_request(&self, config: &FinpayConfig, _context: CallContext<'_>) -> Result<HttpRequest> {
        build_refund(config, self.order_id, self.amount)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_refund(response)
    }
}
