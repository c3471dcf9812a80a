//! What the journal holds: one entry per idempotency key, through its life.

use std::fmt;

use paygate_core::Operation;
use serde::{Deserialize, Serialize};

/// Where a journaled write stands.
///
/// ```text
/// pending ──answer──▶ succeeded | refused | unknown
/// pending | unknown ──recover (lease ended)──▶ applied | not_applied | ambiguous
///                                              (or stays unknown, with the reason)
/// applied | not_applied ──the writer's late answer disagrees──▶ conflict
/// pending (lease ended) | unknown | ambiguous | conflict ──resolve by hand──▶ applied | not_applied
/// not_applied | refused ──retry──▶ pending   (the same key, the next attempt)
/// ```
///
/// `pending`, `unknown` and `ambiguous` hold the order's claim: no other journaled write may
/// touch the order until recovery or an operator settles them. A `conflict` no longer holds
/// it (recovery released it), but stays unresolved until an operator resolves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// The intent is recorded and the write may have been sent; no answer is recorded (the
    /// process may be sending it, or may have died).
    Pending,
    /// The provider accepted the write; its result is recorded.
    Succeeded,
    /// The provider refused the write (a documented refusal): nothing changed.
    Refused,
    /// The write may or may not have been applied (timeout, lost or unreadable answer).
    Unknown,
    /// Recovery found the write applied (the payment shows it), or an operator said so.
    Applied,
    /// Recovery found the write not applied (the payment is as before it), or an operator
    /// said so.
    NotApplied,
    /// Recovery found a change that another write could explain as well as this one (a
    /// refund outside the journal, say): the evidence is kept; an operator resolves it.
    Ambiguous,
    /// The writer's answer arrived after recovery had settled the entry otherwise: both are
    /// kept; an operator resolves it.
    Conflict,
}

impl EntryState {
    /// Every state, in the order of the diagram above.
    pub const ALL: [EntryState; 8] = [
        EntryState::Pending,
        EntryState::Succeeded,
        EntryState::Refused,
        EntryState::Unknown,
        EntryState::Applied,
        EntryState::NotApplied,
        EntryState::Ambiguous,
        EntryState::Conflict,
    ];

    /// A stable name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::Pending => "pending",
            EntryState::Succeeded => "succeeded",
            EntryState::Refused => "refused",
            EntryState::Unknown => "unknown",
            EntryState::Applied => "applied",
            EntryState::NotApplied => "not_applied",
            EntryState::Ambiguous => "ambiguous",
            EntryState::Conflict => "conflict",
        }
    }

    /// From a stored name.
    pub fn from_name(name: &str) -> Option<EntryState> {
        EntryState::ALL
            .into_iter()
            .find(|state| state.as_str() == name)
    }

    /// True while nobody knows for sure whether the write took effect: recovery reports the
    /// entry and exits non-zero, and an operator may resolve it.
    pub fn is_unresolved(self) -> bool {
        matches!(
            self,
            EntryState::Pending
                | EntryState::Unknown
                | EntryState::Ambiguous
                | EntryState::Conflict
        )
    }

    /// True while the entry holds its order's claim.
    pub fn holds_order(self) -> bool {
        matches!(
            self,
            EntryState::Pending | EntryState::Unknown | EntryState::Ambiguous
        )
    }

    /// True when the write took effect at the provider.
    pub fn took_effect(self) -> bool {
        matches!(self, EntryState::Succeeded | EntryState::Applied)
    }

    /// True when the write certainly did not take effect (it may be retried, same key).
    pub fn did_not_take_effect(self) -> bool {
        matches!(self, EntryState::Refused | EntryState::NotApplied)
    }
}

impl fmt::Display for EntryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The journaled writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriteOperation {
    /// `create_payment`.
    CreatePayment,
    /// `refund`.
    Refund,
    /// `capture`.
    Capture,
    /// `void`.
    Void,
    /// `cancel`.
    Cancel,
}

impl WriteOperation {
    /// The core operation.
    pub fn operation(self) -> Operation {
        match self {
            WriteOperation::CreatePayment => Operation::CreatePayment,
            WriteOperation::Refund => Operation::Refund,
            WriteOperation::Capture => Operation::Capture,
            WriteOperation::Void => Operation::Void,
            WriteOperation::Cancel => Operation::Cancel,
        }
    }

