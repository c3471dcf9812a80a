//! [`PaymentGateway`] for PayWay: a thin layer over [`PaywayClient`].

use std::sync::Arc;

use paygate_core::http::HeaderMap;
use paygate_core::{
    Capabilities, Capability, CaptureRequest, Checkout, CreatePayment, Error, GatewayConfig,
    GatewayFactory, OrderId, Payment, PaymentGateway, ProviderError, ProviderErrorKind, Refund,
    RefundRequest, RefundStatus, RefundStatusRequest, Result, WebhookEvent, async_trait,
};

use crate::PROVIDER;
use crate::PaywayClient;
use crate::config::PaywayConfig;
use crate::status::Endpoint;
use paygate_core::transport::Dispatcher;

/// ABA PayWay behind the unified interface.
///
/// | unified | PayWay |
/// |---|---|
/// | create payment | purchase (hosted view; a redirect, a QR, or a form to render) |
/// | payment status | check-transaction-2 |
/// | refund | online-transaction/refund (needs the RSA key) |
/// | refund status | derived from check-transaction-2's `refund_amount` |
/// | cancel | close-transaction |
/// | void | pre-auth-cancellation (needs the RSA key) |
/// | capture | pre-auth-completion (needs the RSA key) |
/// | webhook | pushback |
#[derive(Debug, Clone)]
pub struct PaywayGateway {
    client: PaywayClient,
}

impl PaywayGateway {
    /// A gateway over `client`.
    pub fn new(client: PaywayClient) -> PaywayGateway {
        PaywayGateway { client }
    }

    /// The native client, for what the unified interface has no word for.
    pub fn client(&self) -> &PaywayClient {
        &self.client
    }
}

#[async_trait]
impl PaymentGateway for PaywayGateway {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        let all = Capabilities::of(&[
            Capability::CreatePayment,
            Capability::PaymentStatus,
            Capability::Cancel,
            Capability::RefundStatus,
            Capability::Webhook,
        ]);
        if self.client.config().merchant_auth.is_some() {
            all.with(Capability::Refund)
                .with(Capability::PartialRefund)
                .with(Capability::Void)
                .with(Capability::Capture)
        } else {
            all
        }
    }

    async fn create_payment(&self, request: &CreatePayment) -> Result<Checkout> {
        self.client.create_checkout(request).await
    }

    async fn payment_status(&self, order_id: &OrderId) -> Result<Payment> {
        self.client.payment(order_id).await
    }

    async fn refund(&self, request: &RefundRequest) -> Result<Refund> {
        self.client
            .refund_payment(&request.order_id, &request.amount)
            .await
            .map(|mut refund| {
                refund.reference = request.reference.clone();
                refund
            })
    }

    /// PayWay has no refund-status endpoint: the refund is read from check-transaction-2,
    /// whose `refund_amount` is the cumulative refunded total (ABA PAY and KHQR refunds are
    /// immediate; card refunds follow the merchant's agreement). No refund recorded is a
    /// not-found error.
    async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
        let payment = self.client.payment(&request.order_id).await?;
        let refunded = payment
            .refunded_amount
            .filter(|m| !m.is_zero())
            .ok_or_else(|| {
                Error::from(ProviderError::new(
                    PROVIDER,
                    Endpoint::CheckTransaction.operation(),
                    ProviderErrorKind::NotFound,
                    "PayWay reports no refunded amount for this transaction",
                ))
            })?;
        let mut refund = paygate_core::Refund::new(
            PROVIDER,
            request.order_id.clone(),
            RefundStatus::Succeeded,
            payment.provider_status.clone(),
            payment.raw.clone(),
        );
        refund.reference = request.reference.clone();
        refund.total_refunded = Some(refunded);
        refund.payment_status = Some(payment.status.clone());
        refund.created_at = payment.updated_at;
        Ok(refund)
    }

    async fn void(&self, order_id: &OrderId) -> Result<Payment> {
        self.client.cancel_pre_auth(order_id).await
    }

    async fn cancel(&self, order_id: &OrderId) -> Result<Payment> {
        self.client.close(order_id).await
    }

    async fn capture(&self, request: &CaptureRequest) -> Result<Payment> {
        self.client
            .complete_pre_auth(&request.order_id, &request.amount)
            .await
    }

    fn verify_webhook(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        self.client.verify_pushback(body, headers)
    }
}

/// Builds [`PaywayGateway`]s from `provider = "payway"` tables (see
/// [`PaywayConfig::from_gateway_config`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct PaywayFactory;

impl GatewayFactory for PaywayFactory {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn build(
        &self,
        config: &GatewayConfig,
        dispatcher: &Dispatcher,
    ) -> Result<Arc<dyn PaymentGateway>> {
        let config = PaywayConfig::from_gateway_config(config)?;
        Ok(Arc::new(PaywayGateway::new(PaywayClient::new(
            config,
            dispatcher.clone(),
        ))))
    }
}
