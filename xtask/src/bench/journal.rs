//! The write journal's cost: the latency it adds to a refund against the sandbox (SQLite and,
//! when `PAYGATE_TEST_POSTGRES_URL` names a server, PostgreSQL), and recovering many
//! unresolved entries at the provider's published read rate.

use std::sync::Arc;

use paygate::journal::{
    Begun, EntryState, Intent, JournalSettings, Outcome, RecoveryOptions, WriteJournal,
    WriteOperation,
};
use paygate::{Money, PaymentGateway, RefundReference, RefundRequest};

use super::*;
use crate::providers::SCALING_PROVIDER;

/// p50 and p99 of `samples`.
fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort_unstable();
    let at = |q: usize| {
        samples
            .get((samples.len() * q / 100).min(samples.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    (at(50), at(99))
}

/// `count` rounds of one refund through each of `gateways` in turn (`(gateway, order
/// prefix, key prefix)`, each refund on its own seeded order): each gateway's latencies.
/// Interleaved, so that whatever slows the machine for a while slows every gateway alike,
/// and the added latency compares like with like.
async fn refunds(
    gateways: &[(Arc<dyn PaymentGateway>, String, String)],
    count: usize,
) -> Result<Vec<Vec<Duration>>, String> {
    let amount = Money::parse("0.01", paygate::Currency::USD).map_err(|e| e.to_string())?;
    let mut samples = vec![Vec::with_capacity(count); gateways.len()];
    for n in 0..count {
        for ((gateway, prefix, tag), samples) in gateways.iter().zip(samples.iter_mut()) {
            let request = RefundRequest::new(order_id(prefix, n)?, amount)
                .and_then(|r| Ok(r.reference(RefundReference::new(format!("{tag}{n}"))?)))
                .map_err(|e| e.to_string())?;
            let started = Instant::now();
            gateway.refund(&request).await.map_err(|e| e.to_string())?;
            samples.push(started.elapsed());
        }
    }
    Ok(samples)
}

/// This process's peak resident memory, KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn journal_urls(dir: &Path) -> Vec<(&'static str, String)> {
    let sqlite = dir.join("journal-bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", sqlite.display()));
    }
    let mut urls = vec![("SQLite", format!("sqlite://{}", sqlite.display()))];
    match std::env::var("PAYGATE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => urls.push(("PostgreSQL", url)),
        _ => println!(
            "(PAYGATE_TEST_POSTGRES_URL is not set: no PostgreSQL figures; eval \"$(bash .ci/postgres start)\")"
        ),
    }
    urls
}

