//! # paygate-sandbox
//!
//! An offline, stateful simulator of the Finpay, ABA PayWay and PayG APIs: an axum server on
//! loopback that speaks each provider's API at the paths the provider crates use, checks
//! authentication as strictly as the provider (Basic credentials, PayWay's per-endpoint hash
//! and `req_time` freshness, `merchant_auth` RSA decrypted with its own key pair, PayG's
//! header) with its own code, keeps orders through their life, answers in the providers'
//! documented shapes and codes, reproduces their quirks (PayWay reports REFUNDED after a
//! partial refund; PayG may put an error in an HTTP 200) and injects faults on request.
//!
//! ```no_run
//! # async fn run() -> Result<(), paygate_sandbox::SandboxError> {
//! let sandbox = paygate_sandbox::Sandbox::start().await?;
//! println!("PayWay at {}", sandbox.url(paygate_sandbox::Provider::Payway));
//! println!("{}", sandbox.config_toml());
//! # Ok(()) }
//! ```
//!
//! Control routes (also used by `paygate sandbox`): `POST /_sandbox/pay/{provider}/{id}`
//! simulates the customer paying and returns the webhook the provider would send;
//! `POST /_sandbox/expire/{provider}/{id}`; `GET /_sandbox/requests` lists what was received
//! (`DELETE` forgets it); `POST /_sandbox/faults` arms a fault (`DELETE` clears them);
//! `POST /_sandbox/seed` puts many orders in the ledger at once ([`Seed`], for load tests
//! and reconciliation runs against a sandbox in its own process).
//!
//! Each provider's hosted checkout page (`GET /_sandbox/checkout/{provider}/{id}`, where
//! the checkouts it creates send the customer) lets a tester pay (authorize, for a
//! pre-authorization), decline or cancel, shows PayWay's KHQR for a QR order, and sends the
//! browser back to the URL the merchant gave for that outcome, as the provider does
//! ([`ReturnUrls`]): Finpay's successUrl / failUrl / backUrl; PayWay's continue_success_url
//! or cancel_url (a declined card stays on PayWay's page, with a link back); PayG's
//! RedirectUrl whatever the outcome (PayG publishes no cancelled status: a cancelled PayG
//! order reads as pending).
//!
//! Open virtual accounts (Finpay's open payments) are opened with [`Sandbox::open_account`]
//! or `POST /_sandbox/open-account` (a [`SimOpenAccount`] as JSON), then checked and deleted
//! through the provider's API.
//!
//! Payment links (PayWay's `payment-link/*`) get a payer's page at
//! `GET /_sandbox/link/{provider}/{slug}` (the link's `payment_link` URL) and
//! `POST /_sandbox/link/{provider}/{slug}/pay`, which makes a new paid order of the link's
//! amount and sends the link's (unsigned) notification ([`Sandbox::pay_link`]).
//!
//! When an order is paid, the simulator also POSTs the provider's notification, signed, to
//! the order's callback URL (PayG: the account URL of [`Sandbox::set_notification_url`]),
//! on loopback only, retrying as the provider does (Finpay: until a `2000000`
//! acknowledgement, three resends over 12 hours, compressible with
//! [`Sandbox::compress_delivery_schedule`]; PayWay, which waits 5 s for the answer, and
//! PayG: once). A
//! redirect is a failed attempt, never followed (its `Location` is recorded); a URL off
//! loopback is never called, its attempt listed as refused. `GET /_sandbox/deliveries` lists
//! every attempt and its answer ([`Delivery`]); `POST /_sandbox/redeliver/{n}`
//! ([`Sandbox::redeliver`]) makes one again.

// docs.rs: each item gated by a feature says which (`--cfg docsrs`, nightly).
#![cfg_attr(docsrs, feature(doc_cfg))]
// Handlers reject with a ready `Response` (the axum idiom); its size does not matter here.
#![allow(clippy::result_large_err)]

mod control;
mod delivery;
mod faults;
mod hosted;
mod json;
mod links;
mod log;
mod providers;
mod simulated;
mod state;
pub mod strictness;
mod tokens;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use paygate_core::clock::{Clock, SystemClock};
use paygate_core::time::OffsetDateTime;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use control::router;
pub use delivery::{Delivery, RedeliveryError};
pub use faults::{Fault, FaultSpec};
pub use links::{LinkStatus, SimLink, SimOpenAccount};
pub use log::DEFAULT_REQUEST_LOG_LIMIT;
pub use providers::*;
pub use simulated::SampleOrder;
pub use state::{Refusal, ReturnUrls, SimOrder, SimRefund, Stage};
pub use tokens::{CredentialKind, SimToken, SimTokenLink, TokenStatus};

