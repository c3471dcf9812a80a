//! Shared pieces of the workspace-level tests.
//!
//! [`LedgerGateway`] is an in-memory gateway with real refund bookkeeping: it lets the registry,
//! configuration and contract be tested through `Arc<dyn PaymentGateway>` before (and beside)
//! the provider crates. It is a test double, never registered by the facade itself.

pub mod fixtures;
pub mod journals;
pub mod simulation;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use paygate::secrecy::{ExposeSecret, SecretString};
use paygate::transport::{Dispatcher, Transport};
use paygate::{
    Capabilities, Capability, Checked, Checkout, CreatePayment, Error, GatewayConfig,
    GatewayFactory, Money, NextAction, Operation, OrderId, Payment, PaymentGateway, PaymentStatus,
    ProviderError, ProviderErrorKind, RawResponse, Refund, RefundRequest, RefundStatus,
    RefundStatusRequest, Result, Url,
};

/// Call before a test installs a scoped subscriber (`tracing::subscriber::set_default`).
///
/// `tracing` caches each callsite's interest for the whole process, asked of the subscriber of
/// the first thread to reach it: a sibling test running without one would cache "never" and
/// blind the scoped subscriber to that span or event. A global subscriber that records nothing
/// makes every thread's answer "interested"; the scoped one still sees only its own thread.
pub fn tracing_sees_every_callsite() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // Another global subscriber already answering "interested" does as well.
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry());
    });
}

/// A log writer that keeps everything in memory, for tests that read what was logged
/// (`tracing_subscriber::fmt().with_writer(move || capture.clone())`).
#[derive(Debug, Clone, Default)]
pub struct LogCapture(Arc<Mutex<String>>);

impl LogCapture {
    /// Appends `text`.
    pub fn push(&self, text: &str) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_str(text);
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.push(&String::from_utf8_lossy(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The provider name of [`LedgerGateway`].
pub const LEDGER: &str = "ledger";

#[derive(Debug, Clone)]
struct Entry {
    amount: Money,
    refunded: Money,
    status: PaymentStatus,
}

/// An in-memory gateway: payments are created pending, [`LedgerGateway::mark_paid`] pays them,
/// refunds are checked against what is left.
pub struct LedgerGateway {
    api_key: SecretString,
    transport: Arc<dyn Transport>,
    orders: Mutex<BTreeMap<OrderId, Entry>>,
}

impl LedgerGateway {
    /// A ledger holding `api_key` (to prove it never leaks) and the shared transport.
    pub fn new(api_key: SecretString, transport: Arc<dyn Transport>) -> LedgerGateway {
        LedgerGateway {
            api_key,
            transport,
            orders: Mutex::new(BTreeMap::new()),
        }
    }

    /// The transport it was given (to check sharing).
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }

    /// True if `key` is the configured key.
    pub fn has_key(&self, key: &str) -> bool {
        self.api_key.expose_secret() == key
    }

    /// Simulates the customer paying.
    pub fn mark_paid(&self, order_id: &OrderId) -> Result<()> {
        let mut orders = self.orders.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = orders
            .get_mut(order_id)
            .ok_or_else(|| self.refused(Operation::PaymentStatus, ProviderErrorKind::NotFound))?;
        entry.status = PaymentStatus::Paid;
        Ok(())
    }

    fn refused(&self, operation: Operation, kind: ProviderErrorKind) -> Error {
        ProviderError::new(LEDGER, operation, kind, "refused by the ledger").into()
    }

    fn payment(&self, order_id: &OrderId, entry: &Entry) -> Payment {
        let mut payment = Payment::new(
            LEDGER,
            order_id.clone(),
            entry.status.clone(),
            entry.status.as_str(),
            RawResponse::default(),
        );
        payment.amount = Some(entry.amount);
        payment.refunded_amount = Some(entry.refunded);
        payment
    }
}

impl std::fmt::Debug for LedgerGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LedgerGateway")
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

#[paygate::async_trait]
impl PaymentGateway for LedgerGateway {
    fn provider(&self) -> &'static str {
        LEDGER
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[
            Capability::CreatePayment,
            Capability::PaymentStatus,
            Capability::Refund,
            Capability::PartialRefund,
            Capability::RefundStatus,
        ])
    }

