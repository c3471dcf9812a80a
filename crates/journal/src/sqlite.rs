//! The embedded journal: one SQLite file in WAL mode, shared safely by several processes.
//!
//! `synchronous = FULL`: a committed intent survives a power cut, not only a crash (WAL's
//! `NORMAL` may lose the last transactions on power loss, and a lost intent is a write that
//! could be sent twice). Writers take the database's write lock at `BEGIN IMMEDIATE`, so
//! the check of a key and of an order's claim and the insert are one step for every process;
//! a writer waits up to [`BUSY_TIMEOUT`] for another.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::entry::{Baseline, Begun, Entry, EntryFilter, Intent, JournalFailure, Outcome};
use crate::schema::{self, EntryRow};
use crate::store::WriteJournal;

/// How long a writer waits for another process's transaction.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A journal in one SQLite file.
#[derive(Clone)]
pub struct SqliteJournal {
    path: PathBuf,
    connection: Arc<Mutex<Connection>>,
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
    /// schema up to date.
    pub async fn open(path: impl AsRef<Path>) -> Result<SqliteJournal, JournalFailure> {
        let path = path.as_ref().to_path_buf();
        let opened = path.clone();
        let connection = tokio::task::spawn_blocking(move || open_blocking(&opened))
            .await
            .map_err(|e| JournalFailure::Unavailable(e.to_string()))??;
        Ok(SqliteJournal {
            path,
            connection: Arc::new(Mutex::new(connection)),
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
        std::fs::create_dir_all(dir).map_err(|e| {
            JournalFailure::Unavailable(format!("cannot create {}: {e}", dir.display()))
        })?;
    }
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
        key: row.get(0)?,
        gateway: row.get(1)?,
        operation: row.get(2)?,
        order_id: row.get(3)?,
        amount: row.get(4)?,
        currency: row.get(5)?,
        fingerprint: row.get(6)?,
        request: row.get(7)?,
        baseline: row.get(8)?,
        state: row.get(9)?,
        attempt: row.get(10)?,
        result: row.get(11)?,
        detail: row.get(12)?,
        raw_status: row.get(13)?,
        raw_content_type: row.get(14)?,
        raw_body: row.get(15)?,
        created_at: row.get(16)?,
        updated_at: row.get(17)?,
    })
}

fn entry_in(connection: &Connection, key: &str) -> Result<Option<Entry>, JournalFailure> {
    connection
        .query_row(
            &sqlite_sql(&schema::select_entry()),
            params![key],
            read_entry,
        )
        .optional()
        .map_err(unavailable)?
        .map(EntryRow::into_entry)
        .transpose()
}

fn holder_in(
    connection: &Connection,
    gateway: &str,
    order_id: &str,
) -> Result<Option<String>, JournalFailure> {
    connection
        .query_row(
            &sqlite_sql(schema::SELECT_CLAIM),
            params![gateway, order_id],
            |row| row.get(0),
        )
        .optional()
        .map_err(unavailable)
}

#[async_trait]
impl WriteJournal for SqliteJournal {
    async fn begin(&self, intent: &Intent) -> Result<Begun, JournalFailure> {
        let intent = intent.clone();
        self.run(move |connection| {
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            if let Some(entry) = entry_in(&tx, &intent.key)? {
                return Ok(Begun::Recorded(Box::new(entry)));
            }
            if let Some(holder) = holder_in(&tx, &intent.gateway, &intent.order_id)? {
                return Ok(Begun::OrderBusy { holder });
            }
            let now = schema::now_ms();
            let baseline = intent.baseline.as_ref().map(schema::json_text);
            tx.execute(
                &sqlite_sql(schema::INSERT_ENTRY),
                params![
                    intent.key,
                    intent.gateway,
                    intent.operation.as_str(),
                    intent.order_id,
                    intent.amount,
                    intent.currency,
                    intent.fingerprint,
                    schema::json_text(&intent.request),
                    baseline,
                    now
                ],
            )
            .map_err(unavailable)?;
            tx.execute(
                &sqlite_sql(schema::INSERT_CLAIM),
                params![intent.gateway, intent.order_id, intent.key, now],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)?;
            Ok(Begun::Claimed { attempt: 1 })
        })
        .await
    }

    async fn ready(
        &self,
        key: &str,
        attempt: u32,
        baseline: &Baseline,
    ) -> Result<(), JournalFailure> {
        let key = key.to_owned();
        let baseline = schema::json_text(baseline);
        self.run(move |connection| {
            let changed = connection
                .execute(
                    &sqlite_sql(schema::READY_ENTRY),
                    params![baseline, schema::now_ms(), key, i64::from(attempt)],
                )
                .map_err(unavailable)?;
            if changed == 0 {
                return Err(match entry_in(connection, &key)? {
                    Some(entry) => JournalFailure::WrongState { state: entry.state },
                    None => JournalFailure::NotFound,
                });
            }
            Ok(())
        })
        .await
    }

