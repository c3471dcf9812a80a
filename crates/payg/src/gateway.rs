//! [`PaymentGateway`] for PayG: a thin layer over [`PaygClient`].

use std::sync::Arc;

use paygate_core::http::HeaderMap;
use paygate_core::precondition::checked_refund;
use paygate_core::transport::Dispatcher;
use paygate_core::{
    Capabilities, Capability, Checkout, CreatePayment, Error, GatewayConfig, GatewayFactory,
    Operation, OrderId, Payment, PaymentGateway, ProviderError, ProviderErrorKind, RawResponse,
    Refund, RefundRequest, RefundStatusRequest, Result, TransactionId, WebhookEvent, async_trait,
};

use crate::config::PaygConfig;
use crate::ops::refund::{self, RefundTarget};
use crate::ops::{ORDER_KEY_RULES, wire_amount};
use crate::wire::Order;
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
        // What can be judged without the payment first (id, INR).
        request.order_id.check(&ORDER_KEY_RULES)?;
        wire_amount("refund.amount", &request.amount)?;
        let payment = checked_refund(self, request).await?;
        let target = refund_target(request, &payment.raw)?;
        let native = self
            .client
            .refund(&request.order_id, &target, &request.amount)
            .await?;
        let mut unified = refund::to_refund(
            Operation::Refund,
            &request.order_id,
            Some(&request.amount),
            native,
        )?;
        unified.reference = request.reference.clone();
        Ok(unified)
    }

    async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
        let transaction_id = match &request.transaction_id {
            Some(id) => id.clone(),
            None => paid_transaction_id(
                &self.client.detail(&request.order_id).await?.body,
                Operation::RefundStatus,
            )?,
        };
        let native = self
            .client
            .refund_status(&request.order_id, &transaction_id)
            .await?;
        let mut unified =
            refund::to_refund(Operation::RefundStatus, &request.order_id, None, native)?;
        unified.reference = request.reference.clone();
        Ok(unified)
    }

    fn verify_webhook(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        crate::webhook::parse(body, headers).map(|(_, event)| event)
    }
}

/// What PayG's Refund needs besides the amount: the payment's `PaymentTransactionId` and
/// `PaymentType`, from the request when it gives both, else from the Detail answer the payment
/// was read from (no second read).
fn refund_target(request: &RefundRequest, detail: &RawResponse) -> Result<RefundTarget> {
    if let (Some(id), Some(method)) = (&request.transaction_id, &request.payment_method) {
        return Ok(RefundTarget {
            payment_type: method.clone(),
            payment_transaction_id: id.clone(),
        });
    }
    let order: Order = detail.json().map_err(|e| {
        Error::invalid(
            "payment",
            format!(
                "the payment handed over does not hold PayG's Detail answer ({e}): read it with payment_status, or give transaction_id and payment_method"
            ),
        )
    })?;
    Ok(RefundTarget {
        payment_transaction_id: match &request.transaction_id {
            Some(id) => id.clone(),
            None => paid_transaction_id(&order, Operation::Refund)?,
        },
        payment_type: match &request.payment_method {
            Some(method) => method.clone(),
            None => order
                .payment_method
                .filter(|m| !m.is_empty())
                .ok_or_else(|| not_paid("PaymentMethod", Operation::Refund))?,
        },
    })
}

fn not_paid(what: &str, operation: Operation) -> Error {
    Error::from(ProviderError::new(
        PROVIDER,
        operation,
        ProviderErrorKind::InvalidState,
        format!("PayG's order has no {what}: it was not paid"),
    ))
}

fn paid_transaction_id(order: &Order, operation: Operation) -> Result<TransactionId> {
    let id = order
        .payment_transaction_id
        .clone()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| not_paid("PaymentTransactionId", operation))?;
    TransactionId::new(id)
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
