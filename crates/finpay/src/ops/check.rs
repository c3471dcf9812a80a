//! `GET /pg/payment/card/check/{orderId}`: a payment's status.
//!
//! Right after initiate the status is `REQUEST_INITIATED` (pending). `order.amount` is an
//! integer here though it was sent as a string. An unknown order's code is undocumented;
//! whatever 404-class code comes back reads as not found.

use paygate_core::http::Method;
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{Error, NativeResponse, Operation, OrderId, Payment, Result, UnexpectedBody};

use super::{parse_answer, path_with_order, received_money, request};
use crate::PROVIDER;
use crate::config::FinpayConfig;
use crate::status::payment_status;
use crate::wire::CheckResponse;
use crate::wire::parse_date;

/// The path prefix.
pub const PATH: &str = "/pg/payment/card/check";

/// Builds the request.
pub fn build(config: &FinpayConfig, order_id: &OrderId) -> Result<HttpRequest> {
    let path = path_with_order(PATH, order_id)?;
    request(
        config,
        Operation::PaymentStatus,
        Method::GET,
        &path,
        Some(order_id.as_str()),
    )
}

/// Reads the answer.
pub fn parse(response: &HttpResponse) -> Result<NativeResponse<CheckResponse>> {
    parse_answer(Operation::PaymentStatus, response)
}

/// The unified payment: status from `result.payment.status`, amount from `order.amount`,
/// time from `result.payment.datetime` (Jakarta time). A success without `data.result` tells
/// no status, so it is an unexpected body, not a payment of unknown status.
pub fn to_payment(order_id: &OrderId, native: NativeResponse<CheckResponse>) -> Result<Payment> {
    let raw = native.raw;
    let data = native.body.data;
    if data
        .as_ref()
        .and_then(|d| d.result.as_ref())
        .and_then(|r| r.payment.as_ref())
        .is_none()
    {
        return Err(Error::from(UnexpectedBody::from_raw(
            PROVIDER,
            Operation::PaymentStatus,
            &raw,
            "success without data.result.payment: the status is not in the answer",
        )));
    }
    let order = data.as_ref().and_then(|d| d.order.as_ref());
    paygate_core::check_echo(
        PROVIDER,
        Operation::PaymentStatus,
        &raw,
        "order.id",
        order_id.as_str(),
        order.and_then(|o| o.id.as_deref()),
    )?;
    let result = data
        .as_ref()
        .and_then(|d| d.result.as_ref())
        .and_then(|r| r.payment.as_ref());
    let word = result.and_then(|p| p.status.clone()).unwrap_or_default();
    let amount = received_money(
        Operation::PaymentStatus,
        &raw,
        "order.amount",
        order
            .and_then(|o| o.amount)
            .or(result.and_then(|p| p.amount)),
        order.and_then(|o| o.currency.as_deref()),
    )?;
    let reference = order.and_then(|o| o.reference.clone());
    let updated_at = result
        .and_then(|p| p.datetime.as_deref())
        .and_then(parse_date);
    let mut payment = Payment::new(PROVIDER, order_id.clone(), payment_status(&word), word, raw);
    payment.amount = amount;
    payment.provider_reference = reference;
    payment.updated_at = updated_at;
    Ok(payment)
}
