//! [`PaymentGateway`] for PayG: a thin layer over [`PaygClient`].

use std::sync::Arc;

use paygate_core::http::HeaderMap;
use paygate_core::transport::Dispatcher;
use paygate_core::{
    Capabilities, Capability, Checkout, CreatePayment, GatewayConfig, GatewayFactory, OrderId,
    Payment, PaymentGateway, Refund, RefundRequest, RefundStatusRequest, Result, WebhookEvent,
    async_trait,
};

use crate::config::PaygConfig;
use crate::{PROVIDER, PaygClient};

/// PayG behind the unified interface. The order id of status, refund and refund status is
/// PayG's `OrderKeyId` (the checkout's `provider_reference`); create takes the merchant's id
/// as `UniqueRequestId`.
///
/// | unified | PayG |
/// |---|---|
/// | create payment | create |
/// | payment status | Detail |
/// | refund | Refund (reads Detail first unless the caller gives the transaction id and payment method) |
/// | refund status | RefundStatus (reads Detail first unless the caller gives the transaction id) |
/// | webhook | postback (unsigned: confirm it) |
/// | void, cancel, capture | not offered by PayG |
#[derive(Debug, Clone)]
pub struct PaygGateway {
    client: PaygClient,
}

impl PaygGateway {
    /// A gateway over `client`.
    pub fn new(client: PaygClient) -> PaygGateway {
        PaygGateway { client }
    }

    /// The native client.
    pub fn client(&self) -> &PaygClient {
        &self.client
    }
}

#[async_trait]
impl PaymentGateway for PaygGateway {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    /// Partial refunds are declared because Refund takes a `RefundAmount`; PayG does not say
    /// whether several are allowed.
    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[
            Capability::CreatePayment,
            Capability::PaymentStatus,
            Capability::Refund,
            Capability::PartialRefund,
            Capability::RefundStatus,
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
        self.client.refund_payment(request).await
    }

    async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
        self.client.refund_state(request).await
    }

    fn verify_webhook(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        crate::webhook::parse(body, headers).map(|(_, event)| event)
    }
}

/// Builds [`PaygGateway`]s from `provider = "payg"` tables.
#[derive(Debug, Clone, Copy, Default)]
pub struct PaygFactory;

impl GatewayFactory for PaygFactory {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn build(
        &self,
        config: &GatewayConfig,
        dispatcher: &Dispatcher,
    ) -> Result<Arc<dyn PaymentGateway>> {
        let config = PaygConfig::from_gateway_config(config)?;
        Ok(Arc::new(PaygGateway::new(PaygClient::new(
            config,
            dispatcher.clone(),
        ))))
    }
}
