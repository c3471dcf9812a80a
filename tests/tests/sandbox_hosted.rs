//! The sandbox's hosted checkout pages: pay, decline and cancel each move the order on and
//! send the browser back where the provider would (Finpay: successUrl / failUrl / backUrl;
//! PayWay: continue_success_url, its own page for a decline, cancel_url; PayG: RedirectUrl
//! whatever the outcome), a pre-authorization is authorized, PayWay's QR orders show a KHQR,
//! and a payment made on the page is delivered as a webhook.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use paygate::sandbox::{Provider, Sandbox, SimOrder};
use paygate::{
    CreatePayment, Currency, Customer, Money, NextAction, OrderId, PaymentGateway, PaymentStatus,
    Url,
};

const SHOP: &str = "http://127.0.0.1:9/shop";

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Creates an order through the unified interface; the page URL and the id the sandbox and
/// status reads use.
async fn checkout(
    gateway: &Arc<dyn PaymentGateway>,
    id: &str,
    amount: &str,
    currency: Currency,
    authorize_only: bool,
) -> (String, OrderId) {
    let mut request = CreatePayment::new(
        OrderId::new(id).unwrap(),
        Money::parse(amount, currency).unwrap(),
    )
    .unwrap()
    .return_url(Url::parse(&format!("{SHOP}/return/{id}")).unwrap())
    .cancel_url(Url::parse(&format!("{SHOP}/cancel/{id}")).unwrap())
    .callback_url(Url::parse("http://127.0.0.1:9/webhooks").unwrap())
    .customer(
        Customer::new()
            .name("Dara", "Sok")
            .email("dara@example.com")
            .phone("+6281234567890"),
    );
    if authorize_only {
        request = request.authorize_only();
    }
    let checkout = gateway.create_payment(&request).await.unwrap();
    let url = match &checkout.next_action {
        NextAction::Redirect { url } => url.to_string(),
        other => panic!("{other:?}"),
    };
    let key = checkout
        .provider_reference
        .clone()
        .filter(|_| gateway.provider() == Provider::Payg.name())
        .unwrap_or_else(|| id.to_owned());
    (url, OrderId::new(key).unwrap())
}

