//! The webhook inbox: deliveries a receiver took in, in the journal's database, so that a
//! delivery the provider sends again (Finpay until it is acknowledged; any provider after a
//! network error) reaches the app's handler once — across restarts and app instances.
//!
//! A receipt is recorded before the provider is acknowledged, **held** by the receiver that
//! took it in while its handler runs, and marked handled when the handler has finished. A
//! failed handler makes it due again after a wait; a receiver that died holding it lets its
//! hold run out. Due receipts are taken by [`WebhookInbox::claim_due`], which holds each for
//! one claimant only: two app instances never hand the same event to their handlers at once.
//!
//! The hold is judged by the journal's clock: PostgreSQL's server clock, or the SQLite
//! journal's.

use std::time::Duration;

use async_trait::async_trait;

use crate::entry::JournalFailure;
use crate::schema;

/// One delivery, as the receiver records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookReceipt {
    /// The gateway instance's name in the registry.
    pub gateway: String,
    /// What identifies the event whatever the delivery (the receiver's choice: order,
    /// transaction, status and amount), at most 200 characters.
    pub event_key: String,
    /// The order it is about.
    pub order_id: String,
    /// The body as received.
    pub body: Vec<u8>,
    /// When it was received, Unix milliseconds.
    pub received_at_ms: i64,
    /// When the handler finished with it, Unix milliseconds.
    pub handled_at_ms: Option<i64>,
    /// Until when, Unix milliseconds on the journal's clock, a receiver holds it (its
    /// handler running) or it waits to be tried again after a failure. `None` or past: due.
    pub held_until_ms: Option<i64>,
    /// How many times its handler failed.
    pub failures: u32,
    /// Why it failed last.
    pub last_error: Option<String>,
}

impl WebhookReceipt {
    /// A receipt received now, not handled yet.
    pub fn new(
        gateway: impl Into<String>,
        event_key: impl Into<String>,
        order_id: impl Into<String>,
        body: impl Into<Vec<u8>>,
    ) -> WebhookReceipt {
        WebhookReceipt {
            gateway: gateway.into(),
            event_key: event_key.into(),
            order_id: order_id.into(),
            body: body.into(),
            received_at_ms: schema::now_ms(),
            handled_at_ms: None,
            held_until_ms: None,
            failures: 0,
            last_error: None,
        }
    }
}

/// Which receipts to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceiptFilter {
    /// Only receipts not handled yet.
    pub unhandled_only: bool,
    /// Only this gateway's.
    pub gateway: Option<String>,
    /// Only this order's.
    pub order_id: Option<String>,
    /// At most this many, oldest first (`None`: all).
    pub limit: Option<u32>,
}

/// Durable receipts of webhook deliveries. Every journal is one.
#[async_trait]
pub trait WebhookInbox: Send + Sync {
    /// Records `receipt` unless its gateway and event key are recorded already, held by the
    /// caller for `hold` (its handler about to run): true when this is the first delivery
    /// of the event.
    async fn receive(
        &self,
        receipt: &WebhookReceipt,
        hold: Duration,
    ) -> Result<bool, JournalFailure>;

    /// Takes up to `limit` of `gateway`'s unhandled receipts that are due (nobody holds
    /// them, no wait after a failure runs), oldest first, and holds each for `hold`. A
    /// receipt is taken by one caller only, however many ask at once.
    async fn claim_due(
        &self,
        gateway: &str,
        limit: u32,
        hold: Duration,
    ) -> Result<Vec<WebhookReceipt>, JournalFailure>;

    /// Marks the event handled (a second call changes nothing).
    async fn mark_handled(&self, gateway: &str, event_key: &str) -> Result<(), JournalFailure>;

    /// Its handler failed with `error`: due again `retry_in` from now.
    async fn retry_later(
        &self,
        gateway: &str,
        event_key: &str,
        retry_in: Duration,
        error: &str,
    ) -> Result<(), JournalFailure>;

