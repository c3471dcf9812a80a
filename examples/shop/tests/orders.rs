//! The shop's orders as an admin and a customer meet them: the admin list shows the newest
//! orders however many there are, a public page never marks an order unpaid on a customer's
//! behalf, and a notification about an order the shop does not know yet is kept for later,
//! never dropped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use paygate::journal::ReceiptFilter;
use paygate::sandbox::{Provider, SimOrder};

mod common;

use common::{admin_page, client};

async fn start(name: &str) -> (shop::RunningShop, std::path::PathBuf) {
    let data = std::env::temp_dir().join(format!("paygate-shop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    (common::start(&data).await, data)
}

/// The order ids of the admin list, top to bottom.
fn listed(page: &str) -> Vec<String> {
    page.split("<tr id=\"order-")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

async fn buy(shop: &str, gateway: &str) {
    let bought = client()
        .post(format!("{shop}/checkout"))
        .form(&[("gateway", gateway)])
        .send()
        .await
        .unwrap();
    assert!(
        bought.status().is_success() || bought.status().is_redirection(),
        "{}",
        bought.status()
    );
}

/// The order number at the end of a shop id (`S…N12` → 12).
fn number(id: &str) -> u32 {
    id.rsplit('N').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_list_shows_the_newest_fifty_newest_first() {
    let (shop, data) = start("newest").await;
    for _ in 0..55 {
        buy(&shop.url(), "payway").await;
    }
    let ids = listed(&admin_page(&shop.url()).await);
    let numbers: Vec<u32> = ids.iter().map(|id| number(id)).collect();
    // Orders 55 down to 6: as they were made, not as their ids sort as text (N9 > N55).
    assert_eq!(numbers, (6..=55).rev().collect::<Vec<u32>>(), "{ids:?}");
    shop.stop();
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_return_page_shows_an_unfinished_payment_without_marking_the_order() {
    let (shop, data) = start("return").await;
    buy(&shop.url(), "payway").await;
    let id = listed(&admin_page(&shop.url()).await).remove(0);
    // Anyone can open the return page while the customer is still paying.
    let page = client()
        .get(format!("{}/orders/{id}/return", shop.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<b id=\"status\">not paid (cancelled or unfinished)</b>"),
        "{page}"
    );
    let admin = admin_page(&shop.url()).await;
    assert!(admin.contains("awaiting payment"), "{admin}");
    // The customer pays after all: the order is paid, confirmed by the notification.
    shop.sandbox().pay(Provider::Payway, &id).unwrap();
    let started = Instant::now();
    loop {
        let admin = admin_page(&shop.url()).await;
        if admin.contains(">paid<") || admin.contains(">paid ") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never paid: {admin}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shop.stop();
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_about_an_order_the_shop_does_not_know_is_kept_for_later() {
    let (shop, data) = start("unknown").await;
    // An order the provider has and the shop has not recorded (a notification faster than
    // the page that created it).
    let mut order = SimOrder::new(
        Provider::Payway,
        "STRANGER1",
        "STRANGER1",
        "10.00".parse().unwrap(),
        "USD",
        paygate::time::OffsetDateTime::now_utc(),
    );
    order.callback_url = Some(format!("{}/webhooks/payway", shop.url()));
    shop.sandbox().insert(order).unwrap();
    shop.sandbox().pay(Provider::Payway, "STRANGER1").unwrap();
    let journal = paygate::journal::open(&format!("sqlite://{}", data.join("shop.db").display()))
        .await
        .unwrap();
    let started = Instant::now();
    let receipt = loop {
        let receipts = journal
            .receipts(&ReceiptFilter {
                order_id: Some("STRANGER1".into()),
                ..ReceiptFilter::default()
            })
            .await
            .unwrap();
        if let Some(receipt) = receipts.into_iter().find(|r| r.failures > 0) {
            break receipt;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the notification was never received and failed once"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Acknowledged to the provider, kept unhandled, due again after a wait.
    assert!(receipt.handled_at_ms.is_none(), "{receipt:?}");
    assert!(
        receipt
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("does not know")),
        "{receipt:?}"
    );
    let deliveries = shop.sandbox().deliveries();
    assert!(
        deliveries
            .iter()
            .any(|d| d.order_id == "STRANGER1" && d.acknowledged),
        "{deliveries:?}"
    );
    shop.stop();
    let _ = std::fs::remove_dir_all(&data);
}
