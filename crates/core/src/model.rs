//! Requests and results of the unified [`crate::PaymentGateway`] operations.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use time::OffsetDateTime;
use url::Url;

use crate::error::{Error, Result};
use crate::id::{OrderId, RefundReference, TransactionId};
use crate::money::Money;
use crate::status::{PaymentStatus, RefundStatus};

/// The provider's answer exactly as received: status, content type and body bytes.
/// Unknown fields stay readable here whatever the typed model knows.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RawResponse {
    /// HTTP status (0 for a webhook, which was received, not answered).
    pub http_status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Bytes,
}

impl RawResponse {
    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body parsed as JSON. Numbers keep their exact text only if read into
    /// [`crate::lenient`] types; `serde_json::Value` holds floats as `f64`.
    pub fn json<T: serde::de::DeserializeOwned>(
        &self,
    ) -> std::result::Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

impl From<&crate::transport::HttpResponse> for RawResponse {
    fn from(r: &crate::transport::HttpResponse) -> Self {
        RawResponse {
            http_status: r.status,
            content_type: r.content_type().map(str::to_owned),
            body: r.body.clone(),
        }
    }
}

/// Shows status and size only: bodies can carry customer data.
impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("http_status", &self.http_status)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A received amount as [`Money`]; an amount the currency cannot hold (negative, too precise)
/// makes the answer an [`crate::UnexpectedBody`] naming `field`.
pub fn received_money(
    provider: &'static str,
    operation: crate::Operation,
    raw: &RawResponse,
    field: &str,
    amount: Option<rust_decimal::Decimal>,
    currency: crate::Currency,
) -> Result<Option<Money>> {
    amount
        .map(|a| {
            Money::new(a, currency).map_err(|e| {
                Error::from(crate::UnexpectedBody::from_raw(
                    provider,
                    operation,
                    raw,
                    format!("{field}: {e}"),
                ))
            })
        })
        .transpose()
}

/// Checks that an answer is about this request: `echoed` — the order id, transaction id or
/// currency the provider names in its answer — must equal `expected` when the answer names
/// one. An answer about something else is an [`crate::UnexpectedBody`]: on a write an unknown
/// outcome, on a read an answer not accepted (providers and proxies have mixed up answers).
pub fn check_echo(
    provider: &'static str,
    operation: crate::Operation,
    raw: &RawResponse,
    field: &str,
    expected: &str,
    echoed: Option<&str>,
) -> Result<()> {
    match echoed.map(str::trim).filter(|e| !e.is_empty()) {
        Some(echoed) if echoed != expected => Err(Error::from(crate::UnexpectedBody::from_raw(
            provider,
            operation,
            raw,
            format!("the answer is about {field} {echoed:?}, not {expected:?}"),
        ))),
        _ => Ok(()),
    }
}

/// A provider's own answer, typed in its field names, with the raw response it was read from
/// (where any field the type does not know stays readable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeResponse<T> {
    /// The typed body.
    pub body: T,
    /// The answer as received.
    pub raw: RawResponse,
}

/// The customer, as far as the merchant knows and the provider wants.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Customer {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone number, as the provider wants it (e.g. with country code).
    pub phone: Option<String>,
}

impl Customer {
    /// An empty customer; set fields with struct update syntax or the setters.
    pub fn new() -> Customer {
        Customer::default()
    }

    /// Sets the names.
    pub fn name(mut self, first: impl Into<String>, last: impl Into<String>) -> Self {
        self.first_name = Some(first.into());
        self.last_name = Some(last.into());
        self
    }

    /// Sets the e-mail address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Sets the phone number.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LineItem {
    /// What it is.
    pub name: String,
    /// How many.
    pub quantity: u32,
    /// Price of one.
    pub unit_price: Money,
}

impl LineItem {
    /// A line item; quantity must be at least 1.
    pub fn new(name: impl Into<String>, quantity: u32, unit_price: Money) -> Result<LineItem> {
        if quantity == 0 {
            return Err(Error::invalid("items.quantity", "must be at least 1"));
        }
        Ok(LineItem {
            name: name.into(),
            quantity,
            unit_price,
        })
    }

    /// `quantity × unit_price`.
    pub fn total(&self) -> Result<Money> {
        let total = self
            .unit_price
            .amount()
            .checked_mul(self.quantity.into())
            .ok_or_else(|| Error::invalid("items", "line total overflows"))?;
        Money::new(total, self.unit_price.currency()).map_err(|e| e.for_field("items"))
    }
}

