//! The storage contract, run against both databases: SQLite in a temporary file and the
//! PostgreSQL server named by `PAYGATE_TEST_POSTGRES_URL` (started by `.ci/run`; locally the
//! PostgreSQL half is skipped, loudly, when the variable is absent; under `CI=true` its
//! absence fails).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use paygate_journal::{
    Actor, Baseline, Begun, Entry, EntryFilter, EntryState, Finished, Intent, JournalFailure,
    Outcome, RawAnswer, ReadyAtClaim, WriteJournal, WriteOperation,
};

/// The account the tests' entries belong to.
const ACCOUNT: &str = "payway ec000001@https://checkout-sandbox.payway.com.kh";
/// Another account, with the same gateway name and merchant id elsewhere.
const OTHER_ACCOUNT: &str = "payway ec000001@http://127.0.0.1:8787";
/// A lease long enough to outlast any test.
const LONG: Duration = Duration::from_secs(600);

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A name no other test (or earlier run against the same server) uses.
fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}-{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(feature = "postgres")]
fn postgres_url() -> Option<String> {
    match std::env::var("PAYGATE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "PAYGATE_TEST_POSTGRES_URL is not set under CI=true: .ci/run starts PostgreSQL and must export it"
            );
            // Written past the test runner's capture (which takes `eprintln!`): a skip is seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED the PostgreSQL half: PAYGATE_TEST_POSTGRES_URL is not set (eval \"$(bash .ci/postgres start)\") ***\n"
            );
            None
        }
    }
}

async fn journals() -> Vec<(&'static str, Arc<dyn WriteJournal>)> {
    journals_at()
        .await
        .into_iter()
        .map(|(db, _, journal)| (db, journal))
        .collect()
}

/// The journals, each with its URL (to open a second handle, as another process would).
async fn journals_at() -> Vec<(&'static str, String, Arc<dyn WriteJournal>)> {
    let dir = std::env::temp_dir().join(unique("paygate-journal-store"));
    let sqlite = format!("sqlite://{}", dir.join("journal.db").display());
    #[cfg_attr(not(feature = "postgres"), allow(unused_mut))]
    let mut all: Vec<(&'static str, String, Arc<dyn WriteJournal>)> = vec![(
        "sqlite",
        sqlite.clone(),
        paygate_journal::open(&sqlite).await.unwrap(),
    )];
    #[cfg(feature = "postgres")]
    if let Some(url) = postgres_url() {
        let journal = paygate_journal::open(&url).await.unwrap();
        all.push(("postgres", url, journal));
    }
    #[cfg(not(feature = "postgres"))]
    // Written past the test runner's capture (which takes `eprintln!`): a skip is seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED the PostgreSQL half: built without the `postgres` feature ***\n"
    );
    all
}

fn intent(key: &str, order: &str, amount: &str) -> Intent {
    intent_in(ACCOUNT, key, order, amount, LONG)
}

fn intent_in(account: &str, key: &str, order: &str, amount: &str, lease: Duration) -> Intent {
    Intent {
        account: account.to_owned(),
        key: key.to_owned(),
        gateway: "payway".into(),
        operation: WriteOperation::Refund,
        order_id: order.to_owned(),
        amount: Some(amount.to_owned()),
        currency: Some("USD".into()),
        fingerprint: Intent::fingerprint_of(
            WriteOperation::Refund,
            account,
            order,
            Some(amount),
            Some("USD"),
        ),
        request: serde_json::json!({ "order_id": order }),
        ready: None,
        lease,
    }
}

/// A lease short enough to wait out.
const SHORT: Duration = Duration::from_millis(300);

/// An intent whose lease (`SHORT`) a test waits out with `lease_over`.
fn short_intent(key: &str, order: &str) -> Intent {
    intent_in(ACCOUNT, key, order, "1.00", SHORT)
}

async fn lease_over() {
    tokio::time::sleep(SHORT + Duration::from_millis(100)).await;
}

fn claimed(begun: &Begun) -> Option<u32> {
    match begun {
        Begun::Claimed { attempt, .. } => Some(*attempt),
        _ => None,
    }
}

async fn entry(journal: &Arc<dyn WriteJournal>, key: &str) -> Option<Entry> {
    journal.entry(ACCOUNT, key).await.unwrap()
}

/// `ready` for attempt `attempt` of `key`, under the lease the entry holds (as the caller
/// that claimed it would).
async fn ready(
    journal: &dyn WriteJournal,
    key: &str,
    attempt: u32,
) -> Result<Duration, JournalFailure> {
    let lease_until_ms = journal
        .entry(ACCOUNT, key)
        .await
        .unwrap()
        .map_or(0, |e| e.lease_until_ms);
    journal
        .ready(ACCOUNT, key, attempt, lease_until_ms, &baseline())
        .await
}

