//! The write journal across real processes (the `journal-child` binary) and real databases:
//!
//! - **crash**: a child making a journaled refund is killed with `SIGKILL` at a random point,
//!   again and again (120 times on SQLite, 100 more on PostgreSQL); after each kill a fresh
//!   process recovers. No key reaches the sandbox twice, every entry ends resolved and agrees
//!   with the sandbox's ledger, and nothing the sandbox applied is missing from the journal.
//!   Every window is hit: before the intent is committed, after it and before sending, after
//!   sending and before the answer (not applied), after the answer and before recording. The
//!   narrow ones are hit by design, not by luck: one kill in four lands while the child's
//!   request waits in its transport after the claim, one once the request has reached a
//!   sandbox told to hold it, one once the sandbox has applied it and holds back its answer.
//! - **concurrency**: 8 processes × the same 100 keys on one database: every key sent once;
//!   8 processes refunding one order with different keys: never two refunds in flight on it.
//!
//! The sandbox runs in this test's process, the writers in theirs. Bounded: a few hundred
//! short processes; each wait has a timeout.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use paygate::journal::{EntryState, WriteJournal};
use paygate::sandbox::{Fault, FaultSpec, Provider, Sandbox, SimOrder};
use paygate_tests::journals::{account_of, journal_urls, own_gateway, temp_dir, unique};

const CHILD: &str = env!("CARGO_BIN_EXE_journal-child");
const REFUND_PATH: &str = "online-transaction/refund";

/// A sandbox with `orders` paid PayWay orders of 100 000.00 USD, and its configuration file.
fn sandbox_with_orders(sandbox: &Sandbox, prefix: &str, orders: usize) -> (PathBuf, Vec<String>) {
    let config = temp_dir("paygate-journal-proc").join("paygate.toml");
    std::fs::write(&config, own_gateway(sandbox, Provider::Payway).1).unwrap();
    let now = paygate::time::OffsetDateTime::now_utc();
    let ids: Vec<String> = (0..orders).map(|n| format!("{prefix}O{n}")).collect();
    for id in &ids {
        let order = SimOrder::new(
            Provider::Payway,
            id.clone(),
            id.clone(),
            "100000.00".parse().unwrap(),
            "USD",
            now,
        );
        sandbox.insert(order).unwrap();
        sandbox.pay(Provider::Payway, id).unwrap();
    }
    (config, ids)
}

