//! `cargo xtask <task>`:
//!
//! - `fixtures`: record every case against the embedded sandbox into `tests/fixtures/`;
//!   `fixtures --check` fails when the files and what the code records now disagree;
//!   `fixtures --lint` fails when a configured secret or key material appears in a fixture;
//!   `fixtures --live` records from the providers' real sandboxes into `tests/fixtures-live/`
//!   for every provider whose `PAYGATE_LIVE_*` credentials are set (never run in CI).
//! - `capabilities`: print the capability matrix; `capabilities --check` fails when README.md's
//!   copy differs.
//! - `fuzz [SECONDS]`: write seed inputs (the fixtures' answers, the sandbox's webhooks,
//!   amounts and a configuration) into `fuzz/corpus/<target>/`, then run every fuzz target
//!   for SECONDS (default 60) each with `cargo fuzz run -s none`, which works on stable.
//!   Needs `cargo install --locked cargo-fuzz`. Crashes land in `fuzz/artifacts/<target>/`.
//! - `bench [--quick] [load] [scaling] [journal] [settlement] [build]`: the load harness against the sandbox in its
//!   own process (see `bench/mod.rs` and BENCHMARKS.md); `--quick` is CI's smoke run.
//! - `provider-names [--check]`: the non-test source files that name a provider outside its
//!   own crate and sandbox module; `--check` fails above the four provider lists.
//! - `public-api [--check]`: each published library's public API into `public-api/<crate>.txt`;
//!   `--check` fails when the code's API and the files differ (see `public_api.rs`).

// A command-line tool: printing is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod provider_names;
mod providers;
mod public_api;

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
    for provider in Provider::ALL {
        toml.push_str(&gateway_toml(
            provider,
            "http://127.0.0.1:1",
            &Credentials::default(),
        ));
    }
    let registry = paygate::GatewayRegistry::from_toml_str(&toml)?;
    let names = Provider::ALL.map(Provider::name);
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

const FUZZ_TARGETS: &[&str] = &["responses", "webhooks", "text_inputs", "native_answers"];

/// The `body` of every answer sample under `crates/*/tests/samples/`.
fn sample_bodies() -> Result<Vec<String>, String> {
    let mut bodies = Vec::new();
    let crates = std::fs::read_dir(root().join("crates")).map_err(|e| e.to_string())?;
    for krate in crates.flatten() {
        let Ok(samples) = std::fs::read_dir(krate.path().join("tests/samples")) else {
            continue;
        };
        for sample in samples.flatten() {
            if sample.path().extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = std::fs::read_to_string(sample.path()).map_err(|e| e.to_string())?;
            let json: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| format!("{}: {e}", sample.path().display()))?;
            if let Some(body) = json.get("body") {
                bodies.push(body.to_string());
            }
        }
    }
    bodies.sort();
    Ok(bodies)
}

/// Seed inputs per fuzz target, in each target's input layout (see `fuzz/fuzz_targets/`).
async fn fuzz_seeds() -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    let mut seeds = Vec::new();
    // responses: [fixture, exchange << 4 | status index, content type index, body…].
    const STATUSES: &[u16] = &[200, 201, 204, 400, 401, 403, 404, 409, 429, 500, 502, 503];
    let all = fixtures::read_all(&root().join("tests/fixtures")).map_err(|e| e.to_string())?;
    for (i, fixture) in all.iter().enumerate() {
        for (j, exchange) in fixture.exchanges.iter().enumerate() {
            let status = STATUSES
                .iter()
                .position(|&s| s == exchange.status)
                .unwrap_or_default();
            let mut seed = vec![
                u8::try_from(i).map_err(|e| e.to_string())?,
                u8::try_from((j << 4) | status).map_err(|e| e.to_string())?,
                1,
            ];
            seed.extend_from_slice(exchange.response_body.as_bytes());
            seeds.push(("responses", seed));
        }
    }
    // webhooks: [provider, mode, body…], from the sandbox.
    let sandbox = paygate::sandbox::Sandbox::start()
        .await
        .map_err(|e| e.to_string())?;
    let now = paygate::time::OffsetDateTime::now_utc();
    for (i, provider) in Provider::ALL.into_iter().enumerate() {
        let sample = provider.sample();
        let amount = sample
            .total
            .parse::<paygate::Decimal>()
            .map_err(|e| e.to_string())?;
        let order = paygate::sandbox::SimOrder::new(
            provider,
            "SEED1",
            "SEED1",
            amount,
            sample.currency,
            now,
        );
        sandbox.insert(order).map_err(|e| format!("{e:?}"))?;
        let webhook = sandbox
            .pay(provider, "SEED1")
            .map_err(|e| format!("{e:?}"))?;
        for mode in [0u8, 1] {
            let mut seed = vec![u8::try_from(i).map_err(|e| e.to_string())?, mode];
            seed.extend_from_slice(webhook.body.as_bytes());
            seeds.push(("webhooks", seed));
        }
    }
    // native_answers: [which, status, body…], the bodies of every provider crate's answer
    // samples (any JSON answer is a good start for any parser).
    for (n, body) in sample_bodies()?.into_iter().enumerate() {
        let mut seed = vec![u8::try_from(n % 256).map_err(|e| e.to_string())?, 0];
        seed.extend_from_slice(body.as_bytes());
        seeds.push(("native_answers", seed));
    }
    // text_inputs: [which, text…].
    let config = sandbox.config_toml();
    sandbox.shutdown().await;
    for (which, text) in [
        (0u8, "10.50"),
        (0, "1000"),
        (1, "INV-2026-0001"),
        (2, config.as_str()),
        (3, r#"{"order":{"id":"A1","amount":1000},"signature":"ab"}"#),
        (4, r#"{"a":"x/y","b":1.0,"c":[1e17,"é"]}"#),
        (5, "1.5e15"),
    ] {
        let mut seed = vec![which];
        seed.extend_from_slice(text.as_bytes());
        seeds.push(("text_inputs", seed));
    }
    Ok(seeds)
}

async fn fuzz_task(seconds: Option<&str>) -> ExitCode {
    let seconds: u64 = match seconds.map(str::parse).transpose() {
        Ok(s) => s.unwrap_or(60),
        Err(_) => return fail(&["fuzz: SECONDS must be a whole number".into()]),
    };
    let seeds = match fuzz_seeds().await {
        Ok(seeds) => seeds,
        Err(e) => return fail(&[format!("fuzz seeds: {e}")]),
    };
    let corpus = root().join("fuzz/corpus");
    for (n, (target, seed)) in seeds.iter().enumerate() {
        let dir = corpus.join(target);
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join(format!("seed-{n:03}")), seed));
        if let Err(e) = written {
            return fail(&[format!("fuzz seeds: {}: {e}", dir.display())]);
        }
    }
    for target in FUZZ_TARGETS {
        println!("fuzzing {target} for {seconds} s");
        let status = std::process::Command::new("cargo")
            .current_dir(root())
            .args(["fuzz", "run", "--sanitizer", "none", target])
            .arg(corpus.join(target))
            .args([
                "--",
                &format!("-max_total_time={seconds}"),
                "-max_len=16384",
                "-rss_limit_mb=2048",
                "-timeout=10",
                "-print_final_stats=1",
            ])
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => {
                return fail(&[format!(
                    "fuzz target {target} failed ({s}); see fuzz/artifacts/{target}/"
                )]);
            }
            Err(e) => {
                return fail(&[format!(
                    "cannot run cargo fuzz ({e}); cargo install --locked cargo-fuzz"
                )]);
            }
        }
    }
    ExitCode::SUCCESS
}

