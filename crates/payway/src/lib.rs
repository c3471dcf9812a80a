//! # paygate-payway
//!
//! ABA PayWay (Cambodia) for paygate: [`PaywayClient`] with PayWay's full native API, and
//! [`PaywayGateway`], its [`paygate_core::PaymentGateway`] implementation.
//!
//! Every request carries `hash = base64(HMAC-SHA512(values in the endpoint's order,
//! api_key))` and a UTC `req_time` from the injected clock ([`sign`]); refund and pre-auth
//! requests carry `merchant_auth`, RSA-encrypted with the key PayWay issues. Answers are read
//! whatever their HTTP status, and `status.code` is interpreted per endpoint ([`status`]).
//!
//! ```no_run
//! # async fn run() -> paygate_core::Result<()> {
//! use paygate_core::secrecy::SecretString;
//! use paygate_core::transport::{Dispatcher, ReqwestTransport};
//! use paygate_core::{Environment, OrderId};
//! use paygate_payway::{PaywayClient, PaywayConfig};
//! use std::sync::Arc;
//!
//! let config = PaywayConfig::new("ec000002", &SecretString::from("api-key"), Environment::Sandbox)?
//!     .with_rsa_public_key_pem(&std::fs::read_to_string("payway.pem").unwrap_or_default())?;
//! let dispatcher = Dispatcher::new(Arc::new(ReqwestTransport::with_defaults()?));
//! let client = PaywayClient::new(config, dispatcher);
//! let answer = client.check_transaction(&OrderId::new("17394277693")?).await?;
//! println!("{:?}", answer.body.data);
//! # Ok(()) }
//! ```

// docs.rs: each item gated by a feature says which (`--cfg docsrs`, nightly).
#![cfg_attr(docsrs, feature(doc_cfg))]

// Visibility (docs/public-api.md): in `endpoint`, `gateway`, `ops` and `sign`, the request building, answer parsing,
// answer-to-model conversions, code tables and signing internals are `#[doc(hidden)]` item by
// item: public for the golden-vector tests, fuzz targets and benchmarks only. The types an app
// uses stay visible there and are re-exported at the root.
pub mod config;
pub mod endpoint;
pub mod gateway;
pub mod ops;
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
use paygate_core::transport::{Call, Dispatcher, HttpRequest, HttpResponse, raw_request_url};
use paygate_core::{Effect, Money, NativeResponse, Operation, OrderId, Result, WebhookEvent};

pub use config::PaywayConfig;
pub use endpoint::Endpoint;
pub use gateway::{PaywayFactory, PaywayGateway};
pub use ops::credential::{
    BillingFrequency, ConsumerTokenId, LinkRequestId, LinkTokenFlag, PayTokenFlag, PaymentToken,
    SaveCredential,
};
pub use ops::generate_qr::{QrImageTemplate, QrPaymentOption, QrRequest};
pub use ops::payment_link::{ImageFormat, PaymentLinkId, PaymentLinkImage, PaymentLinkRequest};
pub use ops::purchase::{
    Payout, PurchaseForm, PurchaseItem, PurchaseOutcome, PurchaseRequest, PurchaseType,
    ReturnDeeplink, ViewType,
};
pub use ops::token_link::{CardLinkForm, TokenLinkRequest};
pub use ops::token_payment::TokenPaymentRequest;
pub use ops::transaction_list::{ListStatus, TransactionListQuery};
pub use ops::transactions_by_ref::MerchantRef;
pub use sign::{Fields, MerchantAuthKey};
#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use test_signer::TestSigner;

