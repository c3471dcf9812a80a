//! # paygate-core
//!
//! The contract every paygate provider implements, and the pieces they share:
//!
//! - [`PaymentGateway`]: the object-safe trait apps use as `Arc<dyn PaymentGateway>`, with
//!   [`Capabilities`] saying what each gateway can do;
//! - [`Money`] and [`Currency`]: exact decimal amounts, never `f64`;
//! - [`OrderId`], [`TransactionId`], [`RefundReference`]: identifiers that cannot carry path
//!   or URL injection;
//! - [`PaymentStatus`] and [`RefundStatus`]: one status model, tolerant of unknown codes;
//! - [`Error`]: a taxonomy a caller can act on ([`Error::is_retryable`],
//!   [`Error::outcome_unknown`]); [`Operation`] says which operation an error belongs to;
//! - every write is checked against the payment (currency, what is left, state) before it is
//!   sent;
//! - [`transport`]: sans-IO requests and responses, the [`transport::Transport`] trait, the
//!   default `reqwest` transport and the [`transport::Dispatcher`] that retries reads only;
//! - [`clock`]: injected time and randomness (a manual clock and seeded randomness for tests
//!   behind the `test-util` feature);
//! - [`webhook`]: webhook events and replies (test signers behind `test-util`);
//! - [`config`]: environments and settings with secrets from `env:` / `file:`.
//!
//! Modules the provider crates share but apps never call (`precondition`, `signing`,
//! `lenient`, `php_json`, `local_time`, `redact`, `metered`) and a few helpers elsewhere are
//! public for those crates only: `#[doc(hidden)]`, outside the semver promise, each with its
//! reason. `public-api/paygate-core.txt` in the repository lists what is promised.
//!
//! ```
//! use paygate_core::{Currency, Money, OrderId, PaymentStatus};
//!
//! let price = Money::parse("10.50", Currency::USD)?;
//! // Exact decimals, each currency's digits: a third decimal is refused, not rounded.
//! assert!(Money::parse("10.505", Currency::USD).is_err());
//! let refunded = Money::parse("2.50", Currency::USD)?;
//! assert_eq!(price.checked_sub(&refunded)?.to_string(), "8.00 USD");
//! // Currencies never mix: riel from dollars is an error, not a number.
//! assert!(Money::parse("1000", Currency::KHR)?.checked_sub(&refunded).is_err());
//! // Ids cannot carry a path or a query into a provider's URL.
//! assert!(OrderId::new("../admin").is_err());
//! assert_eq!(PaymentStatus::from_name("partially_refunded"), PaymentStatus::PartiallyRefunded);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// docs.rs: each item gated by a feature says which (`--cfg docsrs`, nightly).
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
pub mod config;
pub mod error;
pub mod gateway;
pub mod id;
pub mod layer;
// Hidden: serde readers for the provider crates' wire types.
#[doc(hidden)]
pub mod lenient;
// Hidden: the provider crates' zone-less date formats.
#[doc(hidden)]
pub mod local_time;
// Hidden: called by the dispatcher and the facade; the metric names are documented there.
#[doc(hidden)]
pub mod metered;
pub mod model;
pub mod money;
pub mod operation;
pub mod pipeline;
// Hidden: PHP's json_encode, for the provider crates' signature checks.
#[doc(hidden)]
pub mod php_json;
// Hidden: every gateway runs these checks itself before a write; apps never call them.
#[doc(hidden)]
pub mod precondition;
// Hidden: excerpts for the provider crates' error messages.
#[doc(hidden)]
pub mod redact;
// Hidden: HMAC keys and hex for the provider crates' signatures.
#[doc(hidden)]
pub mod signing;
pub mod status;
pub mod transport;
pub mod webhook;

pub use config::{Environment, GatewayConfig};
pub use error::{
    Delivery, Error, ErrorClass, JournalError, JournalErrorKind, ProviderError, ProviderErrorKind,
    Result, TransportCause, TransportError, TransportFailure, UnexpectedBody, WebhookRejection,
};
pub use gateway::{AccountId, Capabilities, Capability, GatewayFactory, PaymentGateway};
pub use id::{IdRules, IdempotencyKey, OrderId, RefundReference, TransactionId};
pub use model::{
    CancelRequest, CaptureMode, CaptureRequest, Checkout, CreatePayment, Customer, LineItem,
    ListLimits, ListPaymentsRequest, NativeResponse, NextAction, Payment, PaymentPage, RawResponse,
    Refund, RefundRecord, RefundRequest, RefundStatusRequest, VoidRequest,
};
// Hidden: the provider crates' checks of what an answer echoes and the money it carries.
#[doc(hidden)]
pub use model::{check_echo, received_money};
pub use money::{Currency, Money, MoneyError};
pub use operation::{Effect, Operation};
pub use pipeline::{Checked, KeyRecord, WriteMark, WriteRef, WriteRules};
pub use status::{PaymentStatus, RefundStatus};
pub use webhook::{Authenticity, WebhookEvent, WebhookReply};

/// Re-exported so providers and apps use the same versions.
pub use async_trait::async_trait;
pub use bytes::Bytes;
pub use http;
pub use rust_decimal::Decimal;
pub use secrecy;
pub use time;
pub use url::Url;

// The crate's README (its registry page) is compiled as a doctest: its quick start builds.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
