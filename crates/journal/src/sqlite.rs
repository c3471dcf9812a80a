//! The embedded journal: one SQLite file in WAL mode, shared safely by several processes on
//! one host.
//!
//! What must survive a power cut waits for the WAL's flush (`synchronous = FULL`): the
//! baseline, recorded last before a write is sent, a late answer that conflicts with
//! recovery, and an operator's decision. The intent, the writer's outcome of a pending entry
//! and recovery's settlements do not (`NORMAL`): a power cut takes the process with an
//! unflushed intent, and nothing was sent, since the baseline's flush carries every earlier
//! commit; a lost outcome leaves the entry sent and unanswered, for recovery to settle from
//! evidence; a lost settlement is decided again (see `Commit` and `Durability`).
//!
//! Writers take the database's write lock at `BEGIN IMMEDIATE`, so the check of a key and of
//! an order's claim and the insert are one step for every process; a writer waits up to
//! [`BUSY_TIMEOUT`] for another. Leases are judged by the host's clock (the `Clock` given to
//! [`SqliteJournal::open_with_clock`]); a handle's holder file (see `holder_file.rs`) tells
//! recovery when a writer's process has died. The file is created
//! `0600` in a `0700` folder: it holds orders, amounts and the providers' answers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use paygate_core::clock::{Clock, SystemClock};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::entry::{
    Baseline, Begun, Entry, EntryFilter, EntryState, Finished, Intent, JournalFailure, Outcome,
};
use crate::holder_file::{self, HolderFile};
use crate::schema::{self, EntryRow};
use crate::store::{Commit, WriteJournal};
use crate::transition::{self, Claim};

/// How long a writer waits for another process's transaction.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A journal in one SQLite file.
#[derive(Clone)]
pub struct SqliteJournal {
    path: PathBuf,
    connection: Arc<Mutex<Connection>>,
    clock: Arc<dyn Clock>,
    /// `None` for a read-only handle.
    holder: Option<Arc<HolderFile>>,
    /// Statements run on the calling thread, not tokio's blocking pool.
    inline: bool,
}

impl std::fmt::Debug for SqliteJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteJournal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn unavailable(error: rusqlite::Error) -> JournalFailure {
    JournalFailure::Unavailable(error.to_string())
}

/// SQLite reads `$n` parameters as `?n`.
fn sqlite_sql(text: &str) -> String {
    text.replace('$', "?")
}

impl SqliteJournal {
    /// Opens (creating it and its directory if need be) the journal at `path`, and brings its
    /// schema up to date. Leases are judged by the system clock.
    pub async fn open(path: impl AsRef<Path>) -> Result<SqliteJournal, JournalFailure> {
        SqliteJournal::open_with_clock(path, Arc::new(SystemClock)).await
    }

    /// [`SqliteJournal::open`], judging leases by `clock` (every handle on the file must
    /// share one: a simulation's, or the host's).
    pub async fn open_with_clock(
        path: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
    ) -> Result<SqliteJournal, JournalFailure> {
        let path = path.as_ref().to_path_buf();
        let opened = path.clone();
        let (connection, holder) = tokio::task::spawn_blocking(move || {
            let connection = open_blocking(&opened)?;
            let holder = HolderFile::take(&holder_file::holders_dir(&opened))?;
            Ok::<_, JournalFailure>((connection, holder))
        })
        .await
        .map_err(|e| JournalFailure::Unavailable(e.to_string()))??;
        Ok(SqliteJournal {
            path,
            connection: Arc::new(Mutex::new(connection)),
            clock,
            holder: Some(Arc::new(holder)),
            inline: false,
        })
    }

    /// [`SqliteJournal::open_with_clock`] on the calling thread, every later statement run
    /// there too (blocking it), never on tokio's blocking pool: for single-threaded
    /// deterministic simulations, where a statement must finish within the poll that starts
    /// it so that a seed always replays the same schedule.
    pub fn open_inline(
        path: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
    ) -> Result<SqliteJournal, JournalFailure> {
        let path = path.as_ref().to_path_buf();
        let connection = open_blocking(&path)?;
        let holder = HolderFile::take(&holder_file::holders_dir(&path))?;
        Ok(SqliteJournal {
            path,
            connection: Arc::new(Mutex::new(connection)),
            clock,
            holder: Some(Arc::new(holder)),
            inline: true,
        })
    }

