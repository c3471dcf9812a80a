//! The fault matrix: every fault × every operation × every provider, through the facade
//! registry against the sandbox. Each cell asserts the error class, `is_retryable()` /
//! `outcome_unknown()`, the cause (transport cause, provider kind and `retry_after()`, or what
//! was wrong with the answer), the number of attempts, how many requests the sandbox received
//! on the operation's endpoint (every request that reached it at the HTTP level, whatever the
//! fault did with it), and for a write whether the sandbox's ledger changed: reads are retried
//! within bounds, writes are sent at most once. Writes get the payment handed over, read
//! before the fault is armed, so the fault meets the write itself.
//!
//! No cell depends on timing: a stall never ends (the client's timeout always wins, whatever
//! the machine's load), and every other cell runs under a generous timeout with a fault that
//! answers at once. Retry waits go to a manual clock, which records them.
//!
//! The table is printed and must equal the copy in `docs/reliability.md`
//! (`PAYGATE_UPDATE_DOCS=1` rewrites it).

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
    CancelRequest, CaptureRequest, CreatePayment, Currency, Customer, Decimal, Error, ErrorClass,
    GatewayRegistry, Money, OrderId, Payment, PaymentGateway, RefundRequest, RefundStatusRequest,
    TransactionId, Url, VoidRequest,
};

const ATTEMPTS: usize = 3;
/// For every cell but the stalls: nothing here waits on purpose, so a slow machine never
/// reaches it.
const GENEROUS: Duration = Duration::from_secs(30);
/// For the stalls only: the sandbox never answers them, so any timeout is reached.
const STALL_TIMEOUT: Duration = Duration::from_millis(300);
const NEVER: u64 = 3_600_000;
const MAX_BODY: usize = 64 * 1024;
const OTHER_ORDER: &str = "ZZOTHER1";

