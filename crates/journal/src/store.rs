//! The journal's storage: one trait, an implementation per database.

use std::time::Duration;

use async_trait::async_trait;

use crate::entry::{
    Baseline, Begun, Entry, EntryFilter, EntryState, Finished, Intent, JournalFailure, Outcome,
};
use crate::inbox::WebhookInbox;

/// Durable storage of journaled writes. Every method is one transaction: a crash at any
/// point leaves either all of a change or none of it. Entries are found by account and key
/// (see [`Intent::account`]).
///
/// **One clock decides.** Leases are set and judged by the database's clock: PostgreSQL's
/// `clock_timestamp()` on the server, so clock skew between app instances cannot shorten a
/// lease; for SQLite, the clock of the one host whose processes share the file (the
/// `Clock` it was opened with, the system clock by default).
///
/// Implementations: `SqliteJournal` (feature `sqlite`), `PostgresJournal` (feature
/// `postgres`). The same tests run against both. Each is also the [`WebhookInbox`] of the
/// webhook receiver, in the same database.
#[async_trait]
pub trait WriteJournal: WebhookInbox + Send + Sync + std::fmt::Debug {
    /// Records `intent` as `pending` (attempt 1), held by this handle under a lease of
    /// `intent.lease` from now, and claims its order, unless the key is journaled already in
    /// the account ([`Begun::Recorded`]) or another key holds the order
    /// ([`Begun::OrderBusy`]); in those cases nothing changes. In the same transaction it
    /// reads the order's other entries, and records [`Intent::ready`]'s baseline if it
    /// [holds](crate::ReadyAtClaim::holds) for them; then its commit waits for the flush, as
    /// `ready`'s does, since the write may be sent at once.
    async fn begin(&self, intent: &Intent) -> Result<Begun, JournalFailure>;

    /// The order's entries in `account`, oldest first, and the journal's now (Unix
    /// milliseconds, the clock that judges leases) once they were read: what a write's plan
    /// marks before it reads the payment.
    async fn order_entries(
        &self,
        account: &str,
        order_id: &str,
    ) -> Result<(Vec<Entry>, i64), JournalFailure> {
        let entries = self
            .entries(&EntryFilter {
                account: Some(account.to_owned()),
                order_id: Some(order_id.to_owned()),
                ..EntryFilter::default()
            })
            .await?;
        Ok((entries, self.now_ms().await?))
    }

    /// Records the payment as read just before sending attempt `attempt` of `key` (still
    /// `pending`), and returns how long its lease has left: from now on the write may have
    /// been sent, and must not be sent after that time. A lease that has run out is refused
    /// ([`JournalFailure::Lease`]): nothing may be sent. A pending entry without a baseline
    /// was never sent. `lease_until_ms` is the lease the attempt was claimed with
    /// ([`Begun::Claimed`]): an entry with another one is not this caller's (its intent was
    /// lost in a database crash and the key claimed anew by another caller), and is refused
    /// ([`JournalFailure::WrongState`]).
    async fn ready(
        &self,
        account: &str,
        key: &str,
        attempt: u32,
        lease_until_ms: i64,
        baseline: &Baseline,
    ) -> Result<Duration, JournalFailure>;

    /// Drops attempt `attempt` of `key`, still `pending` under the lease it was claimed with
    /// (`lease_until_ms`, as in [`WriteJournal::ready`]), that stopped before anything was
    /// sent: a first attempt's entry is deleted (the key is free again), a retry's is set
    /// back to `not_applied` with `detail`; the order's claim is released.
    async fn abandon(
        &self,
        account: &str,
        key: &str,
        attempt: u32,
        lease_until_ms: i64,
        detail: &str,
    ) -> Result<(), JournalFailure>;

