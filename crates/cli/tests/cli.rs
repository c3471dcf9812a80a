//! The built `paygate` binary, run as a person or a script would: against a sandbox running in
//! this test process, configured by the TOML file the sandbox prints.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;

use common::*;
use paygate_sandbox::{Provider, Sandbox, SimOrder, Stage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_runs_clean() {
    let out = paygate(None, &["demo"], None).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("demo: 3 providers, 40 steps, every one as expected"),
        "{stdout}"
    );
    for provider in ["finpay", "payway", "payg"] {
        assert!(stdout.contains(&format!("\n{provider}\n")), "{stdout}");
    }
    let out = paygate(None, &["--json", "demo"], None).await;
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["providers"]["payway"][0]["operation"], "create");
    // Amounts in JSON are {amount, currency}, as in every other document.
    assert_eq!(
        doc["providers"]["payway"][0]["amount"],
        serde_json::json!({"amount": "10.00", "currency": "USD"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_status_and_the_rest_in_text_and_json() {
    let env = env("ops").await;
    let c = Some(&env.config);
    let out = paygate(
        c,
        &[
            "create",
            "payway",
            "--order-id",
            "CLI1",
            "--amount",
            "10.00",
            "--currency",
            "USD",
            "--callback-url",
            "https://shop.example/cb",
        ],
        None,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("redirect the customer to http://127.0.0.1"),
        "{}",
        text(&out.stdout)
    );
    // Times are RFC 3339.
    let stdout = text(&out.stdout);
    let expires = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("expires at "))
        .unwrap_or_else(|| panic!("{stdout}"));
    paygate::time::OffsetDateTime::parse(
        expires,
        &paygate::time::format_description::well_known::Rfc3339,
    )
    .unwrap_or_else(|e| panic!("{expires}: {e}"));
    // A URL no customer or notification should be sent to; an impossible concurrency.
    let out = paygate(
        c,
        &[
            "create",
            "payway",
            "--order-id",
            "CLIURL",
            "--amount",
            "10.00",
            "--currency",
            "USD",
            "--callback-url",
            "javascript:alert(1)",
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("callback_url"),
        "{}",
        text(&out.stderr)
    );
    let out = paygate(
        c,
        &[
            "reconcile",
            "payway",
            "--input",
            "none.csv",
            "--concurrency",
            "0",
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    let out = paygate(c, &["status", "payway", "CLI1"], None).await;
    assert_eq!(
        text(&out.stdout).trim(),
        "payway  CLI1  pending (PENDING)  amount 10.00 USD  refunded 0.00 USD"
    );

    env.sandbox.pay(Provider::Payway, "CLI1").unwrap();
    let out = paygate(c, &["--json", "status", "payway", "CLI1"], None).await;
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["payment"]["status"], "paid");
    assert_eq!(
        doc["payment"]["amount"]["amount"], "10.00",
        "amounts are strings"
    );

    let out = paygate(
        c,
        &["refund", "payway", "CLI1", "--amount", "2.50", "--yes"],
        None,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("refund succeeded"),
        "{}",
        text(&out.stdout)
    );

    let out = paygate(c, &["--json", "refund-status", "payway", "CLI1"], None).await;
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["refund"]["total_refunded"]["amount"], "2.50");

    let out = paygate(c, &["status", "payway", "CLI1"], None).await;
    assert!(
        text(&out.stdout).contains("partially_refunded (REFUNDED)"),
        "{}",
        text(&out.stdout)
    );

    // Cancel a pending order; void is refused on a paid non-hold with a provider error.
    paygate(
        c,
        &[
            "create",
            "finpay",
            "--order-id",
            "CLI2",
            "--amount",
            "50000",
            "--currency",
            "IDR",
            "--callback-url",
            "https://shop.example/cb",
            "--phone",
            "+6281234567890",
        ],
        None,
    )
    .await;
    let out = paygate(c, &["cancel", "finpay", "CLI2"], None).await;
    assert!(
        text(&out.stdout).contains("cancelled"),
        "{}",
        text(&out.stderr)
    );
    // CLI1 is partially refunded: its state allows no void, so nothing is sent (exit 3).
    let out = paygate(c, &["void", "payway", "CLI1"], None).await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "refused before sending: {}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("not sent"),
        "{}",
        text(&out.stderr)
    );

    // Capture of a hold.
    paygate(
        c,
        &[
            "create",
            "payway",
            "--order-id",
            "CLI3",
            "--amount",
            "10.00",
            "--currency",
            "USD",
            "--pre-auth",
        ],
        None,
    )
    .await;
    env.sandbox.pay(Provider::Payway, "CLI3").unwrap();
    let out = paygate(
        c,
        &["--json", "capture", "payway", "CLI3", "--amount", "8.00"],
        None,
    )
    .await;
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["payment"]["status"], "paid", "{doc}");

    // Unsupported on PayG.
    let out = paygate(c, &["void", "payg", "X1"], None).await;
    assert_eq!(out.status.code(), Some(9));

    let out = paygate(c, &["capabilities"], None).await;
    assert!(text(&out.stdout).contains("payg (payg): create-payment, payment-status, refund, partial-refund, refund-status, webhook"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_asks_first_and_no_answer_is_no() {
    let env = env("confirm").await;
    let c = Some(&env.config);
    paygate(
        c,
        &[
            "create",
            "payway",
            "--order-id",
            "CONF1",
            "--amount",
            "10.00",
            "--currency",
            "USD",
        ],
        None,
    )
    .await;
    env.sandbox.pay(Provider::Payway, "CONF1").unwrap();

    // No input (as in CI): nothing is sent.
    let out = paygate(c, &["refund", "payway", "CONF1", "--amount", "1.00"], None).await;
    assert_eq!(out.status.code(), Some(11));
    assert!(text(&out.stderr).contains("Refund 1.00 USD of payway order CONF1 (paid, amount 10.00 USD, refunded so far 0.00 USD, left to refund 10.00 USD)?"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not confirmed; nothing was sent"));
    // A "y" that does not come from a terminal is no answer: a script must say --yes.
    for answer in ["n\n", "y\n"] {
        let out = paygate(
            c,
            &["refund", "payway", "CONF1", "--amount", "1.00"],
            Some(answer),
        )
        .await;
        assert_eq!(out.status.code(), Some(11), "{answer:?}");
        assert!(
            text(&out.stderr).contains("standard input is not a terminal"),
            "{}",
            text(&out.stderr)
        );
    }
    assert!(
        env.sandbox
            .order(Provider::Payway, "CONF1")
            .unwrap()
            .refunds
            .is_empty()
    );

    // From a terminal (a pseudo-terminal made by util-linux's `script`): "n" is no, "y" is yes.
    for (answer, refunds) in [("n", 0), ("y", 1)] {
        let out = in_terminal(
            &env.config,
            &["refund", "payway", "CONF1", "--amount", "1.00"],
            answer,
        )
        .await;
        assert_eq!(
            env.sandbox
                .order(Provider::Payway, "CONF1")
                .unwrap()
                .refunds
                .len(),
            refunds,
            "{answer}: {}",
            text(&out.stdout)
        );
    }

    let out = paygate(
        c,
        &["refund", "payway", "CONF1", "--amount", "1.00", "--yes"],
        None,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        env.sandbox
            .order(Provider::Payway, "CONF1")
            .unwrap()
            .refunds
            .len(),
        2
    );
}

/// Runs `paygate` on a pseudo-terminal (`script -qec`), typing `answer` and Enter.
async fn in_terminal(config: &std::path::Path, args: &[&str], answer: &str) -> Output {
    let binary = assert_cmd::cargo::cargo_bin("paygate");
    let mut line = format!("{} --config {}", binary.display(), config.display());
    for arg in args {
        line.push(' ');
        line.push_str(arg);
    }
    let answer = format!("{answer}\n");
    let config_path = config.to_path_buf();
    tokio::task::spawn_blocking(move || {
        Command::new("script")
            .args(["-q", "-e", "-c", &line, "/dev/null"])
            .env_remove("PAYGATE_CONFIG")
            .env_remove("PAYGATE_JOURNAL")
            .env("XDG_DATA_HOME", data_home(Some(&config_path)))
            .write_stdin(answer)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_refund_outcome_is_read_not_resent() {
    let env = env("unknown").await;
    let c = Some(&env.config);
    paygate(
        c,
        &[
            "create",
            "payway",
            "--order-id",
            "UNK1",
            "--amount",
            "10.00",
            "--currency",
            "USD",
        ],
        None,
    )
    .await;
    env.sandbox.pay(Provider::Payway, "UNK1").unwrap();
    // The refund is made, but its answer breaks.
    env.sandbox.arm(
        paygate_sandbox::FaultSpec::new(Provider::Payway, paygate_sandbox::Fault::TruncatedJson, 1)
            .on_path("refund"),
    );
    let out = paygate(
        c,
        &["refund", "payway", "UNK1", "--amount", "4.00", "--yes"],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(6));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("outcome is unknown"), "{stderr}");
    assert!(stderr.contains("NOT sent again"), "{stderr}");
    assert!(
        stderr.contains("partially_refunded"),
        "the status read shows what happened: {stderr}"
    );
    let refunds = env
        .sandbox
        .received()
        .iter()
        .filter(|r| r.path.ends_with("/refund"))
        .count();
    assert_eq!(refunds, 1, "sent once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_verify_from_files() {
    let env = env("webhook").await;
    let c = Some(&env.config);
    paygate(
        c,
        &[
            "create",
            "finpay",
            "--order-id",
            "WH1",
            "--amount",
            "50000",
            "--currency",
            "IDR",
            "--callback-url",
            "https://shop.example/cb",
            "--phone",
            "+6281234567890",
        ],
        None,
    )
    .await;
    let webhook = env.sandbox.pay(Provider::Finpay, "WH1").unwrap();
    let dir = temp("webhook-files");
    let body = dir.join("body.json");
    std::fs::write(&body, &webhook.body).unwrap();
    let body_arg = body.to_str().unwrap();
    let out = paygate(
        c,
        &[
            "webhook",
            "verify",
            "finpay",
            "--body",
            body_arg,
            "--header",
            "Content-Type: application/json",
        ],
        None,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("webhook verified: paid"),
        "{}",
        text(&out.stdout)
    );
    std::fs::write(&body, webhook.body.replace("50000", "5")).unwrap();
    let out = paygate(
        c,
        &["--json", "webhook", "verify", "finpay", "--body", body_arg],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(10));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["class"], "webhook-rejected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_errors_are_named_and_never_echo_secrets() {
    let dir = temp("config");
    let missing = dir.join("nope.toml");
    let out = paygate(Some(&missing), &["status", "payway", "A1"], None).await;
    assert_eq!(out.status.code(), Some(4));
    assert!(
        text(&out.stderr).contains("cannot read the configuration file"),
        "{}",
        text(&out.stderr)
    );

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[gateways.payway]\nprovider = \"payway\"\nenvironment = \"sandbox\"\nmerchant_id = \"m1\"\napi_key = \"env:PAYGATE_TEST_UNSET_VAR\"\n").unwrap();
    let out = paygate(Some(&bad), &["--json", "status", "payway", "A1"], None).await;
    assert_eq!(out.status.code(), Some(4));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["class"], "config");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("gateways.payway.api_key")
    );

    let secret = dir.join("secret.toml");
    std::fs::write(&secret, "[gateways.payway]\nprovider = \"payway\"\nenvironment = \"sandbox\"\nmerchant_id = \"m/1\"\napi_key = \"do-not-print-me-4f2a\"\n").unwrap();
    let out = paygate(Some(&secret), &["status", "payway", "A1"], None).await;
    assert_eq!(out.status.code(), Some(4));
    assert!(
        !text(&out.stderr).contains("do-not-print-me")
            && !text(&out.stdout).contains("do-not-print-me")
    );

    let out = paygate(None, &["status", "payway", "../etc"], None).await;
    assert_eq!(out.status.code(), Some(4), "no ./paygate.toml here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_ten_thousand_orders_with_mismatches() {
    let env = env("reconcile").await;
    let now = paygate::time::OffsetDateTime::now_utc();
    let dir = temp("reconcile-files");
    let input = dir.join("orders.csv");
    let mut csv = String::from("order_id,expected_amount,expected_status\n");
    let (mut amount_mismatches, mut status_mismatches, mut unknown) = (0, 0, 0);
    for i in 0..10_000u32 {
        let id = format!("R{i:05}");
        if i % 997 == 0 {
            unknown += 1; // never created: an error row
        } else {
            env.sandbox
                .insert({
                    let ten = paygate::Decimal::from(10);
                    let mut order = SimOrder::new(Provider::Payway, &id, &id, ten, "USD", now);
                    order.stage = Stage::Paid;
                    order.captured = ten;
                    order.transaction_id = u64::from(i);
                    order.payment_method = "ABA Pay".into();
                    order
                })
                .unwrap();
        }
        let (amount, status) = if i % 100 == 1 {
            amount_mismatches += 1;
            ("9.99", "paid")
        } else if i % 100 == 2 {
            status_mismatches += 1;
            ("10.00", "refunded")
        } else {
            ("10", "paid")
        };
        csv.push_str(&format!("{id},{amount},{status}\n"));
    }
    std::fs::write(&input, csv).unwrap();
    let out = paygate(
        Some(&env.config),
        &[
            "reconcile",
            "payway",
            "--input",
            input.to_str().unwrap(),
            "--concurrency",
            "32",
            "--rate",
            "100000/s",
        ],
        None,
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "mismatches exit 1: {}",
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    let mut reader = ::csv::Reader::from_reader(stdout.as_bytes());
    let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 10_000);
    assert_eq!(&rows[0][0], "R00000", "input order is kept");
    assert_eq!(&rows[9_999][0], "R09999");
    let mismatched = rows.iter().filter(|r| &r[8] == "true").count();
    let failed = rows.iter().filter(|r| !r[9].is_empty()).count();
    // Unknown orders whose line also had a mismatch expectation count as failed only.
    let overlap = (0..10_000u32)
        .filter(|i| i % 997 == 0 && matches!(i % 100, 1 | 2))
        .count();
    assert_eq!(failed, unknown);
    assert_eq!(mismatched, amount_mismatches + status_mismatches - overlap);
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("reconciled 10000 orders of payway: {} as expected, {mismatched} mismatched, {failed} failed (", 10_000 - mismatched - failed)), "{stderr}");

    let out = paygate(
        Some(&env.config),
        &[
            "reconcile",
            "payway",
            "--input",
            input.to_str().unwrap(),
            "--output",
            "json",
            "--rate",
            "100000/s",
            "--concurrency",
            "32",
        ],
        None,
    )
    .await;
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["rows"].as_array().unwrap().len(), 10_000);
    assert_eq!(doc["summary"]["mismatched"], mismatched);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_command_prints_what_apps_need_and_stops() {
    let out = paygate(None, &["sandbox", "--port", "0", "--duration", "1"], None).await;
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("paygate sandbox listening on http://127.0.0.1:"),
        "{stdout}"
    );
    assert!(stdout.contains("[gateways.payway]"), "{stdout}");
    assert!(
        stdout.contains("_sandbox/pay/<provider>/<order-id>"),
        "{stdout}"
    );
}

/// Every operation, in text and in `--json`: text is one readable line or more, JSON is one
/// document naming its command (or its error class).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_in_both_forms() {
    let shapes = Shapes::documented();
    let env = env("forms").await;
    let c = Some(&env.config);
    for (i, json) in [false, true].into_iter().enumerate() {
        let id = format!("FORM{i}");
        let hold = format!("FORMH{i}");
        let pending = format!("FORMP{i}");
        let key = format!("FORMK{i}");
        let prefix: Vec<&str> = if json { vec!["--json"] } else { vec![] };
        let run = |args: Vec<&str>| {
            let mut all = prefix.clone();
            all.extend(args);
            all.into_iter().map(str::to_owned).collect::<Vec<String>>()
        };
        let steps: Vec<(&str, Vec<String>, bool)> = vec![
            (
                "create",
                run(vec![
                    "create",
                    "payway",
                    "--order-id",
                    &id,
                    "--amount",
                    "10.00",
                    "--currency",
                    "USD",
                ]),
                true,
            ),
            (
                "create",
                run(vec![
                    "create",
                    "payway",
                    "--order-id",
                    &hold,
                    "--amount",
                    "10.00",
                    "--currency",
                    "USD",
                    "--pre-auth",
                ]),
                true,
            ),
            (
                "create",
                run(vec![
                    "create",
                    "payway",
                    "--order-id",
                    &pending,
                    "--amount",
                    "10.00",
                    "--currency",
                    "USD",
                ]),
                true,
            ),
            ("pay", vec![], true),
            ("status", run(vec!["status", "payway", &id]), true),
            (
                "refund",
                run(vec!["refund", "payway", &id, "--amount", "1.00", "--yes"]),
                true,
            ),
            (
                "refund",
                run(vec![
                    "refund",
                    "payway",
                    &id,
                    "--amount",
                    "1.00",
                    "--reference",
                    &key,
                    "--yes",
                ]),
                true,
            ),
            (
                "refund-status",
                run(vec!["refund-status", "payway", &id]),
                true,
            ),
            (
                "capture",
                run(vec!["capture", "payway", &hold, "--amount", "5.00"]),
                true,
            ),
            ("cancel", run(vec!["cancel", "payway", &pending]), true),
            ("void", run(vec!["void", "payway", &id]), false),
            ("capabilities", run(vec!["capabilities"]), true),
            ("config-check", run(vec!["config", "check"]), true),
            ("journal-list", run(vec!["journal", "list"]), true),
            ("journal-show", run(vec!["journal", "show", &key]), true),
            ("journal-recover", run(vec!["journal", "recover"]), true),
            (
                "journal-resolve",
                run(vec![
                    "journal",
                    "resolve",
                    &key,
                    "--applied",
                    "--note",
                    "settled already",
                    "--yes",
                ]),
                false,
            ),
        ];
        for (command, args, succeeds) in steps {
            if command == "pay" {
                env.sandbox.pay(Provider::Payway, &id).unwrap();
                env.sandbox.pay(Provider::Payway, &hold).unwrap();
                continue;
            }
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = paygate(c, &refs, None).await;
            assert_eq!(
                out.status.success(),
                succeeds,
                "{command} {json}: {}{}",
                text(&out.stdout),
                text(&out.stderr)
            );
            if json {
                let doc: serde_json::Value =
                    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
                        panic!(
                            "{command}: not one JSON document: {e}: {}",
                            text(&out.stdout)
                        )
                    });
                assert_eq!(doc["command"], command, "{doc}");
                assert_eq!(doc.get("error").is_some(), !succeeds, "{doc}");
                shapes.check(&doc);
            } else if succeeds {
                assert!(!text(&out.stdout).trim().is_empty(), "{command}");
                assert!(
                    serde_json::from_slice::<serde_json::Value>(&out.stdout).is_err(),
                    "{command} printed JSON without --json"
                );
            } else {
                assert!(
                    text(&out.stderr)
                        .starts_with(&format!("paygate {}: ", command.replace('-', " "))),
                    "{}",
                    text(&out.stderr)
                );
            }
        }
    }
}

/// Every command, in text and `--json`, succeeding and failing (refused, unreadable answer,
/// unknown outcome, rejected credentials, tampered webhook), with recognisable secrets
/// configured: no secret form appears on stdout or stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_output() {
    use paygate_sandbox::{Credentials, Fault, FaultSpec};

    let credentials = Credentials::canary();
    let addr = std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0));
    let sandbox = Sandbox::start_with(
        addr,
        credentials.clone(),
        std::sync::Arc::new(paygate::clock::SystemClock),
    )
    .await
    .unwrap();
    let dir = temp("secrets");
    let config = dir.join("paygate.toml");
    std::fs::write(&config, sandbox.config_toml()).unwrap();
    let mut wrong = credentials.clone();
    wrong.finpay.merchant_key.push_str("-WRONG");
    wrong.payway.api_key.push_str("-WRONG");
    wrong.payg.authentication_token.push_str("-WRONG");
    let wrong_config = dir.join("wrong.toml");
    let root = format!("http://{}", sandbox.addr());
    let wrong_toml: String = [Provider::Finpay, Provider::Payway, Provider::Payg]
        .into_iter()
        .map(|p| paygate_sandbox::gateway_toml(p, &root, &wrong))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&wrong_config, wrong_toml).unwrap();

    let now = paygate::time::OffsetDateTime::now_utc();
    let mut outputs = String::new();
    let mut runs = 0;
    for (provider, name, currency, amount) in [
        (Provider::Finpay, "finpay", "IDR", "150000"),
        (Provider::Payway, "payway", "USD", "20.00"),
        (Provider::Payg, "payg", "INR", "500.00"),
    ] {
        for json in [false, true] {
            let tag = format!("{}{}", &name[..2].to_ascii_uppercase(), u8::from(json));
            let (paid, held, pending) = (format!("{tag}P"), format!("{tag}H"), format!("{tag}N"));
            let to_pay = format!("{tag}W");
            for (id, stage) in [
                (&paid, Stage::Paid),
                (&held, Stage::Authorized),
                (&pending, Stage::Pending),
                (&to_pay, Stage::Pending),
            ] {
                let value: paygate::Decimal = amount.parse().unwrap();
                let mut order = SimOrder::new(provider, id, id, value, currency, now);
                order.stage = stage;
                order.pre_auth = stage == Stage::Authorized;
                if stage == Stage::Paid {
                    order.captured = value;
                }
                order.transaction_id = 55_000_000 + runs;
                order.payment_method = "Upi".into();
                sandbox.insert(order).unwrap();
            }
            let webhook_body = dir.join(format!("{tag}.json"));
            let create_id = format!("{tag}C");
            let mut commands: Vec<(Option<&PathBuf>, Vec<String>)> = Vec::new();
            let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<String>>();
            commands.push((
                Some(&config),
                s(&[
                    "create",
                    name,
                    "--order-id",
                    &create_id,
                    "--amount",
                    amount,
                    "--currency",
                    currency,
                    "--callback-url",
                    "https://shop.example/cb",
                    "--phone",
                    "+6281234567890",
                ]),
            ));
            commands.push((Some(&config), s(&["status", name, &paid])));
            commands.push((
                Some(&config),
                s(&["refund", name, &paid, "--amount", "1", "--yes"]),
            ));
            commands.push((Some(&config), s(&["refund-status", name, &paid])));
            commands.push((Some(&config), s(&["capture", name, &held, "--amount", "1"])));
            commands.push((Some(&config), s(&["void", name, &held])));
            commands.push((Some(&config), s(&["cancel", name, &pending])));
            commands.push((Some(&config), s(&["status", name, "NOSUCHORDER1"])));
            commands.push((Some(&wrong_config), s(&["status", name, &paid])));
            commands.push((Some(&config), s(&["capabilities"])));
            for (i, (config, mut args)) in commands.into_iter().enumerate() {
                if json {
                    args.insert(0, "--json".into());
                }
                // A fault for some commands: an error page on a read, a reset after a
                // refund was read (outcome unknown).
                match i {
                    1 => sandbox.arm(FaultSpec::new(provider, Fault::Html { status: 502 }, 3)),
                    2 => sandbox.arm(FaultSpec::new(provider, Fault::ResetAfterRead, 1).on_path(
                        if provider == Provider::Payg {
                            "/Refund"
                        } else {
                            "/refund"
                        },
                    )),
                    _ => {}
                }
                let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                let out = paygate(config, &refs, None).await;
                sandbox.clear_faults();
                outputs.push_str(&format!(
                    "$ paygate {}\n{}{}\n",
                    args.join(" "),
                    text(&out.stdout),
                    text(&out.stderr)
                ));
                runs += 1;
            }
            // Webhooks: genuine and tampered.
            let webhook = sandbox.pay(provider, &to_pay).unwrap();
            {
                for body in [
                    webhook.body.clone(),
                    webhook.body.replace(&to_pay, "FORGED1"),
                ] {
                    std::fs::write(&webhook_body, &body).unwrap();
                    let mut args = vec!["webhook".to_owned(), "verify".into(), name.into()];
                    args.push("--body".into());
                    args.push(webhook_body.to_str().unwrap().into());
                    for (k, v) in &webhook.headers {
                        args.push("--header".into());
                        args.push(format!("{k}: {v}"));
                    }
                    if json {
                        args.insert(0, "--json".into());
                    }
                    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                    let out = paygate(Some(&config), &refs, None).await;
                    outputs.push_str(&text(&out.stdout));
                    outputs.push_str(&text(&out.stderr));
                    runs += 1;
                }
            }
        }
    }
    if let Ok(path) = std::env::var("PAYGATE_SECRET_HYGIENE_DUMP") {
        std::fs::write(path, &outputs).unwrap();
    }
    // The runs did reach the sandbox, failed in the intended ways and printed something.
    for expected in [
        "the outcome is unknown",
        "\"outcome_unknown\":true",
        "HTTP 502",
        "HTTP 401",
        "NOSUCHORDER1",
        "webhook verified",
        "webhook-rejected",
    ] {
        assert!(
            outputs.contains(expected),
            "no output mentions {expected:?}"
        );
    }
    let mut forms = credentials.secret_forms();
    forms.extend(wrong.secret_forms());
    let leaks: Vec<usize> = (0..forms.len())
        .filter(|&i| outputs.contains(forms[i].as_str()))
        .collect();
    println!(
        "{runs} runs, {} bytes of output, {} secret forms checked",
        outputs.len(),
        forms.len()
    );
    assert!(leaks.is_empty(), "secret forms {leaks:?} appeared");
    assert!(!outputs.contains("CANARY"), "a canary secret appeared");
    sandbox.shutdown().await;
}