use state::Ledger;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// Binding or serving failed.
    #[error("sandbox I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The simulator's key did not load.
    #[error("sandbox key: {0}")]
    Key(String),
}

/// One request the simulator received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceivedRequest {
    /// Provider.
    pub provider: Provider,
    /// Method.
    pub method: String,
    /// Path, provider prefix removed.
    pub path: String,
    /// The fault it met (`Fault::name`), if one was armed: the request was received at the
    /// HTTP level whatever the fault did with it.
    pub fault: Option<String>,
    /// When it arrived, microseconds since the simulator started.
    pub received_at_us: u64,
    /// When its answer was ready (the operation done), microseconds since the simulator
    /// started; `None` while it is being handled, or if the client went away first.
    pub answered_at_us: Option<u64>,
    /// Its number, in arrival order.
    pub seq: u64,
}

/// Many orders at once: ids `{prefix}{n:06}` for `n` in `0..count`, each of `amount`
/// `currency`, paid (by the provider's usual method) or left pending. The body of
/// `POST /_sandbox/seed`, e.g. `{"provider":"payway","prefix":"B","count":100000,
/// "amount":"10.00","currency":"USD","paid":true}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seed {
    /// The provider.
    pub provider: Provider,
    /// The id prefix: 1 to 14 ASCII letters and digits, so that every id (at most 20
    /// letters and digits) is valid at every provider.
    pub prefix: String,
    /// How many orders, at most [`Seed::MAX_COUNT`].
    pub count: u32,
    /// Each order's amount, a decimal string.
    pub amount: String,
    /// Each order's currency code.
    pub currency: String,
    /// Paid (true) or pending (false).
    #[serde(default)]
    pub paid: bool,
}

impl Seed {
    /// The most orders one seed may create.
    pub const MAX_COUNT: u32 = 1_000_000;

    /// The id of the `n`-th order.
    pub fn order_id(&self, n: u32) -> String {
        format!("{}{n:06}", self.prefix)
    }
}

/// Why a seed was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SeedError {
    /// A field is out of range; the ledger is unchanged.
    #[error("bad seed: {0}")]
    Invalid(String),
    /// An id is taken; the ledger is unchanged.
    #[error("seed id {0} exists")]
    Duplicate(String),
}

/// A webhook the provider would send, as the simulator signs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatedWebhook {
    /// The body.
    pub body: String,
    /// The headers (name, value).
    pub headers: Vec<(String, String)>,
}

impl SimulatedWebhook {
    /// The headers as a `HeaderMap`, as `PaymentGateway::verify_webhook` takes them. A pair
    /// that is not valid HTTP is left out (the simulator makes none).
    pub fn header_map(&self) -> axum::http::HeaderMap {
        self.headers
            .iter()
            .filter_map(|(name, value)| {
                Some((
                    axum::http::HeaderName::from_bytes(name.as_bytes()).ok()?,
                    axum::http::HeaderValue::from_str(value).ok()?,
                ))
            })
            .collect()
    }
}

pub(crate) struct Shared {
    started: std::time::Instant,
    pub(crate) credentials: Credentials,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) base: String,
    ledger: Mutex<Ledger>,
    links: Mutex<links::LinkBook>,
    open_accounts: Mutex<links::OpenAccountBook>,
    tokens: Mutex<tokens::TokenBook>,
    faults: Mutex<Vec<FaultSpec>>,
    received: Mutex<log::RequestLog>,
    pub(crate) http: reqwest::Client,
    pub(crate) deliveries: Mutex<Vec<Delivery>>,
    /// What the providers' resend waits are divided by ([`Sandbox::compress_delivery_schedule`]).
    delivery_compression: std::sync::atomic::AtomicU32,
    /// Deliveries are listed but not sent ([`Sandbox::pause_deliveries`]).
    pub(crate) deliveries_paused: std::sync::atomic::AtomicBool,
    notification_urls: Mutex<std::collections::BTreeMap<Provider, String>>,
}

impl Shared {
    pub(crate) fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The open (standing) virtual accounts.
    pub(crate) fn open_accounts(&self) -> MutexGuard<'_, links::OpenAccountBook> {
        self.open_accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Credentials on file: link requests and tokens. Lock it before the ledger when both
    /// are needed.
    pub(crate) fn tokens(&self) -> MutexGuard<'_, tokens::TokenBook> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The payment links. Lock it before the ledger when both are needed.
    pub(crate) fn links(&self) -> MutexGuard<'_, links::LinkBook> {
        self.links.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub(crate) fn base_url(&self, provider: Provider) -> String {
        provider_base(&self.base, provider)
    }

