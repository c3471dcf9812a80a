//! The journal on a PostgreSQL server, for apps running several instances.
//!
//! Each method is one transaction at READ COMMITTED, and a write's three calls cost two round
//! trips each: the write path's statements are prepared once per connection, `BEGIN` travels
//! with a transaction's first statements and `COMMIT` with its last (tokio-postgres pipelines
//! what is polled together). A key's row and an order's claim are inserted with `ON CONFLICT
//! DO NOTHING`: of two instances inserting the same key (or claiming the same order) at
//! once, the second waits for the first to commit and then inserts nothing, so it sees
//! [`Begun::Recorded`] (or [`Begun::OrderBusy`]). A lost connection is opened again on the
//! next call; until then, writes are refused.
//!
//! Leases are set and judged by the server's `clock_timestamp()`, so skew between app
//! instances cannot shorten one. Each handle holds a session advisory lock named by its
//! holder number on its connection: when the process dies or the connection drops, the
//! server releases it, and recovery can tell that the holder is gone. A handle whose
//! connection dropped while it was sending loses that lock too: its late answer then meets
//! whatever recovery decided, and is recorded as agreeing or as a conflict, never lost.

use std::sync::{Arc, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Mutex;
use tokio_postgres::{Client, Row, Statement};

use crate::entry::{
    Baseline, Begun, Entry, EntryFilter, EntryState, Finished, Intent, JournalFailure, Outcome,
};
use crate::postgres_tls::{ConnectSettings, connect_settings};
use crate::schema::{self, EntryRow};
use crate::store::{Commit, WriteJournal};
use crate::transition::{self, Claim};

/// The server's clock, in Unix milliseconds.
pub(crate) const NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/// [`schema::INSERT_ENTRY`] with the server's clock: `$11` is the lease's length in
/// milliseconds (not its end), `$13` is gone; it returns the lease's end and the time.
static INSERT_ENTRY_AT_NOW: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH now AS (SELECT {NOW_MS} AS ms)
         INSERT INTO paygate_journal_entries
            (account, key, gateway, operation, order_id, amount, currency, fingerprint,
             request, baseline, state, attempt, lease_until, holder, history, created_at,
             updated_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', 1, now.ms + $11, $12,
             '[]', now.ms, now.ms
         FROM now
         ON CONFLICT (account, key) DO NOTHING
         RETURNING lease_until, created_at"
    )
});

/// [`schema::INSERT_CLAIM`] with the server's clock: account, order, key.
static INSERT_CLAIM_AT_NOW: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "INSERT INTO paygate_journal_claims (account, order_id, key, claimed_at)
         VALUES ($1, $2, $3, {NOW_MS})
         ON CONFLICT (account, order_id) DO NOTHING"
    )
});

/// The statements a journaled write runs, prepared once per connection: a statement sent as
/// text is first parsed and described by the server, a round trip of its own every time.
struct Prepared {
    select_locked: Statement,
    /// [`schema::select_order_entries`].
    select_order: Statement,
    /// Sets an entry's baseline: account, key, baseline.
    set_baseline: Statement,
    now: Statement,
    insert_entry: Statement,
    insert_claim: Statement,
    update_entry: Statement,
    delete_entry: Statement,
    delete_claim: Statement,
}

impl Prepared {
    /// Prepares them on `client`, in one round trip (pipelined).
    async fn on(client: &Client) -> Result<Prepared, JournalFailure> {
        let select_locked = format!("{} FOR UPDATE", schema::select_entry());
        let now = format!("SELECT {NOW_MS}");
        let select_order = schema::select_order_entries();
        let (
            select_locked,
            select_order,
            set_baseline,
            now,
            insert_entry,
            insert_claim,
            update_entry,
            delete_entry,
            delete_claim,
        ) = tokio::try_join!(
            client.prepare(&select_locked),
            client.prepare(&select_order),
            client.prepare(
                "UPDATE paygate_journal_entries SET baseline = $3 WHERE account = $1 AND key = $2",
            ),
            client.prepare(&now),
            client.prepare(&INSERT_ENTRY_AT_NOW),
            client.prepare(&INSERT_CLAIM_AT_NOW),
            client.prepare(schema::UPDATE_ENTRY),
            client.prepare(schema::DELETE_ENTRY),
            client.prepare(schema::DELETE_CLAIM),
        )
        .map_err(unavailable)?;
        Ok(Prepared {
            select_locked,
            select_order,
            set_baseline,
            now,
            insert_entry,
            insert_claim,
            update_entry,
            delete_entry,
            delete_claim,
        })
    }
}