/// Whether funds are captured at once or only held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureMode {
    /// Capture at once (a normal purchase).
    #[default]
    Automatic,
    /// Hold only (pre-authorization); complete with `capture` or release with `void`.
    Manual,
}

/// A request to create a payment (checkout).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreatePayment {
    /// The merchant's unique order id.
    pub order_id: OrderId,
    /// The amount to charge.
    pub amount: Money,
    /// What is being paid for.
    pub description: Option<String>,
    /// Who pays.
    pub customer: Option<Customer>,
    /// What is bought; when given, the line totals must add up to `amount`.
    pub items: Vec<LineItem>,
    /// Where the customer's browser goes after paying.
    pub return_url: Option<Url>,
    /// Where the customer's browser goes after abandoning.
    pub cancel_url: Option<Url>,
    /// Where the provider sends its server-to-server notification.
    pub callback_url: Option<Url>,
    /// How long the customer has to pay.
    pub expires_in: Option<Duration>,
    /// Purchase or pre-authorization.
    pub capture: CaptureMode,
}

impl CreatePayment {
    /// A payment of `amount` (greater than zero) for `order_id`.
    pub fn new(order_id: OrderId, amount: Money) -> Result<CreatePayment> {
        let amount = amount.positive().map_err(|e| e.for_field("amount"))?;
        Ok(CreatePayment {
            order_id,
            amount,
            description: None,
            customer: None,
            items: Vec::new(),
            return_url: None,
            cancel_url: None,
            callback_url: None,
            expires_in: None,
            capture: CaptureMode::Automatic,
        })
    }

    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Sets the customer.
    pub fn customer(mut self, customer: Customer) -> Self {
        self.customer = Some(customer);
        self
    }

    /// Adds a line item.
    pub fn item(mut self, item: LineItem) -> Self {
        self.items.push(item);
        self
    }

    /// Sets the return URL.
    pub fn return_url(mut self, url: Url) -> Self {
        self.return_url = Some(url);
        self
    }

    /// Sets the cancel URL.
    pub fn cancel_url(mut self, url: Url) -> Self {
        self.cancel_url = Some(url);
        self
    }

    /// Sets the callback (webhook) URL.
    pub fn callback_url(mut self, url: Url) -> Self {
        self.callback_url = Some(url);
        self
    }

    /// Sets the payment window.
    pub fn expires_in(mut self, window: Duration) -> Self {
        self.expires_in = Some(window);
        self
    }

    /// Hold the funds only (pre-authorization).
    pub fn authorize_only(mut self) -> Self {
        self.capture = CaptureMode::Manual;
        self
    }

    /// Checks what every provider needs: a positive amount, and items (if any) of the same
    /// currency adding up to it. Providers call this before building a request.
    pub fn validate(&self) -> Result<()> {
        self.amount.positive().map_err(|e| e.for_field("amount"))?;
        if self.items.is_empty() {
            return Ok(());
        }
        let mut sum = Money::zero(self.amount.currency());
        for item in &self.items {
            sum = sum
                .checked_add(&item.total()?)
                .map_err(|e| e.for_field("items"))?;
        }
        if sum != self.amount {
            return Err(Error::invalid(
                "items",
                format!(
                    "line totals add up to {sum}, not to the amount {}",
                    self.amount
                ),
            ));
        }
        Ok(())
    }
}

/// What the app must do next to let the customer pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum NextAction {
    /// Send the customer's browser to `url`.
    Redirect {
        /// The hosted payment page.
        url: Url,
    },
    /// Render a form that POSTs `fields` to `url` (the provider wants a browser form post).
    PostForm {
        /// Form action.
        url: Url,
        /// Field names and values, in order.
        fields: Vec<(String, String)>,
    },
    /// Show a QR code (and/or open a deep link).
    ShowQr {
        /// The QR payload.
        qr_string: String,
        /// An app deep link, if any.
        deeplink: Option<String>,
        /// A hosted page showing the QR, if any.
        url: Option<Url>,
    },
    /// Show a payment code (virtual account, convenience store code).
    PayWithCode {
        /// The code to pay to.
        code: String,
    },
}

/// A created payment, with what the customer must do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Checkout {
    /// Provider name.
    pub provider: &'static str,
    /// The merchant's order id.
    pub order_id: OrderId,
    /// The provider's own id for the order, when it gives one (PayG `OrderKeyId`).
    pub provider_reference: Option<String>,
    /// What to do next.
    pub next_action: NextAction,
    /// When the checkout stops accepting payment, if known.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// The answer as received.
    #[serde(skip)]
    pub raw: RawResponse,
}

