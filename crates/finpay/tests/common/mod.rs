//! Shared test set-up: Finpay's documented example credentials and a fixed clock.

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
use paygate_core::time::macros::datetime;
use paygate_core::transport::{Dispatcher, ReqwestTransport};
use paygate_core::{Currency, Environment, Money, Url};
use paygate_finpay::{FinpayClient, FinpayConfig};

/// Finpay's documented Basic-auth example (not a real account).
pub const MERCHANT_ID: &str = "FINPAY770";
pub const MERCHANT_KEY: &str = "SoSecret123";

pub fn config_for(environment: Environment) -> FinpayConfig {
    FinpayConfig::new(MERCHANT_ID, &SecretString::from(MERCHANT_KEY), environment).unwrap()
}

pub fn config() -> FinpayConfig {
    config_for(Environment::Sandbox)
}

pub fn idr(text: &str) -> Money {
    Money::parse(text, Currency::IDR).unwrap()
}

/// A client against `base` (a mockito server); retries sleep on a manual clock.
pub fn client(base: &str) -> (FinpayClient, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(datetime!(2026-09-21 06:33:09 UTC)));
    let dispatcher = Dispatcher::new(Arc::new(ReqwestTransport::with_defaults().unwrap()))
        .with_clock(clock.clone())
        .with_random(Arc::new(DeterministicRandom::new(7)));
    let config = config_for(Environment::Custom(Url::parse(base).unwrap()));
    (FinpayClient::new(config, dispatcher), clock)
}

/// A sample file: `{source, endpoint, http_status, body}`.
#[derive(serde::Deserialize)]
pub struct Sample {
    pub source: String,
    pub endpoint: String,
    pub http_status: u16,
    pub body: Box<serde_json::value::RawValue>,
}

pub fn load(name: &str) -> Sample {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/samples")
        .join(format!("{name}.json"));
    let sample: Sample = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(!sample.source.is_empty());
    sample
}
