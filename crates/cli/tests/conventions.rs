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