impl Checkout {
    /// A checkout result.
    pub fn new(
        provider: &'static str,
        order_id: OrderId,
        next_action: NextAction,
        raw: RawResponse,
    ) -> Checkout {
        Checkout {
            provider,
            order_id,
            provider_reference: None,
            next_action,
            expires_at: None,
            raw,
        }
    }
}

/// A payment as the provider reports it, in the unified model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Payment {
    /// Provider name.
    pub provider: &'static str,
    /// The merchant's order id.
    pub order_id: OrderId,
    /// The provider's own id (transaction / order key), if any.
    pub provider_reference: Option<String>,
    /// Unified status (corrected from the amounts where the provider's own status lies).
    pub status: PaymentStatus,
    /// The provider's own status word or code, verbatim.
    pub provider_status: String,
    /// The order amount.
    pub amount: Option<Money>,
    /// How much has been refunded so far.
    pub refunded_amount: Option<Money>,
    /// When the payment was created, with the provider's offset.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    /// When it last changed, with the provider's offset.
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
    /// The answer as received.
    #[serde(skip)]
    pub raw: RawResponse,
}

impl Payment {
    /// A payment result; optional fields start empty.
    pub fn new(
        provider: &'static str,
        order_id: OrderId,
        status: PaymentStatus,
        provider_status: impl Into<String>,
        raw: RawResponse,
    ) -> Payment {
        Payment {
            provider,
            order_id,
            provider_reference: None,
            status,
            provider_status: provider_status.into(),
            amount: None,
            refunded_amount: None,
            created_at: None,
            updated_at: None,
            raw,
        }
    }

    /// What is left to refund: amount − refunded, when both are known.
    pub fn refundable_amount(&self) -> Option<Money> {
        let amount = self.amount?;
        match self.refunded_amount {
            Some(refunded) => amount.checked_sub(&refunded).ok(),
            None => Some(amount),
        }
    }
}

/// A refund request: `amount` may be the whole payment or a part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefundRequest {
    /// The order to refund.
    pub order_id: OrderId,
    /// How much (greater than zero).
    pub amount: Money,
    /// The merchant's reference for this refund, to tell partial refunds apart.
    pub reference: Option<RefundReference>,
    /// Why (some providers show it to the customer).
    pub reason: Option<String>,
    /// The provider's transaction id, when the provider needs it and the caller has it.
    pub transaction_id: Option<TransactionId>,
    /// The provider's payment method name, when the provider needs it (PayG `PaymentType`).
    pub payment_method: Option<String>,
    /// The payment as the caller has just read it: the gateway checks the refund against it
    /// instead of reading the payment again. `None`: the gateway reads it first.
    pub payment: Option<Payment>,
}

impl RefundRequest {
    /// A refund of `amount` (greater than zero) on `order_id`.
    pub fn new(order_id: OrderId, amount: Money) -> Result<RefundRequest> {
        let amount = amount
            .positive()
            .map_err(|e| e.for_field("refund.amount"))?;
        Ok(RefundRequest {
            order_id,
            amount,
            reference: None,
            reason: None,
            transaction_id: None,
            payment_method: None,
            payment: None,
        })
    }

    /// A refund of `amount` on a payment the caller has just read: the gateway checks the
    /// refund against `payment` (currency, what is left to refund, state) and sends no
    /// second read.
    pub fn for_payment(payment: &Payment, amount: Money) -> Result<RefundRequest> {
        Ok(RefundRequest::new(payment.order_id.clone(), amount)?.with_payment(payment.clone()))
    }

    /// Hands over the payment as just read (see [`RefundRequest::for_payment`]).
    pub fn with_payment(mut self, payment: Payment) -> Self {
        self.payment = Some(payment);
        self
    }

    /// Sets the merchant's refund reference.
    pub fn reference(mut self, reference: RefundReference) -> Self {
        self.reference = Some(reference);
        self
    }

    /// Sets the reason.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Sets the provider transaction id.
    pub fn transaction_id(mut self, id: TransactionId) -> Self {
        self.transaction_id = Some(id);
        self
    }

    /// Sets the provider payment method name.
    pub fn payment_method(mut self, method: impl Into<String>) -> Self {
        self.payment_method = Some(method.into());
        self
    }
}

/// Which refund to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefundStatusRequest {
    /// The refunded order.
    pub order_id: OrderId,
    /// The merchant's refund reference, if one was given.
    pub reference: Option<RefundReference>,
    /// The provider's id of the refund or the original transaction, when the provider needs it.
    pub transaction_id: Option<TransactionId>,
}

