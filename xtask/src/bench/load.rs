//! The load cells: the SDK through the registry against raw `reqwest` loops (and `wrk`).

use super::*;
use crate::providers::StatusBuilder;

/// What one cell measured.
#[derive(Debug, Clone)]
pub(super) struct Measured {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    failures: usize,
}

// Rates and percentages are reported, never used for money.

#[allow(clippy::float_arithmetic, clippy::cast_precision_loss)]
pub(super) async fn drive<F, Fut>(checks: usize, concurrency: usize, call: F) -> Measured
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

/// What one provider at one concurrency measured: the last round of each loop and the
/// median ratios SDK/raw and SDK/(raw + JSON).
pub(super) struct Cell {
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
pub(super) async fn load_cell(
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
pub(super) fn wrk(
    config: &GatewayConfig,
    seconds: u32,
    dir: &Path,
) -> Result<Option<String>, String> {
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

pub(super) fn lua_string(text: &str) -> String {
    format!("{text:?}")
}

/// The sandbox configuration's gateway for `provider` (the sandbox names them by provider).
pub(super) fn gateway_named<'a>(
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
pub(super) async fn load(
    http: &reqwest::Client,
    sandbox: &SandboxProcess,
    plan: &Plan,
    dir: &Path,
) -> Result<(), String> {
    let largest = plan.checks.iter().copied().max().unwrap_or(0);
    for provider in Provider::ALL.map(Provider::name) {
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
    for provider in Provider::ALL.map(Provider::name) {
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
        for provider in Provider::ALL.map(Provider::name) {
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
