//! Recovery: settling what a crash, a timeout or a lost answer left open, by reading the
//! payment and comparing it with the baseline recorded before sending. Recovery reads; it
//! never sends a write. It settles an entry only once its lease has run out or its holder
//! is gone, and reports every unresolved entry it leaves open, with why.

use std::sync::Arc;
use std::time::Duration;

use paygate_core::{
    Capability, Decimal, Error, OrderId, Payment, PaymentGateway, PaymentStatus, ProviderErrorKind,
    RefundStatus, RefundStatusRequest,
};
use serde_json::json;

use crate::entry::{
    Actor, Entry, EntryFilter, EntryState, JournalFailure, Outcome, WriteOperation,
};
use crate::store::WriteJournal;
use crate::stored;

/// Status reads per second where the gateway publishes no limit.
const UNPUBLISHED_RATE: u32 = 20;

/// How recovery runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecoveryOptions {
    /// Status reads per second; `None`: the gateway's published limit, else 20.
    pub reads_per_second: Option<u32>,
    /// At most this many unresolved entries, oldest first (`None`: all).
    pub limit: Option<u32>,
    /// Only the entries of these accounts (empty: every account). A journal shared by
    /// several configurations: each recovers its own accounts' entries.
    pub accounts: Vec<String>,
}

impl RecoveryOptions {
    /// Sets the read rate.
    pub fn reads_per_second(mut self, rate: u32) -> Self {
        self.reads_per_second = Some(rate.max(1));
        self
    }

    /// Sets the most entries to look at.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Looks only at these accounts' entries.
    pub fn accounts(mut self, accounts: impl IntoIterator<Item = String>) -> Self {
        self.accounts = accounts.into_iter().collect();
        self
    }
}

/// What recovery found for one unresolved entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// The account the entry belongs to.
    pub account: String,
    /// The key.
    pub key: String,
    /// Where the entry stands after the run: `applied`, `not_applied`, `ambiguous`, or still
    /// `pending` / `unknown` / `conflict`.
    pub state: EntryState,
    /// Why, in words.
    pub reason: String,
    /// For an entry left alone because its lease runs: when recovery may settle it, Unix
    /// milliseconds by the journal's clock.
    pub eligible_at_ms: Option<i64>,
    /// What the decision rests on (the baseline and the payment as read), when a payment was
    /// read.
    pub evidence: Option<serde_json::Value>,
}

/// What a recovery run found: every unresolved entry it looked at, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// One line per entry.
    pub settled: Vec<Settled>,
    /// Unresolved entries of other accounts (see [`RecoveryOptions::accounts`]), left alone.
    pub other_accounts: usize,
}

impl RecoveryReport {
    /// How many ended in `state`.
    pub fn count(&self, state: EntryState) -> usize {
        self.settled.iter().filter(|s| s.state == state).count()
    }

    /// How many are still unresolved after the run (pending, unknown, ambiguous, conflict):
    /// zero means all clear.
    pub fn unresolved(&self) -> usize {
        self.settled
            .iter()
            .filter(|s| s.state.is_unresolved())
            .count()
    }
}

/// The gateway to read an entry's payment through, or why there is none (e.g. no configured
/// gateway acts on the entry's account).
pub type GatewayFor<'a> =
    dyn Fn(&Entry) -> std::result::Result<Arc<dyn PaymentGateway>, String> + Sync + 'a;

/// Looks at every unresolved entry, oldest first (at most the options' limit). A `pending`
/// or `unknown` entry whose lease has run out (or whose holder is gone) is settled from the
/// payment read through `gateway(entry)` (at most the options' rate per account): applied,
/// not applied, ambiguous, or left unknown with the reason. Entries whose lease still runs,
/// and `ambiguous` and `conflict` entries (an operator's to resolve), are reported as they
/// stand.
pub async fn recover(
    journal: &dyn WriteJournal,
    gateway: &GatewayFor<'_>,
    options: RecoveryOptions,
) -> Result<RecoveryReport, JournalFailure> {
    let entries = journal
        .entries(&EntryFilter {
            unresolved_only: true,
            ..EntryFilter::default()
        })
        .await?;
    let mut report = RecoveryReport::default();
    let mut pacers: Vec<(String, tokio::time::Interval)> = Vec::new();
    let limit = options
        .limit
        .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
    for entry in entries {
        if !options.accounts.is_empty() && !options.accounts.contains(&entry.account) {
            report.other_accounts += 1;
            continue;
        }
        if report.settled.len() >= limit {
            break;
        }
        let line = recover_one(journal, gateway, &options, &mut pacers, &entry).await?;
        report.settled.push(line);
    }
    Ok(report)
}

