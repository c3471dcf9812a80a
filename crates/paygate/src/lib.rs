//! # paygate
//!
//! One clean, safe interface to Finpay (Indonesia), ABA PayWay (Cambodia) and PayG (India),
//! plus each provider's full native API.
//!
//! Apps depend on this crate. It re-exports the contract from `paygate-core` ([`PaymentGateway`],
//! [`Money`], [`OrderId`], [`Error`], …) and adds [`GatewayRegistry`]: named gateways, several
//! accounts per provider if need be, built in code or from a TOML file whose secrets come from
//! environment variables or files (see [`config`]).
//!
//! Cargo features:
//!
//! - `finpay`, `payway`, `payg`: one per provider, all on by default (`all-providers`); an
//!   app that enables one compiles no code of the others;
//! - `sandbox`: the offline simulator of all three (`paygate::sandbox`), for tests and demos;
//! - `journal`, `journal-postgres`: the write journal (`paygate::journal`), every write sent
//!   at most once per key across crashes, on SQLite or PostgreSQL;
//! - `axum`: the webhook receiver (`paygate::receiver`);
//! - `metrics`: operations, latencies, retries, requests in flight and webhooks through the
//!   `metrics` facade (install a recorder to see them);
//! - `native-roots`: also trust the operating system's certificate store;
//! - `test-util`: helpers for an app's own tests: a manual clock, seeded randomness, and
//!   each compiled-in provider's `TestSigner` (signs callbacks as the provider does).
//!
//! ```no_run
//! # async fn run() -> paygate::Result<()> {
//! use paygate::{GatewayRegistry, OrderId};
//!
//! let registry = GatewayRegistry::from_toml_file("paygate.toml")?;
//! let gateway = registry.gateway("payway-usd")?;
//! let payment = gateway.payment_status(&OrderId::new("ORDER-0001")?).await?;
//! println!("{} {}", payment.status, payment.amount.map(|m| m.to_string()).unwrap_or_default());
//! # Ok(()) }
//! ```
//!
//! The README's quick start is a complete program against the sandbox, compiled and run
//! with this crate's doc tests; `examples/shop` in the repository is a whole web shop.

// docs.rs: each item gated by a feature says which (`--cfg docsrs`, nightly).
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's Rust examples, compiled and run as this crate's doc tests (they need the
/// sandbox, every provider, the journal and the receiver).
#[cfg(all(
    doctest,
    feature = "sandbox",
    feature = "all-providers",
    feature = "journal",
    feature = "axum"
))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

pub mod config;
mod instrumented;
mod journal_glue;
mod registry;

/// The write journal (features `journal`, `journal-postgres`): `[journal]` in paygate.toml,
/// or `RegistryBuilder::journal` in code.
#[cfg(any(feature = "journal", feature = "journal-postgres"))]
pub use paygate_journal as journal;

mod providers;
pub use providers::*;

#[cfg(feature = "axum")]
pub mod receiver;

/// The offline simulator (feature `sandbox`) and a registry of the compiled-in providers
/// pointing at it.
#[cfg(feature = "sandbox")]
pub mod sandbox {
    pub use paygate_sandbox::*;

    /// A registry with one gateway per compiled-in provider, named as the provider
    /// (`finpay`, `payway`, `payg`), configured against `sandbox`.
    pub fn registry(sandbox: &Sandbox) -> crate::Result<crate::GatewayRegistry> {
        let mut toml = String::new();
        for shipped in crate::shipped_providers() {
            let simulated = Provider::from_name(shipped.name());
            if let (Some(provider), true) = (simulated, shipped.is_compiled()) {
                toml.push_str(&sandbox.gateway_toml(provider));
                toml.push('\n');
            }
        }
        crate::GatewayRegistry::from_toml_str(&toml)
    }
}

pub use config::RegistryConfig;
// The unified model and contract, by name: each one is a promise of this crate.
pub use paygate_core::{
    AccountId, Authenticity, CancelRequest, Capabilities, Capability, CaptureMode, CaptureRequest,
    Checked, Checkout, CreatePayment, Currency, Customer, Delivery, Effect, Environment, Error,
    ErrorClass, GatewayConfig, GatewayFactory, IdRules, IdempotencyKey, JournalError,
    JournalErrorKind, LineItem, ListLimits, ListPaymentsRequest, Money, MoneyError, NativeResponse,
    NextAction, Operation, OrderId, Payment, PaymentGateway, PaymentPage, PaymentStatus,
    ProviderError, ProviderErrorKind, RawResponse, Refund, RefundRecord, RefundReference,
    RefundRequest, RefundStatus, RefundStatusRequest, Result, TransactionId, TransportCause,
    TransportError, TransportFailure, UnexpectedBody, VoidRequest, WebhookEvent, WebhookRejection,
    WebhookReply,
};
// The modules an app reaches into: time and randomness, the HTTP layer, errors, money parsing,
// webhooks (their test helpers behind `test-util`).
pub use paygate_core::{clock, error, money, pipeline, transport, webhook};
// The crates whose types are in the API, so an app names the versions paygate uses.
pub use paygate_core::{Bytes, Decimal, Url, async_trait, http, secrecy, time};
pub use registry::{GatewayRegistry, RegistryBuilder};

// The crate's README (its registry page) is compiled as a doctest; its quick start needs the
// sandbox and every provider.
#[cfg(all(doctest, feature = "sandbox", feature = "all-providers"))]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
