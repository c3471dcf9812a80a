//! PayWay credentials on file, native client → sandbox: an ABA account is linked (the
//! customer approves on the page the deep link opens; the unsigned callback carries only the
//! request id, and the token is read with get-token-details), charged by the merchant and the
//! payment confirmed by a read; a payment is refused for a duplicate `tran_id`, another
//! currency or an unknown token; the token is renewed and removed (removal repeatable, a
//! removed token refused). A card is linked through the browser form, and a purchase that
//! saves credentials is signed in the 27-field order the sandbox checks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{count, kind};

use std::time::{Duration, Instant};

use paygate::payway::ops::purchase::PurchaseRequest;
use paygate::payway::{
    BillingFrequency, ConsumerTokenId, LinkRequestId, LinkTokenFlag, PayTokenFlag, PaymentToken,
    SaveCredential, TokenLinkRequest, TokenPaymentRequest,
};
use paygate::sandbox::{Provider, Sandbox, TokenStatus};
use paygate::{Currency, ErrorClass, Money, OrderId, ProviderErrorKind, Url};

fn money(text: &str, currency: Currency) -> Money {
    Money::parse(text, currency).unwrap()
}

#[tokio::test]
async fn payway_account_on_file_round_trip() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = common::payway_client(&sandbox).unwrap();
    let mut app = mockito::Server::new_async().await;
    let token_callback = app
        .mock("POST", "/payway/token")
        .match_body(mockito::Matcher::PartialJson(
            serde_json::json!({"request_id": "link-0001", "ctid": "cust-0001"}),
        ))
        .with_status(200)
        .expect(1)
        .create_async()
        .await;
    let payment_pushback = app
        .mock("POST", "/payway/paid")
        .with_status(200)
        .expect(1)
        .create_async()
        .await;

    let ctid = ConsumerTokenId::new("cust-0001").unwrap();
    let request_id = LinkRequestId::new("link-0001").unwrap();
    let mut link = TokenLinkRequest::new(
        request_id.clone(),
        ctid.clone(),
        LinkTokenFlag::CitoFlex,
        Currency::USD,
    );
    link.callback_url = Some(Url::parse(&format!("{}/payway/token", app.url())).unwrap());
    let started = client.link_account(&link).await.unwrap();
    let data = started.body.data.unwrap();
    assert!(!data.qr_string.unwrap().is_empty());
    let page = data.deeplink.unwrap();

    // No token before the customer approves: 09, not found.
    let err = client.token_details(&request_id).await.unwrap_err();
    assert_eq!(kind(&err), Some(ProviderErrorKind::NotFound), "{err}");
    // The same request id again is refused by the binding layer (04, with its errors map).
    let err = client.link_account(&link).await.unwrap_err();
    assert_eq!(kind(&err), Some(ProviderErrorKind::Validation), "{err}");
    assert!(err.to_string().contains("request_id"), "{err}");

    // The customer approves on the page the deep link opens.
    let html = reqwest::get(&page).await.unwrap().text().await.unwrap();
    assert!(html.contains("Link your ABA account") && html.contains("id=\"approve\""));
    let approved = reqwest::Client::new()
        .post(format!("{page}/approve"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let approved: serde_json::Value = serde_json::from_str(&approved).unwrap();
    assert_eq!(approved["linked"], true);
    let waited = Instant::now();
    while sandbox.deliveries().is_empty() && waited.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    token_callback.assert_async().await;
    let callback = &sandbox.deliveries()[0];
    assert!(
        !callback.body.contains("pwt"),
        "the callback carries no token"
    );

    // The token, read by the link's request id.
    let details = client.token_details(&request_id).await.unwrap();
    let shown = format!("{details:?}");
    let token = details.body.data.unwrap();
    assert_eq!(token.ctid.as_deref(), Some("cust-0001"));
    assert!(token.is_active());
    let pwt = token.pwt.unwrap();
    assert!(!shown.contains(pwt.expose_secret()), "{shown}");

    // The merchant charges it; the payment is confirmed by a read.
    let tran_id = OrderId::new("SUB-0001").unwrap();
    let mut payment = TokenPaymentRequest::new(
        tran_id.clone(),
        money("4.50", Currency::USD),
        ctid.clone(),
        pwt.clone(),
        PayTokenFlag::MituFlex,
    );
    payment.callback_url = Some(Url::parse(&format!("{}/payway/paid", app.url())).unwrap());
    let taken = client.pay_with_token(&payment).await.unwrap();
    assert_eq!(taken.body.status.tran_id.as_deref(), Some("SUB-0001"));
    let checked = client.check_transaction(&tran_id).await.unwrap();
    let status = checked.body.data.unwrap();
    assert_eq!(status.payment_status.as_deref(), Some("APPROVED"));
    assert_eq!(status.original_amount, Some("4.5".parse().unwrap()));
    let waited = Instant::now();
    while sandbox.deliveries().len() < 2 && waited.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    payment_pushback.assert_async().await;

    // Refusals: the same tran_id again (4), another currency (12), an unknown token (105).
    let err = client.pay_with_token(&payment).await.unwrap_err();
    assert_eq!(kind(&err), Some(ProviderErrorKind::Validation), "{err}");
    let mut khr = payment.clone();
    khr.tran_id = OrderId::new("SUB-0002").unwrap();
    khr.amount = money("4000", Currency::KHR);
    let err = client.pay_with_token(&khr).await.unwrap_err();
    assert_eq!(kind(&err), Some(ProviderErrorKind::InvalidState), "{err}");
    let mut forged = payment.clone();
    forged.tran_id = OrderId::new("SUB-0003").unwrap();
    forged.pwt = PaymentToken::new("sbx-pwt-999999999999").unwrap();
    let err = client.pay_with_token(&forged).await.unwrap_err();
    assert_eq!(kind(&err), Some(ProviderErrorKind::NotFound), "{err}");
    assert!(!err.to_string().contains("sbx-pwt"), "{err}");
    assert!(sandbox.order(Provider::Payway, "SUB-0003").is_none());

    // Renew, then remove (twice: removal is repeatable); a removed token is refused.
    let renewal = LinkRequestId::new("renew-0001").unwrap();
    client
        .renew_account_token(&ctid, &pwt, &renewal)
        .await
        .unwrap();
    client.remove_token(&ctid, &pwt).await.unwrap();
    client.remove_token(&ctid, &pwt).await.unwrap();
    let details = client.token_details(&request_id).await.unwrap();
    assert!(!details.body.data.unwrap().is_active());
    let mut after = payment.clone();
    after.tran_id = OrderId::new("SUB-0004").unwrap();
    let err = client.pay_with_token(&after).await.unwrap_err();
    assert_eq!(kind(&err), Some(ProviderErrorKind::NotFound), "{err}");
    let err = client
        .renew_account_token(&ctid, &pwt, &renewal)
        .await
        .unwrap_err();
    assert_eq!(kind(&err), Some(ProviderErrorKind::NotFound), "{err}");
    let links = sandbox.token_links(Provider::Payway);
    assert_eq!(links.len(), 1);
    let token = links[0].token.as_ref().unwrap();
    assert_eq!(token.status, TokenStatus::Removed);
    assert_eq!(token.renewals, 1);
    assert_eq!(token.payments, vec!["SUB-0001".to_owned()]);

    // Bad input never leaves the client.
    let sent = count(&sandbox, "payment-credential");
    let mut bad = payment.clone();
    bad.amount = money("99", Currency::KHR);
    let err = client.pay_with_token(&bad).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::InvalidInput, "{err}");
    assert_eq!(count(&sandbox, "payment-credential"), sent);
}

