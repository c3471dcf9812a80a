//! The one path of every unified write on an existing payment (refund, capture, void, cancel):
//! **plan** — what the provider can refuse unread ([`PaymentGateway::precheck`]), the
//! journal's mark of the order ([`PaymentGateway::write_mark`]), the payment (handed over, or
//! one read), the checks of [`crate::precondition`] — then **send** the [`Checked`] plan:
//! claim, baseline and record where a write journal wraps the gateway, the provider's request,
//! the trace around it.
//!
//! [`PaymentGateway::refund`] and its siblings are `plan` then `send_*`; an app that asks a
//! person first (as the `paygate` command does) calls [`plan`], shows the plan, and sends it
//! with [`PaymentGateway::send_refund`] and its siblings. A provider's gateway receives only
//! a [`Checked`] request: only [`plan`] and [`Checked::replanned`] make one, after the checks
//! — or, for a key a write journal already holds, with the checks left to the journal, which
//! answers from its entry or checks again; a provider refuses such a plan
//! ([`Checked::check_sendable`]).

use std::time::Duration;

// tokio's clock, which a paused runtime (a simulation) drives.
use tokio::time::Instant;

use crate::error::Result;
use crate::gateway::{AccountId, Capability, PaymentGateway};
use crate::id::OrderId;
use crate::model::{CancelRequest, CaptureRequest, Payment, RefundRequest, VoidRequest};
use crate::operation::Operation;
use crate::precondition::{check_capture, check_handed_over, check_refund, check_status_allows};
use crate::status::PaymentStatus;

/// What a provider allows of the writes checked against a payment's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteRules {
    /// The states a void may start from.
    pub void_from: &'static [PaymentStatus],
    /// The states a cancellation may start from.
    pub cancel_from: &'static [PaymentStatus],
    /// How far over the authorized amount a capture may go, in percent.
    pub capture_over_percent: u32,
    /// How long after the provider applied a refund its payment's refunded figure surely
    /// shows it. A journaled refund that follows another on the same order within this time
    /// waits it out before reading its baseline, so the baseline shows every earlier refund
    /// and recovery can compare with it.
    pub refunds_show_within: Duration,
}

impl WriteRules {
    /// Voids of authorized payments, cancellations of pending ones, captures up to the
    /// authorized amount; refunds shown within 5 s (no provider documents how soon: PayWay's
    /// check-transaction-2 shows a new transaction within 1 s; waiting costs only time).
    pub const STANDARD: WriteRules = WriteRules {
        void_from: &[PaymentStatus::Authorized],
        cancel_from: &[PaymentStatus::Pending],
        capture_over_percent: 0,
        refunds_show_within: Duration::from_secs(5),
    };

    /// These rules with voids from `states`.
    pub const fn void_from(mut self, states: &'static [PaymentStatus]) -> Self {
        self.void_from = states;
        self
    }

    /// These rules with captures up to `percent` % over the authorized amount.
    pub const fn capture_over_percent(mut self, percent: u32) -> Self {
        self.capture_over_percent = percent;
        self
    }

    /// These rules with a refunded figure that shows a refund within `lag`.
    pub const fn refunds_show_within(mut self, lag: Duration) -> Self {
        self.refunds_show_within = lag;
        self
    }
}

impl Default for WriteRules {
    fn default() -> Self {
        WriteRules::STANDARD
    }
}

/// A write on an existing payment, as the provider's precheck and the journal see it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum WriteRef<'a> {
    /// A refund.
    Refund(&'a RefundRequest),
    /// A capture.
    Capture(&'a CaptureRequest),
    /// A void.
    Void(&'a VoidRequest),
    /// A cancellation.
    Cancel(&'a CancelRequest),
}

impl WriteRef<'_> {
    /// Which operation.
    pub fn operation(&self) -> Operation {
        match self {
            WriteRef::Refund(_) => Operation::Refund,
            WriteRef::Capture(_) => Operation::Capture,
            WriteRef::Void(_) => Operation::Void,
            WriteRef::Cancel(_) => Operation::Cancel,
        }
    }

    /// The order written to.
    pub fn order_id(&self) -> &OrderId {
        match self {
            WriteRef::Refund(r) => &r.order_id,
            WriteRef::Capture(r) => &r.order_id,
            WriteRef::Void(r) => &r.order_id,
            WriteRef::Cancel(r) => &r.order_id,
        }
    }

    /// The caller's key for the write (a refund's reference), if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            WriteRef::Refund(r) => r.reference.as_ref().map(|k| k.as_str()),
            WriteRef::Capture(r) => r.idempotency_key.as_ref().map(|k| k.as_str()),
            WriteRef::Void(r) => r.idempotency_key.as_ref().map(|k| k.as_str()),
            WriteRef::Cancel(r) => r.idempotency_key.as_ref().map(|k| k.as_str()),
        }
    }

    fn handed(&self) -> Option<&Payment> {
        match self {
            WriteRef::Refund(r) => r.payment.as_ref(),
            WriteRef::Capture(r) => r.payment.as_ref(),
            WriteRef::Void(r) => r.payment.as_ref(),
            WriteRef::Cancel(r) => r.payment.as_ref(),
        }
    }

    fn check(&self, provider: &'static str, rules: &WriteRules, payment: &Payment) -> Result<()> {
        match self {
            WriteRef::Refund(r) => check_refund(provider, payment, r),
            WriteRef::Capture(r) => check_capture(provider, payment, r, rules.capture_over_percent),
            WriteRef::Void(_) => {
                check_status_allows(provider, Operation::Void, payment, rules.void_from)
            }
            WriteRef::Cancel(_) => {
                check_status_allows(provider, Operation::Cancel, payment, rules.cancel_from)
            }
        }
    }
}

