//! The entry's state machine, shared by both databases: each storage method reads the entry
//! (locked, in its transaction), asks one of these functions what the change is, and writes
//! it. Times are Unix milliseconds by the journal's one clock (see `WriteJournal::now_ms`).

use crate::entry::{
    Actor, Baseline, Entry, EntryState, Finished, HistoryEvent, JournalFailure, Outcome,
};

/// What a storage method writes, besides the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// The order's claim stays as it is.
    Keep,
    /// The entry's claim on its order is released.
    Release,
}

/// The claim follows the entry's state: held while the state holds the order.
fn claim_after(state: EntryState) -> Claim {
    if state.holds_order() {
        Claim::Keep
    } else {
        Claim::Release
    }
}

fn wrong_state(entry: &Entry) -> JournalFailure {
    JournalFailure::WrongState { state: entry.state }
}

/// The current attempt, pending: anything else means it was settled (or retried) meanwhile.
fn pending_attempt(entry: &Entry, attempt: u32) -> Result<(), JournalFailure> {
    if entry.attempt == attempt && entry.state == EntryState::Pending {
        Ok(())
    } else {
        Err(wrong_state(entry))
    }
}

/// `ready`: records the baseline of a pending attempt whose lease still runs and is the one
/// it was claimed with, and says how long it has left (milliseconds). A run-out lease
/// refuses: the write must not be sent.
pub(crate) fn ready(
    entry: &Entry,
    attempt: u32,
    lease_until_ms: i64,
    baseline: &Baseline,
    now: i64,
) -> Result<(Entry, i64), JournalFailure> {
    pending_attempt(entry, attempt)?;
    // Another claim's entry: this caller's intent was lost, and the key claimed anew.
    if entry.lease_until_ms != lease_until_ms {
        return Err(wrong_state(entry));
    }
    if entry.lease_until_ms <= now {
        return Err(JournalFailure::Lease {
            until_ms: entry.lease_until_ms,
            expired: true,
        });
    }
    let mut next = entry.clone();
    next.baseline = Some(baseline.clone());
    next.updated_at_ms = now;
    Ok((next, entry.lease_until_ms.saturating_sub(now)))
}

/// `abandon`: a pending attempt that sent nothing. `None`: delete the entry (a first attempt:
/// the key is free again); else the retry goes back to `not_applied`.
pub(crate) fn abandon(
    entry: &Entry,
    attempt: u32,
    lease_until_ms: i64,
    detail: &str,
    now: i64,
) -> Result<Option<Entry>, JournalFailure> {
    pending_attempt(entry, attempt)?;
    // Another claim's entry: never this caller's to drop.
    if entry.lease_until_ms != lease_until_ms {
        return Err(wrong_state(entry));
    }
    if attempt <= 1 {
        return Ok(None);
    }
    let mut next = entry.clone();
    next.state = EntryState::NotApplied;
    next.detail = Some(detail.to_owned());
    next.holder = None;
    next.updated_at_ms = now;
    next.history.push(HistoryEvent {
        at_ms: now,
        by: Actor::Writer,
        state: EntryState::NotApplied,
        detail: Some(format!("not sent: {detail}")),
        evidence: None,
    });
    Ok(Some(next))
}

fn with_outcome(entry: &Entry, outcome: &Outcome, by: Actor, now: i64) -> Entry {
    let mut next = entry.clone();
    next.state = outcome.state;
    next.result = outcome.result.clone();
    next.detail = outcome.detail.clone();
    next.raw = outcome.raw.clone();
    next.updated_at_ms = now;
    next.history.push(HistoryEvent {
        at_ms: now,
        by,
        state: outcome.state,
        detail: outcome.detail.clone(),
        evidence: outcome.evidence.clone(),
    });
    next
}

/// True when a writer's answer and a settlement say the same of the write.
fn agree(answer: EntryState, settled: EntryState) -> bool {
    match answer {
        EntryState::Succeeded | EntryState::Applied => settled.took_effect(),
        EntryState::Refused | EntryState::NotApplied => settled.did_not_take_effect(),
        // An unknown outcome says nothing: it cannot disagree.
        _ => true,
    }
}

/// `finish`: the writer's answer to attempt `attempt`. On a pending attempt it is the
/// outcome. On an attempt recovery or an operator settled first, it is kept in the history;
/// where it says otherwise than the settlement, the entry becomes `conflict`.
pub(crate) fn finish(
    entry: &Entry,
    attempt: u32,
    outcome: &Outcome,
    now: i64,
) -> Result<(Entry, Claim, Finished), JournalFailure> {
    if entry.attempt != attempt {
        return Err(wrong_state(entry));
    }
    match entry.state {
        EntryState::Pending | EntryState::Unknown => {
            let next = with_outcome(entry, outcome, Actor::Writer, now);
            Ok((next, claim_after(outcome.state), Finished::Recorded))
        }
        settled @ (EntryState::Applied
        | EntryState::NotApplied
        | EntryState::Ambiguous
        | EntryState::Conflict) => {
            let mut next = entry.clone();
            next.updated_at_ms = now;
            next.history.push(HistoryEvent {
                at_ms: now,
                by: Actor::Writer,
                state: outcome.state,
                detail: Some(format!(
                    "answer arrived after the entry was settled as {settled}: {}",
                    outcome.detail.as_deref().unwrap_or("no detail")
                )),
                evidence: outcome.result.clone(),
            });
            if outcome.state == EntryState::Unknown
                || (settled != EntryState::Ambiguous && agree(outcome.state, settled))
            {
                return Ok((next, Claim::Keep, Finished::AlreadySettled(settled)));
            }
            if settled == EntryState::Ambiguous {
                // The provider's own answer to this very request beats figures another write
                // could explain: it settles the entry.
                let next = with_outcome(&next, outcome, Actor::Writer, now);
                return Ok((next, claim_after(outcome.state), Finished::Recorded));
            }
            // Recovery said otherwise: people must look at both.
            next.state = EntryState::Conflict;
            next.result = outcome.result.clone().or(next.result);
            next.raw = outcome.raw.clone().or(next.raw);
            next.detail = Some(format!(
                "conflict: settled as {settled}, then the writer's answer said {}",
                outcome.state
            ));
            Ok((
                next,
                claim_after(EntryState::Conflict),
                Finished::Conflict { settled },
            ))
        }
        _ => Err(wrong_state(entry)),
    }
}

