//! A model-based property test of money-safe writes: random sequences of create / pay /
//! refund (partial, full, over, in the wrong currency) / void / cancel / capture / status
//! across all three providers, against the sandbox through the facade registry, each step
//! checked against a reference model of the order:
//!
//! - a write the model says the SDK must refuse (wrong currency, more than it knows is left,
//!   a state that does not allow it) is that typed error, and reached the sandbox zero times;
//! - a write the model lets through reached the sandbox exactly once, and either applied (as
//!   the model predicts from the provider's rules) or was refused by the provider — never an
//!   unknown outcome, since the sandbox answers every write;
//! - after every step: never more refunded than captured, the currency never changes, and the
//!   unified status read from the provider agrees with the model's amounts.
//!
//! Bounded: `PAYGATE_MODEL_CASES` sequences (default 64) of at most 40 steps.
//! `PAYGATE_MODEL_CASES=2000 cargo test -p paygate-tests --test write_model` runs a larger count.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use paygate::sandbox::{Provider, Sandbox};
use paygate::{
    CaptureRequest, CreatePayment, Currency, Customer, Decimal, Error, ErrorClass, GatewayRegistry,
    Money, OrderId, PaymentGateway, PaymentStatus, RefundRequest, Url,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// How much of an amount a write asks for.
#[derive(Debug, Clone, Copy)]
enum Amount {
    /// This percentage of the order's amount (at least one minor unit).
    Percent(u8),
    /// The whole amount.
    All,
    /// What the model says is left to refund (or one minor unit).
    Left,
    /// The whole amount plus this many minor units.
    Over(u8),
}

#[derive(Debug, Clone)]
enum Action {
    Create {
        provider: u8,
        khr: bool,
        size: u32,
        pre_auth: bool,
    },
    Pay(usize),
    Refund {
        order: usize,
        amount: Amount,
        wrong_currency: bool,
    },
    Capture {
        order: usize,
        amount: Amount,
        wrong_currency: bool,
    },
    Void(usize),
    Cancel(usize),
    Status(usize),
}

fn amount() -> impl Strategy<Value = Amount> {
    prop_oneof![
        3 => (1u8..=100).prop_map(Amount::Percent),
        1 => Just(Amount::All),
        2 => Just(Amount::Left),
        1 => (1u8..=20).prop_map(Amount::Over),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    let order = 0usize..64;
    prop_oneof![
        3 => (0u8..3, any::<bool>(), any::<u32>(), prop::bool::weighted(0.3)).prop_map(
            |(provider, khr, size, pre_auth)| Action::Create { provider, khr, size, pre_auth }
        ),
        4 => order.clone().prop_map(Action::Pay),
        5 => (order.clone(), amount(), prop::bool::weighted(0.15)).prop_map(
            |(order, amount, wrong_currency)| Action::Refund { order, amount, wrong_currency }
        ),
        2 => (order.clone(), amount(), prop::bool::weighted(0.15)).prop_map(
            |(order, amount, wrong_currency)| Action::Capture { order, amount, wrong_currency }
        ),
        1 => order.clone().prop_map(Action::Void),
        1 => order.clone().prop_map(Action::Cancel),
        2 => order.prop_map(Action::Status),
    ]
}

/// The model's stage of an order (the sandbox's ledger rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Pending,
    Authorized,
    Paid,
    Voided,
    Cancelled,
}

/// The reference model of one order.
#[derive(Debug, Clone)]
struct Model {
    provider: Provider,
    gateway: &'static str,
    /// The id later calls use (PayG: its `OrderKeyId`).
    key: OrderId,
    currency: Currency,
    /// The order's amount, in minor units.
    amount: i64,
    stage: Stage,
    pre_auth: bool,
    captured: i64,
    refunded: i64,
}

impl Model {
    fn minor(&self, money: &Money) -> i64 {
        i64::try_from(money.minor_units()).unwrap()
    }

    /// The unified status the SDK reports, from the provider's rules as the sandbox plays
    /// them: PayWay reports a voided hold as CANCELLED (code 7) and judges "partially" from the
    /// order's total; Finpay from what is left of the captured amount; PayG's `/Detail` says a
    /// refund succeeded but not how much (partially refunded after any refund).
    fn status(&self) -> PaymentStatus {
        match (self.stage, self.provider) {
            (Stage::Pending, _) => PaymentStatus::Pending,
            (Stage::Authorized, _) => PaymentStatus::Authorized,
            (Stage::Paid, _) if self.refunded == 0 => PaymentStatus::Paid,
            (Stage::Paid, Provider::Payway) if self.refunded < self.amount => {
                PaymentStatus::PartiallyRefunded
            }
            (Stage::Paid, Provider::Finpay) if self.refunded < self.captured => {
                PaymentStatus::PartiallyRefunded
            }
            (Stage::Paid, Provider::Payg) => PaymentStatus::PartiallyRefunded,
            (Stage::Paid, _) => PaymentStatus::Refunded,
            (Stage::Voided, Provider::Payway) => PaymentStatus::Cancelled,
            (Stage::Voided, _) => PaymentStatus::Voided,
            (Stage::Cancelled, _) => PaymentStatus::Cancelled,
        }
    }

    /// What the SDK knows is left to refund: the order's amount (every provider's status
    /// answer carries it) less what was refunded where the provider reports it (PayWay; the
    /// others' payments with an earlier refund are refused before this is asked).
    fn known_left(&self) -> i64 {
        match self.provider {
            Provider::Payway => self.amount - self.refunded,
            _ => self.amount,
        }
    }

    fn resolve(&self, amount: Amount) -> i64 {
        match amount {
            Amount::Percent(p) => (self.amount * i64::from(p) / 100).max(1),
            Amount::All => self.amount,
            Amount::Left => (self.captured - self.refunded).max(1),
            Amount::Over(n) => self.amount + i64::from(n),
        }
    }

    /// What a write asks for: minor units, currency (the payment's, or another one) and the
    /// money they make.
    fn asked(&self, amount: Amount, wrong_currency: bool) -> (i64, Currency, Money) {
        let minor = self.resolve(amount);
        let currency = match (wrong_currency, self.currency) {
            (false, own) => own,
            (true, c) if c == Currency::USD => Currency::KHR,
            (true, _) => Currency::USD,
        };
        (
            minor,
            currency,
            Money::from_minor_units(minor, currency).unwrap(),
        )
    }
}

/// What the model says a write must come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Refused before sending with this class.
    Refused(ErrorClass),
    /// Sent once; the provider applies it.
    Applied,
    /// Sent once; the provider refuses it.
    ProviderSaysNo,
}

