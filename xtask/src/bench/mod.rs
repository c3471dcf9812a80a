//! `cargo xtask bench [--quick] [load] [scaling] [build]`: the load harness.
//!
//! - load: N status checks per provider at concurrency 1 and 64, (a) through the registry's
//!   `dyn PaymentGateway` and (b) with a hand-written `reqwest` loop sending the same
//!   requests, built beforehand by the same builders (signatures precomputed) and sent with
//!   the same `User-Agent`, reading each answer's bytes (raw) or also parsing them into a
//!   `serde_json::Value` (raw+JSON); throughput, p50/p99 and the ratios SDK/raw and
//!   SDK/(raw+JSON) (medians over rounds, each round starting with another loop). Then `wrk`
//!   against the same endpoint, when it is installed: the server's ceiling.
//! - scaling: `paygate reconcile` over 1 000, 10 000 and 100 000 orders: wall time and peak
//!   RSS (GNU time's maximum resident set, else the peak read from /proc while it runs).
//! - build: clean release builds of an app on the facade with one provider vs all three:
//!   time, binary size and crates compiled (several minutes; not with --quick).
//!
//! The sandbox runs as its own process (`paygate sandbox`, release build); with `taskset`
//! and two or more CPUs it is pinned to CPU 1 and this harness (the client) to CPU 0. The
//! harness reports; it fails only when a request fails or a result is wrong, never on timings.

use std::future::Future;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use paygate::sandbox::Provider;
use paygate::transport::USER_AGENT;
use paygate::{GatewayConfig, GatewayRegistry, OrderId, PaymentStatus, RegistryConfig};

use crate::{fail, root};

/// Set for the release harness by `cargo xtask bench`: `pinned` or `unpinned`.
const CHILD_ENV: &str = "PAYGATE_BENCH_CHILD";

mod build_cost;
mod journal;
mod load;
mod process;
mod scaling;

use build_cost::build_cost;
use journal::journal;
use load::load;
use process::*;
use scaling::{scaling, settlement};

/// Sizes of one run.
#[derive(Debug, Clone, Copy)]
struct Plan {
    quick: bool,
    /// Status checks per cell at concurrency 1 and at 64.
    checks: [usize; 2],
    rounds: usize,
    reconcile: &'static [usize],
    /// Provider transactions listed in the settlement cell.
    settlement: &'static [usize],
    wrk_seconds: u32,
    /// Refunds per journal (and without one) in the journal's latency cell.
    journal_refunds: usize,
    /// Unknown entries recovery settles.
    recovery_entries: usize,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                quick,
                checks: [300, 2_000],
                rounds: 1,
                reconcile: &[1_000, 10_000],
                settlement: &[1_000, 5_000],
                wrk_seconds: 0,
                journal_refunds: 200,
                recovery_entries: 500,
            }
        } else {
            Plan {
                quick,
                checks: [5_000, 40_000],
                rounds: 3,
                reconcile: &[1_000, 10_000, 100_000, 1_000_000],
                settlement: &[10_000, 100_000],
                wrk_seconds: 5,
                journal_refunds: 2_000,
                recovery_entries: 10_000,
            }
        }
    }
}

/// True in the release harness process that `cargo xtask bench` starts.
pub(crate) fn is_harness() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// What to run: `--quick` and the named parts (all when none is named; no build with --quick).
struct Parts {
    quick: bool,
    named: Vec<String>,
}

impl Parts {
    fn parse(args: &[String]) -> Parts {
        Parts {
            quick: args.iter().any(|a| a == "--quick"),
            named: args
                .iter()
                .filter(|a| !a.starts_with("--"))
                .cloned()
                .collect(),
        }
    }

    fn wants(&self, part: &str) -> bool {
        if self.named.is_empty() {
            part != "build" || !self.quick
        } else {
            self.named.iter().any(|n| n == part)
        }
    }
}

