//! `POST /api/payment-gateway/v1/payments/check-transaction-2`: a transaction's status.
//!
//! Only transactions created within the last 7 days; older ones need transaction-detail.
//! Unknown `tran_id`: HTTP 200 with code `6`, which is [`ProviderErrorKind::NotFound`]
//! (a transaction created seconds ago can briefly answer `6` too). Wrong hash: HTTP 403,
//! code `5` (docs) or `1` (sibling endpoints): both read as auth failures. A closed but
//! unpaid transaction keeps reporting PENDING live, though the docs say CANCELLED.
//!
//! [`ProviderErrorKind::NotFound`]: paygate_core::ProviderErrorKind::NotFound

use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{Error, NativeResponse, OrderId, Payment, Result, UnexpectedBody};

use super::{parse_answer, received_currency, received_money, tran_id_request};
use crate::PROVIDER;
use crate::config::PaywayConfig;
use crate::endpoint::Endpoint;
use crate::endpoint::order;
use crate::status::payment_status;
use crate::wire::CheckTransactionResponse;
use crate::wire::parse_date;

/// Builds the signed request.
pub fn build(config: &PaywayConfig, tran_id: &OrderId, now: OffsetDateTime) -> Result<HttpRequest> {
    tran_id_request(
        config,
        Endpoint::CheckTransaction,
        order::CHECK_TRANSACTION,
        tran_id,
        now,
    )
}

/// Reads the answer.
pub fn parse(response: &HttpResponse) -> Result<NativeResponse<CheckTransactionResponse>> {
    parse_answer(Endpoint::CheckTransaction, response)
}

/// The unified payment. Amounts are `total_amount` (after discount) and `refund_amount`, in
/// `payment_currency` or, while unpaid (PayWay sends `""`), the profile's currency. A
/// REFUNDED status with `refund_amount < total_amount` becomes partially refunded.
pub fn to_payment(
    config: &PaywayConfig,
    order_id: &OrderId,
    native: NativeResponse<CheckTransactionResponse>,
) -> Result<Payment> {
    let operation = Endpoint::CheckTransaction.operation();
    let raw = native.raw;
    super::check_answer_is_about(operation, &raw, &native.body.status, order_id, None)?;
    let data = native.body.data.ok_or_else(|| {
        Error::from(UnexpectedBody::from_raw(
            PROVIDER,
            operation,
            &raw,
            "success without data",
        ))
    })?;
    let currency = received_currency(
        operation,
        &raw,
        data.payment_currency.as_deref(),
        config.currency,
    )?;
    let total = data.total_amount.or(data.original_amount);
    let status = payment_status(
        data.payment_status_code,
        data.payment_status.as_deref(),
        total,
        data.refund_amount,
    );
    let provider_status = data
        .payment_status
        .clone()
        .or_else(|| data.payment_status_code.map(|c| c.to_string()))
        .unwrap_or_default();
    let amount = received_money(operation, &raw, "total_amount", total, currency)?;
    let refunded = received_money(
        operation,
        &raw,
        "refund_amount",
        data.refund_amount,
        currency,
    )?;
    let created_at = data.transaction_date.as_deref().and_then(parse_date);
    let mut payment = Payment::new(PROVIDER, order_id.clone(), status, provider_status, raw);
    payment.amount = amount;
    payment.refunded_amount = refunded;
    payment.created_at = created_at;
    Ok(payment)
}