fn line(entry: &Entry, state: EntryState, reason: impl Into<String>) -> Settled {
    Settled {
        account: entry.account.clone(),
        key: entry.key.clone(),
        state,
        reason: reason.into(),
        eligible_at_ms: None,
        evidence: None,
    }
}

pub(crate) async fn recover_one(
    journal: &dyn WriteJournal,
    gateway: &GatewayFor<'_>,
    options: &RecoveryOptions,
    pacers: &mut Vec<(String, tokio::time::Interval)>,
    entry: &Entry,
) -> Result<Settled, JournalFailure> {
    match entry.state {
        EntryState::Ambiguous | EntryState::Conflict => {
            return Ok(line(
                entry,
                entry.state,
                format!(
                    "{}; an operator decides: paygate journal resolve {} --applied|--not-applied",
                    entry.detail.as_deref().unwrap_or("no detail"),
                    entry.key
                ),
            ));
        }
        EntryState::Pending | EntryState::Unknown => {}
        _ => return Ok(line(entry, entry.state, "settled meanwhile")),
    }
    // The lease first: while it runs and its holder lives, a writer may still be sending.
    let now = journal.now_ms().await?;
    let holder_gone = match &entry.holder {
        Some(holder) if entry.lease_until_ms > now => journal.holder_gone(holder).await?,
        _ => false,
    };
    if crate::transition::lease_runs(entry, now, holder_gone) {
        return Ok(lease_running(entry, entry.lease_until_ms));
    }
    let gateway = match gateway(entry) {
        Ok(gateway) => gateway,
        Err(why) => return Ok(line(entry, entry.state, why)),
    };
    let (state, reason, payment, evidence) = if never_sent(entry) {
        (
            EntryState::NotApplied,
            "the process stopped before sending".to_owned(),
            None,
            None,
        )
    } else {
        // A refund applied at the end of the lease shows in the figure only a lag later.
        let shows_by_ms = entry.lease_until_ms.saturating_add(crate::schema::millis(
            gateway.write_rules().refunds_show_within,
        ));
        if entry.operation == WriteOperation::Refund && now < shows_by_ms {
            return Ok(Settled {
                eligible_at_ms: Some(shows_by_ms),
                ..line(
                    entry,
                    entry.state,
                    format!(
                        "its lease ended, but the provider may not show a refund applied then until {}: recover after that",
                        crate::schema::rfc3339(shows_by_ms)
                    ),
                )
            });
        }
        let others = other_refunds(journal, entry).await?;
        let others_amounts: Vec<Decimal> = others.iter().map(|o| o.amount).collect();
        let refunds_show_within = gateway.write_rules().refunds_show_within;
        pace(pacers, entry, gateway.as_ref(), options).await;
        let read = match OrderId::new(entry.order_id.clone()) {
            Ok(id) => gateway.payment_status(&id).await,
            Err(e) => Err(e),
        };
        let (state, reason) = decide(entry, &read, &others, refunds_show_within);
        let mut evidence = read
            .as_ref()
            .ok()
            .map(|payment| evidence_of(entry, payment));
        let (state, reason) = match &read {
            // A refund on record but no refunded figure (Finpay, PayG): what the provider's
            // refund status says of it decides.
            Ok(payment)
                if state == EntryState::Applied
                    && entry.operation == WriteOperation::Refund
                    && payment.refunded_amount.is_none()
                    && gateway.capabilities().contains(Capability::RefundStatus) =>
            {
                pace(pacers, entry, gateway.as_ref(), options).await;
                let (state, reason, refund) =
                    confirm_refund(gateway.as_ref(), &payment.order_id, reason).await;
                if let Some(serde_json::Value::Object(map)) = evidence.as_mut() {
                    map.insert("refund".into(), refund);
                }
                (state, reason)
            }
            _ => (state, reason),
        };
        // Refunded moved by another amount than this refund's: the provider's list of
        // refunds, where it keeps one, may tell whether one of them is this refund.
        let (state, reason) = match &read {
            Ok(payment)
                if state == EntryState::Ambiguous && entry.operation == WriteOperation::Refund =>
            {
                pace(pacers, entry, gateway.as_ref(), options).await;
                let (state, reason, listed) = weigh_refund_history(
                    gateway.as_ref(),
                    entry,
                    now,
                    payment,
                    &others_amounts,
                    reason,
                )
                .await;
                if let (Some(listed), Some(serde_json::Value::Object(map))) =
                    (listed, evidence.as_mut())
                {
                    map.insert("refund_history".into(), listed);
                }
                (state, reason)
            }
            _ => (state, reason),
        };
        (state, reason, read.ok(), evidence)
    };
    let outcome = Outcome {
        state,
        result: payment
            .as_ref()
            .and_then(|p| stored::recovered_result(entry, state, p)),
        detail: Some(match state {
            EntryState::Unknown => format!("recovery could not tell: {reason}"),
            _ => format!("recovered: {reason}"),
        }),
        raw: payment.as_ref().map(|p| stored::raw_answer(&p.raw)),
        evidence: evidence.clone(),
    };
    match journal
        .settle(
            &entry.account,
            &entry.key,
            entry.attempt,
            &outcome,
            holder_gone,
        )
        .await
    {
        Ok(()) => Ok(Settled {
            evidence,
            ..line(entry, state, reason)
        }),
        // Settled meanwhile by its own process: its answer stands.
        Err(JournalFailure::WrongState { state }) => {
            Ok(line(entry, state, "its answer was recorded meanwhile"))
        }
        // Dropped meanwhile by its writer, which stopped before sending it.
        Err(JournalFailure::NotFound) => Ok(line(
            entry,
            EntryState::NotApplied,
            "its writer dropped it meanwhile, before sending it",
        )),
        // Taken again meanwhile (a retry): its new lease runs.
        Err(JournalFailure::Lease { until_ms, .. }) => Ok(lease_running(entry, until_ms)),
        Err(e) => Err(e),
    }
}

