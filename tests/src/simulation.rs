//! A deterministic simulation of the journaled write path: the real `Journaled` gateway and
//! `recover` over the real SQLite journal, against a simulated provider, in virtual time.
//!
//! Each schedule is a seed. On a single-threaded tokio runtime with paused time (timers fire
//! in order; nothing waits on real time) and a journal whose statements run inline (see
//! `SqliteJournal::open_inline`), the seed decides everything: which processes write which
//! refunds under which keys on which orders of two accounts whose gateways share one name;
//! when each process starts, crashes (its future dropped at the k-th poll, its journal handle
//! dropped with it: its holder is gone) and restarts; what the provider does with each write
//! (applies and answers; applies and loses the answer; loses it unapplied; refuses; answers
//! unreadably; answers after the lease); how long reads and answers take; how far the
//! provider's refunded figure lags what it applied (never longer than the lease margin:
//! evidence that arrives after the lease cannot be waited for by anyone); refunds made
//! outside the journal; and recoveries and retries at random moments.
//!
//! After each schedule, once every writer has stopped and a last recovery has run, the
//! invariants hold or the schedule fails with its seed:
//! - no key is applied twice, and no attempt reaches the provider twice;
//! - nothing reaches the provider unless its entry is pending and its lease runs;
//! - per account and order, the provider's refunded total is the sum of the entries that
//!   took effect plus the refunds made outside the journal — or, where entries are left
//!   ambiguous or in conflict, lies within what they could add;
//! - a refund the provider applied under a key is never recorded as not applied or refused;
//! - no entry is left pending or unknown (each ends settled, ambiguous or in conflict, all
//!   with a way out), and an ambiguous one only on an order refunded outside the journal.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use paygate::journal::{
    Entry, EntryFilter, EntryState, JournalSettings, Journaled, RecoveryOptions, SqliteJournal,
    WriteJournal,
};
use paygate::pipeline::WriteRules;
use paygate::time::OffsetDateTime;
use paygate::transport::HttpResponse;
use paygate::{
    AccountId, Capabilities, Capability, Checked, Currency, Decimal, Error, Money, Operation,
    OrderId, Payment, PaymentGateway, PaymentStatus, ProviderError, ProviderErrorKind, RawResponse,
    Refund, RefundReference, RefundRequest, RefundStatus, Result, TransportCause, TransportError,
    TransportFailure, UnexpectedBody, Url,
};

/// The simulated provider's name.
const SIM: &str = "sim";
/// Every order's amount, in whole USD.
const ORDER_AMOUNT: i64 = 100;
/// The write's deadline and the lease margin the writers run with.
const DEADLINE: Duration = Duration::from_millis(400);
const MARGIN: Duration = Duration::from_millis(100);

/// What a run of schedules did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Schedules run.
    pub schedules: u64,
    /// Writes that reached the provider.
    pub sends: u64,
    /// Refunds the provider applied (under a key, and outside the journal).
    pub applied: u64,
    /// Processes crashed.
    pub crashes: u64,
    /// Entries settled by recovery, left ambiguous, in conflict.
    pub recovered: u64,
    /// Entries left ambiguous.
    pub ambiguous: u64,
    /// Entries in conflict.
    pub conflicts: u64,
}

impl Stats {
    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &Stats) {
        self.schedules += other.schedules;
        self.sends += other.sends;
        self.applied += other.applied;
        self.crashes += other.crashes;
        self.recovered += other.recovered;
        self.ambiguous += other.ambiguous;
        self.conflicts += other.conflicts;
    }
}

/// A schedule that broke an invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Its seed: `run_schedule(seed, …)` replays it.
    pub seed: u64,
    /// What broke.
    pub message: String,
}

/// Seeded randomness (SplitMix64): the same seed, the same numbers.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// In `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next().checked_rem(n).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn millis(&mut self, low: u64, high: u64) -> Duration {
        Duration::from_millis(low + self.below(high.saturating_sub(low) + 1))
    }
}

/// Shared randomness of one schedule.
type SharedRng = Arc<Mutex<Rng>>;

fn draw<T>(rng: &SharedRng, f: impl FnOnce(&mut Rng) -> T) -> T {
    f(&mut rng.lock().unwrap_or_else(PoisonError::into_inner))
}

/// Virtual wall time: the tokio clock (paused) from a fixed start.
#[derive(Debug)]
struct SimClock {
    start: tokio::time::Instant,
    base: OffsetDateTime,
}