/// The reported bug, as a new user met it: `refund payway CUR1 --amount 1 --currency KHR` on a
/// 10.00 USD payment refunded 1.00 USD. Now: exit 3 naming both currencies, and no refund
/// request reaches the sandbox. The same the other way round, over what is left, unpaid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_are_checked_against_the_payment_before_asking() {
    let env = env("money").await;
    let c = Some(&env.config);
    for (id, amount, currency) in [("CUR1", "10.00", "USD"), ("CUR2", "40000", "KHR")] {
        let out = paygate(
            c,
            &[
                "create",
                "payway",
                "--order-id",
                id,
                "--amount",
                amount,
                "--currency",
                currency,
            ],
            None,
        )
        .await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        env.sandbox.pay(Provider::Payway, id).unwrap();
    }
    let refunds = || {
        env.sandbox
            .received()
            .iter()
            .filter(|r| r.path.ends_with("/refund"))
            .count()
    };
    for args in [
        ["CUR1", "1", "KHR"],
        ["CUR2", "1.00", "USD"],
        // More than is left.
        ["CUR1", "10.01", "USD"],
    ] {
        let out = paygate(
            c,
            &[
                "refund",
                "payway",
                args[0],
                "--amount",
                args[1],
                "--currency",
                args[2],
                "--yes",
            ],
            None,
        )
        .await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {stderr}");
        if args[1] == "10.01" {
            assert!(stderr.contains("10.00 USD left to refund"), "{stderr}");
        } else {
            assert!(stderr.contains("USD") && stderr.contains("KHR"), "{stderr}");
        }
        assert!(stderr.contains("nothing was sent"), "{stderr}");
    }
    // Unpaid: refused before asking (no --yes, no terminal: it would have said "not confirmed").
    paygate(
        c,
        &[
            "create",
            "payway",
            "--order-id",
            "CUR3",
            "--amount",
            "5.00",
            "--currency",
            "USD",
        ],
        None,
    )
    .await;
    let out = paygate(c, &["refund", "payway", "CUR3", "--amount", "1.00"], None).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("not sent"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(refunds(), 0, "no refund request reached the sandbox");

    // A failed read first: nothing was sent, and the message says so.
    env.sandbox.arm(paygate_sandbox::FaultSpec::new(
        Provider::Payway,
        paygate_sandbox::Fault::Html { status: 502 },
        10,
    ));
    let out = paygate(
        c,
        &["refund", "payway", "CUR1", "--amount", "1.00", "--yes"],
        None,
    )
    .await;
    env.sandbox.clear_faults();
    assert_eq!(out.status.code(), Some(8), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("could not read the payment first, so nothing was sent"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(refunds(), 0);
}

/// Every write of every provider, answered after it was applied with a code nobody documents
/// or with another order's data: exit 6, sent once, never resent. (Finpay's write answers name
/// no order, so "another order" cannot be told there: that write succeeds.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_answered_oddly_after_applying_is_an_unknown_outcome() {
    let env = env("odd").await;
    let c = Some(&env.config);
    let now = paygate::time::OffsetDateTime::now_utc();
    // (provider, command, path the write goes to, stage the order needs, extra args)
    let writes: [(Provider, &str, &str, Stage, &[&str]); 8] = [
        (
            Provider::Finpay,
            "refund",
            "/refund",
            Stage::Paid,
            &["--amount", "1000", "--yes"],
        ),
        (Provider::Finpay, "void", "/void", Stage::Paid, &[]),
        (Provider::Finpay, "cancel", "/cancel/", Stage::Pending, &[]),
        (
            Provider::Payway,
            "refund",
            "/refund",
            Stage::Paid,
            &["--amount", "1.00", "--yes"],
        ),
        (
            Provider::Payway,
            "capture",
            "pre-auth-completion",
            Stage::Authorized,
            &["--amount", "5.00"],
        ),
        (
            Provider::Payway,
            "void",
            "pre-auth-cancellation",
            Stage::Authorized,
            &[],
        ),
        (
            Provider::Payway,
            "cancel",
            "close-transaction",
            Stage::Pending,
            &[],
        ),
        (
            Provider::Payg,
            "refund",
            "/Refund",
            Stage::Paid,
            &["--amount", "1.00", "--yes"],
        ),
    ];
    let faults = [
        paygate_sandbox::Fault::UnrecognisedCode,
        paygate_sandbox::Fault::OtherOrder {
            order_id: "ZZOTHER1".into(),
        },
    ];
    let mut n = 0;
    for fault in faults {
        for (provider, command, path, stage, extra) in writes {
            n += 1;
            let id = format!("ODD{n}");
            let (amount, currency) = match provider {
                Provider::Finpay => (paygate::Decimal::from(100_000), "IDR"),
                Provider::Payway => (paygate::Decimal::from(10), "USD"),
                Provider::Payg => (paygate::Decimal::from(100), "INR"),
                other => panic!("no amounts for {other:?}: add them here"),
            };
            let mut order =
                SimOrder::new(provider, id.as_str(), id.as_str(), amount, currency, now);
            order.stage = stage;
            order.pre_auth = stage == Stage::Authorized;
            if stage == Stage::Paid {
                order.captured = amount;
            }
            order.transaction_id = 72_300_000 + n;
            order.payment_method = "Upi".into();
            env.sandbox.insert(order.clone()).unwrap();
            env.sandbox
                .arm(paygate_sandbox::FaultSpec::new(provider, fault.clone(), 1).on_path(path));
            let mut args = vec![command, provider.name(), id.as_str()];
            args.extend_from_slice(extra);
            let sent_before = env
                .sandbox
                .received()
                .iter()
                .filter(|r| r.provider == provider && r.path.contains(path))
                .count();
            let out = paygate(c, &args, None).await;
            env.sandbox.clear_faults();
            let sent = env
                .sandbox
                .received()
                .iter()
                .filter(|r| r.provider == provider && r.path.contains(path))
                .count()
                - sent_before;
            let what = format!("{fault:?} {args:?}: {}", text(&out.stderr));
            assert_eq!(sent, 1, "sent once: {what}");
            assert_ne!(
                env.sandbox.order(provider, &id),
                Some(order),
                "the sandbox applied it: {what}"
            );
            let finpay_other = provider == Provider::Finpay
                && matches!(fault, paygate_sandbox::Fault::OtherOrder { .. });
            if finpay_other {
                assert_eq!(out.status.code(), Some(0), "{what}");
            } else {
                assert_eq!(out.status.code(), Some(6), "{what}");
                assert!(text(&out.stderr).contains("NOT sent again"), "{what}");
            }
        }
    }
}

/// Creates a paid PayWay order of 10.00 USD through the CLI and the sandbox.
async fn paid_payway_order(env: &Env, id: &str) {
    let c = Some(&env.config);
    let created = paygate(
        c,
        &[
            "create",
            "payway",
            "--order-id",
            id,
            "--amount",
            "10.00",
            "--currency",
            "USD",
        ],
        None,
    )
    .await;
    assert!(created.status.success(), "{}", text(&created.stderr));
    env.sandbox.pay(Provider::Payway, id).unwrap();
}

fn refunds_at_sandbox(env: &Env, id: &str) -> usize {
    env.sandbox
        .order(Provider::Payway, id)
        .map_or(0, |o| o.refunds.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_refund_reference_twice_refunds_once() {
    let env = env("journal-twice").await;
    paid_payway_order(&env, "JT1").await;
    let args = [
        "refund",
        "payway",
        "JT1",
        "--amount",
        "1.00",
        "--reference",
        "R1",
        "--yes",
    ];
    let first = paygate(Some(&env.config), &args, None).await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    let second = paygate(Some(&env.config), &args, None).await;
    let stdout = text(&second.stdout);
    assert!(second.status.success(), "{stdout}{}", text(&second.stderr));
    assert!(stdout.contains("already done under key R1"), "{stdout}");
    assert!(stdout.contains("nothing was sent"), "{stdout}");
    assert_eq!(refunds_at_sandbox(&env, "JT1"), 1);
    // JSON says so too.
    let mut json_args = vec!["--json"];
    json_args.extend(args);
    let third = paygate(Some(&env.config), &json_args, None).await;
    let doc: serde_json::Value = serde_json::from_slice(&third.stdout).unwrap();
    assert_eq!(doc["sent"], false, "{doc}");
    assert_eq!(doc["journal"]["state"], "succeeded", "{doc}");
    // The same reference for another amount: refused, nothing sent.
    let other = paygate(
        Some(&env.config),
        &[
            "refund",
            "payway",
            "JT1",
            "--amount",
            "2.00",
            "--reference",
            "R1",
            "--yes",
        ],
        None,
    )
    .await;
    assert_eq!(other.status.code(), Some(3), "{}", text(&other.stderr));
    assert_eq!(refunds_at_sandbox(&env, "JT1"), 1);
    // Without the journal, the operator asked for it: a second send is a second refund.
    let unjournaled = [
        "--no-journal",
        "refund",
        "payway",
        "JT1",
        "--amount",
        "1.00",
        "--yes",
    ];
    assert!(
        paygate(Some(&env.config), &unjournaled, None)
            .await
            .status
            .success()
    );
    assert_eq!(refunds_at_sandbox(&env, "JT1"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_refund_answer_is_recovered_from_the_journal_and_never_retried() {
    let env = env("journal-lost").await;
    paid_payway_order(&env, "JL1").await;
    env.sandbox.arm(
        paygate_sandbox::FaultSpec::new(
            Provider::Payway,
            paygate_sandbox::Fault::ResetAfterApply,
            1,
        )
        .on_path("online-transaction/refund"),
    );
    let refund = paygate(
        Some(&env.config),
        &[
            "refund",
            "payway",
            "JL1",
            "--amount",
            "1.00",
            "--reference",
            "L1",
            "--yes",
        ],
        None,
    )
    .await;
    assert_eq!(refund.status.code(), Some(6), "{}", text(&refund.stderr));
    assert!(text(&refund.stderr).contains("paygate journal recover"));
    let listed = paygate(
        Some(&env.config),
        &["journal", "list", "--unresolved"],
        None,
    )
    .await;
    assert!(
        text(&listed.stdout).contains("L1"),
        "{}",
        text(&listed.stdout)
    );

    common::wait_out_lease().await;
    let recovered = paygate(Some(&env.config), &["journal", "recover"], None).await;
    let stdout = text(&recovered.stdout);
    assert!(
        recovered.status.success(),
        "{stdout}{}",
        text(&recovered.stderr)
    );
    assert!(stdout.contains("1 applied"), "{stdout}");
    assert_eq!(refunds_at_sandbox(&env, "JL1"), 1);
    let shown = paygate(
        Some(&env.config),
        &["--json", "journal", "show", "L1"],
        None,
    )
    .await;
    let doc: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(doc["entry"]["state"], "applied", "{doc}");

    let retried = paygate(
        Some(&env.config),
        &["journal", "retry", "L1", "--yes"],
        None,
    )
    .await;
    assert_eq!(retried.status.code(), Some(5), "{}", text(&retried.stderr));
    assert!(
        text(&retried.stderr).contains("applied"),
        "{}",
        text(&retried.stderr)
    );
    assert_eq!(refunds_at_sandbox(&env, "JL1"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_broken_gateway_stops_only_itself_and_config_check_names_it() {
    let env = env("degrade").await;
    let broken = "[gateways.payway-khr]\nprovider = \"payway\"\nenvironment = \"sandbox\"\nmerchant_id = \"m1\"\napi_key = \"env:PAYGATE_TEST_SURELY_UNSET_VARIABLE\"\n";
    let config = env.config.with_file_name("degraded.toml");
    std::fs::write(
        &config,
        format!(
            "{}\n{broken}",
            std::fs::read_to_string(&env.config).unwrap()
        ),
    )
    .unwrap();
    let c = Some(&config);
    let secrets = env.sandbox.credentials().secret_forms();
    // A command on a healthy gateway works.
    let out = paygate(c, &["status", "finpay", "NOSUCH1"], None).await;
    assert_ne!(out.status.code(), Some(4), "{}", text(&out.stderr));
    // The broken one is named when used.
    let out = paygate(c, &["status", "payway-khr", "A1"], None).await;
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out.stderr).contains("gateways.payway-khr.api_key"));
    // config check names each problem, and only problems; capabilities lists everyone.
    let out = paygate(c, &["config", "check"], None).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "payway-khr: cannot be built: configuration error at gateways.payway-khr.api_key"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("finpay (finpay): ok"), "{stdout}");
    assert!(
        stdout.contains("1 of 4 gateways cannot be built"),
        "{stdout}"
    );
    let out = paygate(c, &["--json", "capabilities"], None).await;
    assert_eq!(out.status.code(), Some(4));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["gateways"]["payway-khr"]["error"]["class"], "config");
    assert!(
        doc["gateways"]["payway"]["capabilities"].is_array(),
        "{doc}"
    );
    assert_eq!(doc["gateways"]["payway"]["error"], serde_json::Value::Null);
    for output in [&out.stdout, &out.stderr] {
        for secret in &secrets {
            assert!(!text(output).contains(secret.as_str()));
        }
    }
    // Table by table: a gateway table that does not even parse, a [journal] whose secret is
    // unset, an unknown section and a [retry] at odds with itself stop only what uses them,
    // and config check lists every one.
    let tables = env.config.with_file_name("tables.toml");
    std::fs::write(
        &tables,
        format!(
            "{}\n[journal]\nurl = \"env:PAYGATE_TEST_SURELY_UNSET_JOURNAL\"\n\n\
             [gateways.typo]\nprovider = \"finpay\"\nenvironment = \"sandboxx\"\n\n[extra]\nx = 1\n",
            env.sandbox.config_toml()
        ),
    )
    .unwrap();
    let t = Some(&tables);
    // A read needs no journal: it works.
    let out = paygate(t, &["status", "payway", "NOSUCH2"], None).await;
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    // A write journals: refused, naming the table, nothing sent.
    let out = paygate(
        t,
        &["refund", "payway", "NOSUCH2", "--amount", "1.00", "--yes"],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("journal.url"),
        "{}",
        text(&out.stderr)
    );
    // So is one that opts out of the journal: it cannot be checked for unresolved writes.
    let out = paygate(
        t,
        &[
            "refund",
            "payway",
            "NOSUCH2",
            "--amount",
            "1.00",
            "--yes",
            "--no-journal",
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    // The broken gateway, when used.
    let out = paygate(t, &["status", "typo", "A1"], None).await;
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out.stderr).contains("gateways.typo.environment"));
    let out = paygate(t, &["--json", "config", "check"], None).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stdout));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["gateways"]["typo"]["ok"], false);
    assert_eq!(doc["gateways"]["payway"]["ok"], true);
    let others: Vec<String> = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        others.iter().any(|m| m.contains("journal.url"))
            && others.iter().any(|m| m.contains("extra")),
        "{others:?}"
    );
    // Settings at odds with each other are refused by config check, not passed.
    let odd = env.config.with_file_name("odd.toml");
    std::fs::write(
        &odd,
        format!(
            "{}\n[retry]\nmax_retry_after_ms = 100000\nmax_elapsed_ms = 10\n",
            std::fs::read_to_string(&env.config).unwrap()
        ),
    )
    .unwrap();
    let out = paygate(Some(&odd), &["config", "check"], None).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("retry.max_retry_after_ms"));
    // The healthy configuration checks clean.
    let out = paygate(Some(&env.config), &["config", "check"], None).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // An empty configuration is a clear error, not an empty answer.
    let empty = env.config.with_file_name("empty.toml");
    std::fs::write(&empty, "# nothing yet\n").unwrap();
    let out = paygate(Some(&empty), &["capabilities"], None).await;
    assert_eq!(out.status.code(), Some(4));
    assert!(
        text(&out.stderr).contains("defines no gateway"),
        "{}",
        text(&out.stderr)
    );
}

