//! The shop keeps its orders across a restart (one SQLite file with the write journal, in
//! its data directory), and its admin pages are a logged-in admin's only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{admin_page, client, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_survive_a_restart() {
    let data = std::env::temp_dir().join(format!("paygate-shop-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let first = start(&data).await;
    // Not logged in: sent to the login page.
    let anonymous = client()
        .get(format!("{}/admin", first.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 303);
    let bought = client()
        .post(format!("{}/checkout", first.url()))
        .form(&[("gateway", "payway")])
        .send()
        .await
        .unwrap();
    assert!(
        bought.status().is_success() || bought.status().is_redirection(),
        "{}",
        bought.status()
    );
    let before = admin_page(&first.url()).await;
    let order = before
        .split("<tr id=\"order-")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert!(before.contains("awaiting payment"), "{before}");
    first.stop();
    drop(first);

    let second = start(&data).await;
    let after = admin_page(&second.url()).await;
    assert!(after.contains(&format!("id=\"order-{order}\"")), "{after}");
    assert!(after.contains("awaiting payment"), "{after}");
    assert!(data.join("shop.db").exists());
    // A new order never takes a kept one's id.
    let bought = client()
        .post(format!("{}/checkout", second.url()))
        .form(&[("gateway", "finpay")])
        .send()
        .await
        .unwrap();
    assert!(bought.status().is_success() || bought.status().is_redirection());
    let both = admin_page(&second.url()).await;
    assert_eq!(both.matches("<tr id=\"order-").count(), 2, "{both}");
    second.stop();
    let _ = std::fs::remove_dir_all(&data);
}
