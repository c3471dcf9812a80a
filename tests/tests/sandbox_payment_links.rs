//! PayWay payment links, native client → sandbox: create (with an image), detail, a payer
//! paying twice through the link's page route, each payment an order of its own whose
//! unsigned pushback reaches the app and is confirmed by a status read; the link turns PAID at
//! its limit, is voided once (a second void is PTL188), and bad input never leaves the client.
//! The link's payments are found again by its reference (get-transactions-by-mc-ref).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{count, kind};

use std::time::{Duration, Instant};

use paygate::payway::{ImageFormat, PaymentLinkId, PaymentLinkImage, PaymentLinkRequest};
use paygate::sandbox::{LinkStatus, Provider, Sandbox};
use paygate::{Authenticity, Currency, ErrorClass, Money, OrderId, ProviderErrorKind, Url};

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

#[tokio::test]
async fn payway_payment_link_round_trip() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = common::payway_client(&sandbox).unwrap();
    let mut app = mockito::Server::new_async().await;
    let pushbacks = app
        .mock("POST", "/payway/links")
        .with_status(200)
        .expect(2)
        .create_async()
        .await;

    let mut request = PaymentLinkRequest::new(
        "Invoice 42",
        usd("12.50"),
        Url::parse(&format!("{}/payway/links", app.url())).unwrap(),
    );
    request.description = Some("Two coffees".into());
    request.payment_limit = Some(2);
    request.merchant_ref_no = Some("INV-42".into());
    request.expires_at = Some(paygate::time::OffsetDateTime::now_utc() + Duration::from_secs(3600));
    request.image = Some(PaymentLinkImage {
        file_name: "cake.png".into(),
        format: ImageFormat::Png,
        bytes: b"\x89PNG\r\n\x1a\n-binary-\x00\xff".to_vec(),
    });
    let created = client.create_payment_link(&request).await.unwrap();
    let data = created.body.data.unwrap();
    assert_eq!(data.status.as_deref(), Some("OPEN"));
    assert_eq!(data.amount, Some("12.50".parse().unwrap()));
    assert!(
        data.image
            .unwrap()
            .filename
            .unwrap()
            .starts_with("payment_link_image_"),
        "PayWay renames the upload"
    );
    let id = PaymentLinkId::new(data.id.unwrap()).unwrap();
    let page = data.payment_link.unwrap();

    // The payer's page, then two payments through it.
    let html = reqwest::get(&page).await.unwrap().text().await.unwrap();
    assert!(
        html.contains("Invoice 42") && html.contains("id=\"pay\""),
        "{html}"
    );
    let slug = page.rsplit('/').next().unwrap();
    let mut paid_orders = Vec::new();
    for expected in ["open", "paid"] {
        let answer = reqwest::Client::new()
            .post(format!("{page}/pay"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["link_status"], expected, "{answer}");
        paid_orders.push(answer["order_id"].as_str().unwrap().to_owned());
    }
    assert!(
        sandbox.pay_link(Provider::Payway, slug).is_err(),
        "limit reached"
    );

    // Each pushback is unsigned: {tran_id, status: 0, merchant_ref_no}; the app confirms it
    // with check-transaction.
    let started = Instant::now();
    while sandbox.deliveries().len() < 2 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    pushbacks.assert_async().await;
    for order in &paid_orders {
        let delivery = sandbox
            .deliveries()
            .into_iter()
            .find(|d| &d.order_id == order)
            .unwrap();
        assert_eq!(delivery.status, Some(200));
        let body: serde_json::Value = serde_json::from_str(&delivery.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"tran_id": order, "status": 0, "merchant_ref_no": "INV-42"})
        );
        let event = client
            .verify_pushback(delivery.body.as_bytes(), &paygate::http::HeaderMap::new())
            .unwrap();
        assert_eq!(event.authenticity, Authenticity::Unverified);
        let confirmed = client
            .check_transaction(&OrderId::new(event.order_id).unwrap())
            .await
            .unwrap();
        let status = confirmed.body.data.unwrap();
        assert_eq!(status.payment_status.as_deref(), Some("APPROVED"));
        assert_eq!(status.original_amount, Some("12.5".parse().unwrap()));
    }

    // The link's payments, found by its reference (get-transactions-by-mc-ref).
    let by_ref = client
        .transactions_by_merchant_ref(&paygate::payway::MerchantRef::new("INV-42").unwrap())
        .await
        .unwrap();
    let mut found: Vec<String> = by_ref
        .body
        .data
        .iter()
        .map(|row| row.transaction_id.clone().unwrap())
        .collect();
    found.sort();
    let mut expected = paid_orders.clone();
    expected.sort();
    assert_eq!(found, expected);
    assert!(by_ref.body.data.iter().all(|row| {
        row.payment_status.as_deref() == Some("APPROVED")
            && row.original_amount == Some("12.5".parse().unwrap())
    }));
    let none = client
        .transactions_by_merchant_ref(&paygate::payway::MerchantRef::new("INV-0").unwrap())
        .await
        .unwrap();
    assert!(none.body.data.is_empty());

    let detail = client.payment_link_detail(&id).await.unwrap();
    let data = detail.body.data.unwrap();
    assert_eq!(data.status.as_deref(), Some("PAID"));
    assert_eq!(data.total_trxn, Some(2));
    assert_eq!(data.total_amount, Some("25".parse().unwrap()));
    assert_eq!(data.merchant_ref_no.as_deref(), Some("INV-42"));

    client.void_payment_link(&id).await.unwrap();
    let again = client.void_payment_link(&id).await.unwrap_err();
    assert_eq!(
        kind(&again),
        Some(ProviderErrorKind::InvalidState),
        "{again}"
    );
    assert!(again.to_string().contains("PTL188"), "{again}");
    let detail = client.payment_link_detail(&id).await.unwrap();
    assert_eq!(detail.body.data.unwrap().status.as_deref(), Some("VOIDED"));
    let links = sandbox.links(Provider::Payway);
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].status, LinkStatus::Voided);
    let html = reqwest::get(&page).await.unwrap().text().await.unwrap();
    assert!(
        !html.contains("id=\"pay\""),
        "a voided link's page takes no payment"
    );

    // An unknown link is code 96, not found.
    let unknown = PaymentLinkId::new("Tm9Tb2NoTGluaw==").unwrap();
    let err = client.payment_link_detail(&unknown).await.unwrap_err();
    assert_eq!(kind(&err), Some(ProviderErrorKind::NotFound), "{err}");

    // Bad input is refused before anything is sent.
    let sent = count(&sandbox, "payment-link/create");
    let mut bad = request.clone();
    bad.payout = vec![paygate::payway::Payout {
        account: "000000001".into(),
        amount: usd("12.49"),
    }];
    let err = client.create_payment_link(&bad).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::InvalidInput, "{err}");
    assert_eq!(count(&sandbox, "payment-link/create"), sent);
}

