//! The fault matrix: every fault × every operation × every provider, through the facade
//! registry against the sandbox. Each cell asserts the error class, `is_retryable()` /
//! `outcome_unknown()`, and how many requests the sandbox received: reads are retried within
//! bounds, writes are sent at most once. The table is printed and must equal the copy in
//! `docs/reliability.md` (`PAYGATE_UPDATE_DOCS=1` rewrites it).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use paygate::clock::{DeterministicRandom, ManualClock};
use paygate::sandbox::{Fault, FaultSpec, Provider, Sandbox, SimOrder, Stage};
use paygate::transport::{Dispatcher, ReqwestTransport, RetryPolicy, TransportSettings};
use paygate::{
    CaptureRequest, CreatePayment, Currency, Customer, Decimal, Error, ErrorClass, GatewayRegistry,
    Money, OrderId, PaymentGateway, RefundRequest, RefundStatusRequest, TransactionId, Url,
};

const ATTEMPTS: usize = 3;
const TIMEOUT: Duration = Duration::from_millis(250);
const MAX_BODY: usize = 64 * 1024;

/// The faults, with the name the table shows.
fn faults() -> Vec<(&'static str, Option<Fault>)> {
    vec![
        ("connect refused", None),
        ("reset before read", Some(Fault::ResetBeforeRead)),
        ("reset after read", Some(Fault::ResetAfterRead)),
        ("stall past timeout", Some(Fault::Delay { millis: 600 })),
        ("slow body", Some(Fault::SlowBody { millis: 600 })),
        ("HTTP 500", Some(Fault::Status { status: 500 })),
        ("HTTP 502", Some(Fault::Status { status: 502 })),
        ("HTTP 503", Some(Fault::Status { status: 503 })),
        ("HTTP 504", Some(Fault::Status { status: 504 })),
        ("HTML error page", Some(Fault::Html { status: 502 })),
        ("empty body", Some(Fault::EmptyBody)),
        ("truncated JSON", Some(Fault::TruncatedJson)),
        ("wrong content type", Some(Fault::WrongContentType)),
        ("JSON of the wrong shape", Some(Fault::WrongShape)),
        (
            "oversize body",
            Some(Fault::Oversize {
                bytes: MAX_BODY + 1024,
            }),
        ),
        (
            "rate limited, Retry-After",
            Some(Fault::RateLimit {
                retry_after: Some(1),
            }),
        ),
        (
            "rate limited, no Retry-After",
            Some(Fault::RateLimit { retry_after: None }),
        ),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Create,
    Status,
    Refund,
    RefundStatus,
    Void,
    Cancel,
    Capture,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Status => "status",
            Op::Refund => "refund",
            Op::RefundStatus => "refund status",
            Op::Void => "void",
            Op::Cancel => "cancel",
            Op::Capture => "capture",
        }
    }

    fn is_write(self) -> bool {
        matches!(
            self,
            Op::Create | Op::Refund | Op::Void | Op::Cancel | Op::Capture
        )
    }
}

/// Each provider's operations and the endpoint each one's fault is armed on.
fn operations(provider: Provider) -> Vec<(Op, &'static str)> {
    match provider {
        Provider::Finpay => vec![
            (Op::Create, "/initiate"),
            (Op::Status, "/check/"),
            (Op::Refund, "/refund"),
            (Op::RefundStatus, "/check/"),
            (Op::Void, "/void"),
            (Op::Cancel, "/cancel/"),
        ],
        Provider::Payway => vec![
            (Op::Create, "/purchase"),
            (Op::Status, "check-transaction-2"),
            (Op::Refund, "/refund"),
            (Op::RefundStatus, "check-transaction-2"),
            (Op::Void, "pre-auth-cancellation"),
            (Op::Cancel, "close-transaction"),
            (Op::Capture, "pre-auth-completion"),
        ],
        Provider::Payg => vec![
            (Op::Create, "/create"),
            (Op::Status, "/Detail"),
            (Op::Refund, "/Refund"),
            (Op::RefundStatus, "/RefundStatus"),
        ],
    }
}

/// What a cell must show.
#[derive(Debug, PartialEq, Eq)]
struct Expect {
    class: ErrorClass,
    retryable: bool,
    unknown: bool,
    received: usize,
}

/// `None`: the operation succeeds, because the fault spoils nothing it reads (PayWay's create
/// is answered by a bodiless 302 redirect, so a truncated or mislabelled body changes nothing).
fn expectation(provider: Provider, fault: &str, op: Op) -> Option<Expect> {
    let body_only = matches!(fault, "truncated JSON" | "wrong content type");
    if provider == Provider::Payway && op == Op::Create && body_only {
        return None;
    }
    Some(expect(fault, op))
}

