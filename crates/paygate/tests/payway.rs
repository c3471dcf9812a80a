//! PayWay through the facade: configured from TOML, used as `Arc<dyn PaymentGateway>`.

#![cfg(feature = "payway")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use paygate::{Capability, ErrorClass, GatewayRegistry, OrderId, PaymentStatus};

const KEY_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../payway/tests/keys/test_public_key.pem"
);

fn toml(base: &str, extra: &str) -> String {
    format!(
        r#"
        [retry]
        max_attempts = 1
        [gateways.payway-usd]
        provider = "payway"
        environment = "{base}"
        merchant_id = "ec000002"
        api_key = "test_api_key_not_a_real_secret"
        rsa_public_key = "file:{KEY_PATH}"
        {extra}
        "#
    )
}

#[tokio::test]
async fn status_through_the_registry() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/api/payment-gateway/v1/payments/check-transaction-2")
        .with_header("content-type", "application/json")
        .with_body(r#"{"data":{"payment_status_code":4,"total_amount":1.5,"original_amount":1.5,"refund_amount":0.5,"payment_currency":"USD","payment_status":"REFUNDED","transaction_date":"2025-02-13 13:55:25"},"status":{"code":"00","message":"Success!"}}"#)
        .create_async()
        .await;
    let registry = GatewayRegistry::from_toml_str(&toml(&server.url(), "")).unwrap();
    let gateway = registry.gateway("payway-usd").unwrap();
    assert_eq!(gateway.provider(), "payway");
    for c in [
        Capability::Refund,
        Capability::Void,
        Capability::Capture,
        Capability::Cancel,
    ] {
        assert!(gateway.capabilities().contains(c), "{c}");
    }
    let payment = gateway
        .payment_status(&OrderId::new("A1").unwrap())
        .await
        .unwrap();
    mock.assert_async().await;
    // PayWay says REFUNDED; the amounts say partially.
    assert_eq!(payment.status, PaymentStatus::PartiallyRefunded);
    assert_eq!(payment.provider_status, "REFUNDED");
}

#[test]
fn config_errors_point_at_the_payway_key() {
    let err = |extra: &str, base: &str| {
        GatewayRegistry::from_toml_str(&toml(base, extra))
            .unwrap_err()
            .to_string()
    };
    let base = "http://127.0.0.1:9";
    assert_eq!(
        err("currency = \"EUR\"", base),
        "configuration error at gateways.payway-usd.currency: PayWay profiles are USD or KHR"
    );
    assert!(
        err("page = 1", base)
            .starts_with("configuration error at gateways.payway-usd.page: unknown setting")
    );
    let bad_key = GatewayRegistry::from_toml_str(&toml(base, "").replace(
        &format!("file:{KEY_PATH}"),
        "-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----",
    ))
    .unwrap_err();
    assert_eq!(bad_key.class(), ErrorClass::Config);
    assert!(
        bad_key.to_string().starts_with(
            "configuration error at gateways.payway-usd.rsa_public_key: not an RSA public key"
        ),
        "{bad_key}"
    );
    let no_merchant =
        GatewayRegistry::from_toml_str(&toml(base, "").replace("merchant_id = \"ec000002\"", ""))
            .unwrap_err();
    assert_eq!(
        no_merchant.to_string(),
        "configuration error at gateways.payway-usd.merchant_id: required setting is missing"
    );
    let bad_merchant =
        GatewayRegistry::from_toml_str(&toml(base, "").replace("ec000002", "ec/000002"))
            .unwrap_err();
    assert!(
        bad_merchant
            .to_string()
            .starts_with("configuration error at gateways.payway-usd.merchant_id: must be"),
        "{bad_merchant}"
    );
    assert!(!bad_merchant.to_string().contains("test_api_key"));
}

#[test]
fn without_a_key_there_is_no_refund() {
    let text = toml("http://127.0.0.1:9", "")
        .replace(&format!("rsa_public_key = \"file:{KEY_PATH}\""), "");
    let registry = GatewayRegistry::from_toml_str(&text).unwrap();
    let gateway = registry.gateway("payway-usd").unwrap();
    assert!(!gateway.capabilities().contains(Capability::Refund));
    assert!(gateway.capabilities().contains(Capability::PaymentStatus));
    let debug = format!("{registry:?}");
    assert!(!debug.contains("test_api_key_not_a_real_secret"), "{debug}");
}
