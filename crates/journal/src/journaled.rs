//! [`Journaled`]: any gateway, with every write journaled.

use std::sync::Arc;
use std::time::Duration;

use paygate_core::pipeline::{self, Checked, KeyRecord, WriteMark, WriteRequest};
use paygate_core::{
    Error, JournalError, JournalErrorKind, Money, OrderId, Payment, PaymentGateway, Result,
    TransportCause, TransportError, TransportFailure,
};

use crate::entry::{
    Baseline, Begun, Entry, EntryState, Finished, Intent, JournalFailure, Outcome, ReadyAtClaim,
    WriteOperation,
};
use crate::store::WriteJournal;
use crate::writes::Recordable;
// tokio's clock, which a paused runtime (a simulation) drives: the wait for an order is
// measured in the time the sleeps between its looks take.
use tokio::time::Instant;

/// How a journaled gateway waits for an order another write holds, and how long its claims
/// last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct JournalSettings {
    /// How long a write waits for another write on the same order to end before it is
    /// refused as in progress (0: at once).
    pub wait_for_order: Duration,
    /// How often it looks again while waiting.
    pub poll_every: Duration,
    /// How long a claim lasts: at least the write's whole deadline (the read before it with
    /// its retries, the wait for a connection, the send and its answer) plus
    /// [`JournalSettings::lease_margin`]. The write is cut off (outcome unknown) when only
    /// the margin is left, and recovery leaves the entry alone until the lease has run out.
    /// Default 85 s: the default read budget (30 s), connect (10 s) and total (30 s)
    /// timeouts, 10 s for a connection slot, and the margin.
    pub lease: Duration,
    /// The part of the lease kept free after the send is cut off: time to record the answer,
    /// and for a provider still working on a request whose answer we stopped waiting for.
    /// Default 5 s.
    pub lease_margin: Duration,
    /// How long a plan's payment stays the write's baseline (see [`Journaled`]): a plan
    /// older than this when its order is claimed — one that waited for a person's yes — is
    /// checked again against a fresh read. Default 2 s: a write made outside the journal
    /// in that window, which no mark shows, would be read as this one by recovery.
    pub plan_fresh_for: Duration,
}

impl Default for JournalSettings {
    fn default() -> Self {
        JournalSettings {
            wait_for_order: Duration::from_secs(5),
            poll_every: Duration::from_millis(50),
            lease: Duration::from_secs(85),
            lease_margin: Duration::from_secs(5),
            plan_fresh_for: Duration::from_secs(2),
        }
    }
}

impl JournalSettings {
    /// Sets how long a write waits for an order another write holds.
    pub fn wait_for_order(mut self, wait: Duration) -> Self {
        self.wait_for_order = wait;
        self
    }

    /// Sets how long a plan's payment stays the baseline.
    pub fn plan_fresh_for(mut self, fresh_for: Duration) -> Self {
        self.plan_fresh_for = fresh_for;
        self
    }