/// The sandbox is as strict as PayWay: a past or too-near expiry, a payout sum that is not
/// the amount, a tampered hash — each refused with PayWay's code, no link made.
#[tokio::test]
async fn payway_payment_link_sandbox_refusals() {
    use paygate::payway::{Fields, MerchantAuthKey};
    use paygate::sandbox::PAYWAY_PUBLIC_KEY_PEM;

    let sandbox = Sandbox::start().await.unwrap();
    let credentials = sandbox.credentials().payway.clone();
    let key = MerchantAuthKey::from_pem(PAYWAY_PUBLIC_KEY_PEM).unwrap();
    let hmac = paygate_core::signing::HmacSha512Key::new(credentials.api_key.as_bytes()).unwrap();
    let now = paygate::time::OffsetDateTime::now_utc();
    let request_time = paygate::payway::wire::request_time(now);
    let post = |plaintext: String, tamper: bool| {
        let merchant_auth = key
            .encrypt(
                plaintext.as_bytes(),
                &paygate::clock::DeterministicRandom::new(1),
            )
            .unwrap();
        let mut hash = Fields::new()
            .with("request_time", request_time.clone())
            .with("merchant_id", credentials.merchant_id.clone())
            .with("merchant_auth", merchant_auth.clone())
            .hash(&hmac, paygate::payway::endpoint::order::PAYMENT_LINK);
        if tamper {
            // Another first character: always a different hash, whatever this one is.
            let other = if hash.starts_with('A') { "B" } else { "A" };
            hash.replace_range(..1, other);
        }
        let mut form = String::new();
        for (name, value) in [
            ("request_time", request_time.clone()),
            ("merchant_id", credentials.merchant_id.clone()),
            ("merchant_auth", merchant_auth),
            ("hash", hash),
        ] {
            form.push_str(&format!(
                "--XbX\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        form.push_str("--XbX--\r\n");
        let url = format!(
            "{}/api/merchant-portal/merchant-access/payment-link/create",
            sandbox.url(Provider::Payway).trim_end_matches('/')
        );
        async move {
            let answer = reqwest::Client::new()
                .post(url)
                .header("content-type", "multipart/form-data; boundary=XbX")
                .body(form)
                .send()
                .await
                .unwrap();
            (answer.status().as_u16(), answer.text().await.unwrap())
        }
    };
    // base64 of "http://127.0.0.1:9/links".
    let return_url = "aHR0cDovLzEyNy4wLjAuMTo5L2xpbmtz";
    let link = |extra: &str| {
        format!(
            r#"{{"mc_id":"{}","title":"T","amount":"10.00","currency":"USD","return_url":"{return_url}"{extra}}}"#,
            credentials.merchant_id
        )
    };
    let soon = (now + Duration::from_secs(120)).unix_timestamp();
    let cases = [
        (
            link(&format!(r#","expired_date":"{soon}""#)),
            false,
            400,
            "PTL04",
        ),
        (
            link(r#","payout":[{"acc":"000000001","amt":9.99}]"#),
            false,
            400,
            "PTL04",
        ),
        (
            link(r#","currency":"EUR""#).replace(r#""currency":"USD","#, ""),
            false,
            400,
            "PTL04",
        ),
        (link(""), true, 403, "PTL02"),
    ];
    for (plaintext, tamper, status, code) in cases {
        let (http, body) = post(plaintext.clone(), tamper).await;
        assert_eq!(http, status, "{plaintext}: {body}");
        assert!(body.contains(code), "{plaintext}: {body}");
    }
    assert!(sandbox.links(Provider::Payway).is_empty());
    let (http, body) = post(
        link(r#","payout":[{"acc":"000000001","amt":10.00}]"#),
        false,
    )
    .await;
    assert_eq!(http, 200, "{body}");
    assert_eq!(sandbox.links(Provider::Payway).len(), 1);
}
