//! `paygate journal …`, and the key `refund` makes when given none.

use std::sync::Arc;

use paygate::journal::{Entry, EntryFilter, EntryState, JournalFailure, RecoveryOptions};
use paygate::{Error, GatewayRegistry};
use serde_json::{Value, json};

use crate::args::{
    JournalCommand, JournalKeyArgs, JournalListArgs, JournalRecoverArgs, JournalResolveArgs,
    JournalRetryArgs,
};
use crate::exit;
use crate::ops::{Out, confirm};

/// A key for a refund given no `--reference`: the time and 48 random bits. Without
/// randomness the refund is refused (a key of the time alone could be another's).
pub(crate) fn made_key() -> Result<String, Error> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| {
        Error::from(paygate::JournalError::unavailable(format!(
            "no randomness to make a journal key ({e}): give --reference; nothing was sent"
        )))
    })?;
    let mut wide = [0u8; 8];
    wide[..6].copy_from_slice(&bytes);
    let seconds = paygate::time::OffsetDateTime::now_utc().unix_timestamp();
    Ok(format!("cli-{seconds}-{:012x}", u64::from_le_bytes(wide)))
}

/// Tells the operator the key paygate made, so the refund can be looked up or repeated.
pub(crate) fn announce_key(out: Out, key: &str) {
    if !out.json {
        eprintln!(
            "paygate refund: journal key {key} (give --reference {key} to repeat this refund safely)"
        );
    }
}

/// The journal could not be read: nothing was sent.
pub(crate) fn unavailable(failure: &JournalFailure) -> Error {
    Error::from(paygate::JournalError::unavailable(format!(
        "{failure}; nothing was sent"
    )))
}

fn entry_json(entry: &Entry) -> Value {
    json!({
        "key": entry.key,
        "account": entry.account,
        "gateway": entry.gateway,
        "operation": entry.operation.as_str(),
        "order_id": entry.order_id,
        "amount": match (&entry.amount, &entry.currency) {
            (Some(amount), Some(currency)) => json!({"amount": amount, "currency": currency}),
            _ => Value::Null,
        },
        "state": entry.state.as_str(),
        "attempt": entry.attempt,
        "baseline": entry.baseline,
        "result": entry.result,
        "detail": entry.detail,
        "answer_http_status": entry.raw.as_ref().map(|r| r.http_status),
        "lease_until_ms": entry.lease_until_ms,
        "holder": entry.holder,
        "history": entry.history,
        "created_at_ms": entry.created_at_ms,
        "updated_at_ms": entry.updated_at_ms,
    })
}