    /// Sets the lease from the write's whole deadline: the lease is `deadline` plus the
    /// margin.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.lease = deadline.saturating_add(self.lease_margin);
        self
    }

    /// Sets the margin (see [`JournalSettings::lease_margin`]), keeping the deadline.
    pub fn lease_margin(mut self, margin: Duration) -> Self {
        let deadline = self.lease.saturating_sub(self.lease_margin);
        self.lease_margin = margin;
        self.lease = deadline.saturating_add(margin);
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
/// A write arrives planned ([`paygate_core::pipeline`]): checked against the payment read
/// (or handed over) when it was planned. The claim of its order records that payment, in
/// the same transaction, as the baseline recovery compares with, and the write is sent with
/// no second read — unless the journal's mark of the order moved since the plan (another
/// journaled write on it settled or began), the plan is older than
/// [`JournalSettings::plan_fresh_for`], its payment was handed over (read before the mark),
/// its key was already on record, or the write takes over its own earlier attempt: then the
/// payment is read again and the write checked again, and a check that now fails sends
/// nothing.
///
/// Entries belong to the gateway's provider account
/// ([`PaymentGateway::account`](paygate_core::PaymentGateway::account)), not to its name:
/// two gateways on one account share keys and claims, two accounts never do. Each claim is a
/// lease ([`JournalSettings::lease`]); nothing is sent once it has run out.
#[derive(Clone)]
pub struct Journaled {
    pub(crate) name: String,
    pub(crate) account: String,
    pub(crate) inner: Arc<dyn PaymentGateway>,
    pub(crate) journal: Arc<dyn WriteJournal>,
    pub(crate) settings: JournalSettings,
}

impl std::fmt::Debug for Journaled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journaled")
            .field("name", &self.name)
            .field("account", &self.account)
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

/// What [`Journaled::take_over`] found.
enum TakeOver {
    /// Reopened: send as this attempt, under the lease it was claimed with; the order's
    /// other entries as the claim saw them.
    Send(u32, i64, Vec<Entry>),
    /// Settled otherwise: answer from this entry.
    Answer(Box<Entry>),
    /// Not yet: its lease runs until then (or its order is held).
    Wait(Option<i64>),
}

/// What the gateway's answer means for the journal.
enum Ended<T> {
    Recorded(Result<T>, Outcome),
    /// Stopped before anything was sent: the entry is dropped (or, on a retry, set back).
    NotSent(Error),
}

/// A key for a write given none: `auto-`, the time and 64 random bits. Without randomness
/// there is no key that cannot collide with another's: the write is refused, never keyed by
/// the time alone.
fn auto_key(operation: WriteOperation, order_id: &OrderId) -> Result<String> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| {
        Error::from(JournalError::new(
            JournalErrorKind::Unavailable,
            operation.operation(),
            order_id.as_str(),
            None,
            format!("no randomness to make a journal key ({e}); give one; nothing was sent"),
        ))
    })?;
    Ok(format!(
        "auto-{}-{}",
        crate::schema::now_ms(),
        paygate_core::signing::to_hex(&bytes)
    ))
}

impl Write {
    /// A write under the caller's `key`, or one made for it (see [`Journaled`]).
    pub(crate) fn new(
        operation: WriteOperation,
        key: Option<&str>,
        order_id: &OrderId,
        amount: Option<Money>,
        request: serde_json::Value,
    ) -> Result<Write> {
        let key = match key {
            Some(key) => key.to_owned(),
            None => auto_key(operation, order_id)?,
        };
        Ok(Write {
            operation,
            key,
            order_id: order_id.clone(),
            amount,
            request,
        })
    }
}

/// The baseline of a write: `payment`, read at `read_at_ms` (the journal's clock).
fn baseline_of(payment: &Payment, read_at_ms: i64) -> Baseline {
    Baseline {
        status: payment.status.as_str().to_owned(),
        amount: payment.amount.map(|m| m.format_amount()),
        refunded: payment.refunded_amount.map(|m| m.format_amount()),
        read_at_ms: Some(read_at_ms),
    }
}

/// What [`order_look`] sees of an order.
struct OrderLook {
    mark: WriteMark,
    /// By when the last of the order's other refunds that may have taken effect was applied
    /// ([`Entry::applied_by_ms`]).
    refund_settled_ms: Option<i64>,
}

/// The order's entries other than `own_key`'s as [`Journaled::order_mark`] sees them: their
/// mark, what `own_key` holds, and by when the last of their refunds that may have taken
/// effect was applied.
fn order_look(
    account: &str,
    order_id: &str,
    entries: &[Entry],
    own_key: Option<&str>,
) -> OrderLook {
    let mut recorded = None;
    let mut refund_settled_ms = None;
    for entry in entries {
        if Some(entry.key.as_str()) == own_key {
            let answered = matches!(entry.state, EntryState::Succeeded | EntryState::Applied);
            let may_have_applied =
                answered || matches!(entry.state, EntryState::Pending | EntryState::Unknown);
            recorded = Some(KeyRecord::new(
                entry.state.as_str(),
                answered,
                may_have_applied,
            ));
        } else if entry.operation == WriteOperation::Refund
            && !matches!(entry.state, EntryState::NotApplied | EntryState::Refused)
        {
            refund_settled_ms = refund_settled_ms.max(Some(entry.applied_by_ms()));
        }
    }
    let others = entries
        .iter()
        .filter(|entry| Some(entry.key.as_str()) != own_key);
    OrderLook {
        mark: WriteMark::new(
            crate::entry::order_mark(account, order_id, others),
            recorded,
        ),
        refund_settled_ms,
    }
}

