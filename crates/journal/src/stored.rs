//! The unified results as the journal stores them (their JSON form) and reads them back, to
//! answer a repeated key without sending. The provider name comes from the gateway and the
//! raw answer from the entry; a status the model does not know reads back as
//! `Unknown(name)`, its provider word kept in `provider_status`.

use bytes::Bytes;
use paygate_core::{
    Checkout, Currency, Money, NextAction, OrderId, Payment, PaymentStatus, RawResponse, Refund,
    RefundReference, RefundStatus,
};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::entry::{Entry, EntryState, RawAnswer, WriteOperation};

/// The JSON of a unified result (every one serialises).
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// What a recovered entry answers its key with from now on, given the payment as read: the
/// payment for a void, cancel or capture; for a refund found applied, the refund (its amount,
/// the key as its reference, the payment's refunded total and status); nothing for a
/// creation or a refund not found applied (a repeated key is then told to read the payment).
pub(crate) fn recovered_result(
    entry: &Entry,
    state: EntryState,
    payment: &Payment,
) -> Option<serde_json::Value> {
    match entry.operation {
        WriteOperation::Refund if state == EntryState::Applied => {
            let mut refund = Refund::new(
                payment.provider,
                payment.order_id.clone(),
                RefundStatus::Succeeded,
                payment.provider_status.clone(),
                payment.raw.clone(),
            );
            refund.amount = match (entry.amount.as_deref(), entry.currency.as_deref()) {
                (Some(amount), Some(code)) => Currency::from_code(code)
                    .ok()
                    .and_then(|currency| Money::parse(amount, currency).ok()),
                _ => None,
            };
            refund.reference = RefundReference::new(entry.key.clone()).ok();
            refund.total_refunded = payment.refunded_amount;
            refund.payment_status = Some(payment.status.clone());
            Some(to_json(&refund))
        }
        WriteOperation::Refund | WriteOperation::CreatePayment => None,
        _ => Some(to_json(payment)),
    }
}

/// The raw answer kept with an outcome.
pub(crate) fn raw_answer(raw: &RawResponse) -> RawAnswer {
    RawAnswer {
        http_status: raw.http_status,
        content_type: raw.content_type.clone(),
        body: raw.body.to_vec(),
    }
}

fn raw_response(raw: Option<&RawAnswer>) -> RawResponse {
    raw.map(|r| RawResponse {
        http_status: r.http_status,
        content_type: r.content_type.clone(),
        body: Bytes::from(r.body.clone()),
    })
    .unwrap_or_default()
}

#[derive(Deserialize)]
struct StoredPayment {
    order_id: OrderId,
    provider_reference: Option<String>,
    status: String,
    provider_status: String,
    amount: Option<Money>,
    refunded_amount: Option<Money>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    created_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    updated_at: Option<OffsetDateTime>,
}

/// A recorded payment, read back.
pub(crate) fn payment(
    provider: &'static str,
    json: &serde_json::Value,
    raw: Option<&RawAnswer>,
) -> Option<Payment> {
    let stored = StoredPayment::deserialize(json).ok()?;
    let mut payment = Payment::new(
        provider,
        stored.order_id,
        PaymentStatus::from_name(&stored.status),
        stored.provider_status,
        raw_response(raw),
    );
    payment.provider_reference = stored.provider_reference;
    payment.amount = stored.amount;
    payment.refunded_amount = stored.refunded_amount;
    payment.created_at = stored.created_at;
    payment.updated_at = stored.updated_at;
    Some(payment)
}

#[derive(Deserialize)]
struct StoredRefund {
    order_id: OrderId,
    refund_id: Option<String>,
    reference: Option<RefundReference>,
    status: String,
    provider_status: String,
    amount: Option<Money>,
    total_refunded: Option<Money>,
    payment_status: Option<String>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    created_at: Option<OffsetDateTime>,
}

/// A recorded refund, read back.
pub(crate) fn refund(
    provider: &'static str,
    json: &serde_json::Value,
    raw: Option<&RawAnswer>,
) -> Option<Refund> {
    let stored = StoredRefund::deserialize(json).ok()?;
    let mut refund = Refund::new(
        provider,
        stored.order_id,
        RefundStatus::from_name(&stored.status),
        stored.provider_status,
        raw_response(raw),
    );
    refund.refund_id = stored.refund_id;
    refund.reference = stored.reference;
    refund.amount = stored.amount;
    refund.total_refunded = stored.total_refunded;
    refund.payment_status = stored
        .payment_status
        .as_deref()
        .map(PaymentStatus::from_name);
    refund.created_at = stored.created_at;
    Some(refund)
}

#[derive(Deserialize)]
struct StoredCheckout {
    order_id: OrderId,
    /// Absent in entries written before it existed: the order id.
    #[serde(default)]
    payment_id: Option<OrderId>,
    provider_reference: Option<String>,
    next_action: NextAction,
    #[serde(with = "time::serde::rfc3339::option", default)]
    expires_at: Option<OffsetDateTime>,
}

/// A recorded checkout, read back.
pub(crate) fn checkout(
    provider: &'static str,
    json: &serde_json::Value,
    raw: Option<&RawAnswer>,
) -> Option<Checkout> {
    let stored = StoredCheckout::deserialize(json).ok()?;
    let mut checkout = Checkout::new(
        provider,
        stored.order_id,
        stored.next_action,
        raw_response(raw),
    );
    if let Some(payment_id) = stored.payment_id {
        checkout.payment_id = payment_id;
    }
    checkout.provider_reference = stored.provider_reference;
    checkout.expires_at = stored.expires_at;
    Some(checkout)
}
