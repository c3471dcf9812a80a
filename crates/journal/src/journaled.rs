//! [`Journaled`]: any gateway, with every write journaled.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use paygate_core::http::HeaderMap;
use paygate_core::{
    CancelRequest, Capabilities, CaptureRequest, Checkout, CreatePayment, Error, JournalError,
    JournalErrorKind, Money, OrderId, Payment, PaymentGateway, Refund, RefundReference,
    RefundRequest, RefundStatusRequest, Result, TransactionId, VoidRequest, WebhookEvent,
};
use serde_json::json;

use crate::entry::{
    Baseline, Begun, Entry, EntryState, Intent, JournalFailure, Outcome, WriteOperation,
};
use crate::store::WriteJournal;
use crate::stored;

/// How a journaled gateway waits for an order another write holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct JournalSettings {
    /// How long a write waits for another write on the same order to end before it is
    /// refused as in progress (0: at once).
    pub wait_for_order: Duration,
    /// How often it looks again while waiting.
    pub poll_every: Duration,
}

impl Default for JournalSettings {
    fn default() -> Self {
        JournalSettings {
            wait_for_order: Duration::from_secs(5),
            poll_every: Duration::from_millis(50),
        }
    }
}

impl JournalSettings {
    /// Sets how long a write waits for an order another write holds.
    pub fn wait_for_order(mut self, wait: Duration) -> Self {
        self.wait_for_order = wait;
        self
    }
}

/// A gateway whose writes go through a [`WriteJournal`]: each is recorded before it is sent,
/// sent at most once per idempotency key, and its outcome recorded after. Reads and webhooks
/// go straight to the gateway.
///
/// The key is the refund's [`RefundReference`], or the `idempotency_key` of the other write
/// requests. A write without one is journaled under a key made for it (`auto-…`, in the
/// entry): it is safe against a crash (recovery finds it) and against a concurrent write on
/// its order, but calling again is a new write. Give a key wherever a call may be repeated.
///
/// Before each write the payment is read (after the order is claimed), recorded as the
/// baseline recovery compares with, and handed to the gateway, so the write is checked
/// against it without a second read; a payment the caller hands over is not used.
#[derive(Clone)]
pub struct Journaled {
    name: String,
    inner: Arc<dyn PaymentGateway>,
    journal: Arc<dyn WriteJournal>,
    settings: JournalSettings,
}

impl std::fmt::Debug for Journaled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journaled")
            .field("name", &self.name)
            .field("inner", &self.inner)
            .field("journal", &self.journal)
            .finish()
    }
}

/// One write, as the journal sees it.
struct Write {
    operation: WriteOperation,
    key: String,
    order_id: OrderId,
    amount: Option<Money>,
    request: serde_json::Value,
}

/// What the gateway's answer means for the journal.
enum Ended<T> {
    Recorded(Result<T>, Outcome),
    /// Stopped before anything was sent: the entry is dropped (or, on a retry, set back).
    NotSent(Error),
}

