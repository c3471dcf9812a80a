//! The write journal as an operator meets it: `paygate refund` and `paygate journal …`, run
//! as processes against a sandbox in this test process. Each test reproduces one of the
//! defects an operator found (see docs/reliability.md, "Findings and their tests"), and fails
//! when its fix is reverted.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::{env, journal_table, json, paygate, text, wait_out_lease};
use paygate_sandbox::{Fault, FaultSpec, Provider, Sandbox};

const REFUND_PATH: &str = "online-transaction/refund";

/// Creates a PayWay order of 10.00 USD through `config` and has the customer pay it at
/// `sandbox` (`pre_auth`: a hold, to capture or void).
async fn paid_order(sandbox: &Sandbox, config: &std::path::PathBuf, id: &str, pre_auth: bool) {
    let mut args = vec![
        "create",
        "payway",
        "--order-id",
        id,
        "--amount",
        "10.00",
        "--currency",
        "USD",
    ];
    if pre_auth {
        args.push("--pre-auth");
    }
    let created = paygate(Some(config), &args, None).await;
    assert!(created.status.success(), "{}", text(&created.stderr));
    sandbox.pay(Provider::Payway, id).unwrap();
}

fn refunds(sandbox: &Sandbox, id: &str) -> usize {
    sandbox
        .order(Provider::Payway, id)
        .map_or(0, |o| o.refunds.len())
}