    /// The account-wide notification URL of `provider`, if set.
    pub(crate) fn notification_url(&self, provider: Provider) -> Option<String> {
        self.notification_urls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&provider)
            .cloned()
    }

    /// What the providers' resend waits are divided by (1 or more).
    pub(crate) fn delivery_compression(&self) -> u32 {
        self.delivery_compression
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(1)
    }

    /// Milliseconds since the simulator started.
    pub(crate) fn elapsed_ms(&self) -> u64 {
        self.elapsed_us() / 1000
    }

    /// Microseconds since the simulator started.
    fn elapsed_us(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// Records a request as it arrives; returns its number.
    fn record(
        &self,
        provider: Provider,
        method: String,
        path: String,
        fault: Option<String>,
    ) -> u64 {
        let at = self.elapsed_us();
        self.requests().record(provider, method, path, fault, at)
    }

    /// Notes that request `seq` has its answer.
    fn answered(&self, seq: u64) {
        let now = self.elapsed_us();
        self.requests().answered(seq, now);
    }

    pub(crate) fn requests(&self) -> MutexGuard<'_, log::RequestLog> {
        self.received.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take_fault(&self, provider: Provider, path: &str) -> Option<Fault> {
        let mut faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        let index = faults.iter().position(|f| f.matches(provider, path))?;
        let spec = faults.get_mut(index)?;
        let fault = spec.fault.clone();
        spec.times = spec.times.saturating_sub(1);
        if spec.times == 0 {
            faults.remove(index);
        }
        Some(fault)
    }

    fn forget_received(&self) {
        self.requests().forget();
    }

    /// Creates every order of `seed`, or none.
    fn seed(&self, seed: &Seed) -> Result<u32, SeedError> {
        if seed.prefix.is_empty()
            || seed.prefix.len() > 14
            || !seed.prefix.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(SeedError::Invalid(
                "prefix must be 1 to 14 ASCII letters and digits".into(),
            ));
        }
        if seed.count == 0 || seed.count > Seed::MAX_COUNT {
            return Err(SeedError::Invalid(format!(
                "count must be 1 to {}",
                Seed::MAX_COUNT
            )));
        }
        let amount = seed
            .amount
            .parse::<paygate_core::Decimal>()
            .ok()
            .filter(|a| a.is_sign_positive() && !a.is_zero())
            .ok_or_else(|| {
                SeedError::Invalid(format!(
                    "amount {:?} is not a positive decimal",
                    seed.amount
                ))
            })?;
        // As the provider would: a currency it takes, in no more decimals than it allows.
        let Some(digits) = seed.provider.simulated().currency_digits(&seed.currency) else {
            return Err(SeedError::Invalid(format!(
                "{} takes no {:?}",
                seed.provider.name(),
                seed.currency
            )));
        };
        if amount.normalize().scale() > digits {
            return Err(SeedError::Invalid(format!(
                "amount {} has more decimals than {}'s {digits}",
                seed.amount, seed.currency
            )));
        }
        let method = seed.provider.simulated().payment_method();
        let now = self.now();
        let mut ledger = self.ledger();
        if let Some(taken) = (0..seed.count)
            .map(|n| seed.order_id(n))
            .find(|id| ledger.get(seed.provider, id).is_ok())
        {
            return Err(SeedError::Duplicate(taken));
        }
        for n in 0..seed.count {
            let id = seed.order_id(n);
            let order = SimOrder::new(
                seed.provider,
                id.clone(),
                id.clone(),
                amount,
                seed.currency.clone(),
                now,
            );
            let created = ledger.create(order);
            let paid = if seed.paid {
                ledger.pay(seed.provider, &id, method, now).map(drop)
            } else {
                Ok(())
            };
            if let Err(refusal) = created.and(paid) {
                return Err(SeedError::Invalid(format!("order {id}: {refusal}")));
            }
        }
        Ok(seed.count)
    }

    /// The customer pays: the order moves on, the provider's webhook is produced and, when the
    /// order has a loopback callback URL, delivered to it in the background.
    pub(crate) fn pay(
        self: &Arc<Self>,
        provider: Provider,
        id: &str,
    ) -> Result<SimulatedWebhook, Refusal> {
        let now = self.now();
        let simulated = provider.simulated();
        let order = self
            .ledger()
            .pay(provider, id, simulated.payment_method(), now)?;
        let webhook = simulated.webhook(self, &order);
        self.notify(provider, &order, &webhook);
        Ok(webhook)
    }

    /// Delivers `webhook` about `order` where its provider sends notifications.
    fn notify(self: &Arc<Self>, provider: Provider, order: &SimOrder, webhook: &SimulatedWebhook) {
        delivery::start(
            self,
            provider,
            &order.id,
            order.callback_url.as_deref(),
            webhook,
        );
    }

    /// The customer's payment is declined: the order ends declined and, where the provider
    /// notifies declines (Finpay, PayG; PayWay documents its pushback for successful
    /// payments only), its notification is delivered as a paid one is.
    pub(crate) fn decline(
        self: &Arc<Self>,
        provider: Provider,
        id: &str,
    ) -> Result<SimOrder, Refusal> {
        let order = self.ledger().decline(provider, id, self.now())?;
        let simulated = provider.simulated();
        if simulated.delivery_policy().notifies_declined {
            self.notify(provider, &order, &simulated.webhook(self, &order));
        }
        Ok(order)
    }
}

