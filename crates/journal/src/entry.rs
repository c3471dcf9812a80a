//! What the journal holds: one entry per idempotency key, through its life.

use std::fmt;

use paygate_core::Operation;
use serde::{Deserialize, Serialize};

/// Where a journaled write stands.
///
/// ```text
/// pending ──answer──▶ succeeded | refused | unknown
/// pending | unknown ──recover──▶ applied | not_applied   (or stays unknown, with the reason)
/// not_applied | refused ──retry──▶ pending   (the same key, the next attempt)
/// ```
///
/// `pending` and `unknown` hold the order's claim: no other journaled write may touch the
/// order until recovery settles them.
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
    /// Recovery found the write applied (the payment shows it).
    Applied,
    /// Recovery found the write not applied (the payment is as before it).
    NotApplied,
}

impl EntryState {
    /// A stable name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::Pending => "pending",
            EntryState::Succeeded => "succeeded",
            EntryState::Refused => "refused",
            EntryState::Unknown => "unknown",
            EntryState::Applied => "applied",
            EntryState::NotApplied => "not_applied",
        }
    }

    /// From a stored name.
    pub fn from_name(name: &str) -> Option<EntryState> {
        [
            EntryState::Pending,
            EntryState::Succeeded,
            EntryState::Refused,
            EntryState::Unknown,
            EntryState::Applied,
            EntryState::NotApplied,
        ]
        .into_iter()
        .find(|state| state.as_str() == name)
    }

    /// True while the outcome is not known: the entry holds its order's claim.
    pub fn is_unresolved(self) -> bool {
        matches!(self, EntryState::Pending | EntryState::Unknown)
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
}

/// What a write will do, recorded before it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    /// The idempotency key.
    pub key: String,
    /// The gateway instance's name in the registry (e.g. `payway-usd`).
    pub gateway: String,
    /// The write.
    pub operation: WriteOperation,
    /// The order.
    pub order_id: String,
    /// The amount, a decimal string, for writes that carry one.
    pub amount: Option<String>,
    /// Its currency code.
    pub currency: Option<String>,
    /// What makes two requests under one key the same write: operation, gateway, order,
    /// amount, currency. A key reused with another fingerprint is refused.
    pub fingerprint: String,
    /// The request's own fields, as JSON, to send it again on an explicit retry.
    pub request: serde_json::Value,
    /// The payment as read before sending (`None` for a creation).
    pub baseline: Option<Baseline>,
}

impl Intent {
    /// The fingerprint of a write's parameters.
    pub fn fingerprint_of(
        operation: WriteOperation,
        gateway: &str,
        order_id: &str,
        amount: Option<&str>,
        currency: Option<&str>,
    ) -> String {
        format!(
            "{operation}|{gateway}|{order_id}|{}|{}",
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
}

/// One journaled write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
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
    /// See [`Intent::baseline`].
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
    /// When the intent was first recorded, Unix milliseconds.
    pub created_at_ms: i64,
    /// When the entry last changed, Unix milliseconds.
    pub updated_at_ms: i64,
}

/// Which entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    /// Only `pending` and `unknown` entries.
    pub unresolved_only: bool,
    /// Only entries last changed at least this long ago, in milliseconds (recovery leaves
    /// writes another process may still be sending alone).
    pub older_than_ms: Option<i64>,
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
        }
    }
}

impl std::error::Error for JournalFailure {}
