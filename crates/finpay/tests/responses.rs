//! Every documented Finpay sample (research §13 and the user's seed), read through the native
//! model and the unified one; each snapshot names its source.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use common::*;
use paygate_core::OrderId;
use paygate_core::http::HeaderMap;
use paygate_core::transport::HttpResponse;
use paygate_finpay::gateway;
use paygate_finpay::ops::{cancel, check, initiate, open_payment, refund, void};
use paygate_finpay::webhook;

fn read(name: &str) -> String {
    let sample = load(name);
    let r = HttpResponse::json(sample.http_status, sample.body.get().as_bytes().to_vec());
    let order = OrderId::new("1662448187759").unwrap();
    let out = match sample.endpoint.as_str() {
        "initiate" => initiate::parse_initiate(&r).and_then(|n| {
            let native = format!("{:#?}", n.body);
            Ok(format!(
                "{native}\n{:#?}",
                gateway::checkout_from_initiate(&order, n)?
            ))
        }),
        "check" => check::parse_check(&r).and_then(|n| {
            let native = format!("{:#?}", n.body);
            Ok(format!(
                "{native}\n{:#?}",
                gateway::payment_from_check(&order, n)?
            ))
        }),
        "refund" => refund::parse_refund(&r).map(|n| {
            let native = format!("{:#?}", n.body);
            format!(
                "{native}\n{:#?}",
                gateway::refund_from_refund_answer(&order, &idr("500"), n)
            )
        }),
        "void" => void::parse_void(&r).map(|n| {
            let native = format!("{:#?}", n.body);
            format!("{native}\n{:#?}", gateway::payment_from_void(&order, n))
        }),
        "cancel" => cancel::parse_cancel(&r).map(|n| {
            let native = format!("{:#?}", n.body);
            format!("{native}\n{:#?}", gateway::payment_from_cancel(&order, n))
        }),
        "open-payment" => open_payment::parse_open_payment(&r).map(|n| format!("{:#?}", n.body)),
        "open-payment-delete" => {
            open_payment::parse_open_payment_delete(&r).map(|n| format!("{:#?}", n.body))
        }
        "open-payment-register" => {
            let account = paygate_finpay::OpenPaymentAccount::new(
                paygate_finpay::VirtualAccountChannel::new("vabca").unwrap(),
                paygate_finpay::PaymentCode::new("8804483313131312").unwrap(),
                paygate_finpay::wire::Customer::default(),
            );
            paygate_core::transport::Call::read_response(
                &open_payment::OpenPaymentWriteCall {
                    account: &account,
                    update: false,
                },
                &r,
            )
            .map(|n| format!("{:#?}", n.body))
        }
        "callback" => webhook::verify(&config(), sample.body.get().as_bytes(), &HeaderMap::new())
            .map(|e| format!("{e:#?}")),
        "initiate-request" | "cancel-request" => return String::new(),
        other => panic!("unknown endpoint {other}"),
    };
    match out {
        Ok(text) => format!("source: {}\n\n{text}", sample.source),
        Err(e) => format!(
            "source: {}\n\nerror ({}): {e}\n{e:#?}",
            sample.source,
            e.class()
        ),
    }
}

macro_rules! samples {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(read(stringify!($name)));
        }
    )*};
}

samples!(
    initiate_paycode_official,
    initiate_card_official,
    initiate_hosted_3p,
    check_captured_official,
    check_seed_envelope,
    refund_seed_success,
    void_seed_success,
    cancel_seed_success,
    cancel_success_official,
    open_payment_delete_composed,
    open_payment_register_composed,
    open_payment_register_taken_composed,
    open_payment_check_official,
    delete_card_official,
    error_unauthorized_3p,
    error_not_found_3p,
    error_not_permitted_live,
    error_invalid_status_live,
    callback_official,
    callback_nested_3p,
);

/// Request samples are checked in requests.rs; every other sample file has a test above.
#[test]
fn every_sample_is_read() {
    let listed = include_str!("responses.rs");
    for entry in
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples")).unwrap()
    {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let stem = name.trim_end_matches(".json");
        if stem.starts_with("request_") {
            continue;
        }
        assert!(
            listed.contains(&format!("    {stem},")),
            "sample {name} has no test"
        );
    }
}
