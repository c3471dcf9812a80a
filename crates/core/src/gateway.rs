//! The contract every provider implements.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use http::HeaderMap;

use crate::config::GatewayConfig;
use crate::error::{Error, Result};
use crate::id::OrderId;
use crate::model::{
    CancelRequest, CaptureRequest, Checkout, CreatePayment, ListLimits, ListPaymentsRequest,
    Payment, PaymentPage, Refund, RefundRecord, RefundRequest, RefundStatusRequest, VoidRequest,
};
use crate::operation::Operation;
use crate::pipeline::{Checked, WriteMark, WriteRef, WriteRules};
use crate::transport::Dispatcher;
use crate::webhook::WebhookEvent;

/// One thing a gateway can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Capability {
    /// [`PaymentGateway::create_payment`].
    CreatePayment,
    /// [`PaymentGateway::payment_status`].
    PaymentStatus,
    /// [`PaymentGateway::refund`] of the whole amount.
    Refund,
    /// [`PaymentGateway::refund`] of part of the amount. Several times only where the
    /// provider reports what was refunded; elsewhere a further refund is refused unsent, since
    /// what is left cannot be checked ([`crate::precondition::check_refund`]).
    PartialRefund,
    /// [`PaymentGateway::refund_status`].
    RefundStatus,
    /// [`PaymentGateway::void`].
    Void,
    /// [`PaymentGateway::cancel`].
    Cancel,
    /// [`PaymentGateway::capture`].
    Capture,
    /// [`PaymentGateway::verify_webhook`].
    Webhook,
    /// [`PaymentGateway::list_payments`].
    ListPayments,
}

impl Capability {
    /// Every capability, in display order.
    pub const ALL: [Capability; 10] = [
        Capability::CreatePayment,
        Capability::PaymentStatus,
        Capability::Refund,
        Capability::PartialRefund,
        Capability::RefundStatus,
        Capability::Void,
        Capability::Cancel,
        Capability::Capture,
        Capability::Webhook,
        Capability::ListPayments,
    ];

    /// The operation it enables.
    pub fn operation(&self) -> Operation {
        match self {
            Capability::CreatePayment => Operation::CreatePayment,
            Capability::PaymentStatus => Operation::PaymentStatus,
            Capability::Refund | Capability::PartialRefund => Operation::Refund,
            Capability::RefundStatus => Operation::RefundStatus,
            Capability::Void => Operation::Void,
            Capability::Cancel => Operation::Cancel,
            Capability::Capture => Operation::Capture,
            Capability::Webhook => Operation::Webhook,
            Capability::ListPayments => Operation::ListPayments,
        }
    }

    /// A short stable name.
    pub fn name(&self) -> &'static str {
        match self {
            Capability::PartialRefund => "partial-refund",
            other => other.operation().name(),
        }
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The set of [`Capability`] a gateway declares.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capabilities(u16);

impl Capabilities {
    /// No capability.
    pub const NONE: Capabilities = Capabilities(0);

    /// These capabilities.
    pub const fn of(list: &[Capability]) -> Capabilities {
        let mut bits = 0;
        let mut rest = list;
        while let [first, tail @ ..] = rest {
            bits |= first.bit();
            rest = tail;
        }
        Capabilities(bits)
    }

    /// This set plus `capability`.
    pub const fn with(self, capability: Capability) -> Capabilities {
        Capabilities(self.0 | capability.bit())
    }

    /// Whether `capability` is in the set.
    pub const fn contains(&self, capability: Capability) -> bool {
        self.0 & capability.bit() != 0
    }

    /// The capabilities in the set, in [`Capability::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = Capability> + '_ {
        Capability::ALL.into_iter().filter(|c| self.contains(*c))
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(|c| c.name()))
            .finish()
    }
}

/// The provider account a gateway acts on: provider, environment (the origin of its base URL:
/// scheme, host, port) and merchant id. It holds no secret. The write journal scopes its
/// entries and claims by it, so two configurations that name their gateways alike never
/// share an entry, and two that reach the same merchant account always do.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId {
    provider: &'static str,
    origin: String,
    merchant: String,
}

impl AccountId {
    /// The account of `merchant` at `base_url` (only its origin counts: two API paths or
    /// versions on one host are one account).
    pub fn new(provider: &'static str, base_url: &url::Url, merchant: impl Into<String>) -> Self {
        AccountId {
            provider,
            origin: base_url.origin().ascii_serialization(),
            merchant: merchant.into(),
        }
    }

