//! The writes after a payment exists — refund, capture, void, cancel — and the refund as the
//! provider reports it. Each write can carry the payment the caller has just read, which the
//! gateway then checks the write against instead of reading it again.

use serde::Serialize;
use time::OffsetDateTime;

use super::{Payment, RawResponse};
use crate::error::Result;
use crate::id::{IdempotencyKey, OrderId, RefundReference, TransactionId};
use crate::money::Money;
use crate::status::{PaymentStatus, RefundStatus};

/// A refund request: `amount` may be the whole payment or a part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefundRequest {
    /// The order to refund.
    pub order_id: OrderId,
    /// How much (greater than zero).
    pub amount: Money,
    /// The merchant's reference for this refund, to tell partial refunds apart.
    pub reference: Option<RefundReference>,
    /// Why (some providers show it to the customer).
    pub reason: Option<String>,
    /// The provider's transaction id, when the provider needs it and the caller has it.
    pub transaction_id: Option<TransactionId>,
    /// The provider's payment method name, when the provider needs it (PayG `PaymentType`).
    pub payment_method: Option<String>,
    /// The payment as the caller has just read it: the write pipeline checks the refund
    /// against it instead of reading the payment again. `None`: it reads it first. An old
    /// read weakens the check (a refund made since is not counted); the provider's own
    /// refusal is then the backstop, so hand over only what was read for this write. A write
    /// journal reads it again once the order is claimed: it was read before the journal's
    /// mark could be taken (see `paygate_core::pipeline`).
    pub payment: Option<Payment>,
}

impl RefundRequest {
    /// A refund of `amount` (greater than zero) on `order_id`.
    pub fn new(order_id: OrderId, amount: Money) -> Result<RefundRequest> {
        let amount = amount
            .positive()
            .map_err(|e| e.for_field("refund.amount"))?;
        Ok(RefundRequest {
            order_id,
            amount,
            reference: None,
            reason: None,
            transaction_id: None,
            payment_method: None,
            payment: None,
        })
    }

    /// A refund of `amount` on a payment the caller has just read: the gateway checks the
    /// refund against `payment` (currency, what is left to refund, state) and sends no
    /// second read.
    pub fn for_payment(payment: &Payment, amount: Money) -> Result<RefundRequest> {
        Ok(RefundRequest::new(payment.order_id.clone(), amount)?.with_payment(payment.clone()))
    }

    /// Hands over the payment as just read (see [`RefundRequest::for_payment`]).
    pub fn with_payment(mut self, payment: Payment) -> Self {
        self.payment = Some(payment);
        self
    }

    /// Checks this refund against `payment` as the gateway will before sending it (the
    /// payment's state, the currency, what is left to refund), so an app can refuse it before
    /// asking anyone to confirm. `provider` is the name the error gives.
    pub fn check_against(&self, provider: &'static str, payment: &Payment) -> Result<()> {
        crate::precondition::check_refund(provider, payment, self)
    }

    /// Sets the merchant's refund reference.
    pub fn reference(mut self, reference: RefundReference) -> Self {
        self.reference = Some(reference);
        self
    }

    /// Sets the reason.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Sets the provider transaction id.
    pub fn transaction_id(mut self, id: TransactionId) -> Self {
        self.transaction_id = Some(id);
        self
    }

    /// Sets the provider payment method name.
    pub fn payment_method(mut self, method: impl Into<String>) -> Self {
        self.payment_method = Some(method.into());
        self
    }
}

/// Which refund to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefundStatusRequest {
    /// The refunded order.
    pub order_id: OrderId,
    /// The merchant's refund reference, if one was given.
    pub reference: Option<RefundReference>,
    /// The provider's id of the refund or the original transaction, when the provider needs it.
    pub transaction_id: Option<TransactionId>,
}

impl RefundStatusRequest {
    /// The refund status of `order_id`.
    pub fn new(order_id: OrderId) -> RefundStatusRequest {
        RefundStatusRequest {
            order_id,
            reference: None,
            transaction_id: None,
        }
    }

    /// Sets the refund reference.
    pub fn reference(mut self, reference: RefundReference) -> Self {
        self.reference = Some(reference);
        self
    }

    /// Sets the provider transaction id.
    pub fn transaction_id(mut self, id: TransactionId) -> Self {
        self.transaction_id = Some(id);
        self
    }
}

/// A refund as the provider reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Refund {
    /// Provider name.
    pub provider: &'static str,
    /// The refunded order.
    pub order_id: OrderId,
    /// The provider's refund id, if any.
    pub refund_id: Option<String>,
    /// The merchant's refund reference, if one was given.
    pub reference: Option<RefundReference>,
    /// Unified refund status.
    pub status: RefundStatus,
    /// The provider's own status, verbatim.
    pub provider_status: String,
    /// The amount of this refund, when known.
    pub amount: Option<Money>,
    /// Everything refunded on the order so far, when known.
    pub total_refunded: Option<Money>,
    /// The payment's unified status after the refund, when known.
    pub payment_status: Option<PaymentStatus>,
    /// When the refund was made, with the provider's offset.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    /// The answer as received.
    #[serde(skip)]
    pub raw: RawResponse,
}