#[tokio::test]
async fn payway_card_on_file_and_subscription_purchase() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = common::payway_client(&sandbox).unwrap();
    let ctid = ConsumerTokenId::new("cust-0002").unwrap();
    let request_id = LinkRequestId::new("card-0001").unwrap();
    let mut link = TokenLinkRequest::new(
        request_id.clone(),
        ctid.clone(),
        LinkTokenFlag::CitrFlex,
        Currency::USD,
    );
    link.frequency = Some(BillingFrequency::Monthly);
    link.continue_success_url = Some(Url::parse("https://shop.example/saved").unwrap());
    let form = client.card_link_form(&link).unwrap();
    let fields: Vec<(String, String)> = form
        .fields
        .iter()
        .filter_map(|(name, value)| value.map(|v| (name.to_owned(), v.to_owned())))
        .collect();
    // The customer's browser posts the form (form-urlencoded) and is sent to the add-card page.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = browser
        .post(form.action.clone())
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 302, "{:?}", answer.text().await);
    let page = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        page.ends_with("/_sandbox/token-link/payway/card-0001"),
        "{page}"
    );
    // A tampered form is a wrong hash (01).
    let tampered: Vec<(String, String)> = fields
        .iter()
        .map(|(n, v)| match n.as_str() {
            "ctid" => (n.clone(), "someone-else".to_owned()),
            _ => (n.clone(), v.clone()),
        })
        .collect();
    let answer = browser
        .post(form.action.clone())
        .form(&tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 403);
    let body: serde_json::Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    assert_eq!(body["status"]["code"], "01", "{body}");

    let approved = sandbox
        .approve_token_link(Provider::Payway, "card-0001")
        .unwrap();
    assert_eq!(approved.frequency.as_deref(), Some("1M"));
    let details = client.token_details(&request_id).await.unwrap();
    let data = details.body.data.unwrap();
    assert_eq!(data.ctid.as_deref(), Some("cust-0002"));
    assert_eq!(data.token_flag.as_deref(), Some("CITR_FLEX"));
    assert!(
        sandbox
            .approve_token_link(Provider::Payway, "card-0001")
            .is_err(),
        "approved once"
    );

    // A purchase that saves the payer's credentials: 27 signed fields, accepted.
    let mut purchase = PurchaseRequest::new(
        OrderId::new("SUBSCRIBE-1").unwrap(),
        money("9.99", Currency::USD),
    );
    purchase.save_credential = Some(SaveCredential {
        ctid,
        token_flag: LinkTokenFlag::CitrFix,
        frequency: Some(BillingFrequency::Monthly),
    });
    client.purchase(&purchase).await.unwrap();
    assert!(sandbox.order(Provider::Payway, "SUBSCRIBE-1").is_some());
}

