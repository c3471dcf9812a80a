//! An example web shop on paygate (server-rendered HTML, plain forms, no JavaScript): a
//! product page, a checkout with a choice of gateway, the provider's hosted page (the
//! embedded sandbox's), a return page that shows the order paid once the webhook arrived or
//! a status read confirmed it, and an admin page listing orders with the shop's, the unified
//! and the provider's statuses, where an order is refunded in part or in full through the
//! write journal. The admin logs in with a password (`SHOP_ADMIN_PASSWORD`, or one made and
//! printed at start); every admin form carries the session's CSRF token. `/metrics` serves
//! the SDK's metrics (operations, latencies, retries, webhooks) in Prometheus' text format.
//!
//! Orders and the write journal share one SQLite file in the data directory
//! (`target/shop-data/shop.db` unless set) and survive a restart.
//!
//! `cargo run -p shop` starts it and prints its URL. Everything listens on 127.0.0.1.

mod admin;
mod admin_pages;
mod pages;
mod store;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use paygate::receiver::{HandlerError, ReceivedWebhook, WebhookReceiver};
use paygate::sandbox::Sandbox;
use paygate::{GatewayRegistry, Money, PaymentStatus};

/// The process's Prometheus recorder, installed by the first shop started (a process has
/// one global recorder; `None` if something else installed one first).
pub(crate) fn metrics_handle() -> Option<&'static metrics_exporter_prometheus::PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<metrics_exporter_prometheus::PrometheusHandle>> =
        std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .ok()
        })
        .as_ref()
}

/// What can stop the shop from starting.
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// How to start the shop.
#[derive(Clone)]
pub struct ShopOptions {
    /// The port on 127.0.0.1 (0: any free one).
    pub port: u16,
    /// Where the shop keeps its data: `shop.db`, the orders and the write journal in one
    /// SQLite file. A restart with the same directory keeps every order.
    pub data_dir: PathBuf,
    /// The admin's password (`None`: one is made at start; see [`RunningShop::admin_password`]).
    pub admin_password: Option<String>,
}

/// The admin's password never shows: only whether one is set.
impl std::fmt::Debug for ShopOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopOptions")
            .field("port", &self.port)
            .field("data_dir", &self.data_dir)
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl Default for ShopOptions {
    fn default() -> ShopOptions {
        ShopOptions {
            port: 3000,
            data_dir: PathBuf::from("target").join("shop-data"),
            admin_password: None,
        }
    }
}

/// Where an order stands for the shop (its own record, fed by webhooks, status reads and
/// its refunds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ShopStatus {
    AwaitingPayment,
    /// Paid; how the shop learned it.
    Paid(&'static str),
    Authorized,
    Declined,
    Cancelled,
    PartiallyRefunded,
    Refunded,
    /// The provider reports a status the shop does not act on.
    Other(String),
}

impl ShopStatus {
    pub(crate) fn label(&self) -> String {
        match self {
            ShopStatus::AwaitingPayment => "awaiting payment".into(),
            ShopStatus::Paid(_) => "paid".into(),
            ShopStatus::Authorized => "authorized".into(),
            ShopStatus::Declined => "declined".into(),
            ShopStatus::Cancelled => "cancelled".into(),
            ShopStatus::PartiallyRefunded => "partially refunded".into(),
            ShopStatus::Refunded => "refunded".into(),
            ShopStatus::Other(status) => status.clone(),
        }
    }

    /// The status as the order store keeps it.
    pub(crate) fn stored(&self) -> String {
        match self {
            ShopStatus::AwaitingPayment => "awaiting_payment".into(),
            ShopStatus::Paid(how) => format!("paid:{how}"),
            ShopStatus::Authorized => "authorized".into(),
            ShopStatus::Declined => "declined".into(),
            ShopStatus::Cancelled => "cancelled".into(),
            ShopStatus::PartiallyRefunded => "partially_refunded".into(),
            ShopStatus::Refunded => "refunded".into(),
            ShopStatus::Other(status) => format!("other:{status}"),
        }
    }

    /// The status the order store kept (see [`ShopStatus::stored`]).
    pub(crate) fn from_stored(text: &str) -> ShopStatus {
        match text {
            // (`not_paid` was stored by earlier versions of the shop from a public page: it
            // never was more than "awaiting payment".)
            "awaiting_payment" | "not_paid" => ShopStatus::AwaitingPayment,
            "paid:webhook" => ShopStatus::Paid("webhook"),
            "paid:status read" => ShopStatus::Paid("status read"),
            "authorized" => ShopStatus::Authorized,
            "declined" => ShopStatus::Declined,
            "cancelled" => ShopStatus::Cancelled,
            "partially_refunded" => ShopStatus::PartiallyRefunded,
            "refunded" => ShopStatus::Refunded,
            other => ShopStatus::Other(other.strip_prefix("other:").unwrap_or(other).to_owned()),
        }
    }