/// `abandon` for attempt `attempt` of `key`, under the lease the entry holds.
async fn abandon(
    journal: &dyn WriteJournal,
    key: &str,
    attempt: u32,
    detail: &str,
) -> Result<(), JournalFailure> {
    let lease_until_ms = journal
        .entry(ACCOUNT, key)
        .await
        .unwrap()
        .map_or(0, |e| e.lease_until_ms);
    journal
        .abandon(ACCOUNT, key, attempt, lease_until_ms, detail)
        .await
}

fn baseline() -> Baseline {
    Baseline {
        status: "paid".into(),
        amount: Some("10.00".into()),
        refunded: Some("0.00".into()),
        read_at_ms: Some(1_800_000_000_000),
    }
}

fn outcome(state: EntryState) -> Outcome {
    Outcome {
        state,
        result: Some(serde_json::json!({ "status": "succeeded" })),
        detail: Some("done".into()),
        raw: Some(RawAnswer {
            http_status: 200,
            content_type: Some("application/json".into()),
            body: b"{\"status\":{\"code\":\"00\"}}".to_vec(),
        }),
        evidence: None,
    }
}

#[tokio::test]
async fn a_key_is_recorded_once_and_an_order_claimed_by_one_key_at_a_time() {
    for (db, journal) in journals().await {
        let (key, other, order) = (unique("K"), unique("K"), unique("O"));
        assert_eq!(
            claimed(&journal.begin(&intent(&key, &order, "1.00")).await.unwrap()),
            Some(1),
            "{db}"
        );
        // The same key again: recorded, nothing changes.
        match journal.begin(&intent(&key, &order, "1.00")).await.unwrap() {
            Begun::Recorded(entry) => {
                assert_eq!(entry.state, EntryState::Pending, "{db}");
                assert_eq!(entry.amount.as_deref(), Some("1.00"), "{db}");
            }
            other => panic!("{db}: {other:?}"),
        }
        // Another key on the same order: busy, and not recorded.
        assert_eq!(
            journal
                .begin(&intent(&other, &order, "2.00"))
                .await
                .unwrap(),
            Begun::OrderBusy {
                holder: key.clone()
            },
            "{db}"
        );
        assert_eq!(entry(&journal, &other).await, None, "{db}");
        // A baseline, then the answer: the order is free again.
        ready(journal.as_ref(), &key, 1).await.unwrap();
        journal
            .finish(ACCOUNT, &key, 1, &outcome(EntryState::Succeeded))
            .await
            .unwrap();
        let entry = entry(&journal, &key).await.unwrap();
        assert_eq!(entry.state, EntryState::Succeeded, "{db}");
        assert_eq!(entry.baseline, Some(baseline()), "{db}");
        assert_eq!(entry.raw.as_ref().map(|r| r.http_status), Some(200), "{db}");
        assert_eq!(
            claimed(
                &journal
                    .begin(&intent(&other, &order, "2.00"))
                    .await
                    .unwrap()
            ),
            Some(1),
            "{db}"
        );
    }
}

