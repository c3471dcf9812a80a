//! `paygate reconcile` as its users meet it: every flag honoured, bad input reported as input
//! (line, field, cause; never a mismatch), the header found shown, Ctrl-C leaving a summary
//! and whole output, and `--resume`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use paygate_sandbox::{Provider, Seed};

async fn paid_orders(env: &Env, prefix: &str, count: u32) {
    env.sandbox
        .seed(&Seed {
            provider: Provider::Payway,
            prefix: prefix.into(),
            count,
            amount: "10.00".into(),
            currency: "USD".into(),
            paid: true,
        })
        .unwrap();
}

fn write(env: &Env, name: &str, bytes: &[u8]) -> String {
    let path = env.config.with_file_name(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_input_and_json_is_honoured() {
    let env = env("reconcile-input").await;
    paid_orders(&env, "RI", 8).await;
    let c = Some(&env.config);
    let mut input = b"order_id,expected_amount,expected_status\n".to_vec();
    input.extend_from_slice(b"RI000000,10,paid\n"); // line 2: as expected
    input.extend_from_slice(b"RI00\xff001,10,paid\n"); // line 3: not UTF-8
    input.extend_from_slice(b"RI000002,10,paid,extra\n"); // line 4: an extra field
    input.extend_from_slice(b"RI000003,-1,paid\n"); // line 5
    input.extend_from_slice(b"RI000004,10.505,paid\n"); // line 6: more decimals than USD
    input.extend_from_slice(b"RI000005,1e3,paid\n"); // line 7
    input.extend_from_slice(b"RI000006,abc,paid\n"); // line 8
    input.extend_from_slice(b"RI000007,10,bogus\n"); // line 9
    input.extend_from_slice(b"RI000001,9.99,paid\n"); // line 10: a real mismatch
    // The same input as Excel writes it (CRLF) names the same lines.
    let crlf: Vec<u8> = input
        .split(|b| *b == b'\n')
        .collect::<Vec<_>>()
        .join(&b"\r\n"[..]);
    for (name, input) in [("input.csv", input.clone()), ("input-crlf.csv", crlf)] {
        let file = write(&env, name, &input);
        // The global --json is honoured.
        let out = paygate(
            c,
            &[
                "--json",
                "reconcile",
                "payway",
                "--input",
                &file,
                "--rate",
                "1000/s",
            ],
            None,
        )
        .await;
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rows = doc["rows"].as_array().unwrap();
        let by_line = |line: u64| {
            rows.iter()
                .find(|r| r["line"] == line)
                .unwrap_or_else(|| panic!("{name} line {line}: {doc}"))
        };
        assert_eq!(by_line(2)["mismatch"], false);
        assert_eq!(by_line(2)["error"], serde_json::Value::Null);
        assert_eq!(
            by_line(2)["amount"],
            serde_json::json!({"amount": "10.00", "currency": "USD"})
        );
        // The expectation as written, in the payment's currency; an unreadable row has no
        // order id: null, never empty.
        assert_eq!(
            by_line(2)["expected_amount"],
            serde_json::json!({"amount": "10", "currency": "USD"})
        );
        assert_eq!(by_line(3)["order_id"], serde_json::Value::Null, "{name}");
        for (line, field, cause) in [
            (3, "input", "utf-8"),
            (4, "input", "fields"),
            (5, "expected_amount", "\"-1\""),
            (6, "expected_amount", "more decimals than USD"),
            (7, "expected_amount", "\"1e3\""),
            (8, "expected_amount", "\"abc\""),
            (9, "expected_status", "\"bogus\""),
        ] {
            let row = by_line(line);
            assert_eq!(row["mismatch"], false, "line {line}: {row}");
            assert_eq!(row["error"]["class"], "invalid-input", "line {line}: {row}");
            let message = row["error"]["message"].as_str().unwrap().to_lowercase();
            assert!(
                message.contains(&format!("line {line}")),
                "{name}: {message}"
            );
            assert!(
                message.contains(field) && message.contains(&cause.to_lowercase()),
                "line {line}: {message}"
            );
        }
        assert_eq!(by_line(10)["mismatch"], true);
        assert_eq!(by_line(10)["status"], "paid");
        let summary = &doc["summary"];
        assert_eq!(summary["rows"], 9);
        assert_eq!(summary["as_expected"], 1);
        assert_eq!(summary["mismatched"], 1);
        assert_eq!(summary["failed"], 7);
        assert_eq!(summary["errors"]["invalid-input"], 7);
        assert_eq!(summary["interrupted"], false);
        let stderr = text(&out.stderr);
        assert!(
        stderr.contains(
            "reconciled 9 orders of payway: 1 as expected, 1 mismatched, 7 failed (7 invalid-input)"
        ),
        "{stderr}"
    );
    }

    // One order: singular.
    let one = write(&env, "one.csv", b"order_id\nRI000000\n");
    let out = paygate(c, &["reconcile", "payway", "--input", &one], None).await;
    assert!(
        text(&out.stderr).contains("reconciled 1 order of payway"),
        "{}",
        text(&out.stderr)
    );

    // Headers: an empty file and a ';'-separated one say what they found.
    let empty = write(&env, "empty.csv", b"");
    let out = paygate(c, &["reconcile", "payway", "--input", &empty], None).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("is empty: no header row"),
        "{}",
        text(&out.stderr)
    );
    let semicolons = write(&env, "semi.csv", b"order_id;expected_amount\nRI000000;10\n");
    let out = paygate(c, &["reconcile", "payway", "--input", &semicolons], None).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("found \"order_id;expected_amount\""),
        "{}",
        text(&out.stderr)
    );
}

