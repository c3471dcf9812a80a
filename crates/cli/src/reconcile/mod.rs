//! `paygate reconcile`: many orders from a CSV, checked with bounded concurrency and a rate
//! limit, streamed (memory does not grow with the input), one row out per input row.
//!
//! Ctrl-C stops starting checks, lets those in flight finish (at most
//! [`DRAIN_WITHIN`]), writes the summary and leaves the output whole; the exit code is then
//! 130.

mod input;
mod output;
mod settle;

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use paygate::{Error, GatewayRegistry, OrderId, PaymentGateway};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::args::{ReconcileArgs, ReconcileFormat};
use crate::exit;
use crate::ops::Out;
use input::InputRow;
use output::{OutputRow, Sink, Summary};

/// How long checks in flight may take to finish after Ctrl-C.
pub(crate) const DRAIN_WITHIN: Duration = Duration::from_secs(10);

/// The exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
const INTERRUPTED: u8 = crate::exit::INTERRUPTED;

/// Starts at most one check per interval.
pub(super) struct RateLimit {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimit {
    pub(super) fn new(per_second: u32) -> RateLimit {
        RateLimit::every(Duration::from_secs(1) / per_second.max(1))
    }

    /// One start per `interval`.
    pub(super) fn every(interval: Duration) -> RateLimit {
        RateLimit {
            interval,
            next: Mutex::new(Instant::now()),
        }
    }