/// `cargo` without the variables `cargo run` set for this process: `CARGO_MANIFEST_DIR`
/// would make ring's build script (it watches that variable) rebuild the whole release tree
/// that CI built from the shell a step earlier.
fn cargo() -> Command {
    let mut command = Command::new("cargo");
    for (name, _) in std::env::vars_os() {
        let name_text = name.to_string_lossy();
        if name_text == "CARGO_MANIFEST_DIR"
            || name_text == "CARGO_MANIFEST_PATH"
            || name_text.starts_with("CARGO_PKG_")
            || name_text == "CARGO_CRATE_NAME"
            || name_text == "CARGO_BIN_NAME"
        {
            command.env_remove(&name);
        }
    }
    command
}

fn pinning_available() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
        && Command::new("taskset")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// `cargo xtask bench …`: builds the release harness and `paygate`, runs the harness pinned
/// to CPU 0 for the load and scaling parts (this process, a debug build, only starts it),
/// then the build-cost part here, on every CPU.
pub(crate) async fn task(args: &[String]) -> ExitCode {
    if let Some(unknown) = args.iter().find(|a| {
        !matches!(
            a.as_str(),
            "--quick" | "load" | "scaling" | "journal" | "settlement" | "build"
        )
    }) {
        return fail(&[format!(
            "bench: unknown argument {unknown:?}; use [--quick] [load] [scaling] [journal] [settlement] [build]"
        )]);
    }
    let parts = Parts::parse(args);
    if is_harness() {
        return harness(&parts).await;
    }
    if ["load", "scaling", "journal", "settlement"]
        .iter()
        .any(|part| parts.wants(part))
    {
        let code = run_harness(args);
        if code != ExitCode::SUCCESS {
            return code;
        }
    }
    if parts.wants("build") {
        let dir = root().join("target/bench");
        if let Err(e) = std::fs::create_dir_all(&dir)
            .map_err(|e| e.to_string())
            .and_then(|()| build_cost(&dir))
        {
            return fail(&[format!("bench: {e}")]);
        }
    }
    ExitCode::SUCCESS
}

fn run_harness(args: &[String]) -> ExitCode {
    println!("bench: building the release harness and paygate (cargo build --release)");
    let built = cargo()
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "xtask",
            "-p",
            "paygate-cli",
        ])
        .current_dir(root())
        .status();
    if !built.is_ok_and(|s| s.success()) {
        return fail(&["bench: the release build failed".into()]);
    }
    let harness = root().join("target/release/xtask");
    let pinned = pinning_available();
    let mut command = if pinned {
        let mut c = Command::new("taskset");
        c.args(["-c", "0"]).arg(&harness);
        c
    } else {
        Command::new(&harness)
    };
    command
        .arg("bench")
        .args(args)
        .env(CHILD_ENV, if pinned { "pinned" } else { "unpinned" })
        .current_dir(root());
    match command.status() {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => fail(&[format!("bench: cannot start the harness: {e}")]),
    }
}

#[allow(clippy::float_arithmetic)]
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn micros(d: Duration) -> String {
    format!("{} µs", d.as_micros())
}

#[allow(clippy::float_arithmetic)]
async fn harness(parts: &Parts) -> ExitCode {
    let plan = Plan::new(parts.quick);
    let dir = root().join("target/bench");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return fail(&[format!("bench: {e}")]);
    }
    let pinned = std::env::var(CHILD_ENV).is_ok_and(|v| v == "pinned");
    println!(
        "bench{}: {}",
        if plan.quick { " --quick" } else { "" },
        if pinned {
            "sandbox pinned to CPU 1, harness and reconcile to CPU 0 (taskset)"
        } else {
            "not pinned (needs taskset and two CPUs)"
        }
    );
    let result = async {
        let sandbox = start_sandbox(pinned)?;
        let http = reqwest::Client::new();
        if parts.wants("load") {
            load(&http, &sandbox, &plan, &dir).await?;
        }
        if parts.wants("scaling") {
            scaling(&http, &sandbox, plan.reconcile, &dir).await?;
        }
        if parts.wants("journal") {
            journal(&http, &sandbox, &plan, &dir).await?;
        }
        if parts.wants("settlement") {
            // A sandbox of its own: the list holds only the orders seeded for it.
            let listed = start_sandbox(pinned)?;
            settlement(&http, &listed, plan.settlement, &dir).await?;
        }
        Ok::<(), String>(())
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&[format!("bench: {e}")]),
    }
}