use ops::check_transaction::CheckTransactionCall;
use ops::close_transaction::CloseTransactionCall;
use ops::exchange_rate::ExchangeRateCall;
use ops::generate_qr::GenerateQrCall;
use ops::payment_link::{PaymentLinkCreateCall, PaymentLinkDetailCall, PaymentLinkVoidCall};
use ops::pre_auth::{PreAuthCancellationCall, PreAuthCompletionCall};
use ops::purchase;
use ops::purchase::PurchaseCall;
use ops::refund::RefundCall;
use ops::token_link::{self, AccountLinkCall};
use ops::token_management::{TokenDetailsCall, TokenRemoveCall, TokenRenewCall};
use ops::token_payment::TokenPaymentCall;
use ops::transaction_detail::TransactionDetailCall;
use ops::transaction_list::TransactionListCall;
use ops::transactions_by_ref::TransactionsByRefCall;
use wire::{
    AccountLinkResponse, CheckTransactionResponse, CloseTransactionResponse, ExchangeRateResponse,
    GenerateQrResponse, PaymentLinkResponse, PaymentLinkVoidResponse, PreAuthResponse,
    RefundResponse, TokenDetailsResponse, TokenPaymentResponse, TokenStatusResponse,
    TransactionDetailResponse, TransactionListResponse, TransactionsByRefResponse,
};

/// The provider name.
pub const PROVIDER: &str = "payway";

/// PayWay's native API for one merchant profile. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PaywayClient {
    config: Arc<PaywayConfig>,
    dispatcher: Dispatcher,
}

impl PaywayClient {
    /// A client sending through `dispatcher` (its clock stamps `req_time`, its random source
    /// pads RSA).
    pub fn new(config: PaywayConfig, dispatcher: Dispatcher) -> PaywayClient {
        PaywayClient {
            config: Arc::new(config),
            dispatcher,
        }
    }

    /// The profile.
    pub fn config(&self) -> &PaywayConfig {
        &self.config
    }

    /// What time the client's clock says (the injected one in tests).
    pub(crate) fn now(&self) -> paygate_core::time::OffsetDateTime {
        self.dispatcher.clock().now()
    }

    /// Sends one endpoint's [`Call`]: the one way every native method below sends.
    pub async fn send<K>(&self, call: &K) -> Result<NativeResponse<K::Output>>
    where
        K: Call<PaywayConfig> + Sync,
        K::Output: Send,
    {
        self.dispatcher.send(self.config.as_ref(), call).await
    }

    /// check-transaction-2: a transaction's status (created within 7 days).
    pub async fn check_transaction(
        &self,
        tran_id: &OrderId,
    ) -> Result<NativeResponse<CheckTransactionResponse>> {
        self.send(&CheckTransactionCall { tran_id }).await
    }

    /// transaction-detail: payer details and history (10 requests a minute).
    pub async fn transaction_detail(
        &self,
        tran_id: &OrderId,
    ) -> Result<NativeResponse<TransactionDetailResponse>> {
        self.send(&TransactionDetailCall { tran_id }).await
    }

    /// close-transaction: close an unpaid transaction.
    pub async fn close_transaction(
        &self,
        tran_id: &OrderId,
    ) -> Result<NativeResponse<CloseTransactionResponse>> {
        self.send(&CloseTransactionCall { tran_id }).await
    }

    /// transaction-list-2: one page of transactions; follow with
    /// [`TransactionListQuery::next_page`] while pages come back full.
    pub async fn transaction_list(
        &self,
        query: &TransactionListQuery,
    ) -> Result<NativeResponse<TransactionListResponse>> {
        self.send(&TransactionListCall { query }).await
    }

    /// get-transactions-by-mc-ref: the last 50 transactions paid under a merchant reference
    /// (a KHQR's tag 62.01; printed and offline QRs have no `tran_id`), 10 requests a minute.
    /// Every row must be under `reference`, else the answer is unexpected.
    pub async fn transactions_by_merchant_ref(
        &self,
        reference: &MerchantRef,
    ) -> Result<NativeResponse<TransactionsByRefResponse>> {
        self.send(&TransactionsByRefCall { reference }).await
    }

    /// exchange-rate: ABA's riel rates.
    pub async fn exchange_rate(&self) -> Result<NativeResponse<ExchangeRateResponse>> {
        self.send(&ExchangeRateCall).await
    }

