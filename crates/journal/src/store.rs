//! The journal's storage: one trait, an implementation per database.

use async_trait::async_trait;

use crate::entry::{Baseline, Begun, Entry, EntryFilter, Intent, JournalFailure, Outcome};
use crate::inbox::WebhookInbox;

/// Durable storage of journaled writes. Every method is one transaction: a crash at any
/// point leaves either all of a change or none of it.
///
/// Implementations: `SqliteJournal` (feature `sqlite`), `PostgresJournal` (feature
/// `postgres`). The same tests run against both. Each is also the [`WebhookInbox`] of the
/// webhook receiver, in the same database.
#[async_trait]
pub trait WriteJournal: WebhookInbox + Send + Sync + std::fmt::Debug {
    /// Records `intent` as `pending` (attempt 1) and claims its order, unless the key is
    /// journaled already ([`Begun::Recorded`]) or another key holds the order
    /// ([`Begun::OrderBusy`]); in those cases nothing changes.
    async fn begin(&self, intent: &Intent) -> Result<Begun, JournalFailure>;

    /// Records the payment as read just before sending attempt `attempt` of `key` (still
    /// `pending`): from now on the write may have been sent. A pending entry without a
    /// baseline was never sent.
    async fn ready(
        &self,
        key: &str,
        attempt: u32,
        baseline: &Baseline,
    ) -> Result<(), JournalFailure>;

    /// Drops attempt `attempt` of `key`, still `pending`, that stopped before anything was
    /// sent: a first attempt's entry is deleted (the key is free again), a retry's is set
    /// back to `not_applied` with `detail`; the order's claim is released.
    async fn abandon(&self, key: &str, attempt: u32, detail: &str) -> Result<(), JournalFailure>;

    /// Records how attempt `attempt` of `key` ended. Allowed from `pending` and `unknown`
    /// only; a resolved outcome (anything but `unknown`) releases the order's claim.
    async fn finish(
        &self,
        key: &str,
        attempt: u32,
        outcome: &Outcome,
    ) -> Result<(), JournalFailure>;

    /// Moves a write that did not take effect (`refused`, `not_applied`) back to `pending`
    /// as its next attempt, with a new baseline, and claims its order again: the explicit
    /// retry, same key.
    async fn reopen(&self, key: &str, baseline: Option<&Baseline>)
    -> Result<Begun, JournalFailure>;

    /// The entry of `key`.
    async fn entry(&self, key: &str) -> Result<Option<Entry>, JournalFailure>;

    /// Entries, oldest first.
    async fn entries(&self, filter: &EntryFilter) -> Result<Vec<Entry>, JournalFailure>;
}