/// The documented keys of each JSON document and object (docs/cli-json.md).
struct Shapes {
    documents: std::collections::BTreeMap<String, Vec<String>>,
    objects: std::collections::BTreeMap<String, Vec<String>>,
}

impl Shapes {
    fn documented() -> Shapes {
        let page = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli-json.md"),
        )
        .unwrap();
        let table = |heading: &str| {
            let section = page.split(heading).nth(1).unwrap();
            section
                .lines()
                .skip_while(|l| !l.starts_with("|---"))
                .skip(1)
                .take_while(|l| l.starts_with('|'))
                .map(|line| {
                    let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                    let keys = cells[2]
                        .split(',')
                        .map(|k| k.trim().trim_matches('`').to_owned())
                        .collect::<Vec<_>>();
                    (cells[1].trim_matches('`').to_owned(), keys)
                })
                .collect()
        };
        Shapes {
            documents: table("## Documents"),
            objects: table("## Objects"),
        }
    }

    fn keys(value: &serde_json::Value) -> Vec<String> {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    }

    fn same(&self, what: &str, value: &serde_json::Value, documented: &[String]) {
        let mut expected = documented.to_vec();
        expected.sort();
        assert_eq!(
            Self::keys(value),
            expected,
            "{what} is not as docs/cli-json.md says: {value}"
        );
    }

    /// Checks `doc`, and the objects in it, against the documented keys.
    fn check(&self, doc: &serde_json::Value) {
        let command = doc["command"].as_str().unwrap();
        let name = if doc.get("error").is_some() {
            "error (any command)"
        } else {
            command
        };
        self.same(command, doc, &self.documents[name]);
        for object in [
            "checkout", "payment", "refund", "event", "error", "entry", "qr",
        ] {
            if let Some(value) = doc.get(object).filter(|v| v.is_object()) {
                self.same(object, value, &self.objects[object]);
            }
        }
        for gateway in doc
            .get("gateways")
            .and_then(|g| g.as_object())
            .into_iter()
            .flat_map(|g| g.values())
        {
            let object = format!("{command}.gateways.<name>");
            self.same(&object, gateway, &self.objects[&object]);
        }
        for entry in doc
            .get("entries")
            .and_then(|e| e.as_array())
            .into_iter()
            .flatten()
        {
            self.same("entry", entry, &self.objects["entry"]);
        }
        for amount in ["amount", "refunded_amount", "total_refunded"] {
            for holder in ["payment", "refund"] {
                if let Some(value) = doc
                    .get(holder)
                    .and_then(|h| h.get(amount))
                    .filter(|v| !v.is_null())
                {
                    self.same("amount", value, &self.objects["amount"]);
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_shows_a_progress_bar_with_an_eta_only_on_a_terminal() {
    let env = env("progress").await;
    env.sandbox
        .seed(&paygate_sandbox::Seed {
            provider: Provider::Payway,
            prefix: "PB".into(),
            count: 40,
            amount: "10.00".into(),
            currency: "USD".into(),
            paid: true,
        })
        .unwrap();
    let input = env.config.with_file_name("progress.csv");
    let mut csv = String::from("order_id\n");
    for n in 0..40 {
        csv.push_str(&format!("PB{n:06}\n"));
    }
    std::fs::write(&input, csv).unwrap();
    let args = [
        "reconcile",
        "payway",
        "--input",
        input.to_str().unwrap(),
        "--rate",
        "40/s",
    ];
    // On a terminal, the rows going to a file: a bar with a percentage and an ETA (on the
    // terminal's one stream), the rows whole in the file.
    let rows = env.config.with_file_name("progress-rows.csv");
    let rows_arg = rows.to_str().unwrap().to_owned();
    let mut redirected = args.to_vec();
    redirected.extend([">", rows_arg.as_str()]);
    let out = in_terminal(&env.config, &redirected, "").await;
    let screen = text(&out.stdout);
    assert!(screen.contains("ETA") && screen.contains('%'), "{screen}");
    assert_eq!(std::fs::read_to_string(&rows).unwrap().lines().count(), 41);
    // The rows on the same terminal: no bar to tear them.
    let out = in_terminal(&env.config, &args, "").await;
    let screen = text(&out.stdout);
    assert!(!screen.contains("ETA"), "{screen}");
    assert!(screen.contains("PB000039,paid"), "{screen}");
    // In a pipe: rows and the summary only.
    let out = paygate(Some(&env.config), &args, None).await;
    assert!(!text(&out.stderr).contains("ETA"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("reconciled 40 orders of payway"));
}
