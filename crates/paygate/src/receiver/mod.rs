//! A webhook receiver for axum apps (feature `axum`): one route per gateway of a registry,
//! `POST {mount}/{gateway}`, that verifies each delivery from its raw body bytes, answers the
//! provider with exactly the acknowledgement it requires, and hands each event to the app's
//! handler once.
//!
//! ```no_run
//! # async fn run(registry: paygate::GatewayRegistry) -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use paygate::receiver::{ReceivedWebhook, WebhookReceiver};
//!
//! let receiver = WebhookReceiver::builder(Arc::new(registry))
//!     .handler(|webhook: ReceivedWebhook| async move {
//!         println!("{} is {:?}", webhook.event.order_id, webhook.event.status);
//!         Ok(())
//!     })
//!     .build()?;
//! let app: axum::Router = axum::Router::new().nest("/webhooks", receiver.router());
//! # let _ = app; Ok(()) }
//! ```
//!
//! # What a delivery meets
//!
//! | Delivery | Answer | Handler |
//! |---|---|---|
//! | verified (or confirmed), first time | the provider's acknowledgement ([`WebhookEvent::reply`]) | called once, after the answer |
//! | the same event again (a provider's retry) | the same acknowledgement | not called |
//! | unknown gateway name, or a gateway that takes no webhooks | 404 | not called |
//! | body over the limit (64 KiB unless set) | 413 | not called |
//! | signature missing or wrong | 401 | not called |
//! | body not the provider's shape | 400 | not called |
//! | event older than the gateway's `webhook_max_age_secs`, or dated in the future | 422 | not called |
//! | unsigned, and the status read disagrees (order, transaction or amount) | 422 | not called |
//! | unsigned, and the provider has no such order | 404 | not called |
//! | unsigned, and the status read failed | the acknowledgement (it is recorded: PayWay and PayG send once) | called once a read in the background confirms it (after 1, 2, 4 and 8 s); else due again, for the worker ([`WebhookReceiver::run_worker`]) |
//! | handler failed, or outlived its timeout | — | called again by the worker after 1 s, 2 s, 4 s … (at most 10 minutes) |
//! | the inbox is unavailable | 503 (the provider may retry) | not called |
//!
//! Answers to refused deliveries are one short line naming the reason; they never echo the
//! body, a signature or a key, and the log lines (target `paygate::receiver`) carry the
//! gateway, the order when known and the reason only.
//!
//! # Answering in time
//!
//! PayWay sends its pushback once and wants a 200 within about 5 s; Finpay resends its
//! callback until it is acknowledged. The receiver therefore acknowledges as soon as the
//! event is verified and its receipt recorded, and runs the handler afterwards, in its own
//! task: a slow handler never delays the answer. With a write journal in the registry
//! (features `journal`, `journal-postgres`), receipts are kept in the journal's database
//! ([`paygate_journal::WebhookInbox`]): a retried delivery is recognised across restarts and
//! app instances. Without a journal, receipts are a bounded set in memory (the last 10 000
//! events unless set): a restart forgets them.
//!
//! # Never lost, never handed over twice at once
//!
//! The receiver that takes an event in **holds** its receipt while it hands it over (the
//! confirming status read's bound, the handler's timeout, 60 s unless set, and 5 s; for an
//! unsigned notice confirmed in the background, that confirmation's time too): no other
//! instance takes it meanwhile. A pass takes due receipts one at a time, so none waits out
//! its hold behind others. A
//! handler that fails, or outlives its timeout, makes the event due again after a wait (1 s,
//! doubled with each failure, at most 10 minutes unless set); one whose instance died lets
//! its hold run out. [`WebhookReceiver::run_worker`], spawned once per instance, takes
//! what is due — each receipt by one instance only — and hands it over again, confirmed by a
//! fresh status read ([`WebhookReceiver::handle_unhandled`] does one such pass). Handlers
//! should be idempotent all the same: one that did its work but failed before returning is
//! called again. In memory, a failed event is retried the same way while the process lives.
//!
//! # Unsigned notifications
//!
//! PayG's postback and PayWay's unsigned pushbacks carry no signature
//! ([`Authenticity::Unverified`]). The receiver reads the payment's status before believing
//! one: the read must name the same order, the same transaction (when both say) and the same
//! amount (when both say). The handler then gets the event with the status as read, and
//! [`Confirmation::StatusRead`] with the payment. The read is bounded (3 s unless set) so
//! that the answer still comes in time.