fn expect(fault: &str, op: Op) -> Expect {
    let w = op.is_write();
    let read_retries = |n: usize| if w { 1 } else { n };
    let (class, retryable, unknown, received) = match fault {
        // Never sent: retried (even writes), nothing arrives.
        "connect refused" => (ErrorClass::NotSent, true, false, 0),
        // The request was written; the server broke the connection before reading it.
        "reset before read" => (
            if w {
                ErrorClass::OutcomeUnknown
            } else {
                ErrorClass::Transport
            },
            !w,
            w,
            0,
        ),
        "reset after read" | "stall past timeout" | "slow body" => (
            if w {
                ErrorClass::OutcomeUnknown
            } else {
                ErrorClass::Transport
            },
            !w,
            w,
            read_retries(ATTEMPTS),
        ),
        "HTTP 502" | "HTTP 503" | "HTTP 504" | "HTML error page" => (
            if w {
                ErrorClass::OutcomeUnknown
            } else {
                ErrorClass::UnexpectedBody
            },
            !w,
            w,
            read_retries(ATTEMPTS),
        ),
        "HTTP 500"
        | "empty body"
        | "truncated JSON"
        | "wrong content type"
        | "JSON of the wrong shape" => (
            if w {
                ErrorClass::OutcomeUnknown
            } else {
                ErrorClass::UnexpectedBody
            },
            false,
            w,
            1,
        ),
        "oversize body" => (
            if w {
                ErrorClass::OutcomeUnknown
            } else {
                ErrorClass::Transport
            },
            false,
            w,
            1,
        ),
        // The provider did not act: retryable by the caller, reads retried by the library.
        _ => (ErrorClass::Provider, true, false, read_retries(ATTEMPTS)),
    };
    Expect {
        class,
        retryable,
        unknown,
        received,
    }
}

fn gateway(toml: &str) -> Arc<dyn PaymentGateway> {
    let settings = TransportSettings::default()
        .timeout(TIMEOUT)
        .max_response_bytes(MAX_BODY);
    let dispatcher = Dispatcher::new(Arc::new(ReqwestTransport::new(&settings).unwrap()))
        .with_clock(Arc::new(ManualClock::new(
            paygate::time::OffsetDateTime::now_utc(),
        )))
        .with_random(Arc::new(DeterministicRandom::new(9)))
        .with_retry_policy(RetryPolicy::default().max_attempts(ATTEMPTS as u32));
    let name = toml.split(['.', ']']).nth(1).unwrap().to_owned();
    GatewayRegistry::builder()
        .dispatcher(dispatcher)
        .toml_str(toml)
        .unwrap()
        .build()
        .unwrap()
        .gateway(&name)
        .unwrap()
}

fn profile(provider: Provider) -> (Currency, Decimal) {
    match provider {
        Provider::Finpay => (Currency::IDR, Decimal::from(100_000)),
        Provider::Payway => (Currency::USD, Decimal::from(10)),
        Provider::Payg => (Currency::INR, Decimal::from(100)),
    }
}

/// Seeds the order a cell works on and returns the id the operation uses.
fn seed(sandbox: &Sandbox, provider: Provider, op: Op, id: &str) {
    let (currency, amount) = profile(provider);
    let now = paygate::time::OffsetDateTime::now_utc();
    let mut order = SimOrder::new(provider, id, id, amount, currency.code(), now);
    order.transaction_id = 72_200_000 + u64::from(id.bytes().map(u32::from).sum::<u32>());
    order.payment_method = "Upi".into();
    match op {
        Op::Create => return,
        Op::Cancel => {}
        Op::Void | Op::Capture if provider == Provider::Payway => {
            order.pre_auth = true;
            order.stage = Stage::Authorized;
        }
        _ => {
            order.stage = Stage::Paid;
            order.captured = amount;
        }
    }
    if op == Op::RefundStatus {
        order.refunds.push(paygate::sandbox::SimRefund {
            id: 1,
            amount: Decimal::ONE,
            at: now,
        });
    }
    sandbox.insert(order).unwrap();
}

