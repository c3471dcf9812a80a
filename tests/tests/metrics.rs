//! Metrics (feature `metrics`) after a scripted sequence — a success, a refusal, a read
//! retried after a proxy's error page, a refund whose outcome is unknown, webhooks handled and
//! rejected — read from a recorder: each counter and histogram as the sequence implies, and
//! no label that could grow without bound (never an order id).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use paygate::sandbox::{Fault, FaultSpec, Provider, Sandbox};
use paygate::{CreatePayment, Currency, Money, OrderId, RefundRequest};

const REFUND_PATH: &str = "online-transaction/refund";

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

type Labels = Vec<(String, String)>;

/// Every metric recorded: (name, sorted labels) → value.
fn read(recorder: &DebuggingRecorder) -> BTreeMap<(String, Labels), DebugValue> {
    recorder
        .snapshotter()
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let mut labels: Labels = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            labels.sort();
            ((key.name().to_owned(), labels), value)
        })
        .collect()
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    let mut labels: Labels = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    labels.sort();
    labels
}

#[tokio::test]
async fn a_scripted_sequence_leaves_the_counts_it_implies() {
    let recorder = DebuggingRecorder::new();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let gateway = registry.gateway("payway").unwrap();

    let order = OrderId::new("MET1").unwrap();
    gateway
        .create_payment(&CreatePayment::new(order.clone(), usd("10.00")).unwrap())
        .await
        .unwrap();
    sandbox.pay(Provider::Payway, "MET1").unwrap();
    // A success.
    gateway
        .refund(&RefundRequest::new(order.clone(), usd("1.00")).unwrap())
        .await
        .unwrap();
    // A refusal before sending: more than is left.
    let refused = gateway
        .refund(&RefundRequest::new(order.clone(), usd("50.00")).unwrap())
        .await
        .unwrap_err();
    assert_eq!(refused.class().name(), "invalid-input");
    // A read retried once after a proxy's error page.
    sandbox.arm(FaultSpec::new(
        Provider::Payway,
        Fault::Html { status: 502 },
        1,
    ));
    gateway.payment_status(&order).await.unwrap();
    // A refund applied whose answer is lost.
    sandbox.arm(FaultSpec::new(Provider::Payway, Fault::ResetAfterApply, 1).on_path(REFUND_PATH));
    let unknown = gateway
        .refund(&RefundRequest::new(order.clone(), usd("1.00")).unwrap())
        .await
        .unwrap_err();
    assert!(unknown.outcome_unknown());

    let metrics = read(&recorder);
    let counter =
        |name: &str, pairs: &[(&str, &str)]| match metrics.get(&(name.to_owned(), labels(pairs))) {
            Some(DebugValue::Counter(n)) => *n,
            other => panic!(
                "{name} {pairs:?}: {other:?}\n{:#?}",
                metrics.keys().collect::<Vec<_>>()
            ),
        };
    let operation = |op: &str, outcome: &str| {
        counter(
            "paygate_operations_total",
            &[
                ("provider", "payway"),
                ("gateway", "payway"),
                ("operation", op),
                ("outcome", outcome),
            ],
        )
    };
    assert_eq!(operation("create-payment", "ok"), 1);
    assert_eq!(operation("refund", "ok"), 1);
    assert_eq!(operation("refund", "invalid-input"), 1);
    assert_eq!(operation("refund", "outcome-unknown"), 1);
    assert_eq!(operation("payment-status", "ok"), 1);
    assert_eq!(
        counter(
            "paygate_http_retries_total",
            &[("provider", "payway"), ("operation", "payment-status")]
        ),
        1
    );
    // Every HTTP attempt timed: the retried read made two.
    let attempts = |op: &str| match metrics.get(&(
        "paygate_http_request_duration_seconds".to_owned(),
        labels(&[("provider", "payway"), ("operation", op)]),
    )) {
        Some(DebugValue::Histogram(values)) => values.len(),
        other => panic!("{op}: {other:?}"),
    };
    assert!(attempts("payment-status") >= 2);
    assert_eq!(attempts("refund"), 2, "the two refunds sent");
    // Nothing in flight once all is done.
    match metrics.get(&(
        "paygate_http_requests_in_flight".to_owned(),
        labels(&[("provider", "payway")]),
    )) {
        Some(DebugValue::Gauge(value)) => assert_eq!(value.into_inner(), 0.0),
        other => panic!("{other:?}"),
    }
    // Bounded labels: no order id anywhere.
    for (name, labels) in metrics.keys() {
        for (_, value) in labels {
            assert!(!value.contains("MET1"), "{name} {labels:?}");
        }
    }
    sandbox.shutdown().await;
}

