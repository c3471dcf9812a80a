//! `POST {base}/Detail`: an order and its payment, by `OrderKeyId`.
//!
//! Body `{"OrderKeyId","MerchantKeyId","MID","PaymentType":""}`: what the documented sample
//! and working integrations send (the docs also mark `PaymentTransactionId` required, but no
//! sample sends it).

use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{NativeResponse, Operation, OrderId, Result};
use serde::Serialize;

use super::{ORDER_KEY_RULES, parse_order, post_json, to_json};
use crate::config::PaygConfig;
use crate::wire::Order;

#[doc(hidden)]
/// The path.
pub const PATH: &str = "/Detail";

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DetailBody<'a> {
    order_key_id: &'a str,
    merchant_key_id: &'a str,
    #[serde(rename = "MID", skip_serializing_if = "Option::is_none")]
    mid: Option<&'a str>,
    payment_type: &'a str,
}

#[doc(hidden)]
/// Builds the request.
pub fn build_detail(config: &PaygConfig, order_key_id: &OrderId) -> Result<HttpRequest> {
    order_key_id.check(&ORDER_KEY_RULES)?;
    let body = to_json(
        "detail",
        &DetailBody {
            order_key_id: order_key_id.as_str(),
            merchant_key_id: &config.merchant_key_id,
            mid: config.mid.as_deref(),
            payment_type: "",
        },
    )?;
    post_json(
        config,
        Operation::PaymentStatus,
        PATH,
        body,
        Some(order_key_id.as_str()),
    )
}

#[doc(hidden)]
/// Reads the answer.
pub fn parse_detail(response: &HttpResponse) -> Result<NativeResponse<Order>> {
    parse_order(Operation::PaymentStatus, response)
}

#[doc(hidden)]
/// Detail as a [`Call`].
#[derive(Debug, Clone, Copy)]
pub struct DetailCall<'a> {
    /// PayG's `OrderKeyId`.
    pub order_key_id: &'a OrderId,
}

impl Call<PaygConfig> for DetailCall<'_> {
    type Output = Order;

    fn to_request(&self, config: &PaygConfig, _context: CallContext<'_>) -> Result<HttpRequest> {
        build_detail(config, self.order_key_id)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_detail(response)
    }
}
