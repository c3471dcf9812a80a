//! A process making journaled writes against a sandbox, for the tests that kill it
//! (`SIGKILL` at random points) and race several of it on one journal database.
//!
//! ```text
//! journal-child refund  CONFIG JOURNAL_URL ORDER KEY AMOUNT [pause]   (prints `ready` just before)
//! journal-child refunds CONFIG JOURNAL_URL ORDERS(comma-separated) KEYS PREFIX AMOUNT
//! journal-child recover CONFIG JOURNAL_URL
//! ```
//!
//! With `pause`, the refund's request stops in the transport, after the journal's claim and
//! before anything leaves the process: the child prints `sending` and waits there, so a
//! kill on that line lands between the intent and the send every time, not by luck. (The
//! write's 600 ms deadline still runs meanwhile: a kill later than that finds the attempt
//! given up and recorded, and the crash test's aimed-kill check then fails loudly rather
//! than pass on a window it did not hit. A longer deadline would make recovery wait a
//! longer lease after each such kill, since the claim records the baseline.)
//!
//! `refunds` makes key `{PREFIX}{i}` for `i` in `0..KEYS`, a refund of AMOUNT on
//! `ORDERS[i % len]`, waiting its turn while another process holds the order. It prints one
//! line per key: `key state`. Exit codes: 0 done, 2 usage, 3 a write failed.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Duration;

use std::sync::Arc;

use paygate::journal::{JournalSettings, RecoveryOptions};
use paygate::transport::{
    HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportSettings,
};
use paygate::{
    Currency, ErrorClass, GatewayRegistry, Money, Operation, OrderId, RefundReference,
    RefundRequest, TransportFailure,
};

/// The default transport, but a refund's request first prints `sending` and waits 5 s.
#[derive(Debug)]
struct PausingTransport(ReqwestTransport);

#[async_trait::async_trait]
impl Transport for PausingTransport {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportFailure> {
        if request.operation == Operation::Refund {
            println!("sending");
            let _ = std::io::Write::flush(&mut std::io::stdout());
            tokio::time::sleep(Duration::from_secs(5)).await; // (killed long before)
        }
        self.0.send(request).await
    }
}

async fn registry(config: &str, journal: &str, pause: bool) -> paygate::Result<GatewayRegistry> {
    // Leases of 800 ms: the sandbox answers in milliseconds, and the crash test waits out
    // the lease of each write killed after its claim.
    let deadline = Duration::from_millis(600);
    let journal = paygate::journal::open(journal)
        .await
        .map_err(|e| paygate::Error::config("journal", e.to_string()))?;
    let mut builder = GatewayRegistry::builder().toml_file(config)?;
    if pause {
        // Loopback only, so the configuration's transport settings add nothing here.
        let plain = ReqwestTransport::new(&TransportSettings::default())?;
        builder = builder.transport(Arc::new(PausingTransport(plain)));
    }
    builder
        .journal(
            journal,
            JournalSettings::default()
                .wait_for_order(Duration::from_secs(30))
                .lease_margin(Duration::from_millis(200))
                .deadline(deadline),
        )
        .build()
}

fn refund(order: &str, key: &str, amount: &str) -> paygate::Result<RefundRequest> {
    Ok(
        RefundRequest::new(OrderId::new(order)?, Money::parse(amount, Currency::USD)?)?
            .reference(RefundReference::new(key)?),
    )
}

async fn run(args: &[String]) -> paygate::Result<ExitCode> {
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    let pause = arg(0) == "refund" && arg(6) == "pause";
    let registry = registry(arg(1), arg(2), pause).await?;
    // The configuration's one gateway.
    let name = registry
        .names()
        .next()
        .ok_or_else(|| paygate::Error::config("gateways", "the configuration has no gateway"))?
        .to_owned();
    let gateway = registry.gateway(&name)?;
    match arg(0) {
        "refund" => {
            let request = refund(arg(3), arg(4), arg(5))?;
            // Everything before the write is done: the killing test times from here.
            println!("ready");
            let _ = std::io::Write::flush(&mut std::io::stdout());
            let result = gateway.refund(&request).await;
            println!(
                "{} {}",
                arg(4),
                result.map_or_else(|e| e.class().to_string(), |_| "ok".into())
            );
            Ok(ExitCode::SUCCESS)
        }
        "refunds" => {
            let orders: Vec<&str> = arg(3).split(',').collect();
            let keys: usize = arg(4).parse().unwrap_or(0);
            let mut failed = false;
            for i in 0..keys {
                let key = format!("{}{i}", arg(5));
                let order = orders
                    .get(i % orders.len().max(1))
                    .copied()
                    .unwrap_or_default();
                let request = refund(order, &key, arg(6))?;
                let outcome = loop {
                    match gateway.refund(&request).await {
                        Ok(_) => break "ok".to_owned(),
                        // Another process holds the order past the wait, or the lease ran
                        // out before sending (nothing sent either way): try again.
                        Err(e) if e.class() == ErrorClass::InProgress || e.is_retryable() => {
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                        Err(e) => {
                            failed = true;
                            break format!("{} {e}", e.class());
                        }
                    }
                };
                println!("{key} {outcome}");
            }
            Ok(if failed {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            })
        }
        "recover" => {
            let report = registry.recover(RecoveryOptions::default()).await?;
            for settled in &report.settled {
                println!("{} {} {}", settled.key, settled.state, settled.reason);
            }
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!("usage: journal-child refund|refunds|recover CONFIG JOURNAL_URL …");
            Ok(ExitCode::from(2))
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("journal-child: {e}");
            ExitCode::from(3)
        }
    }
}