/// Status reads cut off by the caller's 200 ms timeout while the provider takes 2 s: nothing
/// stays in flight, and each is counted, as `cancelled`, with its duration.
#[tokio::test]
async fn calls_cancelled_mid_request_leave_nothing_in_flight_and_are_counted() {
    let recorder = DebuggingRecorder::new();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let gateway = registry.gateway("payway").unwrap();
    let order = OrderId::new("MET2").unwrap();
    gateway
        .create_payment(&CreatePayment::new(order.clone(), usd("10.00")).unwrap())
        .await
        .unwrap();
    sandbox.arm(
        FaultSpec::new(Provider::Payway, Fault::Delay { millis: 2000 }, 3)
            .on_path("check-transaction-2"),
    );
    for _ in 0..3 {
        let cut = tokio::time::timeout(
            std::time::Duration::from_millis(200),
            gateway.payment_status(&order),
        )
        .await;
        assert!(cut.is_err(), "the read was not cut off: {cut:?}");
    }
    let metrics = read(&recorder);
    match metrics.get(&(
        "paygate_http_requests_in_flight".to_owned(),
        labels(&[("provider", "payway")]),
    )) {
        Some(DebugValue::Gauge(value)) => assert_eq!(value.into_inner(), 0.0),
        other => panic!("{other:?}"),
    }
    let key = |outcome: &str| {
        (
            "paygate_operations_total".to_owned(),
            labels(&[
                ("provider", "payway"),
                ("gateway", "payway"),
                ("operation", "payment-status"),
                ("outcome", outcome),
            ]),
        )
    };
    assert_eq!(
        metrics.get(&key("cancelled")),
        Some(&DebugValue::Counter(3)),
        "{metrics:?}"
    );
    match metrics.get(&(
        "paygate_operation_duration_seconds".to_owned(),
        labels(&[
            ("provider", "payway"),
            ("gateway", "payway"),
            ("operation", "payment-status"),
        ]),
    )) {
        Some(DebugValue::Histogram(values)) => assert_eq!(values.len(), 3),
        other => panic!("{other:?}"),
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn webhooks_are_counted_by_gateway_and_outcome() {
    use paygate::receiver::{ReceivedWebhook, WebhookReceiver};
    let recorder = DebuggingRecorder::new();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let sandbox = Sandbox::start().await.unwrap();
    let registry = std::sync::Arc::new(paygate::sandbox::registry(&sandbox).unwrap());
    let receiver = WebhookReceiver::builder(registry)
        .handler(|_w: ReceivedWebhook| async { Ok(()) })
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().nest("/webhooks", receiver.router());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let order = OrderId::new("MET2").unwrap();
    registry_gateway_create(&sandbox, &order).await;
    let webhook = sandbox.pay(Provider::Payway, "MET2").unwrap();
    let client = reqwest::Client::new();
    let post = |body: String, path: &str| {
        let mut request = client.post(format!("{base}/webhooks/{path}")).body(body);
        for (name, value) in &webhook.headers {
            request = request.header(name, value);
        }
        request.send()
    };
    assert_eq!(
        post(webhook.body.clone(), "payway").await.unwrap().status(),
        200
    );
    assert_eq!(
        post(webhook.body.clone(), "payway").await.unwrap().status(),
        200
    );
    let tampered = webhook.body.replacen("MET2", "MET3", 1);
    assert_eq!(post(tampered, "payway").await.unwrap().status(), 401);
    assert_eq!(
        post(webhook.body.clone(), "no-such-gateway")
            .await
            .unwrap()
            .status(),
        404
    );

    let metrics = read(&recorder);
    let webhooks = |gateway: &str, outcome: &str| match metrics.get(&(
        "paygate_webhooks_total".to_owned(),
        labels(&[("gateway", gateway), ("outcome", outcome)]),
    )) {
        Some(DebugValue::Counter(n)) => *n,
        other => panic!("{gateway} {outcome}: {other:?}"),
    };
    assert_eq!(webhooks("payway", "handled"), 1);
    assert_eq!(webhooks("payway", "duplicate"), 1);
    assert_eq!(webhooks("payway", "rejected"), 1);
    // An unknown gateway is the sender's word: one fixed label, never the path it gave.
    assert_eq!(webhooks("(unknown)", "rejected"), 1);
    sandbox.shutdown().await;
}

async fn registry_gateway_create(sandbox: &Sandbox, order: &OrderId) {
    let registry = paygate::sandbox::registry(sandbox).unwrap();
    registry
        .gateway("payway")
        .unwrap()
        .create_payment(&CreatePayment::new(order.clone(), usd("10.00")).unwrap())
        .await
        .unwrap();
}