/// A write request: refund, capture, void or cancel.
pub trait WriteRequest: Clone + Send + Sync + std::fmt::Debug + 'static {
    /// Which operation it is.
    const OPERATION: Operation;

    /// The request as a [`WriteRef`].
    fn as_write(&self) -> WriteRef<'_>;
}

impl WriteRequest for RefundRequest {
    const OPERATION: Operation = Operation::Refund;

    fn as_write(&self) -> WriteRef<'_> {
        WriteRef::Refund(self)
    }
}

impl WriteRequest for CaptureRequest {
    const OPERATION: Operation = Operation::Capture;

    fn as_write(&self) -> WriteRef<'_> {
        WriteRef::Capture(self)
    }
}

impl WriteRequest for VoidRequest {
    const OPERATION: Operation = Operation::Void;

    fn as_write(&self) -> WriteRef<'_> {
        WriteRef::Void(self)
    }
}

impl WriteRequest for CancelRequest {
    const OPERATION: Operation = Operation::Cancel;

    fn as_write(&self) -> WriteRef<'_> {
        WriteRef::Cancel(self)
    }
}

/// What a write journal holds under a write's key when the write is planned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyRecord {
    /// The entry's state, as the journal names it (`succeeded`, `not_applied`, …).
    pub state: String,
    /// The journal answers with the recorded result and sends nothing (succeeded, applied).
    pub answered: bool,
    /// The write may already have been made under the key (succeeded, applied, pending,
    /// unknown), so the payment as read now may refuse it: the plan defers its checks to the
    /// journal, which answers from the entry, or takes the key over and checks again before
    /// sending it as its next attempt.
    pub defers_checks: bool,
}

impl KeyRecord {
    /// An entry in `state`; see the fields.
    pub fn new(state: impl Into<String>, answered: bool, defers_checks: bool) -> KeyRecord {
        KeyRecord {
            state: state.into(),
            answered,
            defers_checks,
        }
    }
}

/// A write journal's view of an order when a write on it is planned (see
/// [`PaymentGateway::write_mark`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteMark {
    /// A hash of the order's other journaled writes: the same mark when the write is sent
    /// means none of them moved since.
    pub mark: u64,
    /// What the journal holds under the write's own key, if anything.
    pub recorded: Option<KeyRecord>,
    /// How long until the provider surely shows the order's last journaled refund
    /// ([`WriteRules::refunds_show_within`] after it was applied): a refund's plan waits
    /// that out before it reads the payment, so that the read shows every earlier refund.
    pub refunds_show_in: Duration,
    /// When the journal looked, in Unix milliseconds on its own clock (the one that judges
    /// its leases), if it says: the plan's read begins after this plus the wait above, which
    /// makes that the earliest the payment can have been read ([`Checked::read_not_before_ms`]).
    pub looked_at_ms: Option<i64>,
}

impl WriteMark {
    /// A mark, and what the key holds.
    pub fn new(mark: u64, recorded: Option<KeyRecord>) -> WriteMark {
        WriteMark {
            mark,
            recorded,
            refunds_show_in: Duration::ZERO,
            looked_at_ms: None,
        }
    }

    /// This mark, taken at `at_ms` on the journal's clock.
    pub fn looked_at_ms(mut self, at_ms: i64) -> WriteMark {
        self.looked_at_ms = Some(at_ms);
        self
    }

    /// This mark, with the order's earlier refunds surely shown in `wait`.
    pub fn refunds_show_in(mut self, wait: Duration) -> WriteMark {
        self.refunds_show_in = wait;
        self
    }
}