/// Finding 1: recovery settled a refund still in flight, and a retry refunded it twice.
/// Now the refund's lease (its whole deadline) keeps recovery off while its writer lives:
/// recovery reports it with when it becomes eligible, and exits 6.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_leaves_a_refund_in_flight_alone_and_it_is_sent_once() {
    let env = env("journal-in-flight").await;
    paid_order(&env.sandbox, &env.config, "IF1", false).await;
    env.sandbox.arm(
        FaultSpec::new(Provider::Payway, Fault::Delay { millis: 1000 }, 1).on_path(REFUND_PATH),
    );
    let config = env.config.clone();
    let refund = tokio::spawn(async move {
        paygate(
            Some(&config),
            &[
                "refund",
                "payway",
                "IF1",
                "--amount",
                "4.00",
                "--reference",
                "DR1",
                "--yes",
            ],
            None,
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let early = paygate(Some(&env.config), &["--json", "journal", "recover"], None).await;
    let doc = json(&early);
    assert_eq!(early.status.code(), Some(6), "{doc}");
    let line = &doc["settled"][0];
    assert_eq!(line["key"], "DR1", "{doc}");
    assert_eq!(line["state"], "pending", "{doc}");
    assert!(line["eligible_at_ms"].as_i64().is_some(), "{doc}");
    assert!(
        line["reason"]
            .as_str()
            .unwrap()
            .contains("lease runs until"),
        "{doc}"
    );
    assert_eq!(doc["unresolved"], 1, "{doc}");

    let refund = refund.await.unwrap();
    assert!(refund.status.success(), "{}", text(&refund.stderr));
    let shown = json(
        &paygate(
            Some(&env.config),
            &["--json", "journal", "show", "DR1"],
            None,
        )
        .await,
    );
    assert_eq!(shown["entry"]["state"], "succeeded", "{shown}");
    let after = paygate(Some(&env.config), &["journal", "recover"], None).await;
    assert!(after.status.success(), "{}", text(&after.stdout));
    let retried = paygate(
        Some(&env.config),
        &["journal", "retry", "DR1", "--yes"],
        None,
    )
    .await;
    assert_eq!(retried.status.code(), Some(5), "{}", text(&retried.stderr));
    assert_eq!(refunds(&env.sandbox, "IF1"), 1);
}

/// Finding 2: two configurations sharing one journal, both naming their gateway `payway`,
/// answered one merchant account's refund from the other's entry, and retried an entry of
/// one through the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_configurations_sharing_a_journal_never_answer_for_each_other() {
    let first = env("journal-accounts").await;
    let second = Sandbox::start().await.unwrap();
    // Beside the first: the same default journal.
    let production = first.config.with_file_name("production.toml");
    std::fs::write(
        &production,
        format!("{}{}", second.config_toml(), journal_table(&first.config)),
    )
    .unwrap();
    paid_order(&first.sandbox, &first.config, "SAME1", false).await;
    paid_order(&second, &production, "SAME1", false).await;
    let args = [
        "refund",
        "payway",
        "SAME1",
        "--amount",
        "1.00",
        "--reference",
        "SHARED",
        "--yes",
    ];
    let here = paygate(Some(&first.config), &args, None).await;
    assert!(here.status.success(), "{}", text(&here.stderr));
    let there = paygate(Some(&production), &args, None).await;
    let stdout = text(&there.stdout);
    assert!(there.status.success(), "{stdout}{}", text(&there.stderr));
    assert!(!stdout.contains("already done"), "{stdout}");
    assert_eq!(refunds(&first.sandbox, "SAME1"), 1);
    assert_eq!(
        refunds(&second, "SAME1"),
        1,
        "the second account's refund was made"
    );

    // An entry of the first account whose outcome is unknown: the second configuration
    // neither recovers nor retries it.
    first
        .sandbox
        .arm(FaultSpec::new(Provider::Payway, Fault::ResetAfterRead, 1).on_path(REFUND_PATH));
    let lost = paygate(
        Some(&first.config),
        &[
            "refund",
            "payway",
            "SAME1",
            "--amount",
            "2.00",
            "--reference",
            "ONLY-HERE",
            "--yes",
        ],
        None,
    )
    .await;
    assert_eq!(lost.status.code(), Some(6), "{}", text(&lost.stderr));
    wait_out_lease().await;
    let recovered = paygate(Some(&production), &["--json", "journal", "recover"], None).await;
    let doc = json(&recovered);
    assert!(recovered.status.success(), "{doc}");
    assert_eq!(doc["settled"].as_array().unwrap().len(), 0, "{doc}");
    let retried = paygate(
        Some(&production),
        &["journal", "retry", "ONLY-HERE", "--yes"],
        None,
    )
    .await;
    assert_eq!(retried.status.code(), Some(3), "{}", text(&retried.stderr));
    assert!(
        text(&retried.stderr).contains("not this configuration's"),
        "{}",
        text(&retried.stderr)
    );
    assert_eq!(
        refunds(&second, "SAME1"),
        1,
        "nothing was sent to the second account"
    );
    // Its own configuration settles it: nothing was applied.
    let settled = paygate(Some(&first.config), &["journal", "recover"], None).await;
    assert!(settled.status.success(), "{}", text(&settled.stdout));
    assert!(
        text(&settled.stdout).contains("1 not applied"),
        "{}",
        text(&settled.stdout)
    );
}

/// Finding 3: a refund sent around the journal (`--no-journal`) on an order whose journaled
/// refund was unresolved made recovery call that refund applied. Such a write is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_around_the_journal_is_refused_on_an_order_it_holds_unresolved() {
    let env = env("journal-around").await;
    paid_order(&env.sandbox, &env.config, "EA1", false).await;
    env.sandbox
        .arm(FaultSpec::new(Provider::Payway, Fault::ResetAfterRead, 1).on_path(REFUND_PATH));
    let lost = paygate(
        Some(&env.config),
        &[
            "refund",
            "payway",
            "EA1",
            "--amount",
            "2.00",
            "--reference",
            "EA",
            "--yes",
        ],
        None,
    )
    .await;
    assert_eq!(lost.status.code(), Some(6), "{}", text(&lost.stderr));
    let around = paygate(
        Some(&env.config),
        &[
            "--no-journal",
            "refund",
            "payway",
            "EA1",
            "--amount",
            "2.00",
            "--yes",
        ],
        None,
    )
    .await;
    assert_eq!(around.status.code(), Some(12), "{}", text(&around.stderr));
    assert!(
        text(&around.stderr).contains("EA refund unknown"),
        "{}",
        text(&around.stderr)
    );
    assert_eq!(refunds(&env.sandbox, "EA1"), 0);
    // Once its lease is over, recovery finds it not applied, and the order is free.
    wait_out_lease().await;
    let recovered = paygate(Some(&env.config), &["journal", "recover"], None).await;
    assert!(
        text(&recovered.stdout).contains("1 not applied"),
        "{}",
        text(&recovered.stdout)
    );
}

