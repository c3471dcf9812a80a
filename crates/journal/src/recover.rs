//! Recovery: settling what a crash, a timeout or a lost answer left open, by reading the
//! payment and comparing it with the baseline recorded before sending. Recovery reads; it
//! never sends a write.

use std::sync::Arc;
use std::time::Duration;

use paygate_core::{
    Decimal, Error, OrderId, Payment, PaymentGateway, PaymentStatus, ProviderErrorKind,
};

use crate::entry::{Entry, EntryFilter, EntryState, JournalFailure, Outcome, WriteOperation};
use crate::store::WriteJournal;
use crate::stored;

/// Status reads per second where the gateway publishes no limit.
const UNPUBLISHED_RATE: u32 = 20;

/// How recovery runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecoveryOptions {
    /// Settles only entries unchanged for at least this long, so that a write another
    /// process is still sending is left alone. Default 60 s (above any transport timeout);
    /// 0 when every process that wrote is known to have stopped.
    pub min_age: Duration,
    /// Status reads per second; `None`: the gateway's published limit, else 20.
    pub reads_per_second: Option<u32>,
    /// At most this many entries, oldest first (`None`: all).
    pub limit: Option<u32>,
}

impl Default for RecoveryOptions {
    fn default() -> Self {
        RecoveryOptions {
            min_age: Duration::from_secs(60),
            reads_per_second: None,
            limit: None,
        }
    }
}

impl RecoveryOptions {
    /// Sets the minimum age.
    pub fn min_age(mut self, age: Duration) -> Self {
        self.min_age = age;
        self
    }

    /// Sets the read rate.
    pub fn reads_per_second(mut self, rate: u32) -> Self {
        self.reads_per_second = Some(rate.max(1));
        self
    }

    /// Sets the most entries to settle.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
}

/// How one entry was settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// The key.
    pub key: String,
    /// `applied`, `not_applied`, or `unknown` (still open).
    pub state: EntryState,
    /// Why.
    pub reason: String,
}

/// What a recovery run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Every entry looked at, oldest first.
    pub settled: Vec<Settled>,
}

impl RecoveryReport {
    /// How many ended in `state`.
    pub fn count(&self, state: EntryState) -> usize {
        self.settled.iter().filter(|s| s.state == state).count()
    }
}

