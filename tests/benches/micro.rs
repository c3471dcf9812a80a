//! Micro-benchmarks of the work the SDK does around each HTTP exchange: PayWay's hash per
//! endpoint and `merchant_auth` RSA, Finpay's callback verification, building every request
//! and parsing every status answer, and a whole `dyn PaymentGateway::payment_status` call
//! against an in-memory transport (the SDK's full cost per call, network excluded).
//!
//! Keys, configurations, clients and registries are made once, outside the measured loops,
//! as an application makes them. Run: `cargo bench -p paygate-tests --bench micro`.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use paygate::clock::OsRandom;
use paygate::finpay::{self, FinpayConfig};
use paygate::payg::{self, ApiVersion, PaygConfig, RefundTarget};
use paygate::payway::endpoint::order;
use paygate::payway::sign as payway_sign;
use paygate::payway::{self, MerchantAuthKey, PaywayConfig, PurchaseRequest, TransactionListQuery};
use paygate::sandbox::{Credentials, PAYWAY_PUBLIC_KEY_PEM};
use paygate::secrecy::SecretString;
use paygate::time::OffsetDateTime;
use paygate::transport::{HttpRequest, HttpResponse, Transport};
use paygate::webhook::WebhookSigner;
use paygate::{
    CreatePayment, Currency, Customer, Environment, GatewayRegistry, LineItem, Money, OrderId,
    TransactionId, TransportFailure, Url, async_trait,
};
use paygate_core::signing::HmacSha512Key;
use paygate_tests::fixtures;

fn id(text: &str) -> OrderId {
    OrderId::new(text).unwrap()
}

fn money(text: &str, currency: Currency) -> Money {
    Money::parse(text, currency).unwrap()
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn payway_config() -> PaywayConfig {
    let c = Credentials::default();
    PaywayConfig::new(
        &c.payway.merchant_id,
        &SecretString::from(c.payway.api_key),
        Environment::Sandbox,
    )
    .unwrap()
    .with_rsa_public_key_pem(PAYWAY_PUBLIC_KEY_PEM)
    .unwrap()
}

fn finpay_config() -> FinpayConfig {
    let c = Credentials::default();
    FinpayConfig::new(
        &c.finpay.merchant_id,
        &SecretString::from(c.finpay.merchant_key),
        Environment::Sandbox,
    )
    .unwrap()
}

fn payg_config() -> PaygConfig {
    let c = Credentials::default();
    PaygConfig::new(
        &SecretString::from(c.payg.authentication_key),
        &SecretString::from(c.payg.authentication_token),
        &c.payg.merchant_key_id,
        Some("3EMF9915EF35567".to_owned()),
        ApiVersion::V1,
        &Environment::Sandbox,
    )
    .unwrap()
}

/// The recorded answer to a paid order's status check (tests/fixtures, from the sandbox).
fn status_answer(provider: &str) -> HttpResponse {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let fixture =
        fixtures::read(&dir.join(provider).join("payment-status").join("paid.json")).unwrap();
    let exchange = fixture.exchanges.last().unwrap();
    HttpResponse::json(exchange.status, exchange.response_body.clone().into_bytes())
}

/// The hashed values of a built JSON request, in the endpoint's order.
fn hashed_values(request: &HttpRequest, order: &[&str]) -> Vec<String> {
    let body: BTreeMap<String, serde_json::Value> = serde_json::from_slice(&request.body).unwrap();
    order
        .iter()
        .map(|name| match body.get(*name) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        })
        .collect()
}