async fn run(
    gateway: &Arc<dyn PaymentGateway>,
    provider: Provider,
    op: Op,
    id: &str,
) -> Result<(), Error> {
    let (currency, _) = profile(provider);
    let order = OrderId::new(id)?;
    let one = Money::new(Decimal::ONE, currency)?;
    match op {
        Op::Create => {
            let request = CreatePayment::new(order, Money::new(Decimal::from(100), currency)?)?
                .customer(Customer::new().phone("+6281234567890"))
                .callback_url(Url::parse("https://shop.example/cb").unwrap());
            gateway.create_payment(&request).await.map(drop)
        }
        Op::Status => gateway.payment_status(&order).await.map(drop),
        Op::Refund => {
            // PayG: give what the refund needs, so the only request is the refund itself.
            let tx = 72_200_000 + u64::from(id.bytes().map(u32::from).sum::<u32>());
            let request = RefundRequest::new(order, one)?
                .transaction_id(TransactionId::new(tx.to_string())?)
                .payment_method("Upi");
            gateway.refund(&request).await.map(drop)
        }
        Op::RefundStatus => {
            let tx = 72_200_000 + u64::from(id.bytes().map(u32::from).sum::<u32>());
            let request =
                RefundStatusRequest::new(order).transaction_id(TransactionId::new(tx.to_string())?);
            gateway.refund_status(&request).await.map(drop)
        }
        Op::Void => gateway.void(&(&order).into()).await.map(drop),
        Op::Cancel => gateway.cancel(&(&order).into()).await.map(drop),
        Op::Capture => gateway
            .capture(&CaptureRequest::new(order, one)?)
            .await
            .map(drop),
    }
}

/// The cell's line in the table: class, retryable/unknown flags, requests received.
fn cell(e: &Expect) -> String {
    let flags = match (e.retryable, e.unknown) {
        (true, _) => " r",
        (false, true) => " ?",
        (false, false) => "",
    };
    format!("{}{} ×{}", e.class.name(), flags, e.received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_every_operation_every_provider() {
    let sandbox = Sandbox::start().await.unwrap();
    // A port nothing listens on, for "connect refused".
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut table = String::new();
    let mut cells = 0;
    for provider in [Provider::Finpay, Provider::Payway, Provider::Payg] {
        let ops = operations(provider);
        let live = gateway(&sandbox.gateway_toml(provider));
        let dead_toml = paygate::sandbox::gateway_toml(
            provider,
            &format!("http://{closed}"),
            sandbox.credentials(),
        );
        let dead = gateway(&dead_toml);
        writeln!(table, "\n### {}\n", provider.name()).unwrap();
        writeln!(
            table,
            "| fault | {} |",
            ops.iter()
                .map(|(op, _)| op.name())
                .collect::<Vec<_>>()
                .join(" | ")
        )
        .unwrap();
        writeln!(table, "|---|{}", "---|".repeat(ops.len())).unwrap();
        for (name, fault) in faults() {
            let mut row = format!("| {name} |");
            for (n, (op, path)) in ops.iter().enumerate() {
                let id = format!("M{}{}{}", provider.name().len(), cells, n);
                seed(&sandbox, provider, *op, &id);
                sandbox.clear_faults();
                if let Some(fault) = &fault {
                    sandbox.arm(FaultSpec::new(provider, fault.clone(), 10).on_path(*path));
                }
                let before = sandbox
                    .received()
                    .iter()
                    .filter(|r| r.path.contains(path))
                    .count();
                let target = if fault.is_none() { &dead } else { &live };
                let result = run(target, provider, *op, &id).await;
                let received = sandbox
                    .received()
                    .iter()
                    .filter(|r| r.path.contains(path))
                    .count()
                    - before;
                assert!(!op.is_write() || received <= 1, "a write was sent twice");
                match (expectation(provider, name, *op), result) {
                    (Some(expected), Err(err)) => {
                        let seen = Expect {
                            class: err.class(),
                            retryable: err.is_retryable(),
                            unknown: err.outcome_unknown(),
                            received,
                        };
                        assert_eq!(
                            seen,
                            expected,
                            "{} / {name} / {}: {err}",
                            provider.name(),
                            op.name()
                        );
                        row.push_str(&format!(" {} |", cell(&seen)));
                    }
                    (None, Ok(())) => row.push_str(&format!(" ok ×{received} |")),
                    (expected, result) => panic!(
                        "{} / {name} / {}: expected {expected:?}, got {result:?}",
                        provider.name(),
                        op.name()
                    ),
                }
                cells += 1;
            }
            writeln!(table, "{row}").unwrap();
        }
    }
    sandbox.clear_faults();
    println!("{table}");
    assert!(cells > 250, "{cells} cells");

    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/reliability.md");
    let text = std::fs::read_to_string(&docs).unwrap_or_default();
    let (start, end) = ("<!-- fault-matrix:start -->\n", "<!-- fault-matrix:end -->");
    let current = text
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(inside, _)| inside);
    if std::env::var_os("PAYGATE_UPDATE_DOCS").is_some() {
        let (before, rest) = text.split_once(start).unwrap();
        let (_, after) = rest.split_once(end).unwrap();
        std::fs::write(
            &docs,
            format!("{before}{start}{}\n{end}{after}", table.trim_start()),
        )
        .unwrap();
    } else {
        assert_eq!(
            current.map(str::trim),
            Some(table.trim()),
            "docs/reliability.md's fault matrix is not current: run with PAYGATE_UPDATE_DOCS=1"
        );
    }
}
