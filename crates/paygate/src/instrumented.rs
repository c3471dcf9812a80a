//! A span per unified operation: `paygate.<operation>` (`paygate.refund`, …) around each call
//! of a registry's gateway, carrying the gateway's instance name, the provider, the operation
//! and the order id, and — when it fails — `error.type` (the error class) and whether the
//! outcome is unknown. The HTTP requests the operation makes are its children
//! (`paygate.request`, and `paygate.attempt` per attempt, in OpenTelemetry's HTTP names).
//! No secret is ever a field.

use std::sync::Arc;

use paygate_core::http::HeaderMap;
use paygate_core::layer::GatewayLayer;
use paygate_core::pipeline::Checked;
use paygate_core::{
    CancelRequest, CaptureRequest, Checkout, CreatePayment, ListPaymentsRequest, OrderId, Payment,
    PaymentGateway, PaymentPage, Refund, RefundRequest, RefundStatusRequest, Result, VoidRequest,
    WebhookEvent, async_trait,
};
use tracing::Instrument;

/// A registry's gateway, traced under its instance name.
#[derive(Debug)]
pub(crate) struct Instrumented {
    name: String,
    inner: Arc<dyn PaymentGateway>,
}

impl Instrumented {
    pub(crate) fn new(name: String, inner: Arc<dyn PaymentGateway>) -> Instrumented {
        Instrumented { name, inner }
    }
}

/// A span for one operation (span names are static: one arm per operation).
macro_rules! operation_span {
    ($name:literal, $operation:literal, $gateway:expr, $provider:expr, $order:expr) => {
        tracing::info_span!(
            $name,
            paygate.gateway = %$gateway,
            paygate.provider = $provider,
            paygate.operation = $operation,
            paygate.order_id = %$order,
            error.type = tracing::field::Empty,
            paygate.outcome_unknown = tracing::field::Empty,
        )
    };
}

impl Instrumented {
    /// Runs `call` inside `span`, recording its failure on the span and its outcome and
    /// duration as metrics — outcome `cancelled` when the call's future is dropped before it
    /// ends (a caller's timeout, a cancelled task).
    async fn traced<T>(
        &self,
        operation: &'static str,
        span: tracing::Span,
        call: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let mut ending = OperationEnd {
            provider: self.inner.provider(),
            gateway: &self.name,
            operation,
            started: std::time::Instant::now(),
            outcome: "cancelled",
        };
        let result = call.instrument(span.clone()).await;
        ending.outcome = match &result {
            Ok(_) => "ok",
            Err(error) => {
                span.record("error.type", error.class().name());
                span.record("paygate.outcome_unknown", error.outcome_unknown());
                error.class().name()
            }
        };
        result
    }
}

/// Records an operation's outcome and duration when dropped: at its end, or when its future
/// is dropped first (then as `cancelled`).
struct OperationEnd<'a> {
    provider: &'static str,
    gateway: &'a str,
    operation: &'static str,
    started: std::time::Instant,
    outcome: &'static str,
}

impl Drop for OperationEnd<'_> {
    fn drop(&mut self) {
        // One line per operation at INFO (the CLI's `-v`).
        tracing::info!(
            paygate.gateway = self.gateway,
            paygate.operation = self.operation,
            outcome = self.outcome,
            elapsed_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "operation ended"
        );
        paygate_core::metered::operation(
            self.provider,
            self.gateway,
            self.operation,
            self.outcome,
            self.started.elapsed(),
        );
    }
}

#[async_trait]
impl GatewayLayer for Instrumented {
    fn inner(&self) -> &Arc<dyn PaymentGateway> {
        &self.inner
    }

    async fn create_payment(&self, request: &CreatePayment) -> Result<Checkout> {
        let span = operation_span!(
            "paygate.create_payment",
            "create-payment",
            self.name,
            self.provider(),
            request.order_id
        );
        self.traced("create-payment", span, self.inner.create_payment(request))
            .await
    }

