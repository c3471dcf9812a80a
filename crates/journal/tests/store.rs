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

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use paygate_journal::{
    Baseline, Begun, EntryFilter, EntryState, Intent, JournalFailure, Outcome, RawAnswer,
    WriteJournal, WriteOperation,
};

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
            eprintln!(
                "\n*** SKIPPED the PostgreSQL half: PAYGATE_TEST_POSTGRES_URL is not set (eval \"$(bash .ci/postgres start)\") ***\n"
            );
            None
        }
    }
}

async fn journals() -> Vec<(&'static str, Arc<dyn WriteJournal>)> {
    let dir = std::env::temp_dir().join(unique("paygate-journal-store"));
    #[cfg_attr(not(feature = "postgres"), allow(unused_mut))]
    let mut all: Vec<(&'static str, Arc<dyn WriteJournal>)> = vec![(
        "sqlite",
        paygate_journal::open(&format!("sqlite://{}", dir.join("journal.db").display()))
            .await
            .unwrap(),
    )];
    #[cfg(feature = "postgres")]
    if let Some(url) = postgres_url() {
        all.push(("postgres", paygate_journal::open(&url).await.unwrap()));
    }
    #[cfg(not(feature = "postgres"))]
    eprintln!("\n*** SKIPPED the PostgreSQL half: built without the `postgres` feature ***\n");
    all
}

fn intent(key: &str, order: &str, amount: &str) -> Intent {
    Intent {
        key: key.to_owned(),
        gateway: "payway".into(),
        operation: WriteOperation::Refund,
        order_id: order.to_owned(),
        amount: Some(amount.to_owned()),
        currency: Some("USD".into()),
        fingerprint: Intent::fingerprint_of(
            WriteOperation::Refund,
            "payway",
            order,
            Some(amount),
            Some("USD"),
        ),
        request: serde_json::json!({ "order_id": order }),
        baseline: None,
    }
}

fn baseline() -> Baseline {
    Baseline {
        status: "paid".into(),
        amount: Some("10.00".into()),
        refunded: Some("0.00".into()),
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
    }
}

