//! # paygate-finpay
//!
//! Finpay (Indonesia, Finnet's payment gateway) for paygate: [`FinpayClient`] with the PG
//! API family's native operations, and [`FinpayGateway`], its
//! [`paygate_core::PaymentGateway`] implementation.
//!
//! Requests carry `Authorization: Basic base64(merchant_id:merchant_key)`; answers carry a
//! SNAP-style 7-digit `responseCode` ([`endpoint::ResponseCode`]) whatever the HTTP status, and
//! are read by it; callbacks are signed with HMAC-SHA512 over PHP's `json_encode` of the body
//! ([`webhook`]). Amounts are whole rupiah, sent as strings of digits.
//!
//! ```no_run
//! # async fn run() -> paygate_core::Result<()> {
//! use paygate_core::secrecy::SecretString;
//! use paygate_core::transport::{Dispatcher, ReqwestTransport};
//! use paygate_core::{Environment, OrderId};
//! use paygate_finpay::{FinpayClient, FinpayConfig};
//! use std::sync::Arc;
//!
//! let config = FinpayConfig::new("FINPAY770", &SecretString::from("merchant-key"), Environment::Sandbox)?;
//! let client = FinpayClient::new(config, Dispatcher::new(Arc::new(ReqwestTransport::with_defaults()?)));
//! let answer = client.check(&OrderId::new("1662448187759")?).await?;
//! println!("{:?}", answer.body.data);
//! # Ok(()) }
//! ```

// docs.rs: each item gated by a feature says which (`--cfg docsrs`, nightly).
#![cfg_attr(docsrs, feature(doc_cfg))]

// Visibility (docs/public-api.md): in `endpoint` and `gateway`, the request building, answer parsing,
// answer-to-model conversions, code tables and signing internals are `#[doc(hidden)]` item by
// item: public for the golden-vector tests, fuzz targets and benchmarks only. The types an app
// uses stay visible there and are re-exported at the root.
pub mod config;
pub mod endpoint;
pub mod gateway;
// Hidden: each endpoint's request building and answer parsing, public for the golden-vector
// tests, fuzz targets and benchmarks; apps call the client's methods, whose request types are
// re-exported below.
#[doc(hidden)]
pub mod ops;
// Hidden: the signature internals, public for the golden-vector tests.
#[doc(hidden)]
pub mod sign;
// Hidden: the provider's statuses mapped to the unified ones; apps see `PaymentStatus`.
#[doc(hidden)]
pub mod status;
#[cfg(any(test, feature = "test-util"))]
mod test_signer;
pub mod webhook;
pub mod wire;

use std::sync::Arc;

use paygate_core::http::{HeaderMap, Method};
use paygate_core::transport::{Call, Dispatcher, HttpResponse};
use paygate_core::{Effect, Money, NativeResponse, Operation, OrderId, Result, WebhookEvent};

pub use config::FinpayConfig;
pub use endpoint::ResponseCode;
pub use gateway::{FinpayFactory, FinpayGateway};
#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use test_signer::TestSigner;
pub use wire::{InitiateRequest, PaymentCode, VirtualAccountChannel};

use ops::cancel::CancelCall;
use ops::check::CheckCall;
use ops::initiate::InitiateCall;
pub use ops::open_payment::OpenPaymentAccount;
use ops::open_payment::{OpenPaymentCheckCall, OpenPaymentDeleteCall, OpenPaymentWriteCall};
use ops::refund::RefundCall;
use ops::void::VoidCall;
use wire::{CheckResponse, Envelope, InitiateResponse};

/// The provider name.
pub const PROVIDER: &str = "finpay";

/// Finpay's native API for one merchant. Cheap to clone.
#[derive(Debug, Clone)]
pub struct FinpayClient {
    config: Arc<FinpayConfig>,
    dispatcher: Dispatcher,
}

impl FinpayClient {
    /// A client sending through `dispatcher`.
    pub fn new(config: FinpayConfig, dispatcher: Dispatcher) -> FinpayClient {
        FinpayClient {
            config: Arc::new(config),
            dispatcher,
        }
    }

    /// The merchant configuration.
    pub fn config(&self) -> &FinpayConfig {
        &self.config
    }

