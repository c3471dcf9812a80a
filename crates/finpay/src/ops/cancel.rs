//! `GET /pg/payment/card/cancel/{orderId}`: cancel an unpaid order, which can then no longer
//! be paid.
//!
//! The docs show a JSON body on this GET (`{"order":{"id","amount"}}`) besides the id in the
//! path; the user's document gives the GET with the path parameter only, and live third-party
//! calls without a body succeed, so none is sent. QRIS and e-wallet orders at their initial
//! status refuse with `4040100` (invalid state).

use paygate_core::http::Method;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{NativeResponse, Operation, OrderId, Result};

use super::{parse_answer, path_with_order, request};
use crate::config::FinpayConfig;
use crate::wire::Envelope;

/// The path prefix.
pub const PATH: &str = "/pg/payment/card/cancel";

/// The path's template, for telemetry.
const URL_TEMPLATE: &str = "/pg/payment/card/cancel/{order_id}";

/// Builds the request.
pub fn build_cancel(config: &FinpayConfig, order_id: &OrderId) -> Result<HttpRequest> {
    let path = path_with_order(PATH, order_id)?;
    request(
        config,
        Operation::Cancel,
        Method::GET,
        &path,
        Some(order_id.as_str()),
    )
    .map(|request| request.url_template(URL_TEMPLATE))
}

/// Reads the answer.
pub fn parse_cancel(response: &HttpResponse) -> Result<NativeResponse<Envelope>> {
    parse_answer(Operation::Cancel, response)
}

/// cancel as a [`Call`]. A write: sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct CancelCall<'a> {
    /// The order.
    pub order_id: &'a OrderId,
}

impl Call<FinpayConfig> for CancelCall<'_> {
    type Output = Envelope;

    fn to_request(&self, config: &FinpayConfig, _context: CallContext<'_>) -> Result<HttpRequest> {
        build_cancel(config, self.order_id)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_cancel(response)
    }
}