fn auto_key() -> String {
    let mut bytes = [0u8; 8];
    let random = getrandom::fill(&mut bytes)
        .map(|()| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
        .unwrap_or_default();
    format!("auto-{}-{random}", crate::schema::now_ms())
}

fn baseline_of(payment: &Payment) -> Baseline {
    Baseline {
        status: payment.status.as_str().to_owned(),
        amount: payment.amount.map(|m| m.format_amount()),
        refunded: payment.refunded_amount.map(|m| m.format_amount()),
    }
}

/// The journal error of a write that was not sent.
fn stopped(write: &Write, kind: JournalErrorKind, detail: impl Into<String>) -> Error {
    Error::from(JournalError::new(
        kind,
        write.operation.operation(),
        write.order_id.as_str(),
        Some(write.key.clone()),
        detail,
    ))
}

fn unavailable(write: &Write, failure: &JournalFailure) -> Error {
    stopped(
        write,
        JournalErrorKind::Unavailable,
        format!("{failure}; nothing was sent"),
    )
}

impl Journaled {
    /// `inner`, registered as `name`, journaled in `journal`.
    pub fn new(
        name: impl Into<String>,
        inner: Arc<dyn PaymentGateway>,
        journal: Arc<dyn WriteJournal>,
    ) -> Journaled {
        Journaled {
            name: name.into(),
            inner,
            journal,
            settings: JournalSettings::default(),
        }
    }

    /// With other waiting settings.
    pub fn with_settings(mut self, settings: JournalSettings) -> Journaled {
        self.settings = settings;
        self
    }

    /// The gateway instance's name, as entries record it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The journal.
    pub fn journal(&self) -> &Arc<dyn WriteJournal> {
        &self.journal
    }

    /// The gateway it wraps.
    pub fn inner(&self) -> &Arc<dyn PaymentGateway> {
        &self.inner
    }

    /// Sends again, under the same key, a write that certainly did not take effect (the
    /// provider refused it, or recovery found it not applied), and returns its entry after.
    /// Any other state is refused: an applied or succeeded write is never sent again, and
    /// an unresolved one must be recovered first. Creations are not retried (create a new
    /// order).
    pub async fn retry(&self, key: &str) -> Result<Entry> {
        let entry = self
            .journal
            .entry(key)
            .await
            .map_err(|e| Error::config("journal", e.to_string()))?
            .ok_or_else(|| Error::invalid("key", format!("no journal entry has the key {key}")))?;
        if entry.gateway != self.name {
            return Err(Error::invalid(
                "key",
                format!("entry {key} belongs to gateway {}", entry.gateway),
            ));
        }
        let order_id = OrderId::new(entry.order_id.clone())?;
        let write = Write {
            operation: entry.operation,
            key: key.to_owned(),
            order_id: order_id.clone(),
            amount: None,
            request: entry.request.clone(),
        };
        if !entry.state.did_not_take_effect() {
            return Err(stopped(
                &write,
                match entry.state {
                    EntryState::Pending | EntryState::Unknown => JournalErrorKind::Unresolved,
                    _ => JournalErrorKind::Refused,
                },
                format!(
                    "the entry is {}: only a refused or not-applied write is sent again",
                    entry.state
                ),
            ));
        }
        let begun = self
            .journal
            .reopen(key, None)
            .await
            .map_err(|e| unavailable(&write, &e))?;
        let attempt = match begun {
            Begun::Claimed { attempt } => attempt,
            Begun::OrderBusy { holder } => {
                return Err(stopped(
                    &write,
                    JournalErrorKind::InProgress,
                    format!("write {holder} holds the order; nothing was sent"),
                ));
            }
            Begun::Recorded(entry) => return Ok(*entry),
        };
        let request = &entry.request;
        match entry.operation {
            WriteOperation::Refund => {
                let mut refund = RefundRequest::new(order_id, money_in(request)?)?;
                if let Some(reference) = text_in(request, "reference") {
                    refund = refund.reference(RefundReference::new(reference)?);
                }
                if let Some(reason) = text_in(request, "reason") {
                    refund = refund.reason(reason);
                }
                if let Some(id) = text_in(request, "transaction_id") {
                    refund = refund.transaction_id(TransactionId::new(id)?);
                }
                if let Some(method) = text_in(request, "payment_method") {
                    refund = refund.payment_method(method);
                }
                self.send_claimed(&write, attempt, |payment| async move {
                    let refund = match payment {
                        Some(payment) => refund.with_payment(payment),
                        None => refund,
                    };
                    self.inner.refund(&refund).await
                })
                .await?;
            }
            WriteOperation::Capture => {
                let capture = CaptureRequest::new(order_id, money_in(request)?)?;
                self.send_claimed(&write, attempt, |payment| async move {
                    let capture = match payment {
                        Some(payment) => capture.with_payment(payment),
                        None => capture,
                    };
                    self.inner.capture(&capture).await
                })
                .await?;
            }
            WriteOperation::Void => {
                let void = VoidRequest::new(order_id);
                self.send_claimed(&write, attempt, |payment| async move {
                    let void = match payment {
                        Some(payment) => void.with_payment(payment),
                        None => void,
                    };
                    self.inner.void(&void).await
                })
                .await?;
            }
            WriteOperation::Cancel => {
                let cancel = CancelRequest::new(order_id);
                self.send_claimed(&write, attempt, |payment| async move {
                    let cancel = match payment {
                        Some(payment) => cancel.with_payment(payment),
                        None => cancel,
                    };
                    self.inner.cancel(&cancel).await
                })
                .await?;
            }
            WriteOperation::CreatePayment => {
                let detail = "a creation is not sent again: create a new order";
                let outcome = Outcome {
                    state: entry.state,
                    result: None,
                    detail: Some(detail.into()),
                    raw: None,
                };
                self.journal
                    .finish(key, attempt, &outcome)
                    .await
                    .map_err(|e| unavailable(&write, &e))?;
                return Err(Error::invalid("key", detail));
            }
        }
        self.journal
            .entry(key)
            .await
            .map_err(|e| unavailable(&write, &e))?
            .ok_or_else(|| Error::invalid("key", format!("entry {key} vanished")))
    }

    /// Claims the key and the order (waiting within the settings' bound), then sends.
    async fn journaled<T, S, Fut>(
        &self,
        write: Write,
        send: S,
        replay: fn(&'static str, &Entry) -> Option<T>,
    ) -> Result<T>
    where
        T: Recordable,
        S: FnOnce(Option<Payment>) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let amount = write.amount.map(|m| m.format_amount());
        let currency = write.amount.map(|m| m.currency().code().to_owned());
        let intent = Intent {
            key: write.key.clone(),
            gateway: self.name.clone(),
            operation: write.operation,
            order_id: write.order_id.as_str().to_owned(),
            fingerprint: Intent::fingerprint_of(
                write.operation,
                &self.name,
                write.order_id.as_str(),
                amount.as_deref(),
                currency.as_deref(),
            ),
            amount,
            currency,
            request: write.request.clone(),
            // A creation has no payment to read: its baseline says there was none.
            baseline: (write.operation == WriteOperation::CreatePayment).then(|| Baseline {
                status: "absent".into(),
                amount: None,
                refunded: None,
            }),
        };
        let started = Instant::now();
        let attempt = loop {
            match self
                .journal
                .begin(&intent)
                .await
                .map_err(|e| unavailable(&write, &e))?
            {
                Begun::Claimed { attempt } => break attempt,
                // The same write, being sent by another caller (or left by a crash): wait
                // for its outcome within the bound, then answer from the journal.
                Begun::Recorded(entry)
                    if entry.state == EntryState::Pending
                        && entry.fingerprint == intent.fingerprint
                        && started.elapsed() < self.settings.wait_for_order =>
                {
                    tokio::time::sleep(self.settings.poll_every).await;
                }
                Begun::Recorded(entry) => {
                    return self.answer_recorded(&write, &intent, &entry, replay);
                }
                Begun::OrderBusy { holder } => {
                    if started.elapsed() >= self.settings.wait_for_order {
                        return Err(stopped(
                            &write,
                            JournalErrorKind::InProgress,
                            format!(
                                "write {holder} on this order is in flight or unresolved; nothing was sent"
                            ),
                        ));
                    }
                    tokio::time::sleep(self.settings.poll_every).await;
                }
            }
        };
        self.send_claimed(&write, attempt, send).await
    }

    /// Reads the baseline (for a write on an existing payment), records it, sends, records
    /// the outcome.
    async fn send_claimed<T, S, Fut>(&self, write: &Write, attempt: u32, send: S) -> Result<T>
    where
        T: Recordable,
        S: FnOnce(Option<Payment>) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let payment = if write.operation == WriteOperation::CreatePayment {
            None
        } else {
            match self.inner.payment_status(&write.order_id).await {
                Ok(payment) => Some(payment),
                Err(e) => return self.not_sent(write, attempt, e).await,
            }
        };
        if let Some(payment) = &payment {
            if let Err(e) = self
                .journal
                .ready(&write.key, attempt, &baseline_of(payment))
                .await
            {
                // Not recorded as ready: it must not be sent.
                let error = unavailable(write, &e);
                let _ = self
                    .journal
                    .abandon(&write.key, attempt, &e.to_string())
                    .await;
                return Err(error);
            }
        }
        let result = send(payment).await;
        match classify(result) {
            Ended::NotSent(error) => self.not_sent(write, attempt, error).await,
            Ended::Recorded(result, outcome) => {
                if let Err(e) = self.journal.finish(&write.key, attempt, &outcome).await {
                    // Sent, but the outcome is not recorded: the entry stays pending, and
                    // recovery settles it from the payment.
                    tracing::error!(
                        key = %write.key,
                        state = %outcome.state,
                        error = %e,
                        "a journaled write was sent but its outcome could not be recorded"
                    );
                }
                result
            }
        }
    }

    /// The write stopped before sending: the entry goes, the error stays.
    async fn not_sent<T>(&self, write: &Write, attempt: u32, error: Error) -> Result<T> {
        if let Err(e) = self
            .journal
            .abandon(&write.key, attempt, &error.to_string())
            .await
        {
            tracing::warn!(key = %write.key, error = %e, "could not drop a journal entry of a write that was not sent");
        }
        Err(error)
    }

    fn answer_recorded<T>(
        &self,
        write: &Write,
        intent: &Intent,
        entry: &Entry,
        replay: fn(&'static str, &Entry) -> Option<T>,
    ) -> Result<T> {
        if entry.fingerprint != intent.fingerprint {
            return Err(Error::invalid(
                "idempotency_key",
                format!(
                    "the key {} was used for another write ({} of order {} on {}{}); use a new key",
                    entry.key,
                    entry.operation,
                    entry.order_id,
                    entry.gateway,
                    match (&entry.amount, &entry.currency) {
                        (Some(a), Some(c)) => format!(", {a} {c}"),
                        _ => String::new(),
                    }
                ),
            ));
        }
        let detail = entry.detail.clone().unwrap_or_default();
        match entry.state {
            EntryState::Succeeded | EntryState::Applied => {
                replay(self.inner.provider(), entry).ok_or_else(|| {
                    stopped(
                        write,
                        JournalErrorKind::Refused,
                        format!(
                            "already {} under this key, but its answer was not recorded: read the payment",
                            entry.state
                        ),
                    )
                })
            }
            EntryState::Refused | EntryState::NotApplied => Err(stopped(
                write,
                JournalErrorKind::Refused,
                format!("already {} under this key ({detail}); nothing was sent", entry.state),
            )),
            EntryState::Pending | EntryState::Unknown => Err(stopped(
                write,
                JournalErrorKind::Unresolved,
                format!(
                    "this key's write is {}: it may have been applied. Recover it before anything else; nothing was sent",
                    entry.state
                ),
            )),
        }
    }
}

fn text_in(request: &serde_json::Value, field: &str) -> Option<String> {
    request
        .get(field)
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
}

fn money_in(request: &serde_json::Value) -> Result<Money> {
    request
        .get("amount")
        .and_then(|m| serde_json::from_value::<Money>(m.clone()).ok())
        .ok_or_else(|| Error::invalid("key", "the recorded request has no readable amount"))
}

/// What an answer means for the journal: only an error that says nothing was sent leaves no
/// record; an unsure answer is `unknown`; a recognised refusal is `refused`.
fn classify<T: Recordable>(result: Result<T>) -> Ended<T> {
    match result {
        Ok(value) => {
            let (json, raw) = value.record();
            Ended::Recorded(
                Ok(value),
                Outcome {
                    state: EntryState::Succeeded,
                    result: Some(json),
                    detail: None,
                    raw: Some(raw),
                },
            )
        }
        Err(error) if error.outcome_unknown() => {
            let outcome = Outcome {
                state: EntryState::Unknown,
                result: None,
                detail: Some(error.to_string()),
                raw: None,
            };
            Ended::Recorded(Err(error), outcome)
        }
        Err(error) if matches!(error, Error::Provider(_)) => {
            let outcome = Outcome {
                state: EntryState::Refused,
                result: None,
                detail: Some(error.to_string()),
                raw: None,
            };
            Ended::Recorded(Err(error), outcome)
        }
        Err(error) => Ended::NotSent(error),
    }
}

/// A unified result as the journal records it: its JSON and the answer as received.
trait Recordable {
    fn record(&self) -> (serde_json::Value, crate::entry::RawAnswer);
}

impl Recordable for Payment {
    fn record(&self) -> (serde_json::Value, crate::entry::RawAnswer) {
        (stored::to_json(self), stored::raw_answer(&self.raw))
    }
}

impl Recordable for Refund {
    fn record(&self) -> (serde_json::Value, crate::entry::RawAnswer) {
        (stored::to_json(self), stored::raw_answer(&self.raw))
    }
}

impl Recordable for Checkout {
    fn record(&self) -> (serde_json::Value, crate::entry::RawAnswer) {
        (stored::to_json(self), stored::raw_answer(&self.raw))
    }
}

/// A recorded success read back (the result's JSON and the answer as received).
fn replay_payment(provider: &'static str, entry: &Entry) -> Option<Payment> {
    stored::payment(provider, entry.result.as_ref()?, entry.raw.as_ref())
}

fn replay_refund(provider: &'static str, entry: &Entry) -> Option<Refund> {
    stored::refund(provider, entry.result.as_ref()?, entry.raw.as_ref())
}

fn replay_checkout(provider: &'static str, entry: &Entry) -> Option<Checkout> {
    stored::checkout(provider, entry.result.as_ref()?, entry.raw.as_ref())
}

#[async_trait]
impl PaymentGateway for Journaled {
    fn provider(&self) -> &'static str {
        self.inner.provider()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn status_read_rate_limit(&self) -> Option<u32> {
        self.inner.status_read_rate_limit()
    }

    async fn create_payment(&self, request: &CreatePayment) -> Result<Checkout> {
        let write = Write {
            operation: WriteOperation::CreatePayment,
            key: request
                .idempotency_key
                .as_ref()
                .map_or_else(auto_key, |k| k.as_str().to_owned()),
            order_id: request.order_id.clone(),
            amount: Some(request.amount),
            request: json!({ "order_id": request.order_id }),
        };
        self.journaled(
            write,
            |_| async move { self.inner.create_payment(request).await },
            replay_checkout,
        )
        .await
    }

    async fn payment_status(&self, order_id: &OrderId) -> Result<Payment> {
        self.inner.payment_status(order_id).await
    }

    async fn refund(&self, request: &RefundRequest) -> Result<Refund> {
        let write = Write {
            operation: WriteOperation::Refund,
            key: request
                .reference
                .as_ref()
                .map_or_else(auto_key, |k| k.as_str().to_owned()),
            order_id: request.order_id.clone(),
            amount: Some(request.amount),
            request: json!({
                "order_id": request.order_id,
                "amount": request.amount,
                "reference": request.reference,
                "reason": request.reason,
                "transaction_id": request.transaction_id,
                "payment_method": request.payment_method,
            }),
        };
        self.journaled(
            write,
            |payment| async move {
                let mut request = request.clone();
                request.payment = payment;
                self.inner.refund(&request).await
            },
            replay_refund,
        )
        .await
    }

    async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
        self.inner.refund_status(request).await
    }

    async fn void(&self, request: &VoidRequest) -> Result<Payment> {
        let write = Write {
            operation: WriteOperation::Void,
            key: request
                .idempotency_key
                .as_ref()
                .map_or_else(auto_key, |k| k.as_str().to_owned()),
            order_id: request.order_id.clone(),
            amount: None,
            request: json!({ "order_id": request.order_id }),
        };
        self.journaled(
            write,
            |payment| async move {
                let mut request = request.clone();
                request.payment = payment;
                self.inner.void(&request).await
            },
            replay_payment,
        )
        .await
    }

    async fn cancel(&self, request: &CancelRequest) -> Result<Payment> {
        let write = Write {
            operation: WriteOperation::Cancel,
            key: request
                .idempotency_key
                .as_ref()
                .map_or_else(auto_key, |k| k.as_str().to_owned()),
            order_id: request.order_id.clone(),
            amount: None,
            request: json!({ "order_id": request.order_id }),
        };
        self.journaled(
            write,
            |payment| async move {
                let mut request = request.clone();
                request.payment = payment;
                self.inner.cancel(&request).await
            },
            replay_payment,
        )
        .await
    }

    async fn capture(&self, request: &CaptureRequest) -> Result<Payment> {
        let write = Write {
            operation: WriteOperation::Capture,
            key: request
                .idempotency_key
                .as_ref()
                .map_or_else(auto_key, |k| k.as_str().to_owned()),
            order_id: request.order_id.clone(),
            amount: Some(request.amount),
            request: json!({ "order_id": request.order_id, "amount": request.amount }),
        };
        self.journaled(
            write,
            |payment| async move {
                let mut request = request.clone();
                request.payment = payment;
                self.inner.capture(&request).await
            },
            replay_payment,
        )
        .await
    }

    fn verify_webhook(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        self.inner.verify_webhook(body, headers)
    }
}