mod inbox;
mod route;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::{GatewayRegistry, Payment, WebhookEvent};
#[cfg(doc)]
use paygate_core::webhook::Authenticity;

use inbox::Receipts;

/// What a handler's failure is.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// How a received event came to be believed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Confirmation {
    /// Its signature was verified with the gateway's key.
    Signature,
    /// It is unsigned; this read of the payment (made on receipt, or when handled again
    /// after a restart) confirmed it, and the event's status is the read's.
    StatusRead(Box<Payment>),
}

/// One event for the app's handler.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReceivedWebhook {
    /// The gateway's name in the registry (the route's last segment).
    pub gateway: String,
    /// The event. For a confirmed one, `status`, `provider_status` and `amount` are the
    /// status read's.
    pub event: WebhookEvent,
    /// How it was believed.
    pub confirmation: Confirmation,
    /// What identifies the event across deliveries: order, transaction, status, amount.
    pub event_key: String,
}

/// The app's code for received events. Any `Fn(ReceivedWebhook) -> impl Future<Output =
/// Result<(), HandlerError>>` is one. It runs after the provider was answered; an `Err`
/// makes the event due again after a wait (see [`WebhookReceiver::run_worker`]).
pub trait WebhookHandler: Send + Sync + 'static {
    /// Handles one event.
    fn handle(&self, webhook: ReceivedWebhook) -> BoxFuture<'static, Result<(), HandlerError>>;
}

impl<F, Fut> WebhookHandler for F
where
    F: Fn(ReceivedWebhook) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    fn handle(&self, webhook: ReceivedWebhook) -> BoxFuture<'static, Result<(), HandlerError>> {
        Box::pin(self(webhook))
    }
}

/// Why a receiver could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiverError {
    /// No handler was given.
    #[error("a webhook receiver needs a handler")]
    NoHandler,
}

/// What [`WebhookReceiver::handle_unhandled`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnhandledReport {
    /// The events handed over and handled.
    pub handled: usize,
    /// The events left unhandled, kept for the next call, each with why.
    pub left: Vec<LeftUnhandled>,
}

/// An event [`WebhookReceiver::handle_unhandled`] could not hand over this time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeftUnhandled {
    /// The gateway instance it came to.
    pub gateway: String,
    /// The app's order id it is about.
    pub order_id: String,
    /// Why it is left.
    pub why: String,
}

impl std::fmt::Display for UnhandledReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} handled, {} left", self.handled, self.left.len())?;
        for left in &self.left {
            write!(f, "; {} {}: {}", left.gateway, left.order_id, left.why)?;
        }
        Ok(())
    }
}

/// Mounted routes and the state behind them; cheap to clone.
#[derive(Clone)]
pub struct WebhookReceiver {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field(
                "gateways",
                &self.shared.registry.names().collect::<Vec<_>>(),
            )
            .field("max_body_bytes", &self.shared.max_body_bytes)
            .field("confirm_within", &self.shared.confirm_within)
            .field("receipts", &self.shared.receipts)
            .finish()
    }
}

pub(crate) struct Shared {
    pub(crate) registry: Arc<GatewayRegistry>,
    pub(crate) handler: Arc<dyn WebhookHandler>,
    pub(crate) receipts: Receipts,
    pub(crate) max_body_bytes: usize,
    pub(crate) confirm_within: Duration,
    pub(crate) handler_timeout: Duration,
    pub(crate) retry: Retry,
}

/// How long a failed receipt waits before it is due again: `first`, doubled with each
/// failure, at most `most`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retry {
    first: Duration,
    most: Duration,
}

/// What a receiver's hold outlasts its handler's deadline by: time to record the outcome.
const HOLD_MARGIN: Duration = Duration::from_secs(5);

impl Shared {
    /// How long a receipt is held while it is handed over — the status read confirming it
    /// (bounded by `confirm_within`), then the handler (bounded by its timeout) — so that no
    /// other receiver takes it meanwhile.
    pub(crate) fn hold(&self) -> Duration {
        self.confirm_within
            .saturating_add(self.handler_timeout)
            .saturating_add(HOLD_MARGIN)
    }

