//! The schema, its versions, and the statements both databases run (written with `$n`
//! parameters; SQLite reads them as `?n`).

use crate::entry::{Baseline, Entry, EntryState, JournalFailure, RawAnswer, WriteOperation};

/// The newest schema version this code knows. A database at a newer version is refused.
pub(crate) const SCHEMA_VERSION: i64 = 2;

/// Creates the version table (any version).
pub(crate) const CREATE_META: &str = "CREATE TABLE IF NOT EXISTS paygate_journal_meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
)";

/// Reads the version (no row: a new database).
pub(crate) const SELECT_VERSION: &str =
    "SELECT value FROM paygate_journal_meta WHERE name = 'schema_version'";

/// Records the version.
pub(crate) const UPSERT_VERSION: &str = "INSERT INTO paygate_journal_meta (name, value)
    VALUES ('schema_version', $1)
    ON CONFLICT (name) DO UPDATE SET value = excluded.value";

/// The migrations: `MIGRATIONS[n]` takes a database from version n to n + 1. `BLOB` is the
/// byte type's name; PostgreSQL reads it as `BYTEA`.
pub(crate) const MIGRATIONS: &[&[&str]] = &[
    &[
        "CREATE TABLE paygate_journal_entries (
        key TEXT PRIMARY KEY,
        gateway TEXT NOT NULL,
        operation TEXT NOT NULL,
        order_id TEXT NOT NULL,
        amount TEXT,
        currency TEXT,
        fingerprint TEXT NOT NULL,
        request TEXT NOT NULL,
        baseline TEXT,
        state TEXT NOT NULL,
        attempt BIGINT NOT NULL,
        result TEXT,
        detail TEXT,
        raw_status BIGINT,
        raw_content_type TEXT,
        raw_body BLOB,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    )",
        "CREATE INDEX paygate_journal_entries_by_state
        ON paygate_journal_entries (state, updated_at)",
        "CREATE TABLE paygate_journal_claims (
        gateway TEXT NOT NULL,
        order_id TEXT NOT NULL,
        key TEXT NOT NULL,
        claimed_at BIGINT NOT NULL,
        PRIMARY KEY (gateway, order_id)
    )",
    ],
    &[
        // Version 2: the webhook inbox (see `inbox.rs`).
        "CREATE TABLE paygate_webhook_receipts (
        gateway TEXT NOT NULL,
        event_key TEXT NOT NULL,
        order_id TEXT NOT NULL,
        body BLOB NOT NULL,
        received_at BIGINT NOT NULL,
        handled_at BIGINT,
        PRIMARY KEY (gateway, event_key)
    )",
        "CREATE INDEX paygate_webhook_receipts_unhandled
        ON paygate_webhook_receipts (handled_at, received_at)",
    ],
];

/// The entry columns, in [`EntryRow`]'s order.
pub(crate) const ENTRY_COLUMNS: &str = "key, gateway, operation, order_id, amount, currency,
    fingerprint, request, baseline, state, attempt, result, detail, raw_status,
    raw_content_type, raw_body, created_at, updated_at";

