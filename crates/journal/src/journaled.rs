//! [`Journaled`]: any gateway, with every write journaled.

use std::sync::Arc;
use std::time::{Duration, Instant};

use paygate_core::{
    Error, JournalError, JournalErrorKind, Money, OrderId, Payment, PaymentGateway, Result,
};

use crate::entry::{
    Baseline, Begun, Entry, EntryState, Intent, JournalFailure, Outcome, WriteOperation,
};
use crate::store::WriteJournal;
use crate::writes::Recordable;

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
/// The key is the refund's [`RefundReference`](paygate_core::RefundReference), or the `idempotency_key` of the other write
/// requests. A write without one is journaled under a key made for it (`auto-…`, in the
/// entry): it is safe against a crash (recovery finds it) and against a concurrent write on
/// its order, but calling again is a new write. Give a key wherever a call may be repeated.
///
/// Before each write the payment is read (after the order is claimed), recorded as the
/// baseline recovery compares with, and handed to the gateway, so the write is checked
/// against it without a second read; a payment the caller hands over is not used.
#[derive(Clone)]
pub struct Journaled {
    pub(crate) name: String,
    pub(crate) inner: Arc<dyn PaymentGateway>,
    pub(crate) journal: Arc<dyn WriteJournal>,
    pub(crate) settings: JournalSettings,
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
pub(crate) struct Write {
    pub(crate) operation: WriteOperation,
    pub(crate) key: String,
    pub(crate) order_id: OrderId,
    pub(crate) amount: Option<Money>,
    pub(crate) request: serde_json::Value,
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

impl Write {
    /// A write under the caller's `key`, or one made for it (see [`Journaled`]).
    pub(crate) fn new(
        operation: WriteOperation,
        key: Option<&str>,
        order_id: &OrderId,
        amount: Option<Money>,
        request: serde_json::Value,
    ) -> Write {
        Write {
            operation,
            key: key.map_or_else(auto_key, str::to_owned),
            order_id: order_id.clone(),
            amount,
            request,
        }
    }
}

fn baseline_of(payment: &Payment) -> Baseline {
    Baseline {
        status: payment.status.as_str().to_owned(),
        amount: payment.amount.map(|m| m.format_amount()),
        refunded: payment.refunded_amount.map(|m| m.format_amount()),
    }
}

/// The journal error of a write that was not sent.
pub(crate) fn stopped(write: &Write, kind: JournalErrorKind, detail: impl Into<String>) -> Error {
    Error::from(JournalError::new(
        kind,
        write.operation.operation(),
        write.order_id.as_str(),
        Some(write.key.clone()),
        detail,
    ))
}

pub(crate) fn unavailable(write: &Write, failure: &JournalFailure) -> Error {
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

    /// Claims the key and the order (waiting within the settings' bound), then sends.
    pub(crate) async fn journaled<T, S, Fut>(
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
    pub(crate) async fn send_claimed<T, S, Fut>(
        &self,
        write: &Write,
        attempt: u32,
        send: S,
    ) -> Result<T>
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