    pub(super) async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// `N/s` → N (a whole number of checks per second, 1 to 1000000).
pub(super) fn parse_rate(text: &str) -> Result<u32, Error> {
    let number = text.trim().strip_suffix("/s").unwrap_or(text.trim());
    match number.parse::<u32>() {
        Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
        _ => Err(Error::invalid(
            "rate",
            "write the rate as N/s, a whole N from 1 to 1000000 (e.g. 50/s)",
        )),
    }
}

/// Where a provider publishes no status-read limit: a conservative 20/s.
const UNPUBLISHED_RATE: u32 = 20;

/// Checks one row against the provider (nothing is sent for an invalid row).
async fn check(gateway: &Arc<dyn PaymentGateway>, row: InputRow) -> OutputRow {
    let mut out = OutputRow {
        line: row.line,
        order_id: row.order_id.clone(),
        expected_amount: row.expected_amount_text.clone(),
        expected_status: row.expected_status_text.clone(),
        ..OutputRow::default()
    };
    if let Some(invalid) = row.invalid {
        out.error = Some(invalid);
        return out;
    }
    let id = match OrderId::new(row.order_id.as_str()) {
        Ok(id) => id,
        Err(Error::InvalidInput { reason, .. }) => {
            out.error = Some(Error::invalid(
                "order_id",
                format!("line {}: {reason}", row.line),
            ));
            return out;
        }
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    let payment = match gateway.payment_status(&id).await {
        Ok(payment) => payment,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    out.status = Some(payment.status.as_str().to_owned());
    out.provider_status = Some(payment.provider_status.clone());
    out.amount = payment.amount;
    out.refunded = payment.refunded_amount;
    if let (Some(expected), Some(actual)) = (row.expected_amount, payment.amount) {
        // An amount the payment's currency cannot hold is an input error, not a mismatch.
        let digits = u32::from(actual.currency().exponent());
        if expected.normalize().scale() > digits {
            out.error = Some(Error::invalid(
                "expected_amount",
                format!(
                    "line {}: {expected} has more decimals than {} has ({digits})",
                    row.line,
                    actual.currency().code()
                ),
            ));
            return out;
        }
        out.mismatch |= actual.amount() != expected;
    } else if row.expected_amount.is_some() {
        out.mismatch = true;
    }
    if let Some(expected) = &row.expected_status {
        out.mismatch |= payment.status != *expected;
    }
    out
}

/// Whether `path` is the very file standard output writes to (`--resume out.csv > out.csv`).
fn is_standard_output(path: &std::path::Path) -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let Ok(stdout) = std::io::stdout().as_fd().try_clone_to_owned() else {
        return false;
    };
    match (
        std::fs::File::from(stdout).metadata(),
        std::fs::metadata(path),
    ) {
        (Ok(out), Ok(file)) => out.is_file() && out.dev() == file.dev() && out.ino() == file.ino(),
        _ => false,
    }
}

/// A progress bar over the input's bytes, only on a terminal.
fn progress(input: &std::path::Path) -> Option<ProgressBar> {
    // Rows printed to the same terminal would be torn by the bar's redraws: the rows
    // themselves show the progress then.
    if !std::io::stderr().is_terminal() || std::io::stdout().is_terminal() {
        return None;
    }
    let size = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template("{wide_bar} {percent:>3}% · {msg} · ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// Runs the reconciliation; exits 1 when any row mismatched or failed, 130 when stopped.
pub(crate) async fn run(registry: &GatewayRegistry, out: Out, args: &ReconcileArgs) -> u8 {
    let json = out.json || matches!(args.output, ReconcileFormat::Json);
    let fail = |e: &Error| out.error("reconcile", e);
    let gateway = match registry.gateway(&args.gateway) {
        Ok(g) => g,
        Err(e) => return fail(&e),
    };
    let input = match (&args.input, &args.ledger) {
        (_, Some(ledger)) => return settle::run(gateway, out, json, args, ledger).await,
        (Some(input), None) => input,
        (None, None) => return fail(&Error::invalid("input", "give --input or --ledger")),
    };
    let rate = match args.rate.as_deref().map(parse_rate).transpose() {
        Ok(r) => r.unwrap_or_else(|| gateway.status_read_rate_limit().unwrap_or(UNPUBLISHED_RATE)),
        Err(e) => return fail(&e),
    };
    if let Some(previous) = args.resume.as_deref()
        && is_standard_output(previous)
    {
        let emptied = std::fs::metadata(previous).is_ok_and(|m| m.len() == 0);
        let what = if emptied {
            "the shell emptied it before paygate started, so the earlier results are gone"
        } else {
            "paygate would read the rows it writes"
        };
        return fail(&Error::invalid(
            "resume",
            format!(
                "{} is also this run's standard output: {what}; write the new output to another file",
                previous.display()
            ),
        ));
    }
    let done = match args
        .resume
        .as_deref()
        .map(output::checked_before)
        .transpose()
    {
        Ok(done) => done.unwrap_or_default(),
        Err(e) => return fail(&e),
    };
    let rows = match input::rows(input) {
        Ok(rows) => rows,
        Err(e) => return fail(&e),
    };
    let mut summary = Summary::default();
    let stop = Arc::new(AtomicBool::new(false));
    let skipped = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let (stop_rows, skip_count) = (stop.clone(), skipped.clone());
    let rows = rows
        .take_while(move |_| !stop_rows.load(Ordering::SeqCst))
        .filter(move |row| {
            let again = !done.contains(&row.order_id) || row.order_id.is_empty();
            if !again {
                skip_count.fetch_add(1, Ordering::Relaxed);
            }
            again
        });
    let limiter = Arc::new(RateLimit::new(rate));
    // Ctrl-C, to checks waiting for their turn: they give it up and never start.
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    let mut results = futures_util::stream::iter(rows)
        .map(|row| {
            let gateway = gateway.clone();
            let limiter = limiter.clone();
            let mut stopped = stopped.clone();
            async move {
                let byte_end = row.byte_end;
                tokio::select! {
                    biased;
                    _ = stopped.wait_for(|stop| *stop) => return (byte_end, None),
                    () = limiter.wait() => {}
                }
                if *stopped.borrow() {
                    return (byte_end, None);
                }
                (byte_end, Some(check(&gateway, row).await))
            }
        })
        .buffered(usize::from(args.concurrency));
    let mut sink = match Sink::new(json) {
        Ok(s) => s,
        Err(e) => return fail(&Error::invalid("output", e.to_string())),
    };
    let bar = progress(input);
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    let mut drain_until: Option<Instant> = None;
    loop {
        let deadline = drain_until.unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400));
        let next = tokio::select! {
            next = results.next() => next,
            _ = &mut interrupt, if drain_until.is_none() => {
                stop.store(true, Ordering::SeqCst);
                let _ = stopping.send(true);
                summary.interrupted = true;
                drain_until = Some(Instant::now() + DRAIN_WITHIN);
                continue;
            }
            () = tokio::time::sleep_until(deadline), if drain_until.is_some() => None,
        };
        let Some((byte_end, row)) = next else { break };
        let Some(row) = row else { continue };
        summary.add(&row);
        if let Err(e) = sink.row(&row) {
            return fail(&Error::invalid("output", e.to_string()));
        }
        if let Some(bar) = &bar {
            bar.set_position(byte_end);
            bar.set_message(format!("{} orders", summary.rows));
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    summary.skipped = skipped.load(Ordering::Relaxed);
    if let Err(e) = sink.finish(&summary) {
        return fail(&Error::invalid("output", e.to_string()));
    }
    eprintln!("{}", summary.text(&args.gateway));
    if summary.interrupted {
        INTERRUPTED
    } else if summary.mismatched + summary.failed > 0 {
        exit::CHECK_FAILED
    } else {
        exit::OK
    }
}