impl Refund {
    /// A refund result; optional fields start empty.
    pub fn new(
        provider: &'static str,
        order_id: OrderId,
        status: RefundStatus,
        provider_status: impl Into<String>,
        raw: RawResponse,
    ) -> Refund {
        Refund {
            provider,
            order_id,
            refund_id: None,
            reference: None,
            status,
            provider_status: provider_status.into(),
            amount: None,
            total_refunded: None,
            payment_status: None,
            created_at: None,
            raw,
        }
    }
}

/// One refund as the provider lists it in an order's history (PayWay's transaction-detail
/// `transaction_operations`): evidence recovery weighs where the refunded figure alone cannot
/// tell which refund is which. Providers list no reference of ours, only amount and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RefundRecord {
    /// How much.
    pub amount: Money,
    /// When the provider made it, by its clock.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl RefundRecord {
    /// A refund of `amount` made `at`.
    pub fn new(amount: Money, at: OffsetDateTime) -> RefundRecord {
        RefundRecord { amount, at }
    }
}

/// A capture (pre-authorization completion) request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaptureRequest {
    /// The authorized order.
    pub order_id: OrderId,
    /// How much to capture (greater than zero; what a provider allows over the authorized
    /// amount is in its gateway's docs).
    pub amount: Money,
    /// The caller's key for this capture (see [`IdempotencyKey`]).
    pub idempotency_key: Option<IdempotencyKey>,
    /// The payment as the caller has just read it (see [`RefundRequest::payment`]).
    pub payment: Option<Payment>,
}

impl CaptureRequest {
    /// A capture of `amount` on `order_id`.
    pub fn new(order_id: OrderId, amount: Money) -> Result<CaptureRequest> {
        let amount = amount
            .positive()
            .map_err(|e| e.for_field("capture.amount"))?;
        Ok(CaptureRequest {
            order_id,
            amount,
            idempotency_key: None,
            payment: None,
        })
    }

    /// A capture of `amount` on a payment the caller has just read (no second read).
    pub fn for_payment(payment: &Payment, amount: Money) -> Result<CaptureRequest> {
        Ok(CaptureRequest::new(payment.order_id.clone(), amount)?.with_payment(payment.clone()))
    }

    /// Hands over the payment as just read.
    pub fn with_payment(mut self, payment: Payment) -> Self {
        self.payment = Some(payment);
        self
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.idempotency_key = Some(key);
        self
    }
}

/// A void: releases an authorization or voids an unsettled payment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VoidRequest {
    /// The order.
    pub order_id: OrderId,
    /// The caller's key for this write (see [`IdempotencyKey`]).
    pub idempotency_key: Option<IdempotencyKey>,
    /// The payment as the caller has just read it (see [`RefundRequest::payment`]).
    pub payment: Option<Payment>,
}

impl VoidRequest {
    /// A void of `order_id`; the gateway reads the payment first.
    pub fn new(order_id: OrderId) -> VoidRequest {
        VoidRequest {
            order_id,
            idempotency_key: None,
            payment: None,
        }
    }

    /// A void of a payment the caller has just read (no second read).
    pub fn for_payment(payment: &Payment) -> VoidRequest {
        VoidRequest {
            order_id: payment.order_id.clone(),
            idempotency_key: None,
            payment: Some(payment.clone()),
        }
    }

    /// Hands over the payment as just read.
    pub fn with_payment(mut self, payment: Payment) -> Self {
        self.payment = Some(payment);
        self
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.idempotency_key = Some(key);
        self
    }
}

impl From<&OrderId> for VoidRequest {
    fn from(order_id: &OrderId) -> VoidRequest {
        VoidRequest::new(order_id.clone())
    }
}

/// A cancellation of an unpaid order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CancelRequest {
    /// The order.
    pub order_id: OrderId,
    /// The caller's key for this write (see [`IdempotencyKey`]).
    pub idempotency_key: Option<IdempotencyKey>,
    /// The payment as the caller has just read it (see [`RefundRequest::payment`]).
    pub payment: Option<Payment>,
}

impl CancelRequest {
    /// A cancellation of `order_id`; the gateway reads the payment first.
    pub fn new(order_id: OrderId) -> CancelRequest {
        CancelRequest {
            order_id,
            idempotency_key: None,
            payment: None,
        }
    }

    /// A cancellation of a payment the caller has just read (no second read).
    pub fn for_payment(payment: &Payment) -> CancelRequest {
        CancelRequest {
            order_id: payment.order_id.clone(),
            idempotency_key: None,
            payment: Some(payment.clone()),
        }
    }

    /// Hands over the payment as just read.
    pub fn with_payment(mut self, payment: Payment) -> Self {
        self.payment = Some(payment);
        self
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.idempotency_key = Some(key);
        self
    }
}

impl From<&OrderId> for CancelRequest {
    fn from(order_id: &OrderId) -> CancelRequest {
        CancelRequest::new(order_id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CreatePayment;
    use crate::money::Currency;

    fn usd(s: &str) -> Money {
        Money::parse(s, Currency::USD).unwrap()
    }

    #[test]
    fn requests_refuse_zero_amounts_naming_the_field() {
        let id = OrderId::new("A1").unwrap();
        let err = RefundRequest::new(id.clone(), usd("0")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid refund.amount: amount must be greater than zero"
        );
        assert!(CreatePayment::new(id.clone(), usd("0.00")).is_err());
        assert!(CaptureRequest::new(id, usd("0")).is_err());
    }
}