impl RefundStatusRequest {
    /// The refund status of `order_id`.
    pub fn new(order_id: OrderId) -> RefundStatusRequest {
        RefundStatusRequest {
            order_id,
            reference: None,
            transaction_id: None,
        }
    }

    /// Sets the refund reference.
    pub fn reference(mut self, reference: RefundReference) -> Self {
        self.reference = Some(reference);
        self
    }

    /// Sets the provider transaction id.
    pub fn transaction_id(mut self, id: TransactionId) -> Self {
        self.transaction_id = Some(id);
        self
    }
}

/// A refund as the provider reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Refund {
    /// Provider name.
    pub provider: &'static str,
    /// The refunded order.
    pub order_id: OrderId,
    /// The provider's refund id, if any.
    pub refund_id: Option<String>,
    /// The merchant's refund reference, if one was given.
    pub reference: Option<RefundReference>,
    /// Unified refund status.
    pub status: RefundStatus,
    /// The provider's own status, verbatim.
    pub provider_status: String,
    /// The amount of this refund, when known.
    pub amount: Option<Money>,
    /// Everything refunded on the order so far, when known.
    pub total_refunded: Option<Money>,
    /// The payment's unified status after the refund, when known.
    pub payment_status: Option<PaymentStatus>,
    /// When the refund was made, with the provider's offset.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    /// The answer as received.
    #[serde(skip)]
    pub raw: RawResponse,
}

impl Refund {
    /// A refund result; optional fields start empty.
    pub fn new(
        provider: &'static str,
        order_id: OrderId,
        status: RefundStatus,
        provider_status: impl Into<String>,
        raw: RawResponse,
    ) -> Refund {
        Refund {
            provider,
            order_id,
            refund_id: None,
            reference: None,
            status,
            provider_status: provider_status.into(),
            amount: None,
            total_refunded: None,
            payment_status: None,
            created_at: None,
            raw,
        }
    }
}

/// A capture (pre-authorization completion) request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaptureRequest {
    /// The authorized order.
    pub order_id: OrderId,
    /// How much to capture (greater than zero; what a provider allows over the authorized
    /// amount is in its gateway's docs).
    pub amount: Money,
    /// The payment as the caller has just read it (see [`RefundRequest::payment`]).
    pub payment: Option<Payment>,
}

impl CaptureRequest {
    /// A capture of `amount` on `order_id`.
    pub fn new(order_id: OrderId, amount: Money) -> Result<CaptureRequest> {
        let amount = amount
            .positive()
            .map_err(|e| e.for_field("capture.amount"))?;
        Ok(CaptureRequest {
            order_id,
            amount,
            payment: None,
        })
    }

    /// A capture of `amount` on a payment the caller has just read (no second read).
    pub fn for_payment(payment: &Payment, amount: Money) -> Result<CaptureRequest> {
        Ok(CaptureRequest::new(payment.order_id.clone(), amount)?.with_payment(payment.clone()))
    }

    /// Hands over the payment as just read.
    pub fn with_payment(mut self, payment: Payment) -> Self {
        self.payment = Some(payment);
        self
    }
}

/// A void: releases an authorization or voids an unsettled payment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VoidRequest {
    /// The order.
    pub order_id: OrderId,
    /// The payment as the caller has just read it (see [`RefundRequest::payment`]).
    pub payment: Option<Payment>,
}

impl VoidRequest {
    /// A void of `order_id`; the gateway reads the payment first.
    pub fn new(order_id: OrderId) -> VoidRequest {
        VoidRequest {
            order_id,
            payment: None,
        }
    }

    /// A void of a payment the caller has just read (no second read).
    pub fn for_payment(payment: &Payment) -> VoidRequest {
        VoidRequest {
            order_id: payment.order_id.clone(),
            payment: Some(payment.clone()),
        }
    }
}

impl From<&OrderId> for VoidRequest {
    fn from(order_id: &OrderId) -> VoidRequest {
        VoidRequest::new(order_id.clone())
    }
}

/// A cancellation of an unpaid order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CancelRequest {
    /// The order.
    pub order_id: OrderId,
    /// The payment as the caller has just read it (see [`RefundRequest::payment`]).
    pub payment: Option<Payment>,
}

impl CancelRequest {
    /// A cancellation of `order_id`; the gateway reads the payment first.
    pub fn new(order_id: OrderId) -> CancelRequest {
        CancelRequest {
            order_id,
            payment: None,
        }
    }

    /// A cancellation of a payment the caller has just read (no second read).
    pub fn for_payment(payment: &Payment) -> CancelRequest {
        CancelRequest {
            order_id: payment.order_id.clone(),
            payment: Some(payment.clone()),
        }
    }
}

