//! Every documented PayWay sample (research §7 and the user's seed), read through the native
//! model and the unified one; each snapshot names the sample file, which names its source.

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
use paygate_core::transport::Call;
use paygate_core::transport::HttpResponse;
use paygate_core::{Error, OrderId, ProviderErrorKind};
use paygate_payway::ops::purchase::{PurchaseRequest, form};
use paygate_payway::ops::{
    check_transaction, close_transaction, exchange_rate, generate_qr, payment_link, pre_auth,
    purchase, refund, token_link, token_management, token_payment, transaction_detail,
    transaction_list, transactions_by_ref,
};
use paygate_payway::{Endpoint, gateway, webhook};
use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct Sample {
    source: String,
    endpoint: String,
    http_status: u16,
    body: Box<RawValue>,
}

fn load(name: &str) -> Sample {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/samples")
        .join(format!("{name}.json"));
    let sample: Sample = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(!sample.source.is_empty());
    sample
}

fn response(sample: &Sample) -> HttpResponse {
    HttpResponse::json(sample.http_status, sample.body.get().as_bytes().to_vec())
}

/// The transaction a sample is about: the `status.tran_id` it names, else a fixed id (the
/// unified conversions refuse an answer about another transaction).
fn order_of(sample: &Sample) -> OrderId {
    let body: serde_json::Value = serde_json::from_str(sample.body.get()).unwrap();
    let named = body
        .pointer("/status/tran_id")
        .and_then(|v| v.as_str())
        .filter(|t| !t.is_empty() && *t != "…");
    OrderId::new(named.unwrap_or("17394277693")).unwrap()
}