/// A write checked against the payment it goes against, ready to send. Only [`plan`],
/// [`plan_from_read`] and [`Checked::replanned`] make one, after the checks — or, for a key a
/// write journal already holds, with the checks deferred to the journal
/// ([`Checked::checks_deferred`]).
#[derive(Debug, Clone)]
pub struct Checked<R> {
    request: R,
    account: AccountId,
    payment: Payment,
    planned_at: Instant,
    journal: Option<WriteMark>,
    /// The earliest its payment can have been read, on the journal's clock.
    read_not_before_ms: Option<i64>,
    handed: bool,
    checks_deferred: bool,
}

impl<R: WriteRequest> Checked<R> {
    /// The request.
    pub fn request(&self) -> &R {
        &self.request
    }

    /// The payment it was checked against (handed over, or read by the plan).
    pub fn payment(&self) -> &Payment {
        &self.payment
    }

    /// The provider account it was planned on.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// Refuses, before anything is sent, a plan made on another provider account than
    /// `gateway`'s: it was checked against another account's payment.
    pub fn check_account<G>(&self, gateway: &G) -> Result<()>
    where
        G: PaymentGateway + ?Sized,
    {
        let account = gateway.account();
        if account == self.account {
            return Ok(());
        }
        Err(crate::Error::invalid(
            "plan",
            format!(
                "the {} was planned on account {}, not {account}; plan it on the gateway that sends it; nothing was sent",
                self.request.as_write().operation(),
                self.account
            ),
        ))
    }

    /// What a provider's gateway asks of a plan before it sends anything (every `send_*`
    /// calls it first): planned on its account ([`Checked::check_account`]), and checked —
    /// not a plan whose checks were deferred to a journal.
    pub fn check_sendable<G>(&self, gateway: &G) -> Result<()>
    where
        G: PaymentGateway + ?Sized,
    {
        self.check_account(gateway)?;
        if self.checks_deferred {
            return Err(crate::Error::invalid(
                "plan",
                format!(
                    "the {} was planned under a key the journal holds ({}), so its checks were left to the journal: send it through the journaled gateway; nothing was sent",
                    self.request.as_write().operation(),
                    self.recorded().map_or("", |r| r.state.as_str())
                ),
            ));
        }
        Ok(())
    }

    /// How long ago it was planned.
    pub fn age(&self) -> Duration {
        self.planned_at.elapsed()
    }

    /// The write journal's mark of the order when it was planned (see
    /// [`PaymentGateway::write_mark`]); `None` where no journal wraps the gateway.
    pub fn journal_mark(&self) -> Option<u64> {
        self.journal.as_ref().map(|j| j.mark)
    }

    /// The earliest its payment can have been read, in Unix milliseconds on the journal's
    /// clock: when the journal took its mark, plus the wait for earlier refunds that followed
    /// ([`WriteMark`]). `None` for a payment handed over, or a journal that gave no time.
    pub fn read_not_before_ms(&self) -> Option<i64> {
        self.read_not_before_ms
    }

    /// What the journal held under the write's key when it was planned.
    pub fn recorded(&self) -> Option<&KeyRecord> {
        self.journal.as_ref().and_then(|j| j.recorded.as_ref())
    }

    /// Whether the plan deferred its checks to the journal ([`KeyRecord::defers_checks`]):
    /// such a plan is sent only through the journal, which answers it or checks it again;
    /// a provider's gateway refuses it ([`Checked::check_sendable`]).
    pub fn checks_deferred(&self) -> bool {
        self.checks_deferred
    }

    /// Whether its payment was handed over by the caller (read before any journal mark), not
    /// read by the plan.
    pub fn payment_was_handed_over(&self) -> bool {
        self.handed
    }

    /// The same write checked again, against `payment` read now (a plan grown old, or one
    /// the journal's mark says another write may have overtaken). The mark is dropped: the
    /// caller holds the order by now.
    pub fn replanned<G>(&self, gateway: &G, payment: Payment) -> Result<Checked<R>>
    where
        G: PaymentGateway + ?Sized,
    {
        let write = self.request.as_write();
        declared(gateway, R::OPERATION)?;
        gateway.precheck(write)?;
        check_handed_over(
            gateway.provider(),
            write.operation(),
            write.order_id(),
            &payment,
        )?;
        write.check(gateway.provider(), &gateway.write_rules(), &payment)?;
        self.check_account(gateway)?;
        Ok(Checked {
            request: self.request.clone(),
            account: self.account.clone(),
            payment,
            planned_at: Instant::now(),
            journal: None,
            read_not_before_ms: None,
            handed: false,
            checks_deferred: false,
        })
    }
}

