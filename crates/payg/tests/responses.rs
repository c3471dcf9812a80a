//! Every PayG sample (research §11 and the user's seed), read through the native model and the
//! unified one; each snapshot names its source.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use common::*;
use paygate_core::http::HeaderMap;
use paygate_core::transport::HttpResponse;
use paygate_core::{Error, Operation, OrderId};
use paygate_payg::gateway;
use paygate_payg::ops::{create, detail, refund, refund_status};
use paygate_payg::webhook;

fn read(name: &str) -> String {
    let sample = load(name);
    let r = HttpResponse::json(sample.http_status, sample.body.get().as_bytes().to_vec());
    // The order a sample is about: the `OrderKeyId` it names (answers about another order are
    // refused by the unified conversions).
    let named = serde_json::from_str::<serde_json::Value>(sample.body.get())
        .ok()
        .and_then(|v| v.get("OrderKeyId")?.as_str().map(str::to_owned))
        .filter(|k| !k.is_empty());
    let unique = serde_json::from_str::<serde_json::Value>(sample.body.get())
        .ok()
        .and_then(|v| v.get("UniqueRequestId")?.as_str().map(str::to_owned))
        .filter(|k| !k.is_empty());
    let key = OrderId::new(named.as_deref().unwrap_or("210923M8340Uf3f5b5c13h")).unwrap();
    let out = match sample.endpoint.as_str() {
        "create" => create::parse_create(&r).and_then(|n| {
            let native = format!("{:#?}", n.body);
            Ok(format!(
                "{native}\n{:#?}",
                gateway::checkout_from_create(
                    &OrderId::new(unique.as_deref().unwrap_or("AA10030")).unwrap(),
                    n
                )?
            ))
        }),
        "detail" => detail::parse_detail(&r).and_then(|n| {
            let native = format!("{:#?}", n.body);
            Ok(format!(
                "{native}\n{:#?}",
                gateway::payment_from_detail(&key, Operation::PaymentStatus, n)?
            ))
        }),
        "refund" => refund::parse_refund(&r).and_then(|n| {
            let native = format!("{:#?}", n.body);
            let unified =
                gateway::refund_from_order(Operation::Refund, &key, Some(&inr("100")), n)?;
            Ok(format!("{native}\n{unified:#?}"))
        }),
        "refund-status" => refund_status::parse_refund_status(&r).and_then(|n| {
            let native = format!("{:#?}", n.body);
            let unified = gateway::refund_from_order(Operation::RefundStatus, &key, None, n)?;
            Ok(format!("{native}\n{unified:#?}"))
        }),
        "postback" => webhook::parse_postback(sample.body.get().as_bytes(), &HeaderMap::new())
            .map(|(_, e)| format!("{e:#?}")),
        other if other.ends_with("-request") => return String::new(),
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
    refund_response_seed_corrected,
    refund_status_response_seed,
    create_response_slate,
    create_response_production_3p,
    postback_paid_official,
    error_array_composed,
    error_object_composed,
    error_in_200_composed,
);

/// The seed's refund answer as published is not JSON: a clear decode error with an excerpt.
#[test]
fn the_published_refund_sample_is_a_clear_decode_error() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/samples/refund_response_seed_as_published.txt");
    let body = std::fs::read(path).unwrap();
    let err = refund::parse_refund(&HttpResponse::json(200, body)).unwrap_err();
    let Error::UnexpectedBody(b) = &err else {
        panic!("{err:?}")
    };
    assert!(b.reason.contains("expected `,` or `}`"), "{}", b.reason);
    assert!(b.reason.contains("line 90"), "{}", b.reason);
    assert!(
        b.excerpt
            .starts_with("{ \"OrderKeyId\":\"210923M8340Uf3f5b5c13h\""),
        "{}",
        b.excerpt
    );
    assert!(
        err.outcome_unknown(),
        "a refund answer we cannot read leaves the outcome unknown"
    );
}

/// The seed's amounts: `OrderAmount` 100.0 and a transaction of 1.00, read exactly.
#[test]
fn seed_amounts_are_exact() {
    let sample = load("refund_status_response_seed");
    let native = refund_status::parse_refund_status(&HttpResponse::json(
        200,
        sample.body.get().as_bytes().to_vec(),
    ))
    .unwrap();
    assert_eq!(native.body.order_amount.unwrap().to_string(), "100.0");
    let detail = native.body.order_payment_transaction_detail.unwrap();
    assert_eq!(detail[0].transaction_amount.unwrap().to_string(), "1.00");
    assert_eq!(detail[1].transaction_id.as_deref(), Some("72260357"));
}

#[test]
fn every_sample_is_read() {
    let listed = include_str!("responses.rs");
    for entry in
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples")).unwrap()
    {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let Some(stem) = name.strip_suffix(".json") else {
            continue;
        };
        if stem.starts_with("request_") {
            continue;
        }
        assert!(
            listed.contains(&format!("    {stem},")),
            "sample {name} has no test"
        );
    }
}