#[paygate::async_trait]
impl paygate::clock::Clock for SimClock {
    fn now(&self) -> OffsetDateTime {
        self.base + (tokio::time::Instant::now() - self.start)
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

fn virtual_ms(start: tokio::time::Instant) -> i64 {
    i64::try_from((tokio::time::Instant::now() - start).as_millis()).unwrap_or(i64::MAX)
}

/// A refund the provider applied.
#[derive(Debug, Clone)]
struct Applied {
    order: String,
    key: Option<String>,
    amount: i64,
    /// Virtual milliseconds: when it shows in the payment's refunded figure.
    visible_at: i64,
}

/// The provider's books for one account, and what it saw.
#[derive(Debug, Default)]
struct Books {
    applied: Vec<Applied>,
    /// `(key, attempt)` of every write that reached it.
    sends: Vec<(String, u32)>,
    violations: Vec<String>,
}

/// What the provider does with one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Answer,
    LostAfterApply,
    LostBeforeApply,
    Refuse,
    Unreadable,
    SlowAnswer,
}

/// The simulated provider of one account.
#[derive(Debug, Clone)]
struct SimProvider {
    account: AccountId,
    books: Arc<Mutex<Books>>,
    rng: SharedRng,
    /// A handle that only reads, to check each write as it arrives.
    inspector: Arc<dyn WriteJournal>,
    start: tokio::time::Instant,
    /// How long an applied refund takes to show in the refunded figure (≤ the margin).
    lag: Duration,
    /// Set once the schedule is over: reads no longer fail (a provider reachable again).
    calm: Arc<std::sync::atomic::AtomicBool>,
}

impl SimProvider {
    fn books(&self) -> std::sync::MutexGuard<'_, Books> {
        self.books.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn refunded(&self, order: &str, visible_only: bool) -> i64 {
        let now = virtual_ms(self.start);
        self.books()
            .applied
            .iter()
            .filter(|a| a.order == order && (!visible_only || a.visible_at <= now))
            .map(|a| a.amount)
            .sum()
    }

    fn apply(&self, order: &str, key: Option<String>, amount: i64) {
        let lag = i64::try_from(self.lag.as_millis()).unwrap_or(0);
        let visible_at = virtual_ms(self.start) + lag;
        self.books().applied.push(Applied {
            order: order.to_owned(),
            key,
            amount,
            visible_at,
        });
    }