    /// The provider.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// The fingerprint stored with journal entries: `provider merchant@origin`, e.g.
    /// `payway ec000001@https://checkout-sandbox.payway.com.kh`.
    pub fn fingerprint(&self) -> String {
        format!("{} {}@{}", self.provider, self.merchant, self.origin)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.fingerprint())
    }
}

/// One payment provider account, behind one interface. Used as `Arc<dyn PaymentGateway>`.
///
/// An operation the gateway does not declare in [`PaymentGateway::capabilities`] returns
/// [`Error::Unsupported`] (the default bodies below), never a panic or a silent no-op.
#[async_trait]
pub trait PaymentGateway: Send + Sync + fmt::Debug {
    /// The provider's name, e.g. `"payway"`.
    fn provider(&self) -> &'static str;

    /// What this gateway can do.
    fn capabilities(&self) -> Capabilities;

    /// The provider account it acts on (the write journal's scope).
    fn account(&self) -> AccountId;

    /// The provider's published limit on status reads, in requests per second, where it
    /// publishes one (bulk readers such as reconciliation pace themselves by it).
    fn status_read_rate_limit(&self) -> Option<u32> {
        None
    }

    /// Creates a payment and tells what the customer must do next.
    async fn create_payment(&self, request: &CreatePayment) -> Result<Checkout> {
        let _ = request;
        Err(Error::unsupported(
            self.provider(),
            Operation::CreatePayment,
        ))
    }

    /// Reads a payment's status. A read: retried on transient failures.
    async fn payment_status(&self, order_id: &OrderId) -> Result<Payment> {
        let _ = order_id;
        Err(Error::unsupported(
            self.provider(),
            Operation::PaymentStatus,
        ))
    }

    /// Refunds all or part of a payment: [`crate::pipeline::plan`] (one read of the payment,
    /// none if the request hands one over, and the checks of [`crate::precondition`]), then
    /// [`PaymentGateway::send_refund`]. Sent at most once: on [`Error::outcome_unknown`] read
    /// the status, never call this again blindly. Gateways implement `send_refund`, not this.
    async fn refund(&self, request: &RefundRequest) -> Result<Refund> {
        let checked = crate::pipeline::plan(self, request).await?;
        self.send_refund(&checked).await
    }

    /// Reads a refund's status.
    async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
        let _ = request;
        Err(Error::unsupported(self.provider(), Operation::RefundStatus))
    }

    /// Voids an authorization or an unsettled payment: planned (its state checked against
    /// [`PaymentGateway::write_rules`]), then [`PaymentGateway::send_void`].
    async fn void(&self, request: &VoidRequest) -> Result<Payment> {
        let checked = crate::pipeline::plan(self, request).await?;
        self.send_void(&checked).await
    }

    /// Cancels an unpaid order: planned, then [`PaymentGateway::send_cancel`].
    async fn cancel(&self, request: &CancelRequest) -> Result<Payment> {
        let checked = crate::pipeline::plan(self, request).await?;
        self.send_cancel(&checked).await
    }

    /// Captures (completes) a pre-authorization: planned (currency, amount and state
    /// checked), then [`PaymentGateway::send_capture`].
    async fn capture(&self, request: &CaptureRequest) -> Result<Payment> {
        let checked = crate::pipeline::plan(self, request).await?;
        self.send_capture(&checked).await
    }

    /// The refunds the provider lists for an order, each with its amount and time, where it
    /// lists them (PayWay: transaction-detail, paced at its 10 requests a minute). A read,
    /// for recovery's evidence. `None`: the provider keeps no such list.
    async fn refund_history(&self, order_id: &OrderId) -> Result<Option<Vec<RefundRecord>>> {
        let _ = order_id;
        Ok(None)
    }

    /// What the provider refuses of a write before anything is read: its identifier rules,
    /// the currencies and digits it takes. Nothing is read or sent when it fails.
    fn precheck(&self, write: WriteRef<'_>) -> Result<()> {
        let _ = write;
        Ok(())
    }

    /// The states the provider's voids and cancellations start from, and how far a capture
    /// may exceed the authorized amount.
    fn write_rules(&self) -> WriteRules {
        WriteRules::STANDARD
    }

    /// A write journal's mark of the order's journaled writes, taken when a write is planned
    /// and compared when it is sent: the same mark means no journaled write on the order has
    /// moved since, so the plan's payment is still the one to check against and compare with.
    /// `None` without a journal.
    async fn write_mark(&self, order_id: &OrderId, key: Option<&str>) -> Result<Option<WriteMark>> {
        let _ = (order_id, key);
        Ok(None)
    }

    /// Sends a planned refund (see [`PaymentGateway::refund`]).
    async fn send_refund(&self, refund: &Checked<RefundRequest>) -> Result<Refund> {
        let _ = refund;
        Err(Error::unsupported(self.provider(), Operation::Refund))
    }

    /// Sends a planned void.
    async fn send_void(&self, void: &Checked<VoidRequest>) -> Result<Payment> {
        let _ = void;
        Err(Error::unsupported(self.provider(), Operation::Void))
    }

    /// Sends a planned cancellation.
    async fn send_cancel(&self, cancel: &Checked<CancelRequest>) -> Result<Payment> {
        let _ = cancel;
        Err(Error::unsupported(self.provider(), Operation::Cancel))
    }

    /// Sends a planned capture.
    async fn send_capture(&self, capture: &Checked<CaptureRequest>) -> Result<Payment> {
        let _ = capture;
        Err(Error::unsupported(self.provider(), Operation::Capture))
    }

    /// Verifies and parses a webhook from the raw body bytes and headers, exactly as received.
    fn verify_webhook(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        let _ = (body, headers);
        Err(Error::unsupported(self.provider(), Operation::Webhook))
    }

    /// What one [`PaymentGateway::list_payments`] request may ask, where the gateway lists
    /// payments: its longest window, largest page and the provider's published rate.
    fn payment_list_limits(&self) -> Option<ListLimits> {
        None
    }

    /// Lists the payments completed within a window, one page at a time (see
    /// [`PaymentGateway::payment_list_limits`]). A read.
    async fn list_payments(&self, request: &ListPaymentsRequest) -> Result<PaymentPage> {
        let _ = request;
        Err(Error::unsupported(self.provider(), Operation::ListPayments))
    }
}

