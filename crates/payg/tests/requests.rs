//! Every built request, snapshotted; the user's Refund and RefundStatus samples and the v2
//! create sample rebuilt from our types.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use common::*;
use paygate_core::time::macros::datetime;
use paygate_core::transport::HttpRequest;
use paygate_core::{CreatePayment, Customer, OrderId, TransactionId, Url};
use paygate_payg::ops::create::{CreateOrderRequest, IntegrationData, TransactionData};
use paygate_payg::ops::{create, detail, refund, refund_status, update};
use paygate_payg::wire::{CustomerData, UserDefinedData};
use paygate_payg::{ApiVersion, PaygConfig, RefundTarget};

fn id(text: &str) -> OrderId {
    OrderId::new(text).unwrap()
}

fn render(request: &HttpRequest) -> String {
    let mut out = format!("{} {}\n", request.method, request.url);
    for (name, value) in &request.headers {
        let shown = if value.is_sensitive() {
            "[sensitive]"
        } else {
            value.to_str().unwrap()
        };
        out.push_str(&format!("{name}: {shown}\n"));
    }
    out.push_str(&format!("operation: {}\n\n", request.operation));
    out.push_str(std::str::from_utf8(&request.body).unwrap());
    out
}

fn body(request: &HttpRequest) -> serde_json::Value {
    serde_json::from_slice(&request.body).unwrap()
}

fn sample(name: &str) -> serde_json::Value {
    serde_json::from_str(load(name).body.get()).unwrap()
}

const NOW: paygate_core::time::OffsetDateTime = datetime!(2023-06-22 20:00:00 UTC);

#[test]
fn detail_request() {
    insta::assert_snapshot!(render(
        &detail::build_detail(&config(), &id("210624M7963Ubd259588d4")).unwrap()
    ));
}

#[test]
fn create_from_the_unified_request() {
    let create = CreatePayment::new(id("TEST512scx3"), inr("100"))
        .unwrap()
        .description("OnlineOrder for OrderNo- 1234")
        .customer(
            Customer::new()
                .name("Ayush", "Rane")
                .email("ayush@example.com")
                .phone("7887673322"),
        )
        .return_url(Url::parse("https://payg.in").unwrap());
    let request = CreateOrderRequest::from_create(&create).unwrap();
    insta::assert_snapshot!(render(
        &create::build_create(&config(), &request, NOW).unwrap()
    ));
}

#[test]
fn update_request() {
    let notes = BTreeMap::from([("gift".to_owned(), "yes".to_owned())]);
    let r = update::build_update(
        &config(),
        &id("210624M7963Ubd259588d4"),
        &id("bd259588d4"),
        &inr("1"),
        &notes,
    )
    .unwrap();
    insta::assert_snapshot!(render(&r));
}

/// The user's Refund request sample, field for field (values from the sample).
#[test]
fn refund_request_is_the_seed_sample() {
    let config = PaygConfig::new(
        &paygate_core::secrecy::SecretString::from(AUTH_KEY),
        &paygate_core::secrecy::SecretString::from(AUTH_TOKEN),
        "8792",
        Some("3EMF9915EF35567".into()),
        ApiVersion::V1,
        &paygate_core::Environment::Production,
    )
    .unwrap();
    let target = RefundTarget {
        payment_type: "CreditCard".into(),
        payment_transaction_id: TransactionId::new("723333").unwrap(),
    };
    let request = refund::build_refund(
        &config,
        &id("18258220120M8792Uf3f5b5a14p"),
        &target,
        &inr("100"),
    )
    .unwrap();
    assert_eq!(
        request.url.as_str(),
        "https://paygapi.payg.in/payment/api/order/Refund"
    );
    let mut expected = sample("request_refund_seed");
    // The sample's placeholder MID and amount digits are its own; ours are the config's and
    // decimal(18,2).
    expected["MID"] = "3EMF9915EF35567".into();
    expected["RefundAmount"] = "100.00".into();
    assert_eq!(body(&request), expected);
    insta::assert_snapshot!(render(&request));
}

