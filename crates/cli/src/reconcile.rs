//! `paygate reconcile`: many orders from a CSV, checked with bounded concurrency and a rate
//! limit, streamed (memory does not grow with the input), one row out per order.

use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Write};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use paygate::{Decimal, Error, GatewayRegistry, OrderId, PaymentGateway};
use serde::Serialize;
use serde_json::json;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::args::{ReconcileArgs, ReconcileFormat};
use crate::exit;
use crate::ops::Out;

/// One input order.
struct InputRow {
    line: u64,
    order_id: String,
    expected_amount: Option<String>,
    expected_status: Option<String>,
}

/// One output row.
#[derive(Debug, Serialize)]
struct OutputRow {
    order_id: String,
    status: String,
    provider_status: String,
    amount: String,
    currency: String,
    refunded: String,
    expected_amount: String,
    expected_status: String,
    mismatch: bool,
    error_class: String,
    error: String,
}

/// Starts at most one check per interval.
struct RateLimit {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimit {
    fn new(per_second: u32) -> RateLimit {
        RateLimit {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(Instant::now()),
        }
    }

    async fn wait(&self) {
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
fn parse_rate(text: &str) -> Result<u32, Error> {
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

fn amount_matches(expected: &str, actual: Option<paygate::Money>) -> Result<bool, Error> {
    let expected = Decimal::from_str(expected.trim()).map_err(|_| {
        Error::invalid(
            "expected_amount",
            format!("{expected:?} is not a decimal amount"),
        )
    })?;
    Ok(actual.is_some_and(|a| a.amount() == expected))
}

async fn check(gateway: &Arc<dyn PaymentGateway>, row: InputRow) -> OutputRow {
    let mut out = OutputRow {
        order_id: row.order_id.clone(),
        status: String::new(),
        provider_status: String::new(),
        amount: String::new(),
        currency: String::new(),
        refunded: String::new(),
        expected_amount: row.expected_amount.clone().unwrap_or_default(),
        expected_status: row.expected_status.clone().unwrap_or_default(),
        mismatch: false,
        error_class: String::new(),
        error: String::new(),
    };
    let result = async {
        let id = OrderId::new(row.order_id.as_str()).map_err(|e| match e {
            Error::InvalidInput { reason, .. } => {
                Error::invalid("order_id", format!("line {}: {reason}", row.line))
            }
            other => other,
        })?;
        let payment = gateway.payment_status(&id).await?;
        let mut mismatch = false;
        if let Some(expected) = row
            .expected_amount
            .as_deref()
            .filter(|e| !e.trim().is_empty())
        {
            mismatch |= !amount_matches(expected, payment.amount)?;
        }
        if let Some(expected) = row
            .expected_status
            .as_deref()
            .filter(|e| !e.trim().is_empty())
        {
            mismatch |= !payment
                .status
                .as_str()
                .eq_ignore_ascii_case(expected.trim());
        }
        Ok::<_, Error>((payment, mismatch))
    }
    .await;
    match result {
        Ok((payment, mismatch)) => {
            out.status = payment.status.as_str().to_owned();
            out.provider_status = payment.provider_status.clone();
            if let Some(amount) = payment.amount {
                out.amount = amount.format_amount();
                out.currency = amount.currency().code().to_owned();
            }
            out.refunded = payment
                .refunded_amount
                .map(|m| m.format_amount())
                .unwrap_or_default();
            out.mismatch = mismatch;
        }
        Err(e) => {
            out.error_class = e.class().name().to_owned();
            out.error = e.to_string();
        }
    }
    out
}

/// Where rows go.
enum Sink {
    Csv(Box<csv::Writer<BufWriter<std::io::Stdout>>>),
    Json {
        out: BufWriter<std::io::Stdout>,
        first: bool,
    },
}

impl Sink {
    fn new(format: ReconcileFormat) -> std::io::Result<Sink> {
        let stdout = BufWriter::new(std::io::stdout());
        Ok(match format {
            ReconcileFormat::Csv => Sink::Csv(Box::new(csv::Writer::from_writer(stdout))),
            ReconcileFormat::Json => {
                let mut out = stdout;
                out.write_all(b"{\"command\":\"reconcile\",\"rows\":[")?;
                Sink::Json { out, first: true }
            }
        })
    }

    fn row(&mut self, row: &OutputRow) -> std::io::Result<()> {
        match self {
            Sink::Csv(writer) => writer.serialize(row).map_err(std::io::Error::other),
            Sink::Json { out, first } => {
                if !*first {
                    out.write_all(b",")?;
                }
                *first = false;
                out.write_all(b"\n")?;
                serde_json::to_writer(&mut *out, row).map_err(std::io::Error::other)
            }
        }
    }

    fn finish(self, summary: &serde_json::Value) -> std::io::Result<()> {
        match self {
            Sink::Csv(mut writer) => writer.flush(),
            Sink::Json { mut out, .. } => {
                write!(out, "\n],\"summary\":{summary}}}\n")?;
                out.flush()
            }
        }
    }
}

/// Runs the reconciliation; exits 1 when any order mismatched or failed.
pub(crate) async fn run(registry: &GatewayRegistry, out: Out, args: &ReconcileArgs) -> u8 {
    let gateway = match registry.gateway(&args.gateway) {
        Ok(g) => g,
        Err(e) => return out.error("reconcile", &e),
    };
    let rate = match args.rate.as_deref().map(parse_rate).transpose() {
        Ok(r) => r.unwrap_or_else(|| gateway.status_read_rate_limit().unwrap_or(UNPUBLISHED_RATE)),
        Err(e) => return out.error("reconcile", &e),
    };
    let file = match File::open(&args.input) {
        Ok(f) => f,
        Err(e) => {
            return out.error(
                "reconcile",
                &Error::invalid(
                    "input",
                    format!("cannot read {}: {}", args.input.display(), e.kind()),
                ),
            );
        }
    };
    let mut reader = csv::Reader::from_reader(BufReader::new(file));
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return out.error(
                "reconcile",
                &Error::invalid("input", format!("not CSV: {e}")),
            );
        }
    };
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let Some(order_column) = column("order_id") else {
        return out.error(
            "reconcile",
            &Error::invalid("input", "the header row has no order_id column"),
        );
    };
    let (amount_column, status_column) = (column("expected_amount"), column("expected_status"));

    let rows = reader.into_records().enumerate().map(move |(i, record)| {
        let line = u64::try_from(i).unwrap_or(u64::MAX).saturating_add(2);
        match record {
            Ok(r) => InputRow {
                line,
                order_id: r.get(order_column).unwrap_or("").trim().to_owned(),
                expected_amount: amount_column.and_then(|c| r.get(c)).map(str::to_owned),
                expected_status: status_column.and_then(|c| r.get(c)).map(str::to_owned),
            },
            Err(_) => InputRow {
                line,
                order_id: String::new(),
                expected_amount: None,
                expected_status: None,
            },
        }
    });
    let limiter = Arc::new(RateLimit::new(rate));
    let concurrency = usize::from(args.concurrency);
    let mut results = futures_util::stream::iter(rows)
        .map(|row| {
            let gateway = gateway.clone();
            let limiter = limiter.clone();
            async move {
                limiter.wait().await;
                check(&gateway, row).await
            }
        })
        .buffered(concurrency);

    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos} orders checked ({per_sec}) {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        Some(bar)
    } else {
        None
    };
    let mut sink = match Sink::new(args.output) {
        Ok(s) => s,
        Err(e) => return out.error("reconcile", &Error::invalid("output", e.to_string())),
    };
    let (mut checked, mut mismatched, mut failed) = (0u64, 0u64, 0u64);
    let mut classes: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    while let Some(row) = results.next().await {
        checked += 1;
        if row.mismatch {
            mismatched += 1;
        }
        if !row.error_class.is_empty() {
            failed += 1;
            *classes.entry(row.error_class.clone()).or_default() += 1;
        }
        if let Err(e) = sink.row(&row) {
            return out.error("reconcile", &Error::invalid("output", e.to_string()));
        }
        if let Some(bar) = &progress {
            bar.inc(1);
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let summary =
        json!({"checked": checked, "mismatched": mismatched, "failed": failed, "errors": classes});
    if let Err(e) = sink.finish(&summary) {
        return out.error("reconcile", &Error::invalid("output", e.to_string()));
    }
    let errors: Vec<String> = classes.iter().map(|(c, n)| format!("{n} {c}")).collect();
    eprintln!(
        "reconciled {checked} orders of {}: {} as expected, {mismatched} mismatched, {failed} failed{}",
        args.gateway,
        checked.saturating_sub(mismatched + failed),
        if errors.is_empty() {
            String::new()
        } else {
            format!(" ({})", errors.join(", "))
        }
    );
    if mismatched + failed > 0 {
        exit::CHECK_FAILED
    } else {
        exit::OK
    }
}