#[allow(clippy::float_arithmetic, clippy::cast_precision_loss)]
pub(super) async fn journal(
    http: &reqwest::Client,
    sandbox: &SandboxProcess,
    plan: &Plan,
    dir: &Path,
) -> Result<(), String> {
    let provider = SCALING_PROVIDER.name();
    let count = plan.journal_refunds;
    let urls = journal_urls(dir);
    let run = format!(
        "{:x}",
        paygate::time::OffsetDateTime::now_utc().unix_timestamp()
    );
    let plain_prefix = format!("J{}", &run[run.len().saturating_sub(5)..]);
    seed(http, &sandbox.base, provider, &plain_prefix, count).await?;
    let plain_registry =
        GatewayRegistry::from_toml_str(&sandbox.config_toml).map_err(|e| e.to_string())?;
    let plain = plain_registry
        .gateway(provider)
        .map_err(|e| e.to_string())?;
    let mut gateways = vec![(plain, plain_prefix, "P".to_owned())];
    let mut names = vec!["none"];
    for (n, (name, url)) in urls.iter().enumerate() {
        let prefix = format!("J{n}{}", &run[run.len().saturating_sub(5)..]);
        seed(http, &sandbox.base, provider, &prefix, count).await?;
        let journal = paygate::journal::open(url)
            .await
            .map_err(|e| e.to_string())?;
        let registry = GatewayRegistry::builder()
            .toml_str(&sandbox.config_toml)
            .and_then(|b| b.journal(journal, JournalSettings::default()).build())
            .map_err(|e| e.to_string())?;
        let gateway = registry.gateway(provider).map_err(|e| e.to_string())?;
        let tag = format!("{prefix}R");
        gateways.push((gateway, prefix, tag));
        names.push(*name);
    }
    let mut measured = refunds(&gateways, count)
        .await?
        .into_iter()
        .map(percentiles);
    let (plain_p50, plain_p99) = measured.next().unwrap_or_default();

    println!();
    println!(
        "journal: {count} rounds of one refund without a journal and one through each journal, interleaved, one at a time, each on its own paid order"
    );
    println!("| journal | refund p50 | refund p99 | added p50 | added p99 |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| none | {} | {} | — | — |",
        micros(plain_p50),
        micros(plain_p99)
    );
    for (name, (p50, p99)) in names.iter().skip(1).zip(measured) {
        println!(
            "| {name} | {} | {} | {} | {} |",
            micros(p50),
            micros(p99),
            micros(p50.saturating_sub(plain_p50)),
            micros(p99.saturating_sub(plain_p99))
        );
    }

    // Recovery: many entries left unknown, settled at the provider's published rate.
    let entries = plan.recovery_entries;
    println!();
    println!(
        "journal recovery: {entries} unknown refund entries on paid orders, settled by reading each payment at the provider's published rate"
    );
    println!("| journal | entries | wall time | reads/s | peak RSS before → after |");
    println!("|---|---:|---:|---:|---:|");
    for (n, (name, url)) in urls.iter().enumerate() {
        let prefix = format!("V{n}{}", &run[run.len().saturating_sub(5)..]);
        seed(http, &sandbox.base, provider, &prefix, entries).await?;
        let journal = paygate::journal::open(url)
            .await
            .map_err(|e| e.to_string())?;
        let registry = GatewayRegistry::builder()
            .toml_str(&sandbox.config_toml)
            .and_then(|b| {
                b.journal(journal.clone(), JournalSettings::default())
                    .build()
            })
            .map_err(|e| e.to_string())?;
        let account = registry
            .gateway(provider)
            .map_err(|e| e.to_string())?
            .account()
            .fingerprint();
        leave_unknown(journal.as_ref(), &account, provider, &prefix, entries).await?;
        // Their leases (SEEDED_LEASE) must have run out before recovery may settle them.
        tokio::time::sleep(SEEDED_LEASE * 2).await;
        let rss_before = peak_rss_kib();
        let started = Instant::now();
        let report = registry
            .recover(RecoveryOptions::default())
            .await
            .map_err(|e| e.to_string())?;
        let wall = started.elapsed();
        let settled = report.count(EntryState::NotApplied);
        if settled < entries {
            return Err(format!(
                "{name}: recovery settled {settled} of {entries} entries as not applied"
            ));
        }
        println!(
            "| {name} | {entries} | {:.1} s | {:.0} | {:.1} → {:.1} MiB |",
            wall.as_secs_f64(),
            report.settled.len() as f64 / wall.as_secs_f64(),
            rss_before as f64 / 1024.0,
            peak_rss_kib() as f64 / 1024.0
        );
    }
    Ok(())
}

/// The lease of the entries `leave_unknown` seeds: long enough to record them, short enough
/// to wait out.
const SEEDED_LEASE: Duration = Duration::from_millis(500);

/// Journals `count` refunds of 0.01 on `{prefix}{n}` as sent and then unknown (what a crash
/// or lost answers leave), without sending them.
async fn leave_unknown(
    journal: &dyn WriteJournal,
    account: &str,
    gateway: &str,
    prefix: &str,
    count: usize,
) -> Result<(), String> {
    for n in 0..count {
        let order = order_id(prefix, n)?;
        let key = format!("{prefix}U{n}");
        let intent = Intent {
            account: account.to_owned(),
            key: key.clone(),
            gateway: gateway.to_owned(),
            operation: WriteOperation::Refund,
            order_id: order.as_str().to_owned(),
            amount: Some("0.01".into()),
            currency: Some("USD".into()),
            fingerprint: Intent::fingerprint_of(
                WriteOperation::Refund,
                account,
                order.as_str(),
                Some("0.01"),
                Some("USD"),
            ),
            request: serde_json::json!({ "order_id": order.as_str() }),
            ready: None,
            lease: SEEDED_LEASE,
        };
        match journal.begin(&intent).await.map_err(|e| e.to_string())? {
            Begun::Claimed {
                attempt,
                lease_until_ms,
                ..
            } => {
                let baseline = paygate::journal::Baseline {
                    status: "paid".into(),
                    amount: None,
                    refunded: Some("0.00".into()),
                    read_at_ms: Some(lease_until_ms),
                };
                journal
                    .ready(account, &key, attempt, lease_until_ms, &baseline)
                    .await
                    .map_err(|e| e.to_string())?;
                journal
                    .finish(
                        account,
                        &key,
                        attempt,
                        &Outcome {
                            state: EntryState::Unknown,
                            result: None,
                            detail: Some("bench: answer lost".into()),
                            raw: None,
                            evidence: None,
                        },
                    )
                    .await
                    .map_err(|e| e.to_string())?;
            }
            other => return Err(format!("{key}: {other:?}")),
        }
    }
    Ok(())
}