/// `simulate`: the write path's deterministic simulation, long (see
/// `paygate_tests::simulation`), in chunks of 50 000 schedules with a line after each.
fn simulate_task(args: &[String]) -> ExitCode {
    let option = |name: &str, default: u64| -> Result<u64, String> {
        match args.iter().position(|a| a == name) {
            Some(i) => args
                .get(i + 1)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} takes a whole number")),
            None => Ok(default),
        }
    };
    let (schedules, first, threads) = match (
        option("--schedules", 1_000_000),
        option("--seed", 1),
        option("--threads", 2),
    ) {
        (Ok(n), Ok(s), Ok(t)) => (n, s, t),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return fail(&[e]),
    };
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
    .join(format!("paygate-simulate-{}", std::process::id()));
    let started = std::time::Instant::now();
    let mut totals = paygate_tests::simulation::Stats::default();
    let mut seed = first;
    while seed < first + schedules {
        let chunk = 50_000.min(first + schedules - seed);
        match paygate_tests::simulation::run(seed, chunk, threads, &dir) {
            Ok(stats) => totals.add(&stats),
            Err(failure) => {
                let _ = std::fs::remove_dir_all(&dir);
                return fail(&[format!(
                    "schedule {} broke the journal's promises (replay: PAYGATE_SIM_SEED={} PAYGATE_SIM_SCHEDULES=1 cargo test -p paygate-tests --test simulation every_schedule):\n{}",
                    failure.seed, failure.seed, failure.message
                )]);
            }
        }
        seed += chunk;
        let elapsed = started.elapsed().as_millis().max(1);
        println!(
            "{} schedules in {} s ({} a second): {totals:?}",
            seed - first,
            elapsed / 1000,
            u128::from(seed - first) * 1000 / elapsed
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    // The load harness's client runs on one pinned CPU: one thread, no cross-thread wake-ups.
    let runtime = if bench::is_harness() {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    };
    match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => fail(&[format!("no async runtime: {e}")]),
    }
}

async fn run() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.get(1).map(String::as_str);
    match args.first().map(String::as_str) {
        Some("fixtures") => fixtures_task(mode).await,
        Some("capabilities") => capabilities_task(mode),
        Some("fuzz") => fuzz_task(mode).await,
        Some("bench") => bench::task(args.get(1..).unwrap_or_default()).await,
        Some("provider-names") => provider_names::task(mode),
        Some("public-api") => public_api::task(mode),
        Some("simulate") => simulate_task(args.get(1..).unwrap_or_default()),
        _ => fail(&[
            "usage: cargo xtask fixtures [--check|--lint] | capabilities [--check] | fuzz [SECONDS] | bench [--quick] [load] [scaling] [journal] [settlement] [build] | provider-names [--check] | public-api [--check] | simulate [--schedules N] [--seed S] [--threads T]"
                .into(),
        ]),
    }
}
