//! The registry facade: gateways in code and from TOML, used as `Arc<dyn PaymentGateway>`.

// Test code may unwrap and index: a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use paygate::secrecy::SecretString;
use paygate::transport::{ReqwestTransport, Transport};
use paygate::{
    Capability, CreatePayment, Currency, Error, ErrorClass, GatewayRegistry, Money, Operation,
    OrderId, PaymentGateway, PaymentStatus, RefundRequest, RefundStatusRequest,
};
use paygate_tests::{LedgerFactory, LedgerGateway};

const SECRET: &str = "ledger-key-3c1f9a0e7b4d4e2f";

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

fn config(extra: &str) -> String {
    format!(
        r#"
        [gateways.ledger-usd]
        provider = "ledger"
        environment = "sandbox"
        api_key = "{SECRET}"

        [gateways.ledger-khr]
        provider = "ledger"
        environment = "http://127.0.0.1:1/ledger"
        api_key = "env:PATH"
        {extra}
        "#
    )
}

#[tokio::test]
async fn a_gateway_lives_its_life_through_the_registry() {
    let transport: Arc<dyn Transport> = Arc::new(ReqwestTransport::with_defaults().unwrap());
    let ledger = Arc::new(LedgerGateway::new(
        SecretString::from(SECRET),
        transport.clone(),
    ));
    let registry = GatewayRegistry::builder()
        .transport(transport)
        .gateway("shop", ledger.clone())
        .build()
        .unwrap();
    let gateway: Arc<dyn PaymentGateway> = registry.gateway("shop").unwrap();
    assert_eq!(gateway.provider(), "ledger");
    assert!(!format!("{gateway:?}").contains(SECRET));

    let order = OrderId::new("ORDER-0001").unwrap();
    let checkout = gateway
        .create_payment(&CreatePayment::new(order.clone(), usd("10.00")).unwrap())
        .await
        .unwrap();
    assert_eq!(checkout.order_id, order);
    assert_eq!(
        gateway.payment_status(&order).await.unwrap().status,
        PaymentStatus::Pending
    );

    // Refunding an unpaid order is refused as an invalid state, by the write pipeline's
    // check: the app's gateway is not asked.
    let err = gateway
        .refund(&RefundRequest::new(order.clone(), usd("1")).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.class(), paygate::ErrorClass::InvalidState, "{err}");

    // The customer pays (outside the trait), then two partial refunds and one too many.
    ledger.mark_paid(&order).unwrap();
    let first = gateway
        .refund(&RefundRequest::new(order.clone(), usd("3.00")).unwrap())
        .await
        .unwrap();
    assert_eq!(first.payment_status, Some(PaymentStatus::PartiallyRefunded));
    let second = gateway
        .refund(&RefundRequest::new(order.clone(), usd("2.50")).unwrap())
        .await
        .unwrap();
    assert_eq!(second.total_refunded, Some(usd("5.50")));
    let too_much = gateway
        .refund(&RefundRequest::new(order.clone(), usd("4.51")).unwrap())
        .await
        .unwrap_err();
    // More than is left: refused by the pipeline's check, unsent.
    assert_eq!(
        too_much.class(),
        paygate::ErrorClass::InvalidInput,
        "{too_much}"
    );
    let status = gateway
        .refund_status(&RefundStatusRequest::new(order.clone()))
        .await
        .unwrap();
    assert_eq!(status.total_refunded, Some(usd("5.50")));
    let payment = gateway.payment_status(&order).await.unwrap();
    assert_eq!(payment.refundable_amount(), Some(usd("4.50")));

    // What it does not declare, it does not do.
    assert!(!gateway.capabilities().contains(Capability::Void));
    let err = gateway.void(&(&order).into()).await.unwrap_err();
    assert!(matches!(
        err,
        Error::Unsupported {
            provider: "ledger",
            operation: Operation::Void
        }
    ));
}

