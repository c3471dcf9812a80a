//! What the CLI tests share: a sandbox and its configuration file, and the built `paygate`
//! run off the async runtime.

#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;
use paygate_sandbox::Sandbox;

pub fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("paygate-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `paygate` with `args` (and `stdin`) off the async runtime, so the sandbox keeps serving.
pub async fn paygate(config: Option<&PathBuf>, args: &[&str], stdin: Option<&str>) -> Output {
    let config = config.cloned();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let stdin = stdin.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::cargo_bin("paygate").unwrap();
        cmd.env_remove("PAYGATE_CONFIG")
            .env_remove("PAYGATE_JOURNAL");
        // Each test's journal lives beside its configuration, never in the user's home.
        cmd.env("XDG_DATA_HOME", data_home(config.as_deref()));
        if let Some(config) = config {
            cmd.arg("--config").arg(config);
        }
        cmd.args(&args);
        match stdin {
            Some(s) => cmd.write_stdin(s),
            None => cmd.write_stdin(""),
        };
        cmd.output().unwrap()
    })
    .await
    .unwrap()
}

/// The data directory (and so the default journal) of the test whose configuration is
/// `config`.
pub fn data_home(config: Option<&std::path::Path>) -> PathBuf {
    match config.and_then(std::path::Path::parent) {
        Some(dir) => dir.join("data"),
        None => temp("no-config").join("data"),
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A command's standard output as the JSON document it must be (`--json`).
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)))
}

pub struct Env {
    pub sandbox: Sandbox,
    pub config: PathBuf,
}

pub async fn env(tag: &str) -> Env {
    let sandbox = Sandbox::start().await.unwrap();
    let config = temp(tag).join("paygate.toml");
    std::fs::write(
        &config,
        format!("{}{}", sandbox.config_toml(), journal_table(&config)),
    )
    .unwrap();
    Env { sandbox, config }
}

/// The `[journal]` of the test whose configuration is `config`: the default journal's file
/// (see `data_home`), with leases of 2 s (the sandbox answers in milliseconds) that a test
/// can wait out (`wait_out_lease`).
pub fn journal_table(config: &std::path::Path) -> String {
    format!(
        "\n[journal]\nurl = \"sqlite://{}\"\ndeadline_ms = 1500\nlease_margin_ms = 500\n",
        data_home(Some(config))
            .join("paygate")
            .join("journal.db")
            .display()
    )
}

/// Waits until a lease taken now (see `journal_table`) has run out.
pub async fn wait_out_lease() {
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
}
