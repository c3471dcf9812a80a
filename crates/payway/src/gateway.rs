//! [`PaymentGateway`] for PayWay: the one adapter between the unified model and the native
//! API of [`PaywayClient`]. Every conversion between the two lives here, public so tests and
//! benchmarks can run it on recorded answers.

use std::sync::Arc;
use std::time::Duration;

use paygate_core::http::HeaderMap;
use paygate_core::pipeline::{Checked, WriteRef, WriteRules};
use paygate_core::{
    CancelRequest, Capabilities, Capability, CaptureRequest, Checkout, CreatePayment, Error,
    GatewayConfig, GatewayFactory, ListLimits, ListPaymentsRequest, NextAction, Operation, OrderId,
    Payment, PaymentGateway, PaymentPage, PaymentStatus, ProviderError, Refund, RefundRecord,
    RefundRequest, RefundStatus, RefundStatusRequest, Result, VoidRequest, WebhookEvent,
    async_trait,
};

use crate::PROVIDER;
use crate::PaywayClient;
use crate::config::PaywayConfig;
use crate::endpoint::Endpoint;
use crate::ops::generate_qr::QrRequest;
use crate::ops::purchase::{PurchaseOutcome, PurchaseRequest};
use crate::ops::transaction_list::TransactionListQuery;
use crate::ops::{
    TRAN_ID_RULES, check_answer_is_about, pre_auth, received_currency, received_money, refund,
};
use crate::status::payment_status;
use crate::wire::{
    CheckTransactionResponse, CloseTransactionResponse, GenerateQrResponse, PreAuthResponse,
    RefundResponse, TransactionDetailResponse, TransactionListResponse, parse_date,
};
use paygate_core::time::OffsetDateTime;
use paygate_core::transport::Dispatcher;
use paygate_core::{Currency, Decimal, Money, NativeResponse, UnexpectedBody};

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
    /// When the next transaction-detail request may go (PayWay allows 10 a minute).
    next_detail: Arc<tokio::sync::Mutex<Option<tokio::time::Instant>>>,
}

/// transaction-detail's published limit: 10 requests a minute, "cannot be increased".
const DETAIL_EVERY: Duration = Duration::from_secs(6);