    /// Receipts, oldest first.
    async fn receipts(&self, filter: &ReceiptFilter)
    -> Result<Vec<WebhookReceipt>, JournalFailure>;

    /// Makes a receipt due again, unhandled (an operator's replay: a receiver's
    /// [`WebhookInbox::claim_due`] hands it over once more). False when there is none, or
    /// while it is held (a handler may be running; a failed one's wait runs): a replay then
    /// would hand it to a second handler.
    async fn replay(&self, gateway: &str, event_key: &str) -> Result<bool, JournalFailure>;
}

/// The receipt columns, in [`WebhookReceipt`]'s order.
const RECEIPT_COLUMNS: &str = "gateway, event_key, order_id, body, received_at, handled_at,
    held_until, attempts, last_error";

/// Records a receipt unless its key is taken: gateway, key, order, body, received, hold (ms).
const INSERT_RECEIPT: &str = "INSERT INTO paygate_webhook_receipts
    (gateway, event_key, order_id, body, received_at, held_until, attempts)
    VALUES ($1, $2, $3, $4, $5, {now} + $6, 0)
    ON CONFLICT (gateway, event_key) DO NOTHING";

/// A gateway's due receipts, oldest first: gateway, limit.
fn select_due() -> String {
    format!(
        "SELECT {RECEIPT_COLUMNS} FROM paygate_webhook_receipts
         WHERE gateway = $1 AND handled_at IS NULL AND (held_until IS NULL OR held_until <= {{now}})
         ORDER BY received_at, event_key LIMIT $2"
    )
}

/// Holds one receipt if it is still due: gateway, key, hold (ms).
const CLAIM_RECEIPT: &str = "UPDATE paygate_webhook_receipts SET held_until = {now} + $3
    WHERE gateway = $1 AND event_key = $2 AND handled_at IS NULL
      AND (held_until IS NULL OR held_until <= {now})";

/// Marks a receipt handled: gateway, key.
const MARK_HANDLED: &str = "UPDATE paygate_webhook_receipts
    SET handled_at = {now}, held_until = NULL
    WHERE gateway = $1 AND event_key = $2 AND handled_at IS NULL";

/// A failed attempt: gateway, key, wait (ms), error.
const RETRY_LATER: &str = "UPDATE paygate_webhook_receipts
    SET held_until = {now} + $3, attempts = attempts + 1, last_error = $4
    WHERE gateway = $1 AND event_key = $2 AND handled_at IS NULL";

/// Due again, unhandled, unless a receiver holds it or its wait after a failure runs:
/// gateway, key.
const REPLAY: &str = "UPDATE paygate_webhook_receipts SET handled_at = NULL, held_until = NULL
    WHERE gateway = $1 AND event_key = $2 AND (held_until IS NULL OR held_until <= {now})";

/// Receipts, oldest first: unhandled only (0/1), gateway (empty: any), order (empty: any),
/// limit.
fn select_receipts() -> String {
    format!(
        "SELECT {RECEIPT_COLUMNS} FROM paygate_webhook_receipts
         WHERE ($1 = 0 OR handled_at IS NULL) AND ($2 = '' OR gateway = $2)
           AND ($3 = '' OR order_id = $3)
         ORDER BY received_at, gateway, event_key LIMIT $4"
    )
}

/// The longest event key stored.
const MAX_EVENT_KEY: usize = 200;

fn checked(receipt: &WebhookReceipt) -> Result<(), JournalFailure> {
    if receipt.event_key.is_empty() || receipt.event_key.len() > MAX_EVENT_KEY {
        return Err(JournalFailure::Unavailable(format!(
            "a webhook event key must be 1 to {MAX_EVENT_KEY} bytes"
        )));
    }
    Ok(())
}

fn limit_of(limit: Option<u32>) -> i64 {
    limit.map_or(i64::MAX, i64::from)
}

#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "postgres")]
mod postgres;
