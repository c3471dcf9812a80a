//! The journal on a PostgreSQL server, for apps running several instances.
//!
//! Each method is one transaction at READ COMMITTED. A key's row and an order's claim are
//! inserted with `ON CONFLICT DO NOTHING`: of two instances inserting the same key (or
//! claiming the same order) at once, the second waits for the first to commit and then
//! inserts nothing, so it sees [`Begun::Recorded`] (or [`Begun::OrderBusy`]). A lost
//! connection is opened again on the next call; until then, writes are refused.

use async_trait::async_trait;
use tokio::sync::Mutex;
use tokio_postgres::{Client, Row};

use crate::entry::{Baseline, Begun, Entry, EntryFilter, Intent, JournalFailure, Outcome};
use crate::postgres_tls::{ConnectSettings, connect_settings};
use crate::schema::{self, EntryRow};
use crate::store::WriteJournal;

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
        let journal = PostgresJournal {
            settings: connect_settings(url)?,
            shown: shown(url),
            client: Mutex::new(None),
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

    /// The open client, connecting first when there is none or it was lost.
    pub(crate) async fn connected<'a>(
        &self,
        slot: &'a mut Option<Client>,
    ) -> Result<&'a mut Client, JournalFailure> {
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
        key: row.try_get(0).map_err(get)?,
        gateway: row.try_get(1).map_err(get)?,
        operation: row.try_get(2).map_err(get)?,
        order_id: row.try_get(3).map_err(get)?,
        amount: row.try_get(4).map_err(get)?,
        currency: row.try_get(5).map_err(get)?,
        fingerprint: row.try_get(6).map_err(get)?,
        request: row.try_get(7).map_err(get)?,
        baseline: row.try_get(8).map_err(get)?,
        state: row.try_get(9).map_err(get)?,
        attempt: row.try_get(10).map_err(get)?,
        result: row.try_get(11).map_err(get)?,
        detail: row.try_get(12).map_err(get)?,
        raw_status: row.try_get(13).map_err(get)?,
        raw_content_type: row.try_get(14).map_err(get)?,
        raw_body: row.try_get(15).map_err(get)?,
        created_at: row.try_get(16).map_err(get)?,
        updated_at: row.try_get(17).map_err(get)?,
    })
}

async fn entry_in(
    client: &impl tokio_postgres::GenericClient,
    key: &str,
) -> Result<Option<Entry>, JournalFailure> {
    client
        .query_opt(&schema::select_entry(), &[&key])
        .await
        .map_err(unavailable)?
        .map(|row| read_entry(&row).and_then(EntryRow::into_entry))
        .transpose()
}

async fn holder_in(
    client: &impl tokio_postgres::GenericClient,
    gateway: &str,
    order_id: &str,
) -> Result<String, JournalFailure> {
    let row = client
        .query_opt(schema::SELECT_CLAIM, &[&gateway, &order_id])
        .await
        .map_err(unavailable)?;
    match row {
        Some(row) => row.try_get(0).map_err(unavailable),
        // Released since: the caller tries again.
        None => Ok(String::new()),
    }
}