static NEXT: AtomicU32 = AtomicU32::new(1);

struct World<'a> {
    sandbox: &'a Sandbox,
    registry: &'a GatewayRegistry,
    orders: Vec<Model>,
}

fn gateway_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Finpay => "finpay",
        Provider::Payway => "payway",
        Provider::Payg => "payg",
        other => panic!("no case for {other:?}: add one here"),
    }
}

/// The paths of a provider's write endpoints (writes received are counted on them).
fn write_paths(provider: Provider) -> &'static [&'static str] {
    match provider {
        Provider::Finpay => &["/initiate", "/refund", "/void", "/cancel/"],
        Provider::Payway => &[
            "/purchase",
            "/refund",
            "pre-auth-completion",
            "pre-auth-cancellation",
            "close-transaction",
        ],
        Provider::Payg => &["/create", "/Refund"],
        other => panic!("no case for {other:?}: add one here"),
    }
}

impl World<'_> {
    fn gateway(&self, model: &Model) -> Arc<dyn PaymentGateway> {
        self.registry.gateway(model.gateway).unwrap()
    }

    fn writes(&self, provider: Provider) -> usize {
        self.sandbox
            .received()
            .iter()
            .filter(|r| {
                r.provider == provider && write_paths(provider).iter().any(|w| r.path.contains(w))
            })
            .count()
    }

    fn pick(&self, index: usize) -> Option<usize> {
        (!self.orders.is_empty()).then(|| index % self.orders.len())
    }

    async fn create(&mut self, provider: u8, khr: bool, size: u32, pre_auth: bool) {
        let provider = [Provider::Finpay, Provider::Payway, Provider::Payg][usize::from(provider)];
        let (currency, low, span) = match provider {
            Provider::Finpay => (Currency::IDR, 10_000i64, 2_000_000i64),
            Provider::Payway if khr => (Currency::KHR, 4_000, 4_000_000),
            Provider::Payway => (Currency::USD, 100, 100_000),
            Provider::Payg => (Currency::INR, 100, 1_000_000),
            other => panic!("no case for {other:?}: add one here"),
        };
        let amount = low + i64::from(size) % span;
        let pre_auth = pre_auth && provider == Provider::Payway;
        let id = OrderId::new(format!("MB{:07}", NEXT.fetch_add(1, Ordering::SeqCst))).unwrap();
        let gateway = self.registry.gateway(gateway_name(provider)).unwrap();
        let mut request = CreatePayment::new(
            id.clone(),
            Money::from_minor_units(amount, currency).unwrap(),
        )
        .unwrap()
        .customer(Customer::new().name("Dara", "Sok").phone("+6281234567890"))
        .callback_url(Url::parse("https://shop.example/callback").unwrap())
        .return_url(Url::parse("https://shop.example/done").unwrap());
        if pre_auth {
            request = request.authorize_only();
        }
        let checkout = gateway.create_payment(&request).await.unwrap();
        let key = match provider {
            Provider::Payg => OrderId::new(checkout.provider_reference.unwrap()).unwrap(),
            _ => id,
        };
        self.orders.push(Model {
            provider,
            gateway: gateway_name(provider),
            key,
            currency,
            amount,
            stage: Stage::Pending,
            pre_auth,
            captured: 0,
            refunded: 0,
        });
    }

    fn pay(&mut self, index: usize) {
        let Some(i) = self.pick(index) else { return };
        let model = &mut self.orders[i];
        let paid = self.sandbox.pay(model.provider, model.key.as_str()).is_ok();
        let expected = model.stage == Stage::Pending;
        assert_eq!(paid, expected, "pay {model:?}");
        if paid {
            if model.pre_auth {
                model.stage = Stage::Authorized;
            } else {
                model.stage = Stage::Paid;
                model.captured = model.amount;
            }
        }
    }
}