/// The page at `url`, as text.
async fn html_of(url: impl reqwest::IntoUrl) -> String {
    browser()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Follows the provider's redirect to its page (PayWay answers the purchase with one).
async fn page_url(url: &str) -> String {
    let answer = browser().get(url).send().await.unwrap();
    if answer.status().is_redirection() {
        answer.headers()["location"].to_str().unwrap().to_owned()
    } else {
        url.to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_outcome_returns_the_browser_where_the_provider_would() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    for (name, amount, currency) in [
        ("finpay", "150000", Currency::IDR),
        ("payway", "10.00", Currency::USD),
        ("payg", "500.00", Currency::INR),
    ] {
        let gateway = registry.gateway(name).unwrap();
        for (action, expected_status) in [
            ("pay", PaymentStatus::Paid),
            ("decline", PaymentStatus::Declined),
            ("cancel", PaymentStatus::Cancelled),
        ] {
            let id = format!(
                "HP{}{}",
                &name[..2].to_uppercase(),
                &action[..1].to_uppercase()
            );
            let (url, key) = checkout(&gateway, &id, amount, currency, false).await;
            let page = page_url(&url).await;
            let html = html_of(&page).await;
            for button in ["id=\"pay\">Pay<", "id=\"decline\"", "id=\"cancel\""] {
                assert!(html.contains(button), "{name}: {html}");
            }
            let answer = browser()
                .post(format!("{page}/{action}"))
                .send()
                .await
                .unwrap();
            let location = answer
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            let status = answer.status().as_u16();
            let body = answer.text().await.unwrap();
            let ours = |path: &str| Some(format!("{SHOP}/{path}/{id}"));
            match (name, action) {
                // PayG has one RedirectUrl for every outcome.
                ("payg", _) | (_, "pay") => {
                    assert_eq!((status, location), (303, ours("return")), "{name} {action}")
                }
                // A declined card stays on PayWay's page, with a link back to the merchant.
                ("payway", "decline") => {
                    assert_eq!(status, 200);
                    assert!(body.contains("is declined"), "{body}");
                    assert!(
                        body.contains(&format!("href=\"{SHOP}/cancel/{id}\"")),
                        "{body}"
                    );
                }
                _ => assert_eq!((status, location), (303, ours("cancel")), "{name} {action}"),
            }
            let read = gateway.payment_status(&key).await.unwrap();
            // PayG publishes no cancelled status: an order the customer left stays pending.
            let expected = match (name, &expected_status) {
                ("payg", PaymentStatus::Cancelled) => PaymentStatus::Pending,
                _ => expected_status.clone(),
            };
            assert_eq!(read.status, expected, "{name} {action}");
            // The page now shows the outcome, and no buttons.
            let again = html_of(&page).await;
            assert!(again.contains("id=\"outcome\""), "{again}");
            assert!(!again.contains("id=\"pay\""), "{again}");
            // A second action on a settled order is refused.
            let twice = browser().post(format!("{page}/pay")).send().await.unwrap();
            assert_eq!(twice.status().as_u16(), 409, "{name} {action}");
        }
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pre_authorization_is_authorized_and_a_qr_order_shows_its_khqr() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let gateway = registry.gateway("payway").unwrap();
    let (url, key) = checkout(&gateway, "HPAUTH", "25.00", Currency::USD, true).await;
    let page = page_url(&url).await;
    let html = html_of(&page).await;
    assert!(html.contains("id=\"pay\">Authorize<"), "{html}");
    let answer = browser().post(format!("{page}/pay")).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 303);
    let read = gateway.payment_status(&key).await.unwrap();
    assert_eq!(read.status, PaymentStatus::Authorized);

    let mut order = SimOrder::new(
        Provider::Payway,
        "HPQR",
        "HPQR",
        10.into(),
        "USD",
        paygate::time::OffsetDateTime::now_utc(),
    );
    order.qr_string = Some("00020101021230510016sandboxHPQR".to_owned());
    sandbox.insert(order).unwrap();
    let html = html_of(format!(
        "http://{}/_sandbox/checkout/payway/HPQR",
        sandbox.addr()
    ))
    .await;
    assert!(html.contains("<svg"), "{html}");
    assert!(html.contains("00020101021230510016sandboxHPQR"), "{html}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_on_the_page_is_delivered_to_the_callback_url() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let mut app = mockito::Server::new_async().await;
    let notified = app
        .mock("POST", "/notify")
        .with_status(200)
        .with_body(r#"{"responseCode":"2000000","responseMessage":"Success"}"#)
        .expect(1)
        .create_async()
        .await;
    let gateway = registry.gateway("finpay").unwrap();
    let request = CreatePayment::new(
        OrderId::new("HPDLV").unwrap(),
        Money::parse("150000", Currency::IDR).unwrap(),
    )
    .unwrap()
    .callback_url(Url::parse(&format!("{}/notify", app.url())).unwrap())
    .customer(Customer::new().phone("+6281234567890"));
    let checkout = gateway.create_payment(&request).await.unwrap();
    let NextAction::Redirect { url } = checkout.next_action else {
        panic!()
    };
    // No successUrl given: the page shows the outcome itself.
    let answer = browser().post(format!("{url}/pay")).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    assert!(answer.text().await.unwrap().contains("is paid"));
    let started = std::time::Instant::now();
    while sandbox.deliveries().is_empty() && started.elapsed().as_secs() < 10 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let deliveries = sandbox.deliveries();
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    assert!(deliveries[0].acknowledged);
    notified.assert_async().await;
    sandbox.shutdown().await;
}