/// An attempt whose order this caller has claimed.
#[derive(Clone)]
pub(crate) struct Held {
    pub(crate) attempt: u32,
    pub(crate) lease_until_ms: i64,
    /// When it was claimed, on the journal's clock.
    pub(crate) claimed_at_ms: i64,
    /// The order's other entries as the claim saw them.
    pub(crate) others: Vec<Entry>,
}

/// A planned write whose read may serve as its baseline at the claim ([`ReadyAtClaim`]).
pub(crate) struct Planned<X> {
    pub(crate) ready: ReadyAtClaim,
    /// What is sent when the claim records the baseline.
    pub(crate) sendable: X,
    /// Past this, the plan is too old to be the baseline ([`JournalSettings::plan_fresh_for`]).
    pub(crate) fresh_until: Instant,
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

/// The write's lease ran out before it could be sent.
fn lease_expired(write: &Write, settings: &JournalSettings) -> Error {
    stopped(
        write,
        JournalErrorKind::LeaseExpired,
        format!(
            "its lease ({} s) ran out before it could be sent; nothing was sent",
            settings.lease.as_secs()
        ),
    )
}

/// The send was cut off as its lease was about to run out: it may have been applied.
fn cut_off(provider: &'static str, write: &Write, budget: Duration) -> Error {
    Error::from(TransportError::from_failure(
        provider,
        write.operation.operation(),
        TransportFailure::outcome_unknown(
            TransportCause::Timeout,
            format!(
                "no answer within the {} ms its journal lease left",
                budget.as_millis()
            ),
        ),
        1,
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
    /// The mark of `order_id`'s journaled writes other than `own_key`'s: their keys, states,
    /// attempts, leases and last changes, hashed with the account and order. It moves
    /// whenever one of them begins, settles or is taken again. With it, when it was taken,
    /// what `own_key` holds, and how long until the provider surely shows the order's last
    /// refund.
    pub(crate) async fn order_mark(
        &self,
        order_id: &str,
        own_key: Option<&str>,
    ) -> Result<WriteMark, JournalFailure> {
        let (entries, now) = self.journal.order_entries(&self.account, order_id).await?;
        let look = order_look(&self.account, order_id, &entries, own_key);
        let mark = look.mark.looked_at_ms(now);
        let Some(applied_by_ms) = look.refund_settled_ms else {
            return Ok(mark);
        };
        let lag = crate::schema::millis(self.inner.write_rules().refunds_show_within);
        // Never longer than the lag: a journal clock stepped back must not hold a write.
        let wait = applied_by_ms
            .saturating_add(lag)
            .saturating_sub(now)
            .min(lag);
        Ok(mark.refunds_show_in(Duration::from_millis(u64::try_from(wait).unwrap_or(0))))
    }

    /// Whether a plan's read may be its baseline at the claim: a plan with a mark and a
    /// read time, for a key not on record, its payment read (not handed over) and not older
    /// than [`JournalSettings::plan_fresh_for`]. The claim then records it if the order's
    /// mark has not moved.
    pub(crate) fn planned<R: WriteRequest>(
        &self,
        checked: &Checked<R>,
    ) -> Option<Planned<Checked<R>>> {
        let fresh_for = self.settings.plan_fresh_for.checked_sub(checked.age())?;
        if checked.recorded().is_some() || checked.payment_was_handed_over() {
            return None;
        }
        let mark = checked.journal_mark()?;
        let read_at_ms = checked.read_not_before_ms()?;
        Some(Planned {
            ready: ReadyAtClaim {
                baseline: baseline_of(checked.payment(), read_at_ms),
                if_order_mark: Some(mark),
            },
            sendable: checked.clone(),
            fresh_until: Instant::now() + fresh_for,
        })
    }

    /// What a claimed write whose plan could not be its baseline is checked against: a fresh
    /// read, once the order's earlier refunds surely show, against which the write is
    /// checked again.
    pub(crate) async fn current_plan<R: WriteRequest>(
        &self,
        write: &Write,
        checked: &Checked<R>,
        held: Held,
    ) -> Result<(Baseline, Checked<R>)> {
        let read_at_ms = self.wait_until_refunds_show(write, &held).await;
        let payment = self.inner.payment_status(&write.order_id).await?;
        let current = checked.replanned(self.inner.as_ref(), payment)?;
        Ok((baseline_of(current.payment(), read_at_ms), current))
    }

    /// A write sent again under its key (a retry), planned now that its order is claimed:
    /// one read, once earlier refunds surely show, and the checks.
    pub(crate) async fn plan_claimed<R: WriteRequest>(
        &self,
        write: &Write,
        request: &R,
        held: &Held,
    ) -> Result<(Baseline, Checked<R>)> {
        let read_at_ms = self.wait_until_refunds_show(write, held).await;
        let checked = pipeline::plan(self.inner.as_ref(), request).await?;
        Ok((baseline_of(checked.payment(), read_at_ms), checked))
    }

    /// For a refund, when the provider's refunded figure surely shows the order's earlier
    /// journaled refunds (`others`, [`paygate_core::WriteRules::refunds_show_within`] after
    /// the last was applied). A baseline read before then may lack one, and recovery could
    /// take that refund, shown later, for this one.
    fn refunds_show_from_ms(&self, write: &Write, others: &[Entry]) -> Option<i64> {
        if write.operation != WriteOperation::Refund {
            return None;
        }
        let lag = crate::schema::millis(self.inner.write_rules().refunds_show_within);
        order_look(&self.account, write.order_id.as_str(), others, None)
            .refund_settled_ms
            .map(|at| at.saturating_add(lag))
    }

    /// Waits, once the order is claimed, until the provider surely shows its earlier
    /// refunds; gives when the read that follows begins, at the earliest, on the journal's
    /// clock.
    async fn wait_until_refunds_show(&self, write: &Write, held: &Held) -> i64 {
        match self.refunds_show_from_ms(write, &held.others) {
            Some(from) if from > held.claimed_at_ms => {
                // Never longer than the lag: a journal clock stepped back must not hold the
                // order for the whole lease.
                let lag = self.inner.write_rules().refunds_show_within;
                let wait = u64::try_from(from - held.claimed_at_ms)
                    .unwrap_or(0)
                    .min(u64::try_from(lag.as_millis()).unwrap_or(u64::MAX));
                tokio::time::sleep(Duration::from_millis(wait)).await;
                held.claimed_at_ms
                    .saturating_add(i64::try_from(wait).unwrap_or(i64::MAX))
            }
            _ => held.claimed_at_ms,
        }
    }

    /// `inner`, registered as `name`, journaled in `journal`.
    pub fn new(
        name: impl Into<String>,
        inner: Arc<dyn PaymentGateway>,
        journal: Arc<dyn WriteJournal>,
    ) -> Journaled {
        Journaled {
            name: name.into(),
            account: inner.account().fingerprint(),
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

    /// The provider account its entries belong to ([`paygate_core::AccountId::fingerprint`]).
    pub fn account(&self) -> &str {
        &self.account
    }

    /// Its settings.
    pub fn settings(&self) -> &JournalSettings {
        &self.settings
    }

    /// The journal.
    pub fn journal(&self) -> &Arc<dyn WriteJournal> {
        &self.journal
    }

    /// When a claim lasting until `lease_until_ms` was made, on the journal's clock: the
    /// journal leases for [`JournalSettings::lease`] from its now.
    pub(crate) fn claimed_at_ms(&self, lease_until_ms: i64) -> i64 {
        lease_until_ms.saturating_sub(crate::schema::millis(self.settings.lease))
    }

    /// The gateway it wraps.
    pub fn inner(&self) -> &Arc<dyn PaymentGateway> {
        &self.inner
    }

    /// Claims the key and the order (waiting within the settings' bound), then sends.
    /// `planned`, when the plan's read may be the baseline, is offered to the claim: if the
    /// claim records it, its sendable is sent at once. Otherwise `prepare` gives the baseline
    /// and what `send` sends, once the order is claimed.
    pub(crate) async fn journaled<T, X, P, PF, S, SF>(
        &self,
        write: &Write,
        planned: Option<Planned<X>>,
        prepare: P,
        send: S,
        replay: fn(&'static str, &Entry) -> Option<T>,
    ) -> Result<T>
    where
        T: Recordable,
        P: FnOnce(Held) -> PF,
        PF: std::future::Future<Output = Result<(Baseline, X)>>,
        S: FnOnce(X) -> SF,
        SF: std::future::Future<Output = Result<T>>,
    {
        let amount = write.amount.map(|m| m.format_amount());
        let currency = write.amount.map(|m| m.currency().code().to_owned());
        let mut intent = Intent {
            account: self.account.clone(),
            key: write.key.clone(),
            gateway: self.name.clone(),
            operation: write.operation,
            order_id: write.order_id.as_str().to_owned(),
            fingerprint: Intent::fingerprint_of(
                write.operation,
                &self.account,
                write.order_id.as_str(),
                amount.as_deref(),
                currency.as_deref(),
            ),
            amount,
            currency,
            request: write.request.clone(),
            ready: None,
            lease: self.settings.lease,
        };
        let started = Instant::now();
        let (held, ready, begun_at) = loop {
            // A plan grown old while the order was busy is read again once claimed.
            intent.ready = planned
                .as_ref()
                .filter(|p| Instant::now() <= p.fresh_until)
                .map(|p| p.ready.clone());
            let begun_at = Instant::now();
            match self
                .journal
                .begin(&intent)
                .await
                .map_err(|e| unavailable(write, &e))?
            {
                Begun::Claimed {
                    attempt,
                    lease_until_ms,
                    ready,
                    others,
                } => {
                    let held = self.held(attempt, lease_until_ms, others);
                    break (held, ready, begun_at);
                }
                // The same write again, left unresolved (a crash, a lost answer) or found
                // not applied: settled now if its lease has ended, sent as its next attempt
                // if it was not applied; while another caller may still be sending it, waited
                // for within the bound.
                Begun::Recorded(entry)
                    if entry.fingerprint == intent.fingerprint
                        && write.operation != WriteOperation::CreatePayment
                        && matches!(
                            entry.state,
                            EntryState::Pending | EntryState::Unknown | EntryState::NotApplied
                        ) =>
                {
                    match self
                        .take_over(&entry)
                        .await
                        .map_err(|e| unavailable(write, &e))?
                    {
                        TakeOver::Send(attempt, lease_until_ms, others) => {
                            let held = self.held(attempt, lease_until_ms, others);
                            break (held, false, begun_at);
                        }
                        TakeOver::Answer(entry) => {
                            return self.answer_recorded(write, &intent, &entry, replay);
                        }
                        TakeOver::Wait(_) if started.elapsed() < self.settings.wait_for_order => {
                            tokio::time::sleep(self.settings.poll_every).await;
                        }
                        TakeOver::Wait(until) => {
                            return Err(stopped(
                                write,
                                JournalErrorKind::Unresolved,
                                match until {
                                    Some(until) => format!(
                                        "this key's write may still be on its way (its lease runs until {}): it may have been applied; ask again after that; nothing was sent",
                                        crate::schema::rfc3339(until)
                                    ),
                                    None => "this key's write holds its order; nothing was sent"
                                        .to_owned(),
                                },
                            ));
                        }
                    }
                }
                // The same key waiting for an earlier write on the same order: wait too.
                Begun::Recorded(entry)
                    if entry.state == EntryState::Pending
                        && entry.fingerprint == intent.fingerprint
                        && started.elapsed() < self.settings.wait_for_order =>
                {
                    tokio::time::sleep(self.settings.poll_every).await;
                }
                Begun::Recorded(entry) => {
                    return self.answer_recorded(write, &intent, &entry, replay);
                }
                Begun::OrderBusy { holder } => {
                    if started.elapsed() >= self.settings.wait_for_order {
                        return Err(stopped(
                            write,
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
        match planned.filter(|_| ready) {
            // The plan's read, recorded by the claim, still shows the order's earlier refunds,
            // and the claim did not wait so long that the plan grew old: send it as planned.
            // Its lease began no sooner than the claim was asked for.
            Some(planned)
                if Instant::now() <= planned.fresh_until
                    && self.plan_shows_refunds(write, &planned.ready.baseline, &held) =>
            {
                let left = self.settings.lease.saturating_sub(begun_at.elapsed());
                self.send_ready(write, &held, left, planned.sendable, send)
                    .await
            }
            // Recorded, but read before an earlier refund surely showed, or grown old while
            // the claim waited (the database busy): read again, and record that read instead
            // before sending (the recorded one, dated when it was read, misleads nobody
            // meanwhile).
            _ => {
                self.send_claimed(write, &held, || prepare(held.clone()), send)
                    .await
            }
        }
    }

    /// An attempt claimed until `lease_until_ms`, with the order's `others` as it saw them.
    pub(crate) fn held(&self, attempt: u32, lease_until_ms: i64, others: Vec<Entry>) -> Held {
        Held {
            attempt,
            lease_until_ms,
            claimed_at_ms: self.claimed_at_ms(lease_until_ms),
            others,
        }
    }

    /// Whether `baseline`, the plan's read, was read once the provider surely showed the
    /// order's earlier refunds as the claim saw them (it waited for them before reading, but
    /// a journal clock stepped back cuts that wait short).
    fn plan_shows_refunds(&self, write: &Write, baseline: &Baseline, held: &Held) -> bool {
        match self.refunds_show_from_ms(write, &held.others) {
            None => true,
            Some(from) => baseline.read_at_ms.is_some_and(|read_at| read_at >= from),
        }
    }

    /// Prepares the write (its baseline and what is sent), records the baseline, sends,
    /// records the outcome.
    pub(crate) async fn send_claimed<T, X, P, PF, S, SF>(
        &self,
        write: &Write,
        held: &Held,
        prepare: P,
        send: S,
    ) -> Result<T>
    where
        T: Recordable,
        P: FnOnce() -> PF,
        PF: std::future::Future<Output = Result<(Baseline, X)>>,
        S: FnOnce(X) -> SF,
        SF: std::future::Future<Output = Result<T>>,
    {
        let (attempt, lease_until_ms) = (held.attempt, held.lease_until_ms);
        let (baseline, sendable) = match prepare().await {
            Ok(prepared) => prepared,
            Err(e) => return self.not_sent(write, attempt, lease_until_ms, e).await,
        };
        let left = match self
            .journal
            .ready(
                &self.account,
                &write.key,
                attempt,
                lease_until_ms,
                &baseline,
            )
            .await
        {
            Ok(left) => left,
            // Not recorded as ready: it must not be sent.
            Err(JournalFailure::Lease { .. }) => {
                let error = lease_expired(write, &self.settings);
                return self.not_sent(write, attempt, lease_until_ms, error).await;
            }
            // Settled meanwhile, or gone (an intent lost in a crash, or the key claimed anew):
            // not this attempt's entry any more, so there is nothing of ours to drop.
            Err(e @ (JournalFailure::WrongState { .. } | JournalFailure::NotFound)) => {
                return Err(unavailable(write, &e));
            }
            Err(e) => {
                let error = unavailable(write, &e);
                return self.not_sent(write, attempt, lease_until_ms, error).await;
            }
        };
        self.send_ready(write, held, left, sendable, send).await
    }

    /// Sends an attempt whose baseline is recorded, with `left` of its lease, and records
    /// the outcome.
    async fn send_ready<T, X, S, SF>(
        &self,
        write: &Write,
        held: &Held,
        left: Duration,
        sendable: X,
        send: S,
    ) -> Result<T>
    where
        T: Recordable,
        S: FnOnce(X) -> SF,
        SF: std::future::Future<Output = Result<T>>,
    {
        let (attempt, lease_until_ms) = (held.attempt, held.lease_until_ms);
        // The send must end while the lease runs, with the margin to spare.
        let Some(budget) = left
            .checked_sub(self.settings.lease_margin)
            .filter(|b| !b.is_zero())
        else {
            let error = lease_expired(write, &self.settings);
            return self.not_sent(write, attempt, lease_until_ms, error).await;
        };
        let result = match tokio::time::timeout(budget, send(sendable)).await {
            Ok(result) => result,
            Err(_) => Err(cut_off(self.inner.provider(), write, budget)),
        };
        match classify(result) {
            Ended::NotSent(error) => self.not_sent(write, attempt, lease_until_ms, error).await,
            Ended::Recorded(result, outcome) => {
                match self
                    .journal
                    .finish(&self.account, &write.key, attempt, &outcome)
                    .await
                {
                    Ok(Finished::Recorded | Finished::AlreadySettled(_)) => result,
                    Ok(Finished::Conflict { settled }) => {
                        tracing::error!(
                            key = %write.key,
                            settled = %settled,
                            answer = %outcome.state,
                            "a journaled write's answer arrived after recovery settled it otherwise: the entry is in conflict"
                        );
                        Err(stopped(
                            write,
                            JournalErrorKind::Conflict,
                            format!(
                                "its answer ({}) arrived after recovery had settled it as {settled}: both are kept in the entry; resolve it (paygate journal resolve {})",
                                outcome.state, write.key
                            ),
                        ))
                    }
                    Err(e) => {
                        // Sent, but the outcome is not recorded: the entry stays pending,
                        // and recovery settles it from the payment once the lease ends.
                        tracing::error!(
                            key = %write.key,
                            state = %outcome.state,
                            error = %e,
                            "a journaled write was sent but its outcome could not be recorded"
                        );
                        result
                    }
                }
            }
        }
    }

    /// The same write asked again while its entry is unresolved or not applied: settle it
    /// (as recovery would, only once its lease has ended), then send it as its next attempt
    /// if it was not applied, or answer from the entry.
    async fn take_over(&self, entry: &Entry) -> Result<TakeOver, JournalFailure> {
        let mut entry = entry.clone();
        if matches!(entry.state, EntryState::Pending | EntryState::Unknown) {
            let inner = self.inner.clone();
            let gateway = move |_: &Entry| Ok(inner.clone());
            let settled = crate::recover::recover_one(
                self.journal.as_ref(),
                &gateway,
                &crate::recover::RecoveryOptions::default(),
                &mut Vec::new(),
                &entry,
            )
            .await?;
            if let Some(until) = settled.eligible_at_ms {
                return Ok(TakeOver::Wait(Some(until)));
            }
            entry = match self.journal.entry(&self.account, &entry.key).await? {
                Some(entry) => entry,
                // Dropped by its writer before it was sent: begin afresh.
                None => return Ok(TakeOver::Wait(None)),
            };
        }
        if entry.state != EntryState::NotApplied {
            return Ok(TakeOver::Answer(Box::new(entry)));
        }
        match self
            .journal
            .reopen(&self.account, &entry.key, self.settings.lease)
            .await
        {
            Ok(Begun::Claimed {
                attempt,
                lease_until_ms,
                others,
                ..
            }) => Ok(TakeOver::Send(attempt, lease_until_ms, others)),
            Ok(Begun::OrderBusy { .. }) => Ok(TakeOver::Wait(None)),
            Ok(Begun::Recorded(entry)) => Ok(TakeOver::Answer(entry)),
            // Reopened by another caller meanwhile: look again.
            Err(JournalFailure::WrongState { .. }) => Ok(TakeOver::Wait(None)),
            Err(e) => Err(e),
        }
    }

    /// The write stopped before sending: the entry goes, the error stays.
    async fn not_sent<T>(
        &self,
        write: &Write,
        attempt: u32,
        lease_until_ms: i64,
        error: Error,
    ) -> Result<T> {
        if let Err(e) = self
            .journal
            .abandon(
                &self.account,
                &write.key,
                attempt,
                lease_until_ms,
                &error.to_string(),
            )
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
            EntryState::Pending | EntryState::Unknown | EntryState::Ambiguous => Err(stopped(
                write,
                JournalErrorKind::Unresolved,
                format!(
                    "this key's write is {}: it may have been applied. Recover it (or resolve it by hand) before anything else; nothing was sent",
                    entry.state
                ),
            )),
            EntryState::Conflict => Err(stopped(
                write,
                JournalErrorKind::Conflict,
                format!(
                    "this key's write is in conflict ({detail}): resolve it by hand; nothing was sent"
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
                    evidence: None,
                },
            )
        }
        Err(error) if error.outcome_unknown() => {
            let outcome = Outcome {
                state: EntryState::Unknown,
                result: None,
                detail: Some(error.to_string()),
                raw: None,
                evidence: None,
            };
            Ended::Recorded(Err(error), outcome)
        }
        Err(error) if matches!(error, Error::Provider(_)) => {
            let outcome = Outcome {
                state: EntryState::Refused,
                result: None,
                detail: Some(error.to_string()),
                raw: None,
                evidence: None,
            };
            Ended::Recorded(Err(error), outcome)
        }
        Err(error) => Ended::NotSent(error),
    }
}