#[async_trait]
impl WriteJournal for PostgresJournal {
    async fn begin(&self, intent: &Intent) -> Result<Begun, JournalFailure> {
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            let tx = client.transaction().await.map_err(unavailable)?;
            let now = schema::now_ms();
            let baseline = intent.baseline.as_ref().map(schema::json_text);
            let inserted = tx
                .execute(
                    schema::INSERT_ENTRY,
                    &[
                        &intent.key,
                        &intent.gateway,
                        &intent.operation.as_str(),
                        &intent.order_id,
                        &intent.amount,
                        &intent.currency,
                        &intent.fingerprint,
                        &schema::json_text(&intent.request),
                        &baseline,
                        &now,
                    ],
                )
                .await
                .map_err(unavailable)?;
            if inserted == 0 {
                tx.rollback().await.map_err(unavailable)?;
                let entry = entry_in(&*client, &intent.key)
                    .await?
                    .ok_or(JournalFailure::NotFound)?;
                return Ok(Begun::Recorded(Box::new(entry)));
            }
            let claimed = tx
                .execute(
                    schema::INSERT_CLAIM,
                    &[&intent.gateway, &intent.order_id, &intent.key, &now],
                )
                .await
                .map_err(unavailable)?;
            if claimed == 0 {
                tx.rollback().await.map_err(unavailable)?;
                let holder = holder_in(&*client, &intent.gateway, &intent.order_id).await?;
                return Ok(Begun::OrderBusy { holder });
            }
            tx.commit().await.map_err(unavailable)?;
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
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            let changed = client
                .execute(
                    schema::READY_ENTRY,
                    &[
                        &schema::json_text(baseline),
                        &schema::now_ms(),
                        &key,
                        &i64::from(attempt),
                    ],
                )
                .await
                .map_err(unavailable)?;
            if changed == 0 {
                return Err(match entry_in(&*client, key).await? {
                    Some(entry) => JournalFailure::WrongState { state: entry.state },
                    None => JournalFailure::NotFound,
                });
            }
            Ok(())
        })
        .await
    }

    async fn abandon(&self, key: &str, attempt: u32, detail: &str) -> Result<(), JournalFailure> {
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            let tx = client.transaction().await.map_err(unavailable)?;
            let changed = if attempt <= 1 {
                tx.execute(schema::DELETE_UNSENT_ENTRY, &[&key])
                    .await
                    .map_err(unavailable)?
            } else {
                tx.execute(
                    schema::UNSENT_RETRY,
                    &[&detail, &schema::now_ms(), &key, &i64::from(attempt)],
                )
                .await
                .map_err(unavailable)?
            };
            // Settled meanwhile (by recovery): its state, and its claim, stand.
            if changed > 0 {
                tx.execute(schema::DELETE_CLAIM, &[&key])
                    .await
                    .map_err(unavailable)?;
            }
            tx.commit().await.map_err(unavailable)
        })
        .await
    }

    async fn finish(
        &self,
        key: &str,
        attempt: u32,
        outcome: &Outcome,
    ) -> Result<(), JournalFailure> {
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            let tx = client.transaction().await.map_err(unavailable)?;
            let raw = outcome.raw.as_ref();
            let changed = tx
                .execute(
                    schema::UPDATE_OUTCOME,
                    &[
                        &outcome.state.as_str(),
                        &outcome.result.as_ref().map(schema::json_text),
                        &outcome.detail,
                        &raw.map(|r| i64::from(r.http_status)),
                        &raw.and_then(|r| r.content_type.clone()),
                        &raw.map(|r| r.body.clone()),
                        &schema::now_ms(),
                        &key,
                        &i64::from(attempt),
                    ],
                )
                .await
                .map_err(unavailable)?;
            if changed == 0 {
                let state = entry_in(&tx, key).await?.map(|e| e.state);
                tx.rollback().await.map_err(unavailable)?;
                return Err(match state {
                    Some(state) => JournalFailure::WrongState { state },
                    None => JournalFailure::NotFound,
                });
            }
            if !outcome.state.is_unresolved() {
                tx.execute(schema::DELETE_CLAIM, &[&key])
                    .await
                    .map_err(unavailable)?;
            }
            tx.commit().await.map_err(unavailable)
        })
        .await
    }

    async fn reopen(
        &self,
        key: &str,
        baseline: Option<&Baseline>,
    ) -> Result<Begun, JournalFailure> {
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            let tx = client.transaction().await.map_err(unavailable)?;
            let entry = entry_in(&tx, key).await?.ok_or(JournalFailure::NotFound)?;
            if !entry.state.did_not_take_effect() {
                return Err(JournalFailure::WrongState { state: entry.state });
            }
            let now = schema::now_ms();
            let claimed = tx
                .execute(
                    schema::INSERT_CLAIM,
                    &[&entry.gateway, &entry.order_id, &key, &now],
                )
                .await
                .map_err(unavailable)?;
            if claimed == 0 {
                tx.rollback().await.map_err(unavailable)?;
                let holder = holder_in(&*client, &entry.gateway, &entry.order_id).await?;
                return Ok(Begun::OrderBusy { holder });
            }
            let reopened = tx
                .execute(
                    schema::REOPEN_ENTRY,
                    &[&baseline.map(schema::json_text), &now, &key],
                )
                .await
                .map_err(unavailable)?;
            if reopened == 0 {
                // Changed since it was read (another retry won): leave it.
                tx.rollback().await.map_err(unavailable)?;
                let state = entry_in(&*client, key)
                    .await?
                    .map_or(entry.state, |e| e.state);
                return Err(JournalFailure::WrongState { state });
            }
            tx.commit().await.map_err(unavailable)?;
            Ok(Begun::Claimed {
                attempt: entry.attempt.saturating_add(1),
            })
        })
        .await
    }

    async fn entry(&self, key: &str) -> Result<Option<Entry>, JournalFailure> {
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            entry_in(&*client, key).await
        })
        .await
    }

    async fn entries(&self, filter: &EntryFilter) -> Result<Vec<Entry>, JournalFailure> {
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            let before = filter
                .older_than_ms
                .map_or(i64::MAX, |age| schema::now_ms().saturating_sub(age));
            let limit = filter.limit.map_or(i64::MAX, i64::from);
            let rows = client
                .query(
                    &schema::select_entries(),
                    &[&i32::from(filter.unresolved_only), &before, &limit],
                )
                .await
                .map_err(unavailable)?;
            rows.iter()
                .map(|row| read_entry(row).and_then(EntryRow::into_entry))
                .collect()
        })
        .await
    }
}