    /// online-transaction/refund: refund `amount` of `tran_id`. Sent at most once. Nothing is
    /// checked against the payment here: the unified gateway's `refund` does that.
    pub async fn refund(
        &self,
        tran_id: &OrderId,
        amount: &Money,
    ) -> Result<NativeResponse<RefundResponse>> {
        self.send(&RefundCall { tran_id, amount }).await
    }

    /// pre-auth-completion: capture `amount` of a held `tran_id`. Sent at most once.
    pub async fn pre_auth_completion(
        &self,
        tran_id: &OrderId,
        amount: &Money,
    ) -> Result<NativeResponse<PreAuthResponse>> {
        self.pre_auth_completion_with_payout(tran_id, amount, &[])
            .await
    }

    /// pre-auth-completion with payout: capture `amount` of a held `tran_id` and pay
    /// `payouts` out of it to other ABA accounts. Sent at most once. The payouts are checked
    /// before sending: at most 10, each to a named account in the amount's currency, together
    /// at most `amount`.
    pub async fn pre_auth_completion_with_payout(
        &self,
        tran_id: &OrderId,
        amount: &Money,
        payouts: &[Payout],
    ) -> Result<NativeResponse<PreAuthResponse>> {
        self.send(&PreAuthCompletionCall {
            tran_id,
            amount,
            payouts,
        })
        .await
    }

    /// pre-auth-cancellation: release a hold. Sent at most once.
    pub async fn pre_auth_cancellation(
        &self,
        tran_id: &OrderId,
    ) -> Result<NativeResponse<PreAuthResponse>> {
        self.send(&PreAuthCancellationCall { tran_id }).await
    }

    /// generate-qr (the QR API): a QR the app shows itself (KHQR, ABA, WeChat or Alipay),
    /// with its payload, a drawn image and ABA Mobile's deep link. Creates the transaction:
    /// sent at most once. Pay it, then read it with `check_transaction` like any other.
    pub async fn generate_qr(
        &self,
        request: &QrRequest,
    ) -> Result<NativeResponse<GenerateQrResponse>> {
        self.send(&GenerateQrCall { request }).await
    }

    /// payment-link/create: a link to share that takes payments of a fixed amount (see
    /// [`ops::payment_link`]). Everything is checked before sending; sent at most once. Keep
    /// `data.id` from the answer: detail and void take it.
    pub async fn create_payment_link(
        &self,
        request: &PaymentLinkRequest,
    ) -> Result<NativeResponse<PaymentLinkResponse>> {
        self.send(&PaymentLinkCreateCall { request }).await
    }

    /// payment-link/detail: a link's status (`OPEN`, `PAID`, `VOIDED`), payments and totals.
    pub async fn payment_link_detail(
        &self,
        id: &PaymentLinkId,
    ) -> Result<NativeResponse<PaymentLinkResponse>> {
        self.send(&PaymentLinkDetailCall { id }).await
    }

    /// payment-link/void: stop a link taking payments (its page dies). Sent at most once; a
    /// link voided already is refused with `PTL188` ([`paygate_core::ProviderErrorKind::InvalidState`]).
    pub async fn void_payment_link(
        &self,
        id: &PaymentLinkId,
    ) -> Result<NativeResponse<PaymentLinkVoidResponse>> {
        self.send(&PaymentLinkVoidCall { id }).await
    }

    /// link-account: start saving `request`'s ABA account (see [`ops::credential`]). The
    /// answer's `data` holds the QR and deep link the customer approves in ABA Mobile. Sent
    /// at most once.
    pub async fn link_account(
        &self,
        request: &TokenLinkRequest,
    ) -> Result<NativeResponse<AccountLinkResponse>> {
        self.send(&AccountLinkCall { request }).await
    }

    /// link-card: the signed form the customer's browser posts to PayWay's add-card page
    /// (form-urlencoded); nothing is sent.
    pub fn card_link_form(&self, request: &TokenLinkRequest) -> Result<CardLinkForm> {
        token_link::card_link_form(&self.config, request, self.now())
    }

