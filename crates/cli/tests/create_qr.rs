//! `paygate create --qr FILE`: a gateway answering with a QR (PayWay with `checkout_qr`) has
//! its payload printed and its image saved; one answering otherwise creates the payment, saves
//! nothing and exits 9.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use paygate_sandbox::Provider;

/// The sandbox's configuration plus `shop-qr`: its PayWay profile answering with KHQRs.
async fn env_with_qr_gateway(tag: &str) -> Env {
    let env = env(tag).await;
    let qr_gateway = env
        .sandbox
        .gateway_toml(Provider::Payway)
        .replace("[gateways.payway]", "[gateways.shop-qr]");
    let mut config = std::fs::read_to_string(&env.config).unwrap();
    config.push_str(&format!("\n{qr_gateway}checkout_qr = \"abapay_khqr\"\n"));
    std::fs::write(&env.config, config).unwrap();
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_with_qr_prints_the_payload_and_saves_the_image() {
    let env = env_with_qr_gateway("create-qr").await;
    let file = temp("create-qr").join("order-qr.svg");
    let out = paygate(
        Some(&env.config),
        &[
            "create",
            "shop-qr",
            "--order-id",
            "QRCLI1",
            "--amount",
            "2.50",
            "--currency",
            "USD",
            "--qr",
            file.to_str().unwrap(),
        ],
        None,
    )
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("QR payload: 000201"), "{stdout}");
    assert!(stdout.contains("QR image (provider) saved to"), "{stdout}");
    let image = std::fs::read_to_string(&file).unwrap();
    assert!(image.contains("<svg"), "{image}");

    // The same in JSON: one document, the `qr` object as documented.
    let file = temp("create-qr").join("order-qr-2.svg");
    let out = paygate(
        Some(&env.config),
        &[
            "--json",
            "create",
            "shop-qr",
            "--order-id",
            "QRCLI2",
            "--amount",
            "2.50",
            "--currency",
            "USD",
            "--qr",
            file.to_str().unwrap(),
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["checkout"]["next_action"]["type"], "show_qr", "{doc}");
    assert_eq!(doc["qr"]["image"], "provider", "{doc}");
    assert_eq!(doc["qr"]["file"], file.to_str().unwrap(), "{doc}");
    assert!(doc["qr"]["error"].is_null(), "{doc}");
    assert!(doc["qr"]["payload"].as_str().unwrap().starts_with("000201"));
    assert!(file.exists());

    // The paid QR reads as paid through the same gateway.
    env.sandbox.pay(Provider::Payway, "QRCLI2").unwrap();
    let out = paygate(Some(&env.config), &["status", "shop-qr", "QRCLI2"], None).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("paid"), "{}", text(&out.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_with_qr_on_a_hosted_checkout_saves_nothing_and_exits_9() {
    let env = env_with_qr_gateway("create-noqr").await;
    let file = temp("create-noqr").join("none.svg");
    let out = paygate(
        Some(&env.config),
        &[
            "--json",
            "create",
            "payway",
            "--order-id",
            "NOQR1",
            "--amount",
            "2.50",
            "--currency",
            "USD",
            "--qr",
            file.to_str().unwrap(),
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(9), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["checkout"]["next_action"]["type"], "redirect", "{doc}");
    assert!(doc["qr"]["file"].is_null(), "{doc}");
    assert!(
        doc["qr"]["error"].as_str().unwrap().contains("checkout_qr"),
        "{doc}"
    );
    assert!(!file.exists());
    // The payment exists all the same.
    let out = paygate(Some(&env.config), &["status", "payway", "NOQR1"], None).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// `qr_image_template` is PayWay's required frame: a named template configured is sent (the
/// sandbox, as strict as PayWay's page, refuses a missing or unknown one); a name outside
/// PayWay's list is a configuration error before anything is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qr_template_is_configurable_and_checked() {
    let env = env_with_qr_gateway("create-qr-template").await;
    let config = std::fs::read_to_string(&env.config).unwrap();
    std::fs::write(
        &env.config,
        format!("{config}qr_image_template = \"template6_color\"\n"),
    )
    .unwrap();
    let file = temp("create-qr-template").join("qr.svg");
    let create = |order: &'static str| {
        let file = file.clone();
        let config = env.config.clone();
        async move {
            paygate(
                Some(&config),
                &[
                    "create",
                    "shop-qr",
                    "--order-id",
                    order,
                    "--amount",
                    "2.50",
                    "--currency",
                    "USD",
                    "--qr",
                    file.to_str().unwrap(),
                ],
                None,
            )
            .await
        }
    };
    let out = create("QRTPL1").await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    std::fs::write(
        &env.config,
        format!("{config}qr_image_template = \"template9\"\n"),
    )
    .unwrap();
    let sent = env.sandbox.received().len();
    let out = create("QRTPL2").await;
    let stderr = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("qr_image_template"), "{stderr}");
    assert!(
        stderr.contains("template4_color"),
        "the names are listed: {stderr}"
    );
    assert_eq!(env.sandbox.received().len(), sent, "nothing was sent");
}