/// Inserts a pending entry, unless the key exists: `$1`…`$11` are key, gateway, operation,
/// order id, amount, currency, fingerprint, request, baseline, now (created and updated).
pub(crate) const INSERT_ENTRY: &str = "INSERT INTO paygate_journal_entries
    (key, gateway, operation, order_id, amount, currency, fingerprint, request, baseline,
     state, attempt, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', 1, $10, $10)
    ON CONFLICT (key) DO NOTHING";

/// Claims an order for a key, unless another key holds it: gateway, order, key, now.
pub(crate) const INSERT_CLAIM: &str = "INSERT INTO paygate_journal_claims
    (gateway, order_id, key, claimed_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (gateway, order_id) DO NOTHING";

/// Who holds an order: gateway, order.
pub(crate) const SELECT_CLAIM: &str =
    "SELECT key FROM paygate_journal_claims WHERE gateway = $1 AND order_id = $2";

/// Releases a key's claim: key.
pub(crate) const DELETE_CLAIM: &str = "DELETE FROM paygate_journal_claims WHERE key = $1";

/// Records an outcome of a pending or unknown attempt: state, result, detail, raw status,
/// raw content type, raw body, now, key, attempt.
pub(crate) const UPDATE_OUTCOME: &str = "UPDATE paygate_journal_entries
    SET state = $1, result = $2, detail = $3, raw_status = $4, raw_content_type = $5,
        raw_body = $6, updated_at = $7
    WHERE key = $8 AND attempt = $9 AND state IN ('pending', 'unknown')";

/// Records the baseline of a pending attempt: baseline, now, key, attempt.
pub(crate) const READY_ENTRY: &str = "UPDATE paygate_journal_entries
    SET baseline = $1, updated_at = $2
    WHERE key = $3 AND attempt = $4 AND state = 'pending'";

/// Deletes a first attempt that was never sent: key.
pub(crate) const DELETE_UNSENT_ENTRY: &str = "DELETE FROM paygate_journal_entries
    WHERE key = $1 AND attempt = 1 AND state = 'pending'";

/// Sets a retry that was never sent back to not applied: detail, now, key, attempt.
pub(crate) const UNSENT_RETRY: &str = "UPDATE paygate_journal_entries
    SET state = 'not_applied', detail = $1, updated_at = $2
    WHERE key = $3 AND attempt = $4 AND state = 'pending'";

/// Reopens a write that did not take effect, as its next attempt: baseline, now, key.
pub(crate) const REOPEN_ENTRY: &str = "UPDATE paygate_journal_entries
    SET state = 'pending', attempt = attempt + 1, baseline = $1, result = NULL,
        detail = NULL, raw_status = NULL, raw_content_type = NULL, raw_body = NULL,
        updated_at = $2
    WHERE key = $3 AND state IN ('refused', 'not_applied')";

/// One entry: key.
pub(crate) fn select_entry() -> String {
    format!("SELECT {ENTRY_COLUMNS} FROM paygate_journal_entries WHERE key = $1")
}

/// Entries, oldest first: unresolved only (0/1), changed before (ms), limit.
pub(crate) fn select_entries() -> String {
    format!(
        "SELECT {ENTRY_COLUMNS} FROM paygate_journal_entries
         WHERE ($1 = 0 OR state IN ('pending', 'unknown')) AND updated_at <= $2
         ORDER BY created_at, key LIMIT $3"
    )
}

/// An entry's columns as read, before checking.
pub(crate) struct EntryRow {
    pub(crate) key: String,
    pub(crate) gateway: String,
    pub(crate) operation: String,
    pub(crate) order_id: String,
    pub(crate) amount: Option<String>,
    pub(crate) currency: Option<String>,
    pub(crate) fingerprint: String,
    pub(crate) request: String,
    pub(crate) baseline: Option<String>,
    pub(crate) state: String,
    pub(crate) attempt: i64,
    pub(crate) result: Option<String>,
    pub(crate) detail: Option<String>,
    pub(crate) raw_status: Option<i64>,
    pub(crate) raw_content_type: Option<String>,
    pub(crate) raw_body: Option<Vec<u8>>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

impl EntryRow {
    /// The entry, or why the row is not one this code wrote.
    pub(crate) fn into_entry(self) -> Result<Entry, JournalFailure> {
        let bad = |what: &str| {
            JournalFailure::Unavailable(format!("entry {:?} has an unreadable {what}", self.key))
        };
        let operation =
            WriteOperation::from_name(&self.operation).ok_or_else(|| bad("operation"))?;
        let state = EntryState::from_name(&self.state).ok_or_else(|| bad("state"))?;
        let request = serde_json::from_str(&self.request).map_err(|_| bad("request"))?;
        let baseline = match &self.baseline {
            Some(text) => {
                Some(serde_json::from_str::<Baseline>(text).map_err(|_| bad("baseline"))?)
            }
            None => None,
        };
        let result = match &self.result {
            Some(text) => Some(serde_json::from_str(text).map_err(|_| bad("result"))?),
            None => None,
        };
        let attempt = u32::try_from(self.attempt).map_err(|_| bad("attempt"))?;
        let raw = match (self.raw_status, self.raw_body) {
            (Some(status), body) => Some(RawAnswer {
                http_status: u16::try_from(status).map_err(|_| bad("answer status"))?,
                content_type: self.raw_content_type,
                body: body.unwrap_or_default(),
            }),
            (None, _) => None,
        };
        Ok(Entry {
            key: self.key,
            gateway: self.gateway,
            operation,
            order_id: self.order_id,
            amount: self.amount,
            currency: self.currency,
            fingerprint: self.fingerprint,
            request,
            baseline,
            state,
            attempt,
            result,
            detail: self.detail,
            raw,
            created_at_ms: self.created_at,
            updated_at_ms: self.updated_at,
        })
    }
}

/// Now, in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}

/// A value as JSON text (these values always serialise).
pub(crate) fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}
