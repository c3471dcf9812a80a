//! Exactly-once writes through the write journal, against the sandbox and both real
//! databases (SQLite in a file, PostgreSQL from `PAYGATE_TEST_POSTGRES_URL`): a key reaches
//! the provider once; a lost answer is recovered from the payment, never resent; a write on
//! an order another write holds is refused; an unavailable journal stops writes before
//! sending and leaves reads alone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use paygate::journal::{EntryState, JournalSettings, RecoveryOptions, WriteJournal};
use paygate::sandbox::{Fault, FaultSpec, Provider, Sandbox};
use paygate::{
    CaptureRequest, CreatePayment, Currency, ErrorClass, GatewayRegistry, JournalErrorKind, Money,
    OrderId, PaymentGateway, RefundReference, RefundRequest, VoidRequest,
};
use paygate_tests::journals::{account_of, journal_urls, journals, own_gateway, unique};

const REFUND_PATH: &str = "online-transaction/refund";

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

/// The test's own gateway name (see `own_gateway`).
fn name(sandbox: &Sandbox) -> String {
    own_gateway(sandbox, Provider::Payway).0
}

/// The write deadline of these tests' gateways: the sandbox answers in milliseconds.
const DEADLINE: Duration = Duration::from_millis(1500);
const MARGIN: Duration = Duration::from_millis(500);

fn registry(sandbox: &Sandbox, journal: Arc<dyn WriteJournal>) -> GatewayRegistry {
    GatewayRegistry::builder()
        .toml_str(&own_gateway(sandbox, Provider::Payway).1)
        .unwrap()
        .journal(
            journal,
            JournalSettings::default()
                .wait_for_order(Duration::ZERO)
                .lease_margin(MARGIN)
                .deadline(DEADLINE),
        )
        .build()
        .unwrap()
}

/// The journal account of the test's own gateway.
fn account(sandbox: &Sandbox) -> String {
    let (name, toml) = own_gateway(sandbox, Provider::Payway);
    account_of(&toml, &name).unwrap()
}

/// Waits until a lease taken now has run out: recovery settles nothing before.
async fn wait_out_lease() {
    tokio::time::sleep(DEADLINE + MARGIN + Duration::from_millis(100)).await;
}

/// A paid PayWay order of 10.00 USD.
async fn paid_order(sandbox: &Sandbox, gateway: &Arc<dyn PaymentGateway>) -> OrderId {
    let id = OrderId::new(unique("J")).unwrap();
    gateway
        .create_payment(&CreatePayment::new(id.clone(), usd("10.00")).unwrap())
        .await
        .unwrap();
    sandbox.pay(Provider::Payway, id.as_str()).unwrap();
    id
}

fn refunds_received(sandbox: &Sandbox) -> usize {
    sandbox
        .received()
        .iter()
        .filter(|r| r.provider == Provider::Payway && r.path.contains(REFUND_PATH))
        .count()
}

fn refund(order: &OrderId, amount: &str, key: &str) -> RefundRequest {
    RefundRequest::new(order.clone(), usd(amount))
        .unwrap()
        .reference(RefundReference::new(key).unwrap())
}

