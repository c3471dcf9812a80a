//! [`PaymentGateway`] for Finpay: the one adapter between the unified model and the native
//! API of [`FinpayClient`]. Every conversion between the two lives here, public so tests and
//! benchmarks can run it on recorded answers.

use std::sync::Arc;

use paygate_core::http::HeaderMap;
use paygate_core::transport::Dispatcher;
use paygate_core::{
    Capabilities, Capability, Checkout, CreatePayment, Error, GatewayConfig, GatewayFactory,
    Operation, OrderId, Payment, PaymentGateway, PaymentStatus, ProviderError, Refund,
    RefundRequest, RefundStatus, RefundStatusRequest, Result, WebhookEvent, async_trait,
};

use paygate_core::pipeline::{Checked, WriteRef, WriteRules};
use paygate_core::{CancelRequest, VoidRequest};

use crate::config::FinpayConfig;
use crate::ops::{ORDER_ID_RULES, received_money, wire_amount};
use crate::status::payment_status;
use crate::wire::{CheckResponse, Envelope, InitiateRequest, InitiateResponse, parse_date};
use crate::{FinpayClient, PROVIDER};
use paygate_core::{Money, NativeResponse, NextAction, UnexpectedBody, Url};

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

    fn account(&self) -> paygate_core::AccountId {
        let config = self.client.config();
        paygate_core::AccountId::new(self.provider(), config.base_url(), config.merchant_id())
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
        let initiate = InitiateRequest::from_create(request)?;
        checkout_from_initiate(&request.order_id, self.client.initiate(&initiate).await?)
    }

    async fn payment_status(&self, order_id: &OrderId) -> Result<Payment> {
        payment_from_check(order_id, self.client.check(order_id).await?)
    }

    /// What Finpay's writes refuse unread: the order id's rules, and a refund's IDR digits.
    fn precheck(&self, write: WriteRef<'_>) -> Result<()> {
        write.order_id().check(&ORDER_ID_RULES)?;
        match write {
            WriteRef::Refund(r) => wire_amount("refund.amount", &r.amount).map(drop),
            _ => Ok(()),
        }
    }

    /// Finpay voids a paid (unsettled) or an authorized payment.
    fn write_rules(&self) -> WriteRules {
        WriteRules::STANDARD.void_from(&[PaymentStatus::Paid, PaymentStatus::Authorized])
    }

    async fn send_refund(&self, checked: &Checked<RefundRequest>) -> Result<Refund> {
        checked.check_sendable(self)?;
        let request = checked.request();
        let native = self
            .client
            .refund(&request.order_id, &request.amount)
            .await?;
        let mut refund = refund_from_refund_answer(&request.order_id, &request.amount, native);
        refund.reference = request.reference.clone();
        Ok(refund)
    }

    async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
        let payment = self.payment_status(&request.order_id).await?;
        if !matches!(
            payment.status,
            PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded
        ) {
            return Err(Error::from(ProviderError::no_refund(
                PROVIDER,
                request.order_id.as_str(),
                format_args!("Finpay reports status {}", payment.provider_status),
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

    async fn send_void(&self, checked: &Checked<VoidRequest>) -> Result<Payment> {
        checked.check_sendable(self)?;
        let order_id = &checked.request().order_id;
        let native = self.client.void(order_id).await?;
        Ok(payment_from_void(order_id, native))
    }

    async fn send_cancel(&self, checked: &Checked<CancelRequest>) -> Result<Payment> {
        checked.check_sendable(self)?;
        let order_id = &checked.request().order_id;
        let native = self.client.cancel(order_id).await?;
        Ok(payment_from_cancel(order_id, native))
    }

    fn verify_webhook(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        self.client.verify_callback(body, headers)
    }
}

// The conversions between Finpay's answers and the unified model: every one lives here.

#[doc(hidden)]
/// The unified checkout: the redirect page when there is one (it shows any pay code too),
/// else the pay code, else the e-wallet deep link, else the QR image. The pay code is also
/// kept as `provider_reference`.
pub fn checkout_from_initiate(
    order_id: &OrderId,
    native: NativeResponse<InitiateResponse>,
) -> Result<Checkout> {
    let body = &native.body;
    let url = |text: &str| Url::parse(text).ok();
    let next_action = if let Some(redirect) = body.redirecturl.as_deref().and_then(url) {
        NextAction::Redirect { url: redirect }
    } else if let Some(code) = body.payment_code.clone().filter(|c| !c.is_empty()) {
        NextAction::PayWithCode { code }
    } else if let Some(app) = body.appurl.as_deref().and_then(url) {
        NextAction::Redirect { url: app }
    } else if let Some(image) = body.imageurl.as_deref().and_then(url) {
        NextAction::ShowQr {
            qr_string: String::new(),
            deeplink: None,
            url: Some(image),
            image: None,
        }
    } else {
        return Err(Error::from(paygate_core::UnexpectedBody::from_raw(
            PROVIDER,
            Operation::CreatePayment,
            &native.raw,
            "success without a redirect URL, pay code, app URL or QR image",
        )));
    };
    let expires_at = body.expiry_link.as_deref().and_then(parse_date);
    let reference = body.payment_code.clone();
    let mut checkout = Checkout::new(PROVIDER, order_id.clone(), next_action, native.raw);
    checkout.expires_at = expires_at;
    checkout.provider_reference = reference;
    Ok(checkout)
}

#[doc(hidden)]
/// The unified payment: status from `result.payment.status`, amount from `order.amount`,
/// time from `result.payment.datetime` (Jakarta time). A success without `data.result` tells
/// no status, so it is an unexpected body, not a payment of unknown status.
pub fn payment_from_check(
    order_id: &OrderId,
    native: NativeResponse<CheckResponse>,
) -> Result<Payment> {
    let raw = native.raw;
    let data = native.body.data;
    if data
        .as_ref()
        .and_then(|d| d.result.as_ref())
        .and_then(|r| r.payment.as_ref())
        .is_none()
    {
        return Err(Error::from(UnexpectedBody::from_raw(
            PROVIDER,
            Operation::PaymentStatus,
            &raw,
            "success without data.result.payment: the status is not in the answer",
        )));
    }
    let order = data.as_ref().and_then(|d| d.order.as_ref());
    paygate_core::check_echo(
        PROVIDER,
        Operation::PaymentStatus,
        &raw,
        "order.id",
        order_id.as_str(),
        order.and_then(|o| o.id.as_deref()),
    )?;
    let result = data
        .as_ref()
        .and_then(|d| d.result.as_ref())
        .and_then(|r| r.payment.as_ref());
    let word = result.and_then(|p| p.status.clone()).unwrap_or_default();
    let amount = received_money(
        Operation::PaymentStatus,
        &raw,
        "order.amount",
        order
            .and_then(|o| o.amount)
            .or(result.and_then(|p| p.amount)),
        order.and_then(|o| o.currency.as_deref()),
    )?;
    let reference = order.and_then(|o| o.reference.clone());
    let updated_at = result
        .and_then(|p| p.datetime.as_deref())
        .and_then(parse_date);
    let mut payment = Payment::new(PROVIDER, order_id.clone(), payment_status(&word), word, raw);
    payment.amount = amount;
    // Finpay reports refunds by status only. REFUNDED is all of the amount;
    // PARTIALLY_REFUNDED says not how much. PAID is left without a figure too: how soon a
    // refund Finpay took shows in its status is not documented, so an unchanged PAID is not
    // taken for proof that a lost refund was not applied (recovery leaves it to an operator).
    if payment.status == PaymentStatus::Refunded {
        payment.refunded_amount = amount;
    }
    payment.provider_reference = reference;
    payment.updated_at = updated_at;
    Ok(payment)
}

#[doc(hidden)]
/// The unified refund: accepted (`2000000`) means refunded.
pub fn refund_from_refund_answer(
    order_id: &OrderId,
    amount: &Money,
    native: NativeResponse<Envelope>,
) -> Refund {
    let mut refund = Refund::new(
        PROVIDER,
        order_id.clone(),
        RefundStatus::Succeeded,
        native.body.response_code.as_str(),
        native.raw,
    );
    refund.amount = Some(*amount);
    refund
}

#[doc(hidden)]
/// The unified result: voided.
pub fn payment_from_void(order_id: &OrderId, native: NativeResponse<Envelope>) -> Payment {
    Payment::new(
        PROVIDER,
        order_id.clone(),
        PaymentStatus::Voided,
        "VOIDED",
        native.raw,
    )
}

#[doc(hidden)]
/// The unified result: cancelled.
pub fn payment_from_cancel(order_id: &OrderId, native: NativeResponse<Envelope>) -> Payment {
    Payment::new(
        PROVIDER,
        order_id.clone(),
        PaymentStatus::Cancelled,
        "CANCELLED",
        native.raw,
    )
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