    /// The shop's status after the provider reported `status` (refunds are the shop's own).
    pub(crate) fn after(&self, status: &PaymentStatus, how: &'static str) -> ShopStatus {
        match (self, status) {
            (ShopStatus::PartiallyRefunded | ShopStatus::Refunded, _) => self.clone(),
            (ShopStatus::Paid(first), PaymentStatus::Paid) => ShopStatus::Paid(first),
            // A notification of an earlier attempt arriving late (they are not ordered) never
            // undoes a payment: declined, cancelled and expired describe an unpaid order.
            // (A void, which does end a paid or authorized order, goes on below.)
            (
                ShopStatus::Paid(_) | ShopStatus::Authorized,
                PaymentStatus::Declined | PaymentStatus::Cancelled | PaymentStatus::Expired,
            ) => self.clone(),
            (_, PaymentStatus::Paid) => ShopStatus::Paid(how),
            (_, PaymentStatus::Authorized) => ShopStatus::Authorized,
            (_, PaymentStatus::Declined) => ShopStatus::Declined,
            (_, PaymentStatus::Cancelled | PaymentStatus::Voided | PaymentStatus::Expired) => {
                ShopStatus::Cancelled
            }
            (_, PaymentStatus::Pending) => self.clone(),
            (_, other) => ShopStatus::Other(other.to_string()),
        }
    }
}

/// One order of the shop.
#[derive(Debug, Clone)]
pub(crate) struct ShopOrder {
    pub(crate) id: String,
    pub(crate) gateway: String,
    /// The id status reads and refunds use (the provider's own where it assigns one).
    pub(crate) provider_order_id: String,
    pub(crate) amount: Money,
    pub(crate) refunded: Money,
    pub(crate) status: ShopStatus,
    pub(crate) note: Option<String>,
    /// The last status read an admin asked for.
    pub(crate) read: Option<StatusRead>,
}

/// What a status read said of an order.
#[derive(Debug, Clone)]
pub(crate) struct StatusRead {
    pub(crate) unified: String,
    pub(crate) native: String,
}

pub(crate) struct Shop {
    pub(crate) registry: Arc<GatewayRegistry>,
    pub(crate) sandbox: Sandbox,
    pub(crate) base_url: String,
    pub(crate) orders: Mutex<BTreeMap<String, ShopOrder>>,
    /// Taken by each save of an order (see [`Shop::persist`]).
    saving: Mutex<()>,
    pub(crate) next_order: std::sync::atomic::AtomicU32,
    /// Where the orders are kept.
    pub(crate) store: store::OrderStore,
    /// Order ids start with this (unique per start, as the journal outlives a run).
    pub(crate) order_prefix: String,
    /// The admin's login and sessions.
    pub(crate) admin: admin::Admin,
}

