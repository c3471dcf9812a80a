//! The sandbox itself: faults injected on request (each reaching the client as the right error
//! class, with the right number of requests received), PayWay's `req_time` freshness, and the
//! HTTP control routes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::Duration;

use paygate::clock::{DeterministicRandom, ManualClock};
use paygate::sandbox::{Fault, FaultSpec, Provider, Sandbox};
use paygate::transport::{Dispatcher, ReqwestTransport, RetryPolicy, TransportSettings};
use paygate::{
    CreatePayment, Currency, Customer, ErrorClass, GatewayRegistry, Money, OrderId, PaymentGateway,
    ProviderErrorKind, RefundRequest, Url,
};

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

/// A PayWay gateway on the sandbox whose retries sleep on a manual clock.
fn payway(
    sandbox: &Sandbox,
    clock: Arc<ManualClock>,
    timeout: Duration,
) -> Arc<dyn PaymentGateway> {
    let transport = ReqwestTransport::new(&TransportSettings::default().timeout(timeout)).unwrap();
    let dispatcher = Dispatcher::new(Arc::new(transport))
        .with_clock(clock)
        .with_random(Arc::new(DeterministicRandom::new(1)))
        .with_retry_policy(RetryPolicy::default().max_attempts(3));
    GatewayRegistry::builder()
        .dispatcher(dispatcher)
        .toml_str(&sandbox.gateway_toml(Provider::Payway))
        .unwrap()
        .build()
        .unwrap()
        .gateway("payway")
        .unwrap()
}

async fn paid_order(sandbox: &Sandbox, gateway: &Arc<dyn PaymentGateway>, id: &str) -> OrderId {
    let id = OrderId::new(id).unwrap();
    let request = CreatePayment::new(id.clone(), usd("10.00"))
        .unwrap()
        .customer(Customer::new().phone("+85512345678"))
        .callback_url(Url::parse("https://shop.example/cb").unwrap());
    gateway.create_payment(&request).await.unwrap();
    sandbox.pay(Provider::Payway, id.as_str()).unwrap();
    id
}

fn count(sandbox: &Sandbox, path: &str) -> usize {
    sandbox
        .received()
        .iter()
        .filter(|r| r.path.contains(path))
        .count()
}

#[tokio::test]
async fn faults_reach_the_client_as_the_right_class() {
    let sandbox = Sandbox::start().await.unwrap();
    let clock = Arc::new(ManualClock::new(paygate::time::OffsetDateTime::now_utc()));
    let gateway = payway(&sandbox, clock, Duration::from_millis(500));
    let id = paid_order(&sandbox, &gateway, "FAULTS1").await;

    // (fault, class on a read, class on a write, read attempts, write attempts received)
    let cases: Vec<(Fault, ErrorClass, ErrorClass, usize, usize)> = vec![
        (
            Fault::Status { status: 503 },
            ErrorClass::UnexpectedBody,
            ErrorClass::OutcomeUnknown,
            3,
            1,
        ),
        (
            Fault::Html { status: 502 },
            ErrorClass::UnexpectedBody,
            ErrorClass::OutcomeUnknown,
            3,
            1,
        ),
        (
            Fault::TruncatedJson,
            ErrorClass::UnexpectedBody,
            ErrorClass::OutcomeUnknown,
            1,
            1,
        ),
        (
            Fault::ResetAfterRead,
            ErrorClass::Transport,
            ErrorClass::OutcomeUnknown,
            3,
            1,
        ),
        (
            // Recorded: the request's head reached the sandbox before it broke the connection.
            Fault::ResetBeforeRead,
            ErrorClass::Transport,
            ErrorClass::OutcomeUnknown,
            3,
            1,
        ),
        (
            Fault::RateLimit {
                retry_after: Some(1),
            },
            ErrorClass::Provider,
            ErrorClass::Provider,
            3,
            1,
        ),
        (
            Fault::EmptyBody,
            ErrorClass::UnexpectedBody,
            ErrorClass::OutcomeUnknown,
            1,
            1,
        ),
        (
            Fault::WrongContentType,
            ErrorClass::UnexpectedBody,
            ErrorClass::OutcomeUnknown,
            1,
            1,
        ),
        (
            Fault::WrongShape,
            ErrorClass::UnexpectedBody,
            ErrorClass::OutcomeUnknown,
            1,
            1,
        ),
        (
            Fault::Delay { millis: 2000 },
            ErrorClass::Transport,
            ErrorClass::OutcomeUnknown,
            3,
            1,
        ),
    ];
    for (fault, read_class, write_class, read_hits, write_hits) in cases {
        sandbox.clear_faults();
        sandbox
            .arm(FaultSpec::new(Provider::Payway, fault.clone(), 3).on_path("check-transaction-2"));
        let before = count(&sandbox, "check-transaction-2");
        let err = gateway.payment_status(&id).await.unwrap_err();
        assert_eq!(err.class(), read_class, "{fault:?} on a read: {err}");
        assert_eq!(
            count(&sandbox, "check-transaction-2") - before,
            read_hits,
            "{fault:?} read attempts"
        );

        sandbox.clear_faults();
        sandbox.arm(FaultSpec::new(Provider::Payway, fault.clone(), 3).on_path("refund"));
        let before = count(&sandbox, "/refund");
        let refunds_before = sandbox
            .order(Provider::Payway, id.as_str())
            .unwrap()
            .refunds
            .len();
        let err = gateway
            .refund(&RefundRequest::new(id.clone(), usd("0.01")).unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.class(), write_class, "{fault:?} on a write: {err}");
        assert_eq!(
            count(&sandbox, "/refund") - before,
            write_hits,
            "{fault:?}: a refund is sent once"
        );
        if let Fault::RateLimit { .. } = fault {
            assert!(matches!(
                err.as_provider().unwrap().kind,
                ProviderErrorKind::RateLimited { .. }
            ));
        }
        // The answers spoilt after the work (truncated, mislabelled) leave a refund made; the
        // ones sent instead of the work leave none. A delay past the client's timeout is
        // unknowable either way (the server may or may not finish): that is what
        // "outcome unknown" means, so it is not asserted.
        let refunds_after = sandbox
            .order(Provider::Payway, id.as_str())
            .unwrap()
            .refunds
            .len();
        if !matches!(fault, Fault::Delay { .. }) {
            let happened = matches!(fault, Fault::TruncatedJson | Fault::WrongContentType);
            assert_eq!(
                refunds_after - refunds_before,
                usize::from(happened),
                "{fault:?}"
            );
        }
    }
}

