//! The errors of a write journal (see `paygate-journal`): why a journaled write was not sent.

use super::Error;
use crate::operation::Operation;

/// Why a write journal did not send a write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
#[non_exhaustive]
pub struct JournalError {
    /// What stopped it.
    pub kind: JournalErrorKind,
    /// The write, when the error is about one (opening an unavailable journal is not).
    pub operation: Option<Operation>,
    /// The order, when the error is about one write.
    pub order_id: Option<String>,
    /// The idempotency key the write was made under, when known.
    pub key: Option<String>,
    /// Why, in words a person can act on (never a secret or a database URL's password).
    pub detail: String,
}

impl JournalError {
    /// A journal error about one write.
    pub fn new(
        kind: JournalErrorKind,
        operation: Operation,
        order_id: impl Into<String>,
        key: Option<String>,
        detail: impl Into<String>,
    ) -> JournalError {
        JournalError {
            kind,
            operation: Some(operation),
            order_id: Some(order_id.into()),
            key,
            detail: detail.into(),
        }
    }

    /// The journal itself cannot be opened, read or written (no write was sent).
    pub fn unavailable(detail: impl Into<String>) -> JournalError {
        JournalError {
            kind: JournalErrorKind::Unavailable,
            operation: None,
            order_id: None,
            key: None,
            detail: detail.into(),
        }
    }

    fn describe(&self) -> String {
        match (&self.operation, &self.order_id) {
            (Some(operation), Some(order)) => {
                format!("{operation} of order {order} not sent: {}", self.detail)
            }
            _ => format!("write journal: {}", self.detail),
        }
    }
}

/// What stopped a journaled write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JournalErrorKind {
    /// The journal could not be read or written (database down, disk full, read-only file).
    /// Nothing was sent; reads keep working.
    Unavailable,
    /// Another write on the same order is in flight, or ended with an unknown outcome not yet
    /// recovered. Nothing was sent.
    InProgress,
    /// This key's earlier write has an unknown outcome. Nothing was sent again: recover it.
    Unresolved,
    /// The provider refused this key's earlier write (as recorded). Nothing was sent again.
    Refused,
    /// The write's lease ran out before it could be sent (the journal or the read before
    /// the write was too slow): nothing was sent, and the same call may be made again.
    LeaseExpired,
    /// The write's answer arrived after recovery had settled its entry otherwise: both are
    /// kept in the entry, which an operator must resolve (`paygate journal resolve`). Do not
    /// trust either until then.
    Conflict,
}

impl From<JournalError> for Error {
    fn from(e: JournalError) -> Self {
        Error::Journal(Box::new(e))
    }
}
