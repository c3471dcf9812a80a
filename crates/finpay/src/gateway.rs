//! [`PaymentGateway`] for Finpay: a thin layer over [`FinpayClient`].

use std::sync::Arc;

use paygate_core::http::HeaderMap;
use paygate_core::transport::Dispatcher;
use paygate_core::{
    Capabilities, Capability, Checkout, CreatePayment, Error, GatewayConfig, GatewayFactory,
    Operation, OrderId, Payment, PaymentGateway, PaymentStatus, ProviderError, ProviderErrorKind,
    Refund, RefundRequest, RefundStatus, RefundStatusRequest, Result, WebhookEvent, async_trait,
};

use crate::config::FinpayConfig;
use crate::{FinpayClient, PROVIDER};

/// Finpay behind the unified interface.
///
/// | unified | Finpay |
/// |---|---|
/// | create payment | initiate (hosted page) |
/// | payment status | check |
/// | refund | refund |
/// | refund status | derived from check (`PARTIALLY_REFUNDED` / `REFUNDED`) |
/// | void | void |
/// | cancel | cancel |
/// | webhook | callback (signed) |
#[derive(Debug, Clone)]
pub struct FinpayGateway {
    client: FinpayClient,
}

impl FinpayGateway {
    /// A gateway over `client`.
    pub fn new(client: FinpayClient) -> FinpayGateway {
        FinpayGateway { client }
    }

    /// The native client.
    pub fn client(&self) -> &FinpayClient {
        &self.client
    }
}

#[async_trait]
impl PaymentGateway for FinpayGateway {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[
            Capability::CreatePayment,
            Capability::PaymentStatus,
            Capability::Refund,
            Capability::PartialRefund,
            Capability::RefundStatus,
            Capability::Void,
            Capability::Cancel,
            Capability::Webhook,
        ])
    }

    async fn create_payment(&self, request: &CreatePayment) -> Result<Checkout> {
        self.client.create_checkout(request).await
    }

    async fn payment_status(&self, order_id: &OrderId) -> Result<Payment> {
        self.client.payment(order_id).await
    }

    async fn refund(&self, request: &RefundRequest) -> Result<Refund> {
        let mut refund = self
            .client
            .refund_payment(&request.order_id, &request.amount)
            .await?;
        refund.reference = request.reference.clone();
        Ok(refund)
    }

    /// Finpay has no refund-status endpoint: read from check, whose status becomes
    /// PARTIALLY_REFUNDED or REFUNDED. Any other status means no refund is recorded
    /// (a not-found error).
    async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
        let payment = self.client.payment(&request.order_id).await?;
        if !matches!(
            payment.status,
            PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded
        ) {
            return Err(Error::from(ProviderError::new(
                PROVIDER,
                Operation::RefundStatus,
                ProviderErrorKind::NotFound,
                format!(
                    "Finpay reports no refund for this order (status {})",
                    payment.provider_status
                ),
            )));
        }
        let mut refund = Refund::new(
            PROVIDER,
            request.order_id.clone(),
            RefundStatus::Succeeded,
            payment.provider_status.clone(),
            payment.raw.clone(),
        );
        refund.reference = request.reference.clone();
        refund.payment_status = Some(payment.status.clone());
        refund.created_at = payment.updated_at;
        Ok(refund)
    }

    async fn void(&self, order_id: &OrderId) -> Result<Payment> {
        self.client.void_payment(order_id).await
    }

    async fn cancel(&self, order_id: &OrderId) -> Result<Payment> {
        self.client.cancel_order(order_id).await
    }

    fn verify_webhook(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        self.client.verify_callback(body, headers)
    }
}

/// Builds [`FinpayGateway`]s from `provider = "finpay"` tables.
#[derive(Debug, Clone, Copy, Default)]
pub struct FinpayFactory;

impl GatewayFactory for FinpayFactory {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn build(
        &self,
        config: &GatewayConfig,
        dispatcher: &Dispatcher,
    ) -> Result<Arc<dyn PaymentGateway>> {
        let config = FinpayConfig::from_gateway_config(config)?;
        Ok(Arc::new(FinpayGateway::new(FinpayClient::new(
            config,
            dispatcher.clone(),
        ))))
    }
}