#[tokio::test]
async fn stale_req_time_is_refused() {
    let sandbox = Sandbox::start().await.unwrap();
    let an_hour_ago = paygate::time::OffsetDateTime::now_utc() - Duration::from_secs(3600);
    let gateway = payway(
        &sandbox,
        Arc::new(ManualClock::new(an_hour_ago)),
        Duration::from_secs(5),
    );
    let err = gateway
        .payment_status(&OrderId::new("STALE1").unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        err.as_provider().map(|e| e.kind),
        Some(ProviderErrorKind::Auth),
        "{err}"
    );
}

#[tokio::test]
async fn control_routes_over_http() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let finpay = registry.gateway("finpay").unwrap();
    let request = CreatePayment::new(
        OrderId::new("HTTP1").unwrap(),
        Money::parse("50000", Currency::IDR).unwrap(),
    )
    .unwrap()
    .customer(Customer::new().phone("+6281234567890"))
    .callback_url(Url::parse("https://shop.example/cb").unwrap());
    finpay.create_payment(&request).await.unwrap();

    let base = format!("http://{}", sandbox.addr());
    let http = reqwest::Client::new();
    let page = http
        .get(format!("{base}/_sandbox/checkout/finpay/HTTP1"))
        .send()
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains("HTTP1"));
    let paid = http
        .post(format!("{base}/_sandbox/pay/finpay/HTTP1"))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 200);
    let webhook: paygate::sandbox::SimulatedWebhook =
        serde_json::from_str(&paid.text().await.unwrap()).unwrap();
    let headers = webhook.header_map();
    assert!(
        finpay
            .verify_webhook(webhook.body.as_bytes(), &headers)
            .is_ok()
    );
    let again = http
        .post(format!("{base}/_sandbox/pay/finpay/HTTP1"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409, "paying twice is refused");

    // Read first, so the fault meets the write itself.
    let before = finpay
        .payment_status(&OrderId::new("HTTP1").unwrap())
        .await
        .unwrap();
    let armed = http
        .post(format!("{base}/_sandbox/faults"))
        .body(r#"{"provider":"finpay","fault":{"kind":"html","status":502},"times":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(armed.status(), 204);
    let err = finpay
        .void(&paygate::VoidRequest::for_payment(&before))
        .await
        .unwrap_err();
    assert_eq!(err.class(), ErrorClass::OutcomeUnknown);
    let bad = http
        .post(format!("{base}/_sandbox/faults"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    let requests: serde_json::Value = serde_json::from_str(
        &http
            .get(format!("{base}/_sandbox/requests"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let paths: Vec<&str> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "/pg/payment/card/initiate",
            "/pg/payment/card/check/HTTP1",
            "/pg/payment/card/void"
        ]
    );
}

#[tokio::test]
async fn seed_and_forget_over_http() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let base = format!("http://{}", sandbox.addr());
    let http = reqwest::Client::new();
    let seed = |body: &'static str| http.post(format!("{base}/_sandbox/seed")).body(body).send();

    let created = seed(r#"{"provider":"payg","prefix":"S","count":1000,"amount":"150.50","currency":"INR","paid":true}"#)
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    assert_eq!(created.text().await.unwrap(), r#"{"created":1000}"#);
    let payg = registry.gateway("payg").unwrap();
    for id in ["S000000", "S000999"] {
        let payment = payg
            .payment_status(&OrderId::new(id).unwrap())
            .await
            .unwrap();
        assert_eq!(payment.status, paygate::PaymentStatus::Paid, "{id}");
        assert_eq!(payment.amount.unwrap().to_string(), "150.50 INR");
    }
    let missing = payg.payment_status(&OrderId::new("S001000").unwrap()).await;
    assert!(missing.is_err(), "exactly count orders");

    // All or nothing: one taken id refuses the whole seed.
    let overlapping =
        seed(r#"{"provider":"payg","prefix":"S","count":2000,"amount":"1","currency":"INR"}"#)
            .await
            .unwrap();
    assert_eq!(overlapping.status(), 409);
    assert!(sandbox.order(Provider::Payg, "S001000").is_none());

    for bad in [
        r#"{"provider":"payg","prefix":"../x","count":1,"amount":"1","currency":"INR"}"#,
        r#"{"provider":"payg","prefix":"ABCDEFGHIJKLMNO","count":1,"amount":"1","currency":"INR"}"#,
        r#"{"provider":"payg","prefix":"T","count":0,"amount":"1","currency":"INR"}"#,
        r#"{"provider":"payg","prefix":"T","count":1000001,"amount":"1","currency":"INR"}"#,
        r#"{"provider":"payg","prefix":"T","count":1,"amount":"-1","currency":"INR"}"#,
        r#"{"provider":"payg","prefix":"T","count":1,"amount":"1","currency":"rupees"}"#,
        r#"{"provider":"nope","prefix":"T","count":1,"amount":"1","currency":"INR"}"#,
        // As the provider would: a currency it takes, within its decimals.
        r#"{"provider":"payway","prefix":"T","count":1,"amount":"1.005","currency":"USD"}"#,
        r#"{"provider":"payway","prefix":"T","count":1,"amount":"150.5","currency":"KHR"}"#,
        r#"{"provider":"payway","prefix":"T","count":1,"amount":"1","currency":"EUR"}"#,
        r#"{"provider":"finpay","prefix":"T","count":1,"amount":"1000.50","currency":"IDR"}"#,
        r#"{"provider":"payg","prefix":"T","count":1,"amount":"1","currency":"USD"}"#,
    ] {
        let refused = seed(bad).await.unwrap();
        assert_eq!(refused.status(), 400, "{bad}");
    }
    assert!(sandbox.order(Provider::Payg, "T000000").is_none());

    // Pending seeds stay pending.
    let pending =
        seed(r#"{"provider":"payway","prefix":"P","count":3,"amount":"2.00","currency":"USD"}"#)
            .await
            .unwrap();
    assert_eq!(pending.status(), 200);
    let payway = registry.gateway("payway").unwrap();
    let payment = payway
        .payment_status(&OrderId::new("P000002").unwrap())
        .await
        .unwrap();
    assert_eq!(payment.status, paygate::PaymentStatus::Pending);

    assert_eq!(sandbox.received().len(), 4);
    let forgot = http
        .delete(format!("{base}/_sandbox/requests"))
        .send()
        .await
        .unwrap();
    assert_eq!(forgot.status(), 204);
    assert!(sandbox.received().is_empty());
}

#[tokio::test]
async fn the_request_log_is_bounded_and_counts_what_it_dropped() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.set_request_log_limit(3);
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let payway = registry.gateway("payway").unwrap();
    for n in 0..5 {
        let _ = payway
            .payment_status(&OrderId::new(format!("LOG{n}")).unwrap())
            .await;
    }
    let kept = sandbox.received();
    assert_eq!(kept.len(), 3);
    assert_eq!(kept.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(sandbox.dropped_requests(), 2);
    let answer = reqwest::get(format!("http://{}/_sandbox/requests", sandbox.addr()))
        .await
        .unwrap();
    assert_eq!(answer.headers()["x-paygate-sandbox-dropped"], "2");
    let listed: serde_json::Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(3));
    sandbox.shutdown().await;
}
