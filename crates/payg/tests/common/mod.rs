//! Shared test set-up: the credentials the user's document's RefundStatus header decodes to
//! (published examples, not a live account) and a fixed clock.

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
use paygate_payg::{ApiVersion, PaygClient, PaygConfig};

pub const AUTH_KEY: &str = "a5aece5875a04044bff491de7341ef4a";
pub const AUTH_TOKEN: &str = "e2da26161b4b48fc95b59daf2191fb33";
pub const MERCHANT_KEY_ID: &str = "7771";
pub const MID: &str = "3EMF9915EF35567";

pub fn config_for(environment: Environment) -> PaygConfig {
    PaygConfig::new(
        &SecretString::from(AUTH_KEY),
        &SecretString::from(AUTH_TOKEN),
        MERCHANT_KEY_ID,
        Some(MID.to_owned()),
        ApiVersion::V1,
        &environment,
    )
    .unwrap()
}

pub fn config() -> PaygConfig {
    config_for(Environment::Sandbox)
}

pub fn inr(text: &str) -> Money {
    Money::parse(text, Currency::INR).unwrap()
}

/// A client against `base` (a mockito server); retries sleep on a manual clock.
pub fn client(base: &str) -> (PaygClient, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(datetime!(2023-06-22 20:00:00 UTC)));
    let dispatcher = Dispatcher::new(Arc::new(ReqwestTransport::with_defaults().unwrap()))
        .with_clock(clock.clone())
        .with_random(Arc::new(DeterministicRandom::new(7)));
    let config = config_for(Environment::Custom(Url::parse(base).unwrap()));
    (PaygClient::new(config, dispatcher), clock)
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