    /// Sends one endpoint's [`Call`]: the one way every native method below sends.
    pub async fn send<K>(&self, call: &K) -> Result<NativeResponse<K::Output>>
    where
        K: Call<FinpayConfig> + Sync,
        K::Output: Send,
    {
        self.dispatcher.send(self.config.as_ref(), call).await
    }

    /// initiate: create a payment on any channel. Sent at most once.
    pub async fn initiate(
        &self,
        request: &InitiateRequest,
    ) -> Result<NativeResponse<InitiateResponse>> {
        self.send(&InitiateCall { request }).await
    }

    /// check: a payment's status.
    pub async fn check(&self, order_id: &OrderId) -> Result<NativeResponse<CheckResponse>> {
        self.send(&CheckCall { order_id }).await
    }

    /// refund: refund `amount` (IDR) of an order. Sent at most once.
    pub async fn refund(
        &self,
        order_id: &OrderId,
        amount: &Money,
    ) -> Result<NativeResponse<Envelope>> {
        self.send(&RefundCall { order_id, amount }).await
    }

    /// void: void a card transaction before settlement. Sent at most once.
    pub async fn void(&self, order_id: &OrderId) -> Result<NativeResponse<Envelope>> {
        self.send(&VoidCall { order_id }).await
    }

    /// cancel: cancel an unpaid order. Sent at most once.
    pub async fn cancel(&self, order_id: &OrderId) -> Result<NativeResponse<Envelope>> {
        self.send(&CancelCall { order_id }).await
    }

    /// open-payment check: an open virtual account's customer and channel (`vabca`,
    /// `8804483313131312`); the answer must be about that VA.
    pub async fn open_payment_check(
        &self,
        channel: &VirtualAccountChannel,
        code: &PaymentCode,
    ) -> Result<NativeResponse<CheckResponse>> {
        self.send(&OpenPaymentCheckCall { channel, code }).await
    }

    /// open-payment register: open a standing virtual account for a customer (see
    /// [`ops::open_payment`]: the body is inferred, no source shows it). Sent at most once;
    /// an answer naming another VA is an unknown outcome.
    pub async fn open_payment_register(
        &self,
        account: &OpenPaymentAccount,
    ) -> Result<NativeResponse<CheckResponse>> {
        self.send(&OpenPaymentWriteCall {
            account,
            update: false,
        })
        .await
    }

    /// open-payment update: change an open virtual account's customer (same body as
    /// register). Sent at most once.
    pub async fn open_payment_update(
        &self,
        account: &OpenPaymentAccount,
    ) -> Result<NativeResponse<CheckResponse>> {
        self.send(&OpenPaymentWriteCall {
            account,
            update: true,
        })
        .await
    }

    /// open-payment delete: close an open virtual account. Sent at most once.
    pub async fn open_payment_delete(
        &self,
        channel: &VirtualAccountChannel,
        code: &PaymentCode,
    ) -> Result<NativeResponse<Envelope>> {
        self.send(&OpenPaymentDeleteCall { channel, code }).await
    }

    /// Verifies and reads a callback.
    pub fn verify_callback(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        webhook::verify(&self.config, body, headers)
    }

    /// The escape hatch for endpoints this crate does not type (stored-card delete, …): sends `body` (JSON, if any) with the
    /// merchant's Basic auth to `path` and returns the raw answer whatever its status.
    /// `effect` decides retries: a [`Effect::Write`] is never resent once it may have left.
    ///
    /// ```no_run
    /// # async fn run(client: &paygate_finpay::FinpayClient) -> paygate_core::Result<()> {
    /// use paygate_core::http::Method;
    /// let answer = client
    ///     .raw_request(Method::GET, "/pg/payment/card/customer/delete/TOKEN123", None, paygate_core::Effect::Write)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn raw_request(
        &self,
        method: Method,
        path: &'static str,
        body: Option<Vec<u8>>,
        effect: Effect,
    ) -> Result<HttpResponse> {
        // The one check every raw request goes through (the URL itself is built below).
        paygate_core::transport::raw_request_url(&self.config.base_url, path)?;
        let mut http = ops::request(
            &self.config,
            Operation::Native { name: path, effect },
            method,
            path,
            None,
        )?;
        if let Some(body) = body {
            http = http.json_body(body);
        }
        self.dispatcher.execute(&http, |r| Ok(r.clone())).await
    }
}

// The crate's README (its registry page) is compiled as a doctest: its quick start builds.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