    /// Opens an existing journal read-only (to inspect it): every write is refused as
    /// unavailable, as for a read-only file.
    pub async fn open_read_only(path: impl AsRef<Path>) -> Result<SqliteJournal, JournalFailure> {
        let path = path.as_ref().to_path_buf();
        let opened = path.clone();
        let connection = tokio::task::spawn_blocking(move || {
            let connection =
                Connection::open_with_flags(&opened, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                    .map_err(unavailable)?;
            connection.busy_timeout(BUSY_TIMEOUT).map_err(unavailable)?;
            check_version(&connection)?;
            Ok::<_, JournalFailure>(connection)
        })
        .await
        .map_err(|e| JournalFailure::Unavailable(e.to_string()))??;
        Ok(SqliteJournal {
            path,
            connection: Arc::new(Mutex::new(connection)),
            clock: Arc::new(SystemClock),
            holder: None,
            inline: false,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on the connection, off the async threads.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, JournalFailure>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, JournalFailure> + Send + 'static,
    {
        let connection = self.connection.clone();
        // Every call starts waiting for the flush: `PRAGMA synchronous` is the connection's,
        // and a relaxed transaction (see `immediate`) must not leave it lowered for the next
        // write, whatever writes it (the webhook inbox included).
        let work = move |connection: &mut Connection| {
            connection
                .execute_batch("PRAGMA synchronous = FULL")
                .map_err(unavailable)?;
            work(connection)
        };
        if self.inline {
            let mut guard = connection.lock().unwrap_or_else(PoisonError::into_inner);
            return work(&mut guard);
        }
        tokio::task::spawn_blocking(move || {
            let mut guard = connection.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut guard)
        })
        .await
        .map_err(|e| JournalFailure::Unavailable(e.to_string()))?
    }
}

fn open_blocking(path: &Path) -> Result<Connection, JournalFailure> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private_dir(dir)?;
    }
    crate::private_file(path)?;
    let mut connection = Connection::open(path).map_err(unavailable)?;
    connection.busy_timeout(BUSY_TIMEOUT).map_err(unavailable)?;
    // WAL is a property of the file; a read-only file keeps the mode it has.
    let mode: String = connection
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(unavailable)?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(path = %path.display(), mode, "the write journal is not in WAL mode");
    }
    connection
        .execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        .map_err(unavailable)?;
    migrate(&mut connection)?;
    Ok(connection)
}

/// The schema version of a journal opened read-only: it must be one this code reads.
fn check_version(connection: &Connection) -> Result<(), JournalFailure> {
    let found: Option<String> = connection
        .query_row(schema::SELECT_VERSION, [], |row| row.get(0))
        .optional()
        .map_err(unavailable)?;
    let found = found
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| JournalFailure::Unavailable("not a paygate write journal".into()))?;
    if found > schema::SCHEMA_VERSION {
        return Err(JournalFailure::NewerSchema {
            found,
            known: schema::SCHEMA_VERSION,
        });
    }
    if found < schema::SCHEMA_VERSION {
        return Err(JournalFailure::Unavailable(format!(
            "the journal's schema is version {found}: open it writable once to upgrade it"
        )));
    }
    Ok(())
}

fn migrate(connection: &mut Connection) -> Result<(), JournalFailure> {
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(unavailable)?;
    tx.execute(schema::CREATE_META, []).map_err(unavailable)?;
    let found: Option<String> = tx
        .query_row(schema::SELECT_VERSION, [], |row| row.get(0))
        .optional()
        .map_err(unavailable)?;
    let found = found.map_or(Ok(0), |v| {
        v.parse::<i64>()
            .map_err(|_| JournalFailure::Unavailable(format!("unreadable schema version {v:?}")))
    })?;
    if found > schema::SCHEMA_VERSION {
        return Err(JournalFailure::NewerSchema {
            found,
            known: schema::SCHEMA_VERSION,
        });
    }
    let pending = schema::MIGRATIONS
        .iter()
        .skip(usize::try_from(found).unwrap_or(usize::MAX));
    for statements in pending {
        for statement in statements.iter() {
            tx.execute(statement, []).map_err(unavailable)?;
        }
    }
    if found < schema::SCHEMA_VERSION {
        tx.execute(
            &sqlite_sql(schema::UPSERT_VERSION),
            params![schema::SCHEMA_VERSION.to_string()],
        )
        .map_err(unavailable)?;
    }
    tx.commit().map_err(unavailable)
}