    async fn abandon(&self, key: &str, attempt: u32, detail: &str) -> Result<(), JournalFailure> {
        let key = key.to_owned();
        let detail = detail.to_owned();
        self.run(move |connection| {
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            let changed = if attempt <= 1 {
                tx.execute(&sqlite_sql(schema::DELETE_UNSENT_ENTRY), params![key])
                    .map_err(unavailable)?
            } else {
                tx.execute(
                    &sqlite_sql(schema::UNSENT_RETRY),
                    params![detail, schema::now_ms(), key, i64::from(attempt)],
                )
                .map_err(unavailable)?
            };
            // Settled meanwhile (by recovery): its state, and its claim, stand.
            if changed > 0 {
                tx.execute(&sqlite_sql(schema::DELETE_CLAIM), params![key])
                    .map_err(unavailable)?;
            }
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn finish(
        &self,
        key: &str,
        attempt: u32,
        outcome: &Outcome,
    ) -> Result<(), JournalFailure> {
        let key = key.to_owned();
        let outcome = outcome.clone();
        self.run(move |connection| {
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            let raw = outcome.raw.as_ref();
            let changed = tx
                .execute(
                    &sqlite_sql(schema::UPDATE_OUTCOME),
                    params![
                        outcome.state.as_str(),
                        outcome.result.as_ref().map(schema::json_text),
                        outcome.detail,
                        raw.map(|r| i64::from(r.http_status)),
                        raw.and_then(|r| r.content_type.clone()),
                        raw.map(|r| r.body.clone()),
                        schema::now_ms(),
                        key,
                        i64::from(attempt)
                    ],
                )
                .map_err(unavailable)?;
            if changed == 0 {
                return Err(match entry_in(&tx, &key)? {
                    Some(entry) => JournalFailure::WrongState { state: entry.state },
                    None => JournalFailure::NotFound,
                });
            }
            if !outcome.state.is_unresolved() {
                tx.execute(&sqlite_sql(schema::DELETE_CLAIM), params![key])
                    .map_err(unavailable)?;
            }
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn reopen(
        &self,
        key: &str,
        baseline: Option<&Baseline>,
    ) -> Result<Begun, JournalFailure> {
        let key = key.to_owned();
        let baseline = baseline.map(schema::json_text);
        self.run(move |connection| {
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            let entry = entry_in(&tx, &key)?.ok_or(JournalFailure::NotFound)?;
            if !entry.state.did_not_take_effect() {
                return Err(JournalFailure::WrongState { state: entry.state });
            }
            let now = schema::now_ms();
            let claimed = tx
                .execute(
                    &sqlite_sql(schema::INSERT_CLAIM),
                    params![entry.gateway, entry.order_id, key, now],
                )
                .map_err(unavailable)?;
            if claimed == 0 {
                let holder = holder_in(&tx, &entry.gateway, &entry.order_id)?.unwrap_or_default();
                return Ok(Begun::OrderBusy { holder });
            }
            tx.execute(
                &sqlite_sql(schema::REOPEN_ENTRY),
                params![baseline, now, key],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)?;
            Ok(Begun::Claimed {
                attempt: entry.attempt.saturating_add(1),
            })
        })
        .await
    }

    async fn entry(&self, key: &str) -> Result<Option<Entry>, JournalFailure> {
        let key = key.to_owned();
        self.run(move |connection| entry_in(connection, &key)).await
    }

    async fn entries(&self, filter: &EntryFilter) -> Result<Vec<Entry>, JournalFailure> {
        let filter = filter.clone();
        self.run(move |connection| {
            let before = filter
                .older_than_ms
                .map_or(i64::MAX, |age| schema::now_ms().saturating_sub(age));
            let limit = filter.limit.map_or(i64::MAX, i64::from);
            let mut statement = connection
                .prepare(&sqlite_sql(&schema::select_entries()))
                .map_err(unavailable)?;
            let rows = statement
                .query_map(
                    params![i64::from(filter.unresolved_only), before, limit],
                    read_entry,
                )
                .map_err(unavailable)?;
            let mut entries = Vec::new();
            for row in rows {
                entries.push(row.map_err(unavailable)?.into_entry()?);
            }
            Ok(entries)
        })
        .await
    }
}