/// Reads a sample as its endpoint does, snapshotting native and unified views (or the error).
fn read(name: &str) -> String {
    let sample = load(name);
    let r = response(&sample);
    let id = order_of(&sample);
    let config = config();
    let out = match sample.endpoint.as_str() {
        "check-transaction" => check_transaction::parse_check_transaction(&r).and_then(|n| {
            let native = format!("{:#?}", n.body);
            let unified = gateway::payment_from_check_transaction(&config, &id, n)?;
            Ok(format!("{native}\n{unified:#?}"))
        }),
        "transaction-detail" => {
            transaction_detail::parse_transaction_detail(&r).map(|n| format!("{:#?}", n.body))
        }
        "close-transaction" => close_transaction::parse_close_transaction(&r).and_then(|n| {
            let native = format!("{:#?}", n.body);
            let unified = gateway::payment_from_close_transaction(&id, n)?;
            Ok(format!("{native}\n{unified:#?}"))
        }),
        "transaction-list" => {
            transaction_list::parse_transaction_list(&r).map(|n| format!("{:#?}", n.body))
        }
        "exchange-rate" => exchange_rate::parse_exchange_rate(&r).map(|n| format!("{:#?}", n.body)),
        "refund" => refund::parse_refund(&r).and_then(|n| {
            let native = format!("{:#?}", n.body);
            let unified = gateway::refund_from_refund_answer(&id, &usd("0.09"), n)?;
            Ok(format!("{native}\n{unified:#?}"))
        }),
        "pre-auth-completion" => pre_auth::parse_completion(&r).and_then(|n| {
            let native = format!("{:#?}", n.body);
            let unified =
                gateway::payment_from_pre_auth(&config, Endpoint::PreAuthCompletion, &id, None, n)?;
            Ok(format!("{native}\n{unified:#?}"))
        }),
        "pre-auth-cancellation" => pre_auth::parse_cancellation(&r).and_then(|n| {
            let native = format!("{:#?}", n.body);
            let unified = gateway::payment_from_pre_auth(
                &config,
                Endpoint::PreAuthCancellation,
                &id,
                None,
                n,
            )?;
            Ok(format!("{native}\n{unified:#?}"))
        }),
        "purchase" => {
            let f = form(
                &config,
                &PurchaseRequest::new(OrderId::new("ORDER-0001").unwrap(), usd("10")),
                NOW,
            )
            .unwrap();
            purchase::parse_purchase(&r, &f).and_then(|n| {
                let action = n.body.next_action()?;
                Ok(format!("{:#?}\n{action:#?}", n.body))
            })
        }
        "generate-qr" => generate_qr::parse_generate_qr(&r).map(|n| format!("{:#?}", n.body)),
        "payment-link-create" => payment_link::parse_create(&r).map(|n| format!("{:#?}", n.body)),
        "payment-link-detail" => payment_link::parse_detail(&r).map(|n| format!("{:#?}", n.body)),
        "payment-link-void" => payment_link::parse_void(&r).map(|n| format!("{:#?}", n.body)),
        "get-transactions-by-mc-ref" => transactions_by_ref::parse_transactions_by_ref(
            &r,
            &paygate_payway::MerchantRef::new("INV-42").unwrap(),
        )
        .map(|n| format!("{:#?}", n.body)),
        "link-account" => token_link::parse_account_link(&r).map(|n| format!("{:#?}", n.body)),
        "get-token-details" => token_management::TokenDetailsCall {
            request_id: &paygate_payway::LinkRequestId::new("link-0001").unwrap(),
        }
        .read_response(&r)
        .map(|n| format!("{:#?}", n.body)),
        "payment-credential" => {
            token_payment::parse_token_payment(&r, &OrderId::new("SUB-0001").unwrap())
                .map(|n| format!("{:#?}", n.body))
        }
        "renew-expired-account-token" | "remove-token" => {
            let ctid = paygate_payway::ConsumerTokenId::new("cust-0001").unwrap();
            let pwt = paygate_payway::PaymentToken::new("pwt-test-0001").unwrap();
            let answer = if sample.endpoint == "remove-token" {
                token_management::TokenRemoveCall {
                    ctid: &ctid,
                    pwt: &pwt,
                }
                .read_response(&r)
            } else {
                token_management::TokenRenewCall {
                    ctid: &ctid,
                    pwt: &pwt,
                    request_id: &paygate_payway::LinkRequestId::new("renew-0001").unwrap(),
                }
                .read_response(&r)
            };
            answer.map(|n| format!("{:#?}", n.body))
        }
        "pushback" => webhook::verify(&config, sample.body.get().as_bytes(), &HeaderMap::new())
            .map(|event| format!("{event:#?}")),
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
    check_success_seed,
    check_success_official,
    check_not_found_official,
    check_not_found_live,
    check_pending_live,
    check_pending_mirror,
    check_rate_limited_live,
    check_status_in_data_schema,
    check_not_found_status_in_data_schema,
    detail_status_in_data_schema,
    detail_composed,
    close_success_official,
    close_wrong_hash_official,
    list_success_mirror,
    list_invalid_merchant_mirror,
    exchange_rate_success_mirror,
    exchange_rate_invalid_merchant_mirror,
    refund_success_official,
    refund_wrong_hash_official,
    pre_auth_completion_success_mirror,
    pre_auth_cancellation_success_mirror,
    pre_auth_invalid_transaction_mirror,
    cof_validation_live,
    purchase_khqr_deeplink_official,
    purchase_measured_live,
    purchase_wrong_hash_official,
    generate_qr_success_composed,
    generate_qr_wrong_hash_composed,
    generate_qr_without_qr_composed,
    payment_link_create_official,
    by_ref_success_composed,
    by_ref_other_reference_composed,
    by_ref_not_provisioned_live,
    payment_link_create_invalid_live,
    payment_link_create_without_link_composed,
    payment_link_detail_official,
    payment_link_detail_unknown_live,
    payment_link_void_success_live,
    payment_link_void_twice_live,
    token_link_account_composed,
    token_link_account_flag_not_enabled_live,
    token_link_account_invalid_flag_live,
    token_link_account_without_link_composed,
    token_details_active_composed,
    token_details_not_found_live,
    token_payment_accepted_composed,
    token_payment_invalid_token_live,
    token_payment_other_transaction_composed,
    token_payment_undocumented_code_composed,
    token_renew_invalid_token_live,
    token_remove_success_live,
    pushback_current_official,
    pushback_legacy_official,
    pushback_payment_link_live,
    pushback_khqr_webhook_official,
);

/// Every sample file is covered by a test above.
#[test]
fn every_sample_is_read() {
    let listed = include_str!("responses.rs");
    for entry in
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples")).unwrap()
    {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let stem = name.trim_end_matches(".json");
        assert!(
            listed.contains(&format!("    {stem},")),
            "sample {name} has no test"
        );
    }
}

/// The seed's sample: 0.1 USD read exactly, an explicit +07:00 offset.
#[test]
fn seed_sample_reads_exactly() {
    let sample = load("check_success_seed");
    let native = check_transaction::parse_check_transaction(&response(&sample)).unwrap();
    let payment =
        gateway::payment_from_check_transaction(&config(), &order_of(&sample), native).unwrap();
    assert_eq!(payment.amount, Some(usd("0.10")));
    assert_eq!(payment.status, paygate_core::PaymentStatus::Paid);
    assert_eq!(
        payment.created_at.unwrap().to_string(),
        "2025-02-13 13:55:25.0 +07:00:00"
    );
}

#[test]
fn rate_limit_in_a_403_is_rate_limiting() {
    let err =
        check_transaction::parse_check_transaction(&response(&load("check_rate_limited_live")))
            .unwrap_err();
    let Error::Provider(p) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(p.kind, ProviderErrorKind::RateLimited { retry_after: None });
    assert_eq!(p.http_status, Some(403));
    assert!(err.is_retryable());
}
