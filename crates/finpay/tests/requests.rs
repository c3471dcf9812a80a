//! Every built request, snapshotted; the documented request samples rebuilt from our types.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use paygate_core::transport::HttpRequest;
use paygate_core::{CreatePayment, Customer, LineItem, OrderId, Url};
use paygate_finpay::ops::{cancel, check, initiate, open_payment, refund, void};
use paygate_finpay::wire::{self, InitiateRequest, SourceOfFunds};

fn id(text: &str) -> OrderId {
    OrderId::new(text).unwrap()
}

/// Method, URL, headers (credentials redacted) and body.
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

#[test]
fn check_request() {
    insta::assert_snapshot!(render(
        &check::build_check(&config(), &id("1662448187759")).unwrap()
    ));
}

#[test]
fn cancel_request() {
    insta::assert_snapshot!(render(
        &cancel::build_cancel(&config(), &id("FK002502070000196")).unwrap()
    ));
}

#[test]
fn void_request() {
    insta::assert_snapshot!(render(
        &void::build_void(&config(), &id("1662448187759")).unwrap()
    ));
}

#[test]
fn refund_request() {
    insta::assert_snapshot!(render(
        &refund::build_refund(&config(), &id("1662448187759"), &idr("500")).unwrap()
    ));
}

#[test]
fn open_payment_request() {
    insta::assert_snapshot!(render(
        &open_payment::build_open_payment(&config(), &channel("vabca"), &code("8804483313131312"))
            .unwrap()
    ));
    let account = paygate_finpay::OpenPaymentAccount::new(
        channel("vabca"),
        code("8804483313131312"),
        paygate_finpay::wire::Customer {
            id: Some("hajar@example.com".into()),
            email: Some("hajar@example.com".into()),
            first_name: Some("Hajar".into()),
            last_name: Some("Ismail".into()),
            mobile_phone: Some("+6281286288844".into()),
            ..Default::default()
        },
    );
    insta::assert_snapshot!(
        "open_payment_register_request",
        render(&open_payment::build_open_payment_write(&config(), &account, false).unwrap())
    );
    insta::assert_snapshot!(
        "open_payment_update_request",
        render(&open_payment::build_open_payment_write(&config(), &account, true).unwrap())
    );
    insta::assert_snapshot!(
        "open_payment_delete_request",
        render(
            &open_payment::build_open_payment_delete(
                &config(),
                &channel("vabca"),
                &code("8804483313131312")
            )
            .unwrap()
        )
    );
}

fn channel(sof_id: &str) -> paygate_finpay::VirtualAccountChannel {
    paygate_finpay::VirtualAccountChannel::new(sof_id).unwrap()
}

fn code(text: &str) -> paygate_finpay::PaymentCode {
    paygate_finpay::PaymentCode::new(text).unwrap()
}

#[test]
fn initiate_from_the_unified_request() {
    let create = CreatePayment::new(id("INV-2026-0001"), idr("150000"))
        .unwrap()
        .description("Order INV-2026-0001")
        .customer(
            Customer::new()
                .name("Budi", "")
                .email("budi@example.com")
                .phone("+6281234567890"),
        )
        .item(LineItem::new("Kopi", 3, idr("50000")).unwrap())
        .callback_url(Url::parse("https://shop.example/finpay/callback").unwrap())
        .return_url(Url::parse("https://shop.example/done").unwrap())
        .expires_in(std::time::Duration::from_secs(3600));
    let request = InitiateRequest::from_create(&create).unwrap();
    insta::assert_snapshot!(render(
        &initiate::build_initiate(&config(), &request).unwrap()
    ));
}

fn sample_value(name: &str) -> serde_json::Value {
    serde_json::from_str(load(name).body.get()).unwrap()
}

fn built_value(request: &InitiateRequest) -> serde_json::Value {
    let http = initiate::build_initiate(&config(), request).unwrap();
    serde_json::from_slice(&http.body).unwrap()
}

fn hajar(phone: &str) -> wire::Customer {
    wire::Customer {
        email: Some("hajar.finnet@gmail.com".into()),
        first_name: Some("Hajar".into()),
        last_name: Some("Ismail".into()),
        mobile_phone: Some(phone.into()),
        ..wire::Customer::default()
    }
}

/// The documented payment-code request (F2), rebuilt from our types, is the same JSON.
#[test]
fn documented_paycode_request_rebuilt() {
    let mut request = InitiateRequest::new(
        &id("1680576995412"),
        &idr("1000"),
        hajar("+6281286288844"),
        &Url::parse("https://sandbox.finpay.co.id/simdev/finpay/result/resultfailed.php").unwrap(),
    )
    .unwrap();
    request.order.currency = None;
    request.order.description = Some("Testing".into());
    request.source_of_funds = Some(SourceOfFunds {
        kind: Some("finpaycode".into()),
        payment_code: None,
        account_id: None,
        channel: None,
    });
    assert_eq!(
        built_value(&request),
        sample_value("request_paycode_official")
    );
}

