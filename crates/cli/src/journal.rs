//! `paygate journal …`, and what `refund` does with a key the journal already holds.

use std::sync::Arc;
use std::time::Duration;

use paygate::journal::{Entry, EntryFilter, EntryState, JournalFailure, RecoveryOptions};
use paygate::{Error, GatewayRegistry, OrderId, PaymentGateway, RefundReference, RefundRequest};
use serde_json::{Value, json};

use crate::args::{
    JournalCommand, JournalKeyArgs, JournalListArgs, JournalRecoverArgs, JournalRetryArgs,
    RefundArgs,
};
use crate::exit;
use crate::ops::{Out, confirm, money, refund_line, to_json};

/// A key for a refund given no `--reference`.
pub(crate) fn made_key() -> String {
    let mut bytes = [0u8; 6];
    let random = getrandom::fill(&mut bytes)
        .map(|()| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
        .unwrap_or_default();
    let seconds = paygate::time::OffsetDateTime::now_utc().unix_timestamp();
    format!("cli-{seconds}-{random}")
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
        "created_at_ms": entry.created_at_ms,
        "updated_at_ms": entry.updated_at_ms,
    })
}

fn entry_line(entry: &Entry) -> String {
    let amount = match (&entry.amount, &entry.currency) {
        (Some(a), Some(c)) => format!("{a} {c}"),
        _ => "-".into(),
    };
    let changed = paygate::time::OffsetDateTime::from_unix_timestamp_nanos(
        i128::from(entry.updated_at_ms) * 1_000_000,
    )
    .ok()
    .and_then(|t| {
        t.format(&paygate::time::format_description::well_known::Rfc3339)
            .ok()
    })
    .unwrap_or_default();
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

/// `refund` with a key the journal holds: the same refund answers from the journal (nothing
/// is sent); another refund under the key is refused.
pub(crate) async fn already_journaled(
    out: Out,
    gw: &Arc<dyn PaymentGateway>,
    name: &str,
    id: &OrderId,
    args: &RefundArgs,
    entry: &Entry,
) -> u8 {
    let currency = args
        .currency
        .clone()
        .or_else(|| entry.currency.clone())
        .unwrap_or_default();
    let request = money(&args.amount, &currency).and_then(|amount| {
        Ok(RefundRequest::new(id.clone(), amount)?
            .reference(RefundReference::new(entry.key.as_str())?))
    });
    let request = match request {
        Ok(r) => r,
        Err(e) => return out.error("refund", &e),
    };
    match gw.refund(&request).await {
        Ok(refund) => {
            let human = format!(
                "already done under key {} ({}, recorded): {}\nnothing was sent",
                entry.key,
                entry.state,
                refund_line(name, &refund)
            );
            out.result(
                &human,
                json!({"command": "refund", "gateway": name, "sent": false, "journal": entry_json(entry), "refund": to_json(&refund)}),
            );
            exit::OK
        }
        Err(e) => out.error("refund", &e),
    }
}

/// Runs a `journal` command.
pub(crate) async fn run(registry: &GatewayRegistry, out: Out, command: &JournalCommand) -> u8 {
    match command {
        JournalCommand::List(args) => list(registry, out, args).await,
        JournalCommand::Show(args) => show(registry, out, args).await,
        JournalCommand::Recover(args) => recover(registry, out, args).await,
        JournalCommand::Retry(args) => retry(registry, out, args).await,
    }
}

fn journal_of(
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
                older_than_ms: None,
                limit: Some(args.limit),
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
    let entry = match journal_of(registry) {
        Ok(journal) => journal.entry(&args.key).await.map_err(|e| unavailable(&e)),
        Err(e) => Err(e),
    };
    match entry {
        Ok(Some(entry)) => {
            let mut human = entry_line(&entry);
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
            out.result(
                &human,
                json!({"command": "journal-show", "entry": entry_json(&entry)}),
            );
            exit::OK
        }
        Ok(None) => out.error(
            "journal show",
            &Error::invalid("key", format!("no journal entry has the key {}", args.key)),
        ),
        Err(e) => out.error("journal show", &e),
    }
}

async fn recover(registry: &GatewayRegistry, out: Out, args: &JournalRecoverArgs) -> u8 {
    let mut options = RecoveryOptions::default().min_age(Duration::from_secs(args.min_age_secs));
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
            let unknown = report.count(EntryState::Unknown) + report.count(EntryState::Pending);
            human.push_str(&format!(
                "recovered {}: {} applied, {} not applied, {} still unknown",
                crate::ops::count(
                    u64::try_from(report.settled.len()).unwrap_or(u64::MAX),
                    "entry",
                    "entries"
                ),
                report.count(EntryState::Applied),
                report.count(EntryState::NotApplied),
                unknown
            ));
            out.result(
                &human,
                json!({"command": "journal-recover", "settled": report.settled.iter().map(|s| json!({"key": s.key, "state": s.state.as_str(), "reason": s.reason})).collect::<Vec<_>>(), "unknown": unknown}),
            );
            if unknown == 0 {
                exit::OK
            } else {
                exit::OUTCOME_UNKNOWN
            }
        }
        Err(e) => out.error("journal recover", &e),
    }
}

async fn retry(registry: &GatewayRegistry, out: Out, args: &JournalRetryArgs) -> u8 {
    let entry = match journal_of(registry) {
        Ok(journal) => journal.entry(&args.key).await.map_err(|e| unavailable(&e)),
        Err(e) => Err(e),
    };
    let entry = match entry {
        Ok(Some(entry)) => entry,
        Ok(None) => {
            return out.error(
                "journal retry",
                &Error::invalid("key", format!("no journal entry has the key {}", args.key)),
            );
        }
        Err(e) => return out.error("journal retry", &e),
    };
    if entry.state.did_not_take_effect() && !args.yes {
        let question = format!(
            "Send again {} of {} order {} ({}; it is {})?",
            entry.operation,
            entry.gateway,
            entry.order_id,
            match (&entry.amount, &entry.currency) {
                (Some(a), Some(c)) => format!("{a} {c}"),
                _ => "no amount".into(),
            },
            entry.state
        );
        if !confirm(&question) {
            if out.json {
                println!(
                    "{}",
                    json!({"command": "journal-retry", "confirmed": false})
                );
            } else {
                eprintln!("paygate journal retry: not confirmed; nothing was sent");
            }
            return exit::NOT_CONFIRMED;
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