/// Finding 4: a PayWay void applied but unanswered stayed unknown for ever (PayWay reports a
/// released hold as cancelled); an entry no evidence settles had no way out. The void is
/// now settled from `cancelled`, and an operator resolves what nothing else can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_released_hold_settles_a_void_and_an_operator_resolves_the_rest() {
    let env = env("journal-resolve").await;
    paid_order(&env.sandbox, &env.config, "HV1", true).await;
    env.sandbox.arm(
        FaultSpec::new(Provider::Payway, Fault::ResetAfterApply, 1)
            .on_path("online-transaction/pre-auth-cancellation"),
    );
    let void = paygate(Some(&env.config), &["void", "payway", "HV1"], None).await;
    assert_eq!(void.status.code(), Some(6), "{}", text(&void.stderr));
    wait_out_lease().await;
    let recovered = paygate(Some(&env.config), &["--json", "journal", "recover"], None).await;
    let doc = json(&recovered);
    assert!(recovered.status.success(), "{doc}");
    assert_eq!(doc["settled"][0]["state"], "applied", "{doc}");
    assert_eq!(doc["applied"], 1, "{doc}");

    // A refund the evidence cannot place: refunded grew by more than it (another refund of
    // the same amount made at the provider meanwhile, so PayWay's list of refunds shows two
    // of 1.00 in the write's time) — ambiguous, until an operator says.
    paid_order(&env.sandbox, &env.config, "AM1", false).await;
    env.sandbox
        .arm(FaultSpec::new(Provider::Payway, Fault::ResetAfterApply, 1).on_path(REFUND_PATH));
    let lost = paygate(
        Some(&env.config),
        &[
            "refund",
            "payway",
            "AM1",
            "--amount",
            "1.00",
            "--reference",
            "AMB",
            "--yes",
        ],
        None,
    )
    .await;
    assert_eq!(lost.status.code(), Some(6), "{}", text(&lost.stderr));
    // The other refund: sent through another journal (another tool, another team).
    let elsewhere = format!(
        "sqlite://{}",
        env.config.with_file_name("elsewhere.db").display()
    );
    let outside = paygate(
        Some(&env.config),
        &[
            "--journal",
            &elsewhere,
            "refund",
            "payway",
            "AM1",
            "--amount",
            "1.00",
            "--yes",
        ],
        None,
    )
    .await;
    assert!(outside.status.success(), "{}", text(&outside.stderr));
    wait_out_lease().await;
    // Read sooner, PayWay's list may not show the refund yet: unknown, for the next run.
    let early = paygate(Some(&env.config), &["--json", "journal", "recover"], None).await;
    let doc = json(&early);
    assert_eq!(doc["settled"][0]["state"], "unknown", "{doc}");
    tokio::time::sleep(Duration::from_secs(15)).await;
    let ambiguous = paygate(Some(&env.config), &["--json", "journal", "recover"], None).await;
    let doc = json(&ambiguous);
    assert_eq!(ambiguous.status.code(), Some(6), "{doc}");
    assert_eq!(doc["settled"][0]["state"], "ambiguous", "{doc}");
    assert_eq!(
        doc["settled"][0]["evidence"]["payment"]["refunded"], "2.00",
        "{doc}"
    );
    // Retrying it is refused; the operator looks at the portal, and says.
    let retry = paygate(
        Some(&env.config),
        &["journal", "retry", "AMB", "--yes"],
        None,
    )
    .await;
    assert_eq!(retry.status.code(), Some(6), "{}", text(&retry.stderr));
    let unanswered = paygate(
        Some(&env.config),
        &[
            "journal",
            "resolve",
            "AMB",
            "--applied",
            "--note",
            "portal: two refunds of 1.00",
        ],
        Some("n\n"),
    )
    .await;
    assert_eq!(
        unanswered.status.code(),
        Some(11),
        "{}",
        text(&unanswered.stderr)
    );
    let resolved = paygate(
        Some(&env.config),
        &[
            "journal",
            "resolve",
            "AMB",
            "--applied",
            "--note",
            "portal: two refunds of 1.00",
            "--yes",
        ],
        None,
    )
    .await;
    let stdout = text(&resolved.stdout);
    assert!(
        resolved.status.success(),
        "{stdout}{}",
        text(&resolved.stderr)
    );
    assert!(stdout.contains("operator"), "{stdout}");
    assert!(stdout.contains("portal: two refunds of 1.00"), "{stdout}");
    let shown = json(
        &paygate(
            Some(&env.config),
            &["--json", "journal", "show", "AMB"],
            None,
        )
        .await,
    );
    let history = shown["entry"]["history"].as_array().unwrap();
    let by: Vec<&str> = history.iter().map(|e| e["by"].as_str().unwrap()).collect();
    assert_eq!(
        by,
        ["writer", "recovery", "recovery", "operator"],
        "{shown}"
    );
    assert!(
        history[2]["evidence"]["refund_history"].is_array(),
        "{shown}"
    );
    assert!(history[3]["evidence"]["payment"].is_object(), "{shown}");
    let clear = paygate(Some(&env.config), &["journal", "recover"], None).await;
    assert!(clear.status.success(), "{}", text(&clear.stdout));
    // The same refund asked again: done, nothing sent.
    assert_eq!(refunds(&env.sandbox, "AM1"), 2);
}