/// The journal's other refunds on the entry's order that took effect. The order was held
/// by this entry from its claim until its lease ended, and a claim waits for the order's
/// other writes to settle: each of these took effect before this entry's baseline was read.
async fn other_refunds(
    journal: &dyn WriteJournal,
    entry: &Entry,
) -> Result<Vec<OtherRefund>, JournalFailure> {
    if entry.operation != WriteOperation::Refund {
        return Ok(Vec::new());
    }
    let others = journal
        .entries(&EntryFilter {
            account: Some(entry.account.clone()),
            order_id: Some(entry.order_id.clone()),
            ..EntryFilter::default()
        })
        .await?;
    Ok(others
        .iter()
        .filter(|other| {
            other.key != entry.key
                && other.operation == WriteOperation::Refund
                && other.state.took_effect()
        })
        .filter_map(|other| {
            decimal(other.amount.as_deref()).map(|amount| OtherRefund {
                amount,
                applied_by_ms: other.applied_by_ms(),
            })
        })
        .collect())
}

/// One of the journal's other refunds on an entry's order that took effect.
#[derive(Debug, Clone, Copy)]
struct OtherRefund {
    amount: Decimal,
    /// By when the provider applied it ([`Entry::applied_by_ms`]).
    applied_by_ms: i64,
}

/// How long before its claim a baseline that recorded no read time may have been read:
/// `plan_fresh_for` (2 s by default), generously.
const UNRECORDED_READ_MS: i64 = 10_000;

/// Most of the journal's refunds a baseline may lack that recovery weighs (each doubles the
/// possible "before"s); with more, the entry is left to an operator.
const MOST_REFUNDS_MISSING: usize = 8;

/// When the entry's current attempt was claimed: its creation, or its last reopening.
fn attempt_began_ms(entry: &Entry) -> i64 {
    entry
        .history
        .iter()
        .rev()
        .find(|e| e.by == Actor::Writer && e.state == EntryState::Pending)
        .map_or(entry.created_at_ms, |e| e.at_ms)
}

/// What the refunded figure may have been just before this refund: each possible "before",
/// in order, or `None` when there are too many to weigh. The baseline figure (`baseline`)
/// shows every earlier refund except, perhaps, the journal's refunds settled so shortly
/// before it was read that the provider may not have shown them yet
/// ([`paygate_core::WriteRules::refunds_show_within`], `lag`). A journaled writer waits that
/// out, so there are none; an entry whose read time went unrecorded may have some. Each
/// selection of those is a possible "before" so long as the figure then covers all of the
/// journal's refunds (the baseline also shows refunds made outside the journal, which no
/// entry accounts for). Where none does, the provider showed a refund later than it says it
/// would, and any selection of the journal's refunds is possible.
fn refunded_befores(
    entry: &Entry,
    baseline: Decimal,
    others: &[OtherRefund],
    lag: std::time::Duration,
) -> Option<Vec<Decimal>> {
    let lag_ms = crate::schema::millis(lag);
    let read_at_ms = entry
        .baseline
        .as_ref()
        .and_then(|b| b.read_at_ms)
        .unwrap_or_else(|| attempt_began_ms(entry).saturating_sub(UNRECORDED_READ_MS));
    let all: Decimal = others.iter().map(|o| o.amount).sum();
    let possible = |missing: Vec<Decimal>| -> Option<Vec<Decimal>> {
        if missing.len() > MOST_REFUNDS_MISSING {
            return None;
        }
        let mut befores = vec![baseline];
        for amount in missing {
            let more: Vec<Decimal> = befores.iter().map(|b| *b + amount).collect();
            befores.extend(more);
        }
        befores.retain(|b| *b >= all);
        befores.sort();
        befores.dedup();
        Some(befores)
    };
    let recent = others
        .iter()
        .filter(|o| o.applied_by_ms.saturating_add(lag_ms) > read_at_ms)
        .map(|o| o.amount)
        .collect();
    match possible(recent)? {
        befores if !befores.is_empty() => Some(befores),
        _ => possible(others.iter().map(|o| o.amount).collect()),
    }
}

