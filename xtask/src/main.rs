//! `cargo xtask <task>`:
//!
//! - `fixtures`: record every case against the embedded sandbox into `tests/fixtures/`;
//!   `fixtures --check` fails when the files and what the code records now disagree;
//!   `fixtures --lint` fails when a configured secret or key material appears in a fixture;
//!   `fixtures --live` records from the providers' real sandboxes into `tests/fixtures-live/`
//!   for every provider whose `PAYGATE_LIVE_*` credentials are set (never run in CI).
//! - `capabilities`: print the capability matrix; `capabilities --check` fails when README.md's
//!   copy differs.

// A command-line tool: printing is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use paygate::Capability;
use paygate::sandbox::{Credentials, Provider, gateway_toml};
use paygate_tests::fixtures;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn fail(lines: &[String]) -> ExitCode {
    for line in lines {
        eprintln!("{line}");
    }
    ExitCode::FAILURE
}

async fn fixtures_task(mode: Option<&str>) -> ExitCode {
    let dir = root().join("tests/fixtures");
    match mode {
        Some("--lint") => {
            let problems = fixtures::lint(&dir);
            if problems.is_empty() {
                println!("fixtures lint: no secret in {}", dir.display());
                ExitCode::SUCCESS
            } else {
                fail(&problems)
            }
        }
        Some("--live") => {
            let live_dir = root().join("tests/fixtures-live");
            match fixtures::record_live().await {
                Ok((recorded, skipped)) => {
                    for provider in skipped {
                        println!(
                            "{provider}: skipped (its PAYGATE_LIVE_* variables are not all set)"
                        );
                    }
                    if let Err(e) = fixtures::write(&live_dir, &recorded) {
                        return fail(&[format!("writing live fixtures failed: {e}")]);
                    }
                    println!(
                        "recorded {} live fixtures into {}",
                        recorded.len(),
                        live_dir.display()
                    );
                    let problems = fixtures::lint(&live_dir);
                    if problems.is_empty() {
                        ExitCode::SUCCESS
                    } else {
                        fail(&problems)
                    }
                }
                Err(e) => fail(&[format!("live recording failed: {e}")]),
            }
        }
        Some("--check") | None => {
            let recorded = match fixtures::record_all().await {
                Ok(f) => f,
                Err(e) => return fail(&[format!("recording failed: {e}")]),
            };
            if mode == Some("--check") {
                let problems = fixtures::compare(&dir, &recorded);
                if problems.is_empty() {
                    println!(
                        "fixtures check: {} fixtures agree with the code",
                        recorded.len()
                    );
                    ExitCode::SUCCESS
                } else {
                    let mut lines = problems;
                    lines.push(
                        "run `cargo xtask fixtures` to re-record, and review the diff".into(),
                    );
                    fail(&lines)
                }
            } else {
                let _ = std::fs::remove_dir_all(&dir);
                match fixtures::write(&dir, &recorded) {
                    Ok(()) => {
                        println!(
                            "recorded {} fixtures into {}",
                            recorded.len(),
                            dir.display()
                        );
                        ExitCode::SUCCESS
                    }
                    Err(e) => fail(&[format!("writing fixtures failed: {e}")]),
                }
            }
        }
        Some(other) => fail(&[format!(
            "unknown option {other}; use --check, --lint or --live"
        )]),
    }
}

/// The capability matrix as a Markdown table.
fn capability_matrix() -> Result<String, paygate::Error> {
    let mut toml = String::new();
    for provider in [Provider::Finpay, Provider::Payway, Provider::Payg] {
        toml.push_str(&gateway_toml(
            provider,
            "http://127.0.0.1:1",
            &Credentials::default(),
        ));
    }
    let registry = paygate::GatewayRegistry::from_toml_str(&toml)?;
    let names = ["finpay", "payway", "payg"];
    let mut table = format!(
        "| capability | {} |\n|---|{}\n",
        names.join(" | "),
        "---|".repeat(names.len())
    );
    for capability in Capability::ALL {
        let mut row = format!("| {capability} |");
        for name in names {
            let gateway = registry.gateway(name)?;
            row.push_str(if gateway.capabilities().contains(capability) {
                " yes |"
            } else {
                " — |"
            });
        }
        table.push_str(&row);
        table.push('\n');
    }
    Ok(table)
}

const START: &str = "<!-- capabilities:start -->\n";
const END: &str = "<!-- capabilities:end -->";

fn capabilities_task(mode: Option<&str>) -> ExitCode {
    let table = match capability_matrix() {
        Ok(t) => t,
        Err(e) => return fail(&[format!("cannot build the registry: {e}")]),
    };
    match mode {
        None => {
            print!("{table}");
            ExitCode::SUCCESS
        }
        Some("--check") => {
            let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
            let copy = readme
                .split_once(START)
                .and_then(|(_, rest)| rest.split_once(END))
                .map(|(inside, _)| inside);
            if copy == Some(table.as_str()) {
                println!("capabilities check: README.md's matrix is current");
                ExitCode::SUCCESS
            } else {
                fail(&[
                    "README.md's capability matrix (between the capabilities markers) is not current; it should be:".into(),
                    table,
                ])
            }
        }
        Some(other) => fail(&[format!("unknown option {other}; use --check")]),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.get(1).map(String::as_str);
    match args.first().map(String::as_str) {
        Some("fixtures") => fixtures_task(mode).await,
        Some("capabilities") => capabilities_task(mode),
        _ => {
            fail(&["usage: cargo xtask fixtures [--check|--lint] | capabilities [--check]".into()])
        }
    }
}