fn payway_benches(c: &mut Criterion) {
    let config = payway_config();
    let random = OsRandom;
    let tran = id("17394277693");
    let t = now();
    let api_key = HmacSha512Key::new(Credentials::default().payway.api_key.as_bytes()).unwrap();

    let mut purchase = PurchaseRequest::new(id("ORDER-0001"), money("4000", Currency::KHR));
    purchase.payment_option = Some("abapay_khqr".into());
    purchase.pushback_url = Some(Url::parse("https://shop.example/payway/pushback").unwrap());
    let list = TransactionListQuery {
        from: Some(t - paygate::time::Duration::days(2)),
        to: Some(t),
        ..TransactionListQuery::default()
    };

    // The hash alone, per endpoint, over the values the builder really sends.
    let mut hash = c.benchmark_group("payway/hash");
    let signed: Vec<(&str, &[&str], Vec<String>)> = vec![
        (
            "check_transaction",
            order::CHECK_TRANSACTION,
            hashed_values(
                &payway::ops::check_transaction::build_check_transaction(&config, &tran, t)
                    .unwrap(),
                order::CHECK_TRANSACTION,
            ),
        ),
        (
            "transaction_detail",
            order::TRANSACTION_DETAIL,
            hashed_values(
                &payway::ops::transaction_detail::build_transaction_detail(&config, &tran, t)
                    .unwrap(),
                order::TRANSACTION_DETAIL,
            ),
        ),
        (
            "close_transaction",
            order::CLOSE_TRANSACTION,
            hashed_values(
                &payway::ops::close_transaction::build_close_transaction(&config, &tran, t)
                    .unwrap(),
                order::CLOSE_TRANSACTION,
            ),
        ),
        (
            "transaction_list",
            order::TRANSACTION_LIST,
            hashed_values(
                &payway::ops::transaction_list::build_transaction_list(&config, &list, t).unwrap(),
                order::TRANSACTION_LIST,
            ),
        ),
        (
            "exchange_rate",
            order::EXCHANGE_RATE,
            hashed_values(
                &payway::ops::exchange_rate::build_exchange_rate(&config, t).unwrap(),
                order::EXCHANGE_RATE,
            ),
        ),
        (
            "refund",
            order::REFUND,
            hashed_values(
                &payway::ops::refund::build_refund(
                    &config,
                    &tran,
                    &money("0.10", Currency::USD),
                    t,
                    &random,
                )
                .unwrap(),
                order::REFUND,
            ),
        ),
        (
            "pre_auth_completion",
            order::PRE_AUTH_COMPLETION,
            hashed_values(
                &payway::ops::pre_auth::build_completion(
                    &config,
                    &tran,
                    &money("9.50", Currency::USD),
                    t,
                    &random,
                )
                .unwrap(),
                order::PRE_AUTH_COMPLETION,
            ),
        ),
        (
            "pre_auth_cancellation",
            order::PRE_AUTH_CANCELLATION,
            hashed_values(
                &payway::ops::pre_auth::build_cancellation(&config, &tran, t, &random).unwrap(),
                order::PRE_AUTH_CANCELLATION,
            ),
        ),
    ];
    for (name, _, values) in &signed {
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        hash.bench_function(*name, |b| {
            b.iter(|| payway_sign::hash(&api_key, black_box(&values)))
        });
    }
    let form = payway::ops::purchase::form(&config, &purchase, t).unwrap();
    hash.bench_function("purchase", |b| {
        b.iter(|| black_box(&form.fields).hash(&api_key, order::PURCHASE))
    });
    hash.finish();

    // merchant_auth: RSA PKCS#1 v1.5 with the key parsed once (as the config holds it).
    let key = MerchantAuthKey::from_pem(PAYWAY_PUBLIC_KEY_PEM).unwrap();
    assert_eq!(key.bits(), 1024, "PayWay issues RSA-1024 keys");
    let one_block = payway::ops::refund::plaintext(&config, &tran, &money("0.10", Currency::USD))
        .unwrap()
        .into_bytes();
    let two_blocks = [one_block.as_slice(), one_block.as_slice()].concat();
    assert!(one_block.len() <= payway_sign::MERCHANT_AUTH_CHUNK);
    assert!(two_blocks.len() > payway_sign::MERCHANT_AUTH_CHUNK);
    let mut rsa = c.benchmark_group("payway/merchant_auth");
    rsa.bench_function("one_block", |b| {
        b.iter(|| key.encrypt(black_box(&one_block), &random).unwrap())
    });
    rsa.bench_function("two_blocks", |b| {
        b.iter(|| key.encrypt(black_box(&two_blocks), &random).unwrap())
    });
    // What parsing the PEM on every call would add (the SDK parses it once, in the config).
    rsa.bench_function("parse_key_pem", |b| {
        b.iter(|| MerchantAuthKey::from_pem(black_box(PAYWAY_PUBLIC_KEY_PEM)).unwrap())
    });
    rsa.finish();

    let mut build = c.benchmark_group("payway/build");
    build.bench_function("check_transaction", |b| {
        b.iter(|| {
            payway::ops::check_transaction::build_check_transaction(&config, black_box(&tran), t)
                .unwrap()
        })
    });
    build.bench_function("transaction_detail", |b| {
        b.iter(|| {
            payway::ops::transaction_detail::build_transaction_detail(&config, black_box(&tran), t)
                .unwrap()
        })
    });
    build.bench_function("close_transaction", |b| {
        b.iter(|| {
            payway::ops::close_transaction::build_close_transaction(&config, black_box(&tran), t)
                .unwrap()
        })
    });
    build.bench_function("transaction_list", |b| {
        b.iter(|| {
            payway::ops::transaction_list::build_transaction_list(&config, black_box(&list), t)
                .unwrap()
        })
    });
    build.bench_function("exchange_rate", |b| {
        b.iter(|| payway::ops::exchange_rate::build_exchange_rate(&config, t).unwrap())
    });
    let refund_amount = money("0.10", Currency::USD);
    build.bench_function("refund", |b| {
        b.iter(|| {
            payway::ops::refund::build_refund(&config, black_box(&tran), &refund_amount, t, &random)
                .unwrap()
        })
    });
    let capture_amount = money("9.50", Currency::USD);
    build.bench_function("pre_auth_completion", |b| {
        b.iter(|| {
            payway::ops::pre_auth::build_completion(&config, &tran, &capture_amount, t, &random)
                .unwrap()
        })
    });
    build.bench_function("pre_auth_cancellation", |b| {
        b.iter(|| payway::ops::pre_auth::build_cancellation(&config, &tran, t, &random).unwrap())
    });
    build.bench_function("purchase", |b| {
        b.iter(|| {
            let form = payway::ops::purchase::form(&config, black_box(&purchase), t).unwrap();
            payway::ops::purchase::to_request(&form, &random).unwrap()
        })
    });
    build.finish();

    let answer = status_answer("payway");
    let order_id = id("FXSTATUSPAID");
    c.bench_function("payway/parse/check_transaction", |b| {
        b.iter(|| {
            let native =
                payway::ops::check_transaction::parse_check_transaction(black_box(&answer))
                    .unwrap();
            payway::gateway::payment_from_check_transaction(&config, &order_id, native).unwrap()
        })
    });
}