fn child(args: &[&str]) -> Child {
    Command::new(CHILD)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for `child` (off the runtime, so the sandbox keeps serving), at most `limit`.
async fn finish(mut child: Child, limit: Duration) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        loop {
            if child.try_wait().unwrap().is_some() {
                return child.wait_with_output().unwrap();
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                let output = child.wait_with_output().unwrap();
                panic!(
                    "journal-child ran over {limit:?}: {}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    })
    .await
    .unwrap()
}

/// Reads the child's standard output until the line `marker` (false if it ends first).
fn wait_for(stdout: std::process::ChildStdout, marker: &str) -> bool {
    use std::io::BufRead;
    std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line == marker)
}

fn refund_requests(sandbox: &Sandbox) -> usize {
    sandbox
        .received()
        .iter()
        .filter(|r| r.path.contains(REFUND_PATH))
        .count()
}

fn refunds_in_ledger(sandbox: &Sandbox, ids: &[String]) -> usize {
    ids.iter()
        .map(|id| sandbox.order(Provider::Payway, id).unwrap().refunds.len())
        .sum()
}

/// A small deterministic generator (xorshift), seeded from the clock and printed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Where a kill landed, told from the journal and the sandbox before recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Window {
    BeforeIntent,
    IntentNotSent,
    SentNotApplied,
    AppliedNotRecorded,
    Recorded,
}

async fn crash_run(db: &str, url: &str, kills: usize, random: &mut Random) {
    let sandbox = Sandbox::start().await.unwrap();
    let prefix = unique("C");
    let (config, ids) = sandbox_with_orders(&sandbox, &prefix, 4);
    let (name, toml) = own_gateway(&sandbox, Provider::Payway);
    let account = account_of(&toml, &name).unwrap();
    let config = config.display().to_string();
    let journal: Arc<dyn WriteJournal> = paygate::journal::open(url).await.unwrap();

    // One write left alone, to learn how long a child takes.
    let started = Instant::now();
    let warm = finish(
        child(&[
            "refund",
            &config,
            url,
            &ids[0],
            &format!("{prefix}W"),
            "0.01",
        ]),
        Duration::from_secs(60),
    )
    .await;
    assert!(
        warm.status.success(),
        "{db}: {}",
        String::from_utf8_lossy(&warm.stderr)
    );
    let span = u64::try_from(started.elapsed().as_millis()).unwrap() + 60;

    let mut windows: BTreeMap<Window, usize> = BTreeMap::new();
    for i in 0..kills {
        let key = format!("{prefix}K{i}");
        let order = &ids[i % ids.len()];
        // Three kills in four are aimed, so that the narrow windows are hit by design, not by
        // luck: one waits for the child's `sending` line (its request has stopped in the
        // transport after the claim: between the intent and the send); one arms a 300 ms
        // delay at the sandbox and kills as soon as the request has arrived there (sent, not
        // applied: the sandbox drops a request whose client is gone); one arms a 300 ms slow
        // body and kills as soon as the sandbox's ledger has the refund (applied, its answer
        // not yet read). The rest land at random: half within 2 ms of the write's start
        // (around the intent's commit), the others anywhere in the write, timed in
        // microseconds from the child's `ready`, with a slow answer or a slow server to widen
        // the window between sending and recording.
        let aim = match i % 4 {
            0 => Some(Window::IntentNotSent),
            1 => Some(Window::SentNotApplied),
            2 => Some(Window::AppliedNotRecorded),
            _ => None,
        };
        match (aim, random.next() % 3) {
            (Some(Window::SentNotApplied), _) => sandbox.arm(
                FaultSpec::new(Provider::Payway, Fault::Delay { millis: 300 }, 1)
                    .on_path(REFUND_PATH),
            ),
            (Some(Window::AppliedNotRecorded), _) => sandbox.arm(
                FaultSpec::new(Provider::Payway, Fault::SlowBody { millis: 300 }, 1)
                    .on_path(REFUND_PATH),
            ),
            (Some(_), _) => {}
            (None, 0) => sandbox.arm(
                FaultSpec::new(Provider::Payway, Fault::SlowBody { millis: 40 }, 1)
                    .on_path(REFUND_PATH),
            ),
            (None, 1) => sandbox.arm(
                FaultSpec::new(Provider::Payway, Fault::Delay { millis: 40 }, 1)
                    .on_path(REFUND_PATH),
            ),
            (None, _) => {}
        }
        let (ledger_before, requests_before) =
            (refunds_in_ledger(&sandbox, &ids), refund_requests(&sandbox));
        let mut writer = if aim == Some(Window::IntentNotSent) {
            child(&["refund", &config, url, order, &key, "0.01", "pause"])
        } else {
            child(&["refund", &config, url, order, &key, "0.01"])
        };
        let within_us = if random.next().is_multiple_of(2) {
            2_000
        } else {
            span * 1000
        };
        let delay = match aim {
            Some(_) => Duration::ZERO,
            None => Duration::from_micros(random.next() % within_us),
        };
        let marker = if aim == Some(Window::IntentNotSent) {
            "sending"
        } else {
            "ready"
        };
        let (mut writer, ready) = tokio::task::spawn_blocking(move || {
            let ready = writer
                .stdout
                .take()
                .is_some_and(|out| wait_for(out, marker));
            std::thread::sleep(delay);
            (writer, ready)
        })
        .await
        .unwrap();
        let arrived = || refund_requests(&sandbox) > requests_before;
        let applied = || refunds_in_ledger(&sandbox, &ids) > ledger_before;
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until
            && match aim {
                Some(Window::SentNotApplied) => !arrived(),
                Some(Window::AppliedNotRecorded) => !applied(),
                _ => false,
            }
        {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let _ = writer.kill();
        let _ = tokio::task::spawn_blocking(move || writer.wait())
            .await
            .unwrap();
        assert!(ready, "{db}: the writer stopped before it was ready");
        // Let an in-flight request the kill cut off finish at the sandbox before judging
        // (past the aimed 300 ms delay, so that a request the sandbox kept would show).
        let settle = if aim == Some(Window::SentNotApplied) {
            400
        } else {
            50
        };
        tokio::time::sleep(Duration::from_millis(settle)).await;
        sandbox.clear_faults();

        let sent = refund_requests(&sandbox) - requests_before;
        let applied = refunds_in_ledger(&sandbox, &ids) - ledger_before;
        assert!(
            sent <= 1,
            "{db}: key {key} reached the sandbox {sent} times"
        );
        let before = journal.entry(&account, &key).await.unwrap();
        let window = match &before {
            None => Window::BeforeIntent,
            Some(e) if e.state == EntryState::Pending && sent == 0 => Window::IntentNotSent,
            Some(e) if e.state == EntryState::Pending && applied == 0 => Window::SentNotApplied,
            Some(e) if e.state == EntryState::Pending => Window::AppliedNotRecorded,
            Some(_) => Window::Recorded,
        };
        if let Some(aimed) = aim {
            assert_eq!(window, aimed, "{db}: key {key}'s aimed kill");
        }
        *windows.entry(window).or_default() += 1;

        // Recovery at once: an attempt killed before it was sent is settled (its holder is
        // gone); one killed after may still be on its way through the provider, so its lease
        // runs out in full first (800 ms), and recovery runs again then.
        let recovery = finish(child(&["recover", &config, url]), Duration::from_secs(60)).await;
        assert!(
            recovery.status.success(),
            "{db}: recovery after kill {i}: {}",
            String::from_utf8_lossy(&recovery.stderr)
        );
        // (PostgreSQL notices the killed connection, and releases its lock, a moment later.)
        for _ in 0..3 {
            let Some(open) = journal
                .entry(&account, &key)
                .await
                .unwrap()
                .filter(|e| e.state.is_unresolved())
            else {
                break;
            };
            let now = journal.now_ms().await.unwrap();
            let wait = u64::try_from(open.lease_until_ms - now).unwrap_or(0) + 50;
            tokio::time::sleep(Duration::from_millis(wait)).await;
            let again = finish(child(&["recover", &config, url]), Duration::from_secs(60)).await;
            assert!(again.status.success(), "{db}: recovery after the lease");
        }
        assert_eq!(
            refund_requests(&sandbox) - requests_before,
            sent,
            "{db}: recovery sent a write"
        );
        let after = journal.entry(&account, &key).await.unwrap();
        match &after {
            None => assert_eq!(
                applied, 0,
                "{db}: key {key} has no entry but the sandbox applied it"
            ),
            Some(entry) => {
                assert!(
                    !entry.state.is_unresolved(),
                    "{db}: key {key} is still {} after recovery ({:?})",
                    entry.state,
                    entry.detail
                );
                assert_eq!(
                    entry.state.took_effect(),
                    applied == 1,
                    "{db}: key {key} is {} but the sandbox applied {applied} ({window:?}, {:?})",
                    entry.state,
                    entry.detail
                );
            }
        }
    }
    eprintln!("{db}: {kills} kills, windows hit: {windows:?}");
    for window in [
        Window::BeforeIntent,
        Window::IntentNotSent,
        Window::SentNotApplied,
        Window::AppliedNotRecorded,
    ] {
        assert!(
            windows.get(&window).copied().unwrap_or(0) > 0,
            "{db}: no kill landed {window:?} in {kills}: {windows:?}"
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_killed_at_random_points_never_send_a_key_twice_and_recover_to_the_truth() {
    let seed = u64::try_from(
        paygate::time::OffsetDateTime::now_utc().unix_timestamp_nanos() % i128::from(u32::MAX),
    )
    .unwrap()
        | 1;
    eprintln!("crash test seed {seed}");
    let mut random = Random(seed);
    for (db, url) in journal_urls() {
        let kills = if db == "sqlite" { 120 } else { 100 };
        crash_run(db, &url, kills, &mut random).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_with_the_same_keys_send_each_key_once() {
    for (db, url) in journal_urls() {
        let sandbox = Sandbox::start().await.unwrap();
        let prefix = unique("S");
        let (config, ids) = sandbox_with_orders(&sandbox, &prefix, 10);
        let config = config.display().to_string();
        let orders = ids.join(",");
        let key_prefix = format!("{prefix}K");
        let writers: Vec<Child> = (0..8)
            .map(|_| {
                child(&[
                    "refunds",
                    &config,
                    &url,
                    &orders,
                    "100",
                    &key_prefix,
                    "0.01",
                ])
            })
            .collect();
        for writer in writers {
            let output = finish(writer, Duration::from_secs(300)).await;
            assert!(
                output.status.success(),
                "{db}: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        assert_eq!(
            refund_requests(&sandbox),
            100,
            "{db}: every key sent exactly once"
        );
        for id in &ids {
            assert_eq!(
                sandbox.order(Provider::Payway, id).unwrap().refunds.len(),
                10,
                "{db}: order {id}"
            );
        }
        sandbox.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_on_one_order_never_have_two_writes_in_flight() {
    for (db, url) in journal_urls() {
        let sandbox = Sandbox::start().await.unwrap();
        let prefix = unique("P");
        let (config, ids) = sandbox_with_orders(&sandbox, &prefix, 1);
        let config = config.display().to_string();
        // Every refund takes 5 ms at the server: overlapping writes would show.
        sandbox.arm(
            FaultSpec::new(Provider::Payway, Fault::Delay { millis: 5 }, 80).on_path(REFUND_PATH),
        );
        let writers: Vec<Child> = (0..8)
            .map(|n| {
                let keys = format!("{prefix}W{n}-");
                child(&["refunds", &config, &url, &ids[0], "10", &keys, "0.01"])
            })
            .collect();
        for writer in writers {
            let output = finish(writer, Duration::from_secs(300)).await;
            assert!(
                output.status.success(),
                "{db}: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let mut refunds: Vec<_> = sandbox
            .received()
            .into_iter()
            .filter(|r| r.path.contains(REFUND_PATH))
            .collect();
        assert_eq!(refunds.len(), 80, "{db}");
        refunds.sort_by_key(|r| r.received_at_us);
        for pair in refunds.windows(2) {
            let ended = pair[0].answered_at_us.expect("answered");
            assert!(
                pair[1].received_at_us >= ended,
                "{db}: refund #{} arrived at {} µs while #{} was in flight until {ended} µs",
                pair[1].seq,
                pair[1].received_at_us,
                pair[0].seq
            );
        }
        assert_eq!(
            sandbox
                .order(Provider::Payway, &ids[0])
                .unwrap()
                .refunds
                .len(),
            80,
            "{db}"
        );
        sandbox.shutdown().await;
    }
}
