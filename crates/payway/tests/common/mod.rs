//! Shared test set-up: the research's test credentials, a fixed clock and seeded randomness.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use paygate_core::clock::{DeterministicRandom, ManualClock};
use paygate_core::secrecy::SecretString;
use paygate_core::time::OffsetDateTime;
use paygate_core::time::macros::datetime;
use paygate_core::transport::{Dispatcher, ReqwestTransport, RetryPolicy};
use paygate_core::{Currency, Environment, Money, Url};
use paygate_payway::{PaywayClient, PaywayConfig};

/// research §8's test key (not a real secret).
pub const API_KEY: &str = "test_api_key_not_a_real_secret";
pub const MERCHANT_ID: &str = "ec000002";
pub const PUBLIC_KEY: &str = include_str!("../keys/test_public_key.pem");
pub const PUBLIC_KEY_PKCS1: &str = include_str!("../keys/test_public_key_pkcs1.pem");
pub const PRIVATE_KEY: &str = include_str!("../keys/test_private_key.pem");
pub const PUBLIC_KEY_512: &str = include_str!("../keys/test_public_key_512.pem");

/// The time of the official check-transaction-2 example.
pub const NOW: OffsetDateTime = datetime!(2025-02-13 06:55:45 UTC);

pub fn config_for(environment: Environment) -> PaywayConfig {
    PaywayConfig::new(MERCHANT_ID, &SecretString::from(API_KEY), environment)
        .unwrap()
        .with_rsa_public_key_pem(PUBLIC_KEY)
        .unwrap()
}

pub fn config() -> PaywayConfig {
    config_for(Environment::Sandbox)
}

pub fn random() -> DeterministicRandom {
    DeterministicRandom::new(7)
}

pub fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

pub fn khr(text: &str) -> Money {
    Money::parse(text, Currency::KHR).unwrap()
}

/// A client against `base` (a mockito server), with a fixed clock whose sleeps are instant.
pub fn client(base: &str) -> (PaywayClient, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(NOW));
    let dispatcher = Dispatcher::new(Arc::new(ReqwestTransport::with_defaults().unwrap()))
        .with_clock(clock.clone())
        .with_random(Arc::new(random()))
        .with_retry_policy(RetryPolicy::default());
    let config = config_for(Environment::Custom(Url::parse(base).unwrap()));
    (PaywayClient::new(config, dispatcher), clock)
}

/// Decrypts a `merchant_auth` value block by block with the test private key.
pub fn decrypt_merchant_auth(merchant_auth: &str) -> Vec<u8> {
    use base64::Engine as _;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(PRIVATE_KEY).unwrap();
    let ciphertext = base64::engine::general_purpose::STANDARD
        .decode(merchant_auth)
        .unwrap();
    assert_eq!(ciphertext.len() % key.size(), 0, "whole RSA blocks");
    ciphertext
        .chunks(key.size())
        .flat_map(|block| key.decrypt(rsa::Pkcs1v15Encrypt, block).unwrap())
        .collect()
}

/// A JSON body's field as text.
pub fn body_field(body: &[u8], field: &str) -> String {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap();
    value[field].as_str().unwrap().to_owned()
}

/// A QR with every field set (what the hash covers is pinned in vectors.rs).
pub fn full_qr_request() -> paygate_payway::QrRequest {
    let mut request = paygate_payway::QrRequest::new(
        paygate_core::OrderId::new("QR-17394277693").unwrap(),
        usd("12.50"),
        paygate_payway::QrPaymentOption::AbaPayKhqr,
        15,
    );
    request.first_name = Some("Dara".into());
    request.last_name = Some("Sok".into());
    request.email = Some("dara@example.com".into());
    request.phone = Some("012345678".into());
    request.items = vec![paygate_payway::PurchaseItem {
        name: "Coffee".into(),
        quantity: 5,
        price: usd("2.50"),
    }];
    request.callback_url = Some(Url::parse("https://shop.example/payway/pushback").unwrap());
    request.custom_fields = Some(r#"{"table":"7"}"#.into());
    request.return_params = Some("table-7".into());
    request.payout = vec![paygate_payway::Payout {
        account: "000000001".into(),
        amount: usd("2.50"),
    }];
    request.qr_image_template = paygate_payway::QrImageTemplate::Template3Color;
    request
}

/// A `multipart/form-data` body's text field, read with its own small parser (the crate's
/// builder must not check itself): `None` when absent.
pub fn multipart_field(
    request: &paygate_core::transport::HttpRequest,
    field: &str,
) -> Option<String> {
    let content_type = request.headers.get("content-type")?.to_str().ok()?;
    let boundary = content_type.split("boundary=").nth(1)?;
    let body = String::from_utf8_lossy(&request.body).into_owned();
    body.split(&format!("--{boundary}"))
        .filter_map(|part| part.strip_prefix("\r\n"))
        .filter_map(|part| part.split_once("\r\n\r\n"))
        .find(|(head, _)| head.contains(&format!("name=\"{field}\"")))
        .map(|(_, value)| value.strip_suffix("\r\n").unwrap_or(value).to_owned())
}

/// A payment link with every field but the image and payouts set.
pub fn full_link_request() -> paygate_payway::PaymentLinkRequest {
    let mut request = paygate_payway::PaymentLinkRequest::new(
        "Invoice 42",
        usd("25.00"),
        Url::parse("https://shop.example/payway/links").unwrap(),
    );
    request.description = Some("Two coffees and a cake".into());
    request.payment_limit = Some(3);
    request.expires_at = Some(NOW + std::time::Duration::from_secs(86_400));
    request.merchant_ref_no = Some("INV-42".into());
    request
}
