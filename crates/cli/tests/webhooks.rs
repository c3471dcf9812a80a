//! `paygate webhooks list|show|replay` over the inbox an app's receiver keeps in the
//! journal's database.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::{data_home, env, json, paygate, text};
use paygate::journal::{ReceiptFilter, WebhookReceipt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_lists_shows_and_replays_what_the_receiver_recorded() {
    let env = env("webhooks").await;
    let url = format!(
        "sqlite://{}",
        data_home(Some(&env.config))
            .join("paygate")
            .join("journal.db")
            .display()
    );
    let journal = paygate::journal::open(&url).await.unwrap();
    let handled = WebhookReceipt::new(
        "shop-idr",
        "INV-1||paid|150000.00 IDR",
        "INV-1",
        b"{\"n\":1}".to_vec(),
    );
    let failed = WebhookReceipt::new(
        "shop-usd",
        "INV-2||paid|20.00 USD",
        "INV-2",
        b"{\"n\":2}".to_vec(),
    );
    assert!(
        journal
            .receive(&handled, Duration::from_secs(60))
            .await
            .unwrap()
    );
    assert!(
        journal
            .receive(&failed, Duration::from_secs(60))
            .await
            .unwrap()
    );
    journal
        .mark_handled("shop-idr", &handled.event_key)
        .await
        .unwrap();
    journal
        .retry_later(
            "shop-usd",
            &failed.event_key,
            Duration::from_secs(600),
            "the shop's database is down",
        )
        .await
        .unwrap();

    let all = paygate(Some(&env.config), &["--json", "webhooks", "list"], None).await;
    assert!(all.status.success(), "{}", text(&all.stderr));
    let all = json(&all);
    assert_eq!(all["command"], "webhook-list");
    assert_eq!(all["receipts"].as_array().unwrap().len(), 2, "{all}");
    let unhandled = paygate(
        Some(&env.config),
        &["--json", "webhook", "list", "--unhandled"],
        None,
    )
    .await;
    let unhandled = json(&unhandled);
    let receipts = unhandled["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 1, "{unhandled}");
    assert_eq!(receipts[0]["order_id"], "INV-2");
    assert_eq!(receipts[0]["failures"], 1);

    let human = paygate(Some(&env.config), &["webhooks", "list"], None).await;
    let human = text(&human.stdout);
    assert!(human.contains("handled 20"), "{human}");
    assert!(human.contains("failed 1×, held until"), "{human}");
    assert!(human.contains("2 deliveries"), "{human}");

    let shown = paygate(
        Some(&env.config),
        &["webhooks", "show", "shop-usd", &failed.event_key],
        None,
    )
    .await;
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    let shown = text(&shown.stdout);
    assert!(
        shown.contains("last failure: the shop's database is down"),
        "{shown}"
    );
    assert!(shown.contains("{\"n\":2}"), "{shown}");
    // A held receipt (its wait after the failure runs) is not replayed: a second handler
    // could take it while the first runs.
    let held = paygate(
        Some(&env.config),
        &["webhooks", "replay", "shop-usd", &failed.event_key, "--yes"],
        None,
    )
    .await;
    assert!(!held.status.success());
    assert!(
        text(&held.stderr).contains("is held now"),
        "{}",
        text(&held.stderr)
    );

    let unknown = paygate(
        Some(&env.config),
        &["webhooks", "show", "shop-usd", "no-such-key"],
        None,
    )
    .await;
    assert!(!unknown.status.success());
    assert!(
        text(&unknown.stderr).contains("no delivery to gateway shop-usd"),
        "{}",
        text(&unknown.stderr)
    );

    // Replaying asks first; without a terminal, that is a no and nothing changes.
    let refused = paygate(
        Some(&env.config),
        &["webhooks", "replay", "shop-idr", &handled.event_key],
        None,
    )
    .await;
    assert!(!refused.status.success());
    let filter = ReceiptFilter {
        gateway: Some("shop-idr".into()),
        ..ReceiptFilter::default()
    };
    assert!(
        journal.receipts(&filter).await.unwrap()[0]
            .handled_at_ms
            .is_some()
    );
    let replayed = paygate(
        Some(&env.config),
        &[
            "--json",
            "webhooks",
            "replay",
            "shop-idr",
            &handled.event_key,
            "--yes",
        ],
        None,
    )
    .await;
    assert!(replayed.status.success(), "{}", text(&replayed.stderr));
    assert_eq!(json(&replayed)["due"], true);
    // Due again: the app's receiver takes it on its next pass.
    let due = journal
        .claim_due("shop-idr", 10, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].event_key, handled.event_key);
    env.sandbox.shutdown().await;
}
