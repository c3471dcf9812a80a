//! [`PaymentGateway`] for PayG: the one adapter between the unified model and the native
//! API of [`PaygClient`]. Every conversion between the two lives here, public so tests and
//! benchmarks can run it on recorded answers.

use std::sync::Arc;

use paygate_core::http::HeaderMap;
use paygate_core::pipeline::{Checked, WriteRef};
use paygate_core::transport::Dispatcher;
use paygate_core::{
    Capabilities, Capability, Checkout, CreatePayment, Error, GatewayConfig, GatewayFactory,
    Operation, OrderId, Payment, PaymentGateway, PaymentStatus, ProviderError, ProviderErrorKind,
    RawResponse, Refund, RefundRequest, RefundStatus, RefundStatusRequest, Result, TransactionId,
    WebhookEvent, async_trait,
};

use crate::config::PaygConfig;
use crate::ops::create::CreateOrderRequest;
use crate::ops::refund::RefundTarget;
use crate::ops::{ORDER_KEY_RULES, check_order_echo, received_money, wire_amount};
use crate::status::{payment_status, refund_status};
use crate::wire::Order;
use crate::wire::parse_date;
use crate::{PROVIDER, PaygClient};
use paygate_core::{Money, NativeResponse, NextAction, UnexpectedBody, Url};

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
    /// A gateway over `client`. Its configuration must have the MID: the gateway offers
    /// refunds, and PayG's Refund and RefundStatus require it (a configuration error naming
    /// `mid` otherwise).
    pub fn new(client: PaygClient) -> Result<PaygGateway> {
        client.config().refund_mid()?;
        Ok(PaygGateway { client })
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
    fn account(&self) -> paygate_core::AccountId {
        let config = self.client.config();
        paygate_core::AccountId::new(self.provider(), config.base_url(), config.merchant_key_id())
    }

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
        let create = CreateOrderRequest::from_create(request)?;
        checkout_from_create(&request.order_id, self.client.create_order(&create).await?)
    }

    async fn payment_status(&self, order_id: &OrderId) -> Result<Payment> {
        let native = self.client.detail(order_id).await?;
        payment_from_detail(order_id, Operation::PaymentStatus, native)
    }

    /// What PayG's refunds refuse unread: the order key's rules and INR.
    fn precheck(&self, write: WriteRef<'_>) -> Result<()> {
        match write {
            WriteRef::Refund(r) => {
                r.order_id.check(&ORDER_KEY_RULES)?;
                wire_amount("refund.amount", &r.amount).map(drop)
            }
            _ => Ok(()),
        }
    }

    /// The paid transaction to refund comes from the planned payment's order detail.
    async fn send_refund(&self, checked: &Checked<RefundRequest>) -> Result<Refund> {
        checked.check_sendable(self)?;
        let request = checked.request();
        let target = refund_target(request, &checked.payment().raw)?;
        let native = self
            .client
            .refund(&request.order_id, &target, &request.amount)
            .await?;
        let mut unified = refund_from_order(
            Operation::Refund,
            &request.order_id,
            Some(&request.amount),
            native,
        )?;
        if unified.status == RefundStatus::Failed {
            return Err(failed_refund(&unified.raw).into());
        }
        unified.reference = request.reference.clone();
        Ok(unified)
    }

    async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
        let transaction_id = match &request.transaction_id {
            Some(id) => id.clone(),
            None => {
                let detail = self.client.detail(&request.order_id).await?.body;
                if !has_refund(&detail) {
                    return Err(no_refund(&request.order_id).into());
                }
                paid_transaction_id(&detail, Operation::RefundStatus)?
            }
        };
        let native = self
            .client
            .refund_status(&request.order_id, &transaction_id)
            .await?;
        let mut unified =
            refund_from_order(Operation::RefundStatus, &request.order_id, None, native)?;
        unified.reference = request.reference.clone();
        Ok(unified)
    }

    fn verify_webhook(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        crate::webhook::parse_postback(body, headers).map(|(_, event)| event)
    }
}

// The conversions between PayG's answers and the unified model: every one lives here.

#[doc(hidden)]
/// The unified checkout: redirect to `PaymentProcessUrl`; `OrderKeyId` is the provider
/// reference, the id for status, refund and refund status from then on.
pub fn checkout_from_create(
    unique_request_id: &OrderId,
    native: NativeResponse<Order>,
) -> Result<Checkout> {
    paygate_core::check_echo(
        PROVIDER,
        Operation::CreatePayment,
        &native.raw,
        "UniqueRequestId",
        unique_request_id.as_str(),
        native.body.unique_request_id.as_deref(),
    )?;
    let url = native
        .body
        .payment_process_url
        .as_deref()
        .and_then(|u| Url::parse(u).ok());
    let Some(url) = url else {
        return Err(Error::from(paygate_core::UnexpectedBody::from_raw(
            PROVIDER,
            Operation::CreatePayment,
            &native.raw,
            "an order without a PaymentProcessUrl",
        )));
    };
    let key = native.body.order_key_id.clone();
    let mut checkout = Checkout::new(
        PROVIDER,
        unique_request_id.clone(),
        NextAction::Redirect { url },
        native.raw,
    );
    // Detail, Refund and RefundStatus are keyed by OrderKeyId. (The payment exists: a key
    // that is no valid id leaves the merchant's, and the key in `provider_reference`.)
    if let Some(id) = key.as_deref().and_then(|k| OrderId::new(k).ok()) {
        checkout.payment_id = id;
    }
    checkout.provider_reference = key;
    Ok(checkout)
}

