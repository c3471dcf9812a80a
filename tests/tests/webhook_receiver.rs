//! The webhook receiver (`paygate::receiver`, feature `axum`) served on loopback, fed the
//! exact deliveries the sandbox makes for each provider: acknowledgements, refusals,
//! deduplication (in memory and in the journal's database), confirmation of unsigned
//! notifications, the age window, raw bytes, and a slow handler.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use paygate::receiver::{Confirmation, ReceivedWebhook, WebhookReceiver};
use paygate::sandbox::{Fault, FaultSpec, Provider, Sandbox, SimOrder, SimulatedWebhook};
use paygate::{GatewayRegistry, PaymentStatus};

/// Serves `router` on a loopback port; its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

/// A receiver recording what its handler got; its base URL and the record.
async fn receiver_at(
    registry: Arc<GatewayRegistry>,
) -> (String, Arc<Mutex<Vec<ReceivedWebhook>>>, WebhookReceiver) {
    recording(WebhookReceiver::builder(registry)).await
}

/// `builder`'s receiver with a handler that records what it gets, served.
async fn recording(
    builder: paygate::receiver::WebhookReceiverBuilder,
) -> (String, Arc<Mutex<Vec<ReceivedWebhook>>>, WebhookReceiver) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let record = got.clone();
    let receiver = builder
        .handler(move |webhook: ReceivedWebhook| {
            let record = record.clone();
            async move {
                record.lock().unwrap().push(webhook);
                Ok(())
            }
        })
        .build()
        .unwrap();
    let base = serve(axum::Router::new().nest("/webhooks", receiver.router())).await;
    (base, got, receiver)
}

struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

async fn post(url: &str, webhook: &SimulatedWebhook) -> Answer {
    post_bytes(url, webhook.body.clone().into_bytes(), &webhook.headers).await
}

async fn post_bytes(url: &str, body: Vec<u8>, headers: &[(String, String)]) -> Answer {
    let mut request = reqwest::Client::new().post(url).body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    Answer {
        status,
        content_type,
        body: response.text().await.unwrap(),
    }
}

/// Waits (at most 10 s) until `got` holds `count` events, then a little more so that an
/// extra one would show.
async fn settled(got: &Mutex<Vec<ReceivedWebhook>>, count: usize) -> Vec<ReceivedWebhook> {
    let started = Instant::now();
    while got.lock().unwrap().len() < count && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    got.lock().unwrap().clone()
}

const SAMPLES: [(Provider, &str, i64); 3] = [
    (Provider::Finpay, "IDR", 150_000),
    (Provider::Payway, "USD", 20),
    (Provider::Payg, "INR", 500),
];

/// A paid order at `sandbox`, and the notification the provider sends for it.
fn paid(sandbox: &Sandbox, provider: Provider, id: &str) -> SimulatedWebhook {
    paid_as(sandbox, provider, id, id)
}