    async fn payment_status(&self, order_id: &OrderId) -> Result<Payment> {
        let span = operation_span!(
            "paygate.payment_status",
            "payment-status",
            self.name,
            self.provider(),
            order_id
        );
        self.traced("payment-status", span, self.inner.payment_status(order_id))
            .await
    }

    /// The whole write, planned and sent, under one span.
    async fn refund(&self, request: &RefundRequest) -> Result<Refund> {
        let span = operation_span!(
            "paygate.refund",
            "refund",
            self.name,
            self.provider(),
            request.order_id
        );
        self.traced("refund", span, self.inner.refund(request))
            .await
    }

    async fn send_refund(&self, checked: &Checked<RefundRequest>) -> Result<Refund> {
        let span = operation_span!(
            "paygate.refund",
            "refund",
            self.name,
            self.provider(),
            checked.request().order_id
        );
        self.traced("refund", span, self.inner.send_refund(checked))
            .await
    }

    async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
        let span = operation_span!(
            "paygate.refund_status",
            "refund-status",
            self.name,
            self.provider(),
            request.order_id
        );
        self.traced("refund-status", span, self.inner.refund_status(request))
            .await
    }

    /// The whole write, planned and sent, under one span.
    async fn void(&self, request: &VoidRequest) -> Result<Payment> {
        let span = operation_span!(
            "paygate.void",
            "void",
            self.name,
            self.provider(),
            request.order_id
        );
        self.traced("void", span, self.inner.void(request)).await
    }

    async fn send_void(&self, checked: &Checked<VoidRequest>) -> Result<Payment> {
        let span = operation_span!(
            "paygate.void",
            "void",
            self.name,
            self.provider(),
            checked.request().order_id
        );
        self.traced("void", span, self.inner.send_void(checked))
            .await
    }

    /// The whole write, planned and sent, under one span.
    async fn cancel(&self, request: &CancelRequest) -> Result<Payment> {
        let span = operation_span!(
            "paygate.cancel",
            "cancel",
            self.name,
            self.provider(),
            request.order_id
        );
        self.traced("cancel", span, self.inner.cancel(request))
            .await
    }

    async fn send_cancel(&self, checked: &Checked<CancelRequest>) -> Result<Payment> {
        let span = operation_span!(
            "paygate.cancel",
            "cancel",
            self.name,
            self.provider(),
            checked.request().order_id
        );
        self.traced("cancel", span, self.inner.send_cancel(checked))
            .await
    }

    /// The whole write, planned and sent, under one span.
    async fn capture(&self, request: &CaptureRequest) -> Result<Payment> {
        let span = operation_span!(
            "paygate.capture",
            "capture",
            self.name,
            self.provider(),
            request.order_id
        );
        self.traced("capture", span, self.inner.capture(request))
            .await
    }

    async fn send_capture(&self, checked: &Checked<CaptureRequest>) -> Result<Payment> {
        let span = operation_span!(
            "paygate.capture",
            "capture",
            self.name,
            self.provider(),
            checked.request().order_id
        );
        self.traced("capture", span, self.inner.send_capture(checked))
            .await
    }

    fn verify_webhook(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        let span = operation_span!("paygate.webhook", "webhook", self.name, self.provider(), "");
        let _entered = span.enter();
        let result = self.inner.verify_webhook(body, headers);
        match &result {
            Ok(event) => {
                span.record("paygate.order_id", event.order_id.as_str());
            }
            Err(error) => {
                span.record("error.type", error.class().name());
            }
        }
        result
    }

    async fn list_payments(&self, request: &ListPaymentsRequest) -> Result<PaymentPage> {
        let span = operation_span!(
            "paygate.list_payments",
            "list-payments",
            self.name,
            self.provider(),
            ""
        );
        self.traced("list-payments", span, self.inner.list_payments(request))
            .await
    }
}