    /// Checks a write as it arrives: its entry is pending and its lease runs, and this
    /// attempt never came before.
    async fn arrived(&self, key: &str) {
        let account = self.account.fingerprint();
        let entry = self.inspector.entry(&account, key).await;
        let now = self.inspector.now_ms().await.unwrap_or(i64::MAX);
        let mut books = self.books();
        match entry {
            Ok(Some(entry)) => {
                if entry.state != EntryState::Pending {
                    books
                        .violations
                        .push(format!("{key} arrived while its entry is {}", entry.state));
                }
                if entry.lease_until_ms <= now {
                    books
                        .violations
                        .push(format!("{key} arrived after its lease ended"));
                }
                if books.sends.contains(&(key.to_owned(), entry.attempt)) {
                    books
                        .violations
                        .push(format!("{key} attempt {} arrived twice", entry.attempt));
                }
                books.sends.push((key.to_owned(), entry.attempt));
            }
            other => books
                .violations
                .push(format!("{key} arrived without an entry: {other:?}")),
        }
    }
}

fn usd(units: i64) -> Result<Money> {
    Money::new(Decimal::from(units), Currency::USD).map_err(|e| e.for_field("amount"))
}

fn unknown_outcome(why: &str) -> Error {
    Error::from(TransportError::from_failure(
        SIM,
        Operation::Refund,
        TransportFailure::outcome_unknown(TransportCause::ConnectionClosed, why),
        1,
    ))
}

#[paygate::async_trait]
impl PaymentGateway for SimProvider {
    fn provider(&self) -> &'static str {
        SIM
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[
            Capability::PaymentStatus,
            Capability::Refund,
            Capability::PartialRefund,
        ])
    }

    fn account(&self) -> AccountId {
        self.account.clone()
    }

    /// Its figure lags by at most half the lease margin.
    fn write_rules(&self) -> WriteRules {
        WriteRules::STANDARD.refunds_show_within(MARGIN / 2)
    }

    async fn payment_status(&self, order_id: &OrderId) -> Result<Payment> {
        tokio::task::yield_now().await;
        let (latency, fails) = draw(&self.rng, |r| (r.millis(1, 40), r.chance(5)));
        tokio::time::sleep(latency).await;
        if fails && !self.calm.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Error::from(TransportError::from_failure(
                SIM,
                Operation::PaymentStatus,
                TransportFailure::not_sent(TransportCause::Connect, "simulated: no connection"),
                1,
            )));
        }
        let refunded = self.refunded(order_id.as_str(), true);
        let status = match refunded {
            0 => PaymentStatus::Paid,
            r if r >= ORDER_AMOUNT => PaymentStatus::Refunded,
            _ => PaymentStatus::PartiallyRefunded,
        };
        let mut payment = Payment::new(
            SIM,
            order_id.clone(),
            status.clone(),
            status.as_str(),
            RawResponse::default(),
        );
        payment.amount = Some(usd(ORDER_AMOUNT)?);
        payment.refunded_amount = Some(usd(refunded)?);
        Ok(payment)
    }

    async fn send_refund(&self, checked: &Checked<RefundRequest>) -> Result<Refund> {
        checked.check_sendable(self)?;
        let request = checked.request();
        tokio::task::yield_now().await;
        let key = request
            .reference
            .as_ref()
            .map(|r| r.as_str().to_owned())
            .unwrap_or_default();
        self.arrived(&key).await;
        let amount = request
            .amount
            .amount()
            .trunc()
            .to_string()
            .parse::<i64>()
            .unwrap_or(0);
        let order = request.order_id.as_str().to_owned();
        let (fate, apply_after, answer_after) = draw(&self.rng, |r| {
            let fate = match r.below(100) {
                0..=54 => Fate::Answer,
                55..=69 => Fate::LostAfterApply,
                70..=77 => Fate::LostBeforeApply,
                78..=84 => Fate::Refuse,
                85..=92 => Fate::Unreadable,
                _ => Fate::SlowAnswer,
            };
            // Applied within the write's deadline; answered later, past the lease when slow.
            let apply_after = r.millis(0, 150);
            let answer_after = match fate {
                Fate::SlowAnswer => r.millis(500, 900),
                _ => r.millis(0, 100),
            };
            (fate, apply_after, answer_after)
        });
        let left = ORDER_AMOUNT - self.refunded(&order, false);
        let fate = if amount > left { Fate::Refuse } else { fate };
        if !matches!(fate, Fate::LostBeforeApply | Fate::Refuse) {
            // The provider applies it whatever becomes of the caller (a crash, a timeout).
            let provider = self.clone();
            let (order, key) = (order.clone(), key.clone());
            tokio::spawn(async move {
                tokio::time::sleep(apply_after).await;
                provider.apply(&order, Some(key), amount);
            });
        }
        tokio::time::sleep(apply_after + answer_after).await;
        match fate {
            Fate::Answer | Fate::SlowAnswer => {
                let mut refund = Refund::new(
                    SIM,
                    request.order_id.clone(),
                    RefundStatus::Succeeded,
                    "SUCCESS",
                    RawResponse::default(),
                );
                refund.amount = Some(request.amount);
                Ok(refund)
            }
            Fate::LostAfterApply | Fate::LostBeforeApply => {
                Err(unknown_outcome("simulated: the answer was lost"))
            }
            Fate::Refuse => Err(Error::Provider(Box::new(
                ProviderError::new(
                    SIM,
                    Operation::Refund,
                    ProviderErrorKind::Validation,
                    "simulated: refused",
                )
                .with_http_status(400),
            ))),
            Fate::Unreadable => Err(Error::UnexpectedBody(Box::new(UnexpectedBody::new(
                SIM,
                Operation::Refund,
                &HttpResponse::new(200, &b"{\"status\":"[..]),
                "simulated: a truncated answer",
            )))),
        }
    }
}

/// One refund a schedule may ask for: the key is bound to its account, order and amount.
#[derive(Debug, Clone)]
struct Intended {
    account: usize,
    order: String,
    key: String,
    amount: i64,
}

/// What one simulated process does.
#[derive(Debug, Clone)]
enum Step {
    Refund(usize),
    Retry(usize),
    Recover,
}

/// A process: its own journal handle and journaled gateways (one per account, both named
/// `shop`, as two configurations sharing the journal would name them).
struct Process {
    journal: Arc<dyn WriteJournal>,
    gateways: Vec<Journaled>,
}

struct World {
    seed: u64,
    path: PathBuf,
    clock: Arc<SimClock>,
    providers: Vec<SimProvider>,
    intended: Vec<Intended>,
}