    /// How long an unsigned receipt whose first read failed is held: the background
    /// confirmation's waits and reads, then the handler.
    pub(crate) fn hold_while_confirming(&self) -> Duration {
        route::CONFIRM_LATER.iter().fold(self.hold(), |hold, wait| {
            hold.saturating_add(*wait)
                .saturating_add(self.confirm_within)
        })
    }

    /// The wait after a receipt's handler failed, with `failures` failures before this one.
    pub(crate) fn retry_wait(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.min(30));
        self.retry.first.saturating_mul(factor).min(self.retry.most)
    }
}

/// Builds a [`WebhookReceiver`].
pub struct WebhookReceiverBuilder {
    registry: Arc<GatewayRegistry>,
    handler: Option<Arc<dyn WebhookHandler>>,
    max_body_bytes: usize,
    confirm_within: Duration,
    memory_capacity: usize,
    in_memory: bool,
    handler_timeout: Duration,
    retry: Retry,
}

impl std::fmt::Debug for WebhookReceiverBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookReceiverBuilder")
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl WebhookReceiver {
    /// The largest body accepted unless set: 64 KiB (providers' notifications are a few
    /// hundred bytes).
    pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
    /// How long the status read confirming an unsigned notification may take unless set.
    pub const DEFAULT_CONFIRM_WITHIN: Duration = Duration::from_secs(3);
    /// How many events the in-memory receipts remember unless set.
    pub const DEFAULT_MEMORY_CAPACITY: usize = 10_000;
    /// How long a handler may run unless set: then it is stopped and counts as failed.
    pub const DEFAULT_HANDLER_TIMEOUT: Duration = Duration::from_secs(60);

    /// A receiver for the gateways of `registry`.
    pub fn builder(registry: Arc<GatewayRegistry>) -> WebhookReceiverBuilder {
        WebhookReceiverBuilder {
            registry,
            handler: None,
            max_body_bytes: WebhookReceiver::DEFAULT_MAX_BODY_BYTES,
            confirm_within: WebhookReceiver::DEFAULT_CONFIRM_WITHIN,
            memory_capacity: WebhookReceiver::DEFAULT_MEMORY_CAPACITY,
            in_memory: false,
            handler_timeout: WebhookReceiver::DEFAULT_HANDLER_TIMEOUT,
            retry: Retry {
                first: Duration::from_secs(1),
                most: Duration::from_secs(600),
            },
        }
    }

    /// The routes: `POST /{gateway}` for every gateway of the registry. Nest them where the
    /// providers are told to deliver (`Router::nest("/webhooks", receiver.router())`).
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> axum::Router<S> {
        route::router(self.shared.clone())
    }

    /// Whether receipts are kept in the write journal's database (else in memory).
    pub fn is_durable(&self) -> bool {
        self.shared.receipts.is_durable()
    }

    /// Hands the handler, again, the events that are due — received but not handled, and
    /// held by no running handler: the app stopped, the handler failed and its wait is
    /// over, an unsigned event was not confirmed yet — at most `limit` of them, oldest
    /// first. Each is taken (held) first, so two app instances never hand over the same
    /// one, and confirmed by a fresh status read, as its time may be past the webhook
    /// window. One that cannot be handled now (its status unreadable, its handler failing
    /// again) is due again after a wait and named in the report: one provider's outage
    /// never stops the others' events. Fails only when the inbox cannot be read. Only this
    /// registry's gateways' events are taken (another app may share the database).
    pub async fn handle_unhandled(&self, limit: u32) -> crate::Result<UnhandledReport> {
        route::handle_due(&self.shared, limit).await
    }

    /// Runs [`WebhookReceiver::handle_unhandled`] every `every`, for as long as the future
    /// is polled: spawn it once per app instance (`tokio::spawn(receiver.clone().run_worker(…))`).
    /// A failed handler is thereby tried again after 1 s, then 2, 4, … up to 10 minutes
    /// unless set ([`WebhookReceiverBuilder::retry_backoff`]); an inbox it cannot read is
    /// logged and tried again next time.
    pub async fn run_worker(self, every: Duration) {
        loop {
            match self.handle_unhandled(WORKER_BATCH).await {
                Ok(report) if report.handled > 0 || !report.left.is_empty() => {
                    tracing::info!(target: route::TARGET, %report, "webhook worker");
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(target: route::TARGET, error = %e, "webhook worker: the inbox could not be read");
                }
            }
            tokio::time::sleep(every).await;
        }
    }

    /// The receipts in the journal's database (newest last), for a view of what came in:
    /// what `paygate webhooks list` shows. In-memory receipts are not listed.
    #[cfg(any(feature = "journal", feature = "journal-postgres"))]
    pub async fn receipts(
        &self,
        filter: &paygate_journal::ReceiptFilter,
    ) -> crate::Result<Vec<paygate_journal::WebhookReceipt>> {
        match &self.shared.receipts {
            Receipts::Journal(journal) => journal.receipts(filter).await.map_err(journal_error),
            Receipts::Memory(_) => {
                Err(journal_error(paygate_journal::JournalFailure::Unavailable(
                    "this receiver keeps its receipts in memory, unlisted".into(),
                )))
            }
        }
    }

    /// Makes a receipt due again, unhandled: the next [`WebhookReceiver::handle_unhandled`]
    /// (or the worker) hands it over once more, as `paygate webhooks replay` does. False
    /// when there is no such receipt.
    #[cfg(any(feature = "journal", feature = "journal-postgres"))]
    pub async fn replay(&self, gateway: &str, event_key: &str) -> crate::Result<bool> {
        match &self.shared.receipts {
            Receipts::Journal(journal) => journal
                .replay(gateway, event_key)
                .await
                .map_err(journal_error),
            Receipts::Memory(_) => {
                Err(journal_error(paygate_journal::JournalFailure::Unavailable(
                    "this receiver keeps its receipts in memory".into(),
                )))
            }
        }
    }
}