impl Shop {
    pub(crate) fn orders(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, ShopOrder>> {
        self.orders.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes order `id` to the store as it is now in memory: what a restart finds. Saves
    /// are taken one at a time, each copying the order once it holds its turn, so the last
    /// save is of the latest copy (two saves never cross).
    pub(crate) fn persist(&self, id: &str) -> Result<(), store::StoreError> {
        let _turn = self.saving.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(order) = self.orders().get(id).cloned() else {
            return Ok(());
        };
        self.store.save(&order).inspect_err(|e| {
            tracing::error!(order = %id, error = %e, "the order could not be saved: a restart will not see this change");
        })
    }

    /// Records what a webhook says of an order. An order the shop does not know (yet: its
    /// notification can come before the page that created it has recorded the provider's
    /// id) fails the handler, so that the receiver's worker hands the event over again
    /// later rather than lose it.
    fn webhook(&self, webhook: &ReceivedWebhook) -> Result<(), String> {
        let mut orders = self.orders();
        // The event names the shop's own order id, whatever id the provider keys it by.
        let order = orders
            .get_mut(&webhook.event.order_id)
            .filter(|o| o.gateway == webhook.gateway);
        match (order, &webhook.event.status) {
            (Some(order), Some(status)) => {
                order.status = order.status.after(status, "webhook");
                // The provider's id, should the page that created the order not have kept it
                // (a crash between the provider's answer and the save).
                let status_id = webhook.event.status_order_id();
                if order.provider_order_id != status_id {
                    order.provider_order_id = status_id.to_owned();
                }
                let id = order.id.clone();
                drop(orders);
                self.persist(&id).map_err(|e| e.to_string())
            }
            (Some(_), None) => Ok(()),
            (None, _) => Err(format!(
                "a webhook of {} about order {}, which this shop does not know (yet)",
                webhook.gateway, webhook.event.order_id
            )),
        }
    }
}

/// A running shop.
pub struct RunningShop {
    addr: SocketAddr,
    shop: Arc<Shop>,
    server: tokio::task::JoinHandle<()>,
    /// The receiver's worker: events handed over again.
    worker: tokio::task::JoinHandle<()>,
    admin_password: String,
}

impl std::fmt::Debug for RunningShop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningShop")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl RunningShop {
    /// The shop's address.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The sandbox the shop pays through.
    pub fn sandbox(&self) -> &Sandbox {
        &self.shop.sandbox
    }

    /// The admin's password (the one given, or the one made at start).
    pub fn admin_password(&self) -> &str {
        &self.admin_password
    }

    /// Runs until the server stops.
    pub async fn wait(self) {
        let _ = self.server.await;
    }

    /// Stops the server.
    pub fn stop(&self) {
        self.server.abort();
        self.worker.abort();
    }
}

/// Starts the sandbox and the shop on 127.0.0.1.
pub async fn start(options: ShopOptions) -> Result<RunningShop, StartError> {
    // Before any gateway is used: the SDK's metrics go to this recorder.
    let _ = metrics_handle();
    let sandbox = Sandbox::start().await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    let admin_password = match options.admin_password {
        Some(password) if !password.is_empty() => password,
        _ => admin::random_token()
            .map_err(|e| format!("no randomness for the admin's password: {e}"))?,
    };
    let admin = admin::Admin::new(&admin_password, base_url.clone());
    std::fs::create_dir_all(&options.data_dir)?;
    let database = options.data_dir.join("shop.db");
    let journal_url = format!("sqlite://{}", database.display());
    let toml = format!(
        "{}\n[journal]\nurl = {}\n",
        sandbox.config_toml(),
        toml_string(&journal_url)
    );
    let registry = Arc::new(
        GatewayRegistry::builder()
            .toml_str(&toml)?
            .open_journal()
            .await?
            .build()?,
    );
    // Providers whose notification URL is an account setting, not given per order.
    for provider in paygate::sandbox::Provider::ALL {
        sandbox.set_notification_url(provider, format!("{base_url}/webhooks/{}", provider.name()));
    }
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    // The journal has made the file; the orders go beside its tables.
    let store = store::OrderStore::open(&database)?;
    let orders = store.load()?;
    if !orders.is_empty() {
        tracing::info!(orders = orders.len(), data = %database.display(), "the shop's orders from before");
    }
    let shop = Arc::new(Shop {
        registry: registry.clone(),
        sandbox,
        base_url,
        orders: Mutex::new(orders),
        saving: Mutex::new(()),
        store,
        next_order: std::sync::atomic::AtomicU32::new(1),
        order_prefix: format!("S{:x}", started % 0x1000_0000),
        admin,
    });
    let on_webhook = Arc::downgrade(&shop);
    let receiver = WebhookReceiver::builder(registry)
        .handler(move |webhook: ReceivedWebhook| {
            let shop = on_webhook.upgrade();
            async move {
                match shop {
                    Some(shop) => shop.webhook(&webhook).map_err(HandlerError::from),
                    None => Ok(()),
                }
            }
        })
        .build()?;
    // Receipts a previous run took in but never handled, and events whose handler failed,
    // handed over again in the background.
    let worker = tokio::spawn(
        receiver
            .clone()
            .run_worker(std::time::Duration::from_secs(1)),
    );
    let app = pages::router(shop.clone()).nest("/webhooks", receiver.router());
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the shop's server stopped");
        }
    });
    Ok(RunningShop {
        addr,
        shop,
        server,
        worker,
        admin_password,
    })
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_notification_of_an_unpaid_end_never_undoes_a_payment() {
        let paid = ShopStatus::Paid("webhook");
        assert_eq!(
            paid.after(&PaymentStatus::Declined, "webhook"),
            ShopStatus::Paid("webhook")
        );
        for late in [
            PaymentStatus::Declined,
            PaymentStatus::Cancelled,
            PaymentStatus::Expired,
        ] {
            assert_eq!(paid.after(&late, "webhook"), ShopStatus::Paid("webhook"));
        }
        assert_eq!(
            ShopStatus::AwaitingPayment.after(&PaymentStatus::Declined, "webhook"),
            ShopStatus::Declined
        );
        // A paid order can still be voided.
        assert_eq!(
            paid.after(&PaymentStatus::Voided, "status read"),
            ShopStatus::Cancelled
        );
    }
}
