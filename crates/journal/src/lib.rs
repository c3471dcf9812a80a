//! # paygate-journal
//!
//! A durable write journal: every write (create, refund, capture, void, cancel) is sent at
//! most once per idempotency key, across retries, crashes, restarts and app instances. None
//! of the providers offers idempotency keys, so the journal gives the guarantee itself:
//!
//! 1. the intent (key, write, order, amount) is committed in the gateway's provider
//!    **account** (never a configuration's gateway name), and the order claimed under a
//!    **lease** as long as the write's whole deadline, **before** the write is sent; the
//!    payment read just before sending is recorded as the baseline while the lease runs;
//! 2. the write is sent once, never past its lease; its outcome (succeeded, refused, or
//!    unknown, with the answer) is committed after;
//! 3. the same key again answers from the journal and sends nothing; the same key with
//!    other parameters is refused; a second write on an order whose write is in flight or
//!    unresolved is refused ("in progress");
//! 4. [`recover`] settles what a crash or a lost answer left open, once the lease has ended
//!    or its holder is gone, from the evidence the payment gives: applied, not applied, or
//!    **ambiguous** when another write could explain it. It never sends a write; resending a
//!    write proven not applied is the explicit [`Journaled::retry`], under the same key. A
//!    writer's answer arriving after recovery settled otherwise makes a **conflict**;
//!    [`Journaled::resolve`] records an operator's decision on what no evidence settles.
//!
//! Leases are judged by one clock: the database server's (PostgreSQL) or the host's
//! (SQLite, whose processes share one host). See [`WriteJournal`].
//!
//! Storage: [`SqliteJournal`] (feature `sqlite`, the default: one file, bundled SQLite) or
//! [`PostgresJournal`] (feature `postgres`: several app instances on one server). See
//! [`open`] for the URLs.
//!
//! Drivers: `rusqlite` with SQLite bundled (nothing to install; its calls run on tokio's
//! blocking pool) and `tokio-postgres` (async, pure Rust). `sqlx` would cover both behind one
//! API, but it brings its query macros, pool and per-database drivers. The journal needs a
//! dozen statements and exact control of its transactions: SQLite's `BEGIN IMMEDIATE`, and
//! PostgreSQL's `INSERT … ON CONFLICT DO NOTHING`, which waits for a concurrent insert of the
//! same key to commit. The two plain drivers give exactly that, with fewer crates to build.

// docs.rs: each item gated by a feature says which (`--cfg docsrs`, nightly).
#![cfg_attr(docsrs, feature(doc_cfg))]
// Without a database feature there is nothing to store in: the shared SQL goes unused.
#![cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]

mod entry;
#[cfg(feature = "sqlite")]
mod holder_file;
mod inbox;
mod journaled;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
mod postgres_tls;
mod recover;
mod retry;
mod schema;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;
mod stored;
mod transition;
mod writes;

use std::sync::Arc;

pub use entry::{
    Actor, Baseline, Begun, Entry, EntryFilter, EntryState, Finished, HistoryEvent, Intent,
    JournalFailure, Outcome, RawAnswer, ReadyAtClaim, WriteOperation,
};
pub use inbox::{ReceiptFilter, WebhookInbox, WebhookReceipt};
pub use journaled::{JournalSettings, Journaled};
#[cfg(feature = "postgres")]
pub use postgres::PostgresJournal;
pub use recover::{GatewayFor, RecoveryOptions, RecoveryReport, Settled, recover};
#[cfg(feature = "sqlite")]
pub use sqlite::{BUSY_TIMEOUT, SqliteJournal};
pub use store::WriteJournal;

/// Opens the journal a URL names: `sqlite://PATH` or `sqlite:PATH` (a file, created if
/// missing; `sqlite:///abs/path` for an absolute path; `?mode=ro` opens an existing file
/// read-only, to inspect it), or `postgres://…` / `postgresql://…` (a server, over TLS
/// whenever it offers it, its certificate always verified: see [`PostgresJournal::open`]).
/// Each needs its cargo feature.
pub async fn open(url: &str) -> Result<Arc<dyn WriteJournal>, JournalFailure> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        return open_sqlite(path).await;
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return open_postgres(url).await;
    }
    Err(JournalFailure::Unavailable(
        "the journal URL must start with sqlite:// or postgres://".into(),
    ))
}

#[cfg(feature = "sqlite")]
async fn open_sqlite(path: &str) -> Result<Arc<dyn WriteJournal>, JournalFailure> {
    let (path, read_only) = match path.strip_suffix("?mode=ro") {
        Some(path) => (path, true),
        None => (path, false),
    };
    if path.is_empty() || path.contains('?') {
        return Err(JournalFailure::Unavailable(
            "the sqlite URL must name a file (and takes no option but ?mode=ro)".into(),
        ));
    }
    Ok(Arc::new(if read_only {
        SqliteJournal::open_read_only(path).await?
    } else {
        SqliteJournal::open(path).await?
    }))
}

#[cfg(not(feature = "sqlite"))]
async fn open_sqlite(_path: &str) -> Result<Arc<dyn WriteJournal>, JournalFailure> {
    Err(JournalFailure::Unavailable(
        "this build has no SQLite journal (enable the `sqlite` feature)".into(),
    ))
}

#[cfg(feature = "postgres")]
async fn open_postgres(url: &str) -> Result<Arc<dyn WriteJournal>, JournalFailure> {
    Ok(Arc::new(PostgresJournal::open(url).await?))
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(_url: &str) -> Result<Arc<dyn WriteJournal>, JournalFailure> {
    Err(JournalFailure::Unavailable(
        "this build has no PostgreSQL journal (enable the `postgres` feature)".into(),
    ))
}

#[cfg(feature = "sqlite")]
/// Creates `dir` (and its parents) if missing; a folder it creates is `0700` (the journal's
/// rows hold orders, amounts and the providers' answers).
pub(crate) fn private_dir(dir: &std::path::Path) -> Result<(), JournalFailure> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| JournalFailure::Unavailable(format!("cannot create {}: {e}", dir.display())))
}

#[cfg(feature = "sqlite")]
/// Creates the file at `path` `0600` if it is missing (SQLite then opens it as it is, and
/// gives its `-wal` and `-shm` files the same permissions).
pub(crate) fn private_file(path: &std::path::Path) -> Result<(), JournalFailure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map(drop)
        .map_err(|e| JournalFailure::Unavailable(format!("cannot create {}: {e}", path.display())))
}

// The crate's README (its registry page) is compiled as a doctest: its quick start (on
// SQLite) builds and runs.
#[cfg(all(doctest, feature = "sqlite"))]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