fn read_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<EntryRow> {
    Ok(EntryRow {
        account: row.get(0)?,
        key: row.get(1)?,
        gateway: row.get(2)?,
        operation: row.get(3)?,
        order_id: row.get(4)?,
        amount: row.get(5)?,
        currency: row.get(6)?,
        fingerprint: row.get(7)?,
        request: row.get(8)?,
        baseline: row.get(9)?,
        state: row.get(10)?,
        attempt: row.get(11)?,
        result: row.get(12)?,
        detail: row.get(13)?,
        raw_status: row.get(14)?,
        raw_content_type: row.get(15)?,
        raw_body: row.get(16)?,
        lease_until: row.get(17)?,
        holder: row.get(18)?,
        history: row.get(19)?,
        created_at: row.get(20)?,
        updated_at: row.get(21)?,
    })
}

fn entry_in(
    connection: &Connection,
    account: &str,
    key: &str,
) -> Result<Option<Entry>, JournalFailure> {
    connection
        .prepare_cached(&sqlite_sql(&schema::select_entry()))
        .map_err(unavailable)?
        .query_row(params![account, key], read_entry)
        .optional()
        .map_err(unavailable)?
        .map(EntryRow::into_entry)
        .transpose()
}

/// The entries `filter` asks for, oldest first.
fn entries_in(connection: &Connection, filter: &EntryFilter) -> Result<Vec<Entry>, JournalFailure> {
    let limit = filter.limit.map_or(i64::MAX, i64::from);
    let mut statement = connection
        .prepare_cached(&sqlite_sql(&schema::select_entries()))
        .map_err(unavailable)?;
    let rows = statement
        .query_map(
            params![
                i64::from(filter.unresolved_only),
                filter.account.as_deref().unwrap_or(""),
                filter.key.as_deref().unwrap_or(""),
                filter.order_id.as_deref().unwrap_or(""),
                limit
            ],
            read_entry,
        )
        .map_err(unavailable)?;
    let mut entries = Vec::new();
    for row in rows {
        entries.push(row.map_err(unavailable)?.into_entry()?);
    }
    Ok(entries)
}

/// The entries of `order_id` in `account`, oldest first.
fn order_in(
    connection: &Connection,
    account: &str,
    order_id: &str,
) -> Result<Vec<Entry>, JournalFailure> {
    let mut statement = connection
        .prepare_cached(&sqlite_sql(&schema::select_order_entries()))
        .map_err(unavailable)?;
    let rows = statement
        .query_map(params![account, order_id], read_entry)
        .map_err(unavailable)?;
    let mut entries = Vec::new();
    for row in rows {
        entries.push(row.map_err(unavailable)?.into_entry()?);
    }
    Ok(entries)
}

/// The entries of `order_id` in `account` other than `key`'s, oldest first.
fn others_in(
    connection: &Connection,
    account: &str,
    order_id: &str,
    key: &str,
) -> Result<Vec<Entry>, JournalFailure> {
    let mut entries = order_in(connection, account, order_id)?;
    entries.retain(|entry| entry.key != key);
    Ok(entries)
}

fn existing(connection: &Connection, account: &str, key: &str) -> Result<Entry, JournalFailure> {
    entry_in(connection, account, key)?.ok_or(JournalFailure::NotFound)
}

fn holder_in(
    connection: &Connection,
    account: &str,
    order_id: &str,
) -> Result<Option<String>, JournalFailure> {
    connection
        .prepare_cached(&sqlite_sql(schema::SELECT_CLAIM))
        .map_err(unavailable)?
        .query_row(params![account, order_id], |row| row.get(0))
        .optional()
        .map_err(unavailable)
}