/// Unix milliseconds as RFC 3339 (UTC).
pub(crate) fn time_text(ms: i64) -> String {
    paygate::time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&paygate::time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// An entry's amount and currency, or `what` when it has none.
fn amount_text(entry: &Entry, what: &str) -> String {
    match (&entry.amount, &entry.currency) {
        (Some(a), Some(c)) => format!("{a} {c}"),
        _ => what.to_owned(),
    }
}

fn entry_line(entry: &Entry) -> String {
    let amount = amount_text(entry, "-");
    let changed = time_text(entry.updated_at_ms);
    format!(
        "{:<28} {:<12} {:<14} {:<22} {:>16} {:<12} {:>2}  {changed}",
        entry.key,
        entry.gateway,
        entry.operation.as_str(),
        entry.order_id,
        amount,
        entry.state.as_str(),
        entry.attempt
    )
}

/// Runs a `journal` command.
pub(crate) async fn run(registry: &GatewayRegistry, out: Out, command: &JournalCommand) -> u8 {
    match command {
        JournalCommand::List(args) => list(registry, out, args).await,
        JournalCommand::Show(args) => show(registry, out, args).await,
        JournalCommand::Recover(args) => recover(registry, out, args).await,
        JournalCommand::Retry(args) => retry(registry, out, args).await,
        JournalCommand::Resolve(args) => resolve(registry, out, args).await,
    }
}

pub(crate) fn journal_of(
    registry: &GatewayRegistry,
) -> Result<&Arc<dyn paygate::journal::WriteJournal>, Error> {
    registry
        .journal()
        .ok_or_else(|| Error::config("journal", "no journal: drop --no-journal"))
}

async fn list(registry: &GatewayRegistry, out: Out, args: &JournalListArgs) -> u8 {
    let entries = match journal_of(registry) {
        Ok(journal) => journal
            .entries(&EntryFilter {
                unresolved_only: args.unresolved,
                limit: Some(args.limit),
                ..EntryFilter::default()
            })
            .await
            .map_err(|e| unavailable(&e)),
        Err(e) => Err(e),
    };
    match entries {
        Ok(entries) => {
            let mut human = format!(
                "{:<28} {:<12} {:<14} {:<22} {:>16} {:<12} {:>2}  changed\n",
                "key", "gateway", "operation", "order", "amount", "state", "#"
            );
            for entry in &entries {
                human.push_str(&entry_line(entry));
                human.push('\n');
            }
            human.push_str(&crate::ops::count(
                u64::try_from(entries.len()).unwrap_or(u64::MAX),
                "entry",
                "entries",
            ));
            out.result(
                &human,
                json!({"command": "journal-list", "entries": entries.iter().map(entry_json).collect::<Vec<_>>()}),
            );
            exit::OK
        }
        Err(e) => out.error("journal list", &e),
    }
}

async fn show(registry: &GatewayRegistry, out: Out, args: &JournalKeyArgs) -> u8 {
    let found = match registry.journal_entries(&args.key).await {
        Ok(found) => found,
        Err(e) => return out.error("journal show", &e),
    };
    if found.is_empty() {
        return out.error(
            "journal show",
            &Error::invalid("key", format!("no journal entry has the key {}", args.key)),
        );
    }
    // The entry on an account this configuration acts on first; a key other accounts hold
    // too (a journal shared by several configurations) shows theirs after it.
    let mut found = found;
    found.sort_by_key(|(_, gateway)| gateway.is_err());
    let human: Vec<String> = found
        .iter()
        .map(|(entry, gateway)| entry_detail(entry, gateway))
        .collect();
    let mut docs = found.iter().map(|(entry, _)| entry_json(entry));
    let first = docs.next().unwrap_or(Value::Null);
    let others: Vec<Value> = docs.collect();
    out.result(
        &human.join("\n\n"),
        json!({"command": "journal-show", "entry": first, "other_accounts": others}),
    );
    exit::OK
}

/// An entry for people: its line, account, baseline, detail, result and history.
fn entry_detail(entry: &Entry, gateway: &Result<String, String>) -> String {
    let mut human = entry_line(entry);
    human.push_str(&format!("\n  account: {}", entry.account));
    match gateway {
        Ok(name) => human.push_str(&format!(" (gateway {name} of this configuration)")),
        Err(why) => human.push_str(&format!(" ({why})")),
    }
    if entry.state == EntryState::Pending {
        human.push_str(&format!(
            "\n  lease until {}{}",
            time_text(entry.lease_until_ms),
            entry
                .holder
                .as_deref()
                .map(|h| format!(", held by {h}"))
                .unwrap_or_default()
        ));
    }
    if let Some(baseline) = &entry.baseline {
        human.push_str(&format!(
            "\n  before sending: {} (amount {}, refunded {})",
            baseline.status,
            baseline.amount.as_deref().unwrap_or("-"),
            baseline.refunded.as_deref().unwrap_or("-")
        ));
    }
    if let Some(detail) = &entry.detail {
        human.push_str(&format!("\n  {detail}"));
    }
    if let Some(result) = &entry.result {
        human.push_str(&format!("\n  result: {result}"));
    }
    for event in &entry.history {
        human.push_str(&format!(
            "\n  {} {:<8} {:<12} {}",
            time_text(event.at_ms),
            format!("{:?}", event.by).to_lowercase(),
            event.state,
            event.detail.as_deref().unwrap_or("")
        ));
        if let Some(evidence) = &event.evidence {
            human.push_str(&format!("\n      evidence: {evidence}"));
        }
    }
    human
}

async fn recover(registry: &GatewayRegistry, out: Out, args: &JournalRecoverArgs) -> u8 {
    let mut options = RecoveryOptions::default();
    if let Some(rate) = args.rate {
        options = options.reads_per_second(rate);
    }
    match registry.recover(options).await {
        Ok(report) => {
            let mut human = String::new();
            for settled in &report.settled {
                human.push_str(&format!(
                    "{:<28} {:<12} {}\n",
                    settled.key, settled.state, settled.reason
                ));
            }
            let waiting = report
                .settled
                .iter()
                .filter(|s| s.eligible_at_ms.is_some())
                .count();
            let unresolved = report.unresolved();
            human.push_str(&format!(
                "looked at {}: {} applied, {} not applied; {} still unresolved ({} unknown, {} ambiguous, {} in conflict, {} whose lease still runs)",
                crate::ops::count(
                    u64::try_from(report.settled.len()).unwrap_or(u64::MAX),
                    "unresolved entry",
                    "unresolved entries"
                ),
                report.count(EntryState::Applied),
                report.count(EntryState::NotApplied),
                unresolved,
                report.count(EntryState::Unknown)
                    + report.count(EntryState::Pending).saturating_sub(waiting),
                report.count(EntryState::Ambiguous),
                report.count(EntryState::Conflict),
                waiting,
            ));
            if report.other_accounts > 0 {
                human.push_str(&format!(
                    "\n{} of accounts this configuration does not act on, left alone",
                    crate::ops::count(
                        u64::try_from(report.other_accounts).unwrap_or(u64::MAX),
                        "unresolved entry",
                        "unresolved entries"
                    )
                ));
            }
            let entries: Vec<Value> = report
                .settled
                .iter()
                .map(|s| {
                    json!({
                        "key": s.key,
                        "account": s.account,
                        "state": s.state.as_str(),
                        "reason": s.reason,
                        "eligible_at_ms": s.eligible_at_ms,
                        "evidence": s.evidence,
                    })
                })
                .collect();
            out.result(
                &human,
                json!({
                    "command": "journal-recover",
                    "settled": entries,
                    "applied": report.count(EntryState::Applied),
                    "not_applied": report.count(EntryState::NotApplied),
                    "unresolved": unresolved,
                    "lease_running": waiting,
                    "other_accounts": report.other_accounts,
                }),
            );
            if unresolved == 0 {
                exit::OK
            } else {
                exit::OUTCOME_UNKNOWN
            }
        }
        Err(e) => out.error("journal recover", &e),
    }
}

async fn retry(registry: &GatewayRegistry, out: Out, args: &JournalRetryArgs) -> u8 {
    let entry = match usable_entry(registry, &args.key).await {
        Ok(entry) => entry,
        Err(e) => return out.error("journal retry", &e),
    };
    if entry.state.did_not_take_effect() && !args.yes {
        let question = format!(
            "Send again {} of {} order {} ({}; it is {})?",
            entry.operation,
            entry.gateway,
            entry.order_id,
            amount_text(&entry, "no amount"),
            entry.state
        );
        if !confirm(&question) {
            return not_confirmed(out, "journal-retry");
        }
    }
    match registry.retry(&args.key).await {
        Ok(entry) => {
            out.result(
                &entry_line(&entry),
                json!({"command": "journal-retry", "entry": entry_json(&entry)}),
            );
            if entry.state.took_effect() {
                exit::OK
            } else if entry.state.is_unresolved() {
                exit::OUTCOME_UNKNOWN
            } else {
                exit::PROVIDER
            }
        }
        Err(e) => out.error("journal retry", &e),
    }
}

/// The operator said no: nothing was done.
fn not_confirmed(out: Out, command: &str) -> u8 {
    if out.json {
        println!("{}", json!({"command": command, "confirmed": false}));
    } else {
        eprintln!(
            "paygate {}: not confirmed; nothing was done",
            command.replace('-', " ")
        );
    }
    exit::NOT_CONFIRMED
}

/// The entry with `key` on an account this configuration acts on (the others are named in
/// the error).
async fn usable_entry(registry: &GatewayRegistry, key: &str) -> Result<Entry, Error> {
    let found = registry.journal_entries(key).await?;
    let mut usable: Vec<Entry> = Vec::new();
    let mut elsewhere = Vec::new();
    for (entry, gateway) in found {
        match gateway {
            Ok(_) => usable.push(entry),
            Err(why) => elsewhere.push(why),
        }
    }
    match (usable.pop(), usable.is_empty()) {
        (Some(entry), true) => Ok(entry),
        (Some(_), false) => Err(Error::invalid(
            "key",
            format!(
                "several configured accounts have an entry {key}: see paygate journal show {key}"
            ),
        )),
        (None, _) if elsewhere.is_empty() => Err(Error::invalid(
            "key",
            format!("no journal entry has the key {key}"),
        )),
        (None, _) => Err(Error::invalid(
            "key",
            format!(
                "the journal entry {key} is not this configuration's: {}; nothing was done",
                elsewhere.join("; ")
            ),
        )),
    }
}

async fn resolve(registry: &GatewayRegistry, out: Out, args: &JournalResolveArgs) -> u8 {
    let entry = match usable_entry(registry, &args.key).await {
        Ok(entry) => entry,
        Err(e) => return out.error("journal resolve", &e),
    };
    let verdict = if args.applied {
        "applied (it took effect)"
    } else {
        "not applied (it did not take effect)"
    };
    if !args.yes {
        let question = format!(
            "Record {} of {} order {} ({}; it is {}) as {verdict}, because: {}?",
            entry.operation,
            entry.gateway,
            entry.order_id,
            amount_text(&entry, "no amount"),
            entry.state,
            args.note
        );
        if !confirm(&question) {
            return not_confirmed(out, "journal-resolve");
        }
    }
    match registry.resolve(&args.key, args.applied, &args.note).await {
        Ok(entry) => {
            out.result(
                &entry_detail(&entry, &Ok(entry.gateway.clone())),
                json!({"command": "journal-resolve", "entry": entry_json(&entry)}),
            );
            exit::OK
        }
        Err(e) => out.error("journal resolve", &e),
    }
}