    fn account(&self) -> paygate::AccountId {
        let url = Url::parse("https://ledger.invalid").unwrap_or_else(|_| unreachable!());
        paygate::AccountId::new(LEDGER, &url, "ledger")
    }

    async fn create_payment(&self, request: &CreatePayment) -> Result<Checkout> {
        request.validate()?;
        let mut orders = self.orders.lock().unwrap_or_else(PoisonError::into_inner);
        if orders.contains_key(&request.order_id) {
            return Err(self.refused(Operation::CreatePayment, ProviderErrorKind::Validation));
        }
        orders.insert(
            request.order_id.clone(),
            Entry {
                amount: request.amount,
                refunded: Money::zero(request.amount.currency()),
                status: PaymentStatus::Pending,
            },
        );
        let url = Url::parse("https://ledger.invalid/pay")
            .map_err(|e| Error::config("ledger", e.to_string()))?;
        Ok(Checkout::new(
            LEDGER,
            request.order_id.clone(),
            NextAction::Redirect { url },
            RawResponse::default(),
        ))
    }

    async fn payment_status(&self, order_id: &OrderId) -> Result<Payment> {
        let orders = self.orders.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = orders
            .get(order_id)
            .ok_or_else(|| self.refused(Operation::PaymentStatus, ProviderErrorKind::NotFound))?;
        Ok(self.payment(order_id, entry))
    }

    async fn send_refund(&self, checked: &Checked<RefundRequest>) -> Result<Refund> {
        checked.check_sendable(self)?;
        let request = checked.request();
        let mut orders = self.orders.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = orders
            .get_mut(&request.order_id)
            .ok_or_else(|| self.refused(Operation::Refund, ProviderErrorKind::NotFound))?;
        if !entry.status.is_paid() {
            return Err(self.refused(Operation::Refund, ProviderErrorKind::InvalidState));
        }
        let left = entry
            .amount
            .checked_sub(&entry.refunded)
            .map_err(Error::from)?;
        if request.amount.compare(&left).map_err(Error::from)? == std::cmp::Ordering::Greater {
            return Err(self.refused(Operation::Refund, ProviderErrorKind::InvalidState));
        }
        entry.refunded = entry
            .refunded
            .checked_add(&request.amount)
            .map_err(Error::from)?;
        entry.status = if entry.refunded == entry.amount {
            PaymentStatus::Refunded
        } else {
            PaymentStatus::PartiallyRefunded
        };
        let mut refund = Refund::new(
            LEDGER,
            request.order_id.clone(),
            RefundStatus::Succeeded,
            "succeeded",
            RawResponse::default(),
        );
        refund.amount = Some(request.amount);
        refund.total_refunded = Some(entry.refunded);
        refund.payment_status = Some(entry.status.clone());
        Ok(refund)
    }

    async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
        let orders = self.orders.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = orders
            .get(&request.order_id)
            .ok_or_else(|| self.refused(Operation::RefundStatus, ProviderErrorKind::NotFound))?;
        let status = if entry.refunded.is_zero() {
            RefundStatus::Unknown("none".into())
        } else {
            RefundStatus::Succeeded
        };
        let mut refund = Refund::new(
            LEDGER,
            request.order_id.clone(),
            status,
            "derived",
            RawResponse::default(),
        );
        refund.total_refunded = Some(entry.refunded);
        refund.payment_status = Some(entry.status.clone());
        Ok(refund)
    }
}

/// Builds [`LedgerGateway`]s from `provider = "ledger"` tables; needs `api_key`. Remembers the
/// transport each gateway was given, so tests can check that all share one.
#[derive(Debug, Default)]
pub struct LedgerFactory {
    handed_out: Mutex<Vec<Arc<dyn Transport>>>,
}

impl LedgerFactory {
    /// The transports given to the gateways built so far.
    pub fn transports(&self) -> Vec<Arc<dyn Transport>> {
        self.handed_out
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl GatewayFactory for LedgerFactory {
    fn provider(&self) -> &'static str {
        LEDGER
    }

    fn build(
        &self,
        config: &GatewayConfig,
        dispatcher: &Dispatcher,
    ) -> Result<Arc<dyn PaymentGateway>> {
        config.deny_unknown_keys(&["api_key"])?;
        let api_key = config.secret("api_key")?;
        let transport = dispatcher.transport().clone();
        self.handed_out
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(transport.clone());
        Ok(Arc::new(LedgerGateway::new(api_key, transport)))
    }
}