impl World {
    fn open(&self) -> std::result::Result<Process, String> {
        let journal: Arc<dyn WriteJournal> = Arc::new(
            SqliteJournal::open_inline(&self.path, self.clock.clone())
                .map_err(|e| e.to_string())?,
        );
        let settings = JournalSettings::default()
            .wait_for_order(Duration::from_millis(150))
            .lease_margin(MARGIN)
            .deadline(DEADLINE);
        let gateways = self
            .providers
            .iter()
            .map(|p| {
                Journaled::new("shop", Arc::new(p.clone()), journal.clone()).with_settings(settings)
            })
            .collect();
        Ok(Process { journal, gateways })
    }

    async fn recover(&self, process: &Process) -> std::result::Result<u64, String> {
        let providers = self.providers.clone();
        let gateway = move |entry: &Entry| {
            providers
                .iter()
                .find(|p| p.account.fingerprint() == entry.account)
                .map(|p| Arc::new(p.clone()) as Arc<dyn PaymentGateway>)
                .ok_or_else(|| format!("no account {}", entry.account))
        };
        let journal = process.journal.clone();
        let accounts = self.providers.iter().map(|p| p.account.fingerprint());
        let report = paygate::journal::recover(
            journal.as_ref(),
            &gateway,
            RecoveryOptions::default()
                .reads_per_second(1000)
                .accounts(accounts),
        )
        .await
        .map_err(|e| format!("recovery failed: {e}"))?;
        if std::env::var_os("PAYGATE_SIM_DEBUG").is_some() {
            let _ = writeln!(std::io::stderr(), "{:?}", report.settled);
        }
        Ok(u64::try_from(report.settled.len()).unwrap_or(0))
    }

    async fn step(&self, process: &Process, step: &Step) -> std::result::Result<(), String> {
        match step {
            Step::Refund(i) | Step::Retry(i) => {
                let Some(intended) = self.intended.get(*i) else {
                    return Ok(());
                };
                let Some(gateway) = process.gateways.get(intended.account) else {
                    return Ok(());
                };
                if matches!(step, Step::Retry(_)) {
                    let _ = gateway.retry(&intended.key).await;
                    return Ok(());
                }
                let request = OrderId::new(intended.order.clone())
                    .and_then(|order| RefundRequest::new(order, usd(intended.amount)?))
                    .and_then(|r| Ok(r.reference(RefundReference::new(intended.key.clone())?)))
                    .map_err(|e| e.to_string())?;
                let _ = gateway.refund(&request).await;
                Ok(())
            }
            Step::Recover => self.recover(process).await.map(drop),
        }
    }
}

/// Drops the future it wraps when it is polled for the `crash_at`-th time: a process that
/// died at whatever await it was in.
struct CrashAt<F> {
    inner: Option<Pin<Box<F>>>,
    polls_left: u32,
}

impl<F: Future> Future for CrashAt<F> {
    /// `None`: crashed.
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.polls_left == 0 {
            self.inner = None;
            return Poll::Ready(None);
        }
        self.polls_left -= 1;
        match self.inner.as_mut() {
            Some(inner) => inner.as_mut().poll(cx).map(Some),
            None => Poll::Ready(None),
        }
    }
}

/// Runs schedule `seed` in `dir` (a folder of its own for the journal file).
pub fn run_schedule(seed: u64, dir: &Path) -> std::result::Result<Stats, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(schedule(seed, dir))
}