/// How many receipts one pass of the worker takes at most.
const WORKER_BATCH: u32 = 100;

#[cfg(any(feature = "journal", feature = "journal-postgres"))]
fn journal_error(failure: paygate_journal::JournalFailure) -> crate::Error {
    crate::Error::Journal(Box::new(paygate_core::JournalError::unavailable(
        failure.to_string(),
    )))
}

impl WebhookReceiverBuilder {
    /// The app's handler (required).
    pub fn handler(mut self, handler: impl WebhookHandler) -> Self {
        self.handler = Some(Arc::new(handler));
        self
    }

    /// The largest body accepted; larger ones get 413.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// How long the status read confirming an unsigned notification may take.
    pub fn confirm_within(mut self, window: Duration) -> Self {
        self.confirm_within = window;
        self
    }

    /// How long the handler may run with one event (60 s unless set): then it is stopped
    /// and counts as failed. The receipt is held that long, plus the confirming read's bound
    /// and 5 s, by the receiver running it.
    pub fn handler_timeout(mut self, timeout: Duration) -> Self {
        self.handler_timeout = timeout;
        self
    }

    /// The wait after a handler's first failure (1 s unless set), doubled with each
    /// further one, at most `most` (10 minutes unless set).
    pub fn retry_backoff(mut self, first: Duration, most: Duration) -> Self {
        self.retry = Retry { first, most };
        self
    }

    /// Keeps receipts in memory (the last `capacity` events), even when the registry has a
    /// journal.
    pub fn in_memory(mut self, capacity: usize) -> Self {
        self.in_memory = true;
        self.memory_capacity = capacity;
        self
    }

    /// The receiver.
    pub fn build(self) -> Result<WebhookReceiver, ReceiverError> {
        let handler = self.handler.ok_or(ReceiverError::NoHandler)?;
        let receipts = if self.in_memory {
            Receipts::memory(self.memory_capacity)
        } else {
            Receipts::of_registry(&self.registry, self.memory_capacity)
        };
        Ok(WebhookReceiver {
            shared: Arc::new(Shared {
                registry: self.registry,
                handler,
                receipts,
                max_body_bytes: self.max_body_bytes,
                confirm_within: self.confirm_within,
                handler_timeout: self.handler_timeout,
                retry: self.retry,
            }),
        })
    }
}