/// True while `entry`'s lease keeps recovery and operators off it. A lease ends when its
/// time is up. It ends sooner only for an attempt that was never sent (no baseline) whose
/// holder is gone: nothing of it can be in flight. A sent attempt's request may still be
/// on its way through the provider after its writer died, for as long as the writer would
/// have waited for it: its lease runs out in full.
pub(crate) fn lease_runs(entry: &Entry, now: i64, holder_gone: bool) -> bool {
    entry.lease_until_ms > now && !(holder_gone && entry.baseline.is_none())
}

/// `settle`: recovery's decision on attempt `attempt`, allowed only once the lease has ended
/// (see [`lease_runs`]).
pub(crate) fn settle(
    entry: &Entry,
    attempt: u32,
    outcome: &Outcome,
    now: i64,
    holder_gone: bool,
) -> Result<(Entry, Claim), JournalFailure> {
    if entry.attempt != attempt || !matches!(entry.state, EntryState::Pending | EntryState::Unknown)
    {
        return Err(wrong_state(entry));
    }
    if lease_runs(entry, now, holder_gone) {
        return Err(JournalFailure::Lease {
            until_ms: entry.lease_until_ms,
            expired: false,
        });
    }
    let mut next = with_outcome(entry, outcome, Actor::Recovery, now);
    if outcome.state == EntryState::Unknown && entry.state == EntryState::Unknown {
        // Nothing learned: keep the writer's own detail and answer; the reason is in the history.
        next.detail = entry.detail.clone().or(next.detail);
        next.raw = entry.raw.clone().or(next.raw);
    }
    next.holder = None;
    Ok((next, claim_after(outcome.state)))
}

/// `resolve`: an operator settles an entry nobody else can: `pending` whose lease has run
/// out, `unknown`, `ambiguous` or `conflict`, as `applied` or `not_applied`, with a note.
pub(crate) fn resolve(
    entry: &Entry,
    state: EntryState,
    note: &str,
    evidence: Option<serde_json::Value>,
    now: i64,
    holder_gone: bool,
) -> Result<(Entry, Claim), JournalFailure> {
    if !matches!(state, EntryState::Applied | EntryState::NotApplied) {
        return Err(JournalFailure::WrongState { state });
    }
    if !entry.state.is_unresolved() {
        return Err(wrong_state(entry));
    }
    if entry.state == EntryState::Pending && lease_runs(entry, now, holder_gone) {
        return Err(JournalFailure::Lease {
            until_ms: entry.lease_until_ms,
            expired: false,
        });
    }
    let mut next = entry.clone();
    next.state = state;
    next.detail = Some(format!("resolved by hand: {note}"));
    next.holder = None;
    next.updated_at_ms = now;
    next.history.push(HistoryEvent {
        at_ms: now,
        by: Actor::Operator,
        state,
        detail: Some(note.to_owned()),
        evidence,
    });
    // A conflict released its claim when recovery settled it; the operator's word does not
    // take it again (another write may hold the order now).
    let claim = if entry.state == EntryState::Conflict {
        Claim::Keep
    } else {
        claim_after(state)
    };
    Ok((next, claim))
}

/// `reopen`: a write that did not take effect becomes pending again as its next attempt,
/// under a new lease held by `holder`.
pub(crate) fn reopen(
    entry: &Entry,
    lease_until_ms: i64,
    holder: Option<&str>,
    now: i64,
) -> Result<Entry, JournalFailure> {
    if !entry.state.did_not_take_effect() {
        return Err(wrong_state(entry));
    }
    let mut next = entry.clone();
    next.history.push(HistoryEvent {
        at_ms: now,
        by: Actor::Writer,
        state: EntryState::Pending,
        detail: Some(format!(
            "retried as attempt {} (attempt {} was {})",
            entry.attempt.saturating_add(1),
            entry.attempt,
            entry.state
        )),
        evidence: None,
    });
    next.state = EntryState::Pending;
    next.attempt = entry.attempt.saturating_add(1);
    next.baseline = None;
    next.result = None;
    next.detail = None;
    next.raw = None;
    next.lease_until_ms = lease_until_ms;
    next.holder = holder.map(str::to_owned);
    next.updated_at_ms = now;
    Ok(next)
}