/// Builds a provider's gateway from a [`GatewayConfig`]. Each provider crate offers one; the
/// facade registers them per cargo feature, and apps may register their own.
pub trait GatewayFactory: Send + Sync + fmt::Debug {
    /// The provider name this factory builds (the `provider = "…"` of a config table).
    fn provider(&self) -> &'static str;

    /// Builds a gateway that sends through `dispatcher`.
    fn build(
        &self,
        config: &GatewayConfig,
        dispatcher: &Dispatcher,
    ) -> Result<Arc<dyn PaymentGateway>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_sets() {
        let caps = Capabilities::of(&[Capability::PaymentStatus, Capability::Refund]);
        assert!(caps.contains(Capability::Refund));
        assert!(!caps.contains(Capability::Void));
        let caps = caps.with(Capability::Void);
        assert_eq!(
            caps.iter().collect::<Vec<_>>(),
            vec![
                Capability::PaymentStatus,
                Capability::Refund,
                Capability::Void
            ]
        );
        assert_eq!(
            format!("{caps:?}"),
            r#"{"payment-status", "refund", "void"}"#
        );
        assert_eq!(Capabilities::NONE.iter().count(), 0);
        assert_eq!(Capability::PartialRefund.operation(), Operation::Refund);
        assert_eq!(Capability::PartialRefund.to_string(), "partial-refund");
    }

    #[derive(Debug)]
    struct Nothing;

    impl PaymentGateway for Nothing {
        fn provider(&self) -> &'static str {
            "nothing"
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities::NONE
        }
        fn account(&self) -> AccountId {
            let url = url::Url::parse("https://nothing.example:8443/api").unwrap();
            AccountId::new("nothing", &url, "m1")
        }
    }

    #[tokio::test]
    async fn undeclared_operations_are_unsupported_errors() {
        let gw: std::sync::Arc<dyn PaymentGateway> = std::sync::Arc::new(Nothing);
        let id = OrderId::new("A1").unwrap();
        let err = gw.void(&(&id).into()).await.unwrap_err();
        assert!(matches!(
            err,
            Error::Unsupported {
                provider: "nothing",
                operation: Operation::Void
            }
        ));
        assert_eq!(err.to_string(), "nothing does not support void");
        assert_eq!(
            gw.account().fingerprint(),
            "nothing m1@https://nothing.example:8443"
        );
        let err = gw.verify_webhook(b"{}", &HeaderMap::new()).unwrap_err();
        assert_eq!(err.class(), crate::error::ErrorClass::Unsupported);
    }
}
