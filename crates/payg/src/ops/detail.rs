//! `POST {base}/Detail`: an order and its payment, by `OrderKeyId`.
//!
//! Body `{"OrderKeyId","MerchantKeyId","MID","PaymentType":""}`: what the documented sample
//! and working integrations send (the docs also mark `PaymentTransactionId` required, but no
//! sample sends it).

use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{NativeResponse, Operation, OrderId, Payment, Result};
use serde::Serialize;

use super::{ORDER_KEY_RULES, parse_order, post_json, received_money, to_json};
use crate::PROVIDER;
use crate::config::PaygConfig;
use crate::status::payment_status;
use crate::wire::Order;
use crate::wire::parse_date;

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

/// Builds the request.
pub fn build(config: &PaygConfig, order_key_id: &OrderId) -> Result<HttpRequest> {
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

/// Reads the answer.
pub fn parse(response: &HttpResponse) -> Result<NativeResponse<Order>> {
    parse_order(Operation::PaymentStatus, response)
}

/// The unified payment: status from `PaymentResponseCode`, amount `OrderAmount` (INR),
/// `OrderKeyId` as the provider reference, dates in IST. The order object carries no
/// refunded amount; refunds are read with RefundStatus.
pub fn to_payment(
    order_key_id: &OrderId,
    operation: Operation,
    native: NativeResponse<Order>,
) -> Result<Payment> {
    let order = &native.body;
    super::check_order_echo(operation, order_key_id, &native)?;
    let amount = received_money(operation, &native.raw, "OrderAmount", order.order_amount)?;
    let status = payment_status(
        order.payment_response_code,
        order.payment_response_text.as_deref(),
    );
    let provider_status = order
        .payment_response_text
        .clone()
        .or_else(|| order.payment_response_code.map(|c| c.to_string()))
        .unwrap_or_default();
    let mut payment = Payment::new(
        PROVIDER,
        order_key_id.clone(),
        status,
        provider_status,
        native.raw.clone(),
    );
    payment.amount = amount;
    payment.provider_reference = order.order_key_id.clone();
    payment.created_at = order.payment_date_time.as_deref().and_then(parse_date);
    payment.updated_at = order.updated_date_time.as_deref().and_then(parse_date);
    Ok(payment)
}
