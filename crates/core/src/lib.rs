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
//! - [`precondition`]: every write checked against the payment (currency, what is left,
//!   state) before it is sent;
//! - [`transport`]: sans-IO requests and responses, the [`transport::Transport`] trait, the
//!   default `reqwest` transport, the [`transport::Dispatcher`] that retries reads only, and
//!   the one reader of coded answers ([`transport::read_coded_answer`]);
//! - [`clock`]: injected time and randomness;
//! - [`signing`]: HMAC-SHA512 keys (the `hmac` crate's constant-time verification) and hex;
//! - [`webhook`]: webhook events and replies, test signers;
//! - [`config`]: environments and settings with secrets from `env:` / `file:`;
//! - [`lenient`]: tolerant serde readers that take amounts from the number's text;
//! - [`php_json`]: PHP's `json_encode`, for signatures providers compute in PHP;
//! - [`metered`]: metrics through the `metrics` facade (feature `metrics`).
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
pub mod lenient;
pub mod local_time;
pub mod metered;
pub mod model;
pub mod money;
pub mod operation;
pub mod php_json;
pub mod precondition;
pub mod redact;
pub mod signing;
pub mod status;
pub mod transport;
pub mod webhook;

pub use config::{Environment, GatewayConfig};
pub use error::{
    Delivery, Error, ErrorClass, JournalError, JournalErrorKind, ProviderError, ProviderErrorKind,
    Result, TransportCause, TransportError, TransportFailure, UnexpectedBody, WebhookRejection,
};
pub use gateway::{Capabilities, Capability, GatewayFactory, PaymentGateway};
pub use id::{IdRules, IdempotencyKey, OrderId, RefundReference, TransactionId};
pub use model::{
    CancelRequest, CaptureMode, CaptureRequest, Checkout, CreatePayment, Customer, LineItem,
    ListLimits, ListPaymentsRequest, NativeResponse, NextAction, Payment, PaymentPage, RawResponse,
    Refund, RefundRequest, RefundStatusRequest, VoidRequest, check_echo, received_money,
};
pub use money::{Currency, Money, MoneyError};
pub use operation::{Effect, Operation};
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
