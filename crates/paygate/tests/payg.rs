//! PayG through the facade: configured from TOML, used as `Arc<dyn PaymentGateway>`.

#![cfg(feature = "payg")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use paygate::{Capability, GatewayRegistry, OrderId, PaymentStatus};

const MID: &str = "mid = \"3EMF9915EF35567\"";

fn toml(base: &str, extra: &str) -> String {
    format!(
        r#"
        [gateways.payg-in]
        provider = "payg"
        environment = "{base}"
        authentication_key = "a5aece5875a04044bff491de7341ef4a"
        authentication_token = "e2da26161b4b48fc95b59daf2191fb33"
        merchant_key_id = "7771"
        {extra}
        "#
    )
}

#[tokio::test]
async fn status_through_the_registry() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/payment/api/order/Detail")
        .match_header("authorization", "basic YTVhZWNlNTg3NWEwNDA0NGJmZjQ5MWRlNzM0MWVmNGE6ZTJkYTI2MTYxYjRiNDhmYzk1YjU5ZGFmMjE5MWZiMzM6TTo3Nzcx")
        .with_body(r#"{"OrderKeyId":"210624M7771UTEST1","MerchantKeyId":7771,"OrderAmount":1.00,"PaymentResponseCode":1,"PaymentResponseText":"Approved"}"#)
        .create_async()
        .await;
    let base = format!("{}/payment/api/order", server.url());
    let registry = GatewayRegistry::from_toml_str(&toml(&base, MID)).unwrap();
    let gateway = registry.gateway("payg-in").unwrap();
    assert!(!gateway.capabilities().contains(Capability::Void));
    let payment = gateway
        .payment_status(&OrderId::new("210624M7771UTEST1").unwrap())
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(payment.status, PaymentStatus::Paid);
    assert!(!format!("{registry:?}").contains("e2da26161b4b48fc95b59daf2191fb33"));
}

#[test]
fn config_errors_point_at_the_payg_key() {
    let base = "http://127.0.0.1:9";
    let err = |extra: &str| {
        GatewayRegistry::from_toml_str(&toml(base, extra))
            .unwrap_err()
            .to_string()
    };
    // The gateway offers refunds, and PayG's Refund and RefundStatus need the MID.
    assert_eq!(
        err(""),
        "configuration error at gateways.payg-in.mid: PayG's Refund and RefundStatus require the MID (from the PayG dashboard): this gateway offers refunds"
    );
    assert_eq!(
        err("api_version = \"v3\""),
        "configuration error at gateways.payg-in.api_version: must be \"v1\" or \"v2\""
    );
    assert_eq!(
        err("api_version = \"v2\""),
        "configuration error at gateways.payg-in.mid: API v2 needs the MID"
    );
    assert_eq!(
        err("authorization_id = \"mid\""),
        "configuration error at gateways.payg-in.authorization_id: \"mid\" needs the MID"
    );
    let bad_id = GatewayRegistry::from_toml_str(&toml(base, "").replace("\"7771\"", "\"77x1\""))
        .unwrap_err()
        .to_string();
    assert_eq!(
        bad_id,
        "configuration error at gateways.payg-in.merchant_key_id: must be the numeric MerchantKeyId"
    );
    assert!(
        GatewayRegistry::from_toml_str(&toml(
            base,
            "mid = \"3EMF9915EF35567\"\napi_version = \"v2\""
        ))
        .is_ok()
    );
}