/// Settles every unresolved entry (`pending`, `unknown`) older than the options' minimum
/// age: the payment is read through `gateway(entry.gateway)` (at most the options' rate per
/// gateway) and compared with the baseline. Found applied or not applied, the entry is
/// resolved and its order released; otherwise it stays `unknown`, with the reason.
pub async fn recover(
    journal: &dyn WriteJournal,
    gateway: &(dyn Fn(&str) -> Option<Arc<dyn PaymentGateway>> + Sync),
    options: RecoveryOptions,
) -> Result<RecoveryReport, JournalFailure> {
    let entries = journal
        .entries(&EntryFilter {
            unresolved_only: true,
            older_than_ms: Some(i64::try_from(options.min_age.as_millis()).unwrap_or(i64::MAX)),
            limit: options.limit,
        })
        .await?;
    let mut report = RecoveryReport::default();
    let mut pacers: Vec<(String, tokio::time::Interval)> = Vec::new();
    for entry in entries {
        let Some(gateway) = gateway(&entry.gateway) else {
            report.settled.push(Settled {
                key: entry.key.clone(),
                state: entry.state,
                reason: format!("no gateway named {} is configured", entry.gateway),
            });
            continue;
        };
        let (state, reason, payment) = if never_sent(&entry) {
            (
                EntryState::NotApplied,
                "the process stopped before sending".to_owned(),
                None,
            )
        } else {
            let pacer = match pacers
                .iter_mut()
                .position(|(name, _)| *name == entry.gateway)
            {
                Some(index) => pacers.get_mut(index),
                None => {
                    let rate = options
                        .reads_per_second
                        .or_else(|| gateway.status_read_rate_limit())
                        .unwrap_or(UNPUBLISHED_RATE)
                        .max(1);
                    let mut interval = tokio::time::interval(Duration::from_secs(1) / rate);
                    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    pacers.push((entry.gateway.clone(), interval));
                    pacers.last_mut()
                }
            };
            if let Some((_, interval)) = pacer {
                interval.tick().await;
            }
            let read = match OrderId::new(entry.order_id.clone()) {
                Ok(id) => gateway.payment_status(&id).await,
                Err(e) => Err(e),
            };
            let (state, reason) = decide(&entry, &read);
            (state, reason, read.ok())
        };
        let outcome = Outcome {
            state,
            result: payment
                .as_ref()
                .and_then(|p| stored::recovered_result(&entry, state, p)),
            detail: Some(match state {
                EntryState::Unknown => format!("recovery could not tell: {reason}"),
                _ => format!("recovered: {reason}"),
            }),
            raw: payment.as_ref().map(|p| stored::raw_answer(&p.raw)),
        };
        match journal.finish(&entry.key, entry.attempt, &outcome).await {
            Ok(()) => report.settled.push(Settled {
                key: entry.key,
                state,
                reason,
            }),
            // Settled meanwhile by its own process: its answer stands.
            Err(JournalFailure::WrongState { state }) => report.settled.push(Settled {
                key: entry.key,
                state,
                reason: "its answer was recorded meanwhile".into(),
            }),
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

/// A pending write on an existing payment whose baseline was never recorded was never sent.
fn never_sent(entry: &Entry) -> bool {
    entry.state == EntryState::Pending
        && entry.baseline.is_none()
        && entry.operation != WriteOperation::CreatePayment
}

fn decimal(text: Option<&str>) -> Option<Decimal> {
    text.and_then(|t| t.parse::<Decimal>().ok())
}

/// What the payment, read now, says of the entry's write.
fn decide(entry: &Entry, read: &Result<Payment, Error>) -> (EntryState, String) {
    let payment = match read {
        Ok(payment) => payment,
        Err(Error::Provider(p))
            if p.kind == ProviderErrorKind::NotFound
                && entry.operation == WriteOperation::CreatePayment =>
        {
            return (
                EntryState::NotApplied,
                "the provider has no such order".into(),
            );
        }
        Err(e) => {
            return (
                EntryState::Unknown,
                format!("the payment could not be read: {e}"),
            );
        }
    };
    let Some(baseline) = &entry.baseline else {
        return (EntryState::Unknown, "no baseline was recorded".into());
    };
    let before = PaymentStatus::from_name(&baseline.status);
    let now = &payment.status;
    match entry.operation {
        WriteOperation::CreatePayment => (
            EntryState::Applied,
            format!("the provider has the order ({now})"),
        ),
        WriteOperation::Refund => decide_refund(
            entry,
            decimal(baseline.refunded.as_deref()),
            &before,
            payment,
        ),
        WriteOperation::Capture => match now {
            PaymentStatus::Authorized => (
                EntryState::NotApplied,
                "the payment is still authorized".into(),
            ),
            s if s.is_paid() => (EntryState::Applied, format!("the payment is {s}")),
            s => (
                EntryState::Unknown,
                format!("the payment went from {before} to {s}"),
            ),
        },
        WriteOperation::Void => match now {
            PaymentStatus::Voided => (EntryState::Applied, "the payment is voided".into()),
            s if *s == before => (EntryState::NotApplied, format!("the payment is still {s}")),
            s => (
                EntryState::Unknown,
                format!("the payment went from {before} to {s}"),
            ),
        },
        WriteOperation::Cancel => match now {
            PaymentStatus::Cancelled => (EntryState::Applied, "the payment is cancelled".into()),
            s if *s == before => (EntryState::NotApplied, format!("the payment is still {s}")),
            s => (
                EntryState::Unknown,
                format!("the payment went from {before} to {s}"),
            ),
        },
    }
}

/// A refund is applied when the refunded amount grew by exactly its amount, and not applied
/// when it did not grow. A provider that reports no refunded amount can only show the status:
/// a move from paid to refunded while the journal held the order is this refund; an
/// unchanged status proves nothing (PayG reads as partially refunded after its first refund,
/// and so it stays after the next).
fn decide_refund(
    entry: &Entry,
    refunded_before: Option<Decimal>,
    before: &PaymentStatus,
    payment: &Payment,
) -> (EntryState, String) {
    let amount = decimal(entry.amount.as_deref());
    let refunded_now = payment.refunded_amount.map(|m| m.amount());
    match (refunded_now, amount) {
        (Some(now), Some(amount)) => {
            let before = refunded_before.unwrap_or(Decimal::ZERO);
            if now == before + amount {
                (
                    EntryState::Applied,
                    format!("refunded went from {before} to {now}"),
                )
            } else if now == before {
                (EntryState::NotApplied, format!("refunded is still {now}"))
            } else {
                (
                    EntryState::Unknown,
                    format!("refunded went from {before} to {now}, and this refund is {amount}"),
                )
            }
        }
        _ => match (&payment.status, before) {
            (PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded, PaymentStatus::Paid) => (
                EntryState::Applied,
                format!("the payment went from paid to {}", payment.status),
            ),
            (now, _) => (
                EntryState::Unknown,
                format!(
                    "the provider reports no refunded amount and the payment is {now}: check its refunds"
                ),
            ),
        },
    }
}
