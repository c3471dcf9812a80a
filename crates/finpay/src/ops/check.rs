//! `GET /pg/payment/card/check/{orderId}`: a payment's status.
//!
//! Right after initiate the status is `REQUEST_INITIATED` (pending). `order.amount` is an
//! integer here though it was sent as a string. An unknown order's code is undocumented;
//! whatever 404-class code comes back reads as not found.

use paygate_core::http::Method;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{NativeResponse, Operation, OrderId, Result};

use super::{parse_answer, path_with_order, request};
use crate::config::FinpayConfig;
use crate::wire::CheckResponse;

/// The path prefix.
pub const PATH: &str = "/pg/payment/card/check";

/// The path's template, for telemetry.
const URL_TEMPLATE: &str = "/pg/payment/card/check/{order_id}";

/// Builds the request.
pub fn build_check(config: &FinpayConfig, order_id: &OrderId) -> Result<HttpRequest> {
    let path = path_with_order(PATH, order_id)?;
    request(
        config,
        Operation::PaymentStatus,
        Method::GET,
        &path,
        Some(order_id.as_str()),
    )
    .map(|request| request.url_template(URL_TEMPLATE))
}

/// Reads the answer.
pub fn parse_check(response: &HttpResponse) -> Result<NativeResponse<CheckResponse>> {
    parse_answer(Operation::PaymentStatus, response)
}

/// check as a [`Call`].
#[derive(Debug, Clone, Copy)]
pub struct CheckCall<'a> {
    /// The order.
    pub order_id: &'a OrderId,
}

impl Call<FinpayConfig> for CheckCall<'_> {
    type Output = CheckResponse;

    fn to_request(&self, config: &FinpayConfig, _context: CallContext<'_>) -> Result<HttpRequest> {
        build_check(config, self.order_id)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_check(response)
    }
}
