//! # paygate-payg
//!
//! PayG (India) for paygate: [`PaygClient`] with PayG's order API (create, Detail, Update,
//! Refund, RefundStatus, postback), and [`PaygGateway`], its
//! [`paygate_core::PaymentGateway`] implementation.
//!
//! Requests carry `Authorization: basic base64(AuthenticationKey:AuthenticationToken:M:<id>)`
//! ([`sign`]); answers are the PascalCase order object or an error in one of several shapes
//! ([`ops`]); amounts are decimal(18,2) INR; dates are India time, given an explicit offset.
//!
//! ```no_run
//! # async fn run() -> paygate_core::Result<()> {
//! use paygate_core::secrecy::SecretString;
//! use paygate_core::transport::{Dispatcher, ReqwestTransport};
//! use paygate_core::{Environment, OrderId};
//! use paygate_payg::{ApiVersion, PaygClient, PaygConfig};
//! use std::sync::Arc;
//!
//! let config = PaygConfig::new(
//!     &SecretString::from("auth-key"),
//!     &SecretString::from("auth-token"),
//!     "7963",
//!     None,
//!     ApiVersion::V1,
//!     &Environment::Sandbox,
//! )?;
//! let client = PaygClient::new(config, Dispatcher::new(Arc::new(ReqwestTransport::with_defaults()?)));
//! let order = client.detail(&OrderId::new("210624M7963Ubd259588d4")?).await?;
//! println!("{:?}", order.body.payment_response_code);
//! # Ok(()) }
//! ```

// docs.rs: each item gated by a feature says which (`--cfg docsrs`, nightly).
#![cfg_attr(docsrs, feature(doc_cfg))]

// Visibility (docs/public-api.md): in `gateway` and `ops`, the request building, answer parsing,
// answer-to-model conversions, code tables and signing internals are `#[doc(hidden)]` item by
// item: public for the golden-vector tests, fuzz targets and benchmarks only. The types an app
// uses stay visible there and are re-exported at the root.
pub mod config;
// Hidden: the code tables behind the typed errors; the public types are re-exported below.
#[doc(hidden)]
pub mod endpoint;
pub mod gateway;
pub mod ops;
// Hidden: the signature internals, public for the golden-vector tests.
#[doc(hidden)]
pub mod sign;
// Hidden: the provider's statuses mapped to the unified ones; apps see `PaymentStatus`.
#[doc(hidden)]
pub mod status;
pub mod webhook;
pub mod wire;

use std::collections::BTreeMap;
use std::sync::Arc;

use paygate_core::http::Method;
use paygate_core::transport::{Call, Dispatcher, HttpRequest, HttpResponse, raw_request_url};
use paygate_core::{
    Effect, Money, NativeResponse, Operation, OrderId, Payment, Result, TransactionId, WebhookEvent,
};

pub use config::{ApiVersion, AuthorizationId, PaygConfig};
pub use gateway::{PaygFactory, PaygGateway};
pub use ops::create::{CreateOrderRequest, IntegrationData, TransactionData};
pub use ops::refund::RefundTarget;

use ops::create::CreateOrderCall;
use ops::detail::DetailCall;
use ops::refund::RefundCall;
use ops::refund_status::RefundStatusCall;
use ops::update::UpdateNotesCall;
use wire::Order;

/// The provider name.
pub const PROVIDER: &str = "payg";

/// PayG's native API for one merchant. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PaygClient {
    config: Arc<PaygConfig>,
    dispatcher: Dispatcher,
}

impl PaygClient {
    /// A client sending through `dispatcher` (its clock stamps `RequestDateTime`).
    pub fn new(config: PaygConfig, dispatcher: Dispatcher) -> PaygClient {
        PaygClient {
            config: Arc::new(config),
            dispatcher,
        }
    }

    /// The merchant configuration.
    pub fn config(&self) -> &PaygConfig {
        &self.config
    }

    /// Sends one endpoint's [`Call`]: the one way every native method below sends.
    pub async fn send<K>(&self, call: &K) -> Result<NativeResponse<K::Output>>
    where
        K: Call<PaygConfig> + Sync,
        K::Output: Send,
    {
        self.dispatcher.send(self.config.as_ref(), call).await
    }

    /// create: a new order. Sent at most once.
    pub async fn create_order(
        &self,
        request: &CreateOrderRequest,
    ) -> Result<NativeResponse<Order>> {
        self.send(&CreateOrderCall { request }).await
    }

    /// Detail: the order by `OrderKeyId`.
    pub async fn detail(&self, order_key_id: &OrderId) -> Result<NativeResponse<Order>> {
        self.send(&DetailCall { order_key_id }).await
    }

    /// Update: replace an order's notes (see [`ops::update`]). Sent at most once.
    pub async fn update_notes(
        &self,
        order_key_id: &OrderId,
        unique_request_id: &OrderId,
        amount: &Money,
        notes: &BTreeMap<String, String>,
    ) -> Result<NativeResponse<Order>> {
        self.send(&UpdateNotesCall {
            order_key_id,
            unique_request_id,
            amount,
            notes,
        })
        .await
    }

    /// Refund: refund `amount` of an order. Sent at most once.
    pub async fn refund(
        &self,
        order_key_id: &OrderId,
        target: &RefundTarget,
        amount: &Money,
    ) -> Result<NativeResponse<Order>> {
        self.send(&RefundCall {
            order_key_id,
            target,
            amount,
        })
        .await
    }

    /// RefundStatus: the refund of an order, by the *original* transaction id.
    pub async fn refund_status(
        &self,
        order_key_id: &OrderId,
        transaction_id: &TransactionId,
    ) -> Result<NativeResponse<Order>> {
        self.send(&RefundStatusCall {
            order_key_id,
            transaction_id,
        })
        .await
    }

    /// Confirms an unsigned postback: reads the order with Detail and checks the order key,
    /// request id and amount match; returns the order's payment as PayG reports it.
    pub async fn confirm_postback(&self, body: &[u8]) -> Result<Payment> {
        let (postback, event) =
            webhook::parse_postback(body, &paygate_core::http::HeaderMap::new())?;
        let key = OrderId::new(event.status_order_id())?;
        let native = self.detail(&key).await?;
        webhook::check_against(&postback, &native.body)?;
        gateway::payment_from_detail(&key, Operation::PaymentStatus, native)
    }

    /// The escape hatch for endpoints this crate does not type: POSTs `body` (JSON) with the
    /// merchant's `Authorization` to `{base}{path}` and returns the raw answer whatever its
    /// status. `effect` decides retries: a [`Effect::Write`] is never resent once it may have
    /// left.
    pub async fn raw_request(
        &self,
        path: &'static str,
        body: Vec<u8>,
        effect: Effect,
    ) -> Result<HttpResponse> {
        let url = raw_request_url(&self.config.base_url, path)?;
        let request = HttpRequest::new(
            PROVIDER,
            Operation::Native { name: path, effect },
            Method::POST,
            url,
        )
        .secret_header(
            paygate_core::http::header::AUTHORIZATION,
            self.config.authorization.clone(),
        )
        .json_body(body);
        self.dispatcher.execute(&request, |r| Ok(r.clone())).await
    }

    /// Reads a postback (unverified: see [`PaygClient::confirm_postback`]).
    pub fn parse_postback(&self, body: &[u8]) -> Result<WebhookEvent> {
        webhook::parse_postback(body, &paygate_core::http::HeaderMap::new()).map(|(_, event)| event)
    }
}

// The crate's README (its registry page) is compiled as a doctest: its quick start builds.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