/// The token travels in request and answer bodies only: with TRACE logging of the library,
/// reqwest and hyper captured, and every result and error formatted, it appears nowhere.
#[tokio::test]
async fn payment_tokens_reach_no_log_result_or_error() {
    let captured = paygate_tests::LogCapture::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    paygate_tests::tracing_sees_every_callsite();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sandbox = Sandbox::start().await.unwrap();
    let client = common::payway_client(&sandbox).unwrap();
    let ctid = ConsumerTokenId::new("cust-0003").unwrap();
    let request_id = LinkRequestId::new("link-0003").unwrap();
    let link = TokenLinkRequest::new(
        request_id.clone(),
        ctid.clone(),
        LinkTokenFlag::CitiFlex,
        Currency::USD,
    );
    let mut shown = Vec::new();
    shown.push(format!("{:?}", client.link_account(&link).await));
    let approved = sandbox
        .approve_token_link(Provider::Payway, "link-0003")
        .unwrap();
    let pwt_text = approved.token.unwrap().pwt;
    let details = client.token_details(&request_id).await;
    shown.push(format!("{details:?}"));
    let pwt = details.unwrap().body.data.unwrap().pwt.unwrap();
    assert_eq!(pwt.expose_secret(), pwt_text);
    let payment = TokenPaymentRequest::new(
        OrderId::new("SUB-LOG-1").unwrap(),
        money("1.00", Currency::USD),
        ctid.clone(),
        pwt.clone(),
        PayTokenFlag::CituFlex,
    );
    let taken = client.pay_with_token(&payment).await;
    shown.push(format!("{taken:?}"));
    // Refusals: the same tran_id again, and the token once removed.
    let again = client.pay_with_token(&payment).await.unwrap_err();
    shown.push(format!("{again:?} {again}"));
    client.remove_token(&ctid, &pwt).await.unwrap();
    let mut after = payment.clone();
    after.tran_id = OrderId::new("SUB-LOG-2").unwrap();
    let refused = client.pay_with_token(&after).await.unwrap_err();
    shown.push(format!("{refused:?} {refused}"));
    shown.push(format!("{payment:?} {pwt:?}"));
    sandbox.shutdown().await;
    drop(_guard);

    let logs = captured.text();
    assert!(logs.contains("TRACE"), "the logs were captured");
    assert!(
        logs.contains("payment-credential"),
        "the payment was logged"
    );
    assert!(!logs.contains(&pwt_text), "the token reached the logs");
    for text in shown {
        assert!(!text.contains(&pwt_text), "the token was shown: {text}");
    }
}
