//! The schema, its versions, and the statements both databases run (written with `$n`
//! parameters; SQLite reads them as `?n`).

use crate::entry::{
    Baseline, Entry, EntryState, HistoryEvent, JournalFailure, RawAnswer, WriteOperation,
};

/// The newest schema version this code knows. A database at a newer version is refused.
pub(crate) const SCHEMA_VERSION: i64 = 4;

/// The account recorded for entries written before entries had one (schema 2): the gateway
/// name they were written under, marked as such.
pub(crate) const LEGACY_ACCOUNT_PREFIX: &str = "gateway:";

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
        // Version 2: the webhook inbox (see `inbox/`).
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
    &[
        // Version 3: entries and claims belong to a provider account, not a gateway name;
        // each attempt holds a lease (until, holder); every change is kept in a history.
        // Older entries keep their gateway name as a marked account (see
        // LEGACY_ACCOUNT_PREFIX) and a lease of 60 s from their last change (the old rule).
        "CREATE TABLE paygate_journal_entries_v3 (
        account TEXT NOT NULL,
        key TEXT NOT NULL,
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
        lease_until BIGINT NOT NULL,
        holder TEXT,
        history TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (account, key)
    )",
        "INSERT INTO paygate_journal_entries_v3
        SELECT 'gateway:' || gateway, key, gateway, operation, order_id, amount, currency,
            fingerprint, request, baseline, state, attempt, result, detail, raw_status,
            raw_content_type, raw_body, updated_at + 60000, NULL, '[]', created_at, updated_at
        FROM paygate_journal_entries",
        "DROP TABLE paygate_journal_entries",
        "ALTER TABLE paygate_journal_entries_v3 RENAME TO paygate_journal_entries",
        "CREATE INDEX paygate_journal_entries_by_state_v3
        ON paygate_journal_entries (state, created_at)",
        "CREATE INDEX paygate_journal_entries_by_order
        ON paygate_journal_entries (account, order_id)",
        "CREATE TABLE paygate_journal_claims_v3 (
        account TEXT NOT NULL,
        order_id TEXT NOT NULL,
        key TEXT NOT NULL,
        claimed_at BIGINT NOT NULL,
        PRIMARY KEY (account, order_id)
    )",
        "INSERT INTO paygate_journal_claims_v3
        SELECT 'gateway:' || gateway, order_id, key, claimed_at FROM paygate_journal_claims",
        "DROP TABLE paygate_journal_claims",
        "ALTER TABLE paygate_journal_claims_v3 RENAME TO paygate_journal_claims",
    ],
    &[
        // Version 4: a receipt is held while its handler runs, and a failed one waits before
        // it is due again (see `inbox/`).
        "ALTER TABLE paygate_webhook_receipts ADD COLUMN held_until BIGINT",
        "ALTER TABLE paygate_webhook_receipts ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE paygate_webhook_receipts ADD COLUMN last_error TEXT",
    ],
];

/// The entry columns, in [`EntryRow`]'s order.
pub(crate) const ENTRY_COLUMNS: &str = "account, key, gateway, operation, order_id, amount,
    currency, fingerprint, request, baseline, state, attempt, result, detail, raw_status,
    raw_content_type, raw_body, lease_until, holder, history, created_at, updated_at";

/// Inserts a pending entry, unless the key exists in the account: `$1`…`$13` are account,
/// key, gateway, operation, order id, amount, currency, fingerprint, request, baseline,
/// lease until, holder, now (created and updated).
pub(crate) const INSERT_ENTRY: &str = "INSERT INTO paygate_journal_entries
    (account, key, gateway, operation, order_id, amount, currency, fingerprint, request,
     baseline, state, attempt, lease_until, holder, history, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', 1, $11, $12, '[]', $13, $13)
    ON CONFLICT (account, key) DO NOTHING";

/// Writes an entry's changing columns: account, key, then baseline, state, attempt, result,
/// detail, raw status, raw content type, raw body, lease until, holder, history, now.
pub(crate) const UPDATE_ENTRY: &str = "UPDATE paygate_journal_entries
    SET baseline = $3, state = $4, attempt = $5, result = $6, detail = $7, raw_status = $8,
        raw_content_type = $9, raw_body = $10, lease_until = $11, holder = $12,
        history = $13, updated_at = $14
    WHERE account = $1 AND key = $2";

/// Deletes an entry: account, key.
pub(crate) const DELETE_ENTRY: &str =
    "DELETE FROM paygate_journal_entries WHERE account = $1 AND key = $2";

/// Claims an order for a key, unless another key holds it: account, order, key, now.
pub(crate) const INSERT_CLAIM: &str = "INSERT INTO paygate_journal_claims
    (account, order_id, key, claimed_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (account, order_id) DO NOTHING";

/// Who holds an order: account, order.
pub(crate) const SELECT_CLAIM: &str =
    "SELECT key FROM paygate_journal_claims WHERE account = $1 AND order_id = $2";

/// Releases a key's claim: account, key.
pub(crate) const DELETE_CLAIM: &str =
    "DELETE FROM paygate_journal_claims WHERE account = $1 AND key = $2";

/// One entry: account, key.
pub(crate) fn select_entry() -> String {
    format!("SELECT {ENTRY_COLUMNS} FROM paygate_journal_entries WHERE account = $1 AND key = $2")
}

/// An order's entries, oldest first (as [`select_entries`] orders them), by the index on
/// account and order: account, order.
pub(crate) fn select_order_entries() -> String {
    format!(
        "SELECT {ENTRY_COLUMNS} FROM paygate_journal_entries
         WHERE account = $1 AND order_id = $2
         ORDER BY created_at, account, key"
    )
}

/// Entries, oldest first: unresolved only (0/1), account (empty: any), key (empty: any),
/// order (empty: any), limit.
pub(crate) fn select_entries() -> String {
    format!(
        "SELECT {ENTRY_COLUMNS} FROM paygate_journal_entries
         WHERE ($1 = 0 OR state IN ('pending', 'unknown', 'ambiguous', 'conflict'))
           AND ($2 = '' OR account = $2) AND ($3 = '' OR key = $3)
           AND ($4 = '' OR order_id = $4)
         ORDER BY created_at, account, key LIMIT $5"
    )
}

/// An entry's columns as read, before checking.
pub(crate) struct EntryRow {
    pub(crate) account: String,
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
    pub(crate) lease_until: i64,
    pub(crate) holder: Option<String>,
    pub(crate) history: String,
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
        let history =
            serde_json::from_str::<Vec<HistoryEvent>>(&self.history).map_err(|_| bad("history"))?;
        let raw = match (self.raw_status, self.raw_body) {
            (Some(status), body) => Some(RawAnswer {
                http_status: u16::try_from(status).map_err(|_| bad("answer status"))?,
                content_type: self.raw_content_type,
                body: body.unwrap_or_default(),
            }),
            (None, _) => None,
        };
        Ok(Entry {
            account: self.account,
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
            lease_until_ms: self.lease_until,
            holder: self.holder,
            history,
            created_at_ms: self.created_at,
            updated_at_ms: self.updated_at,
        })
    }
}

/// Now, in Unix milliseconds, by this host's clock (the webhook inbox's times).
pub(crate) fn now_ms() -> i64 {
    unix_ms(time::OffsetDateTime::now_utc())
}

/// A time in Unix milliseconds.
pub(crate) fn unix_ms(at: time::OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Unix milliseconds as RFC 3339 (UTC), for messages.
pub(crate) fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("{ms} ms"))
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A value as JSON text (these values always serialise).
pub(crate) fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}