/// The faults, with the name the table shows.
fn faults() -> Vec<(&'static str, Option<Fault>)> {
    vec![
        ("connect refused", None),
        ("reset before read", Some(Fault::ResetBeforeRead)),
        ("reset after read", Some(Fault::ResetAfterRead)),
        ("answer lost after applying", Some(Fault::ResetAfterApply)),
        ("stall past timeout", Some(Fault::Delay { millis: NEVER })),
        ("slow body", Some(Fault::SlowBody { millis: NEVER })),
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
        ("unrecognised code", Some(Fault::UnrecognisedCode)),
        (
            "answer about another order",
            Some(Fault::OtherOrder {
                order_id: OTHER_ORDER.into(),
            }),
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
        other => panic!("no case for {other:?}: add one here"),
    }
}

/// What a cell must show.
#[derive(Debug, PartialEq, Eq)]
struct Expect {
    class: ErrorClass,
    retryable: bool,
    unknown: bool,
    /// Requests the sandbox received on the operation's endpoint.
    received: usize,
    /// The cause: a transport cause, a provider kind, or a phrase of the error.
    cause: String,
    /// `Some(applied)` for a write: whether the sandbox's ledger changed.
    applied: Option<bool>,
}

/// What a successful cell shows: the fault spoiled nothing the SDK reads.
#[derive(Debug, PartialEq, Eq)]
struct Passed {
    received: usize,
    applied: Option<bool>,
}

/// `Err(passed)`: the operation succeeds, because the fault spoils nothing it reads — PayWay's
/// create is answered by a bodiless 302 redirect, and Finpay's write answers and PayWay's
/// purchase name no order, so there is nothing to compare.
fn expectation(provider: Provider, fault: &str, op: Op) -> Result<Expect, Passed> {
    let w = op.is_write();
    let body_only = matches!(
        fault,
        "truncated JSON" | "wrong content type" | "answer about another order"
    );
    if provider == Provider::Payway && op == Op::Create && body_only {
        return Err(Passed {
            received: 1,
            applied: Some(true),
        });
    }
    if provider == Provider::Finpay && w && fault == "answer about another order" {
        return Err(Passed {
            received: 1,
            applied: Some(true),
        });
    }
    let mut expected = expect(fault, op);
    if provider == Provider::Payway && op == Op::Create && fault == "unrecognised code" {
        // `0` is a documented success of purchase (only): a success without a checkout.
        expected.cause = "success without a checkout".into();
    }
    Ok(expected)
}

fn expect(fault: &str, op: Op) -> Expect {
    let w = op.is_write();
    let tries = |n: usize| if w { 1 } else { n };
    let lost = if w {
        ErrorClass::OutcomeUnknown
    } else {
        ErrorClass::Transport
    };
    let unreadable = if w {
        ErrorClass::OutcomeUnknown
    } else {
        ErrorClass::UnexpectedBody
    };
    // (class, retryable, unknown, received, cause, applied)
    let (class, retryable, unknown, received, cause, applied) = match fault {
        // Never sent: retried (even writes), nothing arrives.
        "connect refused" => (
            ErrorClass::NotSent,
            true,
            false,
            0,
            "Connect".to_owned(),
            false,
        ),
        "reset before read" | "reset after read" => (
            lost,
            !w,
            w,
            tries(ATTEMPTS),
            "ConnectionClosed".into(),
            false,
        ),
        "answer lost after applying" => (
            lost,
            !w,
            w,
            tries(ATTEMPTS),
            "ConnectionClosed".into(),
            true,
        ),
        "stall past timeout" => (lost, !w, w, tries(ATTEMPTS), "Timeout".into(), false),
        // The handler ran, then its body never came.
        "slow body" => (lost, !w, w, tries(ATTEMPTS), "Timeout".into(), true),
        "HTTP 502" | "HTTP 503" | "HTTP 504" | "HTML error page" => (
            unreadable,
            !w,
            w,
            tries(ATTEMPTS),
            format!(
                "HTTP {}",
                if fault.starts_with("HTTP") {
                    &fault[5..]
                } else {
                    "502"
                }
            ),
            false,
        ),
        "HTTP 500" => (unreadable, false, w, 1, "HTTP 500".into(), false),
        "empty body" | "JSON of the wrong shape" => {
            (unreadable, false, w, 1, "HTTP 200".into(), false)
        }
        // The handler ran; its answer was spoiled.
        "truncated JSON" | "wrong content type" => {
            (unreadable, false, w, 1, "HTTP 200".into(), true)
        }
        "oversize body" => (lost, false, w, 1, "BodyTooLarge".into(), false),
        "unrecognised code" => (
            unreadable,
            false,
            w,
            1,
            "neither a documented success nor a documented refusal".into(),
            true,
        ),
        "answer about another order" => {
            (unreadable, false, w, 1, "the answer is about".into(), true)
        }
        // The provider did not act: retryable by the caller, reads retried by the library
        // after the wait the answer asked for.
        "rate limited, Retry-After" => (
            ErrorClass::Provider,
            true,
            false,
            tries(ATTEMPTS),
            "RateLimited { retry_after: Some(1s) }".into(),
            false,
        ),
        "rate limited, no Retry-After" => (
            ErrorClass::Provider,
            true,
            false,
            tries(ATTEMPTS),
            "RateLimited { retry_after: None }".into(),
            false,
        ),
        other => panic!("no expectation for {other}"),
    };
    Expect {
        class,
        retryable,
        unknown,
        received,
        cause,
        applied: w.then_some(applied),
    }
}

/// The cause as the table of expectations names it.
fn cause(err: &Error, expected: &str) -> String {
    match err {
        Error::Transport(t) => format!("{:?}", t.cause),
        Error::Provider(p) => format!("{:?}", p.kind),
        // Answers: the expected phrase if the error says it, else the whole message.
        other => {
            let text = other.to_string();
            if text.contains(expected) {
                expected.to_owned()
            } else {
                text
            }
        }
    }
}

/// How many times the transport tried: the error says it for transport failures; otherwise
/// every attempt reached the sandbox.
fn attempts(err: &Error, received: usize) -> usize {
    match err {
        Error::Transport(t) => t.attempts as usize,
        _ => received,
    }
}

fn gateway(toml: &str, timeout: Duration) -> (Arc<dyn PaymentGateway>, Arc<ManualClock>) {
    let settings = TransportSettings::default()
        .timeout(timeout)
        .max_response_bytes(MAX_BODY);
    let clock = Arc::new(ManualClock::new(paygate::time::OffsetDateTime::now_utc()));
    let dispatcher = Dispatcher::new(Arc::new(ReqwestTransport::new(&settings).unwrap()))
        .with_clock(clock.clone())
        .with_random(Arc::new(DeterministicRandom::new(9)))
        .with_retry_policy(RetryPolicy::default().max_attempts(ATTEMPTS as u32));
    let name = toml.split(['.', ']']).nth(1).unwrap().to_owned();
    let gateway = GatewayRegistry::builder()
        .dispatcher(dispatcher)
        .toml_str(toml)
        .unwrap()
        .build()
        .unwrap()
        .gateway(&name)
        .unwrap();
    (gateway, clock)
}

fn profile(provider: Provider) -> (Currency, Decimal) {
    match provider {
        Provider::Finpay => (Currency::IDR, Decimal::from(100_000)),
        Provider::Payway => (Currency::USD, Decimal::from(10)),
        Provider::Payg => (Currency::INR, Decimal::from(100)),
        other => panic!("no case for {other:?}: add one here"),
    }
}

fn transaction_id(id: &str) -> u64 {
    72_200_000 + u64::from(id.bytes().map(u32::from).sum::<u32>())
}

/// Seeds the order a cell works on.
fn seed(sandbox: &Sandbox, provider: Provider, op: Op, id: &str) {
    let (currency, amount) = profile(provider);
    let now = paygate::time::OffsetDateTime::now_utc();
    let mut order = SimOrder::new(provider, id, id, amount, currency.code(), now);
    order.transaction_id = transaction_id(id);
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

/// The sandbox's order for the merchant's `id` (PayG keys its orders by its own `OrderKeyId`;
/// the merchant's id is the `UniqueRequestId`, kept as `merchant_ref`).
fn ledger(sandbox: &Sandbox, provider: Provider, id: &str) -> Option<SimOrder> {
    sandbox
        .orders(provider)
        .into_iter()
        .find(|o| o.id == id || o.merchant_ref == id)
}

/// Runs `op`; a write gets `before` handed over (its payment as read before the fault).
async fn run(
    gateway: &Arc<dyn PaymentGateway>,
    provider: Provider,
    op: Op,
    id: &str,
    before: Option<&Payment>,
) -> Result<(), Error> {
    let (currency, _) = profile(provider);
    let order = OrderId::new(id)?;
    let one = Money::new(Decimal::ONE, currency)?;
    let before = || before.expect("a write is handed its payment");
    match op {
        Op::Create => {
            let request = CreatePayment::new(order, Money::new(Decimal::from(100), currency)?)?
                .customer(Customer::new().phone("+6281234567890"))
                .callback_url(Url::parse("https://shop.example/cb").unwrap());
            gateway.create_payment(&request).await.map(drop)
        }
        Op::Status => gateway.payment_status(&order).await.map(drop),
        Op::Refund => gateway
            .refund(&RefundRequest::for_payment(before(), one)?)
            .await
            .map(drop),
        Op::RefundStatus => {
            let request = RefundStatusRequest::new(order)
                .transaction_id(TransactionId::new(transaction_id(id).to_string())?);
            gateway.refund_status(&request).await.map(drop)
        }
        Op::Void => gateway
            .void(&VoidRequest::for_payment(before()))
            .await
            .map(drop),
        Op::Cancel => gateway
            .cancel(&CancelRequest::for_payment(before()))
            .await
            .map(drop),
        Op::Capture => gateway
            .capture(&CaptureRequest::for_payment(before(), one)?)
            .await
            .map(drop),
    }
}

/// The cell's line in the table: class, retryable/unknown flags, requests received, and for a
/// write whether the sandbox applied it.
fn cell(
    class: &str,
    retryable: bool,
    unknown: bool,
    received: usize,
    applied: Option<bool>,
) -> String {
    let flags = match (retryable, unknown) {
        (true, _) => " r",
        (false, true) => " ?",
        (false, false) => "",
    };
    let applied = match applied {
        Some(true) => " applied",
        _ => "",
    };
    format!("{class}{flags} ×{received}{applied}")
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
        let toml = sandbox.gateway_toml(provider);
        let (live, live_clock) = gateway(&toml, GENEROUS);
        let (stalled, stalled_clock) = gateway(&toml, STALL_TIMEOUT);
        let dead_toml = paygate::sandbox::gateway_toml(
            provider,
            &format!("http://{closed}"),
            sandbox.credentials(),
        );
        let (dead, dead_clock) = gateway(&dead_toml, GENEROUS);
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
                let before = if op.is_write() && *op != Op::Create {
                    Some(
                        live.payment_status(&OrderId::new(&id).unwrap())
                            .await
                            .unwrap(),
                    )
                } else {
                    None
                };
                let ledger_before = ledger(&sandbox, provider, &id);
                if let Some(fault) = &fault {
                    sandbox.arm(FaultSpec::new(provider, fault.clone(), 10).on_path(*path));
                }
                let count = || {
                    sandbox
                        .received()
                        .iter()
                        .filter(|r| r.path.contains(path))
                        .count()
                };
                let received_before = count();
                let (target, clock) = match (&fault, name) {
                    (None, _) => (&dead, &dead_clock),
                    (_, "stall past timeout" | "slow body") => (&stalled, &stalled_clock),
                    _ => (&live, &live_clock),
                };
                let sleeps_before = clock.sleeps().len();
                let result = run(target, provider, *op, &id, before.as_ref()).await;
                let received = count() - received_before;
                let applied = op
                    .is_write()
                    .then(|| ledger(&sandbox, provider, &id) != ledger_before);
                assert!(!op.is_write() || received <= 1, "a write was sent twice");
                let what = format!("{} / {name} / {}", provider.name(), op.name());
                match (expectation(provider, name, *op), result) {
                    (Ok(expected), Err(err)) => {
                        let seen = Expect {
                            class: err.class(),
                            retryable: err.is_retryable(),
                            unknown: err.outcome_unknown(),
                            received,
                            cause: cause(&err, &expected.cause),
                            applied,
                        };
                        assert_eq!(seen, expected, "{what}: {err}");
                        // Attempts: writes once unless never sent; reads within the bound.
                        let tries = attempts(&err, received);
                        let expected_tries = if name == "connect refused" {
                            ATTEMPTS
                        } else {
                            expected.received
                        };
                        assert_eq!(tries, expected_tries, "{what}: attempts");
                        // The retry waits honour Retry-After.
                        let waits: Vec<Duration> =
                            clock.sleeps().into_iter().skip(sleeps_before).collect();
                        if name == "rate limited, Retry-After" && !op.is_write() {
                            assert_eq!(waits, vec![Duration::from_secs(1); ATTEMPTS - 1], "{what}");
                            assert_eq!(err.retry_after(), Some(Duration::from_secs(1)), "{what}");
                        }
                        if name == "rate limited, no Retry-After" {
                            assert_eq!(err.retry_after(), None, "{what}");
                        }
                        row.push_str(&format!(
                            " {} |",
                            cell(
                                seen.class.name(),
                                seen.retryable,
                                seen.unknown,
                                received,
                                applied
                            )
                        ));
                    }
                    (Err(expected), Ok(())) => {
                        assert_eq!(Passed { received, applied }, expected, "{what}");
                        row.push_str(&format!(
                            " {} |",
                            cell("ok", false, false, received, applied)
                        ));
                    }
                    (expected, result) => {
                        panic!("{what}: expected {expected:?}, got {result:?}")
                    }
                }
                cells += 1;
            }
            writeln!(table, "{row}").unwrap();
        }
    }
    sandbox.clear_faults();
    println!("{table}");
    assert!(cells > 300, "{cells} cells");

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

/// The reset-before-read fault is recorded: a write that met it counts as received.
#[tokio::test]
async fn every_request_that_reached_the_sandbox_is_recorded() {
    let sandbox = Sandbox::start().await.unwrap();
    let (gw, _) = gateway(&sandbox.gateway_toml(Provider::Payway), GENEROUS);
    seed(&sandbox, Provider::Payway, Op::Refund, "REC1");
    let before = gw
        .payment_status(&OrderId::new("REC1").unwrap())
        .await
        .unwrap();
    sandbox.arm(FaultSpec::new(Provider::Payway, Fault::ResetBeforeRead, 1).on_path("/refund"));
    let err = run(&gw, Provider::Payway, Op::Refund, "REC1", Some(&before))
        .await
        .unwrap_err();
    assert!(err.outcome_unknown(), "{err}");
    let received = sandbox.received();
    let last = received.last().unwrap();
    assert!(last.path.ends_with("/refund"), "{last:?}");
    assert_eq!(last.fault.as_deref(), Some("reset_before_read"));
}