#[doc(hidden)]
/// The unified payment: status from `PaymentResponseCode`, amount `OrderAmount` (INR),
/// `OrderKeyId` as the provider reference, dates in IST. Refunded: zero while no refund is on
/// record, unknown once one is (the order object carries no refund amount).
pub fn payment_from_detail(
    order_key_id: &OrderId,
    operation: Operation,
    native: NativeResponse<Order>,
) -> Result<Payment> {
    let order = &native.body;
    check_order_echo(operation, order_key_id, &native)?;
    let amount = received_money(operation, &native.raw, "OrderAmount", order.order_amount)?;
    // PayG's order object records one refund (its id, code and time), never an amount. A
    // paid order whose refund fields say 0 has refunded nothing (PayG's Refund answers with
    // the order already showing the refund it took, so Detail shows it at once); with a
    // refund on record (made, pending or failed), how much went back is unknown: it reads as
    // partially refunded with no refunded figure, and a further refund is refused before
    // sending (see `paygate_core::precondition::check_refund`).
    let status = match payment_status(
        order.payment_response_code,
        order.payment_response_text.as_deref(),
    ) {
        PaymentStatus::Paid if has_refund(order) => PaymentStatus::PartiallyRefunded,
        other => other,
    };
    let provider_status = order
        .payment_response_text
        .clone()
        .or_else(|| order.payment_response_code.map(|c| c.to_string()))
        .unwrap_or_default();
    let mut payment = Payment::new(
        PROVIDER,
        order_key_id.clone(),
        status,
        provider_status,
        native.raw.clone(),
    );
    payment.amount = amount;
    if payment.status == PaymentStatus::Paid && no_refund_on_record(order) {
        payment.refunded_amount = amount.map(|a| Money::zero(a.currency()));
    }
    payment.provider_reference = order.order_key_id.clone();
    payment.app_order_id = order.unique_request_id.clone();
    payment.created_at = order.payment_date_time.as_deref().and_then(parse_date);
    payment.updated_at = order.updated_date_time.as_deref().and_then(parse_date);
    Ok(payment)
}

#[doc(hidden)]
/// The unified refund from an order object (Refund's or RefundStatus's answer).
pub fn refund_from_order(
    operation: Operation,
    order_key_id: &OrderId,
    amount: Option<&Money>,
    native: NativeResponse<Order>,
) -> Result<Refund> {
    let order = &native.body;
    check_order_echo(operation, order_key_id, &native)?;
    if operation == Operation::RefundStatus && !has_refund(order) {
        return Err(no_refund(order_key_id).into());
    }
    let status = refund_status(order.refund_payment_response_code);
    let provider_status = order
        .refund_payment_response_text
        .clone()
        .or_else(|| order.refund_payment_response_code.map(|c| c.to_string()))
        .unwrap_or_default();
    let mut refund = Refund::new(
        PROVIDER,
        order_key_id.clone(),
        status,
        provider_status,
        native.raw.clone(),
    );
    refund.refund_id = order
        .order_refund_transaction_id
        .clone()
        .filter(|id| !id.is_empty() && id != "0");
    refund.amount = amount.copied();
    refund.payment_status = Some(payment_status(
        order.payment_response_code,
        order.payment_response_text.as_deref(),
    ));
    refund.created_at = order.refund_date_time.as_deref().and_then(parse_date);
    Ok(refund)
}

/// A Refund answered `RefundPaymentResponseCode` 2. PayG's brief lists 2 among the refund
/// codes and its payment codes call 2 declined or failed, but no source says that a refund
/// answered 2 did nothing: it is never a success, and not a refusal either. The outcome is
/// unknown (the journal keeps it for recovery or an operator; nothing resends it).
fn failed_refund(raw: &RawResponse) -> UnexpectedBody {
    let mut response =
        paygate_core::transport::HttpResponse::new(raw.http_status, raw.body.clone());
    if let Some(content_type) = raw
        .content_type
        .as_deref()
        .and_then(|c| paygate_core::http::HeaderValue::from_str(c).ok())
    {
        response
            .headers
            .insert(paygate_core::http::header::CONTENT_TYPE, content_type);
    }
    UnexpectedBody::unrecognised_code(
        PROVIDER,
        Operation::Refund,
        &response,
        "2",
        "RefundPaymentResponseCode 2: failed by PayG's brief, not documented as nothing done",
    )
}

/// Whether the order object shows a refund (made, pending or failed): a refund transaction
/// id, or a refund code other than 0 ("no refund").
fn has_refund(order: &Order) -> bool {
    let transaction = order
        .order_refund_transaction_id
        .as_deref()
        .is_some_and(|id| !id.is_empty() && id != "0");
    transaction
        || order
            .refund_payment_response_code
            .is_some_and(|code| code != 0)
}

/// Whether the order object says outright that it has no refund: both refund fields present
/// and 0. (Absent or null fields say nothing: the refunded figure then stays unknown.)
fn no_refund_on_record(order: &Order) -> bool {
    order.order_refund_transaction_id.as_deref() == Some("0")
        && order.refund_payment_response_code == Some(0)
}

fn no_refund(order_key_id: &OrderId) -> ProviderError {
    ProviderError::no_refund(
        PROVIDER,
        order_key_id.as_str(),
        "PayG shows no refund transaction",
    )
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
        let table = config;
        let config = PaygConfig::from_gateway_config(table)?;
        // The gateway offers refunds, which need the MID: refused here, naming the key, rather
        // than at the first refund.
        config
            .refund_mid()
            .map_err(|_| Error::config(table.key_path("mid"), "PayG's Refund and RefundStatus require the MID (from the PayG dashboard): this gateway offers refunds"))?;
        Ok(Arc::new(PaygGateway::new(PaygClient::new(
            config,
            dispatcher.clone(),
        ))?))
    }
}