/// Writes `entry`'s changing columns, and its claim as `claim` says.
fn write_entry(connection: &Connection, entry: &Entry, claim: Claim) -> Result<(), JournalFailure> {
    let raw = entry.raw.as_ref();
    connection
        .prepare_cached(&sqlite_sql(schema::UPDATE_ENTRY))
        .map_err(unavailable)?
        .execute(params![
            entry.account,
            entry.key,
            entry.baseline.as_ref().map(schema::json_text),
            entry.state.as_str(),
            i64::from(entry.attempt),
            entry.result.as_ref().map(schema::json_text),
            entry.detail,
            raw.map(|r| i64::from(r.http_status)),
            raw.and_then(|r| r.content_type.clone()),
            raw.map(|r| r.body.clone()),
            entry.lease_until_ms,
            entry.holder,
            schema::json_text(&entry.history),
            entry.updated_at_ms,
        ])
        .map_err(unavailable)?;
    if claim == Claim::Release {
        release_claim(connection, &entry.account, &entry.key)?;
    }
    Ok(())
}

fn release_claim(connection: &Connection, account: &str, key: &str) -> Result<(), JournalFailure> {
    connection
        .prepare_cached(&sqlite_sql(schema::DELETE_CLAIM))
        .map_err(unavailable)?
        .execute(params![account, key])
        .map_err(unavailable)?;
    Ok(())
}

/// A write transaction whose commit waits for the WAL's flush, or not: every call through
/// `run` starts at `FULL`, and a relaxed one lowers it for itself.
fn immediate(
    connection: &mut Connection,
    commit: Commit,
) -> Result<rusqlite::Transaction<'_>, JournalFailure> {
    if commit == Commit::Relaxed {
        connection
            .execute_batch("PRAGMA synchronous = NORMAL")
            .map_err(unavailable)?;
    }
    connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(unavailable)
}

impl SqliteJournal {
    fn now(&self) -> i64 {
        schema::unix_ms(self.clock.now())
    }

    /// The clock that judges its leases and holds.
    pub(crate) fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Reads `account`/`key` in a write transaction, applies `change` (which says what to
    /// write and what to answer), and commits as durably as `durability` says of the entry
    /// read.
    async fn change<T, F>(
        &self,
        account: &str,
        key: &str,
        durability: Durability,
        change: F,
    ) -> Result<T, JournalFailure>
    where
        T: Send + 'static,
        F: FnOnce(&Entry, i64) -> Result<(Option<Entry>, Claim, T), JournalFailure>
            + Send
            + 'static,
    {
        let account = account.to_owned();
        let key = key.to_owned();
        let clock = self.clock.clone();
        self.run(move |connection| {
            let mut commit = durability.first();
            let (tx, entry) = loop {
                let tx = immediate(connection, commit)?;
                let entry = existing(&tx, &account, &key)?;
                let needed = durability.for_entry(&entry);
                if needed == commit || commit == Commit::Flushed {
                    break (tx, entry);
                }
                // Begun relaxed, but this entry needs the flush: roll back, begin again.
                drop(tx);
                connection
                    .execute_batch("PRAGMA synchronous = FULL")
                    .map_err(unavailable)?;
                commit = needed;
            };
            // Read once the write lock is held: a wait for it must not age the lease.
            let now = schema::unix_ms(clock.now());
            let (next, claim, answer) = change(&entry, now)?;
            match next {
                Some(next) => write_entry(&tx, &next, claim)?,
                None => {
                    tx.execute(&sqlite_sql(schema::DELETE_ENTRY), params![account, key])
                        .map_err(unavailable)?;
                    release_claim(&tx, &account, &key)?;
                }
            }
            tx.commit().map_err(unavailable)?;
            Ok(answer)
        })
        .await
    }
}

/// How durable a change's commit must be, told from the entry it changes.
#[derive(Debug, Clone, Copy)]
enum Durability {
    /// The same for every entry.
    Always(Commit),
    /// Relaxed for an entry still pending, flushed for any other. The writer's outcome: one
    /// that a power cut loses leaves its entry pending, sent and unanswered — the state a
    /// crash between the answer and its recording leaves too, which recovery settles from
    /// the provider's evidence; nothing is sent again meanwhile, since the intent and its
    /// baseline were flushed before sending. An answer that meets an entry recovery already
    /// settled (a conflict) is flushed: losing it would leave recovery's verdict alone.
    RelaxedWhilePending,
}

impl Durability {
    fn first(self) -> Commit {
        match self {
            Durability::Always(commit) => commit,
            Durability::RelaxedWhilePending => Commit::Relaxed,
        }
    }

