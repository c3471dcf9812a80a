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

    // One page with every subcommand (their options included) and the exit status.
    let out = paygate(None, &["man"], None).await;
    assert!(out.status.success());
    let page = text(&out.stdout);
    assert!(page.contains(".TH paygate 1"), "{page}");
    for part in [
        ".SH \"PAYGATE RECONCILE\"",
        ".SH \"PAYGATE JOURNAL RESOLVE\"",
        "\\-\\-ledger",
        "\\-\\-resume",
        ".SH \"EXIT STATUS\"",
    ] {
        assert!(page.contains(part), "the manual lacks {part}");
    }
    // One page per command: every page the top page points to exists.
    let dir = temp("man-pages");
    let _ = std::fs::remove_dir_all(&dir);
    let out = paygate(None, &["man", "--dir", dir.to_str().unwrap()], None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let top = std::fs::read_to_string(dir.join("paygate.1")).unwrap();
    for referenced in top
        .split("paygate\\-")
        .skip(1)
        .filter_map(|rest| rest.split("(1)").next())
        .filter(|name| !name.contains(char::is_whitespace) && name.len() < 40)
    {
        let file = dir.join(format!("paygate-{}.1", referenced.replace("\\-", "-")));
        assert!(
            file.exists(),
            "{} is referenced, not written",
            file.display()
        );
    }
    let reconcile = std::fs::read_to_string(dir.join("paygate-reconcile.1")).unwrap();
    assert!(reconcile.contains("\\-\\-ledger") && reconcile.contains("EXIT STATUS"));

    // The exit codes: --help's footer, the manual, docs/cli-json.md and the README agree.
    let help = text(&paygate(None, &["--help"], None).await.stdout);
    let footer: Vec<(String, String)> = help
        .split("Exit status:")
        .nth(1)
        .unwrap_or_else(|| panic!("no exit status in --help: {help}"))
        .lines()
        .filter_map(|line| {
            let (code, meaning) = line.trim().split_once("  ")?;
            Some((code.trim().to_owned(), meaning.trim().to_owned()))
        })
        .collect();
    assert!(footer.len() >= 15, "{footer:?}");
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli-json.md"),
    )
    .unwrap();
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .unwrap();
    for (code, meaning) in &footer {
        assert!(
            docs.contains(&format!("| {code} | {meaning} |")),
            "docs/cli-json.md lacks exit {code}: {meaning}"
        );
        assert!(
            readme.contains(&format!("{code} {meaning}")),
            "README lacks exit {code}: {meaning}"
        );
        assert!(
            page.contains(&format!(".TP\n{code}\n")),
            "the manual lacks exit {code}"
        );
    }

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

/// The configuration is found at `--config`, `$PAYGATE_CONFIG`, `./paygate.toml`, then
/// `$XDG_CONFIG_HOME/paygate/config.toml`, in that order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configuration_is_looked_up_in_order() {
    let env = env("lookup").await;
    let here = temp("lookup-cwd");
    let xdg = temp("lookup-xdg");
    std::fs::create_dir_all(xdg.join("paygate")).unwrap();
    std::fs::copy(&env.config, xdg.join("paygate/config.toml")).unwrap();
    let data = data_home(Some(&env.config));
    let run = move |extra: Vec<(&'static str, String)>, args: Vec<&'static str>| {
        let (here, xdg, data) = (here.clone(), xdg.clone(), data.clone());
        tokio::task::spawn_blocking(move || {
            let mut cmd = assert_cmd::Command::cargo_bin("paygate").unwrap();
            cmd.current_dir(&here)
                .env_remove("PAYGATE_CONFIG")
                .env_remove("PAYGATE_JOURNAL")
                .env("XDG_CONFIG_HOME", &xdg)
                .env("XDG_DATA_HOME", &data);
            for (name, value) in extra {
                cmd.env(name, value);
            }
            cmd.args(&args).write_stdin("").output().unwrap()
        })
    };
    // Nothing here: the user's configuration serves (the sandbox answers: no such order).
    let out = run(vec![], vec!["status", "payway", "LOOKUP1"])
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    // ./paygate.toml comes first: a broken one here is what is read.
    std::fs::write(
        temp("lookup-cwd").join("paygate.toml"),
        "[gateways.payway]\n",
    )
    .unwrap();
    let out = run(vec![], vec!["status", "payway", "LOOKUP1"])
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    // $PAYGATE_CONFIG before both.
    let config = env.config.display().to_string();
    let out = run(
        vec![("PAYGATE_CONFIG", config)],
        vec!["status", "payway", "LOOKUP1"],
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
}

/// `paygate … | head -1`: the reader goes away early; the command stops quietly with 141,
/// never with a panic's message and backtrace.
#[test]
fn a_closed_pipe_stops_the_command_quietly() {
    use std::io::Read;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("paygate"))
        .args(["completions", "bash"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The reader is gone (its end of the pipe dropped above) while far more is to come.
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(141), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
}