/// A holder's name: `pg-` and its advisory lock's number.
const HOLDER_PREFIX: &str = "pg-";

/// How long one journal operation may take (connecting included) before the server is taken
/// for unavailable.
const OPERATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The advisory lock that serialises migrations between instances starting at once.
const MIGRATION_LOCK: i64 = 0x7061_7967_6174_6531;

/// A journal on a PostgreSQL server.
pub struct PostgresJournal {
    settings: ConnectSettings,
    shown: String,
    pub(crate) client: Mutex<Option<Client>>,
    /// The write path's statements, prepared on the current connection.
    prepared: std::sync::Mutex<Option<Arc<Prepared>>>,
    /// A transaction begun by hand on the current connection has not ended: its caller was
    /// dropped (cancelled, or cut off by `bounded`). The next call opens a new connection
    /// (the server rolls the old one's back) rather than run inside it.
    open: std::sync::atomic::AtomicBool,
    /// The advisory lock this handle holds on every connection it opens.
    lock: i64,
    holder: String,
}

impl std::fmt::Debug for PostgresJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresJournal")
            .field("server", &self.shown)
            .finish_non_exhaustive()
    }
}

fn unavailable(error: tokio_postgres::Error) -> JournalFailure {
    JournalFailure::Unavailable(error.to_string())
}

/// `postgres://host:port/db` without user or password, for messages.
fn shown(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => format!(
            "{}:{}{}",
            parsed.host_str().unwrap_or("?"),
            parsed.port().unwrap_or(5432),
            parsed.path()
        ),
        Err(_) => "an unreadable URL".to_owned(),
    }
}

impl PostgresJournal {
    /// Connects to `url` (`postgres://user:password@host:port/database`, with libpq's
    /// parameters: `sslmode`, `sslrootcert`, `application_name`, …) and brings the schema up to
    /// date. TLS is used when the server offers it (`sslmode=require` insists on it), and the
    /// server's certificate is always verified: against the Mozilla roots, or only the CAs of
    /// the PEM file `sslrootcert` names. `sslmode=disable` connects in plain text.
    pub async fn open(url: &str) -> Result<PostgresJournal, JournalFailure> {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(|e| {
            JournalFailure::Unavailable(format!("no randomness for a holder number: {e}"))
        })?;
        let lock = i64::from_le_bytes(bytes);
        let journal = PostgresJournal {
            settings: connect_settings(url)?,
            shown: shown(url),
            client: Mutex::new(None),
            prepared: std::sync::Mutex::new(None),
            open: std::sync::atomic::AtomicBool::new(false),
            lock,
            holder: format!("{HOLDER_PREFIX}{lock}"),
        };
        journal
            .bounded(async {
                let mut guard = journal.client.lock().await;
                let client = journal.connected(&mut guard).await?;
                migrate(client).await
            })
            .await?;
        Ok(journal)
    }