async fn schedule(seed: u64, dir: &Path) -> std::result::Result<Stats, String> {
    let mut rng = Rng(seed);
    let start = tokio::time::Instant::now();
    let clock = Arc::new(SimClock {
        start,
        base: OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
    });
    let path = dir.join(format!("journal-{seed}.db"));
    let inspector: Arc<dyn WriteJournal> =
        Arc::new(SqliteJournal::open_inline(&path, clock.clone()).map_err(|e| e.to_string())?);
    let shared = Arc::new(Mutex::new(Rng(rng.next())));
    let calm = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let providers: Vec<SimProvider> = (0..2)
        .map(|n| {
            let url = Url::parse(&format!("https://sim-{seed}-{n}.invalid"))
                .map_err(|e| e.to_string())?;
            Ok(SimProvider {
                account: AccountId::new(SIM, &url, "m1"),
                books: Arc::default(),
                rng: shared.clone(),
                inspector: inspector.clone(),
                start,
                lag: rng.millis(0, u64::try_from(MARGIN.as_millis()).unwrap_or(0) / 2),
                calm: calm.clone(),
            })
        })
        .collect::<std::result::Result<_, String>>()?;
    // Keys bound to their write; the same order ids at both accounts.
    let intended: Vec<Intended> = (0..4)
        .map(|n| Intended {
            account: usize::try_from(rng.below(2)).unwrap_or(0),
            order: format!("O{}", rng.below(2)),
            key: format!("K{n}"),
            amount: i64::try_from(1 + rng.below(5)).unwrap_or(1),
        })
        .collect();
    let world = Arc::new(World {
        seed,
        path: path.clone(),
        clock,
        providers,
        intended,
    });
    let mut stats = Stats {
        schedules: 1,
        ..Stats::default()
    };

    // Processes: each a few steps, maybe crashing in one and starting again.
    let mut tasks = Vec::new();
    let crashes = Arc::new(Mutex::new(0u64));
    for _ in 0..3 {
        let steps: Vec<Step> = (0..(1 + rng.below(3)))
            .map(|_| match rng.below(10) {
                0..=5 => Step::Refund(usize::try_from(rng.below(4)).unwrap_or(0)),
                6..=7 => Step::Retry(usize::try_from(rng.below(4)).unwrap_or(0)),
                _ => Step::Recover,
            })
            .collect();
        let crash_in = rng.below(u64::try_from(steps.len()).unwrap_or(1) * 2);
        let crash_at = u32::try_from(1 + rng.below(6)).unwrap_or(1);
        let pauses: Vec<Duration> = steps.iter().map(|_| rng.millis(0, 700)).collect();
        let world = world.clone();
        let crashes = crashes.clone();
        tasks.push(tokio::spawn(async move {
            let mut process = world.open()?;
            for (n, (step, pause)) in steps.iter().zip(pauses).enumerate() {
                tokio::time::sleep(pause).await;
                if u64::try_from(n).unwrap_or(0) == crash_in {
                    let run = CrashAt {
                        inner: Some(Box::pin(world.step(&process, step))),
                        polls_left: crash_at,
                    };
                    if run.await.is_none() {
                        *crashes.lock().unwrap_or_else(PoisonError::into_inner) += 1;
                        // Its memory is lost with it; it starts again a while later.
                        drop(process);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        process = world.open()?;
                    }
                } else {
                    world.step(&process, step).await?;
                }
            }
            Ok::<(), String>(())
        }));
    }
    // Refunds made outside the journal, at the provider (its portal, another tool), of 7 to
    // 9 USD: never the amount of a journaled refund (1 to 5). A refund outside the journal of
    // the very amount of a journaled refund whose answer was lost, made while that refund's
    // lease ran, is indistinguishable from it by any evidence these providers give (their
    // refunds carry no reference of ours): docs/reliability.md names the case.
    let outside: Vec<(usize, String, i64, Duration)> = (0..rng.below(3))
        .map(|_| {
            (
                usize::try_from(rng.below(2)).unwrap_or(0),
                format!("O{}", rng.below(2)),
                i64::try_from(7 + rng.below(3)).unwrap_or(7),
                rng.millis(0, 1500),
            )
        })
        .collect();
    for (account, order, amount, at) in outside {
        let world = world.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(at).await;
            if let Some(provider) = world.providers.get(account) {
                provider.apply(&order, None, amount);
            }
            Ok(())
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    // Every writer has stopped: its late answers have landed or never will. One last
    // recovery, once every lease is over, settles what is left.
    tokio::time::sleep(DEADLINE + MARGIN + Duration::from_secs(2)).await;
    calm.store(true, std::sync::atomic::Ordering::Relaxed);
    let last = world.open()?;
    stats.recovered = world.recover(&last).await?;
    stats.crashes = *crashes.lock().unwrap_or_else(PoisonError::into_inner);
    check(&world, &inspector, &mut stats).await?;
    drop(last);
    drop(inspector);
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(path.with_extension("db-wal"));
    let _ = std::fs::remove_file(path.with_extension("db-shm"));
    let _ = std::fs::remove_dir_all(path.with_extension("db.holders"));
    Ok(stats)
}

async fn check(
    world: &World,
    journal: &Arc<dyn WriteJournal>,
    stats: &mut Stats,
) -> std::result::Result<(), String> {
    let mut problems = String::new();
    for provider in &world.providers {
        let account = provider.account.fingerprint();
        let entries = journal
            .entries(&EntryFilter {
                account: Some(account.clone()),
                ..EntryFilter::default()
            })
            .await
            .map_err(|e| e.to_string())?;
        let books = provider.books();
        stats.sends += u64::try_from(books.sends.len()).unwrap_or(0);
        stats.applied += u64::try_from(books.applied.len()).unwrap_or(0);
        for violation in &books.violations {
            let _ = writeln!(problems, "{account}: {violation}");
        }
        let mut per_key: BTreeMap<&str, usize> = BTreeMap::new();
        for applied in &books.applied {
            if let Some(key) = &applied.key {
                *per_key.entry(key).or_default() += 1;
                let recorded = entries.iter().find(|e| &e.key == key).map(|e| e.state);
                if recorded.is_none_or(EntryState::did_not_take_effect) {
                    let _ = writeln!(
                        problems,
                        "{account}: {key} was applied but its entry says {recorded:?}"
                    );
                }
            }
        }
        for (key, times) in per_key {
            if times > 1 {
                let _ = writeln!(problems, "{account}: {key} was applied {times} times");
            }
        }
        for entry in &entries {
            match entry.state {
                EntryState::Pending | EntryState::Unknown => {
                    let _ = writeln!(
                        problems,
                        "{account}: {} is stuck {} ({:?})",
                        entry.key, entry.state, entry.detail
                    );
                }
                EntryState::Ambiguous => stats.ambiguous += 1,
                EntryState::Conflict => stats.conflicts += 1,
                _ => {}
            }
        }
        let orders: std::collections::BTreeSet<&str> = books
            .applied
            .iter()
            .map(|a| a.order.as_str())
            .chain(entries.iter().map(|e| e.order_id.as_str()))
            .collect();
        for order in orders {
            let total: i64 = books
                .applied
                .iter()
                .filter(|a| a.order == order)
                .map(|a| a.amount)
                .sum();
            let outside: i64 = books
                .applied
                .iter()
                .filter(|a| a.order == order && a.key.is_none())
                .map(|a| a.amount)
                .sum();
            let amount = |e: &Entry| {
                e.amount
                    .as_deref()
                    .and_then(|a| a.parse::<Decimal>().ok())
                    .and_then(|d| d.trunc().to_string().parse::<i64>().ok())
                    .unwrap_or(0)
            };
            let on_order = entries.iter().filter(|e| e.order_id == order);
            let took_effect: i64 = on_order
                .clone()
                .filter(|e| e.state.took_effect())
                .map(amount)
                .sum();
            let open: i64 = on_order
                .clone()
                .filter(|e| e.state.is_unresolved())
                .map(amount)
                .sum();
            if total < took_effect + outside || total > took_effect + outside + open {
                let _ = writeln!(
                    problems,
                    "{account} {order}: the provider refunded {total}, the journal says {took_effect} took effect and {open} is open, {outside} was refunded outside it"
                );
            }
            if outside == 0 && on_order.clone().any(|e| e.state == EntryState::Ambiguous) {
                let _ = writeln!(
                    problems,
                    "{account} {order}: an entry is ambiguous though nothing was refunded outside the journal"
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("seed {}:\n{problems}", world.seed))
    }
}

/// Runs `count` schedules from `first_seed` on `threads` threads (each its own journal
/// files under `dir`), and stops at the first failure.
pub fn run(
    first_seed: u64,
    count: u64,
    threads: u64,
    dir: &Path,
) -> std::result::Result<Stats, Failure> {
    let threads = threads.max(1);
    let failure: Arc<Mutex<Option<Failure>>> = Arc::default();
    let totals: Arc<Mutex<Stats>> = Arc::default();
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let (failure, totals) = (failure.clone(), totals.clone());
            let dir = dir.join(format!("t{thread}"));
            scope.spawn(move || {
                let _ = std::fs::create_dir_all(&dir);
                let mut seed = first_seed + thread;
                let mut mine = Stats::default();
                while seed < first_seed + count {
                    if failure
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .is_some()
                    {
                        break;
                    }
                    match run_schedule(seed, &dir) {
                        Ok(stats) => mine.add(&stats),
                        Err(message) => {
                            let mut slot = failure.lock().unwrap_or_else(PoisonError::into_inner);
                            if slot.as_ref().is_none_or(|f| f.seed > seed) {
                                *slot = Some(Failure { seed, message });
                            }
                            break;
                        }
                    }
                    seed += threads;
                }
                totals
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .add(&mine);
            });
        }
    });
    let failure = failure
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    match failure {
        Some(failure) => Err(failure),
        None => Ok(totals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()),
    }
}