#[tokio::test]
async fn the_same_key_twice_refunds_once_and_answers_from_the_journal() {
    for (db, journal) in journals().await.unwrap() {
        let sandbox = Sandbox::start().await.unwrap();
        let registry = registry(&sandbox, journal.clone());
        let gateway = registry.gateway(&name(&sandbox)).unwrap();
        let order = paid_order(&sandbox, &gateway).await;
        let key = unique("R");

        let first = gateway.refund(&refund(&order, "1.00", &key)).await.unwrap();
        let again = gateway.refund(&refund(&order, "1.00", &key)).await.unwrap();
        assert_eq!(refunds_received(&sandbox), 1, "{db}");
        let ledger = sandbox.order(Provider::Payway, order.as_str()).unwrap();
        assert_eq!(ledger.refunds.len(), 1, "{db}");
        assert_eq!(again.amount, first.amount, "{db}");
        assert_eq!(again.status, first.status, "{db}");
        assert_eq!(again.raw.body, first.raw.body, "{db}: the recorded answer");
        let entry = journal
            .entry(&account(&sandbox), &key)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(entry.state, EntryState::Succeeded, "{db}");
        let baseline = entry.baseline.unwrap();
        assert_eq!(baseline.status, "paid", "{db}");

        // The same key for another write: refused, nothing sent.
        let error = gateway
            .refund(&refund(&order, "2.00", &key))
            .await
            .unwrap_err();
        assert_eq!(error.class(), ErrorClass::InvalidInput, "{db}: {error}");
        assert!(error.to_string().contains("another write"), "{db}: {error}");
        assert_eq!(refunds_received(&sandbox), 1, "{db}");
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn a_lost_answer_is_unknown_blocks_the_order_and_recovers_as_applied() {
    for (db, journal) in journals().await.unwrap() {
        let sandbox = Sandbox::start().await.unwrap();
        let registry = registry(&sandbox, journal.clone());
        let gateway = registry.gateway(&name(&sandbox)).unwrap();
        let order = paid_order(&sandbox, &gateway).await;
        let key = unique("R");
        sandbox
            .arm(FaultSpec::new(Provider::Payway, Fault::ResetAfterApply, 1).on_path(REFUND_PATH));

        let error = gateway
            .refund(&refund(&order, "3.00", &key))
            .await
            .unwrap_err();
        assert!(error.outcome_unknown(), "{db}: {error}");
        assert_eq!(
            journal
                .entry(&account(&sandbox), &key)
                .await
                .unwrap()
                .unwrap()
                .state,
            EntryState::Unknown,
            "{db}"
        );
        // The same key: unresolved, not resent. Another key on the order: in progress.
        let again = gateway
            .refund(&refund(&order, "3.00", &key))
            .await
            .unwrap_err();
        assert_eq!(again.class(), ErrorClass::OutcomeUnknown, "{db}: {again}");
        let other = gateway
            .refund(&refund(&order, "1.00", &unique("R")))
            .await
            .unwrap_err();
        assert_eq!(other.class(), ErrorClass::InProgress, "{db}: {other}");
        assert_eq!(refunds_received(&sandbox), 1, "{db}");

        wait_out_lease().await;
        let report = registry.recover(RecoveryOptions::default()).await.unwrap();
        let settled = report.settled.iter().find(|s| s.key == key).unwrap();
        assert_eq!(settled.state, EntryState::Applied, "{db}: {settled:?}");
        let ledger = sandbox.order(Provider::Payway, order.as_str()).unwrap();
        assert_eq!(ledger.refunded(), "3.00".parse().unwrap(), "{db}");

        // The same key now answers with this refund (not the payment read to settle it).
        let replayed = gateway.refund(&refund(&order, "3.00", &key)).await.unwrap();
        assert_eq!(replayed.status, paygate::RefundStatus::Succeeded, "{db}");
        assert_eq!(replayed.amount, Some(usd("3.00")), "{db}");
        assert_eq!(replayed.total_refunded, Some(usd("3.00")), "{db}");
        assert_eq!(
            replayed.reference.as_ref().map(|r| r.as_str()),
            Some(key.as_str())
        );
        assert_eq!(refunds_received(&sandbox), 1, "{db}");

        // Applied: never sent again, not even by an explicit retry.
        let retry = registry.retry(&key).await.unwrap_err();
        assert!(
            matches!(&retry, paygate::Error::Journal(j) if j.kind == JournalErrorKind::Refused),
            "{db}: {retry}"
        );
        // The order is free again.
        gateway
            .refund(&refund(&order, "1.00", &unique("R")))
            .await
            .unwrap();
        assert_eq!(refunds_received(&sandbox), 2, "{db}");
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn a_write_that_never_applied_recovers_as_not_applied_and_an_explicit_retry_sends_it() {
    for (db, journal) in journals().await.unwrap() {
        let sandbox = Sandbox::start().await.unwrap();
        let registry = registry(&sandbox, journal.clone());
        let gateway = registry.gateway(&name(&sandbox)).unwrap();
        let order = paid_order(&sandbox, &gateway).await;
        let key = unique("R");
        // The request is read, nothing is done, the connection breaks: unknown to the client.
        sandbox
            .arm(FaultSpec::new(Provider::Payway, Fault::ResetAfterRead, 1).on_path(REFUND_PATH));
        let error = gateway
            .refund(&refund(&order, "2.50", &key))
            .await
            .unwrap_err();
        assert!(error.outcome_unknown(), "{db}: {error}");

        wait_out_lease().await;
        let report = registry.recover(RecoveryOptions::default()).await.unwrap();
        let settled = report.settled.iter().find(|s| s.key == key).unwrap();
        assert_eq!(settled.state, EntryState::NotApplied, "{db}: {settled:?}");
        // Recovery sent nothing. An explicit retry sends it, once, as attempt 2.
        assert_eq!(refunds_received(&sandbox), 1, "{db}");
        let entry = registry.retry(&key).await.unwrap();
        assert_eq!(
            (entry.state, entry.attempt),
            (EntryState::Succeeded, 2),
            "{db}"
        );
        assert_eq!(refunds_received(&sandbox), 2, "{db}");
        // Done: the same write again answers from the journal, and a retry is refused.
        let again = gateway.refund(&refund(&order, "2.50", &key)).await.unwrap();
        assert_eq!(again.amount, Some(usd("2.50")), "{db}");
        assert!(registry.retry(&key).await.is_err(), "{db}");
        assert_eq!(refunds_received(&sandbox), 2, "{db}");
        let ledger = sandbox.order(Provider::Payway, order.as_str()).unwrap();
        assert_eq!(ledger.refunded(), "2.50".parse().unwrap(), "{db}");
        sandbox.shutdown().await;
    }
}

/// The same write asked again (a rerun of the same command, a job's retry) after its answer
/// was lost: refused with when to ask again while its lease runs; once the lease has ended,
/// settled on the spot — sent as its next attempt when it was not applied, answered from the
/// journal when it was. Every key ends refunded exactly once, with no `recover` in between.
#[tokio::test]
async fn the_same_write_again_settles_its_lost_attempt_and_is_made_exactly_once() {
    for (db, journal) in journals().await.unwrap() {
        let sandbox = Sandbox::start().await.unwrap();
        let registry = registry(&sandbox, journal.clone());
        let gateway = registry.gateway(&name(&sandbox)).unwrap();
        for (fault, applied) in [
            (Fault::ResetAfterRead, false),
            (Fault::ResetAfterApply, true),
        ] {
            let order = paid_order(&sandbox, &gateway).await;
            let key = unique("S");
            sandbox.arm(FaultSpec::new(Provider::Payway, fault.clone(), 1).on_path(REFUND_PATH));
            let lost = gateway
                .refund(&refund(&order, "2.00", &key))
                .await
                .unwrap_err();
            assert!(lost.outcome_unknown(), "{db}: {lost}");
            // At once: its writer (this process) lives and its lease runs.
            let early = gateway
                .refund(&refund(&order, "2.00", &key))
                .await
                .unwrap_err();
            assert!(early.outcome_unknown(), "{db}: {early}");
            assert!(
                early.to_string().contains("lease runs until"),
                "{db}: {early}"
            );
            wait_out_lease().await;
            let done = gateway.refund(&refund(&order, "2.00", &key)).await.unwrap();
            assert_eq!(done.amount, Some(usd("2.00")), "{db} {fault:?}");
            let entry = journal
                .entry(&account(&sandbox), &key)
                .await
                .unwrap()
                .unwrap();
            let expected = if applied {
                (EntryState::Applied, 1)
            } else {
                (EntryState::Succeeded, 2)
            };
            assert_eq!((entry.state, entry.attempt), expected, "{db} {fault:?}");
            let ledger = sandbox.order(Provider::Payway, order.as_str()).unwrap();
            assert_eq!(ledger.refunds.len(), 1, "{db} {fault:?}: exactly once");
        }
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn callers_racing_with_one_key_send_it_once() {
    for (db, journal) in journals().await.unwrap() {
        let sandbox = Sandbox::start().await.unwrap();
        // Several app instances: one registry each, on one journal database.
        let registries: Vec<GatewayRegistry> = (0..4)
            .map(|_| registry(&sandbox, journal.clone()))
            .collect();
        let setup = registries[0].gateway(&name(&sandbox)).unwrap();
        let order = paid_order(&sandbox, &setup).await;
        let key = unique("R");
        let mut tasks = Vec::new();
        for registry in &registries {
            for _ in 0..4 {
                let gateway = registry.gateway(&name(&sandbox)).unwrap();
                let request = refund(&order, "1.00", &key);
                tasks.push(tokio::spawn(async move { gateway.refund(&request).await }));
            }
        }
        let mut ok = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => assert!(
                    matches!(
                        e.class(),
                        ErrorClass::InProgress | ErrorClass::OutcomeUnknown
                    ),
                    "{db}: {e}"
                ),
            }
        }
        assert!(ok >= 1, "{db}");
        assert_eq!(refunds_received(&sandbox), 1, "{db}");
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn a_read_only_journal_stops_writes_before_sending_and_reads_go_on() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = paygate_tests::journals::temp_dir("paygate-journal-ro");
    let path = dir.join("journal.db");
    let writable = paygate::journal::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let order = paid_order(
        &sandbox,
        &registry(&sandbox, writable)
            .gateway(&name(&sandbox))
            .unwrap(),
    )
    .await;
    let read_only = paygate::journal::open(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let gateway = registry(&sandbox, read_only)
        .gateway(&name(&sandbox))
        .unwrap();
    let error = gateway
        .refund(&refund(&order, "1.00", &unique("R")))
        .await
        .unwrap_err();
    assert_eq!(error.class(), ErrorClass::JournalUnavailable, "{error}");
    assert!(error.to_string().contains("nothing was sent"), "{error}");
    assert_eq!(refunds_received(&sandbox), 0);
    assert!(gateway.payment_status(&order).await.is_ok());
    sandbox.shutdown().await;
}

/// A TCP relay on loopback to the PostgreSQL server: stopping it is the server going away
/// for this journal, while the other tests keep using the server.
struct Relay {
    port: u16,
    task: tokio::task::JoinHandle<()>,
    connections: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    async fn start(target: std::net::SocketAddr) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let held = connections.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let connection = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                held.lock().unwrap().push(connection);
            }
        });
        Relay {
            port,
            task,
            connections,
        }
    }

    /// The server is gone: no new connection, every open one cut.
    fn stop(&self) {
        self.task.abort();
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }
}

#[tokio::test]
async fn a_postgres_server_gone_mid_run_stops_writes_before_sending_and_reads_go_on() {
    let Some(url) = paygate_tests::journals::postgres_url() else {
        return;
    };
    let parsed = paygate::Url::parse(&url).unwrap();
    let target = std::net::SocketAddr::from(([127, 0, 0, 1], parsed.port().unwrap_or(5432)));
    let relay = Relay::start(target).await;
    let mut relayed = parsed.clone();
    relayed.set_port(Some(relay.port)).unwrap();
    let journal = paygate::journal::open(relayed.as_str()).await.unwrap();
    let sandbox = Sandbox::start().await.unwrap();
    let registry = registry(&sandbox, journal);
    let gateway = registry.gateway(&name(&sandbox)).unwrap();
    let order = paid_order(&sandbox, &gateway).await;
    gateway
        .refund(&refund(&order, "1.00", &unique("R")))
        .await
        .unwrap();
    assert_eq!(refunds_received(&sandbox), 1);

    relay.stop();
    let error = gateway
        .refund(&refund(&order, "1.00", &unique("R")))
        .await
        .unwrap_err();
    assert_eq!(error.class(), ErrorClass::JournalUnavailable, "{error}");
    assert!(error.to_string().contains("nothing was sent"), "{error}");
    assert_eq!(refunds_received(&sandbox), 1);
    let payment = gateway.payment_status(&order).await.unwrap();
    assert_eq!(payment.refunded_amount, Some(usd("1.00")));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_journal_section_is_opened_by_open_and_never_silently_ignored() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = paygate_tests::journals::temp_dir("paygate-journal-config");
    let db = dir.join("journal.db");
    // The URL from a file, as a password-bearing URL would come (`file:` or `env:`).
    let secret = dir.join("journal-url");
    std::fs::write(&secret, format!("sqlite://{}\n", db.display())).unwrap();
    let toml = format!(
        "{}\n[journal]\nurl = \"file:{}\"\nwait_for_order_ms = 0\n",
        own_gateway(&sandbox, Provider::Payway).1,
        secret.display()
    );
    let parsed = paygate::RegistryConfig::from_toml_str(&toml).unwrap();
    let shown = format!("{:?}", parsed.journal.as_ref().unwrap());
    assert!(
        !shown.contains("journal.db"),
        "the URL is redacted: {shown}"
    );

    // Built without opening the journal: refused, never a registry whose writes skip it.
    let error = GatewayRegistry::from_toml_str(&toml).unwrap_err();
    assert_eq!(error.class(), ErrorClass::Config, "{error}");
    assert!(
        error.to_string().contains("GatewayRegistry::open"),
        "{error}"
    );

    let file = dir.join("paygate.toml");
    std::fs::write(&file, &toml).unwrap();
    let registry = GatewayRegistry::open(&file).await.unwrap();
    assert!(registry.journal().is_some());
    let gateway = registry.gateway(&name(&sandbox)).unwrap();
    let order = paid_order(&sandbox, &gateway).await;
    let key = unique("R");
    gateway.refund(&refund(&order, "1.00", &key)).await.unwrap();
    let reopened = paygate::journal::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    assert_eq!(
        reopened
            .entry(&account(&sandbox), &key)
            .await
            .unwrap()
            .unwrap()
            .state,
        EntryState::Succeeded
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_repeated_creation_answers_with_the_recorded_checkout_and_its_payment_id() {
    for (db, journal) in journals().await.unwrap() {
        let sandbox = Sandbox::start().await.unwrap();
        // PayG keys later calls by its own OrderKeyId: the replay must keep it.
        let (name, table) = own_gateway(&sandbox, Provider::Payg);
        let registry = GatewayRegistry::builder()
            .toml_str(&table)
            .unwrap()
            .journal(journal, JournalSettings::default())
            .build()
            .unwrap();
        let gateway = registry.gateway(&name).unwrap();
        let request = CreatePayment::new(
            OrderId::new(unique("C").replace('-', "")).unwrap(),
            Money::parse("100.00", Currency::INR).unwrap(),
        )
        .unwrap()
        .idempotency_key(paygate::IdempotencyKey::new(unique("create")).unwrap());
        let first = gateway.create_payment(&request).await.unwrap();
        let again = gateway.create_payment(&request).await.unwrap();
        assert_ne!(first.payment_id, first.order_id, "{db}");
        assert_eq!(again.payment_id, first.payment_id, "{db}");
        assert_eq!(again.next_action, first.next_action, "{db}");
        let creations = sandbox
            .received()
            .iter()
            .filter(|r| r.provider == Provider::Payg && r.method == "POST")
            .count();
        assert_eq!(creations, 1, "{db}: sent again");
        sandbox.shutdown().await;
    }
}

/// Every answer a refund can meet after the provider may have applied it (a lost, cut,
/// unreadable, mislabelled, foreign or undocumented answer, or an error page): the entry is
/// kept as unknown with the answer's story, the same key is never sent again, and recovery,
/// once the lease is over, settles it to what the provider did. (With the entry dropped on
/// an unreadable answer, the second call would send it again.)
#[tokio::test]
async fn no_answer_that_may_follow_an_applied_refund_lets_its_key_be_sent_again() {
    let faults = [
        Fault::ResetAfterApply,
        Fault::ResetAfterRead,
        Fault::TruncatedJson,
        Fault::WrongContentType,
        Fault::WrongShape,
        Fault::EmptyBody,
        Fault::UnrecognisedCode,
        Fault::OtherOrder {
            order_id: "ELSEWHERE1".into(),
        },
        Fault::Html { status: 502 },
        Fault::Status { status: 500 },
    ];
    for (db, journal) in journals().await.unwrap() {
        let sandbox = Sandbox::start().await.unwrap();
        let registry = registry(&sandbox, journal.clone());
        let gateway = registry.gateway(&name(&sandbox)).unwrap();
        let mut keys = Vec::new();
        for fault in &faults {
            let order = paid_order(&sandbox, &gateway).await;
            let key = unique("F");
            sandbox.arm(FaultSpec::new(Provider::Payway, fault.clone(), 1).on_path(REFUND_PATH));
            let before = refunds_received(&sandbox);
            let error = gateway
                .refund(&refund(&order, "1.00", &key))
                .await
                .unwrap_err();
            assert!(error.outcome_unknown(), "{db} {fault:?}: {error}");
            let entry = journal
                .entry(&account(&sandbox), &key)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{db} {fault:?}: the entry was dropped"));
            assert_eq!(entry.state, EntryState::Unknown, "{db} {fault:?}");
            // The same key again: nothing sent.
            let again = gateway
                .refund(&refund(&order, "1.00", &key))
                .await
                .unwrap_err();
            assert!(again.outcome_unknown(), "{db} {fault:?}: {again}");
            assert_eq!(refunds_received(&sandbox), before + 1, "{db} {fault:?}");
            keys.push((key, order));
        }
        wait_out_lease().await;
        let report = registry.recover(RecoveryOptions::default()).await.unwrap();
        for (key, order) in keys {
            let settled = report.settled.iter().find(|s| s.key == key).unwrap();
            // The provider's ledger is the truth recovery must find.
            let ledger = sandbox.order(Provider::Payway, order.as_str()).unwrap();
            let expected = if ledger.refunds.len() == 1 {
                EntryState::Applied
            } else {
                EntryState::NotApplied
            };
            assert_eq!(settled.state, expected, "{db}: {settled:?}");
        }
        assert_eq!(report.unresolved(), 0, "{db}: {report:?}");
        sandbox.shutdown().await;
    }
}

/// A plan's payment is the write's baseline only while nothing can have overtaken it: a plan
/// that another journaled write on its order overtook (here through another registry, with
/// its own journal handle, as another app instance would) is read again once its order is
/// claimed and checked again — the refund it planned no longer fits and is refused, unsent —
/// and a plan older than `plan_fresh_for` is read again too.
#[tokio::test]
async fn a_plan_another_write_overtook_is_read_and_checked_again_before_sending() {
    for (db, url) in journal_urls() {
        let journal = paygate::journal::open(&url).await.unwrap();
        let sandbox = Sandbox::start().await.unwrap();
        let gateway = registry(&sandbox, journal.clone())
            .gateway(&name(&sandbox))
            .unwrap();
        let other_instance = registry(&sandbox, paygate::journal::open(&url).await.unwrap())
            .gateway(&name(&sandbox))
            .unwrap();
        let order = paid_order(&sandbox, &gateway).await;

        let overtaken = unique("OV-A");
        let planned =
            paygate::pipeline::plan(gateway.as_ref(), &refund(&order, "6.00", &overtaken))
                .await
                .unwrap();
        assert!(planned.journal_mark().is_some(), "{db}");
        other_instance
            .refund(&refund(&order, "6.00", &unique("OV-B")))
            .await
            .unwrap();
        let reads = |sandbox: &Sandbox| {
            sandbox
                .received()
                .iter()
                .filter(|r| r.path.contains("check-transaction"))
                .count()
        };
        let reads_before = reads(&sandbox);
        let error = gateway.send_refund(&planned).await.unwrap_err();
        assert_eq!(error.class(), ErrorClass::InvalidInput, "{db}: {error}");
        assert!(
            error.to_string().contains("left to refund"),
            "{db}: {error}"
        );
        assert_eq!(reads(&sandbox), reads_before + 1, "{db}: read once again");
        assert_eq!(
            refunds_received(&sandbox),
            1,
            "{db}: the overtaken plan was never sent"
        );
        assert_eq!(
            journal.entry(&account(&sandbox), &overtaken).await.unwrap(),
            None,
            "{db}: a write refused before sending leaves no entry"
        );

        // A plan nothing overtook is sent as planned; one grown old is read again.
        let small =
            paygate::pipeline::plan(gateway.as_ref(), &refund(&order, "1.00", &unique("OV-C")))
                .await
                .unwrap();
        let reads_before = reads(&sandbox);
        gateway.send_refund(&small).await.unwrap();
        assert_eq!(reads(&sandbox), reads_before, "{db}: no second read");
        let stale = GatewayRegistry::builder()
            .toml_str(&own_gateway(&sandbox, Provider::Payway).1)
            .unwrap()
            .journal(
                journal.clone(),
                JournalSettings::default()
                    .wait_for_order(Duration::ZERO)
                    .plan_fresh_for(Duration::ZERO),
            )
            .build()
            .unwrap()
            .gateway(&name(&sandbox))
            .unwrap();
        let reads_before = reads(&sandbox);
        stale
            .refund(&refund(&order, "1.00", &unique("OV-D")))
            .await
            .unwrap();
        assert_eq!(
            reads(&sandbox),
            reads_before + 2,
            "{db}: read, and read again"
        );
        assert_eq!(refunds_received(&sandbox), 3, "{db}");

        // Every wrapper passes the provider's refund history on (recovery's evidence).
        let listed = gateway.refund_history(&order).await.unwrap().unwrap();
        assert_eq!(listed.len(), 3, "{db}: {listed:?}");

        // A capture planned on a hold that another instance voids meanwhile: the claim sees
        // the order's mark moved (no refund's lag stands in for it here), reads again and
        // refuses it, unsent.
        let held = OrderId::new(unique("OV-H")).unwrap();
        gateway
            .create_payment(
                &CreatePayment::new(held.clone(), usd("10.00"))
                    .unwrap()
                    .authorize_only(),
            )
            .await
            .unwrap();
        sandbox.pay(Provider::Payway, held.as_str()).unwrap();
        let capture = paygate::pipeline::plan(
            gateway.as_ref(),
            &CaptureRequest::new(held.clone(), usd("10.00")).unwrap(),
        )
        .await
        .unwrap();
        other_instance
            .void(&VoidRequest::new(held.clone()))
            .await
            .unwrap();
        let reads_before = reads(&sandbox);
        let error = gateway.send_capture(&capture).await.unwrap_err();
        assert_eq!(error.class(), ErrorClass::InvalidState, "{db}: {error}");
        assert_eq!(reads(&sandbox), reads_before + 1, "{db}: read once again");
        assert!(
            !sandbox
                .received()
                .iter()
                .any(|r| r.path.contains("pre-auth-completion")),
            "{db}: the overtaken capture was never sent"
        );

        // A plan is sent only through a gateway of the account it was planned on.
        let elsewhere = Sandbox::start().await.unwrap();
        let foreign = registry(&elsewhere, journal.clone())
            .gateway(&name(&elsewhere))
            .unwrap();
        let plan =
            paygate::pipeline::plan(gateway.as_ref(), &refund(&order, "1.00", &unique("OV-E")))
                .await
                .unwrap();
        let error = foreign.send_refund(&plan).await.unwrap_err();
        assert_eq!(error.class(), ErrorClass::InvalidInput, "{db}: {error}");
        assert!(
            error.to_string().contains("planned on account"),
            "{db}: {error}"
        );
        assert!(elsewhere.received().is_empty(), "{db}");
        elsewhere.shutdown().await;
        sandbox.shutdown().await;
    }
}

/// The same key again is answered from the journal even where the payment, as it reads now,
/// would refuse the write (all of it refunded by that very write): the plan skips the checks
/// for a key on record, and the journal answers or checks again before any send. With the
/// payment handed over too.
#[tokio::test]
async fn the_same_key_again_is_answered_even_when_the_payment_would_now_refuse_it() {
    for (db, journal) in journals().await.unwrap() {
        let sandbox = Sandbox::start().await.unwrap();
        let gateway = registry(&sandbox, journal.clone())
            .gateway(&name(&sandbox))
            .unwrap();
        let order = paid_order(&sandbox, &gateway).await;
        let key = unique("ALL");
        let first = gateway
            .refund(&refund(&order, "10.00", &key))
            .await
            .unwrap();
        let again = gateway
            .refund(&refund(&order, "10.00", &key))
            .await
            .unwrap();
        assert_eq!(again.raw.body, first.raw.body, "{db}: the recorded answer");
        let now = gateway.payment_status(&order).await.unwrap();
        let handed = refund(&order, "10.00", &key).with_payment(now);
        let planned = paygate::pipeline::plan(gateway.as_ref(), &handed)
            .await
            .unwrap();
        assert_eq!(
            planned.recorded().map(|r| (r.state.as_str(), r.answered)),
            Some(("succeeded", true)),
            "{db}"
        );
        assert!(planned.checks_deferred(), "{db}");
        // Its checks were left to the journal: the provider's gateway itself refuses it.
        let plain = GatewayRegistry::builder()
            .toml_str(&own_gateway(&sandbox, Provider::Payway).1)
            .unwrap()
            .build()
            .unwrap()
            .gateway(&name(&sandbox))
            .unwrap();
        let refused = plain.send_refund(&planned).await.unwrap_err();
        assert_eq!(refused.class(), ErrorClass::InvalidInput, "{db}: {refused}");
        assert!(
            refused
                .to_string()
                .contains("through the journaled gateway"),
            "{db}: {refused}"
        );
        gateway.send_refund(&planned).await.unwrap();
        assert_eq!(refunds_received(&sandbox), 1, "{db}");
        // A new key is checked as ever: nothing is left.
        let error = gateway
            .refund(&refund(&order, "0.01", &unique("ALL")))
            .await
            .unwrap_err();
        assert_eq!(error.class(), ErrorClass::InvalidState, "{db}: {error}");
        sandbox.shutdown().await;
    }
}

/// PayWay whose refunded figure shows a refund made through it only `lag` after it was
/// applied, and which loses one key's refund before applying it.
#[derive(Debug)]
struct LaggingFigure {
    inner: Arc<dyn PaymentGateway>,
    lag: Duration,
    shown_from: std::sync::Mutex<Vec<(Money, tokio::time::Instant)>>,
    lost_key: String,
}

#[paygate::async_trait]
impl PaymentGateway for LaggingFigure {
    fn provider(&self) -> &'static str {
        self.inner.provider()
    }

    fn capabilities(&self) -> paygate::Capabilities {
        self.inner.capabilities()
    }

    fn account(&self) -> paygate::AccountId {
        self.inner.account()
    }

    fn precheck(&self, write: paygate::pipeline::WriteRef<'_>) -> paygate::Result<()> {
        self.inner.precheck(write)
    }

    fn write_rules(&self) -> paygate::pipeline::WriteRules {
        self.inner.write_rules().refunds_show_within(self.lag)
    }

    async fn payment_status(&self, order_id: &OrderId) -> paygate::Result<paygate::Payment> {
        let mut payment = self.inner.payment_status(order_id).await?;
        let now = tokio::time::Instant::now();
        for (amount, from) in self.shown_from.lock().unwrap().iter() {
            if *from > now {
                payment.refunded_amount = payment
                    .refunded_amount
                    .map(|r| r.checked_sub(amount).unwrap());
            }
        }
        Ok(payment)
    }

    async fn send_refund(
        &self,
        refund: &paygate::Checked<RefundRequest>,
    ) -> paygate::Result<paygate::Refund> {
        let request = refund.request();
        if request.reference.as_ref().map(|r| r.as_str()) == Some(self.lost_key.as_str()) {
            return Err(paygate::Error::from(paygate::TransportError::from_failure(
                "payway",
                paygate::Operation::Refund,
                paygate::TransportFailure::outcome_unknown(
                    paygate::TransportCause::ConnectionClosed,
                    "test: lost before it was applied",
                ),
                1,
            )));
        }
        let answer = self.inner.send_refund(refund).await?;
        self.shown_from
            .lock()
            .unwrap()
            .push((request.amount, tokio::time::Instant::now() + self.lag));
        Ok(answer)
    }
}

/// A refund right after another on the same order, at a provider whose refunded figure lags,
/// on an order refunded outside the journal too: its answer is lost before the provider
/// applied it. The writer waits until the provider surely shows the first refund before it
/// reads its baseline, so recovery settles it as not applied. (Read at once, the baseline
/// would lack the first refund, and the figure that later shows it would look like this
/// refund applied: the million-schedule simulation's schedule 359 871.)
#[tokio::test]
async fn a_refund_right_after_another_reads_its_baseline_once_the_first_surely_shows() {
    const LAG: Duration = Duration::from_millis(800);
    for (db, journal) in journals().await.unwrap() {
        let sandbox = Sandbox::start().await.unwrap();
        let (name, toml) = own_gateway(&sandbox, Provider::Payway);
        let bare = GatewayRegistry::builder()
            .toml_str(&toml)
            .unwrap()
            .build()
            .unwrap()
            .gateway(&name)
            .unwrap();
        let order = paid_order(&sandbox, &bare).await;
        bare.refund(&refund(&order, "5.00", &unique("OUT")))
            .await
            .unwrap();
        let lost = unique("LOST");
        let lagging: Arc<dyn PaymentGateway> = Arc::new(LaggingFigure {
            inner: bare.clone(),
            lag: LAG,
            shown_from: std::sync::Mutex::default(),
            lost_key: lost.clone(),
        });
        let journaled: Arc<dyn PaymentGateway> = Arc::new(
            paygate::journal::Journaled::new(name.clone(), lagging.clone(), journal.clone())
                .with_settings(
                    JournalSettings::default()
                        .wait_for_order(Duration::ZERO)
                        .lease_margin(MARGIN)
                        .deadline(DEADLINE),
                ),
        );
        journaled
            .refund(&refund(&order, "2.00", &unique("FIRST")))
            .await
            .unwrap();
        let began = tokio::time::Instant::now();
        let error = journaled
            .refund(&refund(&order, "2.00", &lost))
            .await
            .unwrap_err();
        assert_eq!(error.class(), ErrorClass::OutcomeUnknown, "{db}: {error}");
        let waited = began.elapsed();
        let entry = journal
            .entry(&account(&sandbox), &lost)
            .await
            .unwrap()
            .unwrap();

        // Recovery waits out the lease and then the lag, for a refund applied at its end.
        wait_out_lease().await;
        let early = paygate::journal::recover(
            journal.as_ref(),
            &|_: &paygate::journal::Entry| Ok::<_, String>(lagging.clone()),
            RecoveryOptions::default().accounts([account(&sandbox)]),
        )
        .await
        .unwrap();
        let early = early.settled.iter().find(|s| s.key == lost).unwrap();
        assert_eq!(early.state, EntryState::Unknown, "{db}: {early:?}");
        assert!(early.eligible_at_ms.is_some(), "{db}: {early:?}");
        tokio::time::sleep(LAG).await;
        let gateway_of = |_: &paygate::journal::Entry| Ok::<_, String>(lagging.clone());
        let report = paygate::journal::recover(
            journal.as_ref(),
            &gateway_of,
            RecoveryOptions::default().accounts([account(&sandbox)]),
        )
        .await
        .unwrap();
        let settled = report.settled.iter().find(|s| s.key == lost).unwrap();
        assert_eq!(settled.state, EntryState::NotApplied, "{db}: {settled:?}");
        assert_eq!(refunds_received(&sandbox), 2, "{db}");
        assert!(
            waited >= LAG / 2,
            "{db}: it waited for the first refund to show"
        );
        assert_eq!(
            entry.baseline.and_then(|b| b.refunded).as_deref(),
            Some("7.00"),
            "{db}: the baseline shows both earlier refunds"
        );
        sandbox.shutdown().await;
    }
}
