//! `paygate reconcile` over growing order counts: wall time and peak RSS.

use super::*;
use crate::providers::{SCALING_PROVIDER, SETTLEMENT_PROVIDER};

/// Peak RSS in KiB and wall time of one command, with GNU time when present.
pub(super) fn measure(
    command: &mut Command,
    stdout: &Path,
) -> Result<(u64, Duration, bool), String> {
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

pub(super) fn vm_hwm(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// `paygate reconcile` over `counts` orders of [`SCALING_PROVIDER`] seeded in the sandbox.
#[allow(clippy::float_arithmetic, clippy::cast_precision_loss)]
pub(super) async fn scaling(
    http: &reqwest::Client,
    sandbox: &SandboxProcess,
    counts: &[usize],
    dir: &Path,
) -> Result<(), String> {
    let largest = counts.iter().copied().max().unwrap_or(0);
    let provider = SCALING_PROVIDER.name();
    let amount = SCALING_PROVIDER.sample().total;
    seed(http, &sandbox.base, provider, "R", largest).await?;
    let config = dir.join("paygate.toml");
    std::fs::write(&config, &sandbox.config_toml).map_err(|e| e.to_string())?;
    println!();
    println!("reconcile scaling: paygate reconcile {provider} --concurrency 64 --rate 1000000/s");
    println!("| orders | wall time | per order | peak RSS | rows as expected |");
    println!("|---:|---:|---:|---:|---:|");
    let mut results = Vec::new();
    for &count in counts {
        let input = dir.join(format!("orders-{count}.csv"));
        let mut csv =
            std::io::BufWriter::new(std::fs::File::create(&input).map_err(|e| e.to_string())?);
        writeln!(csv, "order_id,expected_amount,expected_status").map_err(|e| e.to_string())?;
        for n in 0..count {
            writeln!(csv, "R{n:06},{amount},paid").map_err(|e| e.to_string())?;
        }
        csv.flush().map_err(|e| e.to_string())?;
        drop(csv);
        let output = dir.join(format!("reconciled-{count}.csv"));
        let mut command = Command::new(paygate_binary());
        command
            .arg("--config")
            .arg(&config)
            .args(["reconcile", provider, "--input"])
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
    print_ratios(&results);
    Ok(())
}

/// `paygate reconcile --ledger` while the provider lists `counts` paid transactions (seeded
/// step by step in a sandbox of its own), against a one-row ledger: time and peak RSS as the
/// listed transactions grow.
#[allow(clippy::float_arithmetic, clippy::cast_precision_loss)]
pub(super) async fn settlement(
    http: &reqwest::Client,
    sandbox: &SandboxProcess,
    counts: &[usize],
    dir: &Path,
) -> Result<(), String> {
    let provider = SETTLEMENT_PROVIDER.name();
    let sample = SETTLEMENT_PROVIDER.sample();
    let config = dir.join("settlement.toml");
    std::fs::write(&config, &sandbox.config_toml).map_err(|e| e.to_string())?;
    let ledger = dir.join("ledger.csv");
    std::fs::write(
        &ledger,
        format!(
            "order_id,amount,currency\nNOTLISTED1,{},{}\n",
            sample.total, sample.currency
        ),
    )
    .map_err(|e| e.to_string())?;
    let now = paygate::time::OffsetDateTime::now_utc();
    let rfc = |t: paygate::time::OffsetDateTime| {
        t.format(&paygate::time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let day = paygate::time::Duration::DAY;
    let (from, to) = (rfc(now - day), rfc(now + day));
    println!();
    println!(
        "settlement scaling: paygate reconcile {provider} --ledger (1 row) --from now-1d --to now+1d --rate 1000000/s"
    );
    println!("| listed | wall time | per transaction | peak RSS | rows |");
    println!("|---:|---:|---:|---:|---:|");
    let mut seeded = 0;
    let mut results = Vec::new();
    for (step, &count) in counts.iter().enumerate() {
        seed(
            http,
            &sandbox.base,
            provider,
            &format!("S{step}"),
            count - seeded,
        )
        .await?;
        seeded = count;
        let output = dir.join(format!("settled-{count}.csv"));
        let mut command = Command::new(paygate_binary());
        command
            .arg("--config")
            .arg(&config)
            .args(["reconcile", provider, "--ledger"])
            .arg(&ledger)
            .args(["--from", &from, "--to", &to, "--rate", "1000000/s"]);
        let (peak_kib, wall, _mismatches) = measure(&mut command, &output)?;
        let text = std::fs::read_to_string(&output).map_err(|e| e.to_string())?;
        let rows = text.lines().count().saturating_sub(1);
        // Every listed transaction is a finding, plus the ledger's one row.
        if rows != count + 1 {
            return Err(format!("settlement of {count}: {rows} rows"));
        }
        println!(
            "| {count} | {:.2} s | {:.1} µs | {:.1} MiB | {rows} |",
            wall.as_secs_f64(),
            wall.as_secs_f64() * 1e6 / count as f64,
            peak_kib as f64 / 1024.0
        );
        results.push((count, wall, peak_kib));
        let _ = std::fs::remove_file(&output);
    }
    print_ratios(&results);
    Ok(())
}

/// Time and peak-RSS ratios of each count to the one before.
#[allow(clippy::float_arithmetic, clippy::cast_precision_loss)]
fn print_ratios(results: &[(usize, Duration, u64)]) {
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
}
