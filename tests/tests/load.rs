//! Load: 10 000 concurrent status checks through one registry against the sandbox complete
//! without error, file-descriptor exhaustion or unbounded memory. The bound that makes this
//! hold is the transport's `max_in_flight` (default 256): without it 10 000 concurrent
//! requests would open 10 000 client and 10 000 server sockets in this one process.
//!
//! Bounded in count (10 000 calls) and in time (the test gives up after 120 s; on the
//! development machine it takes a few seconds). Linux only, because it reads `/proc/self`.

#![cfg(target_os = "linux")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use paygate::sandbox::{Provider, Sandbox, SimOrder, Stage};
use paygate::{Currency, Decimal, OrderId, PaymentStatus};

const CALLS: usize = 10_000;
const ORDERS_PER_PROVIDER: usize = 50;
/// The transport's default `max_in_flight`.
const IN_FLIGHT: usize = 256;
/// Sockets open at once, beyond those open before: each request in flight holds a client and
/// a server socket (the sandbox runs in this process), and as many again may be closing;
/// plus 64 for the runtime's and the sandbox's own (a run on a loaded machine peaked 22 over
/// `4 × IN_FLIGHT`). Without the bound this test peaked at about 12 500.
const MAX_EXTRA_FDS: usize = 4 * IN_FLIGHT + 64;
/// Resident-memory growth allowed over the run.
const MAX_RSS_GROWTH_KIB: u64 = 256 * 1024;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn profile(provider: Provider) -> (Currency, Decimal, &'static str) {
    match provider {
        Provider::Finpay => (Currency::IDR, Decimal::from(150_000), "finpay"),
        Provider::Payway => (Currency::USD, Decimal::from(12), "payway"),
        Provider::Payg => (Currency::INR, Decimal::from(499), "payg"),
        other => panic!("no profile for {other:?}: add it here"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_status_checks_through_one_registry() {
    let sandbox = Sandbox::start().await.unwrap();
    assert_eq!(
        paygate::transport::TransportSettings::default().max_in_flight,
        IN_FLIGHT
    );
    let registry = Arc::new(paygate::sandbox::registry(&sandbox).unwrap());
    let providers = [Provider::Finpay, Provider::Payway, Provider::Payg];
    let now = paygate::time::OffsetDateTime::now_utc();
    for provider in providers {
        let (currency, amount, _) = profile(provider);
        for n in 0..ORDERS_PER_PROVIDER {
            let id = format!("LOAD{n:04}");
            let mut order = SimOrder::new(provider, &id, &id, amount, currency.code(), now);
            order.stage = Stage::Paid;
            order.captured = amount;
            order.transaction_id = 81_000_000 + n as u64;
            order.payment_method = "Upi".into();
            sandbox.insert(order).unwrap();
        }
    }

    let fds_before = open_fds();
    let rss_before = rss_kib();
    let peak_fds = Arc::new(AtomicUsize::new(fds_before));
    let peak_rss = Arc::new(AtomicUsize::new(rss_before as usize));
    let running = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak_fds, peak_rss, running) = (peak_fds.clone(), peak_rss.clone(), running.clone());
        tokio::spawn(async move {
            while running.load(Ordering::Relaxed) {
                peak_fds.fetch_max(open_fds(), Ordering::Relaxed);
                peak_rss.fetch_max(rss_kib() as usize, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };

    let mut calls = tokio::task::JoinSet::new();
    for n in 0..CALLS {
        let registry = registry.clone();
        let provider = providers[n % providers.len()];
        calls.spawn(async move {
            let (currency, amount, name) = profile(provider);
            let order = OrderId::new(format!("LOAD{:04}", n / 3 % ORDERS_PER_PROVIDER)).unwrap();
            let gateway = registry.gateway(name).unwrap();
            let payment = gateway
                .payment_status(&order)
                .await
                .unwrap_or_else(|e| panic!("call {n} ({name}): {e}"));
            assert_eq!(payment.status, PaymentStatus::Paid, "call {n} ({name})");
            assert_eq!(payment.order_id, order);
            if let Some(money) = payment.amount {
                assert_eq!((money.amount(), money.currency()), (amount, currency));
            }
        });
    }
    let finished = tokio::time::timeout(Duration::from_secs(120), async {
        let mut done = 0;
        while let Some(joined) = calls.join_next().await {
            joined.unwrap();
            done += 1;
        }
        done
    })
    .await
    .expect("10 000 status checks did not finish within 120 s");
    running.store(false, Ordering::Relaxed);
    sampler.await.unwrap();

    let received = sandbox.received().len();
    let peak_fds = peak_fds.load(Ordering::Relaxed);
    let rss_growth = (peak_rss.load(Ordering::Relaxed) as u64).saturating_sub(rss_before);
    println!(
        "{finished} status checks; sandbox received {received}; open fds {fds_before} before, \
         {peak_fds} at peak; resident memory +{} MiB at peak",
        rss_growth / 1024
    );
    assert_eq!(finished, CALLS);
    // Each check is one request (no retries were needed).
    assert_eq!(received, CALLS);
    assert!(
        peak_fds <= fds_before + MAX_EXTRA_FDS,
        "{peak_fds} descriptors open at peak"
    );
    assert!(
        rss_growth <= MAX_RSS_GROWTH_KIB,
        "resident memory grew by {rss_growth} KiB"
    );
    sandbox.shutdown().await;
}
