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
use paygate::transport::{HttpRequest, USER_AGENT};
use paygate::{GatewayConfig, GatewayRegistry, OrderId, PaymentStatus, RegistryConfig};

use crate::{fail, root};

/// Set for the release harness by `cargo xtask bench`: `pinned` or `unpinned`.
const CHILD_ENV: &str = "PAYGATE_BENCH_CHILD";
const PROVIDERS: [&str; 3] = ["finpay", "payway", "payg"];

/// Sizes of one run.
#[derive(Debug, Clone, Copy)]
struct Plan {
    quick: bool,
    /// Status checks per cell at concurrency 1 and at 64.
    checks: [usize; 2],
    rounds: usize,
    reconcile: &'static [usize],
    wrk_seconds: u32,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                quick,
                checks: [300, 2_000],
                rounds: 1,
                reconcile: &[1_000, 10_000],
                wrk_seconds: 0,
            }
        } else {
            Plan {
                quick,
                checks: [5_000, 40_000],
                rounds: 3,
                reconcile: &[1_000, 10_000, 100_000],
                wrk_seconds: 5,
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
    if let Some(unknown) = args
        .iter()
        .find(|a| !matches!(a.as_str(), "--quick" | "load" | "scaling" | "build"))
    {
        return fail(&[format!(
            "bench: unknown argument {unknown:?}; use [--quick] [load] [scaling] [build]"
        )]);
    }
    let parts = Parts::parse(args);
    if is_harness() {
        return harness(&parts).await;
    }
    if parts.wants("load") || parts.wants("scaling") {
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

/// The sandbox in its own process; killed when dropped.
struct SandboxProcess {
    child: Child,
    base: String,
    config_toml: String,
    /// Kept open so that the sandbox never writes into a closed pipe.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn paygate_binary() -> PathBuf {
    root().join("target/release/paygate")
}

fn start_sandbox(pinned: bool) -> Result<SandboxProcess, String> {
    let mut command = if pinned {
        let mut c = Command::new("taskset");
        c.args(["-c", "1"]).arg(paygate_binary());
        c
    } else {
        Command::new(paygate_binary())
    };
    let mut child = command
        .args(["--json", "sandbox", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start paygate sandbox: {e}"))?;
    let stdout = child.stdout.take().ok_or("no sandbox stdout")?;
    let mut line = String::new();
    let mut stdout = BufReader::new(stdout);
    stdout
        .read_line(&mut line)
        .map_err(|e| format!("reading the sandbox's address: {e}"))?;
    let doc: serde_json::Value =
        serde_json::from_str(&line).map_err(|e| format!("the sandbox printed {line:?}: {e}"))?;
    let text = |key: &str| doc.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    match (text("base"), text("config_toml")) {
        (Some(base), Some(config_toml)) => Ok(SandboxProcess {
            child,
            base,
            config_toml,
            _stdout: stdout,
        }),
        _ => {
            let _ = child.kill();
            Err(format!("the sandbox printed {line:?}"))
        }
    }
}

/// Money of each provider's seeded orders.
fn seed_money(provider: &str) -> (&'static str, &'static str) {
    match provider {
        "finpay" => ("10000", "IDR"),
        "payway" => ("10.00", "USD"),
        _ => ("10.00", "INR"),
    }
}

async fn seed(
    http: &reqwest::Client,
    base: &str,
    provider: &str,
    prefix: &str,
    count: usize,
) -> Result<(), String> {
    let (amount, currency) = seed_money(provider);
    let body = serde_json::json!({
        "provider": provider, "prefix": prefix, "count": count,
        "amount": amount, "currency": currency, "paid": true,
    });
    let answer = http
        .post(format!("{base}/_sandbox/seed"))
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("seeding {provider}: {e}"))?;
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "seeding {provider}: HTTP {} {}",
            answer.status(),
            answer.text().await.unwrap_or_default()
        ))
    }
}

async fn forget_requests(http: &reqwest::Client, base: &str) {
    let _ = http
        .delete(format!("{base}/_sandbox/requests"))
        .send()
        .await;
}

fn order_id(prefix: &str, n: usize) -> Result<OrderId, String> {
    OrderId::new(format!("{prefix}{n:06}")).map_err(|e| e.to_string())
}

/// A provider's configuration, parsed once, that builds its status-check requests with the
/// provider crate's own builder (what the gateway sends, signature included).
enum StatusBuilder {
    Finpay(paygate::finpay::FinpayConfig),
    Payway(paygate::payway::PaywayConfig),
    Payg(paygate::payg::PaygConfig),
}

impl StatusBuilder {
    fn new(config: &GatewayConfig) -> Result<StatusBuilder, String> {
        let built = match config.provider() {
            "finpay" => paygate::finpay::FinpayConfig::from_gateway_config(config)
                .map(StatusBuilder::Finpay),
            "payway" => paygate::payway::PaywayConfig::from_gateway_config(config)
                .map(StatusBuilder::Payway),
            "payg" => {
                paygate::payg::PaygConfig::from_gateway_config(config).map(StatusBuilder::Payg)
            }
            other => return Err(format!("no status request for {other}")),
        };
        built.map_err(|e| e.to_string())
    }

    fn build(&self, id: &OrderId) -> Result<HttpRequest, String> {
        match self {
            StatusBuilder::Finpay(c) => paygate::finpay::ops::check::build(c, id),
            StatusBuilder::Payway(c) => paygate::payway::ops::check_transaction::build(
                c,
                id,
                paygate::time::OffsetDateTime::now_utc(),
            ),
            StatusBuilder::Payg(c) => paygate::payg::ops::detail::build(c, id),
        }
        .map_err(|e| e.to_string())
    }
}

/// What one cell measured.
#[derive(Debug, Clone)]
struct Measured {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    failures: usize,
}

// Rates and percentages are reported, never used for money.
#[allow(clippy::float_arithmetic, clippy::cast_precision_loss)]
async fn drive<F, Fut>(checks: usize, concurrency: usize, call: F) -> Measured
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = bool>,
{
    let call = &call;
    let started = Instant::now();
    let mut results: Vec<(Duration, bool)> = futures_util::stream::iter(0..checks)
        .map(|i| async move {
            let t = Instant::now();
            let ok = call(i).await;
            (t.elapsed(), ok)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let wall = started.elapsed();
    results.sort_unstable_by_key(|(d, _)| *d);
    let at = |q: usize| {
        results
            .get((checks * q / 100).min(checks.saturating_sub(1)))
            .map(|(d, _)| *d)
            .unwrap_or_default()
    };
    Measured {
        per_second: checks as f64 / wall.as_secs_f64(),
        p50: at(50),
        p99: at(99),
        failures: results.iter().filter(|(_, ok)| !ok).count(),
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

/// What one provider at one concurrency measured: the last round of each loop and the
/// median ratios SDK/raw and SDK/(raw + JSON).
struct Cell {
    sdk: Measured,
    raw: Measured,
    raw_json: Measured,
    ratio: f64,
    ratio_json: f64,
}

/// One provider at one concurrency: the SDK, the raw loop, and the raw loop that also parses
/// each answer into a `serde_json::Value` (what any client that reads the answer must at
/// least do), `rounds` times, each round starting with a different one.
#[allow(clippy::float_arithmetic)]
async fn load_cell(
    registry: &GatewayRegistry,
    config: &GatewayConfig,
    raw: &reqwest::Client,
    checks: usize,
    concurrency: usize,
    rounds: usize,
) -> Result<Cell, String> {
    let gateway = registry.gateway(config.name()).map_err(|e| e.to_string())?;
    let ids: Vec<OrderId> = (0..checks)
        .map(|n| order_id("L", n))
        .collect::<Result<_, _>>()?;
    let builder = StatusBuilder::new(config)?;
    // For profiling the SDK side alone: PAYGATE_BENCH_SDK_ONLY=1 skips the raw loops.
    let sdk_only = std::env::var_os("PAYGATE_BENCH_SDK_ONLY").is_some();
    let (mut ratios, mut ratios_json) = (Vec::new(), Vec::new());
    let mut last = None;
    for round in 0..rounds {
        // Built just before sending: PayWay's req_time must be fresh.
        let requests: Vec<reqwest::Request> = ids
            .iter()
            .take(if sdk_only { 0 } else { checks })
            .map(|id| {
                let built = builder.build(id)?;
                raw.request(built.method, built.url)
                    .headers(built.headers)
                    .body(built.body)
                    .build()
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<_, String>>()?;
        let (gateway, ids, requests) = (&gateway, &ids, &requests);
        let sdk_run = || {
            drive(checks, concurrency, move |i| async move {
                match ids.get(i) {
                    Some(id) => gateway
                        .payment_status(id)
                        .await
                        .is_ok_and(|p| p.status == PaymentStatus::Paid),
                    None => false,
                }
            })
        };
        let raw_run = |parse: bool| {
            drive(checks, concurrency, move |i| {
                let request = requests.get(i).and_then(reqwest::Request::try_clone);
                async move {
                    let Some(request) = request else { return false };
                    let Ok(answer) = raw.execute(request).await else {
                        return false;
                    };
                    if !answer.status().is_success() {
                        return false;
                    }
                    match answer.bytes().await {
                        Ok(body) if parse => {
                            serde_json::from_slice::<serde_json::Value>(&body).is_ok()
                        }
                        Ok(body) => !body.is_empty(),
                        Err(_) => false,
                    }
                }
            })
        };
        let (sdk, raw_measured, raw_json) = if sdk_only {
            let s = sdk_run().await;
            (s.clone(), s.clone(), s)
        } else {
            match round % 3 {
                0 => {
                    let s = sdk_run().await;
                    let r = raw_run(false).await;
                    (s, r, raw_run(true).await)
                }
                1 => {
                    let r = raw_run(false).await;
                    let j = raw_run(true).await;
                    (sdk_run().await, r, j)
                }
                _ => {
                    let j = raw_run(true).await;
                    let s = sdk_run().await;
                    (s, raw_run(false).await, j)
                }
            }
        };
        if sdk.failures + raw_measured.failures + raw_json.failures > 0 {
            return Err(format!(
                "{}: {} SDK, {} raw and {} raw+JSON checks failed",
                config.name(),
                sdk.failures,
                raw_measured.failures,
                raw_json.failures
            ));
        }
        ratios.push(sdk.per_second / raw_measured.per_second);
        ratios_json.push(sdk.per_second / raw_json.per_second);
        last = Some((sdk, raw_measured, raw_json));
    }
    let (sdk, raw_measured, raw_json) = last.ok_or("no rounds")?;
    Ok(Cell {
        sdk,
        raw: raw_measured,
        raw_json,
        ratio: median(ratios),
        ratio_json: median(ratios_json),
    })
}

/// `wrk` with one precomputed request, as the server's ceiling.
fn wrk(config: &GatewayConfig, seconds: u32, dir: &Path) -> Result<Option<String>, String> {
    if Command::new("wrk").arg("--version").output().is_err() {
        return Ok(None);
    }
    let request = StatusBuilder::new(config)?.build(&order_id("L", 0)?)?;
    let mut lua = format!("wrk.method = \"{}\"\n", request.method);
    let body = String::from_utf8(request.body.to_vec()).map_err(|e| e.to_string())?;
    lua.push_str(&format!("wrk.body = {}\n", lua_string(&body)));
    for (name, value) in &request.headers {
        let value = value.to_str().map_err(|e| e.to_string())?;
        lua.push_str(&format!(
            "wrk.headers[{}] = {}\n",
            lua_string(name.as_str()),
            lua_string(value)
        ));
    }
    lua.push_str(&format!("wrk.headers[\"User-Agent\"] = \"{USER_AGENT}\"\n"));
    let script = dir.join(format!("wrk-{}.lua", config.name()));
    std::fs::write(&script, lua).map_err(|e| e.to_string())?;
    let out = Command::new("wrk")
        .args(["-t1", "-c64", &format!("-d{seconds}s"), "--latency", "-s"])
        .arg(&script)
        .arg(request.url.as_str())
        .output()
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&script);
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_owned()
    };
    if text.contains("Non-2xx") {
        return Err(format!("wrk got error answers: {text}"));
    }
    Ok(Some(format!(
        "{} req/s, p50 {}, p99 {}",
        field("Requests/sec:"),
        field("50%"),
        field("99%")
    )))
}

fn lua_string(text: &str) -> String {
    format!("{text:?}")
}

/// Peak RSS in KiB and wall time of one command, with GNU time when present.
fn measure(command: &mut Command, stdout: &Path) -> Result<(u64, Duration, bool), String> {
    let gnu_time = Path::new("/usr/bin/time").exists();
    let report = stdout.with_extension("time");
    let mut run = if gnu_time {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-f").arg("%M").arg("-o").arg(&report);
        c.arg(command.get_program()).args(command.get_args());
        c
    } else {
        let mut c = Command::new(command.get_program());
        c.args(command.get_args());
        c
    };
    let out = std::fs::File::create(stdout).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = run
        .stdout(out)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut polled_peak = 0;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if !gnu_time {
            polled_peak = polled_peak.max(vm_hwm(child.id()).unwrap_or(0));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let wall = started.elapsed();
    let peak = if gnu_time {
        std::fs::read_to_string(&report)
            .ok()
            .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()))
            .unwrap_or(0)
    } else {
        polled_peak
    };
    let _ = std::fs::remove_file(&report);
    Ok((peak, wall, status.success()))
}

fn vm_hwm(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// `paygate reconcile` over `counts` orders of PayWay seeded in the sandbox.
#[allow(clippy::float_arithmetic, clippy::cast_precision_loss)]
async fn scaling(
    http: &reqwest::Client,
    sandbox: &SandboxProcess,
    counts: &[usize],
    dir: &Path,
) -> Result<(), String> {
    let largest = counts.iter().copied().max().unwrap_or(0);
    seed(http, &sandbox.base, "payway", "R", largest).await?;
    let config = dir.join("paygate.toml");
    std::fs::write(&config, &sandbox.config_toml).map_err(|e| e.to_string())?;
    println!();
    println!("reconcile scaling: paygate reconcile payway --concurrency 64 --rate 1000000/s");
    println!("| orders | wall time | per order | peak RSS | rows as expected |");
    println!("|---:|---:|---:|---:|---:|");
    let mut results = Vec::new();
    for &count in counts {
        let input = dir.join(format!("orders-{count}.csv"));
        let mut csv =
            std::io::BufWriter::new(std::fs::File::create(&input).map_err(|e| e.to_string())?);
        writeln!(csv, "order_id,expected_amount,expected_status").map_err(|e| e.to_string())?;
        for n in 0..count {
            writeln!(csv, "R{n:06},10.00,paid").map_err(|e| e.to_string())?;
        }
        csv.flush().map_err(|e| e.to_string())?;
        drop(csv);
        let output = dir.join(format!("reconciled-{count}.csv"));
        let mut command = Command::new(paygate_binary());
        command
            .arg("--config")
            .arg(&config)
            .args(["reconcile", "payway", "--input"])
            .arg(&input)
            .args(["--concurrency", "64", "--rate", "1000000/s"]);
        let (peak_kib, wall, success) = measure(&mut command, &output)?;
        let text = std::fs::read_to_string(&output).map_err(|e| e.to_string())?;
        let rows = text.lines().count().saturating_sub(1);
        let as_expected = text
            .lines()
            .skip(1)
            .filter(|l| {
                let columns: Vec<&str> = l.split(',').collect();
                columns.get(8) == Some(&"false") && columns.get(9) == Some(&"")
            })
            .count();
        if !success || rows != count || as_expected != count {
            return Err(format!(
                "reconcile of {count}: exit {success}, {rows} rows, {as_expected} as expected"
            ));
        }
        forget_requests(http, &sandbox.base).await;
        println!(
            "| {count} | {:.2} s | {:.1} µs | {:.1} MiB | {as_expected} |",
            wall.as_secs_f64(),
            wall.as_secs_f64() * 1e6 / count as f64,
            peak_kib as f64 / 1024.0
        );
        results.push((count, wall, peak_kib));
        let _ = std::fs::remove_file(&input);
        let _ = std::fs::remove_file(&output);
    }
    for pair in results.windows(2) {
        if let [
            (small, small_wall, small_rss),
            (large, large_wall, large_rss),
        ] = pair
        {
            println!(
                "{large}/{small}: time ×{:.2} (linear: ×{:.0}), peak RSS ×{:.2}",
                large_wall.as_secs_f64() / small_wall.as_secs_f64(),
                *large as f64 / *small as f64,
                *large_rss as f64 / *small_rss as f64
            );
        }
    }
    Ok(())
}

/// Clean release builds of a small app on the facade: one provider vs all three.
#[allow(clippy::float_arithmetic, clippy::cast_precision_loss)]
fn build_cost(dir: &Path) -> Result<(), String> {
    println!();
    println!("build cost: clean `cargo build --release` of an app on the facade");
    println!("| features | crates compiled | clean build | binary size |");
    println!("|---|---:|---:|---:|");
    let facade = root().join("crates/paygate");
    for (label, features) in [
        ("payway", "\"payway\""),
        ("finpay", "\"finpay\""),
        ("payg", "\"payg\""),
        ("all three", "\"finpay\", \"payway\", \"payg\""),
    ] {
        let app = dir.join(format!("app-{}", label.replace(' ', "-")));
        let _ = std::fs::remove_dir_all(&app);
        std::fs::create_dir_all(app.join("src")).map_err(|e| e.to_string())?;
        std::fs::write(
            app.join("Cargo.toml"),
            format!(
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                 [dependencies]\npaygate = {{ path = {:?}, default-features = false, features = [{features}] }}\n\
                 tokio = {{ version = \"1\", features = [\"rt\", \"macros\"] }}\n\n[workspace]\n",
                facade.display().to_string()
            ),
        )
        .map_err(|e| e.to_string())?;
        std::fs::write(
            app.join("src/main.rs"),
            "#[tokio::main(flavor = \"current_thread\")]\nasync fn main() {\n    \
             let path = std::env::args().nth(1).unwrap_or_else(|| \"paygate.toml\".into());\n    \
             let registry = paygate::GatewayRegistry::from_toml_file(path).unwrap();\n    \
             for (name, gateway) in registry.iter() {\n        \
             let id = paygate::OrderId::new(\"A1\").unwrap();\n        \
             println!(\"{name}: {:?}\", gateway.payment_status(&id).await.map(|p| p.status));\n    }\n}\n",
        )
        .map_err(|e| e.to_string())?;
        let _ = std::fs::copy(root().join("Cargo.lock"), app.join("Cargo.lock"));
        let fetched = cargo()
            .args(["fetch", "--quiet"])
            .current_dir(&app)
            .status()
            .map_err(|e| e.to_string())?;
        if !fetched.success() {
            return Err(format!("cargo fetch failed for {label}"));
        }
        let tree = cargo()
            .args([
                "tree",
                "-e",
                "normal,build",
                "--prefix",
                "none",
                "--no-dedupe",
            ])
            .current_dir(&app)
            .output()
            .map_err(|e| e.to_string())?;
        let mut crates: Vec<String> = String::from_utf8_lossy(&tree.stdout)
            .lines()
            .map(|l| l.trim_end_matches(" (*)").to_owned())
            .collect();
        crates.sort();
        crates.dedup();
        let started = Instant::now();
        let built = cargo()
            .args(["build", "--release", "--quiet", "-j", "2"])
            .current_dir(&app)
            .env("CARGO_TARGET_DIR", app.join("target"))
            .status()
            .map_err(|e| e.to_string())?;
        let wall = started.elapsed();
        if !built.success() {
            return Err(format!("the {label} app did not build"));
        }
        let size = std::fs::metadata(app.join("target/release/app"))
            .map_err(|e| e.to_string())?
            .len();
        println!(
            "| {label} | {} | {:.0} s | {:.1} MiB |",
            crates.len(),
            wall.as_secs_f64(),
            size as f64 / (1024.0 * 1024.0)
        );
        let _ = std::fs::remove_dir_all(&app);
    }
    Ok(())
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
        Ok::<(), String>(())
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&[format!("bench: {e}")]),
    }
}

/// The sandbox configuration's gateway for `provider` (the sandbox names them by provider).
fn gateway_named<'a>(
    config: &'a RegistryConfig,
    provider: &str,
) -> Result<&'a GatewayConfig, String> {
    config
        .gateways
        .iter()
        .find(|g| g.name() == provider)
        .ok_or_else(|| format!("no {provider} in the sandbox's configuration"))
}

#[allow(clippy::float_arithmetic)]
async fn load(
    http: &reqwest::Client,
    sandbox: &SandboxProcess,
    plan: &Plan,
    dir: &Path,
) -> Result<(), String> {
    let largest = plan.checks.iter().copied().max().unwrap_or(0);
    for provider in PROVIDERS {
        seed(http, &sandbox.base, provider, "L", largest).await?;
    }
    let config = RegistryConfig::from_toml_str(&sandbox.config_toml).map_err(|e| e.to_string())?;
    let registry =
        GatewayRegistry::from_toml_str(&sandbox.config_toml).map_err(|e| e.to_string())?;
    let raw = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .tcp_nodelay(true)
        .build()
        .map_err(|e| e.to_string())?;
    println!();
    println!(
        "status checks against the sandbox process: SDK = registry + dyn PaymentGateway; raw = \
         reqwest with the same requests prebuilt, answers read (raw) or also parsed into a JSON value \
         (raw+JSON) ({} round{}; ratios are medians over rounds of throughput ratios)",
        plan.rounds,
        if plan.rounds == 1 { "" } else { "s" }
    );
    println!(
        "| provider | concurrency | checks | SDK req/s | raw req/s | raw+JSON req/s | SDK/raw | SDK/(raw+JSON) | SDK p50 / p99 | raw p50 / p99 |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for provider in PROVIDERS {
        let gateway_config = gateway_named(&config, provider)?;
        for (concurrency, checks) in [1usize, 64].into_iter().zip(plan.checks) {
            let cell = load_cell(
                &registry,
                gateway_config,
                &raw,
                checks,
                concurrency,
                plan.rounds,
            )
            .await?;
            forget_requests(http, &sandbox.base).await;
            println!(
                "| {provider} | {concurrency} | {checks} | {:.0} | {:.0} | {:.0} | {:.3} | {:.3} | {} / {} | {} / {} |",
                cell.sdk.per_second,
                cell.raw.per_second,
                cell.raw_json.per_second,
                cell.ratio,
                cell.ratio_json,
                micros(cell.sdk.p50),
                micros(cell.sdk.p99),
                micros(cell.raw.p50),
                micros(cell.raw.p99),
            );
        }
    }
    if plan.wrk_seconds > 0 {
        println!();
        for provider in PROVIDERS {
            let gateway_config = gateway_named(&config, provider)?;
            match wrk(gateway_config, plan.wrk_seconds, dir)? {
                Some(line) => println!(
                    "wrk -t1 -c64 -d{}s (server ceiling), {provider}: {line}",
                    plan.wrk_seconds
                ),
                None => {
                    println!(
                        "wrk is not installed: no server-ceiling figure (apt-get install wrk)"
                    );
                    break;
                }
            }
            forget_requests(http, &sandbox.base).await;
        }
    }
    Ok(())
}