fn lease_running(entry: &Entry, until_ms: i64) -> Settled {
    Settled {
        eligible_at_ms: Some(until_ms),
        ..line(
            entry,
            entry.state,
            format!(
                "its lease runs until {}: its writer may still be sending it; recover after that",
                crate::schema::rfc3339(until_ms)
            ),
        )
    }
}

/// A refund the payment shows on record without its amount, confirmed by the provider's
/// refund status: succeeded or pending is this refund, applied; failed, or none found, is left
/// unknown with why (PayG's "failed" is not documented as nothing refunded).
async fn confirm_refund(
    gateway: &dyn PaymentGateway,
    order_id: &OrderId,
    reason: String,
) -> (EntryState, String, serde_json::Value) {
    match gateway
        .refund_status(&RefundStatusRequest::new(order_id.clone()))
        .await
    {
        Ok(refund) => {
            let id = refund.refund_id.as_deref().unwrap_or("without an id");
            let evidence = json!({
                "refund_id": refund.refund_id,
                "status": refund.status.as_str(),
                "provider_status": refund.provider_status,
            });
            match refund.status {
                RefundStatus::Succeeded | RefundStatus::Pending => (
                    EntryState::Applied,
                    format!("{reason}; its refund {id} is {}", refund.status),
                    evidence,
                ),
                other => (
                    EntryState::Unknown,
                    format!(
                        "{reason}, but its refund {id} reads {other} ({}), which does not say whether money went back: check with the provider, then resolve it by hand",
                        refund.provider_status
                    ),
                    evidence,
                ),
            }
        }
        Err(e) => (
            EntryState::Unknown,
            format!("{reason}, but its refund status could not be read: {e}"),
            json!({ "error": e.to_string() }),
        ),
    }
}

/// Waits for this account's next read slot.
async fn pace(
    pacers: &mut Vec<(String, tokio::time::Interval)>,
    entry: &Entry,
    gateway: &dyn PaymentGateway,
    options: &RecoveryOptions,
) {
    let index = match pacers
        .iter()
        .position(|(account, _)| *account == entry.account)
    {
        Some(index) => index,
        None => {
            let rate = options
                .reads_per_second
                .or_else(|| gateway.status_read_rate_limit())
                .unwrap_or(UNPUBLISHED_RATE)
                .max(1);
            let mut interval = tokio::time::interval(Duration::from_secs(1) / rate);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            pacers.push((entry.account.clone(), interval));
            pacers.len() - 1
        }
    };
    if let Some((_, interval)) = pacers.get_mut(index) {
        interval.tick().await;
    }
}

/// A pending write whose baseline was never recorded was never sent.
fn never_sent(entry: &Entry) -> bool {
    entry.state == EntryState::Pending && entry.baseline.is_none()
}

fn decimal(text: Option<&str>) -> Option<Decimal> {
    text.and_then(|t| t.parse::<Decimal>().ok())
}

/// The baseline and the payment as read: what a decision rests on.
pub(crate) fn evidence_of(entry: &Entry, payment: &Payment) -> serde_json::Value {
    json!({
        "baseline": entry.baseline,
        "payment": {
            "status": payment.status.as_str(),
            "provider_status": payment.provider_status,
            "amount": payment.amount.map(|m| m.format_amount()),
            "refunded": payment.refunded_amount.map(|m| m.format_amount()),
        },
    })
}