fn finpay_benches(c: &mut Criterion) {
    let config = finpay_config();
    let order_id = id("1662448187759");

    // A callback as Finpay sends it (PHP json_encode, compact): the raw body matches first.
    let callback = serde_json::json!({
        "order": {"id": "INV-2026-0001", "reference": "FP1662448187759", "amount": 150000, "currency": "IDR"},
        "result": {"payment": {"status": "PAID", "statusDesc": "Paid", "userDefined": null,
            "datetime": "2026-01-15 10:00:00", "reference": "a1b2c3", "channel": "cc",
            "amount": 150000}},
        "customer": {"email": "budi@example.com", "firstName": "Budi", "mobilePhone": "+6281234567890"},
        "sourceOfFunds": {"type": "cc", "paymentCode": "https://finpay.example/redirect/abc"},
    });
    let signer =
        finpay::TestSigner::new(Credentials::default().finpay.merchant_key.as_bytes()).unwrap();
    let compact = signer
        .sign(serde_json::to_string(&callback).unwrap().as_bytes())
        .unwrap();
    // The same callback pretty-printed by a proxy: only the PHP re-encoding matches.
    let signed: serde_json::Value = serde_json::from_slice(&compact.body).unwrap();
    let reencoded = serde_json::to_vec_pretty(&signed).unwrap();
    assert!(finpay::webhook::verify(&config, &compact.body, &compact.headers).is_ok());
    assert!(finpay::webhook::verify(&config, &reencoded, &compact.headers).is_ok());
    let mut callbacks = c.benchmark_group("finpay/callback_verify");
    callbacks.bench_function("raw", |b| {
        b.iter(|| finpay::webhook::verify(&config, black_box(&compact.body), &compact.headers))
    });
    callbacks.bench_function("re_encoded", |b| {
        b.iter(|| finpay::webhook::verify(&config, black_box(&reencoded), &compact.headers))
    });
    callbacks.finish();

    let create = CreatePayment::new(id("INV-2026-0001"), money("150000", Currency::IDR))
        .unwrap()
        .description("Order INV-2026-0001")
        .customer(
            Customer::new()
                .name("Budi", "")
                .email("budi@example.com")
                .phone("+6281234567890"),
        )
        .item(LineItem::new("Kopi", 3, money("50000", Currency::IDR)).unwrap())
        .callback_url(Url::parse("https://shop.example/finpay/callback").unwrap())
        .return_url(Url::parse("https://shop.example/done").unwrap());
    let refund_amount = money("500", Currency::IDR);
    let mut build = c.benchmark_group("finpay/build");
    build.bench_function("check", |b| {
        b.iter(|| finpay::ops::check::build_check(&config, black_box(&order_id)).unwrap())
    });
    build.bench_function("refund", |b| {
        b.iter(|| {
            finpay::ops::refund::build_refund(&config, black_box(&order_id), &refund_amount)
                .unwrap()
        })
    });
    build.bench_function("void", |b| {
        b.iter(|| finpay::ops::void::build_void(&config, black_box(&order_id)).unwrap())
    });
    build.bench_function("cancel", |b| {
        b.iter(|| finpay::ops::cancel::build_cancel(&config, black_box(&order_id)).unwrap())
    });
    build.bench_function("initiate", |b| {
        b.iter(|| {
            let request = finpay::InitiateRequest::from_create(black_box(&create)).unwrap();
            finpay::ops::initiate::build_initiate(&config, &request).unwrap()
        })
    });
    build.finish();

    let answer = status_answer("finpay");
    let order_id = id("FXSTATUSPAID");
    c.bench_function("finpay/parse/check", |b| {
        b.iter(|| {
            let native = finpay::ops::check::parse_check(black_box(&answer)).unwrap();
            finpay::gateway::payment_from_check(&order_id, native).unwrap()
        })
    });
}

