//! `POST /api/merchant-portal/merchant-access/online-transaction/refund`: refund all or part
//! of a completed payment (within 30 days; several partial refunds up to the amount paid).
//!
//! Body `{request_time, merchant_id, merchant_auth, hash}`; `merchant_auth` is the RSA-
//! encrypted `{"mc_id","tran_id","refund_amount"}` and the hash covers
//! `request_time ‖ merchant_id ‖ merchant_auth`. `refund_amount` is sent as a JSON number
//! with the currency's digits (PayWay's PHP sample `json_encode`s a number, and a number was
//! accepted live; the legacy example's string form is older).
//!
//! Answers `transaction_status: "REFUNDED"` for partial refunds too; `total_refunded` is the
//! authoritative cumulative figure. An unknown or unpaid transaction is HTTP 403 `PTL36`;
//! a refund above what was paid is `PTL37`; `PTL04` arrives as HTTP 400.

use paygate_core::clock::RandomSource;
use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{Money, NativeResponse, OrderId, PaymentStatus, Refund, RefundStatus, Result};

use super::{
    TRAN_ID_RULES, check_answer_is_about, merchant_auth_plaintext, merchant_portal_request,
    parse_answer, received_currency, received_money, wire_amount,
};
use crate::PROVIDER;
use crate::config::PaywayConfig;
use crate::endpoint::Endpoint;
use crate::endpoint::order;
use crate::wire::RefundResponse;

/// The `merchant_auth` plaintext of a refund.
pub fn plaintext(config: &PaywayConfig, tran_id: &OrderId, amount: &Money) -> Result<String> {
    tran_id.check(&TRAN_ID_RULES)?;
    let digits = wire_amount("refund.amount", amount, false)?;
    merchant_auth_plaintext(
        &config.merchant_id,
        tran_id,
        Some(("refund_amount", &digits)),
    )
}

/// Builds the signed request; the amount and key are checked before anything is encrypted.
pub fn build(
    config: &PaywayConfig,
    tran_id: &OrderId,
    amount: &Money,
    now: OffsetDateTime,
    random: &dyn RandomSource,
) -> Result<HttpRequest> {
    let plaintext = plaintext(config, tran_id, amount)?;
    merchant_portal_request(
        config,
        Endpoint::Refund,
        order::REFUND,
        tran_id,
        &plaintext,
        now,
        random,
    )
}

/// Reads the answer.
pub fn parse(response: &HttpResponse) -> Result<NativeResponse<RefundResponse>> {
    parse_answer(Endpoint::Refund, response)
}

/// The unified refund: succeeded (PayWay accepted it), with the cumulative total and the
/// payment's status corrected from the amounts.
pub fn to_refund(
    order_id: &OrderId,
    requested: &Money,
    native: NativeResponse<RefundResponse>,
) -> Result<Refund> {
    let operation = Endpoint::Refund.operation();
    let raw = native.raw;
    let body = native.body;
    check_answer_is_about(
        operation,
        &raw,
        &body.status,
        order_id,
        Some((requested.currency(), body.currency.as_deref())),
    )?;
    let currency = received_currency(
        operation,
        &raw,
        body.currency.as_deref(),
        requested.currency(),
    )?;
    let total_refunded = received_money(
        operation,
        &raw,
        "total_refunded",
        body.total_refunded,
        currency,
    )?;
    let grand_total = received_money(operation, &raw, "grand_total", body.grand_total, currency)?;
    let payment_status = match (grand_total, total_refunded) {
        (Some(total), Some(refunded)) if refunded.amount() < total.amount() => {
            PaymentStatus::PartiallyRefunded
        }
        _ => PaymentStatus::Refunded,
    };
    let provider_status = body
        .transaction_status
        .unwrap_or_else(|| body.status.code.clone());
    let mut refund = Refund::new(
        PROVIDER,
        order_id.clone(),
        RefundStatus::Succeeded,
        provider_status,
        raw,
    );
    refund.amount = Some(*requested);
    refund.total_refunded = total_refunded;
    refund.payment_status = Some(payment_status);
    Ok(refund)
}