    /// A stable name, as stored (the core operation's name).
    pub fn as_str(self) -> &'static str {
        self.operation().name()
    }

    /// From a stored name.
    pub fn from_name(name: &str) -> Option<WriteOperation> {
        [
            WriteOperation::CreatePayment,
            WriteOperation::Refund,
            WriteOperation::Capture,
            WriteOperation::Void,
            WriteOperation::Cancel,
        ]
        .into_iter()
        .find(|op| op.as_str() == name)
    }
}

impl fmt::Display for WriteOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The payment as read just before the write: what recovery compares with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// The unified status's name (`PaymentStatus::as_str`), e.g. `paid`.
    pub status: String,
    /// The payment's amount, a decimal string, when the provider reports it.
    pub amount: Option<String>,
    /// How much was refunded, a decimal string, when the provider reports it.
    pub refunded: Option<String>,
    /// When it was read, in milliseconds since the Unix epoch on the journal's clock, at
    /// the earliest. `None` in entries journaled before it was recorded: recovery then
    /// assumes it as early as the plan could have read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at_ms: Option<i64>,
}

impl Baseline {
    /// The baseline of a creation: there was no payment.
    pub fn absent() -> Baseline {
        Baseline {
            status: "absent".into(),
            amount: None,
            refunded: None,
            read_at_ms: None,
        }
    }
}

/// What a write will do, recorded before it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    /// The provider account it is sent to ([`paygate_core::AccountId::fingerprint`]): the
    /// key, the entry and the order's claim belong to it.
    pub account: String,
    /// The idempotency key.
    pub key: String,
    /// The gateway instance's name in the registry (e.g. `payway-usd`), for people: entries
    /// are found by account and key.
    pub gateway: String,
    /// The write.
    pub operation: WriteOperation,
    /// The order.
    pub order_id: String,
    /// The amount, a decimal string, for writes that carry one.
    pub amount: Option<String>,
    /// Its currency code.
    pub currency: Option<String>,
    /// What makes two requests under one key the same write: operation, account, order,
    /// amount, currency. A key reused with another fingerprint is refused.
    pub fingerprint: String,
    /// The request's own fields, as JSON, to send it again on an explicit retry.
    pub request: serde_json::Value,
    /// A baseline the claim records itself, when the plan's read still holds then: the
    /// attempt is ready to send at once, with no [`crate::WriteJournal::ready`] after it.
    /// `None`: the claim records no baseline.
    pub ready: Option<ReadyAtClaim>,
    /// How long the claim lasts: the write's whole deadline (the read before it, the send,
    /// the wait for an answer) plus a margin. Nothing is sent once it has run out, and
    /// recovery leaves the entry alone until it has (or its holder is gone).
    pub lease: std::time::Duration,
}

/// The baseline a claim records itself (see [`Intent::ready`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyAtClaim {
    /// The payment as the plan read it.
    pub baseline: Baseline,
    /// The order's mark when the plan read it (see [`ReadyAtClaim::holds`]). `None`: the
    /// baseline is recorded whatever the order holds (a creation: there was no payment).
    pub if_order_mark: Option<u64>,
}

impl ReadyAtClaim {
    /// `baseline`, read after the order's other entries were `others` (as
    /// [`crate::WriteJournal::order_entries`] gave them, without the write's own key): the
    /// claim records it only if they have not moved by then.
    pub fn unless_moved(
        baseline: Baseline,
        account: &str,
        order_id: &str,
        others: &[Entry],
    ) -> ReadyAtClaim {
        ReadyAtClaim {
            baseline,
            if_order_mark: Some(order_mark(account, order_id, others.iter())),
        }
    }

    /// Whether the claim records the baseline: `others`, the order's other entries as the
    /// claim's transaction sees them, still have the plan's mark, so none of them began,
    /// settled or was taken again since the plan read the payment.
    pub fn holds(&self, account: &str, order_id: &str, others: &[Entry]) -> bool {
        self.if_order_mark
            .is_none_or(|mark| order_mark(account, order_id, others.iter()) == mark)
    }
}

