//! [`Journaled::retry`]: sending again, under the same key, a write that did not take effect.

use paygate_core::{
    CancelRequest, CaptureRequest, Error, JournalErrorKind, Money, OrderId, RefundReference,
    RefundRequest, Result, TransactionId, VoidRequest,
};

use crate::entry::{Begun, Entry, EntryState, WriteOperation};
use crate::journaled::{Journaled, Write, stopped, unavailable};

impl Journaled {
    /// Sends again, under the same key, a write that certainly did not take effect (the
    /// provider refused it, or recovery found it not applied), and returns its entry after.
    /// Any other state is refused: an applied or succeeded write is never sent again, and
    /// an unresolved one must be recovered first. Creations are not retried (create a new
    /// order).
    pub async fn retry(&self, key: &str) -> Result<Entry> {
        let entry = self
            .journal
            .entry(&self.account, key)
            .await
            .map_err(|e| Error::config("journal", e.to_string()))?
            .ok_or_else(|| {
                Error::invalid(
                    "key",
                    format!(
                        "no journal entry has the key {key} for this gateway's account ({})",
                        self.account
                    ),
                )
            })?;
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
                    EntryState::Pending
                    | EntryState::Unknown
                    | EntryState::Ambiguous
                    | EntryState::Conflict => JournalErrorKind::Unresolved,
                    _ => JournalErrorKind::Refused,
                },
                format!(
                    "the entry is {}: only a refused or not-applied write is sent again",
                    entry.state
                ),
            ));
        }
        if entry.operation == WriteOperation::CreatePayment {
            return Err(Error::invalid(
                "key",
                "a creation is not sent again: create a new order",
            ));
        }
        let begun = self
            .journal
            .reopen(&self.account, key, self.settings.lease)
            .await
            .map_err(|e| unavailable(&write, &e))?;
        let held = match begun {
            Begun::Claimed {
                attempt,
                lease_until_ms,
                others,
                ..
            } => self.held(attempt, lease_until_ms, others),
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
                self.send_claimed(
                    &write,
                    &held,
                    || self.plan_claimed(&write, &refund, &held),
                    |checked| async move { self.inner.send_refund(&checked).await },
                )
                .await?;
            }
            WriteOperation::Capture => {
                let capture = CaptureRequest::new(order_id, money_in(request)?)?;
                self.send_claimed(
                    &write,
                    &held,
                    || self.plan_claimed(&write, &capture, &held),
                    |checked| async move { self.inner.send_capture(&checked).await },
                )
                .await?;
            }
            WriteOperation::Void => {
                let void = VoidRequest::new(order_id);
                self.send_claimed(
                    &write,
                    &held,
                    || self.plan_claimed(&write, &void, &held),
                    |checked| async move { self.inner.send_void(&checked).await },
                )
                .await?;
            }
            WriteOperation::Cancel => {
                let cancel = CancelRequest::new(order_id);
                self.send_claimed(
                    &write,
                    &held,
                    || self.plan_claimed(&write, &cancel, &held),
                    |checked| async move { self.inner.send_cancel(&checked).await },
                )
                .await?;
            }
            // Refused before the order was claimed again (see above).
            WriteOperation::CreatePayment => {}
        }
        self.journal
            .entry(&self.account, key)
            .await
            .map_err(|e| unavailable(&write, &e))?
            .ok_or_else(|| Error::invalid("key", format!("entry {key} vanished")))
    }
}

impl Journaled {
    /// Settles by hand an entry that nothing else can settle: `pending` once its lease has
    /// run out (or its holder is gone), `unknown`, `ambiguous` or `conflict` becomes
    /// `applied` (`applied` true: the write took effect) or `not_applied`. The payment is
    /// read first (when it can be) and kept as the evidence, with `note` and the time, in
    /// the entry's history. Returns the entry after.
    pub async fn resolve(&self, key: &str, applied: bool, note: &str) -> Result<Entry> {
        if note.trim().is_empty() {
            return Err(Error::invalid(
                "note",
                "say why (what you checked at the provider): it is kept with the entry",
            ));
        }
        let entry = self
            .journal
            .entry(&self.account, key)
            .await
            .map_err(|e| Error::config("journal", e.to_string()))?
            .ok_or_else(|| Error::invalid("key", format!("no journal entry has the key {key}")))?;
        let evidence = match OrderId::new(entry.order_id.clone()) {
            Ok(id) => match self.inner.payment_status(&id).await {
                Ok(payment) => crate::recover::evidence_of(&entry, &payment),
                Err(e) => serde_json::json!({ "payment_read_failed": e.to_string() }),
            },
            Err(e) => serde_json::json!({ "payment_read_failed": e.to_string() }),
        };
        let state = if applied {
            EntryState::Applied
        } else {
            EntryState::NotApplied
        };
        self.journal
            .resolve(&self.account, key, state, note.trim(), Some(evidence))
            .await
            .map_err(|e| match e {
                crate::entry::JournalFailure::Unavailable(_) => {
                    Error::from(paygate_core::JournalError::unavailable(e.to_string()))
                }
                other => Error::invalid("key", format!("entry {key} cannot be resolved: {other}")),
            })
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
