//! `paygate payment-link create | detail | void` against the embedded sandbox's PayWay.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use paygate_sandbox::Provider;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_detail_and_void_a_payment_link() {
    let env = env("payment-link").await;
    let image = temp("payment-link").join("cake.png");
    std::fs::write(&image, b"\x89PNG\r\n\x1a\nnot-really").unwrap();
    let out = paygate(
        Some(&env.config),
        &[
            "--json",
            "payment-link",
            "create",
            "payway",
            "--title",
            "Invoice 42",
            "--amount",
            "12.50",
            "--currency",
            "USD",
            "--return-url",
            "https://shop.example/payway/links",
            "--limit",
            "1",
            "--expires-in-mins",
            "60",
            "--reference",
            "INV-42",
            "--image",
            image.to_str().unwrap(),
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["command"], "payment-link-create", "{doc}");
    let data = &doc["answer"]["data"];
    assert_eq!(data["status"], "OPEN", "{doc}");
    assert_eq!(data["merchant_ref_no"], "INV-42", "{doc}");
    let id = data["id"].as_str().unwrap().to_owned();
    let url = data["payment_link"].as_str().unwrap().to_owned();
    let slug = url.rsplit('/').next().unwrap();
    env.sandbox.pay_link(Provider::Payway, slug).unwrap();

    let out = paygate(
        Some(&env.config),
        &["payment-link", "detail", "payway", &id],
        None,
    )
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!("link {id}  PAID  12.5 USD")),
        "{stdout}"
    );
    assert!(
        stdout.contains("payments: 1 of 1  collected: 12.5"),
        "{stdout}"
    );
    assert!(stdout.contains("reference: INV-42"), "{stdout}");

    // Void asks; standard input that is no terminal is a no.
    let out = paygate(
        Some(&env.config),
        &["payment-link", "void", "payway", &id],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(11), "{}", text(&out.stderr));
    let void_args = ["payment-link", "void", "payway", id.as_str(), "--yes"];
    let out = paygate(Some(&env.config), &void_args, None).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("voided"));
    // A second void is PayWay's PTL188: a provider refusal, exit 5.
    let out = paygate(Some(&env.config), &void_args, None).await;
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("PTL188"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        env.sandbox.links(Provider::Payway)[0].status,
        paygate_sandbox::LinkStatus::Voided
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_link_refusals_before_sending() {
    let env = env("payment-link-bad").await;
    let create = |gateway: &'static str, extra: &'static [&'static str]| {
        let mut args = vec![
            "payment-link",
            "create",
            gateway,
            "--title",
            "T",
            "--amount",
            "10.00",
            "--currency",
            "USD",
            "--return-url",
            "https://shop.example/links",
        ];
        args.extend_from_slice(extra);
        let config = env.config.clone();
        async move { paygate(Some(&config), &args, None).await }
    };
    // Images PayWay refuses ("Max 3MB. Formats: JPG, JPEG, PNG"): one byte over, a GIF named
    // .png, and a .png that is an endless device (read no further than the limit).
    let dir = temp("payment-link-bad");
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(3_000_001, 0);
    let big_path = dir.join("big.png");
    std::fs::write(&big_path, &big).unwrap();
    let gif_path = dir.join("cat.png");
    std::fs::write(&gif_path, b"GIF89a\x01\x00\x01\x00").unwrap();
    let endless = dir.join("endless.png");
    let _ = std::fs::remove_file(&endless);
    std::os::unix::fs::symlink("/dev/zero", &endless).unwrap();
    let paths: Vec<&'static str> = [big_path, gif_path, endless]
        .into_iter()
        .map(|p| &*Box::leak(p.to_string_lossy().into_owned().into_boxed_str()))
        .collect();
    let images: Vec<[&'static str; 2]> = paths.iter().map(|p| ["--image", *p]).collect();
    let images: &'static [[&'static str; 2]] = Box::leak(images.into_boxed_slice());
    // Bad input: exit 3, nothing sent.
    for extra in [
        &["--limit", "0"][..],
        &["--expires-in-mins", "2"][..],
        &["--image", "/nonexistent/cake.png"][..],
        &["--image", "/etc/hostname"][..],
        &images[0][..],
        &images[1][..],
        &images[2][..],
    ] {
        let out = create("payway", extra).await;
        assert_eq!(
            out.status.code(),
            Some(3),
            "{extra:?}: {}",
            text(&out.stderr)
        );
    }
    let sent = env
        .sandbox
        .received()
        .iter()
        .filter(|r| r.path.contains("payment-link"))
        .count();
    assert_eq!(sent, 0);
    // Another provider's gateway: a configuration error naming the key, exit 4.
    let out = create("finpay", &[]).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("gateways.finpay.provider"),
        "{}",
        text(&out.stderr)
    );
    // A malformed link id: exit 3.
    let out = paygate(
        Some(&env.config),
        &["payment-link", "detail", "payway", "not an id"],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
}