/// A rerun of the same refund after its answer was lost: refused while the lease runs (its
/// writer may still be sending it), then settled on the spot — sent again when it was not
/// applied, answered when it was — so each ends refunded exactly once, with no `recover`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerunning_the_same_refund_after_a_lost_answer_refunds_exactly_once() {
    let env = env("journal-rerun").await;
    for (id, fault) in [
        ("RR1", Fault::ResetAfterRead),
        ("RR2", Fault::ResetAfterApply),
    ] {
        paid_order(&env.sandbox, &env.config, id, false).await;
        let key = format!("{id}-K");
        let args = [
            "refund",
            "payway",
            id,
            "--amount",
            "3.00",
            "--reference",
            &key,
            "--yes",
        ];
        env.sandbox
            .arm(FaultSpec::new(Provider::Payway, fault.clone(), 1).on_path(REFUND_PATH));
        let lost = paygate(Some(&env.config), &args, None).await;
        assert_eq!(lost.status.code(), Some(6), "{}", text(&lost.stderr));
        wait_out_lease().await;
        let rerun = paygate(Some(&env.config), &args, None).await;
        assert!(rerun.status.success(), "{id}: {}", text(&rerun.stderr));
        let again = paygate(Some(&env.config), &args, None).await;
        assert!(again.status.success(), "{id}: {}", text(&again.stderr));
        assert!(
            text(&again.stdout).contains("already done"),
            "{}",
            text(&again.stdout)
        );
        assert_eq!(refunds(&env.sandbox, id), 1, "{id}: exactly once");
    }
}

/// A paid PayG order of 100.00 INR, inserted into `sandbox`'s ledger.
fn paid_payg_order(sandbox: &Sandbox, id: &str) {
    let hundred: paygate::Decimal = "100.00".parse().unwrap();
    let now = paygate::time::OffsetDateTime::now_utc();
    let mut order = paygate_sandbox::SimOrder::new(Provider::Payg, id, id, hundred, "INR", now);
    order.stage = paygate_sandbox::Stage::Paid;
    order.captured = hundred;
    order.transaction_id = 72_260_277;
    order.payment_method = "Upi".into();
    sandbox.insert(order).unwrap();
}