/// The model's verdict on a refund of `minor` in `currency`, in the order the SDK checks:
/// the currency the provider takes (before reading), the state, the payment's currency, what
/// it knows is left; then the provider's own rules.
fn refund_verdict(m: &Model, currency: Currency, minor: i64) -> Verdict {
    let takes = match m.provider {
        Provider::Finpay => currency == Currency::IDR,
        Provider::Payway => currency == Currency::USD || currency == Currency::KHR,
        Provider::Payg => currency == Currency::INR,
        other => panic!("no case for {other:?}: add one here"),
    };
    if !takes {
        return Verdict::Refused(ErrorClass::InvalidInput);
    }
    let status = m.status();
    if !matches!(
        status,
        PaymentStatus::Paid | PaymentStatus::PartiallyRefunded
    ) {
        return Verdict::Refused(ErrorClass::InvalidState);
    }
    if currency != m.currency {
        return Verdict::Refused(ErrorClass::InvalidInput);
    }
    // Refunded before by an amount the provider does not report (Finpay, PayG): what is left
    // cannot be checked.
    if status == PaymentStatus::PartiallyRefunded && m.provider != Provider::Payway {
        return Verdict::Refused(ErrorClass::InvalidState);
    }
    let left = m.known_left();
    if left <= 0 {
        return Verdict::Refused(ErrorClass::InvalidState);
    }
    if minor > left {
        return Verdict::Refused(ErrorClass::InvalidInput);
    }
    if m.stage == Stage::Paid && minor <= m.captured - m.refunded {
        Verdict::Applied
    } else {
        Verdict::ProviderSaysNo
    }
}

/// A capture: PayWay only (others: unsupported); at least 100 riel (checked before reading);
/// authorized; the payment's currency; at most 110 % of the hold.
fn capture_verdict(m: &Model, currency: Currency, minor: i64) -> Verdict {
    if m.provider != Provider::Payway {
        return Verdict::Refused(ErrorClass::Unsupported);
    }
    if currency == Currency::KHR && minor < 100 {
        return Verdict::Refused(ErrorClass::InvalidInput);
    }
    if m.stage != Stage::Authorized {
        return Verdict::Refused(ErrorClass::InvalidState);
    }
    if currency != m.currency {
        return Verdict::Refused(ErrorClass::InvalidInput);
    }
    if minor * 10 > m.amount * 11 {
        return Verdict::Refused(ErrorClass::InvalidInput);
    }
    Verdict::Applied
}

