//! Finpay through the facade: configured from TOML, used as `Arc<dyn PaymentGateway>`.

#![cfg(feature = "finpay")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use paygate::{Capability, GatewayRegistry, OrderId, PaymentStatus};

fn toml(base: &str, extra: &str) -> String {
    format!(
        r#"
        [gateways.finpay]
        provider = "finpay"
        environment = "{base}"
        merchant_id = "FINPAY770"
        merchant_key = "SoSecret123"
        {extra}
        "#
    )
}

#[tokio::test]
async fn status_through_the_registry() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/pg/payment/card/check/1662448187759")
        .match_header("authorization", "Basic RklOUEFZNzcwOlNvU2VjcmV0MTIz")
        .with_body(r#"{"responseCode":"2000000","responseMessage":"Success","data":{"order":{"id":"1662448187759","amount":1000,"currency":"IDR"},"result":{"payment":{"amount":1000,"status":"CAPTURED","statusDesc":null}}}}"#)
        .create_async()
        .await;
    let registry = GatewayRegistry::from_toml_str(&toml(&server.url(), "")).unwrap();
    let gateway = registry.gateway("finpay").unwrap();
    assert!(gateway.capabilities().contains(Capability::Void));
    let payment = gateway
        .payment_status(&OrderId::new("1662448187759").unwrap())
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(payment.status, PaymentStatus::Paid);
    assert_eq!(payment.provider_status, "CAPTURED");
    assert!(!format!("{registry:?}").contains("SoSecret123"));
}

#[test]
fn config_errors_point_at_the_finpay_key() {
    let base = "http://127.0.0.1:9";
    let err = GatewayRegistry::from_toml_str(&toml(base, "api_key = \"x\""))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("configuration error at gateways.finpay.api_key: unknown setting"),
        "{err}"
    );
    let err = GatewayRegistry::from_toml_str(&toml(base, "").replace("FINPAY770", "FIN:PAY"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("configuration error at gateways.finpay.merchant_id: must be"),
        "{err}"
    );
    let err = GatewayRegistry::from_toml_str(
        &toml(base, "").replace("merchant_key = \"SoSecret123\"", ""),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "configuration error at gateways.finpay.merchant_key: required setting is missing"
    );
}
