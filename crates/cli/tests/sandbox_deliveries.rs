//! `paygate sandbox deliveries|redeliver` against a running sandbox (here, in this test
//! process), and never anywhere but loopback.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::{json, paygate, text};
use paygate::{CreatePayment, Currency, Money, OrderId, Url};
use paygate_sandbox::{Provider, Sandbox};

async fn paid(sandbox: &Sandbox, id: &str, callback: &str) {
    let registry = paygate::sandbox::registry(sandbox).unwrap();
    let gateway = registry.gateway("payway").unwrap();
    let request = CreatePayment::new(
        OrderId::new(id).unwrap(),
        Money::parse("10.00", Currency::USD).unwrap(),
    )
    .unwrap()
    .callback_url(Url::parse(callback).unwrap())
    .return_url(Url::parse("https://shop.example/done").unwrap());
    gateway.create_payment(&request).await.unwrap();
    sandbox.pay(Provider::Payway, id).unwrap();
}

async fn listed(url: &str, count: usize) -> serde_json::Value {
    let started = std::time::Instant::now();
    loop {
        let out = paygate(
            None,
            &["--json", "sandbox", "deliveries", "--url", url],
            None,
        )
        .await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let doc = json(&out);
        if doc["deliveries"].as_array().unwrap().len() >= count
            || started.elapsed() > Duration::from_secs(10)
        {
            return doc;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_lists_a_sandboxs_deliveries_and_makes_one_again() {
    let sandbox = Sandbox::start().await.unwrap();
    let url = format!("http://{}", sandbox.addr());
    // One to an address off loopback (refused, never sent), one to the sandbox itself (it
    // answers 405: a failed delivery).
    paid(&sandbox, "SBXOFF", "https://shop.example/pushback").await;
    paid(&sandbox, "SBXHERE", &format!("{url}/_sandbox/deliveries")).await;
    let doc = listed(&url, 2).await;
    assert_eq!(doc["command"], "sandbox-deliveries");
    let deliveries = doc["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2, "{doc}");
    let here = deliveries
        .iter()
        .position(|d| d["order_id"] == "SBXHERE")
        .unwrap();
    let off = deliveries
        .iter()
        .position(|d| d["order_id"] == "SBXOFF")
        .unwrap();
    assert!(
        deliveries[off]["error"]
            .as_str()
            .unwrap()
            .contains("loopback")
    );

    let human = paygate(None, &["sandbox", "deliveries", "--url", &url], None).await;
    let human = text(&human.stdout);
    assert!(
        human.contains("SBXHERE") && human.contains("2 delivery attempts"),
        "{human}"
    );

    let again = paygate(
        None,
        &[
            "--json",
            "sandbox",
            "redeliver",
            &here.to_string(),
            "--url",
            &url,
        ],
        None,
    )
    .await;
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(json(&again)["sent"], true);
    let doc = listed(&url, 3).await;
    let deliveries = doc["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 3, "{doc}");
    assert_eq!(deliveries[2]["redelivery_of"], here);
    assert_eq!(deliveries[2]["order_id"], "SBXHERE");

    // Off loopback: refused, nothing sent.
    let refused = paygate(
        None,
        &["sandbox", "redeliver", &off.to_string(), "--url", &url],
        None,
    )
    .await;
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("loopback"),
        "{}",
        text(&refused.stderr)
    );
    let missing = paygate(None, &["sandbox", "redeliver", "99", "--url", &url], None).await;
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("no delivery 99"),
        "{}",
        text(&missing.stderr)
    );
    // The command itself never connects off loopback.
    let outside = paygate(
        None,
        &["sandbox", "deliveries", "--url", "http://192.0.2.1:8787"],
        None,
    )
    .await;
    assert!(!outside.status.success());
    assert!(
        text(&outside.stderr).contains("not on this machine's loopback"),
        "{}",
        text(&outside.stderr)
    );
    assert_eq!(
        listed(&url, 3).await["deliveries"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    sandbox.shutdown().await;
}