/// A claim records the plan's baseline itself (one flushed transaction, no `ready` after it)
/// only if none of the order's other entries moved since the plan looked: a write settled
/// in between may not show in the plan's read.
#[tokio::test]
async fn a_claim_records_the_plans_baseline_only_if_the_order_did_not_move() {
    for (db, journal) in journals().await {
        let order = unique("RC-O");
        let (earlier, moved, overtaken, fresh) = (
            unique("RC-A"),
            unique("RC-B"),
            unique("RC-K"),
            unique("RC-F"),
        );
        journal
            .begin(&intent(&earlier, &order, "1.00"))
            .await
            .unwrap();
        ready(journal.as_ref(), &earlier, 1).await.unwrap();
        journal
            .finish(ACCOUNT, &earlier, 1, &outcome(EntryState::Succeeded))
            .await
            .unwrap();
        let (seen, _) = journal.order_entries(ACCOUNT, &order).await.unwrap();
        assert_eq!(seen.len(), 1, "{db}");
        let planned = ReadyAtClaim::unless_moved(baseline(), ACCOUNT, &order, &seen);
        assert!(planned.holds(ACCOUNT, &order, &seen), "{db}");

        // Another write on the order settles after the plan looked: the claim records no
        // baseline, and the caller reads the payment again.
        journal
            .begin(&intent(&moved, &order, "2.00"))
            .await
            .unwrap();
        ready(journal.as_ref(), &moved, 1).await.unwrap();
        journal
            .finish(ACCOUNT, &moved, 1, &outcome(EntryState::Succeeded))
            .await
            .unwrap();
        let mut overtaken_intent = intent(&overtaken, &order, "3.00");
        overtaken_intent.ready = Some(planned);
        match journal.begin(&overtaken_intent).await.unwrap() {
            Begun::Claimed { ready, others, .. } => {
                assert!(
                    !ready,
                    "{db}: an overtaken plan was recorded as the baseline"
                );
                let keys: Vec<&str> = others.iter().map(|e| e.key.as_str()).collect();
                assert_eq!(keys, [earlier.as_str(), moved.as_str()], "{db}");
            }
            other => panic!("{db}: {other:?}"),
        }
        assert_eq!(
            entry(&journal, &overtaken).await.unwrap().baseline,
            None,
            "{db}"
        );
        abandon(journal.as_ref(), &overtaken, 1, "overtaken")
            .await
            .unwrap();

        // A plan that looked after that: recorded, ready to send at once.
        let (seen, _) = journal.order_entries(ACCOUNT, &order).await.unwrap();
        let mut fresh_intent = intent(&fresh, &order, "3.00");
        fresh_intent.ready = Some(ReadyAtClaim::unless_moved(
            baseline(),
            ACCOUNT,
            &order,
            &seen,
        ));
        match journal.begin(&fresh_intent).await.unwrap() {
            Begun::Claimed { ready, others, .. } => {
                assert!(ready, "{db}");
                assert_eq!(others.len(), 2, "{db}");
            }
            other => panic!("{db}: {other:?}"),
        }
        let recorded = entry(&journal, &fresh).await.unwrap();
        assert_eq!(recorded.baseline, Some(baseline()), "{db}");
        assert_eq!(recorded.state, EntryState::Pending, "{db}");
        journal
            .finish(ACCOUNT, &fresh, 1, &outcome(EntryState::Succeeded))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn an_unknown_outcome_keeps_the_order_until_it_is_settled() {
    for (db, journal) in journals().await {
        let (key, other, order) = (unique("K"), unique("K"), unique("O"));
        journal.begin(&short_intent(&key, &order)).await.unwrap();
        ready(journal.as_ref(), &key, 1).await.unwrap();
        journal
            .finish(ACCOUNT, &key, 1, &outcome(EntryState::Unknown))
            .await
            .unwrap();
        assert!(
            matches!(
                journal
                    .begin(&intent(&other, &order, "1.00"))
                    .await
                    .unwrap(),
                Begun::OrderBusy { .. }
            ),
            "{db}"
        );
        lease_over().await;
        let unresolved = journal
            .entries(&EntryFilter {
                unresolved_only: true,
                ..EntryFilter::default()
            })
            .await
            .unwrap();
        assert!(unresolved.iter().any(|e| e.key == key), "{db}");
        // Its lease over, recovery settles it and frees the order; a second settlement is
        // refused.
        journal
            .settle(ACCOUNT, &key, 1, &outcome(EntryState::Applied), false)
            .await
            .unwrap();
        assert_eq!(
            journal
                .settle(ACCOUNT, &key, 1, &outcome(EntryState::NotApplied), false)
                .await,
            Err(JournalFailure::WrongState {
                state: EntryState::Applied
            }),
            "{db}"
        );
        assert_eq!(
            claimed(
                &journal
                    .begin(&intent(&other, &order, "1.00"))
                    .await
                    .unwrap()
            ),
            Some(1),
            "{db}"
        );
    }
}

#[tokio::test]
async fn an_unsent_write_leaves_nothing_and_a_retry_counts_attempts() {
    for (db, journal) in journals().await {
        let (key, order) = (unique("K"), unique("O"));
        journal.begin(&intent(&key, &order, "1.00")).await.unwrap();
        abandon(journal.as_ref(), &key, 1, "invalid state")
            .await
            .unwrap();
        assert_eq!(entry(&journal, &key).await, None, "{db}");
        // The key is free: a new first attempt.
        journal.begin(&intent(&key, &order, "1.00")).await.unwrap();
        ready(journal.as_ref(), &key, 1).await.unwrap();
        journal
            .finish(ACCOUNT, &key, 1, &outcome(EntryState::Refused))
            .await
            .unwrap();
        // Retry: attempt 2, pending without a baseline, order claimed again.
        assert_eq!(
            claimed(&journal.reopen(ACCOUNT, &key, LONG).await.unwrap()),
            Some(2),
            "{db}"
        );
        let reopened = entry(&journal, &key).await.unwrap();
        assert_eq!(
            (reopened.state, reopened.attempt),
            (EntryState::Pending, 2),
            "{db}"
        );
        assert_eq!((reopened.baseline, reopened.result), (None, None), "{db}");
        // An unsent retry goes back to not applied, not away.
        abandon(journal.as_ref(), &key, 2, "not sent")
            .await
            .unwrap();
        let abandoned = entry(&journal, &key).await.unwrap();
        assert_eq!(abandoned.state, EntryState::NotApplied, "{db}");
        // A succeeded write is never reopened.
        journal.reopen(ACCOUNT, &key, LONG).await.unwrap();
        ready(journal.as_ref(), &key, 3).await.unwrap();
        journal
            .finish(ACCOUNT, &key, 3, &outcome(EntryState::Succeeded))
            .await
            .unwrap();
        assert_eq!(
            journal.reopen(ACCOUNT, &key, LONG).await,
            Err(JournalFailure::WrongState {
                state: EntryState::Succeeded
            }),
            "{db}"
        );
    }
}

/// An intent lost (here: dropped) and the key claimed anew by another caller: the first
/// caller, still holding its claim's lease, can never record a baseline on the new entry
/// (and so never sends on it), nor drop it.
#[tokio::test]
async fn a_caller_whose_intent_was_lost_never_readies_the_key_claimed_anew() {
    for (db, journal) in journals().await {
        let (key, order) = (unique("K"), unique("O"));
        let lease_of = |begun: Begun| match begun {
            Begun::Claimed { lease_until_ms, .. } => lease_until_ms,
            other => panic!("{db}: {other:?}"),
        };
        let first = lease_of(journal.begin(&intent(&key, &order, "1.00")).await.unwrap());
        abandon(journal.as_ref(), &key, 1, "lost").await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let second = lease_of(journal.begin(&intent(&key, &order, "1.00")).await.unwrap());
        assert_ne!(first, second, "{db}");
        let stale = journal.ready(ACCOUNT, &key, 1, first, &baseline()).await;
        assert_eq!(
            stale,
            Err(JournalFailure::WrongState {
                state: EntryState::Pending
            }),
            "{db}"
        );
        assert!(
            entry(&journal, &key).await.unwrap().baseline.is_none(),
            "{db}"
        );
        // Nor drop it.
        assert!(
            matches!(
                journal.abandon(ACCOUNT, &key, 1, first, "lost").await,
                Err(JournalFailure::WrongState { .. })
            ),
            "{db}"
        );
        journal
            .ready(ACCOUNT, &key, 1, second, &baseline())
            .await
            .unwrap();
        assert!(
            entry(&journal, &key).await.unwrap().baseline.is_some(),
            "{db}"
        );
    }
}

#[tokio::test]
async fn many_tasks_racing_for_one_key_claim_it_once() {
    for (db, journal) in journals().await {
        let (key, order) = (unique("K"), unique("O"));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let journal = journal.clone();
            let intent = intent(&key, &order, "1.00");
            tasks.push(tokio::spawn(async move {
                journal.begin(&intent).await.unwrap()
            }));
        }
        let mut claimed = 0;
        for task in tasks {
            if matches!(task.await.unwrap(), Begun::Claimed { .. }) {
                claimed += 1;
            }
        }
        assert_eq!(claimed, 1, "{db}");
    }
}

#[tokio::test]
async fn a_newer_schema_is_refused_with_a_clear_error() {
    let dir = std::env::temp_dir().join(unique("paygate-journal-newer"));
    let path = dir.join("journal.db");
    let url = format!("sqlite://{}", path.display());
    drop(paygate_journal::open(&url).await.unwrap());
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute(
            "UPDATE paygate_journal_meta SET value = '99' WHERE name = 'schema_version'",
            [],
        )
        .unwrap();
    drop(connection);
    let error = paygate_journal::open(&url).await.unwrap_err();
    assert_eq!(
        error,
        JournalFailure::NewerSchema {
            found: 99,
            known: 4
        }
    );
    assert!(
        error.to_string().contains("newer than this code knows"),
        "{error}"
    );
}

#[tokio::test]
async fn a_read_only_journal_refuses_writes_and_still_reads() {
    let dir = std::env::temp_dir().join(unique("paygate-journal-ro"));
    let path = dir.join("journal.db");
    let journal = paygate_journal::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let (key, order) = (unique("K"), unique("O"));
    journal.begin(&intent(&key, &order, "1.00")).await.unwrap();
    drop(journal);
    // Opened read-only, SQLite answers every write as it does for a read-only file or disk
    // (SQLITE_READONLY), whoever runs the test (file permissions do not stop root).
    let read_only = paygate_journal::open(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let write = read_only
        .begin(&intent(&unique("K"), &unique("O"), "1.00"))
        .await;
    assert!(
        matches!(&write, Err(JournalFailure::Unavailable(why)) if why.contains("readonly")),
        "{write:?}"
    );
    assert!(read_only.entry(ACCOUNT, &key).await.unwrap().is_some());
}

#[tokio::test]
async fn dropping_an_unsent_write_settled_meanwhile_leaves_its_state_and_claim() {
    for (db, journal) in journals().await {
        let (key, other, order) = (unique("K"), unique("K"), unique("O"));
        journal.begin(&intent(&key, &order, "1.00")).await.unwrap();
        // Recovery settled it as unknown (its holder taken for gone) before its writer
        // dropped it: the writer's drop is refused, the settlement and the claim stand.
        journal
            .settle(ACCOUNT, &key, 1, &outcome(EntryState::Unknown), true)
            .await
            .unwrap();
        assert_eq!(
            abandon(journal.as_ref(), &key, 1, "not sent").await,
            Err(JournalFailure::WrongState {
                state: EntryState::Unknown
            }),
            "{db}"
        );
        assert_eq!(
            entry(&journal, &key).await.map(|e| e.state),
            Some(EntryState::Unknown),
            "{db}"
        );
        assert!(
            matches!(
                journal
                    .begin(&intent(&other, &order, "1.00"))
                    .await
                    .unwrap(),
                Begun::OrderBusy { .. }
            ),
            "{db}: the order stays claimed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_event_is_received_once_and_listed_until_handled() {
    use paygate_journal::{ReceiptFilter, WebhookReceipt};
    for (db, journal) in journals().await {
        let gateway = unique("inbox");
        let first = WebhookReceipt::new(&gateway, "order-1|PAID|100", "order-1", b"{}".to_vec());
        let second = WebhookReceipt::new(&gateway, "order-2|PAID|100", "order-2", b"{ }".to_vec());
        assert!(journal.receive(&first, LONG).await.unwrap(), "{db}");
        assert!(!journal.receive(&first, LONG).await.unwrap(), "{db}: twice");
        assert!(journal.receive(&second, LONG).await.unwrap(), "{db}");
        let mine = |unhandled_only| ReceiptFilter {
            unhandled_only,
            gateway: Some(gateway.clone()),
            ..ReceiptFilter::default()
        };
        let keys = |list: Vec<WebhookReceipt>| {
            list.into_iter()
                .map(|r| (r.event_key, r.body))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys(journal.receipts(&mine(true)).await.unwrap()),
            vec![
                ("order-1|PAID|100".to_owned(), b"{}".to_vec()),
                ("order-2|PAID|100".to_owned(), b"{ }".to_vec())
            ],
            "{db}"
        );
        // Held by the receiver that took them in: nobody else takes them meanwhile.
        assert!(
            journal
                .claim_due(&gateway, 10, LONG)
                .await
                .unwrap()
                .is_empty(),
            "{db}"
        );
        journal
            .mark_handled(&gateway, "order-1|PAID|100")
            .await
            .unwrap();
        journal
            .mark_handled(&gateway, "order-1|PAID|100")
            .await
            .unwrap();
        assert_eq!(
            keys(journal.receipts(&mine(true)).await.unwrap()),
            vec![("order-2|PAID|100".to_owned(), b"{ }".to_vec())],
            "{db}"
        );
        assert_eq!(
            journal.receipts(&mine(false)).await.unwrap().len(),
            2,
            "{db}"
        );
        assert!(
            !journal.receive(&first, LONG).await.unwrap(),
            "{db}: handled, still seen"
        );
        let empty = WebhookReceipt::new(&gateway, "", "order-3", Vec::new());
        assert!(
            journal.receive(&empty, LONG).await.is_err(),
            "{db}: empty key"
        );

        // A failed handler: due again after its wait, with the failure counted.
        journal
            .retry_later(
                &gateway,
                "order-2|PAID|100",
                Duration::ZERO,
                "handler failed",
            )
            .await
            .unwrap();
        let due = journal.claim_due(&gateway, 10, LONG).await.unwrap();
        assert_eq!(due.len(), 1, "{db}");
        assert_eq!(due[0].failures, 1, "{db}");
        assert_eq!(due[0].last_error.as_deref(), Some("handler failed"), "{db}");
        assert!(
            journal
                .claim_due(&gateway, 10, LONG)
                .await
                .unwrap()
                .is_empty(),
            "{db}: held"
        );

        // A held one is not replayed: its handler may be running (found by an adversarial
        // review: a replay handed it to a second handler).
        assert!(
            !journal.replay(&gateway, "order-2|PAID|100").await.unwrap(),
            "{db}"
        );
        assert!(
            journal
                .claim_due(&gateway, 10, LONG)
                .await
                .unwrap()
                .is_empty(),
            "{db}"
        );
        // An operator's replay makes a handled one due again.
        assert!(
            journal.replay(&gateway, "order-1|PAID|100").await.unwrap(),
            "{db}"
        );
        assert!(
            !journal.replay(&gateway, "no-such-key").await.unwrap(),
            "{db}"
        );
        let due = journal.claim_due(&gateway, 10, LONG).await.unwrap();
        assert_eq!(due.len(), 1, "{db}");
        assert_eq!(due[0].event_key, "order-1|PAID|100", "{db}");
    }
}

/// Claimants racing for a receipt whose hold ran out (its receiver died): each receipt is
/// taken by one of them only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receivers_racing_for_due_receipts_take_each_once() {
    use paygate_journal::WebhookReceipt;
    for (db, url, journal) in journals_at().await {
        let gateway = unique("race");
        for n in 0..20 {
            let receipt = WebhookReceipt::new(
                &gateway,
                format!("order-{n}|PAID"),
                format!("order-{n}"),
                b"{}".to_vec(),
            );
            assert!(
                journal.receive(&receipt, Duration::ZERO).await.unwrap(),
                "{db}"
            );
        }
        let mut tasks = Vec::new();
        for _ in 0..4 {
            // Each its own handle on the database, as app instances have.
            let other = paygate_journal::open(&url).await.unwrap();
            let gateway = gateway.clone();
            tasks.push(tokio::spawn(async move {
                let mut taken = Vec::new();
                for _ in 0..10 {
                    for receipt in other.claim_due(&gateway, 3, LONG).await.unwrap() {
                        taken.push(receipt.event_key);
                    }
                }
                taken
            }));
        }
        let mut taken = Vec::new();
        for task in tasks {
            taken.extend(task.await.unwrap());
        }
        taken.sort();
        let mut unique_keys = taken.clone();
        unique_keys.dedup();
        assert_eq!(taken, unique_keys, "{db}: a receipt taken twice");
        assert_eq!(taken.len(), 20, "{db}");
    }
}

/// Version 2's tables, as version 2 created them (entries keyed by gateway name).
const VERSION_2: &str = "
CREATE TABLE paygate_journal_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO paygate_journal_meta VALUES ('schema_version', '2');
CREATE TABLE paygate_journal_entries (
    key TEXT PRIMARY KEY, gateway TEXT NOT NULL, operation TEXT NOT NULL,
    order_id TEXT NOT NULL, amount TEXT, currency TEXT, fingerprint TEXT NOT NULL,
    request TEXT NOT NULL, baseline TEXT, state TEXT NOT NULL, attempt BIGINT NOT NULL,
    result TEXT, detail TEXT, raw_status BIGINT, raw_content_type TEXT, raw_body BLOB,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX paygate_journal_entries_by_state ON paygate_journal_entries (state, updated_at);
CREATE TABLE paygate_journal_claims (
    gateway TEXT NOT NULL, order_id TEXT NOT NULL, key TEXT NOT NULL,
    claimed_at BIGINT NOT NULL, PRIMARY KEY (gateway, order_id));
CREATE TABLE paygate_webhook_receipts (
    gateway TEXT NOT NULL, event_key TEXT NOT NULL, order_id TEXT NOT NULL,
    body BLOB NOT NULL, received_at BIGINT NOT NULL, handled_at BIGINT,
    PRIMARY KEY (gateway, event_key));
INSERT INTO paygate_journal_entries VALUES ('v2-key', 'payway-usd', 'refund', 'order-v2',
    '1.00', 'USD', 'refund|payway-usd|order-v2|1.00|USD', '{}', NULL, 'unknown', 1, NULL,
    'lost answer', NULL, NULL, NULL, 1000, 2000);
INSERT INTO paygate_journal_claims VALUES ('payway-usd', 'order-v2', 'v2-key', 1000);
INSERT INTO paygate_webhook_receipts VALUES ('g-old', 'k-old', 'order-v2', X'7B7D', 1000, NULL);
";

#[tokio::test]
async fn a_version_2_journal_is_upgraded_with_its_entries_and_claims_kept() {
    let dir = std::env::temp_dir().join(unique("paygate-journal-v2"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("journal.db");
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection.execute_batch(VERSION_2).unwrap();
    drop(connection);
    let journal = paygate_journal::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    // Kept under the gateway name it was written with, marked as such; its lease is the
    // old rule's (60 s from its last change), long over.
    let legacy = Entry::legacy_account("payway-usd");
    let upgraded = journal.entry(&legacy, "v2-key").await.unwrap().unwrap();
    assert_eq!(upgraded.legacy_gateway(), Some("payway-usd"));
    assert_eq!(upgraded.state, EntryState::Unknown);
    assert_eq!(upgraded.lease_until_ms, 62_000);
    assert!(upgraded.history.is_empty());
    // Its claim still holds the order, in its account.
    assert!(matches!(
        journal
            .begin(&intent_in(&legacy, "v2-other", "order-v2", "1.00", LONG))
            .await
            .unwrap(),
        Begun::OrderBusy { holder } if holder == "v2-key"
    ));
    // Another account's same order is free.
    assert_eq!(
        claimed(
            &journal
                .begin(&intent("v2-other", "order-v2", "1.00"))
                .await
                .unwrap()
        ),
        Some(1)
    );
    let receipt = paygate_journal::WebhookReceipt::new("g", "k", "order-v2", b"{}".to_vec());
    assert!(journal.receive(&receipt, LONG).await.unwrap());
    assert_eq!(journal.claim_due("g", 10, LONG).await.unwrap().len(), 0);
    // A receipt left unhandled before the upgrade is due at once, with no failures.
    let kept = journal.claim_due("g-old", 10, LONG).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!((kept[0].event_key.as_str(), kept[0].failures), ("k-old", 0));
    assert_eq!(kept[0].body, b"{}".to_vec());
}

#[tokio::test]
async fn the_same_key_and_order_in_two_accounts_are_two_writes() {
    for (db, journal) in journals().await {
        let (key, order) = (unique("K"), unique("O"));
        let here = intent_in(ACCOUNT, &key, &order, "1.00", LONG);
        let there = intent_in(OTHER_ACCOUNT, &key, &order, "1.00", LONG);
        assert_eq!(
            claimed(&journal.begin(&here).await.unwrap()),
            Some(1),
            "{db}"
        );
        // Neither the key nor the order's claim of one account answers for the other.
        assert_eq!(
            claimed(&journal.begin(&there).await.unwrap()),
            Some(1),
            "{db}"
        );
        ready(journal.as_ref(), &key, 1).await.unwrap();
        journal
            .finish(ACCOUNT, &key, 1, &outcome(EntryState::Succeeded))
            .await
            .unwrap();
        let other = journal.entry(OTHER_ACCOUNT, &key).await.unwrap().unwrap();
        assert_eq!(other.state, EntryState::Pending, "{db}");
        assert_eq!(other.account, OTHER_ACCOUNT, "{db}");
        let both = journal
            .entries(&EntryFilter {
                key: Some(key.clone()),
                ..EntryFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(both.len(), 2, "{db}");
    }
}

#[tokio::test]
async fn nothing_is_sent_once_a_lease_ran_out_and_recovery_waits_for_a_running_one() {
    for (db, journal) in journals().await {
        let (key, order) = (unique("K"), unique("O"));
        let short = Duration::from_millis(400);
        journal
            .begin(&intent_in(ACCOUNT, &key, &order, "1.00", short))
            .await
            .unwrap();
        let left = ready(journal.as_ref(), &key, 1).await.unwrap();
        assert!(left <= short && !left.is_zero(), "{db}: {left:?}");
        // The writer lives and the lease runs: recovery may not settle it.
        let early = journal
            .settle(ACCOUNT, &key, 1, &outcome(EntryState::NotApplied), false)
            .await;
        assert!(
            matches!(early, Err(JournalFailure::Lease { expired: false, .. })),
            "{db}: {early:?}"
        );
        // Nor may an operator, while it runs.
        let by_hand = journal
            .resolve(ACCOUNT, &key, EntryState::NotApplied, "too early", None)
            .await;
        assert!(
            matches!(by_hand, Err(JournalFailure::Lease { expired: false, .. })),
            "{db}: {by_hand:?}"
        );
        tokio::time::sleep(short + Duration::from_millis(100)).await;
        journal
            .settle(ACCOUNT, &key, 1, &outcome(EntryState::NotApplied), false)
            .await
            .unwrap();

        // A lease that ran out before the write was ready: it must not be sent.
        let (late, late_order) = (unique("K"), unique("O"));
        journal
            .begin(&intent_in(ACCOUNT, &late, &late_order, "1.00", short))
            .await
            .unwrap();
        tokio::time::sleep(short + Duration::from_millis(100)).await;
        let ready = ready(journal.as_ref(), &late, 1).await;
        assert!(
            matches!(ready, Err(JournalFailure::Lease { expired: true, .. })),
            "{db}: {ready:?}"
        );
        assert_eq!(entry(&journal, &late).await.unwrap().baseline, None, "{db}");
    }
}

#[tokio::test]
async fn a_dead_holder_ends_its_lease_and_a_live_one_keeps_it() {
    for (db, url, journal) in journals_at().await {
        // A second handle on the same database, as another process would have.
        let writer = paygate_journal::open(&url).await.unwrap();
        // One attempt claimed and not sent, one that may have been sent.
        let (key, order) = (unique("K"), unique("O"));
        let (sent, sent_order) = (unique("K"), unique("O"));
        writer.begin(&intent(&key, &order, "1.00")).await.unwrap();
        writer
            .begin(&intent(&sent, &sent_order, "1.00"))
            .await
            .unwrap();
        ready(writer.as_ref(), &sent, 1).await.unwrap();
        let holder = entry(&journal, &key).await.unwrap().holder.unwrap();
        assert_eq!(Some(holder.as_str()), writer.holder(), "{db}");
        assert!(!journal.holder_gone(&holder).await.unwrap(), "{db}: alive");
        assert!(!writer.holder_gone(&holder).await.unwrap(), "{db}: itself");
        drop(writer);
        // The server notices a closed connection within moments.
        let mut gone = false;
        for _ in 0..50 {
            gone = journal.holder_gone(&holder).await.unwrap();
            if gone {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(gone, "{db}: the dropped holder is gone");
        // Never sent: its lease ends with its holder.
        journal
            .settle(ACCOUNT, &key, 1, &outcome(EntryState::NotApplied), true)
            .await
            .unwrap();
        // Maybe sent: its request may still be on its way, so its lease runs out in full.
        let early = journal
            .settle(ACCOUNT, &sent, 1, &outcome(EntryState::NotApplied), true)
            .await;
        assert!(
            matches!(early, Err(JournalFailure::Lease { expired: false, .. })),
            "{db}: {early:?}"
        );
        // Names that are no holder's say nothing.
        assert!(!journal.holder_gone("../journal").await.unwrap(), "{db}");
    }
}

#[tokio::test]
async fn an_answer_after_recovery_is_kept_and_a_disagreeing_one_is_a_conflict() {
    for (db, journal) in journals().await {
        // Recovery found it not applied; then the provider's answer says it succeeded.
        let (key, order) = (unique("K"), unique("O"));
        journal.begin(&short_intent(&key, &order)).await.unwrap();
        ready(journal.as_ref(), &key, 1).await.unwrap();
        lease_over().await;
        journal
            .settle(ACCOUNT, &key, 1, &outcome(EntryState::NotApplied), false)
            .await
            .unwrap();
        assert_eq!(
            journal
                .finish(ACCOUNT, &key, 1, &outcome(EntryState::Succeeded))
                .await
                .unwrap(),
            Finished::Conflict {
                settled: EntryState::NotApplied
            },
            "{db}"
        );
        let conflict = entry(&journal, &key).await.unwrap();
        assert_eq!(conflict.state, EntryState::Conflict, "{db}");
        assert!(conflict.state.is_unresolved(), "{db}");
        let by: Vec<Actor> = conflict.history.iter().map(|e| e.by).collect();
        assert_eq!(by, vec![Actor::Recovery, Actor::Writer], "{db}");
        // Retrying a conflict is refused; an operator resolves it, with a note.
        assert_eq!(
            journal.reopen(ACCOUNT, &key, LONG).await,
            Err(JournalFailure::WrongState {
                state: EntryState::Conflict
            }),
            "{db}"
        );
        let resolved = journal
            .resolve(
                ACCOUNT,
                &key,
                EntryState::Applied,
                "the merchant portal shows the refund",
                Some(serde_json::json!({"portal": "refund 1.00"})),
            )
            .await
            .unwrap();
        assert_eq!(resolved.state, EntryState::Applied, "{db}");
        let last = resolved.history.last().unwrap();
        assert_eq!(last.by, Actor::Operator, "{db}");
        assert_eq!(
            last.detail.as_deref(),
            Some("the merchant portal shows the refund"),
            "{db}"
        );
        assert!(last.evidence.is_some(), "{db}");

        // Agreeing, or unknown, answers leave the settlement as it is.
        let (agreed, agreed_order) = (unique("K"), unique("O"));
        journal
            .begin(&short_intent(&agreed, &agreed_order))
            .await
            .unwrap();
        ready(journal.as_ref(), &agreed, 1).await.unwrap();
        lease_over().await;
        journal
            .settle(ACCOUNT, &agreed, 1, &outcome(EntryState::Applied), false)
            .await
            .unwrap();
        for late in [EntryState::Succeeded, EntryState::Unknown] {
            assert_eq!(
                journal
                    .finish(ACCOUNT, &agreed, 1, &outcome(late))
                    .await
                    .unwrap(),
                Finished::AlreadySettled(EntryState::Applied),
                "{db}"
            );
        }
        assert_eq!(
            entry(&journal, &agreed).await.unwrap().state,
            EntryState::Applied,
            "{db}"
        );
    }
}

#[tokio::test]
async fn an_operator_settles_what_nothing_else_can_and_frees_the_order() {
    for (db, journal) in journals().await {
        let (key, other, order) = (unique("K"), unique("K"), unique("O"));
        journal.begin(&intent(&key, &order, "1.00")).await.unwrap();
        ready(journal.as_ref(), &key, 1).await.unwrap();
        journal
            .finish(ACCOUNT, &key, 1, &outcome(EntryState::Unknown))
            .await
            .unwrap();
        // Only applied or not applied can be said.
        assert!(
            journal
                .resolve(ACCOUNT, &key, EntryState::Succeeded, "no", None)
                .await
                .is_err(),
            "{db}"
        );
        let resolved = journal
            .resolve(
                ACCOUNT,
                &key,
                EntryState::NotApplied,
                "no refund at the provider",
                None,
            )
            .await
            .unwrap();
        assert_eq!(resolved.state, EntryState::NotApplied, "{db}");
        assert_eq!(
            claimed(
                &journal
                    .begin(&intent(&other, &order, "1.00"))
                    .await
                    .unwrap()
            ),
            Some(1),
            "{db}: the order is free"
        );
        // A settled entry is not resolved again.
        assert_eq!(
            journal
                .resolve(ACCOUNT, &key, EntryState::Applied, "changed my mind", None)
                .await
                .map(|e| e.state),
            Err(JournalFailure::WrongState {
                state: EntryState::NotApplied
            }),
            "{db}"
        );
    }
}