/// A running simulator. Stops when dropped or with [`Sandbox::shutdown`].
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts on a free loopback port with the default credentials and the system clock.
    pub async fn start() -> Result<Sandbox, SandboxError> {
        Sandbox::start_with(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            Credentials::default(),
            Arc::new(SystemClock),
        )
        .await
    }

    /// Starts on `addr` with `credentials`; `clock` judges PayWay's `req_time` and stamps
    /// dates (inject a fixed one to record deterministic exchanges).
    pub async fn start_with(
        addr: SocketAddr,
        credentials: Credentials,
        clock: Arc<dyn Clock>,
    ) -> Result<Sandbox, SandboxError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(SandboxError::Io)?;
        let addr = listener.local_addr().map_err(SandboxError::Io)?;
        for provider in Provider::ALL {
            provider.simulated().check()?;
        }
        let shared = Arc::new(Shared {
            started: std::time::Instant::now(),
            credentials,
            clock,
            base: format!("http://{addr}"),
            ledger: Mutex::new(Ledger::default()),
            links: Mutex::new(links::LinkBook::default()),
            open_accounts: Mutex::new(links::OpenAccountBook::default()),
            tokens: Mutex::new(tokens::TokenBook::default()),
            faults: Mutex::new(Vec::new()),
            received: Mutex::new(log::RequestLog::new()),
            // Notifications go to loopback only: never through a proxy, never after a
            // redirect (a 3xx is a failed delivery, as the providers count it).
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .map_err(|e| SandboxError::Io(std::io::Error::other(e)))?,
            deliveries: Mutex::new(Vec::new()),
            notification_urls: Mutex::new(std::collections::BTreeMap::new()),
            deliveries_paused: std::sync::atomic::AtomicBool::new(false),
            delivery_compression: std::sync::atomic::AtomicU32::new(1),
        });
        let app = router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "sandbox stopped");
            }
        });
        Ok(Sandbox {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL a provider's client should be configured with.
    pub fn url(&self, provider: Provider) -> String {
        self.shared.base_url(provider)
    }

    /// The credentials it accepts.
    pub fn credentials(&self) -> &Credentials {
        &self.shared.credentials
    }

    /// A `paygate.toml` with one gateway per provider, named as the provider, pointing
    /// here, credentials included (they are the simulator's test values).
    pub fn config_toml(&self) -> String {
        let mut text = format!("# paygate sandbox at {}\n", self.shared.base);
        for provider in Provider::ALL {
            text.push('\n');
            text.push_str(&self.gateway_toml(provider));
        }
        text
    }

    /// The `[gateways.<provider>]` table for one provider.
    pub fn gateway_toml(&self, provider: Provider) -> String {
        gateway_toml(provider, &self.shared.base, &self.shared.credentials)
    }

    /// Simulates the customer paying `id` (for a pre-auth: the hold is placed), and returns
    /// the webhook the provider would send.
    pub fn pay(&self, provider: Provider, id: &str) -> Result<SimulatedWebhook, Refusal> {
        self.shared.pay(provider, id)
    }

    /// The customer's payment of pending order `id` is declined, as the hosted page's
    /// Decline button does: the provider's notification follows where it sends one for a
    /// decline (Finpay, PayG).
    pub fn decline(&self, provider: Provider, id: &str) -> Result<SimOrder, Refusal> {
        self.shared.decline(provider, id)
    }

    /// Puts an order in the ledger as it is (to seed many orders for a test at once).
    pub fn insert(&self, order: SimOrder) -> Result<(), Refusal> {
        self.shared.ledger().create(order)
    }

    /// Creates every order of `seed` (or none, when one is refused) and returns how many.
    pub fn seed(&self, seed: &Seed) -> Result<u32, SeedError> {
        self.shared.seed(seed)
    }

    /// Forgets the requests received so far (a long load run would otherwise keep them all).
    pub fn forget_received(&self) {
        self.shared.forget_received();
    }

    /// Lets a pending order expire.
    pub fn expire(&self, provider: Provider, id: &str) -> Result<(), Refusal> {
        self.shared
            .ledger()
            .expire(provider, id, self.shared.now())
            .map(drop)
    }

    /// Every order of `provider`, oldest first.
    pub fn orders(&self, provider: Provider) -> Vec<SimOrder> {
        self.shared.ledger().list(provider)
    }

    /// An order as the simulator holds it.
    pub fn order(&self, provider: Provider, id: &str) -> Option<SimOrder> {
        self.shared.ledger().get(provider, id).ok().cloned()
    }

    /// Arms a fault.
    pub fn arm(&self, fault: FaultSpec) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(fault);
    }

    /// Clears every armed fault.
    pub fn clear_faults(&self) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Sends delivery `index` of [`Sandbox::deliveries`] again, as a provider's dashboard
    /// "resend" does (`POST /_sandbox/redeliver/{index}`): with the provider's attempts and
    /// deadline, each attempt listed with [`Delivery::redelivery_of`].
    pub fn redeliver(&self, index: usize) -> Result<(), RedeliveryError> {
        delivery::redeliver(&self.shared, index)
    }

    /// Every webhook delivery attempt so far (see `GET /_sandbox/deliveries`).
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared
            .deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Sets `provider`'s account-wide notification URL, for a provider that takes one in its
    /// dashboard rather than per order (PayG's "Webhook URL"). Only loopback URLs are called.
    pub fn set_notification_url(&self, provider: Provider, url: impl Into<String>) {
        self.shared
            .notification_urls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(provider, url.into());
    }

    /// While `paused`, a notification is listed in [`Sandbox::deliveries`] as not sent, and
    /// not sent: what an app sees when the provider cannot reach it (its return page must
    /// then learn the payment from a status read).
    pub fn pause_deliveries(&self, paused: bool) {
        self.shared
            .deliveries_paused
            .store(paused, std::sync::atomic::Ordering::Relaxed);
    }

    /// Divides every wait of the providers' resend schedules by `factor` (1, the default,
    /// keeps them as the providers' own: Finpay's last resend comes 12 h after the first
    /// attempt), so that a test of resends need not wait: `3_600_000` makes an hour a
    /// millisecond. The answer's deadline is not compressed. 0 counts as 1.
    pub fn compress_delivery_schedule(&self, factor: u32) {
        self.shared
            .delivery_compression
            .store(factor.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// The provider requests received so far: the last [`DEFAULT_REQUEST_LOG_LIMIT`] (or
    /// as set), oldest first.
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.shared.requests().entries()
    }

    /// How many received requests the log dropped, oldest first, to stay within its limit.
    pub fn dropped_requests(&self) -> u64 {
        self.shared.requests().dropped()
    }

    /// Keeps at most `limit` received requests (at least 1), dropping the oldest.
    pub fn set_request_log_limit(&self, limit: usize) {
        self.shared.requests().set_limit(limit);
    }

    /// Stops serving and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The `[gateways.<provider>]` table for a simulator (or anything serving its paths) at
/// `root` (`http://host:port`) accepting `credentials`.
pub fn gateway_toml(provider: Provider, root: &str, credentials: &Credentials) -> String {
    let name = provider.name();
    // The simulator shows a refund in the payment's figure at once, where the providers
    // may take seconds: a journaled refund right after another need not wait here.
    format!(
        "[gateways.{name}]\nprovider = \"{name}\"\nenvironment = \"{}\"\nrefunds_show_within_ms = 0\n{}",
        provider_base(root, provider),
        provider.simulated().settings_toml(credentials)
    )
}

/// A provider's base URL under `root`.
fn provider_base(root: &str, provider: Provider) -> String {
    format!("{root}{}", provider.simulated().mount_path())
}

// The crate's README (its registry page) is compiled as a doctest: its quick start builds.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