/// What the payment, read now, says of the entry's write (`others`: the journal's other
/// refunds on the order that took effect; `lag`: how soon the provider's figure shows a
/// refund).
fn decide(
    entry: &Entry,
    read: &Result<Payment, Error>,
    others: &[OtherRefund],
    lag: std::time::Duration,
) -> (EntryState, String) {
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
        WriteOperation::Refund => {
            let befores = match decimal(baseline.refunded.as_deref()) {
                Some(refunded) => refunded_befores(entry, refunded, others, lag),
                None => Some(vec![Decimal::ZERO]),
            };
            match befores {
                Some(befores) => decide_refund(entry, &befores, &before, payment),
                None => (
                    EntryState::Ambiguous,
                    format!(
                        "more than {MOST_REFUNDS_MISSING} of the journal's refunds on the order may not have shown in the baseline"
                    ),
                ),
            }
        }
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
        // A released pre-authorization reads as cancelled at PayWay (code 7), voided
        // elsewhere: either is this void, since no journaled write moved the order from its
        // baseline (read at most `plan_fresh_for` before the claim) to now.
        WriteOperation::Void => match now {
            PaymentStatus::Voided | PaymentStatus::Cancelled => {
                (EntryState::Applied, format!("the payment is {now}"))
            }
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

/// How long after a write's lease has ended a refund it made surely shows in the provider's
/// list: the lease's margin already covers a provider still applying it, and PayWay's
/// transaction-detail shows a transaction about 5 s late; three times that.
const HISTORY_SETTLES_MS: i64 = 15_000;

/// The slack either side of a write's time for the provider's clock against the journal's
/// (PayWay dates to the second, in UTC+7).
const CLOCK_SLACK_MS: i64 = 120_000;

/// An entry ambiguous by the figures, weighed against the refunds the provider lists. The
/// list must be whole — its refunds add up to the refunded figure just read — or nothing is
/// decided from it (a list that lags, or names a refund otherwise, stays unknown). Set aside
/// one listed refund for each of the journal's other refunds on the order that took effect
/// (`others`, by amount); of the rest dated within the attempt's time (from its claim to its
/// lease's end, [`CLOCK_SLACK_MS`] either side), none of this refund's amount → **not
/// applied**; exactly one → **applied** (the figure's other growth is refunds at other times
/// or of other amounts); more → still **ambiguous**. Like the figures, this cannot tell this
/// refund from one made outside the journal, during the attempt, of the very same amount (see
/// docs/reliability.md). A provider that keeps no list leaves it ambiguous; too soon after
/// the lease ended, or with the list unreadable, it stays unknown for the next recovery.
async fn weigh_refund_history(
    gateway: &dyn PaymentGateway,
    entry: &Entry,
    now_ms: i64,
    payment: &Payment,
    others: &[Decimal],
    reason: String,
) -> (EntryState, String, Option<serde_json::Value>) {
    let listed = match gateway.refund_history(&payment.order_id).await {
        Ok(Some(listed)) => listed,
        Ok(None) => return (EntryState::Ambiguous, reason, None),
        Err(e) => {
            return (
                EntryState::Unknown,
                format!("{reason}; its list of refunds could not be read: {e}"),
                None,
            );
        }
    };
    // Whether the provider keeps a list is known only by asking: a provider without one
    // leaves the entry ambiguous at once, never waiting.
    let settles_at = entry.lease_until_ms.saturating_add(HISTORY_SETTLES_MS);
    if now_ms < settles_at {
        return (
            EntryState::Unknown,
            format!(
                "{reason}; the provider's list of refunds may not show it yet: recover again after {}",
                crate::schema::rfc3339(settles_at)
            ),
            None,
        );
    }
    let shown = serde_json::to_value(&listed).ok();
    let (Some(amount), Some(refunded)) =
        (decimal(entry.amount.as_deref()), payment.refunded_amount)
    else {
        return (EntryState::Ambiguous, reason, shown);
    };
    let currency = refunded.currency();
    if entry.currency.as_deref() != Some(currency.code())
        || listed.iter().any(|r| r.amount.currency() != currency)
    {
        return (
            EntryState::Ambiguous,
            format!("{reason}; the provider lists refunds in another currency"),
            shown,
        );
    }
    let listed_total: Decimal = listed.iter().map(|r| r.amount.amount()).sum();
    if listed_total != refunded.amount() {
        return (
            EntryState::Unknown,
            format!(
                "{reason}; the provider's list of refunds adds up to {listed_total}, not the {} refunded: it is not whole yet; recover again later",
                refunded.amount()
            ),
            shown,
        );
    }
    // The journal's own other refunds, each set aside with one listed refund of its amount.
    let mut rest: Vec<_> = listed.iter().collect();
    for other in others {
        if let Some(at) = rest.iter().position(|r| r.amount.amount() == *other) {
            rest.remove(at);
        }
    }
    let from_ms = attempt_began_ms(entry).saturating_sub(CLOCK_SLACK_MS);
    let to_ms = entry.lease_until_ms.saturating_add(CLOCK_SLACK_MS);
    let in_time: Vec<_> = rest
        .iter()
        .filter(|r| {
            let at_ms = i64::try_from(r.at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
            (from_ms..=to_ms).contains(&at_ms)
        })
        .collect();
    let of_this_amount = in_time
        .iter()
        .filter(|r| r.amount.amount() == amount)
        .count();
    let window = format!(
        "between {} and {}",
        crate::schema::rfc3339(from_ms),
        crate::schema::rfc3339(to_ms)
    );
    let (state, verdict) = match of_this_amount {
        0 => (
            EntryState::NotApplied,
            format!(
                "the provider lists no refund of {amount} {window} but the journal's own ({} listed then, {} in all)",
                in_time.len(),
                listed.len()
            ),
        ),
        1 => (
            EntryState::Applied,
            format!(
                "the provider lists one refund of {amount} {window} besides the journal's own: this one; the rest of the move is refunds at other times or of other amounts"
            ),
        ),
        n => (
            EntryState::Ambiguous,
            format!("the provider lists {n} refunds of {amount} {window}"),
        ),
    };
    (state, format!("{reason}; {verdict}"), shown)
}

/// A refund is applied when the refunded amount grew by exactly its amount, and not applied
/// when it did not grow, from what it was just before (`befores`: each possible figure, see
/// [`refunded_befores`]; only what every one of them gives is decided). Any other growth is
/// **ambiguous**: another refund (outside the journal) explains it at least in part, and
/// figures cannot say which. Where a refunded payment has no figure (Finpay's and PayG's
/// partial refunds), a move from paid to refunded since the baseline (the journal held the
/// order since, or since at most `plan_fresh_for` before) is this refund (its refund status
/// confirms it: [`confirm_refund`]); refunds after a first one are refused before sending
/// there, so no later refund needs telling apart.
fn decide_refund(
    entry: &Entry,
    befores: &[Decimal],
    before: &PaymentStatus,
    payment: &Payment,
) -> (EntryState, String) {
    let amount = decimal(entry.amount.as_deref());
    let refunded_now = payment.refunded_amount.map(|m| m.amount());
    match (refunded_now, amount) {
        (Some(now), Some(amount)) => {
            let verdict = |before: Decimal| {
                if now == before + amount {
                    EntryState::Applied
                } else if now == before {
                    EntryState::NotApplied
                } else {
                    EntryState::Ambiguous
                }
            };
            // A "before" above the figure now is impossible: a refunded figure never shrinks.
            let possible: Vec<Decimal> = befores.iter().copied().filter(|b| *b <= now).collect();
            let Some(lowest) = befores.first() else {
                return (EntryState::Unknown, "nothing to compare with".into());
            };
            if possible.is_empty() {
                return (
                    EntryState::Ambiguous,
                    format!(
                        "refunded is {now}, less than the {lowest} it was before this refund: the provider's figure does not add up"
                    ),
                );
            }
            let befores = possible;
            let verdicts: Vec<EntryState> = befores.iter().map(|b| verdict(*b)).collect();
            let agreed = verdicts
                .first()
                .filter(|first| verdicts.iter().all(|v| v == *first));
            match (agreed, befores.as_slice()) {
                (Some(EntryState::Applied), [before, ..]) => (
                    EntryState::Applied,
                    format!("refunded went from {before} to {now}"),
                ),
                (Some(EntryState::NotApplied), _) => {
                    (EntryState::NotApplied, format!("refunded is still {now}"))
                }
                (Some(_), [before, ..]) => (
                    EntryState::Ambiguous,
                    format!(
                        "refunded went from {before} to {now}, and this refund is {amount}: another refund explains the difference"
                    ),
                ),
                _ => (
                    EntryState::Ambiguous,
                    format!(
                        "refunded is {now} and this refund is {amount}, but it was {} just before: some of the journal's refunds settled so shortly before this one's baseline was read that the provider may not have shown them yet",
                        befores
                            .iter()
                            .map(Decimal::to_string)
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                ),
            }
        }
        _ => match (&payment.status, before) {
            // Partially refunded after a refund of all of the amount: another refund, of
            // a part, explains it at least as well.
            (PaymentStatus::PartiallyRefunded, PaymentStatus::Paid)
                if amount.is_some() && amount == payment.amount.map(|m| m.amount()) =>
            {
                (
                    EntryState::Ambiguous,
                    format!(
                        "the payment went from paid to partially refunded, and this refund is all of it ({}): another refund explains it",
                        entry.amount.as_deref().unwrap_or("?")
                    ),
                )
            }
            (PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded, PaymentStatus::Paid) => (
                EntryState::Applied,
                format!("the payment went from paid to {}", payment.status),
            ),
            (now, _) => (
                EntryState::Unknown,
                format!(
                    "the provider reports no refunded amount and the payment is {now}: check its refunds, then resolve it by hand"
                ),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use paygate_core::{
        AccountId, Capabilities, RawResponse, Refund, RefundStatus, RefundStatusRequest, Result,
        Url, async_trait,
    };

    use super::*;

    /// A provider whose refund status answers `status` (or no refund at all).
    #[derive(Debug)]
    struct RefundOnRecord(Option<RefundStatus>);

    #[async_trait]
    impl PaymentGateway for RefundOnRecord {
        fn provider(&self) -> &'static str {
            "test"
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities::of(&[Capability::RefundStatus])
        }
        fn account(&self) -> AccountId {
            AccountId::new("test", &Url::parse("https://test.example").unwrap(), "m1")
        }
        async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
            match &self.0 {
                Some(status) => {
                    let mut refund = Refund::new(
                        "test",
                        request.order_id.clone(),
                        status.clone(),
                        "word",
                        RawResponse::default(),
                    );
                    refund.refund_id = Some("72260357".into());
                    Ok(refund)
                }
                None => Err(paygate_core::ProviderError::no_refund(
                    "test",
                    request.order_id.as_str(),
                    "none",
                )
                .into()),
            }
        }
    }

    /// Finding 4's PayG half: a refund on record (no amount) is this entry's, applied, only
    /// when the provider's refund status says it went through; "failed" (PayG's 2) or no
    /// refund found leave it unknown, for an operator.
    #[tokio::test]
    async fn a_refund_on_record_is_applied_only_when_its_status_says_it_went_through() {
        let id = OrderId::new("A1").unwrap();
        for (status, expected) in [
            (Some(RefundStatus::Succeeded), EntryState::Applied),
            (Some(RefundStatus::Pending), EntryState::Applied),
            (Some(RefundStatus::Failed), EntryState::Unknown),
            (Some(RefundStatus::Unknown("9".into())), EntryState::Unknown),
            (None, EntryState::Unknown),
        ] {
            let gateway = RefundOnRecord(status.clone());
            let (state, reason, evidence) =
                confirm_refund(&gateway, &id, "paid → refunded".into()).await;
            assert_eq!(state, expected, "{status:?}: {reason}");
            assert!(reason.starts_with("paid → refunded"), "{reason}");
            assert!(evidence.is_object(), "{evidence}");
        }
    }

    /// A provider that lists these refunds (or keeps no list).
    #[derive(Debug)]
    struct ListsRefunds(Option<Vec<paygate_core::RefundRecord>>);

    #[async_trait]
    impl PaymentGateway for ListsRefunds {
        fn provider(&self) -> &'static str {
            "test"
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities::NONE
        }
        fn account(&self) -> AccountId {
            AccountId::new("test", &Url::parse("https://test.example").unwrap(), "m1")
        }
        async fn refund_history(
            &self,
            _order_id: &OrderId,
        ) -> Result<Option<Vec<paygate_core::RefundRecord>>> {
            Ok(self.0.clone())
        }
    }

    /// PayWay's evidence: an entry the figures leave ambiguous is weighed against the refunds
    /// the provider lists within the attempt's time (its claim to its lease's end, two
    /// minutes either side): none of its amount → not applied; one → applied; two →
    /// ambiguous; a list read within 15 s of the lease's end → unknown, for later.
    #[tokio::test]
    async fn a_refund_the_figures_leave_ambiguous_is_weighed_against_the_listed_refunds() {
        const CLAIMED_MS: i64 = 1_800_000_000_000;
        let entry = unknown_refund("2.00", CLAIMED_MS, None);
        let usd =
            |text: &str| paygate_core::Money::parse(text, paygate_core::Currency::USD).unwrap();
        let at = |offset_s: i64| {
            paygate_core::time::OffsetDateTime::from_unix_timestamp(CLAIMED_MS / 1000 + offset_s)
                .unwrap()
        };
        let refund = |amount: &str, offset_s: i64| {
            paygate_core::RefundRecord::new(usd(amount), at(offset_s))
        };
        let late = entry.lease_until_ms + 16_000;
        let paid = |refunded: &str| {
            let mut payment = Payment::new(
                "test",
                OrderId::new("A1").unwrap(),
                PaymentStatus::PartiallyRefunded,
                "word",
                RawResponse::default(),
            );
            payment.amount = Some(usd("10.00"));
            payment.refunded_amount = Some(usd(refunded));
            payment
        };
        let two = Decimal::new(200, 2);
        #[rustfmt::skip]
        let cases = [
            ("this refund, and one an hour later", Some(vec![refund("2.00", 1), refund("1.00", 3_600)]), "3.00", vec![], late, EntryState::Applied),
            ("only another amount", Some(vec![refund("1.00", 10)]), "1.00", vec![], late, EntryState::NotApplied),
            ("its amount, but an hour before", Some(vec![refund("2.00", -3_600)]), "2.00", vec![], late, EntryState::NotApplied),
            ("its amount twice", Some(vec![refund("2.00", 1), refund("2.00", 20)]), "4.00", vec![], late, EntryState::Ambiguous),
            ("the journal's own earlier refund of its amount", Some(vec![refund("2.00", -30), refund("1.00", 40)]), "3.00", vec![two], late, EntryState::NotApplied),
            ("a list that does not add up to the figure", Some(vec![refund("2.00", 1)]), "3.00", vec![], late, EntryState::Unknown),
            ("read too soon", Some(vec![refund("2.00", 1)]), "2.00", vec![], entry.lease_until_ms + 10_000, EntryState::Unknown),
            ("no list kept", None, "3.00", vec![], late, EntryState::Ambiguous),
            ("no list kept, just after the lease", None, "3.00", vec![], entry.lease_until_ms + 1_000, EntryState::Ambiguous),
        ];
        for (what, listed, refunded, others, now, expected) in cases {
            let gateway = ListsRefunds(listed);
            let (state, reason, _) = weigh_refund_history(
                &gateway,
                &entry,
                now,
                &paid(refunded),
                &others,
                "figures".into(),
            )
            .await;
            assert_eq!(state, expected, "{what}: {reason}");
            assert!(reason.starts_with("figures"), "{reason}");
        }
    }

    /// An unknown refund of `amount` USD whose attempt was claimed at `claimed_ms`, its
    /// baseline (refunded `refunded`) read at `claimed_ms`.
    fn unknown_refund(amount: &str, claimed_ms: i64, refunded: Option<&str>) -> Entry {
        Entry {
            account: "test m1@https://test.example".into(),
            key: "K1".into(),
            gateway: "test".into(),
            operation: WriteOperation::Refund,
            order_id: "A1".into(),
            amount: Some(amount.into()),
            currency: Some("USD".into()),
            fingerprint: String::new(),
            request: serde_json::Value::Null,
            baseline: refunded.map(|refunded| crate::entry::Baseline {
                status: "partially_refunded".into(),
                amount: Some("20.00".into()),
                refunded: Some(refunded.into()),
                read_at_ms: Some(claimed_ms),
            }),
            state: EntryState::Unknown,
            attempt: 1,
            result: None,
            detail: None,
            raw: None,
            lease_until_ms: claimed_ms + 85_000,
            holder: None,
            history: Vec::new(),
            created_at_ms: claimed_ms,
            updated_at_ms: claimed_ms,
        }
    }

    /// The million-schedule simulation's schedule 359871, as a writer that read its baseline
    /// at once would leave it: a baseline showing a refund of 9.00 made outside the journal,
    /// and another journaled refund of 3.00 applied a second before it was read, which a
    /// figure lagging by up to 5 s may not show. Refunded 9.00 → 12.00 is this refund of 3.00,
    /// or that one shown late: ambiguous, never applied, never not applied. Applied long
    /// enough before, or with nothing refunded outside the journal, the journal's refunds are
    /// surely in the baseline, and it decides.
    #[test]
    fn a_refund_applied_just_before_the_baseline_was_read_may_be_missing_from_it() {
        let claimed = 1_800_000_000_000;
        let lag = std::time::Duration::from_secs(5);
        let d = |text: &str| text.parse::<Decimal>().unwrap();
        let other = |amount: &str, before_ms: i64| OtherRefund {
            amount: d(amount),
            applied_by_ms: claimed - before_ms,
        };
        let entry = unknown_refund("3.00", claimed, Some("9.00"));
        let befores = |others: &[OtherRefund]| refunded_befores(&entry, d("9.00"), others, lag);
        assert_eq!(
            befores(&[other("3.00", 1_000)]),
            Some(vec![d("9.00"), d("12.00")])
        );
        assert_eq!(befores(&[other("3.00", 6_000)]), Some(vec![d("9.00")]));
        // Short of the journal's own refunds, the baseline lacks one of them at least.
        assert_eq!(
            refunded_befores(&entry, d("0.00"), &[other("3.00", 1_000)], lag),
            Some(vec![d("3.00")])
        );
        let mut payment = Payment::new(
            "test",
            OrderId::new("A1").unwrap(),
            PaymentStatus::PartiallyRefunded,
            "word",
            RawResponse::default(),
        );
        let decided = |befores: &[Decimal], payment: &Payment| {
            decide_refund(&entry, befores, &PaymentStatus::PartiallyRefunded, payment)
        };
        for (now, unsure, sure) in [
            ("12.00", EntryState::Ambiguous, EntryState::Applied),
            ("15.00", EntryState::Ambiguous, EntryState::Ambiguous),
            // 12.00 before is impossible: a figure never shrinks.
            ("9.00", EntryState::NotApplied, EntryState::NotApplied),
        ] {
            payment.refunded_amount =
                Some(paygate_core::Money::parse(now, paygate_core::Currency::USD).unwrap());
            let (state, reason) = decided(&[d("9.00"), d("12.00")], &payment);
            assert_eq!(state, unsure, "{now}: {reason}");
            let (state, reason) = decided(&[d("9.00")], &payment);
            assert_eq!(state, sure, "{now}: {reason}");
        }
    }
}
