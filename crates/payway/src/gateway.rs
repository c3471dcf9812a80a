//! [`PaymentGateway`] for PayWay: a thin layer over [`PaywayClient`].

use std::sync::Arc;

use paygate_core::http::HeaderMap;
use paygate_core::precondition::{checked_capture, checked_refund, checked_status};
use paygate_core::{
    CancelRequest, Capabilities, Capability, CaptureRequest, Checkout, CreatePayment, Error,
    GatewayConfig, GatewayFactory, Operation, OrderId, Payment, PaymentGateway, PaymentStatus,
    ProviderError, ProviderErrorKind, Refund, RefundRequest, RefundStatus, RefundStatusRequest,
    Result, VoidRequest, WebhookEvent, async_trait,
};

use crate::PROVIDER;
use crate::PaywayClient;
use crate::config::PaywayConfig;
use crate::endpoint::Endpoint;
use crate::ops::{TRAN_ID_RULES, close_transaction, pre_auth, refund};
use paygate_core::transport::Dispatcher;

/// How far above the held amount PayWay lets a card pre-authorization complete (110 %).
pub(crate) const CAPTURE_OVER_PERCENT: u32 = 10;

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
///
/// Before every write the payment is read with check-transaction-2 (one read, retried like
/// reads) unless the request hands one over (`RefundRequest::for_payment` …), and the write is
/// checked against it — see [`paygate_core::precondition`]:
///
/// | write | checked before sending | requests |
/// |---|---|---|
/// | refund | currency = the transaction's (the wire carries bare digits in the transaction's currency), paid or partially refunded, amount ≤ `total_amount − refund_amount` | 1 read + 1 write (1 with a handed-over payment) |
/// | capture | currency, authorized (PRE-AUTH), amount ≤ 110 % of the held amount (cards may complete up to 110 %) | 1 + 1 |
/// | void | authorized (PRE-AUTH) | 1 + 1 |
/// | cancel | pending | 1 + 1 |
///
/// An answer naming another `tran_id` or currency than the request's is not accepted
/// (outcome unknown on a write).
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
        // What can be judged without the payment first (id, currency PayWay takes, digits).
        refund::plaintext(self.client.config(), &request.order_id, &request.amount)?;
        checked_refund(self, request).await?;
        let native = self
            .client
            .refund(&request.order_id, &request.amount)
            .await?;
        let mut refund = refund::to_refund(&request.order_id, &request.amount, native)?;
        refund.reference = request.reference.clone();
        Ok(refund)
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

    async fn void(&self, request: &VoidRequest) -> Result<Payment> {
        pre_auth::cancellation_plaintext(self.client.config(), &request.order_id)?;
        let payment = checked_status(
            self,
            Operation::Void,
            &request.order_id,
            request.payment.as_ref(),
            &[PaymentStatus::Authorized],
        )
        .await?;
        let native = self.client.pre_auth_cancellation(&request.order_id).await?;
        pre_auth::to_payment(
            self.client.config(),
            Endpoint::PreAuthCancellation,
            &request.order_id,
            payment.amount.map(|m| m.currency()),
            native,
        )
    }

    async fn cancel(&self, request: &CancelRequest) -> Result<Payment> {
        request.order_id.check(&TRAN_ID_RULES)?;
        checked_status(
            self,
            Operation::Cancel,
            &request.order_id,
            request.payment.as_ref(),
            &[PaymentStatus::Pending],
        )
        .await?;
        let native = self.client.close_transaction(&request.order_id).await?;
        close_transaction::to_payment(&request.order_id, native)
    }

    async fn capture(&self, request: &CaptureRequest) -> Result<Payment> {
        pre_auth::completion_plaintext(self.client.config(), &request.order_id, &request.amount)?;
        checked_capture(self, request, CAPTURE_OVER_PERCENT).await?;
        let native = self
            .client
            .pre_auth_completion(&request.order_id, &request.amount)
            .await?;
        pre_auth::to_payment(
            self.client.config(),
            Endpoint::PreAuthCompletion,
            &request.order_id,
            Some(request.amount.currency()),
            native,
        )
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