    /// get-token-details: the token the link `request_id` produced (`09` while there is
    /// none). Check `data.ctid` is your customer's and `data.status` is active before
    /// storing `data.pwt`.
    pub async fn token_details(
        &self,
        request_id: &LinkRequestId,
    ) -> Result<NativeResponse<TokenDetailsResponse>> {
        self.send(&TokenDetailsCall { request_id }).await
    }

    /// payment-credential: pay with a saved token. Checked before sending, sent at most once;
    /// `00` means PayWay took it: confirm the payment with [`PaywayClient::check_transaction`].
    pub async fn pay_with_token(
        &self,
        request: &TokenPaymentRequest,
    ) -> Result<NativeResponse<TokenPaymentResponse>> {
        self.send(&TokenPaymentCall { request }).await
    }

    /// renew-expired-account-token: renew `ctid`'s expired ABA account token, under a new
    /// `request_id`. Sent at most once.
    pub async fn renew_account_token(
        &self,
        ctid: &ConsumerTokenId,
        pwt: &PaymentToken,
        request_id: &LinkRequestId,
    ) -> Result<NativeResponse<TokenStatusResponse>> {
        self.send(&TokenRenewCall {
            ctid,
            pwt,
            request_id,
        })
        .await
    }

    /// remove-token: delete `ctid`'s token at PayWay (repeatable: an unknown token is `00`).
    pub async fn remove_token(
        &self,
        ctid: &ConsumerTokenId,
        pwt: &PaymentToken,
    ) -> Result<NativeResponse<TokenStatusResponse>> {
        self.send(&TokenRemoveCall { ctid, pwt }).await
    }

    /// The signed purchase fields, for a browser form post; nothing is sent.
    pub fn purchase_form(&self, request: &PurchaseRequest) -> Result<PurchaseForm> {
        purchase::form(&self.config, request, self.now())
    }

    /// purchase, sent from the server: a redirect, a QR, or a form to render (see
    /// [`ops::purchase`]).
    pub async fn purchase(
        &self,
        request: &PurchaseRequest,
    ) -> Result<NativeResponse<PurchaseOutcome>> {
        let form = self.purchase_form(request)?;
        self.send(&PurchaseCall { form: &form }).await
    }

    /// Verifies (when signed) and reads a pushback. Confirm it with
    /// [`PaywayClient::check_transaction`] before acting on it.
    pub fn verify_pushback(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        webhook::verify(&self.config, body, headers)
    }

    /// The escape hatch for endpoints this crate does not type: POSTs `fields` as JSON to
    /// `path` with `hash` appended over `hash_order` (names of `fields`, absent ones hashed as
    /// `""`), and returns the raw answer whatever its status. `effect` decides retries: a
    /// [`Effect::Write`] is never resent once it may have left.
    ///
    /// ```no_run
    /// # async fn run(client: &paygate_payway::PaywayClient) -> paygate_core::Result<()> {
    /// use paygate_payway::Fields;
    /// // An endpoint PayWay adds after this release (the path and fields are made up).
    /// let fields = Fields::new()
    ///     .with("req_time", "20250213065545")
    ///     .with("merchant_id", client.config().merchant_id())
    ///     .with("invoice_no", "INV-1");
    /// let answer = client
    ///     .raw_request(
    ///         "/api/payment-gateway/v1/payments/a-newer-endpoint",
    ///         fields,
    ///         &["req_time", "merchant_id", "invoice_no"],
    ///         paygate_core::Effect::Read,
    ///     )
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn raw_request(
        &self,
        path: &'static str,
        fields: Fields,
        hash_order: &[&str],
        effect: Effect,
    ) -> Result<HttpResponse> {
        let signed = fields.signed(&self.config.hmac, hash_order);
        let url = raw_request_url(&self.config.base_url, path)?;
        let request = HttpRequest::new(
            PROVIDER,
            Operation::Native { name: path, effect },
            Method::POST,
            url,
        )
        .json_body(signed.to_json()?);
        self.dispatcher.execute(&request, |r| Ok(r.clone())).await
    }
}

// The crate's README (its registry page) is compiled as a doctest: its quick start builds.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