#[tokio::test]
async fn a_key_is_recorded_once_and_an_order_claimed_by_one_key_at_a_time() {
    for (db, journal) in journals().await {
        let (key, other, order) = (unique("K"), unique("K"), unique("O"));
        assert_eq!(
            journal.begin(&intent(&key, &order, "1.00")).await.unwrap(),
            Begun::Claimed { attempt: 1 },
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
        assert_eq!(journal.entry(&other).await.unwrap(), None, "{db}");
        // A baseline, then the answer: the order is free again.
        journal.ready(&key, 1, &baseline()).await.unwrap();
        journal
            .finish(&key, 1, &outcome(EntryState::Succeeded))
            .await
            .unwrap();
        let entry = journal.entry(&key).await.unwrap().unwrap();
        assert_eq!(entry.state, EntryState::Succeeded, "{db}");
        assert_eq!(entry.baseline, Some(baseline()), "{db}");
        assert_eq!(entry.raw.as_ref().map(|r| r.http_status), Some(200), "{db}");
        assert_eq!(
            journal
                .begin(&intent(&other, &order, "2.00"))
                .await
                .unwrap(),
            Begun::Claimed { attempt: 1 },
            "{db}"
        );
    }
}

#[tokio::test]
async fn an_unknown_outcome_keeps_the_order_until_it_is_settled() {
    for (db, journal) in journals().await {
        let (key, other, order) = (unique("K"), unique("K"), unique("O"));
        journal.begin(&intent(&key, &order, "1.00")).await.unwrap();
        journal.ready(&key, 1, &baseline()).await.unwrap();
        journal
            .finish(&key, 1, &outcome(EntryState::Unknown))
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
        let unresolved = journal
            .entries(&EntryFilter {
                unresolved_only: true,
                ..EntryFilter::default()
            })
            .await
            .unwrap();
        assert!(unresolved.iter().any(|e| e.key == key), "{db}");
        // Recovery's answer settles it and frees the order; a second answer is refused.
        journal
            .finish(&key, 1, &outcome(EntryState::Applied))
            .await
            .unwrap();
        assert_eq!(
            journal
                .finish(&key, 1, &outcome(EntryState::NotApplied))
                .await,
            Err(JournalFailure::WrongState {
                state: EntryState::Applied
            }),
            "{db}"
        );
        assert_eq!(
            journal
                .begin(&intent(&other, &order, "1.00"))
                .await
                .unwrap(),
            Begun::Claimed { attempt: 1 },
            "{db}"
        );
    }
}

#[tokio::test]
async fn an_unsent_write_leaves_nothing_and_a_retry_counts_attempts() {
    for (db, journal) in journals().await {
        let (key, order) = (unique("K"), unique("O"));
        journal.begin(&intent(&key, &order, "1.00")).await.unwrap();
        journal.abandon(&key, 1, "invalid state").await.unwrap();
        assert_eq!(journal.entry(&key).await.unwrap(), None, "{db}");
        // The key is free: a new first attempt.
        journal.begin(&intent(&key, &order, "1.00")).await.unwrap();
        journal.ready(&key, 1, &baseline()).await.unwrap();
        journal
            .finish(&key, 1, &outcome(EntryState::Refused))
            .await
            .unwrap();
        // Retry: attempt 2, pending without a baseline, order claimed again.
        assert_eq!(
            journal.reopen(&key, None).await.unwrap(),
            Begun::Claimed { attempt: 2 },
            "{db}"
        );
        let entry = journal.entry(&key).await.unwrap().unwrap();
        assert_eq!(
            (entry.state, entry.attempt),
            (EntryState::Pending, 2),
            "{db}"
        );
        assert_eq!((entry.baseline, entry.result), (None, None), "{db}");
        // An unsent retry goes back to not applied, not away.
        journal.abandon(&key, 2, "not sent").await.unwrap();
        let entry = journal.entry(&key).await.unwrap().unwrap();
        assert_eq!(entry.state, EntryState::NotApplied, "{db}");
        // A succeeded write is never reopened.
        journal.reopen(&key, None).await.unwrap();
        journal.ready(&key, 3, &baseline()).await.unwrap();
        journal
            .finish(&key, 3, &outcome(EntryState::Succeeded))
            .await
            .unwrap();
        assert_eq!(
            journal.reopen(&key, None).await,
            Err(JournalFailure::WrongState {
                state: EntryState::Succeeded
            }),
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
            known: 2
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
    assert!(read_only.entry(&key).await.unwrap().is_some());
}

#[tokio::test]
async fn dropping_an_unsent_write_settled_meanwhile_leaves_its_state_and_claim() {
    for (db, journal) in journals().await {
        let (key, other, order) = (unique("K"), unique("K"), unique("O"));
        journal.begin(&intent(&key, &order, "1.00")).await.unwrap();
        // Recovery (run too early) settled it as unknown while its writer was still going.
        journal
            .finish(&key, 1, &outcome(EntryState::Unknown))
            .await
            .unwrap();
        journal.abandon(&key, 1, "not sent").await.unwrap();
        assert_eq!(
            journal.entry(&key).await.unwrap().map(|e| e.state),
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
    use paygate_journal::WebhookReceipt;
    for (db, journal) in journals().await {
        let gateway = unique("inbox");
        let first = WebhookReceipt::new(&gateway, "order-1|PAID|100", "order-1", b"{}".to_vec());
        let second = WebhookReceipt::new(&gateway, "order-2|PAID|100", "order-2", b"{ }".to_vec());
        assert!(journal.receive(&first).await.unwrap(), "{db}");
        assert!(!journal.receive(&first).await.unwrap(), "{db}: twice");
        assert!(journal.receive(&second).await.unwrap(), "{db}");
        // Other gateways' receipts (other tests, earlier runs) may be listed too.
        let mine = |list: Vec<WebhookReceipt>| {
            list.into_iter()
                .filter(|r| r.gateway == gateway)
                .map(|r| (r.event_key, r.body))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            mine(journal.unhandled(10_000).await.unwrap()),
            vec![
                ("order-1|PAID|100".to_owned(), b"{}".to_vec()),
                ("order-2|PAID|100".to_owned(), b"{ }".to_vec())
            ],
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
            mine(journal.unhandled(10_000).await.unwrap()),
            vec![("order-2|PAID|100".to_owned(), b"{ }".to_vec())],
            "{db}"
        );
        assert!(
            !journal.receive(&first).await.unwrap(),
            "{db}: handled, still seen"
        );
        let empty = WebhookReceipt::new(&gateway, "", "order-3", Vec::new());
        assert!(journal.receive(&empty).await.is_err(), "{db}: empty key");
    }
}

#[tokio::test]
async fn a_version_1_journal_is_upgraded_with_its_entries_kept() {
    let dir = std::env::temp_dir().join(unique("paygate-journal-v1"));
    let path = dir.join("journal.db");
    let url = format!("sqlite://{}", path.display());
    let journal = paygate_journal::open(&url).await.unwrap();
    let key = unique("v1");
    journal
        .begin(&intent(&key, "order-v1", "1.00"))
        .await
        .unwrap();
    drop(journal);
    // What version 1 was: no webhook inbox.
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute_batch(
            "DROP TABLE paygate_webhook_receipts;
             UPDATE paygate_journal_meta SET value = '1' WHERE name = 'schema_version';",
        )
        .unwrap();
    drop(connection);
    let journal = paygate_journal::open(&url).await.unwrap();
    assert!(journal.entry(&key).await.unwrap().is_some());
    let receipt = paygate_journal::WebhookReceipt::new("g", "k", "order-v1", b"{}".to_vec());
    assert!(journal.receive(&receipt).await.unwrap());
}