    fn for_entry(self, entry: &Entry) -> Commit {
        match self {
            Durability::Always(commit) => commit,
            Durability::RelaxedWhilePending if entry.state == EntryState::Pending => {
                Commit::Relaxed
            }
            Durability::RelaxedWhilePending => Commit::Flushed,
        }
    }
}

#[async_trait]
impl WriteJournal for SqliteJournal {
    async fn begin(&self, intent: &Intent) -> Result<Begun, JournalFailure> {
        let intent = intent.clone();
        let clock = self.clock.clone();
        let holder = self.holder().map(str::to_owned);
        self.run(move |connection| {
            // An intent without a baseline is not waited for: the process dies with an
            // unflushed intent, and nothing was sent (the baseline's flush, before sending,
            // carries it). One that may be ready is, since it may be sent at once.
            let commit = match intent.ready {
                Some(_) => Commit::Flushed,
                None => Commit::Relaxed,
            };
            let tx = immediate(connection, commit)?;
            let now = schema::unix_ms(clock.now());
            if let Some(entry) = entry_in(&tx, &intent.account, &intent.key)? {
                return Ok(Begun::Recorded(Box::new(entry)));
            }
            if let Some(holder) = holder_in(&tx, &intent.account, &intent.order_id)? {
                return Ok(Begun::OrderBusy { holder });
            }
            let others = others_in(&tx, &intent.account, &intent.order_id, &intent.key)?;
            let baseline = intent
                .ready
                .as_ref()
                .filter(|ready| ready.holds(&intent.account, &intent.order_id, &others))
                .map(|ready| &ready.baseline);
            let lease_until_ms = now.saturating_add(schema::millis(intent.lease));
            tx.prepare_cached(&sqlite_sql(schema::INSERT_ENTRY))
                .map_err(unavailable)?
                .execute(params![
                    intent.account,
                    intent.key,
                    intent.gateway,
                    intent.operation.as_str(),
                    intent.order_id,
                    intent.amount,
                    intent.currency,
                    intent.fingerprint,
                    schema::json_text(&intent.request),
                    baseline.map(schema::json_text),
                    lease_until_ms,
                    holder,
                    now
                ])
                .map_err(unavailable)?;
            tx.prepare_cached(&sqlite_sql(schema::INSERT_CLAIM))
                .map_err(unavailable)?
                .execute(params![intent.account, intent.order_id, intent.key, now])
                .map_err(unavailable)?;
            tx.commit().map_err(unavailable)?;
            Ok(Begun::Claimed {
                attempt: 1,
                lease_until_ms,
                ready: baseline.is_some(),
                others,
            })
        })
        .await
    }

    async fn ready(
        &self,
        account: &str,
        key: &str,
        attempt: u32,
        lease_until_ms: i64,
        baseline: &Baseline,
    ) -> Result<Duration, JournalFailure> {
        let baseline = baseline.clone();
        let left = self
            .change(
                account,
                key,
                Durability::Always(Commit::Flushed),
                move |entry, now| {
                    let (next, left) =
                        transition::ready(entry, attempt, lease_until_ms, &baseline, now)?;
                    Ok((Some(next), Claim::Keep, left))
                },
            )
            .await?;
        Ok(Duration::from_millis(u64::try_from(left).unwrap_or(0)))
    }

    async fn abandon(
        &self,
        account: &str,
        key: &str,
        attempt: u32,
        lease_until_ms: i64,
        detail: &str,
    ) -> Result<(), JournalFailure> {
        let detail = detail.to_owned();
        self.change(
            account,
            key,
            Durability::Always(Commit::Flushed),
            move |entry, now| {
                let next = transition::abandon(entry, attempt, lease_until_ms, &detail, now)?;
                Ok((next, Claim::Release, ()))
            },
        )
        .await
    }

    async fn finish(
        &self,
        account: &str,
        key: &str,
        attempt: u32,
        outcome: &Outcome,
    ) -> Result<Finished, JournalFailure> {
        let outcome = outcome.clone();
        self.change(
            account,
            key,
            Durability::RelaxedWhilePending,
            move |entry, now| {
                let (next, claim, finished) = transition::finish(entry, attempt, &outcome, now)?;
                Ok((Some(next), claim, finished))
            },
        )
        .await
    }