impl From<&OrderId> for CancelRequest {
    fn from(order_id: &OrderId) -> CancelRequest {
        CancelRequest::new(order_id.clone())
    }
}

/// How much a webhook can be trusted on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Authenticity {
    /// Its signature was checked against the merchant's key.
    Verified,
    /// The provider does not sign it (or did not this time): confirm it by reading the
    /// payment's status before acting on it.
    Unverified,
}

/// What to answer the provider's webhook request with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookReply {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body.
    pub body: String,
}

impl WebhookReply {
    /// `200 OK` with an empty body.
    pub fn ok_empty() -> WebhookReply {
        WebhookReply {
            status: 200,
            content_type: "text/plain",
            body: String::new(),
        }
    }
}

/// A parsed, verified webhook / callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// Provider name.
    pub provider: &'static str,
    /// The order it is about, as the provider wrote it.
    pub order_id: String,
    /// The provider's transaction id, if any.
    pub transaction_id: Option<String>,
    /// Unified status, when the event says.
    pub status: Option<PaymentStatus>,
    /// The provider's own status, verbatim.
    pub provider_status: Option<String>,
    /// Amount, when the event says.
    pub amount: Option<Money>,
    /// When it happened, with the provider's offset.
    #[serde(with = "time::serde::rfc3339::option")]
    pub occurred_at: Option<OffsetDateTime>,
    /// Whether the signature was checked.
    pub authenticity: Authenticity,
    /// What to answer the provider with.
    pub reply: WebhookReply,
    /// The body as received.
    #[serde(skip)]
    pub raw: RawResponse,
}

impl WebhookEvent {
    /// A webhook event; optional fields start empty and the reply is `200` with an empty body.
    pub fn new(
        provider: &'static str,
        order_id: impl Into<String>,
        authenticity: Authenticity,
        body: &[u8],
    ) -> WebhookEvent {
        WebhookEvent {
            provider,
            order_id: order_id.into(),
            transaction_id: None,
            status: None,
            provider_status: None,
            amount: None,
            occurred_at: None,
            authenticity,
            reply: WebhookReply::ok_empty(),
            raw: RawResponse {
                http_status: 0,
                content_type: Some("application/json".into()),
                body: Bytes::copy_from_slice(body),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn usd(s: &str) -> Money {
        Money::parse(s, Currency::USD).unwrap()
    }

    #[test]
    fn requests_refuse_zero_amounts_naming_the_field() {
        let id = OrderId::new("A1").unwrap();
        let err = RefundRequest::new(id.clone(), usd("0")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid refund.amount: amount must be greater than zero"
        );
        assert!(CreatePayment::new(id.clone(), usd("0.00")).is_err());
        assert!(CaptureRequest::new(id, usd("0")).is_err());
    }

    #[test]
    fn items_must_add_up() {
        let id = OrderId::new("A1").unwrap();
        let ok = CreatePayment::new(id.clone(), usd("10.00"))
            .unwrap()
            .item(LineItem::new("tea", 2, usd("2.50")).unwrap())
            .item(LineItem::new("cake", 1, usd("5")).unwrap());
        assert!(ok.validate().is_ok());
        let bad = CreatePayment::new(id, usd("10.00"))
            .unwrap()
            .item(LineItem::new("tea", 3, usd("2.50")).unwrap());
        assert_eq!(
            bad.validate().unwrap_err().to_string(),
            "invalid items: line totals add up to 7.50 USD, not to the amount 10.00 USD"
        );
        assert!(LineItem::new("none", 0, usd("1")).is_err());
    }

    #[test]
    fn refundable_amount() {
        let mut p = Payment::new(
            "test",
            OrderId::new("A1").unwrap(),
            PaymentStatus::PartiallyRefunded,
            "REFUNDED",
            RawResponse::default(),
        );
        assert_eq!(p.refundable_amount(), None);
        p.amount = Some(usd("10"));
        p.refunded_amount = Some(usd("2.50"));
        assert_eq!(p.refundable_amount(), Some(usd("7.50")));
    }

    #[test]
    fn raw_response_debug_hides_the_body() {
        let raw = RawResponse {
            http_status: 200,
            content_type: None,
            body: Bytes::from_static(b"{\"Email\":\"someone@example.com\"}"),
        };
        let debug = format!("{raw:?}");
        assert!(!debug.contains("example.com"), "{debug}");
        assert!(debug.contains("body_len: 31"), "{debug}");
    }
}