    /// `work`, at most [`OPERATION_TIMEOUT`]: a server that stops answering (gone without
    /// closing the connection) makes a write unavailable, not stuck. The connection, maybe
    /// left mid-transaction, is then opened afresh on the next call.
    pub(crate) async fn bounded<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, JournalFailure>>,
    ) -> Result<T, JournalFailure> {
        match tokio::time::timeout(OPERATION_TIMEOUT, work).await {
            Ok(result) => result,
            Err(_) => {
                *self.client.lock().await = None;
                Err(JournalFailure::Unavailable(format!(
                    "no answer from {} within {} s",
                    self.shown,
                    OPERATION_TIMEOUT.as_secs()
                )))
            }
        }
    }

    /// The write path's statements on `client`, the current connection: prepared on first
    /// use (after the schema is migrated), kept until the connection is replaced.
    async fn prepared(&self, client: &Client) -> Result<Arc<Prepared>, JournalFailure> {
        let kept = self
            .prepared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(prepared) = kept {
            return Ok(prepared);
        }
        let prepared = Arc::new(Prepared::on(client).await?);
        *self.prepared.lock().unwrap_or_else(PoisonError::into_inner) = Some(prepared.clone());
        Ok(prepared)
    }

    /// The open client, connecting first when there is none or it was lost.
    pub(crate) async fn connected<'a>(
        &self,
        slot: &'a mut Option<Client>,
    ) -> Result<&'a mut Client, JournalFailure> {
        if self.open.swap(false, std::sync::atomic::Ordering::SeqCst) {
            *slot = None;
        }
        if slot.as_ref().is_none_or(Client::is_closed) {
            let (client, connection) = self
                .settings
                .config
                .connect(self.settings.tls.clone())
                .await
                .map_err(|e| {
                    JournalFailure::Unavailable(self.settings.connect_failure(&self.shown, &e))
                })?;
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::warn!(error = %e, "write journal connection ended");
                }
            });
            // Held for the connection's life: the server releases it when the connection
            // ends, which tells recovery this holder is gone.
            client
                .execute("SELECT pg_advisory_lock($1)", &[&self.lock])
                .await
                .map_err(unavailable)?;
            // Statements of the last connection are no use on this one.
            *self.prepared.lock().unwrap_or_else(PoisonError::into_inner) = None;
            *slot = Some(client);
        }
        slot.as_mut()
            .ok_or_else(|| JournalFailure::Unavailable("no connection".into()))
    }
}

async fn migrate(client: &mut Client) -> Result<(), JournalFailure> {
    let tx = client.transaction().await.map_err(unavailable)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(unavailable)?;
    tx.execute(schema::CREATE_META, &[])
        .await
        .map_err(unavailable)?;
    let found = match tx
        .query_opt(schema::SELECT_VERSION, &[])
        .await
        .map_err(unavailable)?
    {
        Some(row) => {
            let text: String = row.try_get(0).map_err(unavailable)?;
            text.parse::<i64>().map_err(|_| {
                JournalFailure::Unavailable(format!("unreadable schema version {text:?}"))
            })?
        }
        None => 0,
    };
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
            tx.execute(&statement.replace("BLOB", "BYTEA"), &[])
                .await
                .map_err(unavailable)?;
        }
    }
    if found < schema::SCHEMA_VERSION {
        tx.execute(
            schema::UPSERT_VERSION,
            &[&schema::SCHEMA_VERSION.to_string()],
        )
        .await
        .map_err(unavailable)?;
    }
    tx.commit().await.map_err(unavailable)
}

fn read_entry(row: &Row) -> Result<EntryRow, JournalFailure> {
    let get = |e: tokio_postgres::Error| JournalFailure::Unavailable(e.to_string());
    Ok(EntryRow {
        account: row.try_get(0).map_err(get)?,
        key: row.try_get(1).map_err(get)?,
        gateway: row.try_get(2).map_err(get)?,
        operation: row.try_get(3).map_err(get)?,
        order_id: row.try_get(4).map_err(get)?,
        amount: row.try_get(5).map_err(get)?,
        currency: row.try_get(6).map_err(get)?,
        fingerprint: row.try_get(7).map_err(get)?,
        request: row.try_get(8).map_err(get)?,
        baseline: row.try_get(9).map_err(get)?,
        state: row.try_get(10).map_err(get)?,
        attempt: row.try_get(11).map_err(get)?,
        result: row.try_get(12).map_err(get)?,
        detail: row.try_get(13).map_err(get)?,
        raw_status: row.try_get(14).map_err(get)?,
        raw_content_type: row.try_get(15).map_err(get)?,
        raw_body: row.try_get(16).map_err(get)?,
        lease_until: row.try_get(17).map_err(get)?,
        holder: row.try_get(18).map_err(get)?,
        history: row.try_get(19).map_err(get)?,
        created_at: row.try_get(20).map_err(get)?,
        updated_at: row.try_get(21).map_err(get)?,
    })
}