fn payg_benches(c: &mut Criterion) {
    let config = payg_config();
    let key_id = id("210624M7963Ubd259588d4");
    let t = now();
    let create = CreatePayment::new(id("TEST512scx3"), money("100", Currency::INR))
        .unwrap()
        .description("OnlineOrder for OrderNo- 1234")
        .customer(
            Customer::new()
                .name("Ayush", "Rane")
                .email("ayush@example.com")
                .phone("7887673322"),
        )
        .return_url(Url::parse("https://payg.in").unwrap());
    let target = RefundTarget {
        payment_type: "CreditCard".into(),
        payment_transaction_id: TransactionId::new("723333").unwrap(),
    };
    let amount = money("100", Currency::INR);
    let notes = BTreeMap::from([("gift".to_owned(), "yes".to_owned())]);
    let mut build = c.benchmark_group("payg/build");
    build.bench_function("detail", |b| {
        b.iter(|| payg::ops::detail::build_detail(&config, black_box(&key_id)).unwrap())
    });
    build.bench_function("create", |b| {
        b.iter(|| {
            let request = payg::CreateOrderRequest::from_create(black_box(&create)).unwrap();
            payg::ops::create::build_create(&config, &request, t).unwrap()
        })
    });
    build.bench_function("update", |b| {
        b.iter(|| {
            payg::ops::update::build_update(
                &config,
                black_box(&key_id),
                &id("bd259588d4"),
                &amount,
                &notes,
            )
            .unwrap()
        })
    });
    build.bench_function("refund", |b| {
        b.iter(|| {
            payg::ops::refund::build_refund(&config, black_box(&key_id), &target, &amount).unwrap()
        })
    });
    build.bench_function("refund_status", |b| {
        b.iter(|| {
            payg::ops::refund_status::build_refund_status(
                &config,
                black_box(&key_id),
                &target.payment_transaction_id,
            )
            .unwrap()
        })
    });
    build.finish();

    let answer = status_answer("payg");
    let order_id = id("260115M9001UFXSTATUSPAID");
    c.bench_function("payg/parse/detail", |b| {
        b.iter(|| {
            let native = payg::ops::detail::parse_detail(black_box(&answer)).unwrap();
            payg::gateway::payment_from_detail(&order_id, paygate::Operation::PaymentStatus, native)
                .unwrap()
        })
    });
}

/// Answers every request with one recorded answer, at no I/O cost.
#[derive(Debug)]
struct Canned(HttpResponse);

#[async_trait]
impl Transport for Canned {
    async fn send(&self, _request: &HttpRequest) -> Result<HttpResponse, TransportFailure> {
        Ok(self.0.clone())
    }
}

/// A whole `payment_status` through the registry's `dyn PaymentGateway`: build, sign,
/// dispatch (retry policy, concurrency limit, tracing span), parse and map.
fn gateway_benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let credentials = Credentials::default();
    let mut group = c.benchmark_group("gateway/payment_status");
    for (provider, order) in [
        ("finpay", "FXSTATUSPAID"),
        ("payway", "FXSTATUSPAID"),
        ("payg", "260115M9001UFXSTATUSPAID"),
    ] {
        let sim = paygate::sandbox::Provider::from_name(provider).unwrap();
        let toml = paygate::sandbox::gateway_toml(sim, "http://127.0.0.1:9", &credentials);
        let registry = GatewayRegistry::builder()
            .transport(Arc::new(Canned(status_answer(provider))))
            .toml_str(&toml)
            .unwrap()
            .build()
            .unwrap();
        let gateway = registry.gateway(provider).unwrap();
        let order = id(order);
        group.bench_function(provider, |b| {
            b.iter_batched(
                || order.clone(),
                |order| runtime.block_on(gateway.payment_status(&order)).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    payway_benches,
    finpay_benches,
    payg_benches,
    gateway_benches
);
criterion_main!(benches);
