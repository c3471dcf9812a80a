//! The sandbox itself: faults injected on request (each reaching the client as the right error
//! class, with the right number of requests received), PayWay's `req_time` freshness, and the
//! HTTP control routes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

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

/// PayWay's completion with payout, native client → sandbox: the shares ride in the encrypted
/// `merchant_auth`, the hold is captured once; shares over the amount are refused by the
/// client before sending, and by the sandbox (`PTL60`) when sent raw.
#[tokio::test]
async fn payway_pre_auth_completion_with_payout_round_trip() {
    use paygate::payway::Payout;

    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let gateway = registry.gateway("payway").unwrap();
    let credentials = &sandbox.credentials().payway;
    let client = payway_client(&sandbox);
    let held = OrderId::new("PAYOUT-HOLD-1").unwrap();
    let request = CreatePayment::new(held.clone(), usd("10.00"))
        .unwrap()
        .authorize_only()
        .customer(Customer::new().phone("+85512345678"))
        .callback_url(Url::parse("https://shop.example/cb").unwrap());
    gateway.create_payment(&request).await.unwrap();
    sandbox.pay(Provider::Payway, held.as_str()).unwrap();

    let share = |account: &str, amount: &str| Payout {
        account: account.into(),
        amount: usd(amount),
    };
    // More than the amount: refused before anything is sent.
    let before = count(&sandbox, "pre-auth-completion");
    let err = client
        .pre_auth_completion_with_payout(
            &held,
            &usd("10.00"),
            &[share("000000001", "6.00"), share("000000002", "4.01")],
        )
        .await
        .unwrap_err();
    assert_eq!(err.class(), ErrorClass::InvalidInput, "{err}");
    assert_eq!(count(&sandbox, "pre-auth-completion"), before);

    let answer = client
        .pre_auth_completion_with_payout(
            &held,
            &usd("10.00"),
            &[share("000000001", "6.00"), share("000000002", "4.00")],
        )
        .await
        .unwrap();
    assert_eq!(answer.body.transaction_status.as_deref(), Some("COMPLETED"));
    assert_eq!(count(&sandbox, "pre-auth-completion"), before + 1);
    let payment = gateway.payment_status(&held).await.unwrap();
    assert_eq!(payment.status, paygate::PaymentStatus::Paid);
    assert_eq!(payment.amount, Some(usd("10.00")));

    // Sent raw, past the client's checks: the sandbox refuses 11 shares (PTL05) and shares over
    // the amount (PTL60), and the hold stays uncaptured.
    let other = OrderId::new("PAYOUT-HOLD-2").unwrap();
    let request = CreatePayment::new(other.clone(), usd("10.00"))
        .unwrap()
        .authorize_only()
        .customer(Customer::new().phone("+85512345678"))
        .callback_url(Url::parse("https://shop.example/cb").unwrap());
    gateway.create_payment(&request).await.unwrap();
    sandbox.pay(Provider::Payway, other.as_str()).unwrap();
    let eleven = [r#"{"acc":"000000001","amt":0.50}"#; 11].join(",");
    let cases = [
        (eleven.as_str(), 400, "PTL05"),
        (
            r#"{"acc":"000000001","amt":6.00},{"acc":"000000002","amt":4.01}"#,
            403,
            "PTL60",
        ),
        (r#"{"acc":"","amt":1.00}"#, 400, "PTL05"),
    ];
    for (shares, status, code) in cases {
        let plaintext = format!(
            r#"{{"mc_id":"{}","tran_id":"{}","complete_amount":10.00,"payout":[{shares}]}}"#,
            credentials.merchant_id, other
        );
        let (http_status, body) = raw_payway_completion(&sandbox, &plaintext).await;
        assert_eq!(http_status, status, "{body}");
        assert!(body.contains(code), "{body}");
    }
    let payment = gateway.payment_status(&other).await.unwrap();
    assert_eq!(payment.status, paygate::PaymentStatus::Authorized);
}

fn payway_client(sandbox: &Sandbox) -> paygate::payway::PaywayClient {
    common::payway_client(sandbox).unwrap()
}

/// A pre-auth completion built by hand: `plaintext` encrypted into `merchant_auth`, hashed in
/// the completion's order, posted as JSON. Returns the HTTP status and the body.
async fn raw_payway_completion(sandbox: &Sandbox, plaintext: &str) -> (u16, String) {
    use paygate::payway::{Fields, MerchantAuthKey};
    use paygate::sandbox::PAYWAY_PUBLIC_KEY_PEM;

    let credentials = &sandbox.credentials().payway;
    let key = MerchantAuthKey::from_pem(PAYWAY_PUBLIC_KEY_PEM).unwrap();
    let merchant_auth = key
        .encrypt(plaintext.as_bytes(), &paygate::clock::OsRandom)
        .unwrap();
    let format =
        paygate::time::macros::format_description!("[year][month][day][hour][minute][second]");
    let request_time = paygate::time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap();
    let hmac = paygate_core::signing::HmacSha512Key::new(credentials.api_key.as_bytes()).unwrap();
    let hash = Fields::new()
        .with("request_time", request_time.clone())
        .with("merchant_id", credentials.merchant_id.clone())
        .with("merchant_auth", merchant_auth.clone())
        .hash(&hmac, paygate::payway::endpoint::order::PRE_AUTH_COMPLETION);
    let body = serde_json::json!({
        "request_time": request_time,
        "merchant_id": credentials.merchant_id,
        "merchant_auth": merchant_auth,
        "hash": hash,
    });
    let url = format!(
        "{}/api/merchant-portal/merchant-access/online-transaction/pre-auth-completion",
        sandbox.url(Provider::Payway).trim_end_matches('/')
    );
    let answer = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

/// PayWay's QR API, native client → sandbox: a KHQR with its payload and a drawn image, paid,
/// then read as paid; a duplicate `tran_id` is refused (code 4) and a WeChat QR in riel never
/// leaves the client.
#[tokio::test]
async fn payway_generate_qr_round_trip() {
    use paygate::payway::{QrPaymentOption, QrRequest};

    let sandbox = Sandbox::start().await.unwrap();
    let client = payway_client(&sandbox);
    let id = OrderId::new("QR-ROUND-1").unwrap();
    let mut request = QrRequest::new(id.clone(), usd("3.75"), QrPaymentOption::AbaPayKhqr, 10);
    request.callback_url = Some(Url::parse("https://shop.example/payway/pushback").unwrap());
    let qr = client.generate_qr(&request).await.unwrap();
    let payload = qr.body.qr_string.clone().unwrap();
    assert!(payload.starts_with("000201"), "{payload}");
    assert!(
        qr.body
            .qr_image
            .as_deref()
            .unwrap()
            .starts_with("data:image/svg+xml;base64,")
    );
    assert!(qr.body.abapay_deeplink.is_some());

    let before = client.check_transaction(&id).await.unwrap();
    assert_eq!(
        before.body.data.unwrap().payment_status.as_deref(),
        Some("PENDING")
    );
    sandbox.pay(Provider::Payway, id.as_str()).unwrap();
    let after = client.check_transaction(&id).await.unwrap();
    assert_eq!(
        after.body.data.unwrap().payment_status.as_deref(),
        Some("APPROVED")
    );

    let again = client.generate_qr(&request).await.unwrap_err();
    assert_eq!(again.class(), ErrorClass::Provider, "{again}");
    assert!(again.to_string().contains("code 403"), "{again}");

    let sent = count(&sandbox, "generate-qr");
    let riel = QrRequest::new(
        OrderId::new("QR-ROUND-2").unwrap(),
        Money::parse("4000", Currency::KHR).unwrap(),
        QrPaymentOption::WeChat,
        10,
    );
    let err = client.generate_qr(&riel).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::InvalidInput, "{err}");
    assert_eq!(count(&sandbox, "generate-qr"), sent);
}

/// PayWay lists an order's refunds (transaction-detail's `transaction_operations`) with
/// their amounts and times: recovery's evidence where the refunded figure cannot tell which
/// refund is which.
#[tokio::test]
async fn payway_lists_an_orders_refunds_with_their_amounts_and_times() {
    let sandbox = Sandbox::start().await.unwrap();
    let clock = Arc::new(ManualClock::new(paygate::time::OffsetDateTime::now_utc()));
    let gateway = payway(&sandbox, clock, Duration::from_millis(2000));
    let id = paid_order(&sandbox, &gateway, "HISTORY1").await;
    let before = paygate::time::OffsetDateTime::now_utc() - Duration::from_secs(1);
    for amount in ["1.00", "2.50"] {
        gateway
            .refund(&RefundRequest::new(id.clone(), usd(amount)).unwrap())
            .await
            .unwrap();
    }
    let listed = gateway.refund_history(&id).await.unwrap().unwrap();
    let amounts: Vec<_> = listed.iter().map(|r| r.amount).collect();
    assert_eq!(amounts, [usd("1.00"), usd("2.50")]);
    let after = paygate::time::OffsetDateTime::now_utc() + Duration::from_secs(1);
    for record in &listed {
        assert!(before <= record.at && record.at <= after, "{record:?}");
    }
    assert_eq!(count(&sandbox, "transaction-detail"), 1);
    sandbox.shutdown().await;
}