/// `--resume out.csv > out.csv` is refused, said plainly, rather than read as an empty file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_refuses_the_file_it_writes() {
    let env = env("reconcile-resume-self").await;
    let file = write(&env, "orders.csv", b"order_id\nRS1\n");
    let same = write(&env, "out.csv", b"");
    let stdout = std::fs::OpenOptions::new()
        .append(true)
        .open(&same)
        .unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("paygate"))
        .args([
            "--config",
            env.config.to_str().unwrap(),
            "reconcile",
            "payway",
            "--input",
            &file,
            "--resume",
            &same,
        ])
        .env("XDG_DATA_HOME", data_home(Some(&env.config)))
        .stdout(stdout)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("is also this run's standard output"),
        "{}",
        text(&out.stderr)
    );
}

/// Ctrl-C stops starting checks at once: those queued behind the rate limit (here 1 a
/// second, 8 at a time) never reach the provider.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_starts_no_check_queued_behind_the_rate_limit() {
    let env = env("reconcile-sigint-queue").await;
    paid_orders(&env, "RQ", 40).await;
    let mut input = String::from("order_id\n");
    for n in 0..40 {
        input.push_str(&format!("RQ{n:06}\n"));
    }
    let file = write(&env, "orders.csv", input.as_bytes());
    let reads = || {
        env.sandbox
            .received()
            .iter()
            .filter(|r| r.path.contains("check-transaction"))
            .count()
    };
    let before = reads();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("paygate"))
        .args([
            "--config",
            env.config.to_str().unwrap(),
            "--json",
            "reconcile",
            "payway",
            "--input",
            &file,
            "--rate",
            "1/s",
            "--concurrency",
            "8",
        ])
        .env("XDG_DATA_HOME", data_home(Some(&env.config)))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let at_interrupt = reads() - before;
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    // Let anything the exit left in flight land before counting.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let at_exit = reads() - before;
    assert!(
        (1..=4).contains(&at_interrupt) && at_exit <= at_interrupt + 1,
        "{at_interrupt} reads at Ctrl-C, {at_exit} by the exit"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["summary"]["rows"],
        doc["rows"].as_array().unwrap().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_leaves_a_summary_and_whole_output_and_resume_skips_what_was_checked() {
    let env = env("reconcile-sigint").await;
    paid_orders(&env, "RS", 400).await;
    let mut input = String::from("order_id,expected_amount\n");
    for n in 0..400 {
        input.push_str(&format!("RS{n:06},10\n"));
    }
    let file = write(&env, "orders.csv", input.as_bytes());
    let binary = assert_cmd::cargo::cargo_bin("paygate");
    let config = env.config.clone();
    let data = data_home(Some(&config));
    // 20 checks a second: 400 take 20 s; interrupted after about 1 s.
    let child = std::process::Command::new(&binary)
        .args([
            "--config",
            config.to_str().unwrap(),
            "--json",
            "reconcile",
            "payway",
            "--input",
            &file,
            "--rate",
            "20/s",
        ])
        .env("XDG_DATA_HOME", data)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let out = tokio::task::spawn_blocking(move || {
        std::thread::sleep(std::time::Duration::from_millis(1200));
        let killed = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("the output is not whole JSON ({e}): {}", text(&out.stdout)));
    let checked = doc["rows"].as_array().unwrap().len();
    assert!((1..400).contains(&checked), "{checked} rows");
    assert_eq!(doc["summary"]["interrupted"], true);
    assert_eq!(doc["summary"]["rows"], checked);
    assert!(
        text(&out.stderr).starts_with("interrupted: reconciled"),
        "{}",
        text(&out.stderr)
    );

    // Resume from that output: what it checked is skipped, the rest is checked.
    let previous = write(&env, "previous.json", &out.stdout);
    let out = paygate(
        Some(&env.config),
        &[
            "--json",
            "reconcile",
            "payway",
            "--input",
            &file,
            "--resume",
            &previous,
            "--rate",
            "100000/s",
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["rows"].as_array().unwrap().len(), 400 - checked);
    assert_eq!(doc["summary"]["skipped"], checked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settlement_finds_each_kind_of_discrepancy_in_text_and_json() {
    let env = env("settle").await;
    paid_orders(&env, "ST", 7).await;
    // A partial refund at the provider that the ledger below does not record.
    let out = paygate(
        Some(&env.config),
        &["refund", "payway", "ST000006", "--amount", "1.00", "--yes"],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ledger = write(
        &env,
        "ledger.csv",
        b"order_id,amount,currency,status,refunded\n\
          ST000000,10.00,USD,paid,\n\
          ST000001,9.00,USD,paid,\n\
          ST000002,10,KHR,paid,\n\
          ST000003,10.00,USD,refunded,\n\
          ST000004,10.00,USD,paid,1.00\n\
          LEDGERONLY1,5.00,USD,paid,\n\
          ,abc,USD,paid,\n\
          ST000006,10.00,USD,,\n",
    );
    let now = paygate::time::OffsetDateTime::now_utc();
    let hour = paygate::time::Duration::hours(1);
    let rfc = |t: paygate::time::OffsetDateTime| {
        t.format(&paygate::time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let (from, to) = (rfc(now - hour), rfc(now + hour));
    let args = |json: bool| {
        let mut all = vec![];
        if json {
            all.push("--json".to_owned());
        }
        all.extend(
            [
                "reconcile",
                "payway",
                "--ledger",
                &ledger,
                "--from",
                &from,
                "--to",
                &to,
            ]
            .map(str::to_owned),
        );
        all
    };
    let expected = [
        ("ST000000", "match"),
        ("ST000001", "amount_mismatch"),
        ("ST000002", "currency_mismatch"),
        ("ST000003", "status_mismatch"),
        ("ST000004", "refund_mismatch"),
        ("ST000005", "missing_from_ledger"),
        ("LEDGERONLY1", "not_at_provider"),
        ("", "invalid_ledger_row"),
        ("ST000006", "refund_mismatch"),
    ];
    // Text: CSV rows.
    let a = args(false);
    let out = paygate(
        Some(&env.config),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let mut reader = ::csv::Reader::from_reader(stdout.as_bytes());
    let rows: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[1].to_owned(), r[0].to_owned())
        })
        .collect();
    for (order, finding) in expected {
        assert!(
            rows.iter().any(|(o, f)| o == order && f == finding),
            "{order} {finding} missing: {stdout}"
        );
    }
    assert_eq!(rows.len(), expected.len(), "{stdout}");
    assert!(
        text(&out.stderr).contains("settlement of payway"),
        "{}",
        text(&out.stderr)
    );
    // JSON: the same findings, amounts as objects, a summary.
    let a = args(true);
    let out = paygate(
        Some(&env.config),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["listed_by_provider"], true);
    assert_eq!(doc["rows"].as_array().unwrap().len(), expected.len());
    let amount_row = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["order_id"] == "ST000001")
        .unwrap();
    assert_eq!(
        amount_row["provider_amount"],
        serde_json::json!({"amount": "10.00", "currency": "USD"})
    );
    assert_eq!(
        amount_row["ledger_amount"],
        serde_json::json!({"amount": "9.00", "currency": "USD"})
    );
    let counted = |finding: &str| expected.iter().filter(|(_, f)| *f == finding).count();
    for (_, finding) in expected {
        assert_eq!(
            doc["summary"][finding],
            counted(finding),
            "{finding}: {}",
            doc["summary"]
        );
    }
    assert_eq!(doc["interrupted"], false);
    assert_eq!(doc["error"], serde_json::Value::Null);
    let row_of = |order: &str| {
        doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["order_id"] == order)
            .unwrap_or_else(|| panic!("{order}: {doc}"))
            .clone()
    };
    // The unified status and the provider's own word, as in per-order reconcile.
    assert_eq!(row_of("ST000000")["status"], "paid");
    assert_eq!(row_of("ST000000")["provider_status"], "APPROVED");
    // A refund only the provider knows of, with both sides' figures.
    let refunded = row_of("ST000006");
    assert_eq!(refunded["finding"], "refund_mismatch");
    assert_eq!(
        refunded["provider_refunded"],
        serde_json::json!({"amount": "1.00", "currency": "USD"})
    );
    assert_eq!(refunded["ledger_refunded"], serde_json::Value::Null);
    // An unusable ledger row keeps its line; its order id is null, never empty.
    let invalid = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["finding"] == "invalid_ledger_row")
        .unwrap();
    assert_eq!(invalid["ledger_line"], 8, "{invalid}");
    assert_eq!(invalid["order_id"], serde_json::Value::Null, "{invalid}");
    // The text summary is words, not a JSON object.
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("1 match, ") && !stderr.contains('{'),
        "{stderr}"
    );
    // A negative offset, written as a separate argument.
    let mut west = args(true);
    west.extend(["--utc-offset".to_owned(), "-08:00".to_owned()]);
    let out = paygate(
        Some(&env.config),
        &west.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // The provider failing mid-listing: still one JSON document, the error in it.
    env.sandbox.arm(
        paygate_sandbox::FaultSpec::new(
            Provider::Payway,
            paygate_sandbox::Fault::Status { status: 500 },
            100,
        )
        .on_path("transaction-list-2"),
    );
    let a = args(true);
    let out = paygate(
        Some(&env.config),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    )
    .await;
    env.sandbox.clear_faults();
    assert_ne!(out.status.code(), Some(0));
    assert_ne!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}): {}", text(&out.stdout)));
    assert_eq!(doc["listed_by_provider"], false);
    assert!(doc["error"]["class"].is_string(), "{doc}");

    // A provider without a payment list: said, and each ledger order read instead.
    env.sandbox
        .seed(&Seed {
            provider: Provider::Finpay,
            prefix: "SF".into(),
            count: 2,
            amount: "150000".into(),
            currency: "IDR".into(),
            paid: true,
        })
        .unwrap();
    let ledger = write(
        &env,
        "finpay-ledger.csv",
        b"order_id,amount,currency\nSF000000,150000,IDR\nSF000001,100000,IDR\nSFNONE,5000,IDR\n",
    );
    let out = paygate(
        Some(&env.config),
        &[
            "--json",
            "reconcile",
            "finpay",
            "--ledger",
            &ledger,
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("finpay lists no payments: each ledger order is read instead")
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["listed_by_provider"], false);
    assert_eq!(doc["summary"]["match"], 1);
    assert_eq!(doc["summary"]["amount_mismatch"], 1);
    assert_eq!(doc["summary"]["not_at_provider"], 1);
}
