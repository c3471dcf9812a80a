//! `POST /pg/payment/card/void`: void an authorized or paid card transaction before
//! settlement.
//!
//! The method is the user's document's (`POST /pg/payment/card/void`, with a body); third
//! parties used `GET /void/{orderId}` instead. The body is in no available document: we send
//! `{"order":{"id":"…"}}`, the order object Finpay's documented request bodies (cancel,
//! initiate) identify an order with. On an unpaid order Finpay answers `4030015`
//! ("Transaction Not Permitted", invalid state).

use paygate_core::http::Method;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{Error, NativeResponse, Operation, OrderId, Result};

use super::{ORDER_ID_RULES, parse_answer, request};
use crate::config::FinpayConfig;
use crate::wire::{Envelope, OrderRef, OrderRefInner};

/// The path.
pub const PATH: &str = "/pg/payment/card/void";

/// Builds the request.
pub fn build_void(config: &FinpayConfig, order_id: &OrderId) -> Result<HttpRequest> {
    order_id.check(&ORDER_ID_RULES)?;
    let body = serde_json::to_vec(&OrderRef {
        order: OrderRefInner {
            id: order_id.as_str().to_owned(),
            amount: None,
        },
    })
    .map_err(|e| Error::invalid("order_id", e.to_string()))?;
    Ok(request(
        config,
        Operation::Void,
        Method::POST,
        PATH,
        Some(order_id.as_str()),
    )?
    .json_body(body))
}

/// Reads the answer.
pub fn parse_void(response: &HttpResponse) -> Result<NativeResponse<Envelope>> {
    parse_answer(Operation::Void, response)
}

/// void as a [`Call`]. A write: sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct VoidCall<'a> {
    /// The order.
    pub order_id: &'a OrderId,
}

impl Call<FinpayConfig> for VoidCall<'_> {
    type Output = Envelope;

    fn to_request(&self, config: &FinpayConfig, _context: CallContext<'_>) -> Result<HttpRequest> {
        build_void(config, self.order_id)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_void(response)
    }
}