fn void_verdict(m: &Model) -> Verdict {
    match m.provider {
        Provider::Payg => Verdict::Refused(ErrorClass::Unsupported),
        Provider::Payway if m.status() == PaymentStatus::Authorized => Verdict::Applied,
        Provider::Finpay
            if matches!(m.status(), PaymentStatus::Paid | PaymentStatus::Authorized) =>
        {
            Verdict::Applied
        }
        _ => Verdict::Refused(ErrorClass::InvalidState),
    }
}

fn cancel_verdict(m: &Model) -> Verdict {
    match m.provider {
        Provider::Payg => Verdict::Refused(ErrorClass::Unsupported),
        _ if m.status() == PaymentStatus::Pending => Verdict::Applied,
        _ => Verdict::Refused(ErrorClass::InvalidState),
    }
}

/// What the run did, for its closing line.
static REFUSED_BEFORE_SENDING: AtomicU32 = AtomicU32::new(0);
static SENT: AtomicU32 = AtomicU32::new(0);
static STEPS: AtomicU32 = AtomicU32::new(0);

fn check<T>(
    what: &str,
    verdict: Verdict,
    result: &Result<T, Error>,
    writes: usize,
) -> Result<(), TestCaseError> {
    let sent = match (verdict, result) {
        (Verdict::Refused(ErrorClass::Unsupported), Err(e)) => {
            prop_assert_eq!(e.class(), ErrorClass::Unsupported, "{}: {}", what, e);
            0
        }
        (Verdict::Refused(class), Err(e)) => {
            prop_assert_eq!(e.class(), class, "{}: {}", what, e);
            0
        }
        (Verdict::Applied, Ok(_)) => 1,
        (Verdict::ProviderSaysNo, Err(e)) => {
            prop_assert_eq!(e.class(), ErrorClass::Provider, "{}: {}", what, e);
            prop_assert!(!e.outcome_unknown(), "{}: {}", what, e);
            1
        }
        (verdict, Err(e)) => {
            return Err(TestCaseError::fail(format!(
                "{what}: the model says {verdict:?}, the SDK said {e} ({})",
                e.class()
            )));
        }
        (verdict, Ok(_)) => {
            return Err(TestCaseError::fail(format!(
                "{what}: the model says {verdict:?}, the SDK succeeded"
            )));
        }
    };
    prop_assert_eq!(writes, sent, "{}: writes that reached the sandbox", what);
    let counter = if sent == 0 {
        &REFUSED_BEFORE_SENDING
    } else {
        &SENT
    };
    counter.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// The invariants after a step, for one order: the sandbox's ledger and the unified status.
async fn agree(world: &World<'_>, i: usize) -> Result<(), TestCaseError> {
    let m = &world.orders[i];
    let ledger = world
        .sandbox
        .order(m.provider, m.key.as_str())
        .expect("the order exists");
    let minor =
        |d: Decimal| i64::try_from(Money::new(d, m.currency).unwrap().minor_units()).unwrap();
    let refunded = minor(ledger.refunded());
    prop_assert!(
        refunded <= minor(ledger.captured),
        "refunded {} of {} captured",
        refunded,
        ledger.captured
    );
    prop_assert_eq!(refunded, m.refunded, "refunded, {:?}", m);
    prop_assert_eq!(minor(ledger.captured), m.captured, "captured, {:?}", m);
    prop_assert_eq!(&ledger.currency, m.currency.code(), "the currency changed");
    let payment = world
        .gateway(m)
        .payment_status(&m.key)
        .await
        .map_err(|e| TestCaseError::fail(format!("status of {m:?}: {e}")))?;
    prop_assert_eq!(&payment.status, &m.status(), "status of {:?}", m);
    // PayWay names no currency for an unpaid (pending or closed) transaction: the SDK reports
    // the profile's then, so the currency is compared where the provider names it.
    let named = !matches!(m.stage, Stage::Pending | Stage::Cancelled);
    if let Some(amount) = payment.amount.filter(|_| named) {
        prop_assert_eq!(amount.currency(), m.currency, "currency of {:?}", m);
        prop_assert_eq!(m.minor(&amount), m.amount, "amount of {:?}", m);
    }
    if m.provider == Provider::Payway {
        let reported = payment.refunded_amount.map(|r| m.minor(&r)).unwrap_or(0);
        prop_assert_eq!(reported, m.refunded, "refunded amount of {:?}", m);
    }
    Ok(())
}

async fn step(world: &mut World<'_>, action: &Action) -> Result<(), TestCaseError> {
    STEPS.fetch_add(1, Ordering::Relaxed);
    let index = match action {
        Action::Create {
            provider,
            khr,
            size,
            pre_auth,
        } => {
            world.create(*provider, *khr, *size, *pre_auth).await;
            return agree(world, world.orders.len() - 1).await;
        }
        Action::Pay(i) => {
            world.pay(*i);
            *i
        }
        Action::Status(i) => *i,
        Action::Refund { order, .. }
        | Action::Capture { order, .. }
        | Action::Void(order)
        | Action::Cancel(order) => *order,
    };
    let Some(i) = world.pick(index) else {
        return Ok(());
    };
    let m = world.orders[i].clone();
    let gateway = world.gateway(&m);
    let before = world.writes(m.provider);
    let what = format!("{action:?} on {m:?}");
    match action {
        Action::Refund {
            amount,
            wrong_currency,
            ..
        } => {
            let (minor, currency, asked) = m.asked(*amount, *wrong_currency);
            let verdict = refund_verdict(&m, currency, minor);
            let result = gateway
                .refund(&RefundRequest::new(m.key.clone(), asked).unwrap())
                .await;
            check(&what, verdict, &result, world.writes(m.provider) - before)?;
            if verdict == Verdict::Applied {
                world.orders[i].refunded += minor;
            }
        }
        Action::Capture {
            amount,
            wrong_currency,
            ..
        } => {
            let (minor, currency, asked) = m.asked(*amount, *wrong_currency);
            let verdict = capture_verdict(&m, currency, minor);
            let result = gateway
                .capture(&CaptureRequest::new(m.key.clone(), asked).unwrap())
                .await;
            check(&what, verdict, &result, world.writes(m.provider) - before)?;
            if verdict == Verdict::Applied {
                world.orders[i].stage = Stage::Paid;
                world.orders[i].captured = minor;
            }
        }
        Action::Void(_) => {
            let verdict = void_verdict(&m);
            let result = gateway.void(&(&m.key).into()).await;
            check(&what, verdict, &result, world.writes(m.provider) - before)?;
            if verdict == Verdict::Applied {
                world.orders[i].stage = Stage::Voided;
            }
        }
        Action::Cancel(_) => {
            let verdict = cancel_verdict(&m);
            let result = gateway.cancel(&(&m.key).into()).await;
            check(&what, verdict, &result, world.writes(m.provider) - before)?;
            if verdict == Verdict::Applied {
                world.orders[i].stage = Stage::Cancelled;
            }
        }
        Action::Pay(_) | Action::Status(_) | Action::Create { .. } => {}
    }
    agree(world, i).await
}

#[test]
fn random_write_sequences_agree_with_the_model() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime.block_on(Sandbox::start()).unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let cases = std::env::var("PAYGATE_MODEL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(action(), 1..40), |actions| {
        runtime.block_on(async {
            // Each sequence counts writes from an empty request log.
            sandbox.forget_received();
            let mut world = World {
                sandbox: &sandbox,
                registry: &registry,
                orders: Vec::new(),
            };
            for action in &actions {
                step(&mut world, action).await?;
            }
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    println!(
        "{cases} sequences, {} steps: {} writes refused before sending, {} sent once",
        STEPS.load(Ordering::Relaxed),
        REFUSED_BEFORE_SENDING.load(Ordering::Relaxed),
        SENT.load(Ordering::Relaxed)
    );
}