/// [`paid`], the provider keying the order `id` and the app knowing it as `app_id` (PayG's
/// `OrderKeyId` and `UniqueRequestId`).
fn paid_as(sandbox: &Sandbox, provider: Provider, id: &str, app_id: &str) -> SimulatedWebhook {
    let (_, currency, amount) = SAMPLES.into_iter().find(|s| s.0 == provider).unwrap();
    let order = SimOrder::new(
        provider,
        id,
        app_id,
        amount.into(),
        currency,
        paygate::time::OffsetDateTime::now_utc(),
    );
    sandbox.insert(order).unwrap();
    sandbox.pay(provider, id).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_provider_gets_its_exact_acknowledgement_and_the_handler_runs_once() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = Arc::new(paygate::sandbox::registry(&sandbox).unwrap());
    let (base, got, receiver) = receiver_at(registry).await;
    assert!(!receiver.is_durable());
    for (provider, _, _) in SAMPLES {
        let webhook = paid(&sandbox, provider, "RCV1");
        let url = format!("{base}/webhooks/{}", provider.name());
        // Providers retry: the second delivery is acknowledged the same, handled not again.
        for _ in 0..2 {
            let answer = post(&url, &webhook).await;
            assert_eq!(answer.status, 200, "{provider:?}: {}", answer.body);
            match provider {
                Provider::Finpay => {
                    assert_eq!(answer.content_type, "application/json");
                    assert_eq!(
                        answer.body,
                        r#"{"responseCode":"2000000","responseMessage":"Success"}"#
                    );
                }
                _ => assert_eq!(answer.body, "", "{provider:?}"),
            }
        }
    }
    let events = settled(&got, 3).await;
    assert_eq!(events.len(), 3, "{events:?}");
    for event in &events {
        assert_eq!(event.event.status, Some(PaymentStatus::Paid), "{event:?}");
        let unsigned = event.gateway == "payg";
        match &event.confirmation {
            Confirmation::StatusRead(payment) => {
                assert!(unsigned, "{event:?}");
                assert_eq!(payment.status, PaymentStatus::Paid);
            }
            Confirmation::Signature => assert!(!unsigned, "{event:?}"),
            other => panic!("{other:?}"),
        }
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_deliveries_never_reach_the_handler_and_say_nothing_secret() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = Arc::new(paygate::sandbox::registry(&sandbox).unwrap());
    let (base, got, _receiver) =
        recording(WebhookReceiver::builder(registry).max_body_bytes(4096)).await;
    let secrets = sandbox.credentials().secret_forms();
    let mut answers = Vec::new();

    for provider in [Provider::Finpay, Provider::Payway] {
        let webhook = paid(&sandbox, provider, "BAD1");
        let url = format!("{base}/webhooks/{}", provider.name());
        // Another order's id under the original signature.
        let tampered = webhook.body.replacen("BAD1", "BAD2", 1);
        let answer = post_bytes(&url, tampered.into_bytes(), &webhook.headers).await;
        assert_eq!(answer.status, 401, "{provider:?}: {}", answer.body);
        answers.push(answer);
        let answer = post_bytes(&url, b"{not json".to_vec(), &webhook.headers).await;
        assert_eq!(answer.status, 400, "{provider:?}: {}", answer.body);
        answers.push(answer);
    }
    let webhook = paid(&sandbox, Provider::Finpay, "BIG1");
    let unknown = post(&format!("{base}/webhooks/nobody"), &webhook).await;
    assert_eq!(unknown.status, 404);
    let mut big = webhook.body.clone().into_bytes();
    big.extend(std::iter::repeat_n(b' ', 8192));
    let too_large = post_bytes(&format!("{base}/webhooks/finpay"), big, &webhook.headers).await;
    assert_eq!(too_large.status, 413);
    // PayG's postback is unsigned: one claiming another amount than PayG reports is refused.
    let postback = paid(&sandbox, Provider::Payg, "BAD3");
    let forged = postback
        .body
        .replacen("\"OrderAmount\":500", "\"OrderAmount\":5", 1);
    assert_ne!(forged, postback.body, "the postback names its amount");
    let answer = post_bytes(
        &format!("{base}/webhooks/payg"),
        forged.into_bytes(),
        &postback.headers,
    )
    .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    answers.extend([unknown, too_large, answer]);

    assert!(settled(&got, 0).await.is_empty(), "the handler was called");
    for answer in &answers {
        for secret in &secrets {
            assert!(!answer.body.contains(secret.as_str()), "{}", answer.body);
        }
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_and_future_dated_events_are_refused() {
    use paygate::clock::ManualClock;
    use paygate::transport::{Dispatcher, ReqwestTransport, TransportSettings};
    let sandbox = Sandbox::start().await.unwrap();
    let webhooks: Vec<_> = SAMPLES
        .into_iter()
        .map(|(provider, _, _)| (provider, paid(&sandbox, provider, "OLD1")))
        .collect();
    let hour = paygate::time::Duration::hours(1);
    let now = paygate::time::OffsetDateTime::now_utc();
    for (at, expected) in [(now + hour, 422), (now - hour, 422), (now, 200)] {
        let mut toml = sandbox.config_toml();
        for (provider, _, _) in SAMPLES {
            let table = format!("[gateways.{}]\n", provider.name());
            toml = toml.replace(&table, &format!("{table}webhook_max_age_secs = 600\n"));
        }
        let transport = ReqwestTransport::new(&TransportSettings::default()).unwrap();
        let dispatcher =
            Dispatcher::new(Arc::new(transport)).with_clock(Arc::new(ManualClock::new(at)));
        let registry = GatewayRegistry::builder()
            .dispatcher(dispatcher)
            .toml_str(&toml)
            .unwrap()
            .build()
            .unwrap();
        let (base, got, _receiver) = receiver_at(Arc::new(registry)).await;
        for (provider, webhook) in &webhooks {
            // PayWay's checkout pushback carries no time: nothing to judge, always taken.
            let expected = if *provider == Provider::Payway {
                200
            } else {
                expected
            };
            let answer = post(&format!("{base}/webhooks/{}", provider.name()), webhook).await;
            assert_eq!(
                answer.status, expected,
                "{provider:?} at {at}: {}",
                answer.body
            );
        }
        // PayWay's, without a time, is handled in every case.
        let count = if expected == 200 { 3 } else { 1 };
        assert_eq!(settled(&got, count).await.len(), count);
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_bytes_verify_whatever_their_whitespace_and_key_order() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = Arc::new(paygate::sandbox::registry(&sandbox).unwrap());
    let (base, got, _receiver) = receiver_at(registry).await;
    // PayWay hashes field values (any key order); Finpay signs its fields in the order sent.
    for (provider, id, reverse) in [
        (Provider::Payway, "RAW1", true),
        (Provider::Finpay, "RAW2", false),
    ] {
        let webhook = paid(&sandbox, provider, id);
        // The same members, byte for byte, spaced and indented as no serialiser of ours
        // would (and, for PayWay, in reverse order).
        let mut members = top_level_members(&webhook.body);
        if reverse {
            members.reverse();
        }
        let spaced: Vec<String> = members
            .iter()
            .map(|(key, value)| format!("\n   {key} :  {value}"))
            .collect();
        let odd = format!("{{{} \n}}\n", spaced.join(" ,"));
        assert_ne!(odd, webhook.body);
        let answer = post_bytes(
            &format!("{base}/webhooks/{}", provider.name()),
            odd.into_bytes(),
            &webhook.headers,
        )
        .await;
        assert_eq!(answer.status, 200, "{provider:?}: {}", answer.body);
    }
    assert_eq!(settled(&got, 2).await.len(), 2);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_does_not_delay_the_acknowledgement() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = Arc::new(paygate::sandbox::registry(&sandbox).unwrap());
    let release = Arc::new(tokio::sync::Notify::new());
    let (started, finished) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let (wait, s, f) = (release.clone(), started.clone(), finished.clone());
    let receiver = WebhookReceiver::builder(registry)
        .handler(move |_webhook: ReceivedWebhook| {
            let (wait, s, f) = (wait.clone(), s.clone(), f.clone());
            async move {
                s.store(true, Ordering::SeqCst);
                // Blocks until the test has its answer: a handler slower than any deadline.
                wait.notified().await;
                f.store(true, Ordering::SeqCst);
                Ok(())
            }
        })
        .build()
        .unwrap();
    let base = serve(axum::Router::new().nest("/webhooks", receiver.router())).await;
    let webhook = paid(&sandbox, Provider::Payway, "SLOW1");
    let answer = post(&format!("{base}/webhooks/payway"), &webhook).await;
    assert_eq!(answer.status, 200);
    assert!(
        !finished.load(Ordering::SeqCst),
        "answered only after the handler"
    );
    let begun = Instant::now();
    while !started.load(Ordering::SeqCst) && begun.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    release.notify_one();
    while !finished.load(Ordering::SeqCst) && begun.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(finished.load(Ordering::SeqCst));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_recognises_a_delivery_across_restarts_and_hands_over_what_failed() {
    for (db, journal) in paygate_tests::journals::journals().await.unwrap() {
        let sandbox = Sandbox::start().await.unwrap();
        let (name, table) = paygate_tests::journals::own_gateway(&sandbox, Provider::Finpay);
        let registry = Arc::new(
            GatewayRegistry::builder()
                .toml_str(&table)
                .unwrap()
                .journal(journal.clone(), Default::default())
                .build()
                .unwrap(),
        );
        let webhook = paid(&sandbox, Provider::Finpay, "JRN1");
        // The first instance's handler fails: acknowledged, left unhandled.
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let failing = WebhookReceiver::builder(registry.clone())
            .retry_backoff(Duration::ZERO, Duration::ZERO)
            .handler(move |_w: ReceivedWebhook| {
                counted.fetch_add(1, Ordering::SeqCst);
                async move { Err::<(), _>("the shop's database is down".into()) }
            })
            .build()
            .unwrap();
        assert!(failing.is_durable());
        let first = serve(axum::Router::new().nest("/w", failing.router())).await;
        assert_eq!(
            post(&format!("{first}/w/{name}"), &webhook).await.status,
            200
        );
        let begun = Instant::now();
        while calls.load(Ordering::SeqCst) == 0 && begun.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // A second instance (a restart) gets the provider's retry: recognised, not handled.
        let (second, got, restarted) = receiver_at(registry.clone()).await;
        let answer = post(&format!("{second}/webhooks/{name}"), &webhook).await;
        assert_eq!(answer.status, 200, "{db}");
        assert!(settled(&got, 0).await.is_empty(), "{db}: handled twice");
        // At start, the app hands over what was never handled: once.
        assert_eq!(
            restarted.handle_unhandled(10_000).await.unwrap().handled,
            1,
            "{db}"
        );
        assert_eq!(
            restarted.handle_unhandled(10_000).await.unwrap(),
            paygate::receiver::UnhandledReport::default(),
            "{db}"
        );
        let handled = got.lock().unwrap().clone();
        assert_eq!(handled.len(), 1, "{db}");
        assert_eq!(handled[0].event.status, Some(PaymentStatus::Paid), "{db}");
        assert!(matches!(
            handled[0].confirmation,
            Confirmation::StatusRead(_)
        ));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{db}");
        sandbox.shutdown().await;
    }
}

/// The members of a compact JSON object, as (key, value) texts exactly as written.
fn top_level_members(body: &str) -> Vec<(String, String)> {
    let inner = body
        .trim()
        .strip_prefix('{')
        .unwrap()
        .strip_suffix('}')
        .unwrap();
    let (mut parts, mut depth, mut in_string, mut escaped, mut start) =
        (vec![], 0, false, false, 0);
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' | '[' if !in_string => depth += 1,
            '}' | ']' if !in_string => depth -= 1,
            ',' if !in_string && depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .map(|member| {
            let key_end = member[1..].find('"').unwrap() + 2;
            let value = member[key_end..].trim_start().strip_prefix(':').unwrap();
            (member[..key_end].to_owned(), value.to_owned())
        })
        .collect()
}

/// At start, one provider's outage does not stop the others' events: an event whose status
/// cannot be read is skipped, named in the report and kept; the one behind it is handled;
/// the skipped one is handled on the next call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_status_leaves_one_event_for_later_and_the_rest_are_handled() {
    for (db, journal) in paygate_tests::journals::journals().await.unwrap() {
        let sandbox = Sandbox::start().await.unwrap();
        let (finpay, finpay_table) =
            paygate_tests::journals::own_gateway(&sandbox, Provider::Finpay);
        let (payway, payway_table) =
            paygate_tests::journals::own_gateway(&sandbox, Provider::Payway);
        let registry = Arc::new(
            GatewayRegistry::builder()
                .toml_str(&format!("{finpay_table}\n{payway_table}"))
                .unwrap()
                .journal(journal.clone(), Default::default())
                .build()
                .unwrap(),
        );
        // Both taken in by an instance whose handler fails: acknowledged, left unhandled.
        let failing = WebhookReceiver::builder(registry.clone())
            .retry_backoff(Duration::ZERO, Duration::ZERO)
            .handler(move |_w: ReceivedWebhook| async move {
                Err::<(), _>("the shop's database is down".into())
            })
            .build()
            .unwrap();
        let first = serve(axum::Router::new().nest("/w", failing.router())).await;
        for (provider, name, id) in [
            (Provider::Finpay, &finpay, "LEFT1"),
            (Provider::Payway, &payway, "LEFT2"),
        ] {
            let webhook = paid(&sandbox, provider, id);
            assert_eq!(
                post(&format!("{first}/w/{name}"), &webhook).await.status,
                200
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Finpay's status reads fail (a 502 from its proxy), its retries too.
        sandbox.arm(
            FaultSpec::new(Provider::Finpay, Fault::Html { status: 502 }, 100)
                .on_path("pg/payment/card/check"),
        );
        let (_, got, restarted) = recording(
            WebhookReceiver::builder(registry.clone())
                .retry_backoff(Duration::from_millis(100), Duration::from_millis(100)),
        )
        .await;
        let report = restarted.handle_unhandled(10_000).await.unwrap();
        assert_eq!(report.handled, 1, "{db}: {report}");
        assert_eq!(report.left.len(), 1, "{db}: {report}");
        assert_eq!(report.left[0].gateway, finpay, "{db}: {report}");
        assert!(
            report.left[0].why.contains("could not be read"),
            "{db}: {report}"
        );
        assert_eq!(got.lock().unwrap().len(), 1, "{db}");
        // Not due again before its wait is over; then Finpay is back, and the next call
        // hands it over.
        let report = restarted.handle_unhandled(10_000).await.unwrap();
        assert_eq!(
            (report.handled, report.left.len()),
            (0, 0),
            "{db}: {report}"
        );
        sandbox.clear_faults();
        tokio::time::sleep(Duration::from_millis(150)).await;
        let report = restarted.handle_unhandled(10_000).await.unwrap();
        assert_eq!(
            (report.handled, report.left.len()),
            (1, 0),
            "{db}: {report}"
        );
        assert_eq!(got.lock().unwrap().len(), 2, "{db}");
        sandbox.shutdown().await;
    }
}

/// An unsigned PayG postback pairing one order's key with another order's id (the app's
/// `UniqueRequestId`) is refused: the confirming read of the key reports the other id. Else
/// paying order A would mark order B paid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsigned_notice_naming_another_orders_id_is_refused() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = Arc::new(paygate::sandbox::registry(&sandbox).unwrap());
    let (base, got, _receiver) = receiver_at(registry).await;
    let genuine = paid_as(&sandbox, Provider::Payg, "260101M1UFORGEA", "FORGEA");
    sandbox
        .insert(SimOrder::new(
            Provider::Payg,
            "260101M1UFORGEB",
            "FORGEB",
            9999.into(),
            "INR",
            paygate::time::OffsetDateTime::now_utc(),
        ))
        .unwrap();
    let mut forged: serde_json::Value = serde_json::from_str(&genuine.body).unwrap();
    forged["UniqueRequestId"] = serde_json::Value::String("FORGEB".into());
    let answer = post_bytes(
        &format!("{base}/webhooks/payg"),
        forged.to_string().into_bytes(),
        &genuine.headers,
    )
    .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    // The genuine postback still goes through, naming order A.
    let answer = post(&format!("{base}/webhooks/payg"), &genuine).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let handled = settled(&got, 1).await;
    assert_eq!(handled.len(), 1, "{handled:?}");
    assert_eq!(handled[0].event.order_id, "FORGEA");
    assert_eq!(
        handled[0].event.provider_reference.as_deref(),
        Some("260101M1UFORGEA")
    );
    sandbox.shutdown().await;
}

/// An unsigned notice whose confirming read fails is acknowledged and kept (PayG sends
/// once), then confirmed in the background once the provider answers again: handled once,
/// never lost. One for an order the provider does not have gets a 4xx, not an invitation to
/// retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsigned_notice_whose_read_fails_is_kept_and_confirmed_later() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = Arc::new(paygate::sandbox::registry(&sandbox).unwrap());
    let (base, got, _receiver) = receiver_at(registry).await;
    let postback = paid(&sandbox, Provider::Payg, "LATE1");
    // PayG's status reads fail (500s, its retries too) when the postback arrives.
    sandbox.arm(FaultSpec::new(
        Provider::Payg,
        Fault::Status { status: 500 },
        1000,
    ));
    let answer = post(&format!("{base}/webhooks/payg"), &postback).await;
    assert_eq!(answer.status, 200, "acknowledged, kept: {}", answer.body);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(got.lock().unwrap().is_empty(), "handed over unconfirmed");
    sandbox.clear_faults();
    let handled = settled(&got, 1).await;
    assert_eq!(handled.len(), 1, "confirmed later, handled once");
    assert_eq!(handled[0].event.status, Some(PaymentStatus::Paid));
    assert!(matches!(
        handled[0].confirmation,
        Confirmation::StatusRead(_)
    ));

    // A postback for an order PayG does not have: refused with a 4xx.
    let forged = postback.body.replace("LATE1", "NOSUCH1");
    assert_ne!(forged, postback.body);
    let answer = post_bytes(
        &format!("{base}/webhooks/payg"),
        forged.into_bytes(),
        &postback.headers,
    )
    .await;
    assert_eq!(answer.status, 404, "{}", answer.body);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(got.lock().unwrap().len(), 1);
    sandbox.shutdown().await;
}

/// A receipt left due (its handler failed) is handed over once by receivers racing for it:
/// two app instances, each with its own handle on the journal's database, both passing over
/// the inbox at once, again and again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_receivers_racing_on_one_receipt_hand_it_over_once() {
    for (db, url) in paygate_tests::journals::journal_urls() {
        let sandbox = Sandbox::start().await.unwrap();
        let (name, table) = paygate_tests::journals::own_gateway(&sandbox, Provider::Payway);
        let instance = |handler_calls: Arc<AtomicUsize>, fail: bool| {
            let (url, table) = (url.clone(), table.clone());
            async move {
                let journal = paygate::journal::open(&url).await.unwrap();
                let registry = Arc::new(
                    GatewayRegistry::builder()
                        .toml_str(&table)
                        .unwrap()
                        .journal(journal, Default::default())
                        .build()
                        .unwrap(),
                );
                WebhookReceiver::builder(registry)
                    .retry_backoff(Duration::ZERO, Duration::ZERO)
                    .handler(move |_w: ReceivedWebhook| {
                        handler_calls.fetch_add(1, Ordering::SeqCst);
                        async move {
                            // Long enough for the other instance to look meanwhile.
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            if fail {
                                Err("the shop's database is down".into())
                            } else {
                                Ok(())
                            }
                        }
                    })
                    .build()
                    .unwrap()
            }
        };
        let failed = Arc::new(AtomicUsize::new(0));
        let first = instance(failed.clone(), true).await;
        let base = serve(axum::Router::new().nest("/w", first.router())).await;
        let webhook = paid(&sandbox, Provider::Payway, "RACE1");
        assert_eq!(
            post(&format!("{base}/w/{name}"), &webhook).await.status,
            200
        );
        let begun = Instant::now();
        while failed.load(Ordering::SeqCst) == 0 && begun.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;

        let calls = Arc::new(AtomicUsize::new(0));
        let a = instance(calls.clone(), false).await;
        let b = instance(calls.clone(), false).await;
        let mut handled = 0;
        for _ in 0..5 {
            let (x, y) = tokio::join!(a.handle_unhandled(100), b.handle_unhandled(100));
            handled += x.unwrap().handled + y.unwrap().handled;
        }
        assert_eq!(handled, 1, "{db}");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{db}: handed over twice");
        sandbox.shutdown().await;
    }
}

/// A handler that fails twice, then succeeds: the receiver's worker hands the event over
/// again after each wait, and it is handled once — in the journal's database and in memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_failing_twice_is_retried_by_the_worker_and_handled_once() {
    let mut modes: Vec<(&str, Option<Arc<dyn paygate::journal::WriteJournal>>)> =
        vec![("memory", None)];
    for (db, journal) in paygate_tests::journals::journals().await.unwrap() {
        modes.push((db, Some(journal)));
    }
    // Finpay's callback is signed; PayG's postback is not, and PayG keys its order by its own
    // `OrderKeyId` while the event names the app's id: the worker's hand-over must read the
    // status by the former and hand over the latter.
    let cases = modes
        .into_iter()
        .flat_map(|(db, journal)| {
            [Provider::Finpay, Provider::Payg].map(|provider| (db, journal.clone(), provider))
        })
        .collect::<Vec<_>>();
    for (db, journal, provider) in cases {
        let sandbox = Sandbox::start().await.unwrap();
        let (name, table) = paygate_tests::journals::own_gateway(&sandbox, provider);
        let mut builder = GatewayRegistry::builder().toml_str(&table).unwrap();
        if let Some(journal) = &journal {
            builder = builder.journal(journal.clone(), Default::default());
        }
        let registry = Arc::new(builder.build().unwrap());
        let calls = Arc::new(AtomicUsize::new(0));
        let succeeded = Arc::new(Mutex::new(Vec::new()));
        let (counted, record) = (calls.clone(), succeeded.clone());
        let receiver = WebhookReceiver::builder(registry)
            .retry_backoff(Duration::from_millis(100), Duration::from_millis(400))
            .handler(move |webhook: ReceivedWebhook| {
                let call = counted.fetch_add(1, Ordering::SeqCst) + 1;
                let record = record.clone();
                async move {
                    if call <= 2 {
                        return Err(format!("attempt {call}: the shop's database is down").into());
                    }
                    record.lock().unwrap().push(webhook);
                    Ok(())
                }
            })
            .build()
            .unwrap();
        assert_eq!(receiver.is_durable(), journal.is_some(), "{db}");
        let worker = tokio::spawn(receiver.clone().run_worker(Duration::from_millis(20)));
        let base = serve(axum::Router::new().nest("/w", receiver.router())).await;
        let key = match provider {
            Provider::Payg => "260101M1URETRY1",
            _ => "RETRY1",
        };
        let webhook = paid_as(&sandbox, provider, key, "RETRY1");
        assert_eq!(
            post(&format!("{base}/w/{name}"), &webhook).await.status,
            200
        );
        let begun = Instant::now();
        while succeeded.lock().unwrap().is_empty() && begun.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Time for a fourth call, which must not come.
        tokio::time::sleep(Duration::from_millis(600)).await;
        worker.abort();
        assert_eq!(calls.load(Ordering::SeqCst), 3, "{db} {provider:?}");
        let handled = succeeded.lock().unwrap().clone();
        assert_eq!(handled.len(), 1, "{db} {provider:?}");
        assert_eq!(
            handled[0].event.status,
            Some(PaymentStatus::Paid),
            "{db} {provider:?}"
        );
        assert_eq!(handled[0].event.order_id, "RETRY1", "{db} {provider:?}");
        if let Some(journal) = &journal {
            let receipts = journal
                .receipts(&paygate::journal::ReceiptFilter {
                    gateway: Some(name.clone()),
                    ..Default::default()
                })
                .await
                .unwrap();
            assert_eq!(receipts.len(), 1, "{db}");
            assert!(receipts[0].handled_at_ms.is_some(), "{db}");
            assert_eq!(receipts[0].failures, 2, "{db}");
        }
        sandbox.shutdown().await;
    }
}

/// Per event: calls, and its handlers running now; the most ever running at once.
type Handed = (std::collections::HashMap<String, (usize, usize)>, usize);

/// A pass over many due receipts takes them one at a time, so no receipt's hold runs out
/// while it waits its turn: a second instance passing meanwhile takes only what the first
/// has not reached, and no event is handed to two handlers (found by an adversarial review:
/// a pass took a hundred at once, each held for one handler's time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_passing_over_a_backlog_hand_each_event_over_once() {
    for (db, url) in paygate_tests::journals::journal_urls() {
        let sandbox = Sandbox::start().await.unwrap();
        let (name, table) = paygate_tests::journals::own_gateway(&sandbox, Provider::Payway);
        let journal = paygate::journal::open(&url).await.unwrap();
        for n in 0..5 {
            let id = format!("BACKLOG{n}");
            let _ = paid(&sandbox, Provider::Payway, &id);
            let receipt = paygate::journal::WebhookReceipt::new(
                name.clone(),
                format!("{id}|k"),
                id.clone(),
                b"{}".to_vec(),
            );
            assert!(journal.receive(&receipt, Duration::ZERO).await.unwrap());
        }
        let calls: Arc<Mutex<Handed>> = Arc::default();
        let instance = |calls: Arc<Mutex<Handed>>| {
            let (url, table) = (url.clone(), table.clone());
            async move {
                let journal = paygate::journal::open(&url).await.unwrap();
                let registry = Arc::new(
                    GatewayRegistry::builder()
                        .toml_str(&table)
                        .unwrap()
                        .journal(journal, Default::default())
                        .build()
                        .unwrap(),
                );
                WebhookReceiver::builder(registry)
                    .handler_timeout(Duration::from_millis(600))
                    .confirm_within(Duration::from_millis(500))
                    .handler(move |w: ReceivedWebhook| {
                        let calls = calls.clone();
                        async move {
                            {
                                let mut c = calls.lock().unwrap();
                                let entry = c.0.entry(w.event_key.clone()).or_default();
                                entry.0 += 1;
                                entry.1 += 1;
                                let running = entry.1;
                                c.1 = c.1.max(running);
                            }
                            tokio::time::sleep(Duration::from_millis(500)).await;
                            calls.lock().unwrap().0.get_mut(&w.event_key).unwrap().1 -= 1;
                            Ok(())
                        }
                    })
                    .build()
                    .unwrap()
            }
        };
        let a = instance(calls.clone()).await;
        let b = instance(calls.clone()).await;
        let first = tokio::spawn(async move { a.handle_unhandled(100).await.unwrap() });
        // B passes while A is still working through the backlog (0.5 s an event).
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let second = b.handle_unhandled(100).await.unwrap();
        let first = first.await.unwrap();
        let c = calls.lock().unwrap().clone();
        assert_eq!(c.0.len(), 5, "{db}: {first}; {second}");
        assert!(
            c.0.values().all(|(n, _)| *n == 1),
            "{db}: handed over twice: {:?}",
            c.0
        );
        assert_eq!(c.1, 1, "{db}: two handlers of one event at once");
        assert_eq!(first.handled + second.handled, 5, "{db}");
        assert!(
            second.handled > 0,
            "{db}: the second instance took none of the backlog"
        );
        sandbox.shutdown().await;
    }
}

/// In memory, an event whose handler failed is kept until it is handled, however many
/// newer events arrive: the capacity forgets only handled ones (found by an adversarial
/// review: the oldest was dropped, handled or not).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_a_failed_event_outlives_the_capacity_until_handled() {
    let sandbox = Sandbox::start().await.unwrap();
    let (name, table) = paygate_tests::journals::own_gateway(&sandbox, Provider::Finpay);
    let registry = Arc::new(
        GatewayRegistry::builder()
            .toml_str(&table)
            .unwrap()
            .build()
            .unwrap(),
    );
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let record = seen.clone();
    let receiver = WebhookReceiver::builder(registry)
        .in_memory(1)
        .retry_backoff(Duration::from_millis(200), Duration::from_millis(200))
        .handler(move |w: ReceivedWebhook| {
            let record = record.clone();
            async move {
                let mut seen = record.lock().unwrap();
                let first = !seen.contains(&w.event.order_id);
                seen.push(w.event.order_id.clone());
                if first {
                    Err("the shop's database is down".into())
                } else {
                    Ok(())
                }
            }
        })
        .build()
        .unwrap();
    let worker = tokio::spawn(receiver.clone().run_worker(Duration::from_millis(50)));
    let base = serve(axum::Router::new().nest("/w", receiver.router())).await;
    for id in ["MEM1", "MEM2"] {
        let webhook = paid(&sandbox, Provider::Finpay, id);
        assert_eq!(
            post(&format!("{base}/w/{name}"), &webhook).await.status,
            200
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    worker.abort();
    let seen = seen.lock().unwrap().clone();
    for id in ["MEM1", "MEM2"] {
        assert_eq!(
            seen.iter().filter(|o| *o == id).count(),
            2,
            "{id}: {seen:?}"
        );
    }
    sandbox.shutdown().await;
}

/// An unsigned notice confirmed in the background stays held by its receiver for as long as
/// that confirmation may take, so the worker never hands it over meanwhile: handled once
/// (found by an adversarial review: the hold was one handler's time, the confirmation up to
/// 15 s more, and both handed it over).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_confirmed_in_the_background_is_not_also_taken_by_the_worker() {
    for (db, journal) in paygate_tests::journals::journals().await.unwrap() {
        let sandbox = Sandbox::start().await.unwrap();
        let (name, table) = paygate_tests::journals::own_gateway(&sandbox, Provider::Payg);
        let registry = Arc::new(
            GatewayRegistry::builder()
                .toml_str(&table)
                .unwrap()
                .journal(journal, Default::default())
                .build()
                .unwrap(),
        );
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let receiver = WebhookReceiver::builder(registry)
            .handler_timeout(Duration::from_secs(1))
            .confirm_within(Duration::from_millis(200))
            .retry_backoff(Duration::ZERO, Duration::ZERO)
            .handler(move |_w: ReceivedWebhook| {
                counted.fetch_add(1, Ordering::SeqCst);
                async { Ok(()) }
            })
            .build()
            .unwrap();
        let worker = tokio::spawn(receiver.clone().run_worker(Duration::from_millis(100)));
        let base = serve(axum::Router::new().nest("/w", receiver.router())).await;
        let id = paygate_tests::journals::unique("LATE");
        let postback = paid(&sandbox, Provider::Payg, &id);
        sandbox.arm(FaultSpec::new(
            Provider::Payg,
            Fault::Status { status: 500 },
            100_000,
        ));
        let answer = post(&format!("{base}/w/{name}"), &postback).await;
        assert_eq!(answer.status, 200, "{db}");
        // Past the hold of an ordinary hand-over (0.2 + 1 + 5 s), the confirmation still on.
        tokio::time::sleep(Duration::from_millis(6500)).await;
        sandbox.clear_faults();
        // The background confirmation's last read comes 15 s after the notice.
        tokio::time::sleep(Duration::from_millis(10_000)).await;
        worker.abort();
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{db}");
        sandbox.shutdown().await;
    }
}
