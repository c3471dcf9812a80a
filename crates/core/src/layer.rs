//! Wrappers around a gateway. A [`GatewayLayer`] says what it changes; the one
//! `PaymentGateway` implementation here forwards everything else to its inner gateway, so no
//! wrapper forwards by hand and none can forget a method (a forgotten forward would drop, say,
//! a provider's refund history from recovery's evidence). The registry's wrappers are layers:
//! [`FreshWebhooks`] (the webhook age window), [`RefundsShowWithin`] (how soon a provider's
//! figure shows a refund, where configuration says), the write journal's `Journaled`, and
//! the facade's tracing.

use std::sync::Arc;

use async_trait::async_trait;
use http::HeaderMap;

use crate::error::{Error, Result};
use crate::gateway::{AccountId, Capabilities, PaymentGateway};
use crate::id::OrderId;
use crate::model::{
    CancelRequest, CaptureRequest, Checkout, CreatePayment, ListLimits, ListPaymentsRequest,
    Payment, PaymentPage, Refund, RefundRecord, RefundRequest, RefundStatusRequest, VoidRequest,
};
use crate::pipeline::{Checked, WriteMark, WriteRef, WriteRules};
use crate::webhook::WebhookEvent;

/// What a wrapper around a gateway changes. Each method defaults to the inner gateway's,
/// except the whole writes (`refund`, `void`, `cancel`, `capture`), which default to the
/// write pipeline on the wrapper itself: planned, then sent through its `send_*`. What a
/// gateway *is* — its provider, capabilities, account, limits, prechecks and write rules,
/// its refund history — is always the inner gateway's (a configured lag of its refunded
/// figure aside: [`RefundsShowWithin`]).
#[async_trait]
pub trait GatewayLayer: Send + Sync + std::fmt::Debug {
    /// The wrapped gateway.
    fn inner(&self) -> &Arc<dyn PaymentGateway>;

    /// See [`PaymentGateway::create_payment`].
    async fn create_payment(&self, request: &CreatePayment) -> Result<Checkout> {
        self.inner().create_payment(request).await
    }

    /// See [`PaymentGateway::payment_status`].
    async fn payment_status(&self, order_id: &OrderId) -> Result<Payment> {
        self.inner().payment_status(order_id).await
    }

    /// See [`PaymentGateway::refund`]: the pipeline through this wrapper.
    async fn refund(&self, request: &RefundRequest) -> Result<Refund>
    where
        Self: Sized,
    {
        let checked = crate::pipeline::plan(self, request).await?;
        PaymentGateway::send_refund(self, &checked).await
    }

    /// See [`PaymentGateway::refund_status`].
    async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
        self.inner().refund_status(request).await
    }

    /// See [`PaymentGateway::write_rules`]: the inner gateway's, except where configuration
    /// says how soon the provider shows a refund ([`RefundsShowWithin`]).
    fn write_rules(&self) -> WriteRules {
        self.inner().write_rules()
    }

    /// See [`PaymentGateway::void`]: the pipeline through this wrapper.
    async fn void(&self, request: &VoidRequest) -> Result<Payment>
    where
        Self: Sized,
    {
        let checked = crate::pipeline::plan(self, request).await?;
        PaymentGateway::send_void(self, &checked).await
    }

    /// See [`PaymentGateway::cancel`]: the pipeline through this wrapper.
    async fn cancel(&self, request: &CancelRequest) -> Result<Payment>
    where
        Self: Sized,
    {
        let checked = crate::pipeline::plan(self, request).await?;
        PaymentGateway::send_cancel(self, &checked).await
    }

    /// See [`PaymentGateway::capture`]: the pipeline through this wrapper.
    async fn capture(&self, request: &CaptureRequest) -> Result<Payment>
    where
        Self: Sized,
    {
        let checked = crate::pipeline::plan(self, request).await?;
        PaymentGateway::send_capture(self, &checked).await
    }

    /// See [`PaymentGateway::write_mark`].
    async fn write_mark(&self, order_id: &OrderId, key: Option<&str>) -> Result<Option<WriteMark>> {
        self.inner().write_mark(order_id, key).await
    }

    /// See [`PaymentGateway::send_refund`].
    async fn send_refund(&self, refund: &Checked<RefundRequest>) -> Result<Refund> {
        self.inner().send_refund(refund).await
    }

    /// See [`PaymentGateway::send_void`].
    async fn send_void(&self, void: &Checked<VoidRequest>) -> Result<Payment> {
        self.inner().send_void(void).await
    }

    /// See [`PaymentGateway::send_cancel`].
    async fn send_cancel(&self, cancel: &Checked<CancelRequest>) -> Result<Payment> {
        self.inner().send_cancel(cancel).await
    }

    /// See [`PaymentGateway::send_capture`].
    async fn send_capture(&self, capture: &Checked<CaptureRequest>) -> Result<Payment> {
        self.inner().send_capture(capture).await
    }

    /// See [`PaymentGateway::verify_webhook`].
    fn verify_webhook(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        self.inner().verify_webhook(body, headers)
    }

    /// See [`PaymentGateway::list_payments`].
    async fn list_payments(&self, request: &ListPaymentsRequest) -> Result<PaymentPage> {
        self.inner().list_payments(request).await
    }
}