/// The user's RefundStatus request sample: `MerchantKeyId` and `TransactionId` numbers.
#[test]
fn refund_status_request_is_the_seed_sample() {
    let config = PaygConfig::new(
        &paygate_core::secrecy::SecretString::from(AUTH_KEY),
        &paygate_core::secrecy::SecretString::from(AUTH_TOKEN),
        "21764",
        Some("3EMF9915EF35567".into()),
        ApiVersion::V1,
        &paygate_core::Environment::Production,
    )
    .unwrap();
    let request = refund_status::build_refund_status(
        &config,
        &id("73304848231216M21764UTEST600021"),
        &TransactionId::new("72200157").unwrap(),
    )
    .unwrap();
    let mut expected = sample("request_refund_status_seed");
    expected["MID"] = "3EMF9915EF35567".into();
    assert_eq!(body(&request), expected);
    insta::assert_snapshot!(render(&request));
}

/// The official v2 create sample (A) rebuilt from our types; `OrderAmountData`, whose sample
/// contradicts its own rule (it must add up to `OrderAmount`), is not sent.
#[test]
fn v2_create_sample_rebuilt() {
    let config = PaygConfig::new(
        &paygate_core::secrecy::SecretString::from(AUTH_KEY),
        &paygate_core::secrecy::SecretString::from(AUTH_TOKEN),
        "7963",
        Some("3EMF9915EF35567".into()),
        ApiVersion::V2,
        &paygate_core::Environment::Sandbox,
    )
    .unwrap();
    let mut request = CreateOrderRequest::new(
        id("TEST512scx3"),
        inr("3"),
        "{'PaymentReason':'OnlineOrder for OrderNo- 1234'}".into(),
    );
    request.customer = serde_json::from_value::<CustomerData>(
        sample("request_create_v2_official")["CustomerData"].clone(),
    )
    .unwrap();
    request.integration = IntegrationData {
        user_name: "Ayush".into(),
        source: "3213".into(),
        integration_type: String::new(),
        hash_data: String::new(),
        platform_id: "1".into(),
    };
    request.order_type = Some(String::new());
    request.redirect_url = Some(Url::parse("https://payg.in").unwrap());
    request.transaction = Some(TransactionData {
        accepted_payment_types: Some(String::new()),
        payment_type: Some(String::new()),
        surcharge_type: Some(String::new()),
        surcharge_value: Some(String::new()),
        ref_transaction_id: Some(String::new()),
        industry_specification_code: Some(String::new()),
        partial_payment_option: Some(String::new()),
    });
    request.user_defined = Some(UserDefinedData(BTreeMap::from([(
        "UserDefined1".to_owned(),
        "".into(),
    )])));
    let http = create::build_create(&config, &request, NOW).unwrap();
    assert_eq!(
        http.url.as_str(),
        "https://uatapiv2.payg.in/payment/api/order/create"
    );
    let mut expected = sample("request_create_v2_official");
    expected.as_object_mut().unwrap().remove("OrderAmountData");
    expected["OrderAmount"] = "3.00".into();
    expected["Merchantkeyid"] = "7963".into();
    expected["RedirectUrl"] = "https://payg.in/".into();
    assert_eq!(body(&http), expected);
}

#[test]
fn invalid_input_is_refused_before_building() {
    let config = config();
    let target = RefundTarget {
        payment_type: "Upi".into(),
        payment_transaction_id: TransactionId::new("1").unwrap(),
    };
    assert!(
        refund::build_refund(
            &config,
            &id("A1"),
            &target,
            &paygate_core::Money::parse("1", paygate_core::Currency::USD).unwrap()
        )
        .is_err()
    );
    assert!(refund::build_refund(&config, &id("A1"), &target, &inr("0")).is_err());
    assert!(refund::build_refund(&config, &id("A-1"), &target, &inr("1")).is_err());
    assert!(
        refund_status::build_refund_status(&config, &id("A1"), &TransactionId::new("T-1").unwrap())
            .is_err()
    );
    let create = CreatePayment::new(id("ORDER-1"), inr("1")).unwrap();
    let request = CreateOrderRequest::from_create(&create).unwrap();
    let err = create::build_create(&config, &request, NOW)
        .unwrap_err()
        .to_string();
    assert!(err.contains("order_id") && err.contains("'-'"), "{err}");
    let notes: BTreeMap<String, String> = (0..16).map(|i| (i.to_string(), "x".into())).collect();
    assert!(update::build_update(&config, &id("A1"), &id("B1"), &inr("1"), &notes).is_err());
}