    /// Records the writer's answer to attempt `attempt` of `key`. From `pending` or
    /// `unknown` it is the outcome (a resolved one releases the order's claim). After a
    /// settlement it is kept in the history, and makes the entry `conflict` where it says
    /// otherwise ([`Finished`]).
    async fn finish(
        &self,
        account: &str,
        key: &str,
        attempt: u32,
        outcome: &Outcome,
    ) -> Result<Finished, JournalFailure>;

    /// Recovery's decision on attempt `attempt` of `key` (`pending` or `unknown`): refused
    /// while its lease runs ([`JournalFailure::Lease`]) unless `holder_gone` (see
    /// [`WriteJournal::holder_gone`]).
    async fn settle(
        &self,
        account: &str,
        key: &str,
        attempt: u32,
        outcome: &Outcome,
        holder_gone: bool,
    ) -> Result<(), JournalFailure>;

    /// An operator's decision: an unresolved entry (a `pending` one only once its lease has
    /// run out or its holder is gone) becomes `applied` or `not_applied`, with `note` and
    /// `evidence` in its history. Returns the entry after.
    async fn resolve(
        &self,
        account: &str,
        key: &str,
        state: EntryState,
        note: &str,
        evidence: Option<serde_json::Value>,
    ) -> Result<Entry, JournalFailure>;

    /// Moves a write that did not take effect (`refused`, `not_applied`) back to `pending`
    /// as its next attempt, under a new lease of `lease`, and claims its order again: the
    /// explicit retry, same key.
    async fn reopen(
        &self,
        account: &str,
        key: &str,
        lease: Duration,
    ) -> Result<Begun, JournalFailure>;

    /// The entry of `key` in `account`.
    async fn entry(&self, account: &str, key: &str) -> Result<Option<Entry>, JournalFailure>;

    /// Entries, oldest first.
    async fn entries(&self, filter: &EntryFilter) -> Result<Vec<Entry>, JournalFailure>;

    /// Now, Unix milliseconds, by the clock that judges leases.
    async fn now_ms(&self) -> Result<i64, JournalFailure>;

    /// This handle's holder name, recorded with the attempts it begins (`None`: a read-only
    /// handle).
    fn holder(&self) -> Option<&str>;

    /// True when the handle named `holder` is certainly gone (its process died, its database
    /// connection dropped): its attempts will send nothing more, so their leases end with it.
    /// False when it lives, or when nobody can tell.
    async fn holder_gone(&self, holder: &str) -> Result<bool, JournalFailure>;
}

/// Whether the holder of `key`'s pending attempt is gone (false for an entry in any other
/// state): what `resolve` needs to know before it may end a pending attempt's lease.
pub(crate) async fn pending_holder_gone(
    journal: &(impl WriteJournal + ?Sized),
    account: &str,
    key: &str,
) -> Result<bool, JournalFailure> {
    match journal.entry(account, key).await? {
        Some(Entry {
            holder: Some(holder),
            state: EntryState::Pending,
            ..
        }) => journal.holder_gone(&holder).await,
        _ => Ok(false),
    }
}

/// How durable a journal change's commit must be before it is answered. See
/// docs/reliability.md, "What each commit waits for".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Commit {
    /// Flushed to disk: the baseline (the last step before a write is sent), an answer that
    /// conflicts with recovery's settlement, an operator's decision, and on PostgreSQL the
    /// intent and the outcome.
    Flushed,
    /// Not waited for: what a crash that takes the database's unflushed commits may lose
    /// without harm. Recovery's settlements (the entry is then as recovery found it, and the
    /// next recovery decides again from the same evidence) and, on SQLite only, the intent
    /// (SQLite runs inside the app, so a crash that loses it takes the process too; nothing
    /// was sent, since the baseline is flushed before sending and its flush carries the
    /// intent) and the writer's outcome of a pending entry (losing it leaves the entry sent
    /// and unanswered, as a crash before recording does, for recovery to settle from
    /// evidence). The WAL keeps order: any later flushed commit makes every earlier one
    /// durable first.
    Relaxed,
}