/// A hash of an order's entries (their keys, states, attempts, leases and last changes,
/// whatever order they come in) with the account and order: it moves whenever one of them
/// begins, settles or is taken again. Compared only within one process.
pub(crate) fn order_mark<'a>(
    account: &str,
    order_id: &str,
    entries: impl Iterator<Item = &'a Entry>,
) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut entries: Vec<&Entry> = entries.collect();
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (account, order_id).hash(&mut hasher);
    for entry in entries {
        (
            &entry.key,
            entry.state.as_str(),
            entry.attempt,
            entry.lease_until_ms,
            entry.updated_at_ms,
        )
            .hash(&mut hasher);
    }
    hasher.finish()
}

impl Intent {
    /// The fingerprint of a write's parameters.
    pub fn fingerprint_of(
        operation: WriteOperation,
        account: &str,
        order_id: &str,
        amount: Option<&str>,
        currency: Option<&str>,
    ) -> String {
        format!(
            "{operation}|{account}|{order_id}|{}|{}",
            amount.unwrap_or(""),
            currency.unwrap_or("")
        )
    }
}

/// An answer as received, kept with the outcome.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RawAnswer {
    /// HTTP status (0 when none arrived).
    pub http_status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// Status and size only: bodies can carry customer data.
impl fmt::Debug for RawAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawAnswer")
            .field("http_status", &self.http_status)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// How a write ended, as recorded after it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `succeeded`, `refused` or `unknown`; recovery writes `applied` or `not_applied`.
    pub state: EntryState,
    /// The unified result as JSON (succeeded; applied: the payment read by recovery).
    pub result: Option<serde_json::Value>,
    /// What happened, in words (the error, or recovery's reason).
    pub detail: Option<String>,
    /// The answer as received, when one arrived.
    pub raw: Option<RawAnswer>,
    /// What recovery's decision rests on (the payment as read, the figures compared), kept in
    /// the entry's history.
    pub evidence: Option<serde_json::Value>,
}

/// Who changed an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The process that sent the write.
    Writer,
    /// `recover`.
    Recovery,
    /// A person, through `resolve`.
    Operator,
}

/// One change of an entry, kept in its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEvent {
    /// When, Unix milliseconds by the journal's clock.
    pub at_ms: i64,
    /// Who.
    pub by: Actor,
    /// The state it set (or, for a late answer that changed nothing, the state the answer
    /// meant).
    pub state: EntryState,
    /// Why, in words: the writer's error, recovery's reading, the operator's note.
    pub detail: Option<String>,
    /// What the decision rests on: the payment as recovery read it, the operator's
    /// evidence, the late answer's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<serde_json::Value>,
}

/// One journaled write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// See [`Intent::account`].
    pub account: String,
    /// The idempotency key.
    pub key: String,
    /// The gateway instance.
    pub gateway: String,
    /// The write.
    pub operation: WriteOperation,
    /// The order.
    pub order_id: String,
    /// The amount, a decimal string.
    pub amount: Option<String>,
    /// Its currency.
    pub currency: Option<String>,
    /// See [`Intent::fingerprint`].
    pub fingerprint: String,
    /// See [`Intent::request`].
    pub request: serde_json::Value,
    /// The payment as read just before the current attempt was sent (`None`: it was not).
    pub baseline: Option<Baseline>,
    /// Where it stands.
    pub state: EntryState,
    /// 1 for the first send; an explicit retry adds one.
    pub attempt: u32,
    /// See [`Outcome::result`].
    pub result: Option<serde_json::Value>,
    /// See [`Outcome::detail`].
    pub detail: Option<String>,
    /// See [`Outcome::raw`].
    pub raw: Option<RawAnswer>,
    /// When the current attempt's lease ends, Unix milliseconds by the journal's clock.
    pub lease_until_ms: i64,
    /// The journal handle (a process's connection) that holds the current attempt: while it
    /// lives and the lease runs, recovery leaves the entry alone.
    pub holder: Option<String>,
    /// Every change after the intent, oldest first.
    pub history: Vec<HistoryEvent>,
    /// When the intent was first recorded, Unix milliseconds.
    pub created_at_ms: i64,
    /// When the entry last changed, Unix milliseconds.
    pub updated_at_ms: i64,
}

impl Entry {
    /// By when the provider applied the write, if it did, on the journal's clock: when it
    /// was answered, or, at the latest, when its attempt's lease ended (the lease's margin
    /// covers a provider still working on a request whose answer was lost).
    pub(crate) fn applied_by_ms(&self) -> i64 {
        self.updated_at_ms.min(self.lease_until_ms)
    }

