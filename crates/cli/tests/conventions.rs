//! The conventions of a daily tool: shell completions and a manual page generated from the
//! same definitions as `--help`, and examples in every command's help.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_man_page_and_examples() {
    for shell in ["bash", "zsh", "fish"] {
        let out = paygate(None, &["completions", shell], None).await;
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        // Every command completes.
        for command in ["reconcile", "refund", "journal", "config", "capabilities"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
    let out = paygate(None, &["completions", "tcsh"], None).await;
    assert_eq!(out.status.code(), Some(2));

    let out = paygate(None, &["man"], None).await;
    assert!(out.status.success());
    let page = text(&out.stdout);
    assert!(page.contains(".TH paygate 1"), "{page}");
    assert!(page.contains("reconcile"), "{page}");

    for command in [
        "demo",
        "status",
        "refund",
        "refund-status",
        "void",
        "cancel",
        "capture",
        "create",
        "webhook",
        "capabilities",
        "config",
        "reconcile",
        "sandbox",
        "journal",
        "completions",
        "man",
    ] {
        let out = paygate(None, &[command, "--help"], None).await;
        assert!(out.status.success(), "{command}");
        let help = text(&out.stdout);
        assert!(
            help.contains("Example"),
            "{command} --help has no example:\n{help}"
        );
        assert!(help.contains("paygate "), "{command}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_logs_go_to_stderr_as_text_or_json_and_never_hold_a_secret() {
    let env = env("verbose").await;
    let secrets = env.sandbox.credentials().secret_forms();
    let c = Some(&env.config);
    // Quiet by default.
    let out = paygate(c, &["status", "payway", "LOG1"], None).await;
    assert!(
        !text(&out.stderr).contains("paygate.request"),
        "{}",
        text(&out.stderr)
    );
    // -v: one line per request and one per operation, each with its duration; nothing of
    // the dependencies (hyper's pool, say).
    let out = paygate(c, &["-v", "status", "payway", "LOG1"], None).await;
    let stderr = text(&out.stderr);
    let request = stderr
        .lines()
        .find(|l| l.contains("request done") || l.contains("request failed"))
        .unwrap_or_else(|| panic!("no request line: {stderr}"));
    assert!(
        request.contains("elapsed_ms=")
            && request.contains("/api/payment-gateway/v1/payments/check-transaction-2"),
        "{request}"
    );
    let operation = stderr
        .lines()
        .find(|l| l.contains("operation ended"))
        .unwrap_or_else(|| panic!("no operation line: {stderr}"));
    assert!(
        operation.contains("elapsed_ms=") && operation.contains("outcome="),
        "{operation}"
    );
    assert!(
        !stderr.contains("answer received"),
        "attempts are -vv's: {stderr}"
    );
    assert!(
        stderr
            .lines()
            .all(|l| !l.contains("hyper") && !l.contains("reqwest")),
        "{stderr}"
    );
    // -vv: the request span and each attempt, on stderr.
    let out = paygate(c, &["-vv", "status", "payway", "LOG1"], None).await;
    let stderr = text(&out.stderr);
    assert!(stderr.contains("paygate.request"), "{stderr}");
    assert!(stderr.contains("answer received"), "{stderr}");
    assert!(stderr.contains("operation=\"payment-status\""), "{stderr}");
    // JSON lines.
    let out = paygate(
        c,
        &["-vvv", "--log-format", "json", "status", "payway", "LOG1"],
        None,
    )
    .await;
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with('{')).collect();
    assert!(!lines.is_empty(), "{stderr}");
    for line in &lines {
        let event = serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("{e}: {line}"));
        // Even at -vvv, paygate's own events only (dependencies need RUST_LOG).
        let target = event["target"].as_str().unwrap_or_default();
        assert!(target.starts_with("paygate"), "{line}");
    }
    // The most verbose level, in both formats, holds no secret.
    for output in [&stderr, &text(&out.stdout)] {
        for secret in &secrets {
            assert!(!output.contains(secret.as_str()), "a secret in the log");
        }
    }
}