async fn entry_in(
    client: &impl tokio_postgres::GenericClient,
    account: &str,
    key: &str,
    for_update: bool,
) -> Result<Option<Entry>, JournalFailure> {
    let mut sql = schema::select_entry();
    if for_update {
        sql.push_str(" FOR UPDATE");
    }
    client
        .query_opt(&sql, &[&account, &key])
        .await
        .map_err(unavailable)?
        .map(|row| read_entry(&row).and_then(EntryRow::into_entry))
        .transpose()
}

/// `account`/`key`'s entry locked for update, and the server's clock read after the lock was
/// taken (a clock read in the locking query itself may predate a wait for the lock, and
/// overstate what is left of a lease): two statements, one round trip (pipelined).
async fn entry_locked_with_now(
    client: &impl tokio_postgres::GenericClient,
    prepared: &Prepared,
    account: &str,
    key: &str,
) -> Result<(Entry, i64), JournalFailure> {
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&account, &key];
    let (row, now) = tokio::try_join!(
        client.query_opt(&prepared.select_locked, &params),
        client.query_one(&prepared.now, &[]),
    )
    .map_err(unavailable)?;
    let entry = row
        .map(|row| read_entry(&row).and_then(EntryRow::into_entry))
        .transpose()?
        .ok_or(JournalFailure::NotFound)?;
    Ok((entry, now.try_get(0).map_err(unavailable)?))
}

/// The entries of `order_id` in `account`, oldest first.
async fn order_in(
    client: &impl tokio_postgres::GenericClient,
    prepared: &Prepared,
    account: &str,
    order_id: &str,
) -> Result<Vec<Entry>, JournalFailure> {
    let rows = client
        .query(&prepared.select_order, &[&account, &order_id])
        .await
        .map_err(unavailable)?;
    rows.iter()
        .map(|row| read_entry(row).and_then(EntryRow::into_entry))
        .collect()
}

async fn holder_in(
    client: &impl tokio_postgres::GenericClient,
    account: &str,
    order_id: &str,
) -> Result<String, JournalFailure> {
    let row = client
        .query_opt(schema::SELECT_CLAIM, &[&account, &order_id])
        .await
        .map_err(unavailable)?;
    match row {
        Some(row) => row.try_get(0).map_err(unavailable),
        // Released since: the caller tries again.
        None => Ok(String::new()),
    }
}

async fn server_now(client: &impl tokio_postgres::GenericClient) -> Result<i64, JournalFailure> {
    client
        .query_one(&format!("SELECT {NOW_MS}"), &[])
        .await
        .map_err(unavailable)?
        .try_get(0)
        .map_err(unavailable)
}

/// Writes `entry`'s changing columns, and its claim as `claim` says.
async fn write_entry(
    client: &impl tokio_postgres::GenericClient,
    prepared: &Prepared,
    entry: &Entry,
    claim: Claim,
) -> Result<(), JournalFailure> {
    let raw = entry.raw.as_ref();
    let baseline = entry.baseline.as_ref().map(schema::json_text);
    let state = entry.state.as_str();
    let attempt = i64::from(entry.attempt);
    let result = entry.result.as_ref().map(schema::json_text);
    let raw_status = raw.map(|r| i64::from(r.http_status));
    let raw_content_type = raw.and_then(|r| r.content_type.clone());
    let raw_body = raw.map(|r| r.body.clone());
    let history = schema::json_text(&entry.history);
    let update_params: [&(dyn tokio_postgres::types::ToSql + Sync); 14] = [
        &entry.account,
        &entry.key,
        &baseline,
        &state,
        &attempt,
        &result,
        &entry.detail,
        &raw_status,
        &raw_content_type,
        &raw_body,
        &entry.lease_until_ms,
        &entry.holder,
        &history,
        &entry.updated_at_ms,
    ];
    let update = client.execute(&prepared.update_entry, &update_params);
    if claim == Claim::Release {
        // Sent together, answered in order (tokio-postgres pipelines them).
        let release_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] =
            [&entry.account, &entry.key];
        tokio::try_join!(
            update,
            client.execute(&prepared.delete_claim, &release_params)
        )
        .map_err(unavailable)?;
    } else {
        update.await.map_err(unavailable)?;
    }
    Ok(())
}