    async fn settle(
        &self,
        account: &str,
        key: &str,
        attempt: u32,
        outcome: &Outcome,
        holder_gone: bool,
    ) -> Result<(), JournalFailure> {
        let outcome = outcome.clone();
        self.change(
            account,
            key,
            Durability::Always(Commit::Relaxed),
            move |entry, now| {
                let (next, claim) = transition::settle(entry, attempt, &outcome, now, holder_gone)?;
                Ok((Some(next), claim, ()))
            },
        )
        .await
    }

    async fn resolve(
        &self,
        account: &str,
        key: &str,
        state: EntryState,
        note: &str,
        evidence: Option<serde_json::Value>,
    ) -> Result<Entry, JournalFailure> {
        let note = note.to_owned();
        let holder_gone = crate::store::pending_holder_gone(self, account, key).await?;
        self.change(
            account,
            key,
            Durability::Always(Commit::Flushed),
            move |entry, now| {
                let (next, claim) =
                    transition::resolve(entry, state, &note, evidence, now, holder_gone)?;
                Ok((Some(next.clone()), claim, next))
            },
        )
        .await
    }

    async fn reopen(
        &self,
        account: &str,
        key: &str,
        lease: Duration,
    ) -> Result<Begun, JournalFailure> {
        let account = account.to_owned();
        let key = key.to_owned();
        let clock = self.clock.clone();
        let holder = self.holder().map(str::to_owned);
        self.run(move |connection| {
            let tx = immediate(connection, Commit::Flushed)?;
            let now = schema::unix_ms(clock.now());
            let entry = existing(&tx, &account, &key)?;
            let next = transition::reopen(
                &entry,
                now.saturating_add(schema::millis(lease)),
                holder.as_deref(),
                now,
            )?;
            let claimed = tx
                .execute(
                    &sqlite_sql(schema::INSERT_CLAIM),
                    params![account, entry.order_id, key, now],
                )
                .map_err(unavailable)?;
            if claimed == 0 {
                let holder = holder_in(&tx, &account, &entry.order_id)?.unwrap_or_default();
                return Ok(Begun::OrderBusy { holder });
            }
            let others = others_in(&tx, &account, &entry.order_id, &key)?;
            write_entry(&tx, &next, Claim::Keep)?;
            tx.commit().map_err(unavailable)?;
            Ok(Begun::Claimed {
                attempt: next.attempt,
                lease_until_ms: next.lease_until_ms,
                ready: false,
                others,
            })
        })
        .await
    }

    async fn entry(&self, account: &str, key: &str) -> Result<Option<Entry>, JournalFailure> {
        let account = account.to_owned();
        let key = key.to_owned();
        self.run(move |connection| entry_in(connection, &account, &key))
            .await
    }

    async fn entries(&self, filter: &EntryFilter) -> Result<Vec<Entry>, JournalFailure> {
        let filter = filter.clone();
        self.run(move |connection| entries_in(connection, &filter))
            .await
    }

    async fn order_entries(
        &self,
        account: &str,
        order_id: &str,
    ) -> Result<(Vec<Entry>, i64), JournalFailure> {
        let (account, order_id) = (account.to_owned(), order_id.to_owned());
        let entries = self
            .run(move |connection| order_in(connection, &account, &order_id))
            .await?;
        Ok((entries, self.now()))
    }

    async fn now_ms(&self) -> Result<i64, JournalFailure> {
        Ok(self.now())
    }

    fn holder(&self) -> Option<&str> {
        self.holder.as_deref().map(HolderFile::name)
    }

    async fn holder_gone(&self, holder: &str) -> Result<bool, JournalFailure> {
        if self.holder() == Some(holder) {
            return Ok(false);
        }
        let dir = holder_file::holders_dir(&self.path);
        if self.inline {
            return Ok(holder_file::gone(&dir, holder));
        }
        let holder = holder.to_owned();
        tokio::task::spawn_blocking(move || holder_file::gone(&dir, &holder))
            .await
            .map_err(|e| JournalFailure::Unavailable(e.to_string()))
    }
}