/// Finding 6: PayG's order object records a refund (its id and code) but never its amount.
/// A fully refunded payment read as "refunded so far —, left to refund 100.00 INR" and a
/// second full refund was sent. Now: no refund on record reads as 0.00 refunded; one on
/// record makes what is left unknown, and a further refund is refused before sending. A lost
/// PayG refund is recovered from the order's refund record and its refund status: applied
/// when a refund is on record, not applied while none is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payg_refund_is_checked_and_recovered_from_the_refund_on_record() {
    let env = env("journal-payg").await;
    let c = Some(&env.config);
    let payg_refunds = |id: &str| {
        env.sandbox
            .order(Provider::Payg, id)
            .map_or(0, |o| o.refunds.len())
    };
    paid_payg_order(&env.sandbox, "PG1");
    let asked = paygate(c, &["refund", "payg", "PG1", "--amount", "100.00"], None).await;
    assert!(
        text(&asked.stderr).contains("refunded so far 0.00 INR, left to refund 100.00 INR"),
        "{}",
        text(&asked.stderr)
    );
    let args = ["refund", "payg", "PG1", "--amount", "100.00", "--yes"];
    let first = paygate(c, &args, None).await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(payg_refunds("PG1"), 1);
    for amount in ["100.00", "0.01"] {
        let again = paygate(
            c,
            &["refund", "payg", "PG1", "--amount", amount, "--yes"],
            None,
        )
        .await;
        let stderr = text(&again.stderr);
        assert_eq!(again.status.code(), Some(3), "{stderr}");
        assert!(
            stderr.contains("reports an earlier refund but not its amount"),
            "{stderr}"
        );
        assert!(stderr.contains("not sent"), "{stderr}");
    }
    assert_eq!(payg_refunds("PG1"), 1, "the second refund was never sent");

    // Lost answers: after PayG applied it, and before.
    for (id, fault, state, sent) in [
        ("PG2", Fault::ResetAfterApply, "applied", 1),
        ("PG3", Fault::ResetAfterRead, "not_applied", 0),
    ] {
        paid_payg_order(&env.sandbox, id);
        env.sandbox
            .arm(FaultSpec::new(Provider::Payg, fault, 1).on_path("/Refund"));
        let key = format!("{id}-K");
        let lost = paygate(
            c,
            &[
                "refund",
                "payg",
                id,
                "--amount",
                "40.00",
                "--reference",
                &key,
                "--yes",
            ],
            None,
        )
        .await;
        assert_eq!(lost.status.code(), Some(6), "{}", text(&lost.stderr));
        wait_out_lease().await;
        let recovered = paygate(c, &["--json", "journal", "recover"], None).await;
        let report = json(&recovered);
        let line = report["settled"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == key.as_str())
            .unwrap_or_else(|| panic!("{report}"))
            .clone();
        assert_eq!(line["state"], state, "{id}: {line}");
        assert_eq!(payg_refunds(id), sent, "{id}");
    }
}

/// Finding 7: a journaled refund read the payment twice (PayG: Detail, Detail, Refund) — the
/// command's read and the journal's baseline read — and threw the first away. Now the write
/// is planned once (one read, the checks), shown, and the plan sent: its payment is the
/// journal's baseline. A second refund on the order (the journal has an entry on it by then)
/// still reads once. Without the journal, the same one read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journaled_refund_reads_the_payment_once() {
    let env = env("journal-one-read").await;
    let c = Some(&env.config);
    let paths = |from: usize| -> Vec<String> {
        env.sandbox.received()[from..]
            .iter()
            .map(|r| r.path.trim_start_matches('/').to_owned())
            .collect()
    };
    paid_payg_order(&env.sandbox, "OR1");
    let before = env.sandbox.received().len();
    let args = [
        "refund",
        "payg",
        "OR1",
        "--amount",
        "40.00",
        "--reference",
        "OR1-A",
        "--yes",
    ];
    let out = paygate(c, &args, None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sent = paths(before);
    assert_eq!(
        sent,
        ["payment/api/order/Detail", "payment/api/order/Refund"],
        "one read and the refund"
    );
    // PayWay, where partial refunds go on: the second refund on the order reads once too.
    paid_order(&env.sandbox, &env.config, "OR2", false).await;
    for key in ["OR2-A", "OR2-B"] {
        let before = env.sandbox.received().len();
        let args = [
            "refund",
            "payway",
            "OR2",
            "--amount",
            "1.00",
            "--reference",
            key,
            "--yes",
        ];
        let out = paygate(c, &args, None).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let sent = paths(before);
        assert_eq!(sent.len(), 2, "{key}: one read and the refund: {sent:?}");
        assert!(sent[1].ends_with(REFUND_PATH), "{key}: {sent:?}");
    }
    assert_eq!(refunds(&env.sandbox, "OR2"), 2);
}

/// Finding 5: the journal's file could be read by anyone on the machine.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_journal_is_private_to_its_user() {
    use std::os::unix::fs::PermissionsExt;

    let env = env("journal-private").await;
    paid_order(&env.sandbox, &env.config, "PR1", false).await;
    let dir = common::data_home(Some(&env.config)).join("paygate");
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    assert_eq!(mode(&dir.join("journal.db")), 0o600);
}