impl PostgresJournal {
    /// Opens a transaction: `BEGIN` and how its commit waits (`SET LOCAL synchronous_commit`,
    /// stated either way rather than left to the server's setting), sent with the
    /// transaction's first statement (tokio-postgres pipelines what is polled together), so
    /// they cost no round trip of their own.
    async fn open_transaction(
        &self,
        client: &Client,
        commit: Commit,
    ) -> Result<(), JournalFailure> {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
        client
            .batch_execute(match commit {
                Commit::Flushed => "BEGIN; SET LOCAL synchronous_commit TO ON",
                Commit::Relaxed => "BEGIN; SET LOCAL synchronous_commit TO OFF",
            })
            .await
            .map_err(unavailable)
    }

    /// `COMMIT`, sent with the transaction's last statements. After a failed statement the
    /// server answers it as a `ROLLBACK`.
    async fn commit_transaction(&self, client: &Client) -> Result<(), JournalFailure> {
        client.batch_execute("COMMIT").await.map_err(unavailable)?;
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Ends a transaction that failed or decided to change nothing.
    async fn roll_back(&self, client: &Client) -> Result<(), JournalFailure> {
        client
            .batch_execute("ROLLBACK")
            .await
            .map_err(unavailable)?;
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Runs `work` on the connection inside a transaction it opens and ends
    /// ([`PostgresJournal::open_transaction`]); if `work` fails, or returns leaving it open,
    /// rolls back, and drops the connection when that fails too (the server rolls back).
    async fn in_transaction<T>(
        &self,
        guard: &mut Option<Client>,
        work: impl AsyncFnOnce(&Client) -> Result<T, JournalFailure>,
    ) -> Result<T, JournalFailure> {
        let client = self.connected(guard).await?;
        let client: &Client = client;
        match work(client).await {
            Ok(value) if !self.open.load(std::sync::atomic::Ordering::SeqCst) => Ok(value),
            Ok(value) => match self.roll_back(client).await {
                Ok(()) => Ok(value),
                Err(error) => {
                    *guard = None;
                    Err(error)
                }
            },
            Err(error) => {
                // A database's error may come from a statement prepared before the schema
                // changed: prepare afresh next time.
                if matches!(error, JournalFailure::Unavailable(_)) {
                    *self.prepared.lock().unwrap_or_else(PoisonError::into_inner) = None;
                }
                if self.roll_back(client).await.is_err() {
                    *guard = None;
                }
                Err(error)
            }
        }
    }

    /// Reads `account`/`key` locked in a transaction, applies `change` (which says what to
    /// write and what to answer) with the server's time, and commits: two round trips (the
    /// `BEGIN` travels with the read, the `COMMIT` with the writes).
    async fn change<T, F>(
        &self,
        account: &str,
        key: &str,
        commit: Commit,
        change: F,
    ) -> Result<T, JournalFailure>
    where
        F: FnOnce(&Entry, i64) -> Result<(Option<Entry>, Claim, T), JournalFailure> + Send,
        T: Send,
    {
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            self.in_transaction(&mut guard, async |client: &Client| {
                let prepared = self.prepared(client).await?;
                let (_, (entry, now)) = tokio::try_join!(
                    self.open_transaction(client, commit),
                    entry_locked_with_now(client, &prepared, account, key),
                )?;
                let (next, claim, answer) = change(&entry, now)?;
                match next {
                    Some(next) => {
                        tokio::try_join!(
                            write_entry(client, &prepared, &next, claim),
                            self.commit_transaction(client)
                        )?;
                    }
                    None => {
                        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] =
                            [&account, &key];
                        tokio::try_join!(
                            async {
                                client
                                    .execute(&prepared.delete_entry, &params)
                                    .await
                                    .map_err(unavailable)
                            },
                            async {
                                client
                                    .execute(&prepared.delete_claim, &params)
                                    .await
                                    .map_err(unavailable)
                            },
                            self.commit_transaction(client),
                        )?;
                    }
                }
                Ok(answer)
            })
            .await
        })
        .await
    }
}