impl PaywayGateway {
    /// A gateway over `client`.
    pub fn new(client: PaywayClient) -> PaywayGateway {
        PaywayGateway {
            client,
            next_detail: Arc::default(),
        }
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

    /// check-transaction-2: 600 requests per second, as PayWay's documentation states.
    fn status_read_rate_limit(&self) -> Option<u32> {
        Some(600)
    }

    fn account(&self) -> paygate_core::AccountId {
        let config = self.client.config();
        paygate_core::AccountId::new(self.provider(), config.base_url(), config.merchant_id())
    }

    fn capabilities(&self) -> Capabilities {
        let all = Capabilities::of(&[
            Capability::CreatePayment,
            Capability::PaymentStatus,
            Capability::Cancel,
            Capability::RefundStatus,
            Capability::Webhook,
            Capability::ListPayments,
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

    /// A redirect URL expires 180 s after it is issued; a QR or form lasts the purchase
    /// `lifetime`.
    async fn create_payment(&self, request: &CreatePayment) -> Result<Checkout> {
        if let Some(option) = self.client.config().checkout_qr() {
            let template = self.client.config().qr_image_template();
            let qr_request = QrRequest::from_create(request, option, template)?;
            let issued = self.client.now();
            let native = self.client.generate_qr(&qr_request).await?;
            return checkout_from_generate_qr(&qr_request, issued, native);
        }
        let purchase_request = PurchaseRequest::from_create(request)?;
        let issued = self.client.now();
        let native = self.client.purchase(&purchase_request).await?;
        checkout_from_purchase(&request.order_id, &purchase_request, issued, native)
    }

    async fn payment_status(&self, order_id: &OrderId) -> Result<Payment> {
        let native = self.client.check_transaction(order_id).await?;
        payment_from_check_transaction(self.client.config(), order_id, native)
    }

    /// transaction-detail's `transaction_operations` marked `Refunded`, each with its amount
    /// (in the transaction's currency) and `transaction_date` (UTC+7, to the second). The
    /// gateway paces these reads at PayWay's 10 a minute (one every 6 s, waiting its turn);
    /// a new transaction takes about 5 s to appear there.
    async fn refund_history(&self, order_id: &OrderId) -> Result<Option<Vec<RefundRecord>>> {
        {
            let mut next = self.next_detail.lock().await;
            if let Some(at) = *next {
                tokio::time::sleep_until(at).await;
            }
            *next = Some(tokio::time::Instant::now() + DETAIL_EVERY);
        }
        let native = self.client.transaction_detail(order_id).await?;
        refund_history_from_detail(order_id, native).map(Some)
    }

    /// What PayWay's writes refuse unread: the `tran_id`'s rules, and for the writes that
    /// need the RSA key, the plaintext they sign (its currency and digits).
    fn precheck(&self, write: WriteRef<'_>) -> Result<()> {
        let config = self.client.config();
        match write {
            WriteRef::Refund(r) => refund::plaintext(config, &r.order_id, &r.amount).map(drop),
            WriteRef::Void(r) => pre_auth::cancellation_plaintext(config, &r.order_id).map(drop),
            WriteRef::Capture(r) => {
                pre_auth::completion_plaintext(config, &r.order_id, &r.amount, &[]).map(drop)
            }
            WriteRef::Cancel(r) => r.order_id.check(&TRAN_ID_RULES),
            _ => Ok(()),
        }
    }

    /// Voids release a pre-authorization (PRE-AUTH); cancellations close a pending
    /// transaction; a card may complete up to 110 % of its hold.
    fn write_rules(&self) -> WriteRules {
        WriteRules::STANDARD.capture_over_percent(CAPTURE_OVER_PERCENT)
    }

    async fn send_refund(&self, checked: &Checked<RefundRequest>) -> Result<Refund> {
        checked.check_sendable(self)?;
        let request = checked.request();
        let native = self
            .client
            .refund(&request.order_id, &request.amount)
            .await?;
        let mut refund = refund_from_refund_answer(&request.order_id, &request.amount, native)?;
        refund.reference = request.reference.clone();
        Ok(refund)
    }

    /// PayWay has no refund-status endpoint: the refund is read from check-transaction-2,
    /// whose `refund_amount` is the cumulative refunded total (ABA PAY and KHQR refunds are
    /// immediate; card refunds follow the merchant's agreement). No refund recorded is a
    /// not-found error.
    async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
        let payment = self.payment_status(&request.order_id).await?;
        let refunded = payment
            .refunded_amount
            .filter(|m| !m.is_zero())
            .ok_or_else(|| {
                Error::from(ProviderError::no_refund(
                    PROVIDER,
                    request.order_id.as_str(),
                    format_args!(
                        "PayWay reports no refunded amount; status {}",
                        payment.provider_status
                    ),
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

    async fn send_void(&self, checked: &Checked<VoidRequest>) -> Result<Payment> {
        checked.check_sendable(self)?;
        let order_id = &checked.request().order_id;
        let native = self.client.pre_auth_cancellation(order_id).await?;
        payment_from_pre_auth(
            self.client.config(),
            Endpoint::PreAuthCancellation,
            order_id,
            checked.payment().amount.map(|m| m.currency()),
            native,
        )
    }

    async fn send_cancel(&self, checked: &Checked<CancelRequest>) -> Result<Payment> {
        checked.check_sendable(self)?;
        let order_id = &checked.request().order_id;
        let native = self.client.close_transaction(order_id).await?;
        payment_from_close_transaction(order_id, native)
    }

    async fn send_capture(&self, checked: &Checked<CaptureRequest>) -> Result<Payment> {
        checked.check_sendable(self)?;
        let request = checked.request();
        let native = self
            .client
            .pre_auth_completion(&request.order_id, &request.amount)
            .await?;
        payment_from_pre_auth(
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

    /// transaction-list-2: windows of at most 3 days, pages of at most 1000, 50 requests a
    /// minute; its dates are Phnom Penh time (UTC+7), so a merchant's day is UTC+7's.
    fn payment_list_limits(&self) -> Option<ListLimits> {
        Some(
            ListLimits::new(LIST_WINDOW, 1000, Some(50))
                .with_local_offset(crate::wire::PAYWAY_OFFSET),
        )
    }

    async fn list_payments(&self, request: &ListPaymentsRequest) -> Result<PaymentPage> {
        if request.to - request.from > LIST_WINDOW {
            return Err(Error::invalid(
                "to",
                "PayWay lists at most 3 days at a time (code 52 otherwise): split the period",
            ));
        }
        let query = TransactionListQuery {
            from: Some(request.from),
            to: Some(request.to),
            page: request.page,
            page_size: request.page_size,
            ..TransactionListQuery::default()
        };
        let native = self.client.transaction_list(&query).await?;
        payment_page_from_list(self.client.config(), request.page_size, native)
    }
}

/// The longest window transaction-list-2 takes.
const LIST_WINDOW: Duration = Duration::from_secs(3 * 24 * 3600);

// The conversions between PayWay's answers and the unified model: every one lives here.

#[doc(hidden)]
/// The unified checkout from a purchase answer: a redirect expires 180 s after `issued`; a QR
/// or form lasts the purchase `lifetime`.
pub fn checkout_from_purchase(
    order_id: &OrderId,
    purchase: &PurchaseRequest,
    issued: OffsetDateTime,
    native: NativeResponse<PurchaseOutcome>,
) -> Result<Checkout> {
    let expires_at = match &native.body {
        PurchaseOutcome::Redirect { .. } => Some(issued + Duration::from_secs(180)),
        _ => purchase
            .lifetime_minutes
            .map(|m| issued + Duration::from_secs(u64::from(m) * 60)),
    };
    let mut checkout = Checkout::new(
        PROVIDER,
        order_id.clone(),
        native.body.next_action()?,
        native.raw,
    );
    checkout.expires_at = expires_at;
    Ok(checkout)
}

/// The checkout of a QR the app shows itself: its payload, PayWay's drawn image and ABA
/// Mobile's deep link; it can be paid for the QR's lifetime.
#[doc(hidden)]
pub fn checkout_from_generate_qr(
    request: &QrRequest,
    issued: OffsetDateTime,
    native: NativeResponse<GenerateQrResponse>,
) -> Result<Checkout> {
    let body = &native.body;
    let next_action = NextAction::ShowQr {
        qr_string: body.qr_string.clone().unwrap_or_default(),
        deeplink: body.abapay_deeplink.clone(),
        url: None,
        image: body.qr_image.clone(),
    };
    let mut checkout = Checkout::new(PROVIDER, request.tran_id.clone(), next_action, native.raw);
    checkout.expires_at =
        Some(issued + Duration::from_secs(u64::from(request.lifetime_minutes) * 60));
    Ok(checkout)
}

/// What check-transaction-2 and the transaction list both tell of a payment.
struct PaymentFields<'a> {
    code: Option<i64>,
    word: Option<&'a str>,
    currency: Option<&'a str>,
    total: Option<Decimal>,
    refunded: Option<Decimal>,
}

/// The unified payment from those fields: amounts in the named currency (the profile's while
/// PayWay names none), status judged from the code, the word and the amounts.
fn payment_from_fields(
    config: &PaywayConfig,
    operation: Operation,
    raw: &paygate_core::RawResponse,
    order_id: OrderId,
    fields: &PaymentFields<'_>,
    kept: paygate_core::RawResponse,
) -> Result<Payment> {
    let currency = received_currency(operation, raw, fields.currency, config.currency)?;
    let status = payment_status(fields.code, fields.word, fields.total, fields.refunded);
    let provider_status = fields
        .word
        .map(str::to_owned)
        .or_else(|| fields.code.map(|c| c.to_string()))
        .unwrap_or_default();
    let mut payment = Payment::new(PROVIDER, order_id, status, provider_status, kept);
    payment.amount = received_money(operation, raw, "total_amount", fields.total, currency)?;
    payment.refunded_amount =
        received_money(operation, raw, "refund_amount", fields.refunded, currency)?;
    Ok(payment)
}

#[doc(hidden)]
/// The unified payment. Amounts are `total_amount` (after discount) and `refund_amount`, in
/// `payment_currency` or, while unpaid (PayWay sends `""`), the profile's currency. A
/// REFUNDED status with `refund_amount < total_amount` becomes partially refunded.
pub fn payment_from_check_transaction(
    config: &PaywayConfig,
    order_id: &OrderId,
    native: NativeResponse<CheckTransactionResponse>,
) -> Result<Payment> {
    let operation = Endpoint::CheckTransaction.operation();
    let raw = native.raw;
    check_answer_is_about(operation, &raw, &native.body.status, order_id, None)?;
    let data = native.body.data.ok_or_else(|| {
        Error::from(UnexpectedBody::from_raw(
            PROVIDER,
            operation,
            &raw,
            "success without data",
        ))
    })?;
    let fields = PaymentFields {
        code: data.payment_status_code,
        word: data.payment_status.as_deref(),
        currency: data.payment_currency.as_deref(),
        total: data.total_amount.or(data.original_amount),
        refunded: data.refund_amount,
    };
    let mut payment = payment_from_fields(
        config,
        operation,
        &raw,
        order_id.clone(),
        &fields,
        raw.clone(),
    )?;
    payment.created_at = data.transaction_date.as_deref().and_then(parse_date);
    Ok(payment)
}

#[doc(hidden)]
/// The refunds transaction-detail lists (operations whose status is `Refunded`). An
/// operation without a readable amount or date is an unexpected answer, never skipped:
/// recovery must not decide from a partial list.
pub fn refund_history_from_detail(
    order_id: &OrderId,
    native: NativeResponse<TransactionDetailResponse>,
) -> Result<Vec<RefundRecord>> {
    let operation = Endpoint::TransactionDetail.operation();
    let raw = native.raw;
    check_answer_is_about(operation, &raw, &native.body.status, order_id, None)?;
    let unexpected =
        |why: &str| Error::from(UnexpectedBody::from_raw(PROVIDER, operation, &raw, why));
    let data = native
        .body
        .data
        .ok_or_else(|| unexpected("success without data"))?;
    let currency = data
        .original_currency
        .as_deref()
        .filter(|c| !c.is_empty())
        .or(data.payment_currency.as_deref())
        .ok_or_else(|| unexpected("no currency"))
        .and_then(|code| {
            Currency::from_code(code).map_err(|_| unexpected("an unknown currency"))
        })?;
    data.transaction_operations
        .iter()
        .filter(|op| op.status.as_deref() == Some("Refunded"))
        .map(|op| {
            let amount = op
                .amount
                .ok_or_else(|| unexpected("a refund operation without an amount"))
                .and_then(|a| {
                    Money::new(a, currency).map_err(|_| unexpected("a refund operation's amount"))
                })?;
            let at = op
                .transaction_date
                .as_deref()
                .and_then(parse_date)
                .ok_or_else(|| unexpected("a refund operation without a readable date"))?;
            Ok(RefundRecord::new(amount, at))
        })
        .collect()
}

#[doc(hidden)]
/// The unified page of a transaction-list-2 answer: each transaction as a payment (its
/// `transaction_id` is the merchant's `tran_id`; amounts and status read as in
/// [`payment_from_check_transaction`]; the list's date is the completion time). A
/// transaction whose id is no valid order id is an unexpected answer, not skipped.
pub fn payment_page_from_list(
    config: &PaywayConfig,
    page_size: u32,
    native: NativeResponse<TransactionListResponse>,
) -> Result<PaymentPage> {
    let operation = Endpoint::TransactionList.operation();
    let raw = native.raw;
    let unexpected =
        |why: String| Error::from(UnexpectedBody::from_raw(PROVIDER, operation, &raw, why));
    let full = u32::try_from(native.body.data.len()).is_ok_and(|n| n >= page_size);
    let mut payments = Vec::with_capacity(native.body.data.len());
    for listed in &native.body.data {
        let id = listed.transaction_id.as_deref().unwrap_or_default();
        let order_id =
            OrderId::new(id).map_err(|e| unexpected(format!("a listed transaction_id: {e}")))?;
        let fields = PaymentFields {
            code: listed.payment_status_code,
            word: listed.payment_status.as_deref(),
            currency: listed
                .payment_currency
                .as_deref()
                .filter(|c| !c.is_empty())
                .or(listed.original_currency.as_deref()),
            total: listed.total_amount.or(listed.original_amount),
            refunded: listed.refund_amount,
        };
        let mut payment = payment_from_fields(
            config,
            operation,
            &raw,
            order_id,
            &fields,
            paygate_core::RawResponse::default(),
        )?;
        payment.updated_at = listed.transaction_date.as_deref().and_then(parse_date);
        payments.push(payment);
    }
    Ok(PaymentPage::new(payments, full))
}

#[doc(hidden)]
/// The unified result: cancelled, as PayWay documents it (see the module note).
pub fn payment_from_close_transaction(
    order_id: &OrderId,
    native: NativeResponse<CloseTransactionResponse>,
) -> Result<Payment> {
    check_answer_is_about(
        Endpoint::CloseTransaction.operation(),
        &native.raw,
        &native.body.status,
        order_id,
        None,
    )?;
    Ok(Payment::new(
        PROVIDER,
        order_id.clone(),
        PaymentStatus::Cancelled,
        "CLOSED",
        native.raw,
    ))
}

#[doc(hidden)]
/// The unified payment after a completion (paid) or cancellation (voided).
pub fn payment_from_pre_auth(
    config: &PaywayConfig,
    endpoint: Endpoint,
    order_id: &OrderId,
    expected_currency: Option<Currency>,
    native: NativeResponse<PreAuthResponse>,
) -> Result<Payment> {
    let operation = endpoint.operation();
    let raw = native.raw;
    let body = native.body;
    check_answer_is_about(
        operation,
        &raw,
        &body.status,
        order_id,
        expected_currency.map(|c| (c, body.currency.as_deref())),
    )?;
    let word = body.transaction_status.clone().unwrap_or_default();
    let status = match word.to_ascii_uppercase().as_str() {
        "COMPLETED" => PaymentStatus::Paid,
        "CANCELLED" => PaymentStatus::Voided,
        "" if endpoint == Endpoint::PreAuthCompletion => PaymentStatus::Paid,
        "" => PaymentStatus::Voided,
        _ => PaymentStatus::Unknown(word.clone()),
    };
    let currency = received_currency(
        operation,
        &raw,
        body.currency.as_deref(),
        expected_currency.unwrap_or(config.currency),
    )?;
    let amount = received_money(operation, &raw, "grand_total", body.grand_total, currency)?;
    let mut payment = Payment::new(PROVIDER, order_id.clone(), status, word, raw);
    payment.amount = amount;
    Ok(payment)
}

#[doc(hidden)]
/// The unified refund: succeeded (PayWay accepted it), with the cumulative total and the
/// payment's status corrected from the amounts.
pub fn refund_from_refund_answer(
    order_id: &OrderId,
    requested: &Money,
    native: NativeResponse<RefundResponse>,
) -> Result<Refund> {
    let operation = Endpoint::Refund.operation();
    let raw = native.raw;
    let body = native.body;
    check_answer_is_about(
        operation,
        &raw,
        &body.status,
        order_id,
        Some((requested.currency(), body.currency.as_deref())),
    )?;
    let currency = received_currency(
        operation,
        &raw,
        body.currency.as_deref(),
        requested.currency(),
    )?;
    let total_refunded = received_money(
        operation,
        &raw,
        "total_refunded",
        body.total_refunded,
        currency,
    )?;
    let grand_total = received_money(operation, &raw, "grand_total", body.grand_total, currency)?;
    let payment_status = match (grand_total, total_refunded) {
        (Some(total), Some(refunded)) if refunded.amount() < total.amount() => {
            PaymentStatus::PartiallyRefunded
        }
        _ => PaymentStatus::Refunded,
    };
    let provider_status = body
        .transaction_status
        .unwrap_or_else(|| body.status.code.clone());
    let mut refund = Refund::new(
        PROVIDER,
        order_id.clone(),
        RefundStatus::Succeeded,
        provider_status,
        raw,
    );
    refund.amount = Some(*requested);
    refund.total_refunded = total_refunded;
    refund.payment_status = Some(payment_status);
    Ok(refund)
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