#[async_trait]
impl<L: GatewayLayer> PaymentGateway for L {
    fn provider(&self) -> &'static str {
        self.inner().provider()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner().capabilities()
    }

    fn account(&self) -> AccountId {
        self.inner().account()
    }

    fn status_read_rate_limit(&self) -> Option<u32> {
        self.inner().status_read_rate_limit()
    }

    async fn create_payment(&self, request: &CreatePayment) -> Result<Checkout> {
        GatewayLayer::create_payment(self, request).await
    }

    async fn payment_status(&self, order_id: &OrderId) -> Result<Payment> {
        GatewayLayer::payment_status(self, order_id).await
    }

    async fn refund(&self, request: &RefundRequest) -> Result<Refund> {
        GatewayLayer::refund(self, request).await
    }

    async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
        GatewayLayer::refund_status(self, request).await
    }

    async fn void(&self, request: &VoidRequest) -> Result<Payment> {
        GatewayLayer::void(self, request).await
    }

    async fn cancel(&self, request: &CancelRequest) -> Result<Payment> {
        GatewayLayer::cancel(self, request).await
    }

    async fn capture(&self, request: &CaptureRequest) -> Result<Payment> {
        GatewayLayer::capture(self, request).await
    }

    async fn refund_history(&self, order_id: &OrderId) -> Result<Option<Vec<RefundRecord>>> {
        self.inner().refund_history(order_id).await
    }

    fn precheck(&self, write: WriteRef<'_>) -> Result<()> {
        self.inner().precheck(write)
    }

    fn write_rules(&self) -> WriteRules {
        GatewayLayer::write_rules(self)
    }

    async fn write_mark(&self, order_id: &OrderId, key: Option<&str>) -> Result<Option<WriteMark>> {
        GatewayLayer::write_mark(self, order_id, key).await
    }

    async fn send_refund(&self, refund: &Checked<RefundRequest>) -> Result<Refund> {
        GatewayLayer::send_refund(self, refund).await
    }

    async fn send_void(&self, void: &Checked<VoidRequest>) -> Result<Payment> {
        GatewayLayer::send_void(self, void).await
    }

    async fn send_cancel(&self, cancel: &Checked<CancelRequest>) -> Result<Payment> {
        GatewayLayer::send_cancel(self, cancel).await
    }

    async fn send_capture(&self, capture: &Checked<CaptureRequest>) -> Result<Payment> {
        GatewayLayer::send_capture(self, capture).await
    }

    fn verify_webhook(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        GatewayLayer::verify_webhook(self, body, headers)
    }

    fn payment_list_limits(&self) -> Option<ListLimits> {
        self.inner().payment_list_limits()
    }

    async fn list_payments(&self, request: &ListPaymentsRequest) -> Result<PaymentPage> {
        GatewayLayer::list_payments(self, request).await
    }
}

/// A gateway whose webhooks are also rejected when the event is older than a window — a
/// replayed notification — or further in the future than the window (a forged time).
/// Everything else is passed to the wrapped gateway unchanged.
///
/// The age is judged from [`WebhookEvent::occurred_at`], after the provider has verified the
/// signature: Finpay's `result.payment.datetime`, PayWay's `transaction_date`, PayG's
/// `PaymentDateTime`. An event without a time is accepted as it is (there is nothing to
/// judge). Providers resend a notification that was not acknowledged, carrying the original
/// time, so the window must be longer than their retry period; a window is a defence in
/// depth, not a substitute for handling each order's status change once.
#[derive(Debug)]
pub struct FreshWebhooks {
    inner: Arc<dyn PaymentGateway>,
    max_age: std::time::Duration,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
}

impl FreshWebhooks {
    /// Wraps `inner`; `clock` says what time it is.
    pub fn new(
        inner: Arc<dyn PaymentGateway>,
        max_age: std::time::Duration,
        clock: std::sync::Arc<dyn crate::clock::Clock>,
    ) -> FreshWebhooks {
        FreshWebhooks {
            inner,
            max_age,
            clock,
        }
    }

    /// Checks `event`'s time against the window.
    pub fn check(&self, event: &WebhookEvent) -> Result<()> {
        let Some(at) = event.occurred_at else {
            return Ok(());
        };
        let window_secs = self.max_age.as_secs();
        let age = self.clock.now() - at;
        let age_secs = age.whole_seconds();
        if age_secs > 0 && age_secs.unsigned_abs() > window_secs {
            return Err(Error::webhook(
                self.inner.provider(),
                crate::error::WebhookRejection::Stale {
                    age_secs: age_secs.unsigned_abs(),
                    window_secs,
                },
            ));
        }
        if age_secs < 0 && age_secs.unsigned_abs() > window_secs {
            return Err(Error::webhook(
                self.inner.provider(),
                crate::error::WebhookRejection::Mismatch(format!(
                    "the event time is {}s in the future",
                    age_secs.unsigned_abs()
                )),
            ));
        }
        Ok(())
    }
}

impl GatewayLayer for FreshWebhooks {
    fn inner(&self) -> &Arc<dyn PaymentGateway> {
        &self.inner
    }

    fn verify_webhook(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        let event = self.inner.verify_webhook(body, headers)?;
        self.check(&event)?;
        Ok(event)
    }
}

/// A provider's refunded figure as configuration says it shows refunds
/// (`refunds_show_within_ms`): the registry's layer where a gateway's table sets it.
#[derive(Debug)]
pub struct RefundsShowWithin {
    inner: Arc<dyn PaymentGateway>,
    lag: std::time::Duration,
}

impl RefundsShowWithin {
    /// Wraps `inner`, whose refunded figure shows a refund within `lag`.
    pub fn new(inner: Arc<dyn PaymentGateway>, lag: std::time::Duration) -> RefundsShowWithin {
        RefundsShowWithin { inner, lag }
    }
}

impl GatewayLayer for RefundsShowWithin {
    fn inner(&self) -> &Arc<dyn PaymentGateway> {
        &self.inner
    }

    fn write_rules(&self) -> WriteRules {
        self.inner.write_rules().refunds_show_within(self.lag)
    }
}
