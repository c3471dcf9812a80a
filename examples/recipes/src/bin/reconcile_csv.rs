//! A reconciliation over a CSV: each row says what the shop's books expect of a payment
//! (`gateway,order_id,expected_amount,expected_status`, and optionally `expected_currency`);
//! each payment is read from its
//! provider and a report row says whether it matches.
//!
//! ```text
//! cargo run -p paygate-recipes --bin reconcile_csv                          # a demo against the embedded sandbox
//! cargo run -p paygate-recipes --bin reconcile_csv -- paygate.toml orders.csv > report.csv
//! ```
//!
//! The report (stdout) has the columns `gateway,order_id,result,expected_amount,
//! actual_amount,expected_status,actual_status,detail`, in the input's order; `result` is
//! `match`, `currency_mismatch`, `amount_mismatch`, `status_mismatch` or `unreadable`. A summary goes to stderr.
//! Amounts compare as exact decimals (`10` matches `10.00`), never as floats. Reads go four
//! at a time; `paygate reconcile` also paces them by each provider's published rate limit.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use futures_util::StreamExt;
use paygate::sandbox::{Provider, Sandbox, Seed};
use paygate::{Decimal, GatewayRegistry, OrderId, PaymentStatus};
use serde::Deserialize;

type Failure = Box<dyn std::error::Error>;

#[derive(Debug, Deserialize)]
struct Expected {
    gateway: String,
    order_id: String,
    expected_amount: String,
    expected_status: String,
    /// Optional: the currency code the books expect.
    #[serde(default)]
    expected_currency: Option<String>,
}

#[derive(Debug, Default)]
struct Line {
    result: &'static str,
    actual_amount: String,
    actual_status: String,
    detail: String,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("reconcile_csv: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (registry, csv_text, _sandbox) = match args.as_slice() {
        [config, orders] => (
            GatewayRegistry::from_toml_file(config)?,
            std::fs::read_to_string(orders)?,
            None,
        ),
        [] => {
            let (registry, csv_text, sandbox) = demo().await?;
            (registry, csv_text, Some(sandbox))
        }
        _ => return Err("usage: reconcile_csv [CONFIG ORDERS.csv]".into()),
    };
    let rows: Vec<Expected> = csv::Reader::from_reader(csv_text.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()?;
    let registry = &registry;
    let lines: Vec<Line> = futures_util::stream::iter(&rows)
        .map(|row| check(registry, row))
        .buffered(4)
        .collect()
        .await;

    let mut report = csv::Writer::from_writer(std::io::stdout());
    report.write_record([
        "gateway",
        "order_id",
        "result",
        "expected_amount",
        "actual_amount",
        "expected_status",
        "actual_status",
        "detail",
    ])?;
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for (row, line) in rows.iter().zip(&lines) {
        *counts.entry(line.result).or_default() += 1;
        report.write_record([
            row.gateway.as_str(),
            &row.order_id,
            line.result,
            &row.expected_amount,
            &line.actual_amount,
            &row.expected_status,
            &line.actual_status,
            &line.detail,
        ])?;
    }
    report.flush()?;
    let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    eprintln!("{} rows; {}", rows.len(), summary.join(", "));
    Ok(())
}

/// One row against its provider.
async fn check(registry: &GatewayRegistry, row: &Expected) -> Line {
    let unreadable = |detail: String| Line {
        result: "unreadable",
        detail,
        ..Line::default()
    };
    let gateway = match registry.gateway(&row.gateway) {
        Ok(gateway) => gateway,
        Err(e) => return unreadable(e.to_string()),
    };
    let expected_amount = match paygate::money::parse_plain_decimal(row.expected_amount.trim()) {
        Ok(amount) => amount,
        Err(e) => return unreadable(format!("expected_amount: {e}")),
    };
    let order_id = match OrderId::new(row.order_id.trim()) {
        Ok(id) => id,
        Err(e) => return unreadable(e.to_string()),
    };
    let payment = match gateway.payment_status(&order_id).await {
        Ok(payment) => payment,
        Err(e) => return unreadable(format!("{}: {e}", e.class().name())),
    };
    let actual: Option<Decimal> = payment.amount.map(|m| m.amount());
    let expected_status = PaymentStatus::from_name(row.expected_status.trim());
    let currency = payment.amount.map(|m| m.currency().code().to_owned());
    let expected_currency = row.expected_currency.as_deref().map(str::trim);
    let result =
        if expected_currency.is_some_and(|c| !c.is_empty() && Some(c) != currency.as_deref()) {
            "currency_mismatch"
        } else if actual != Some(expected_amount) {
            "amount_mismatch"
        } else if payment.status != expected_status {
            "status_mismatch"
        } else {
            "match"
        };
    Line {
        result,
        actual_amount: payment.amount.map(|m| m.to_string()).unwrap_or_default(),
        actual_status: payment.status.to_string(),
        detail: payment.provider_status,
    }
}

/// Paid orders at the embedded sandbox, and books that disagree with them here and there.
async fn demo() -> Result<(GatewayRegistry, String, Sandbox), Failure> {
    let sandbox = Sandbox::start().await?;
    let registry = paygate::sandbox::registry(&sandbox)?;
    sandbox.seed(&Seed {
        provider: Provider::Payway,
        prefix: "RCW".into(),
        count: 12,
        amount: "10.00".into(),
        currency: "USD".into(),
        paid: true,
    })?;
    sandbox.seed(&Seed {
        provider: Provider::Finpay,
        prefix: "RCF".into(),
        count: 8,
        amount: "150000".into(),
        currency: "IDR".into(),
        paid: true,
    })?;
    let mut books =
        String::from("gateway,order_id,expected_amount,expected_status,expected_currency\n");
    for n in 0..12 {
        let (amount, status, currency) = match n {
            3 => ("9.99", "paid", "USD"),
            5 => ("10", "paid", "KHR"),
            7 => ("10", "refunded", "USD"),
            _ => ("10", "paid", "USD"),
        };
        books.push_str(&format!("payway,RCW{n:06},{amount},{status},{currency}\n"));
    }
    for n in 0..8 {
        books.push_str(&format!("finpay,RCF{n:06},150000.00,paid,\n"));
    }
    books.push_str("finpay,RCF999999,150000,paid,IDR\n");
    Ok((registry, books, sandbox))
}