#[tokio::test]
async fn gateways_from_toml_share_one_transport() {
    let factory = Arc::new(LedgerFactory::default());
    let registry = GatewayRegistry::builder()
        .factory(factory.clone())
        .toml_str(&config(""))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(
        registry.names().collect::<Vec<_>>(),
        ["ledger-khr", "ledger-usd"]
    );
    assert_eq!(registry.len(), 2);
    assert_eq!(registry.gateway("ledger-usd").unwrap().provider(), "ledger");
    let debug = format!("{registry:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    let err = registry.gateway("ledger-eur").unwrap_err().to_string();
    assert_eq!(
        err,
        "configuration error at gateways.ledger-eur: no such gateway; configured: ledger-khr, ledger-usd"
    );
    // Both instances got the registry's transport: one connection pool.
    let handed_out = factory.transports();
    assert_eq!(handed_out.len(), 2);
    for transport in &handed_out {
        assert!(Arc::ptr_eq(transport, registry.dispatcher().transport()));
    }
}

#[test]
fn config_errors_name_the_place_and_never_the_secret() {
    let build = |text: &str| {
        GatewayRegistry::builder()
            .factory(Arc::new(LedgerFactory::default()))
            .toml_str(text)
            .and_then(|b| b.build())
            .unwrap_err()
    };
    // A provider nobody knows.
    let text = build(&config(
        "[gateways.x]\nprovider = \"stripe\"\nenvironment = \"sandbox\"",
    ))
    .to_string();
    assert_eq!(
        text,
        "configuration error at gateways.x.provider: unknown provider \"stripe\"; available: finpay, ledger, payg, payway"
    );
    // A typo in a key, an unset variable, a missing secret.
    let text = build(&config(&format!(
        "[gateways.typo]\nprovider = \"ledger\"\nenvironment = \"sandbox\"\napi_kye = \"{SECRET}\""
    )))
    .to_string();
    assert!(
        text.starts_with("configuration error at gateways.typo.api_kye: unknown setting"),
        "{text}"
    );
    assert!(!text.contains(SECRET));
    let text = build(&config(
        "[gateways.env]\nprovider = \"ledger\"\nenvironment = \"sandbox\"\napi_key = \"env:PAYGATE_SURELY_UNSET\"",
    ))
    .to_string();
    assert_eq!(
        text,
        "configuration error at gateways.env.api_key: environment variable PAYGATE_SURELY_UNSET is not set"
    );
    let text = build(&config(
        "[gateways.nokey]\nprovider = \"ledger\"\nenvironment = \"sandbox\"",
    ))
    .to_string();
    assert_eq!(
        text,
        "configuration error at gateways.nokey.api_key: required setting is missing"
    );
    // A production URL over plain http.
    let text = build(&config(
        "[gateways.http]\nprovider = \"ledger\"\nenvironment = \"http://pay.example.com\"\napi_key = \"k\"",
    ))
    .to_string();
    assert!(
        text.contains("gateways.http.environment") && text.contains("loopback"),
        "{text}"
    );
    // The same name twice.
    let ledger: Arc<dyn PaymentGateway> = Arc::new(LedgerGateway::new(
        SecretString::from(SECRET),
        Arc::new(ReqwestTransport::with_defaults().unwrap()),
    ));
    let err = GatewayRegistry::builder()
        .factory(Arc::new(LedgerFactory::default()))
        .gateway("ledger-usd", ledger)
        .toml_str(&config(""))
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration error at gateways.ledger-usd: a gateway of this name is already registered"
    );
    assert_eq!(err.class(), ErrorClass::Config);
    assert!(!format!("{err:?}").contains(SECRET));
}

#[test]
fn an_empty_registry_says_so() {
    let registry = GatewayRegistry::builder().build().unwrap();
    assert!(registry.is_empty());
    assert_eq!(
        registry.gateway("any").unwrap_err().to_string(),
        "configuration error at gateways.any: no such gateway; none is configured"
    );
}

#[test]
fn one_broken_gateway_leaves_the_others_usable_when_asked() {
    let toml = format!(
        "{}\n[gateways.broken]\nprovider = \"ledger\"\nenvironment = \"sandbox\"\napi_key = \"env:PAYGATE_TEST_SURELY_UNSET_VARIABLE\"\n",
        config("")
    );
    let builder = || {
        GatewayRegistry::builder()
            .factory(Arc::new(LedgerFactory::default()))
            .toml_str(&toml)
            .unwrap()
    };
    // All or nothing: the broken table fails the build, named.
    let err = builder().build().unwrap_err().to_string();
    assert!(err.contains("gateways.broken.api_key"), "{err}");
    // What can be built is built; the broken one is reported, not hidden.
    let (registry, failures) = builder().build_available().unwrap();
    assert_eq!(
        registry.names().collect::<Vec<_>>(),
        ["ledger-khr", "ledger-usd"]
    );
    assert_eq!(failures.len(), 1);
    let failure = failures[0].to_string();
    assert!(failure.contains("gateways.broken.api_key"), "{failure}");
    assert!(
        failure.contains("PAYGATE_TEST_SURELY_UNSET_VARIABLE"),
        "{failure}"
    );
    assert_eq!(failures[0].class(), ErrorClass::Config);
}
