//! [`PaymentGateway`] for Finpay: a thin layer over [`FinpayClient`].

use std::sync::Arc;

use paygate_core::http::HeaderMap;
use paygate_core::transport::Dispatcher;
use paygate_core::{
    Capabilities, Capability, Checkout, CreatePayment, Error, GatewayConfig, GatewayFactory,
    Operation, OrderId, Payment, PaymentGateway, PaymentStatus, ProviderError, ProviderErrorKind,
    Refund, RefundRequest, RefundStatus, RefundStatusRequest, Result, WebhookEvent, async_trait,
};

use paygate_core::precondition::{checked_refund, checked_status};
use paygate_core::{CancelRequest, VoidRequest};

use crate::config::FinpayConfig;
use crate::ops::{ORDER_ID_RULES, cancel, refund, void, wire_amount};
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
///
/// Before every write the payment is read with check (one read, retried like reads) unless
/// the request hands one over, and the write is checked against it — see
/// [`paygate_core::precondition`]. Finpay takes IDR only, and its check answer carries no
/// refunded amount, so a refund is checked against the amount paid:
///
/// | write | checked before sending | requests |
/// |---|---|---|
/// | refund | IDR, paid or partially refunded, amount ≤ `order.amount` | 1 read + 1 write (1 with a handed-over payment) |
/// | void | paid or authorized, not refunded (void is before settlement) | 1 + 1 |
/// | cancel | pending | 1 + 1 |
///
/// Finpay's write answers are envelopes that name no order, so there is no echo to compare;
/// check answers naming another `order.id` are not accepted.
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
        // What can be judged without the payment first (id, IDR, digits).
        request.order_id.check(&ORDER_ID_RULES)?;
        wire_amount("refund.amount", &request.amount)?;
        checked_refund(self, request).await?;
        let native = self
            .client
            .refund(&request.order_id, &request.amount)
            .await?;
        let mut refund = refund::to_refund(&request.order_id, &request.amount, native);
        refund.reference = request.reference.clone();
        Ok(refund)
    }

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

    async fn void(&self, request: &VoidRequest) -> Result<Payment> {
        request.order_id.check(&ORDER_ID_RULES)?;
        checked_status(
            self,
            Operation::Void,
            &request.order_id,
            request.payment.as_ref(),
            &[PaymentStatus::Paid, PaymentStatus::Authorized],
        )
        .await?;
        let native = self.client.void(&request.order_id).await?;
        Ok(void::to_payment(&request.order_id, native))
    }

    async fn cancel(&self, request: &CancelRequest) -> Result<Payment> {
        request.order_id.check(&ORDER_ID_RULES)?;
        checked_status(
            self,
            Operation::Cancel,
            &request.order_id,
            request.payment.as_ref(),
            &[PaymentStatus::Pending],
        )
        .await?;
        let native = self.client.cancel(&request.order_id).await?;
        Ok(cancel::to_payment(&request.order_id, native))
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
