//! The sandbox calls the app back: when an order is paid (or declined, where the provider
//! notifies that) it POSTs the provider's notification, signed as the provider signs it, to the order's callback URL (PayG: the
//! account's notification URL), retries as the provider does, and lists every attempt.
//! The receiving app here is a mockito server on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use paygate::sandbox::{Delivery, Provider, Sandbox};
use paygate::{CreatePayment, Currency, Money, OrderId, PaymentGateway, PaymentStatus, Url};

/// Waits until `sandbox` has made `count` delivery attempts for `order` (at most 10 s), then
/// a little more, so that an extra attempt would show.
async fn deliveries(sandbox: &Sandbox, order: &str, count: usize) -> Vec<Delivery> {
    deliveries_within(sandbox, order, count, Duration::from_secs(10)).await
}

async fn deliveries_within(
    sandbox: &Sandbox,
    order: &str,
    count: usize,
    limit: Duration,
) -> Vec<Delivery> {
    let started = Instant::now();
    loop {
        let made: Vec<Delivery> = sandbox
            .deliveries()
            .into_iter()
            .filter(|d| d.order_id == order)
            .collect();
        if made.len() >= count || started.elapsed() > limit {
            tokio::time::sleep(Duration::from_millis(150)).await;
            return sandbox
                .deliveries()
                .into_iter()
                .filter(|d| d.order_id == order)
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn create(
    gateway: &std::sync::Arc<dyn PaymentGateway>,
    id: &str,
    amount: &str,
    currency: Currency,
    callback: &str,
) -> String {
    let request = CreatePayment::new(
        OrderId::new(id).unwrap(),
        Money::parse(amount, currency).unwrap(),
    )
    .unwrap()
    .callback_url(Url::parse(callback).unwrap())
    .return_url(Url::parse("https://shop.example/done").unwrap())
    .customer(
        paygate::Customer::new()
            .name("Dara", "Sok")
            .email("dara@example.com")
            .phone("+6281234567890"),
    );
    let checkout = gateway.create_payment(&request).await.unwrap();
    checkout
        .provider_reference
        .filter(|_| gateway.provider() == Provider::Payg.name())
        .unwrap_or_else(|| id.to_owned())
}

fn header_map(delivery: &Delivery) -> paygate::http::HeaderMap {
    paygate::sandbox::SimulatedWebhook {
        body: delivery.body.clone(),
        headers: delivery.headers.clone(),
    }
    .header_map()
}

#[tokio::test]
async fn a_payment_is_delivered_signed_and_acknowledged_once() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let mut app = mockito::Server::new_async().await;
    let acknowledged = app
        .mock("POST", "/payway-notify")
        .with_status(200)
        .expect(1)
        .create_async()
        .await;
    let gateway = registry.gateway("payway").unwrap();
    let order = create(
        &gateway,
        "DLV1",
        "10.00",
        Currency::USD,
        &format!("{}/payway-notify", app.url()),
    )
    .await;
    sandbox.pay(Provider::Payway, &order).unwrap();
    let made = deliveries(&sandbox, &order, 1).await;
    assert_eq!(made.len(), 1, "{made:?}");
    let delivery = &made[0];
    assert!(
        delivery.acknowledged && delivery.status == Some(200),
        "{delivery:?}"
    );
    // Exactly the bytes a provider would send: they verify with the gateway.
    let event = gateway
        .verify_webhook(delivery.body.as_bytes(), &header_map(delivery))
        .unwrap();
    assert_eq!(event.order_id.as_str(), order);
    acknowledged.assert_async().await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn finpay_resends_until_acknowledged_and_payway_sends_once() {
    let sandbox = Sandbox::start().await.unwrap();
    // Finpay's resends, 30 min, 6 h and 12 h after the first attempt, made 36 000 times
    // shorter: 50, 600 and 1200 ms.
    sandbox.compress_delivery_schedule(36_000);
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let mut app = mockito::Server::new_async().await;
    // Answered, but not with Finpay's acknowledgement: resent, 4 attempts in all.
    let unacknowledged = app
        .mock("POST", "/finpay-nack")
        .with_status(200)
        .with_body(r#"{"responseCode":"5000000","responseMessage":"busy"}"#)
        .expect(4)
        .create_async()
        .await;
    let acknowledging = app
        .mock("POST", "/finpay-ack")
        .with_status(200)
        .with_body(r#"{"responseCode":"2000000","responseMessage":"Success"}"#)
        .expect(1)
        .create_async()
        .await;
    let failing = app
        .mock("POST", "/payway-fail")
        .with_status(500)
        .expect(1)
        .create_async()
        .await;
    let finpay = registry.gateway("finpay").unwrap();
    let payway = registry.gateway("payway").unwrap();
    let nack = create(
        &finpay,
        "DLVN",
        "150000",
        Currency::IDR,
        &format!("{}/finpay-nack", app.url()),
    )
    .await;
    let ack = create(
        &finpay,
        "DLVA",
        "150000",
        Currency::IDR,
        &format!("{}/finpay-ack", app.url()),
    )
    .await;
    let once = create(
        &payway,
        "DLVP",
        "10.00",
        Currency::USD,
        &format!("{}/payway-fail", app.url()),
    )
    .await;
    sandbox.pay(Provider::Finpay, &nack).unwrap();
    sandbox.pay(Provider::Finpay, &ack).unwrap();
    sandbox.pay(Provider::Payway, &once).unwrap();

    let resent = deliveries(&sandbox, &nack, 4).await;
    assert_eq!(
        resent.iter().map(|d| d.attempt).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    // On the schedule, never sooner (the waits are lower bounds: a busy machine only delays).
    let after_first: Vec<u64> = resent.iter().map(|d| d.at_ms - resent[0].at_ms).collect();
    for (n, at_least) in [(1, 50), (2, 600), (3, 1200)] {
        assert!(
            after_first[n] >= at_least,
            "resend {n} came {} ms after the first attempt, before its {at_least} ms: {after_first:?}",
            after_first[n]
        );
    }
    assert!(
        resent
            .iter()
            .all(|d| !d.acknowledged && d.status == Some(200))
    );
    let acked = deliveries(&sandbox, &ack, 1).await;
    assert_eq!(acked.len(), 1);
    assert!(acked[0].acknowledged);
    let payway_once = deliveries(&sandbox, &once, 1).await;
    assert_eq!(payway_once.len(), 1, "PayWay sends its pushback once");
    assert!(!payway_once[0].acknowledged && payway_once[0].status == Some(500));
    for mock in [unacknowledged, acknowledging, failing] {
        mock.assert_async().await;
    }
    // The control route lists the same attempts.
    let listed = reqwest::get(format!("http://{}/_sandbox/deliveries", sandbox.addr()))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&listed).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(6), "{listed}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn payg_posts_to_the_account_url_and_nothing_leaves_loopback() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let mut app = mockito::Server::new_async().await;
    let postback = app
        .mock("POST", "/payg-postback")
        .with_status(200)
        .expect(1)
        .create_async()
        .await;
    sandbox.set_notification_url(Provider::Payg, format!("{}/payg-postback", app.url()));
    let payg = registry.gateway("payg").unwrap();
    let key = create(
        &payg,
        "DLVG",
        "100.00",
        Currency::INR,
        "https://shop.example/cb",
    )
    .await;
    sandbox.pay(Provider::Payg, &key).unwrap();
    let made = deliveries(&sandbox, &key, 1).await;
    assert_eq!(made.len(), 1, "{made:?}");
    assert!(made[0].acknowledged);
    postback.assert_async().await;

    // A callback URL off this machine is never called.
    let payway = registry.gateway("payway").unwrap();
    let away = create(
        &payway,
        "DLVX",
        "10.00",
        Currency::USD,
        "https://shop.example/notify",
    )
    .await;
    sandbox.pay(Provider::Payway, &away).unwrap();
    let refused = deliveries_within(&sandbox, &away, 1, Duration::from_millis(500)).await;
    assert_eq!(refused.len(), 1, "listed, never sent: {refused:?}");
    assert!(
        refused[0].status.is_none()
            && !refused[0].acknowledged
            && refused[0]
                .error
                .as_deref()
                .is_some_and(|e| e.contains("not on this machine's loopback")),
        "{refused:?}"
    );
    sandbox.shutdown().await;
}

/// A declined payment is notified where the provider sends a notification for one (Finpay's
/// callback, PayG's postback), with the declined status, and not by PayWay (its pushback is
/// documented for successful payments only).
#[tokio::test]
async fn a_declined_payment_is_notified_where_the_provider_notifies_declines() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let mut app = mockito::Server::new_async().await;
    let finpay_callback = app
        .mock("POST", "/finpay-declined")
        .with_status(200)
        .with_body(r#"{"responseCode":"2000000","responseMessage":"Success"}"#)
        .expect(1)
        .create_async()
        .await;
    let payg_postback = app
        .mock("POST", "/payg-declined")
        .with_status(200)
        .expect(1)
        .create_async()
        .await;
    let payway_pushback = app
        .mock("POST", "/payway-declined")
        .with_status(200)
        .expect(0)
        .create_async()
        .await;
    sandbox.set_notification_url(Provider::Payg, format!("{}/payg-declined", app.url()));
    let finpay = registry.gateway("finpay").unwrap();
    let payg = registry.gateway("payg").unwrap();
    let payway = registry.gateway("payway").unwrap();
    let orders = [
        (
            Provider::Finpay,
            create(
                &finpay,
                "DLVDF",
                "150000",
                Currency::IDR,
                &format!("{}/finpay-declined", app.url()),
            )
            .await,
            &finpay,
        ),
        (
            Provider::Payg,
            create(
                &payg,
                "DLVDG",
                "100.00",
                Currency::INR,
                "https://shop.example/cb",
            )
            .await,
            &payg,
        ),
        (
            Provider::Payway,
            create(
                &payway,
                "DLVDP",
                "10.00",
                Currency::USD,
                &format!("{}/payway-declined", app.url()),
            )
            .await,
            &payway,
        ),
    ];
    for (provider, order, _) in &orders {
        sandbox.decline(*provider, order).unwrap();
    }
    for (provider, order, gateway) in &orders {
        // (PayWay's wait only shows that nothing comes: 1 s, long after the others came.)
        let limit = if *provider == Provider::Payway { 1 } else { 5 };
        let made = deliveries_within(&sandbox, order, 1, Duration::from_secs(limit)).await;
        if *provider == Provider::Payway {
            assert!(made.is_empty(), "PayWay notifies no decline: {made:?}");
            continue;
        }
        assert_eq!(made.len(), 1, "{provider:?}: {made:?}");
        assert!(made[0].acknowledged, "{made:?}");
        let event = gateway
            .verify_webhook(made[0].body.as_bytes(), &header_map(&made[0]))
            .unwrap();
        assert_eq!(event.status, Some(PaymentStatus::Declined), "{provider:?}");
    }
    for mock in [finpay_callback, payg_postback, payway_pushback] {
        mock.assert_async().await;
    }
    sandbox.shutdown().await;
}

/// A receiver answering with a redirect (here to another listener on loopback, standing in
/// for an address elsewhere) is a failed delivery: the redirect is recorded, never followed.
#[tokio::test]
async fn a_redirect_is_a_failed_delivery_never_followed() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let mut elsewhere = mockito::Server::new_async().await;
    let followed = elsewhere
        .mock("POST", mockito::Matcher::Any)
        .with_status(200)
        .expect(0)
        .create_async()
        .await;
    let mut app = mockito::Server::new_async().await;
    let target = format!("{}/stolen", elsewhere.url());
    let redirecting = app
        .mock("POST", "/notify")
        .with_status(307)
        .with_header("location", &target)
        .expect(1)
        .create_async()
        .await;
    let gateway = registry.gateway("payway").unwrap();
    let order = create(
        &gateway,
        "DLVR",
        "10.00",
        Currency::USD,
        &format!("{}/notify", app.url()),
    )
    .await;
    sandbox.pay(Provider::Payway, &order).unwrap();
    let made = deliveries(&sandbox, &order, 1).await;
    assert_eq!(made.len(), 1, "PayWay sends once: {made:?}");
    assert_eq!(made[0].status, Some(307), "{made:?}");
    assert!(!made[0].acknowledged, "{made:?}");
    assert!(
        made[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains(&target) && e.contains("not followed")),
        "{made:?}"
    );
    redirecting.assert_async().await;
    followed.assert_async().await;
    sandbox.shutdown().await;
}

/// PayWay gives up on a receiver that has not answered within 5 s (the pushback is then
/// lost, as it would be); any listed delivery can be made again on request, as a provider's
/// dashboard "resend" does, and the new attempt says which one it repeats.
#[tokio::test]
async fn payway_gives_up_after_5_s_and_a_delivery_is_made_again_on_request() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let payway = registry.gateway("payway").unwrap();
    // A receiver that takes the connection and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            open.push(stream);
        }
    });
    let slow = create(
        &payway,
        "DLVSLOW",
        "10.00",
        Currency::USD,
        &format!("http://{silent_addr}/pushback"),
    )
    .await;
    let started = Instant::now();
    sandbox.pay(Provider::Payway, &slow).unwrap();
    let gave_up = deliveries_within(&sandbox, &slow, 1, Duration::from_secs(9)).await;
    assert_eq!(gave_up.len(), 1, "{gave_up:?}");
    assert!(!gave_up[0].acknowledged && gave_up[0].status.is_none());
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(5) && waited < Duration::from_secs(8),
        "gave up after {waited:?}"
    );
    held.abort();

    // A pushback the app answered 500: made again on request, to an app that now answers.
    let mut app = mockito::Server::new_async().await;
    let failing = app
        .mock("POST", "/pushback")
        .with_status(500)
        .expect(1)
        .create_async()
        .await;
    let again = create(
        &payway,
        "DLVAGAIN",
        "10.00",
        Currency::USD,
        &format!("{}/pushback", app.url()),
    )
    .await;
    sandbox.pay(Provider::Payway, &again).unwrap();
    let first = deliveries(&sandbox, &again, 1).await;
    assert_eq!(first.len(), 1);
    failing.assert_async().await;
    failing.remove_async().await;
    let answering = app
        .mock("POST", "/pushback")
        .with_status(200)
        .expect(1)
        .create_async()
        .await;
    let index = sandbox
        .deliveries()
        .iter()
        .position(|d| d.order_id == again)
        .unwrap();
    let control = reqwest::Client::new();
    let asked = control
        .post(format!(
            "http://{}/_sandbox/redeliver/{index}",
            sandbox.addr()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status().as_u16(), 202);
    let both = deliveries(&sandbox, &again, 2).await;
    assert_eq!(both.len(), 2, "{both:?}");
    assert_eq!(both[1].redelivery_of, Some(index));
    assert!(both[1].acknowledged);
    assert_eq!(both[1].body, both[0].body, "the same notification");
    answering.assert_async().await;
    let missing = control
        .post(format!("http://{}/_sandbox/redeliver/9999", sandbox.addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    sandbox.shutdown().await;
}