/// Plans `request` on `gateway`: what the provider refuses unread, the journal's mark, the
/// payment (handed over in the request, else one read), the checks. Nothing is sent; a
/// failed check is [`crate::Error::InvalidInput`] or [`crate::Error::InvalidState`].
///
/// A payment handed over was read before the journal's mark could be taken: a journal reads
/// it again once the order is claimed. To plan with one read where the request depends on
/// the payment (its currency), use [`plan_from_read`].
pub async fn plan<G, R>(gateway: &G, request: &R) -> Result<Checked<R>>
where
    G: PaymentGateway + ?Sized,
    R: WriteRequest,
{
    let write = request.as_write();
    declared(gateway, write.operation())?;
    gateway.precheck(write)?;
    let journal = gateway.write_mark(write.order_id(), write.key()).await?;
    // A payment handed over is read again once the order is claimed, after the wait.
    let read_not_before_ms = match write.handed() {
        None => wait_for_earlier_refunds(write.operation(), journal.as_ref()).await,
        Some(_) => None,
    };
    let (payment, handed) = match write.handed() {
        Some(payment) => {
            check_handed_over(
                gateway.provider(),
                write.operation(),
                write.order_id(),
                payment,
            )?;
            (payment.clone(), true)
        }
        None => (gateway.payment_status(write.order_id()).await?, false),
    };
    checked(
        gateway,
        request.clone(),
        payment,
        (journal, read_not_before_ms),
        handed,
    )
}

/// Plans a write built from the payment (`build`: e.g. a refund in the payment's currency):
/// the gateway declares the operation, the journal's mark of `order_id` (for the write keyed
/// `key`), one read, the request `build` makes of it, then what the provider would have
/// refused unread (it needed the request, and the request needed the read), the checks.
/// Nothing is sent.
pub async fn plan_from_read<G, R>(
    gateway: &G,
    order_id: &OrderId,
    key: Option<&str>,
    build: impl FnOnce(&Payment) -> Result<R> + Send,
) -> Result<Checked<R>>
where
    G: PaymentGateway + ?Sized,
    R: WriteRequest,
{
    declared(gateway, R::OPERATION)?;
    let journal = gateway.write_mark(order_id, key).await?;
    let read_not_before_ms = wait_for_earlier_refunds(R::OPERATION, journal.as_ref()).await;
    let payment = gateway.payment_status(order_id).await?;
    let request = build(&payment)?;
    let write = request.as_write();
    if write.order_id() != order_id || write.key() != key {
        return Err(crate::Error::invalid(
            "request",
            format!(
                "the write built for order {order_id} is for order {} under key {}",
                write.order_id(),
                write.key().unwrap_or("none")
            ),
        ));
    }
    gateway.precheck(write)?;
    checked(
        gateway,
        request,
        payment,
        (journal, read_not_before_ms),
        false,
    )
}

/// A refund waits, before its read, until the provider surely shows the order's earlier
/// journaled refunds ([`WriteMark::refunds_show_in`]). Gives the earliest the read that
/// follows can begin, on the journal's clock, where the mark says when it was taken.
async fn wait_for_earlier_refunds(operation: Operation, mark: Option<&WriteMark>) -> Option<i64> {
    let mark = mark?;
    let mut waited = Duration::ZERO;
    if operation == Operation::Refund && mark.recorded.is_none() && !mark.refunds_show_in.is_zero()
    {
        tokio::time::sleep(mark.refunds_show_in).await;
        waited = mark.refunds_show_in;
    }
    let waited_ms = i64::try_from(waited.as_millis()).unwrap_or(i64::MAX);
    mark.looked_at_ms.map(|at| at.saturating_add(waited_ms))
}

/// A write the gateway does not declare is [`crate::Error::Unsupported`], before any read.
fn declared<G>(gateway: &G, operation: Operation) -> Result<()>
where
    G: PaymentGateway + ?Sized,
{
    let capability = match operation {
        Operation::Capture => Capability::Capture,
        Operation::Void => Capability::Void,
        Operation::Cancel => Capability::Cancel,
        _ => Capability::Refund,
    };
    if gateway.capabilities().contains(capability) {
        Ok(())
    } else {
        Err(crate::Error::unsupported(gateway.provider(), operation))
    }
}

fn checked<G, R>(
    gateway: &G,
    request: R,
    payment: Payment,
    (journal, read_not_before_ms): (Option<WriteMark>, Option<i64>),
    handed: bool,
) -> Result<Checked<R>>
where
    G: PaymentGateway + ?Sized,
    R: WriteRequest,
{
    let checks_deferred = journal
        .as_ref()
        .and_then(|j| j.recorded.as_ref())
        .is_some_and(|r| r.defers_checks);
    if !checks_deferred {
        request
            .as_write()
            .check(gateway.provider(), &gateway.write_rules(), &payment)?;
    }
    Ok(Checked {
        request,
        account: gateway.account(),
        payment,
        planned_at: Instant::now(),
        journal,
        read_not_before_ms,
        handed,
        checks_deferred,
    })
}