    /// The account recorded for the entries gateway `name` wrote before entries belonged
    /// to an account (schema 2).
    pub fn legacy_account(name: &str) -> String {
        format!("{}{name}", crate::schema::LEGACY_ACCOUNT_PREFIX)
    }

    /// For an entry written before entries belonged to an account (schema 2), the gateway
    /// name it was written under: such an entry is used only through a gateway of that name.
    pub fn legacy_gateway(&self) -> Option<&str> {
        self.account
            .strip_prefix(crate::schema::LEGACY_ACCOUNT_PREFIX)
    }
}

/// Which entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    /// Only unresolved entries (pending, unknown, ambiguous, conflict).
    pub unresolved_only: bool,
    /// Only this account's entries.
    pub account: Option<String>,
    /// Only entries with this key (one per account at most).
    pub key: Option<String>,
    /// Only this order's entries.
    pub order_id: Option<String>,
    /// At most this many, oldest first (`None`: all).
    pub limit: Option<u32>,
}

/// What [`crate::WriteJournal::begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// The intent is recorded and the order claimed: send, as attempt `attempt`.
    Claimed {
        /// The attempt number to finish with.
        attempt: u32,
        /// When its lease ends, Unix milliseconds by the journal's clock.
        lease_until_ms: i64,
        /// Whether the claim recorded the intent's baseline ([`Intent::ready`]): the
        /// attempt may be sent as it is. Otherwise [`crate::WriteJournal::ready`] records
        /// one first.
        ready: bool,
        /// The order's other entries as the claim's transaction saw them, oldest first.
        others: Vec<Entry>,
    },
    /// The key was journaled before: nothing is recorded now; answer from this entry.
    Recorded(Box<Entry>),
    /// Another key holds the order (a write in flight or unresolved): nothing is recorded.
    OrderBusy {
        /// The key holding the order.
        holder: String,
    },
}

/// Why the journal could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalFailure {
    /// The database could not be reached, read or written.
    Unavailable(String),
    /// The database's schema is newer than this code.
    NewerSchema {
        /// The version found.
        found: i64,
        /// The newest this code knows.
        known: i64,
    },
    /// The entry is not in a state that allows the change (e.g. retrying an applied write).
    WrongState {
        /// The entry's state.
        state: EntryState,
    },
    /// No entry has this key.
    NotFound,
    /// The attempt's lease has run out: it must not be sent (or, for recovery, the lease is
    /// still running and the entry is left alone).
    Lease {
        /// When the lease ends or ended, Unix milliseconds by the journal's clock.
        until_ms: i64,
        /// True when it has run out.
        expired: bool,
    },
}

/// What [`crate::WriteJournal::finish`] did with a writer's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finished {
    /// Recorded as the entry's outcome.
    Recorded,
    /// Recovery (or an operator) had settled the entry before the answer arrived, and the
    /// answer agrees or adds nothing (an unknown outcome): the settlement stands and the
    /// answer is kept in the history.
    AlreadySettled(EntryState),
    /// Recovery had settled the entry otherwise: the entry is now `conflict`, with both.
    Conflict {
        /// What recovery had settled it as.
        settled: EntryState,
    },
}

impl fmt::Display for JournalFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JournalFailure::Unavailable(why) => {
                write!(f, "the write journal is unavailable: {why}")
            }
            JournalFailure::NewerSchema { found, known } => write!(
                f,
                "the write journal's schema is version {found}, newer than this code knows ({known}): upgrade paygate"
            ),
            JournalFailure::WrongState { state } => write!(f, "the entry is {state}"),
            JournalFailure::NotFound => f.write_str("no journal entry has this key"),
            JournalFailure::Lease {
                until_ms,
                expired: true,
            } => {
                write!(
                    f,
                    "the write's lease ran out at {}",
                    crate::schema::rfc3339(*until_ms)
                )
            }
            JournalFailure::Lease {
                until_ms,
                expired: false,
            } => write!(
                f,
                "the write's lease runs until {}: its writer may still be sending it",
                crate::schema::rfc3339(*until_ms)
            ),
        }
    }
}

impl std::error::Error for JournalFailure {}