#[async_trait]
impl WriteJournal for PostgresJournal {
    async fn begin(&self, intent: &Intent) -> Result<Begun, JournalFailure> {
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            self.in_transaction(&mut guard, async |client: &Client| {
                // The transaction opened, the entry and the claim inserted, in one round
                // trip, each insert reading the server's clock itself. Either one inserting
                // nothing rolls both back.
                let prepared = self.prepared(client).await?;
                let request = schema::json_text(&intent.request);
                // Recorded below, once the order's other entries are seen to hold it.
                let baseline: Option<String> = None;
                let lease = schema::millis(intent.lease);
                let entry_params: [&(dyn tokio_postgres::types::ToSql + Sync); 12] = [
                    &intent.account,
                    &intent.key,
                    &intent.gateway,
                    &intent.operation.as_str(),
                    &intent.order_id,
                    &intent.amount,
                    &intent.currency,
                    &intent.fingerprint,
                    &request,
                    &baseline,
                    &lease,
                    &self.holder,
                ];
                let claim_params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] =
                    [&intent.account, &intent.order_id, &intent.key];
                // The intent waits for the flush: the server can crash while the app lives
                // on, and a lost intent could be made again by another caller of its key.
                let (_, inserted, claimed, order) = tokio::try_join!(
                    self.open_transaction(client, Commit::Flushed),
                    async {
                        client
                            .query_opt(&prepared.insert_entry, &entry_params)
                            .await
                            .map_err(unavailable)
                    },
                    async {
                        client
                            .execute(&prepared.insert_claim, &claim_params)
                            .await
                            .map_err(unavailable)
                    },
                    order_in(client, &prepared, &intent.account, &intent.order_id),
                )?;
                // The key is journaled already, or another key holds the order: nothing
                // changes, and the caller is told which.
                let Some(inserted) = inserted else {
                    self.roll_back(client).await?;
                    let entry = entry_in(client, &intent.account, &intent.key, false)
                        .await?
                        .ok_or(JournalFailure::NotFound)?;
                    return Ok(Begun::Recorded(Box::new(entry)));
                };
                let lease_until_ms: i64 = inserted.try_get(0).map_err(unavailable)?;
                if claimed == 0 {
                    self.roll_back(client).await?;
                    let holder = holder_in(client, &intent.account, &intent.order_id).await?;
                    return Ok(Begun::OrderBusy { holder });
                }
                let others: Vec<Entry> = order
                    .into_iter()
                    .filter(|entry| entry.key != intent.key)
                    .collect();
                let ready = intent
                    .ready
                    .as_ref()
                    .filter(|ready| ready.holds(&intent.account, &intent.order_id, &others));
                match ready {
                    Some(ready) => {
                        let baseline = schema::json_text(&ready.baseline);
                        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] =
                            [&intent.account, &intent.key, &baseline];
                        tokio::try_join!(
                            async {
                                client
                                    .execute(&prepared.set_baseline, &params)
                                    .await
                                    .map_err(unavailable)
                            },
                            self.commit_transaction(client),
                        )?;
                    }
                    None => self.commit_transaction(client).await?,
                }
                Ok(Begun::Claimed {
                    attempt: 1,
                    lease_until_ms,
                    ready: ready.is_some(),
                    others,
                })
            })
            .await
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
        let left = self
            .change(account, key, Commit::Flushed, |entry, now| {
                let (next, left) =
                    transition::ready(entry, attempt, lease_until_ms, baseline, now)?;
                Ok((Some(next), Claim::Keep, left))
            })
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
        self.change(account, key, Commit::Flushed, |entry, now| {
            let next = transition::abandon(entry, attempt, lease_until_ms, detail, now)?;
            Ok((next, Claim::Release, ()))
        })
        .await
    }

    async fn finish(
        &self,
        account: &str,
        key: &str,
        attempt: u32,
        outcome: &Outcome,
    ) -> Result<Finished, JournalFailure> {
        self.change(account, key, Commit::Flushed, |entry, now| {
            let (next, claim, finished) = transition::finish(entry, attempt, outcome, now)?;
            Ok((Some(next), claim, finished))
        })
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
        self.change(account, key, Commit::Relaxed, |entry, now| {
            let (next, claim) = transition::settle(entry, attempt, outcome, now, holder_gone)?;
            Ok((Some(next), claim, ()))
        })
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
        let holder_gone = crate::store::pending_holder_gone(self, account, key).await?;
        self.change(account, key, Commit::Flushed, |entry, now| {
            let (next, claim) =
                transition::resolve(entry, state, note, evidence, now, holder_gone)?;
            Ok((Some(next.clone()), claim, next))
        })
        .await
    }

    async fn reopen(
        &self,
        account: &str,
        key: &str,
        lease: Duration,
    ) -> Result<Begun, JournalFailure> {
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            let prepared = self.prepared(client).await?;
            let tx = client.transaction().await.map_err(unavailable)?;
            let entry = entry_in(&tx, account, key, true)
                .await?
                .ok_or(JournalFailure::NotFound)?;
            let now = server_now(&tx).await?;
            let next = transition::reopen(
                &entry,
                now.saturating_add(schema::millis(lease)),
                Some(&self.holder),
                now,
            )?;
            let claimed = tx
                .execute(
                    schema::INSERT_CLAIM,
                    &[&account, &entry.order_id, &key, &now],
                )
                .await
                .map_err(unavailable)?;
            if claimed == 0 {
                tx.rollback().await.map_err(unavailable)?;
                let holder = holder_in(&*client, account, &entry.order_id).await?;
                return Ok(Begun::OrderBusy { holder });
            }
            let others = order_in(&tx, &prepared, account, &entry.order_id)
                .await?
                .into_iter()
                .filter(|other| other.key != key)
                .collect();
            write_entry(&tx, &prepared, &next, Claim::Keep).await?;
            tx.commit().await.map_err(unavailable)?;
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
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            entry_in(&*client, account, key, false).await
        })
        .await
    }

    async fn entries(&self, filter: &EntryFilter) -> Result<Vec<Entry>, JournalFailure> {
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            let limit = filter.limit.map_or(i64::MAX, i64::from);
            let rows = client
                .query(
                    &schema::select_entries(),
                    &[
                        &i32::from(filter.unresolved_only),
                        &filter.account.as_deref().unwrap_or(""),
                        &filter.key.as_deref().unwrap_or(""),
                        &filter.order_id.as_deref().unwrap_or(""),
                        &limit,
                    ],
                )
                .await
                .map_err(unavailable)?;
            rows.iter()
                .map(|row| read_entry(row).and_then(EntryRow::into_entry))
                .collect()
        })
        .await
    }

    /// One round trip: the order's entries and the server's clock, pipelined.
    async fn order_entries(
        &self,
        account: &str,
        order_id: &str,
    ) -> Result<(Vec<Entry>, i64), JournalFailure> {
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            let prepared = self.prepared(client).await?;
            let (entries, now) =
                tokio::try_join!(order_in(&*client, &prepared, account, order_id), async {
                    client
                        .query_one(&prepared.now, &[])
                        .await
                        .map_err(unavailable)?
                        .try_get::<_, i64>(0)
                        .map_err(unavailable)
                },)?;
            Ok((entries, now))
        })
        .await
    }

    async fn now_ms(&self) -> Result<i64, JournalFailure> {
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            server_now(&*client).await
        })
        .await
    }

    fn holder(&self) -> Option<&str> {
        Some(&self.holder)
    }

    async fn holder_gone(&self, holder: &str) -> Result<bool, JournalFailure> {
        if holder == self.holder {
            return Ok(false);
        }
        let Some(lock) = holder
            .strip_prefix(HOLDER_PREFIX)
            .and_then(|n| n.parse::<i64>().ok())
        else {
            // Not a PostgreSQL holder's name: nobody can tell.
            return Ok(false);
        };
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            let taken: bool = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&lock])
                .await
                .map_err(unavailable)?
                .try_get(0)
                .map_err(unavailable)?;
            if taken {
                client
                    .execute("SELECT pg_advisory_unlock($1)", &[&lock])
                    .await
                    .map_err(unavailable)?;
            }
            Ok(taken)
        })
        .await
    }
}