/// The documented hosted request (F1): no sourceOfFunds.
#[test]
fn documented_hosted_request_rebuilt() {
    let mut request = InitiateRequest::new(
        &id("order123"),
        &idr("1000"),
        hajar("+6281286288844"),
        &Url::parse("https://sandbox.finpay.co.id/simdev/finpay/result/resultsuccess.php").unwrap(),
    )
    .unwrap();
    request.order.currency = None;
    request.order.description = Some("Testing".into());
    assert_eq!(
        built_value(&request),
        sample_value("request_hosted_official")
    );
}

/// The documented DANA request (F4) with items.
#[test]
fn documented_dana_request_rebuilt() {
    let url = "https://sandbox.finpay.co.id/simdev/finpay/result/resultsuccess.php";
    let mut request = InitiateRequest::new(
        &id("1680580078605"),
        &idr("200"),
        hajar("+6281286288844"),
        &Url::parse(url).unwrap(),
    )
    .unwrap();
    request.order.currency = None;
    request.order.description = Some("Testing".into());
    let item = wire::Item {
        name: "name".into(),
        quantity: "1".into(),
        unit_price: "100".into(),
        category: Some("apa".into()),
        description: Some("apalah".into()),
        sku: None,
    };
    request.order.item = vec![item.clone(), item];
    request.url.success_url = Some(url.into());
    request.url.fail_url =
        Some("https://sandbox.finpay.co.id/simdev/finpay/result/resultfailed.php".into());
    request.source_of_funds = Some(SourceOfFunds {
        kind: Some("dana".into()),
        payment_code: None,
        account_id: None,
        channel: None,
    });
    assert_eq!(built_value(&request), sample_value("request_dana_official"));
}

/// The documented recurring request (F6): the schedule passes through exactly.
#[test]
fn documented_recurring_request_rebuilt() {
    let sample = sample_value("request_recurring_official");
    let mut customer = hajar("+6281286288844");
    customer.id = Some("hajar.finnet@gmail.com".into());
    let mut request = InitiateRequest::new(
        &id("1686716101151"),
        &idr("1000"),
        customer,
        &Url::parse("https://sandbox.finpay.co.id/simdev/finpay/result/tangkapCurl.php").unwrap(),
    )
    .unwrap();
    request.order.description = Some("Testing".into());
    request.recurring = Some(wire::RawJson::new(sample["recurring"].to_string()).unwrap());
    request.source_of_funds = Some(SourceOfFunds {
        kind: Some("cc".into()),
        payment_code: None,
        account_id: None,
        channel: None,
    });
    assert_eq!(built_value(&request), sample);
}

#[test]
fn invalid_input_is_refused_before_building() {
    let too_long = id(&"A".repeat(31));
    assert!(check::build_check(&config(), &too_long).is_err());
    assert!(
        refund::build_refund(
            &config(),
            &id("A1"),
            &paygate_core::Money::parse("1.5", paygate_core::Currency::USD).unwrap()
        )
        .is_err()
    );
    assert!(refund::build_refund(&config(), &id("A1"), &idr("0")).is_err());
    assert!(refund::build_refund(&config(), &id("A1"), &idr("100000000000000")).is_err());
    for bad in ["88/04", "", "12a", &"1".repeat(31)] {
        assert!(paygate_finpay::PaymentCode::new(bad).is_err(), "{bad:?}");
    }
    for bad in ["bca", "va", "vaBCA", "va/bca", "cc", "vab"] {
        assert!(
            paygate_finpay::VirtualAccountChannel::new(bad).is_err(),
            "{bad:?}"
        );
    }
    assert!(paygate_finpay::VirtualAccountChannel::new("vamandiri").is_ok());
    let create = CreatePayment::new(id("A1"), idr("1000"))
        .unwrap()
        .callback_url(Url::parse("https://shop.example/cb").unwrap())
        .customer(Customer::new().phone("081234567890"));
    let err = InitiateRequest::from_create(&create)
        .unwrap_err()
        .to_string();
    assert!(err.contains("E.164"), "{err}");
    let no_callback = CreatePayment::new(id("A1"), idr("1000"))
        .unwrap()
        .customer(Customer::new().phone("+6281234567890"));
    assert!(
        InitiateRequest::from_create(&no_callback)
            .unwrap_err()
            .to_string()
            .contains("callback")
    );
}
