//! The writes of [`Journaled`]'s `PaymentGateway`: each sends a planned write, building its
//! journal entry's key, amount and request, and says how its recorded result reads back.

use async_trait::async_trait;
use paygate_core::http::HeaderMap;
use paygate_core::pipeline::{Checked, WriteRef, WriteRules};
use paygate_core::{
    CancelRequest, Capabilities, CaptureRequest, Checkout, CreatePayment, Error, JournalError,
    ListLimits, ListPaymentsRequest, OrderId, Payment, PaymentGateway, PaymentPage, Refund,
    RefundRecord, RefundRequest, RefundStatusRequest, Result, VoidRequest, WebhookEvent,
};
use serde_json::json;

use crate::entry::{Baseline, Entry, WriteOperation};
use crate::journaled::{Journaled, Write};
use crate::stored;

/// A unified result as the journal records it: its JSON and the answer as received.
pub(crate) trait Recordable {
    fn record(&self) -> (serde_json::Value, crate::entry::RawAnswer);
}

impl Recordable for Payment {
    fn record(&self) -> (serde_json::Value, crate::entry::RawAnswer) {
        (stored::to_json(self), stored::raw_answer(&self.raw))
    }
}

impl Recordable for Refund {
    fn record(&self) -> (serde_json::Value, crate::entry::RawAnswer) {
        (stored::to_json(self), stored::raw_answer(&self.raw))
    }
}

impl Recordable for Checkout {
    fn record(&self) -> (serde_json::Value, crate::entry::RawAnswer) {
        (stored::to_json(self), stored::raw_answer(&self.raw))
    }
}

/// A recorded success read back (the result's JSON and the answer as received).
fn replay_payment(provider: &'static str, entry: &Entry) -> Option<Payment> {
    stored::payment(provider, entry.result.as_ref()?, entry.raw.as_ref())
}

fn replay_refund(provider: &'static str, entry: &Entry) -> Option<Refund> {
    stored::refund(provider, entry.result.as_ref()?, entry.raw.as_ref())
}

fn replay_checkout(provider: &'static str, entry: &Entry) -> Option<Checkout> {
    stored::checkout(provider, entry.result.as_ref()?, entry.raw.as_ref())
}

#[async_trait]
impl PaymentGateway for Journaled {
    fn provider(&self) -> &'static str {
        self.inner.provider()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn account(&self) -> paygate_core::AccountId {
        self.inner.account()
    }

    fn status_read_rate_limit(&self) -> Option<u32> {
        self.inner.status_read_rate_limit()
    }

    async fn create_payment(&self, request: &CreatePayment) -> Result<Checkout> {
        let write = Write::new(
            WriteOperation::CreatePayment,
            request.idempotency_key.as_ref().map(|k| k.as_str()),
            &request.order_id,
            Some(request.amount),
            json!({ "order_id": request.order_id }),
        )?;
        self.journaled(
            &write,
            |_| async { Ok((Baseline::absent(), ())) },
            |()| async move { self.inner.create_payment(request).await },
            replay_checkout,
        )
        .await
    }

    async fn payment_status(&self, order_id: &OrderId) -> Result<Payment> {
        self.inner.payment_status(order_id).await
    }

    async fn refund_status(&self, request: &RefundStatusRequest) -> Result<Refund> {
        self.inner.refund_status(request).await
    }

    async fn refund_history(&self, order_id: &OrderId) -> Result<Option<Vec<RefundRecord>>> {
        self.inner.refund_history(order_id).await
    }

    fn precheck(&self, write: WriteRef<'_>) -> Result<()> {
        self.inner.precheck(write)
    }

    fn write_rules(&self) -> WriteRules {
        self.inner.write_rules()
    }

    /// A hash of the order's other entries in this journal (their keys, states, attempts,
    /// leases and last changes): it moves whenever one of them begins, settles or is retried.
    async fn write_mark(&self, order_id: &OrderId, key: Option<&str>) -> Result<Option<u64>> {
        self.order_mark(order_id.as_str(), key)
            .await
            .map(Some)
            .map_err(|e| {
                Error::from(JournalError::unavailable(format!(
                    "the journal could not be read for order {order_id} ({e}); nothing was sent"
                )))
            })
    }

    async fn send_refund(&self, checked: &Checked<RefundRequest>) -> Result<Refund> {
        checked.check_account(self.inner.as_ref())?;
        let request = checked.request();
        let write = Write::new(
            WriteOperation::Refund,
            request.reference.as_ref().map(|k| k.as_str()),
            &request.order_id,
            Some(request.amount),
            json!({
                "order_id": request.order_id,
                "amount": request.amount,
                "reference": request.reference,
                "reason": request.reason,
                "transaction_id": request.transaction_id,
                "payment_method": request.payment_method,
            }),
        )?;
        self.journaled(
            &write,
            |took_over| self.current_plan(&write, checked, took_over),
            |current| async move { self.inner.send_refund(&current).await },
            replay_refund,
        )
        .await
    }

    async fn send_void(&self, checked: &Checked<VoidRequest>) -> Result<Payment> {
        checked.check_account(self.inner.as_ref())?;
        let request = checked.request();
        let write = Write::new(
            WriteOperation::Void,
            request.idempotency_key.as_ref().map(|k| k.as_str()),
            &request.order_id,
            None,
            json!({ "order_id": request.order_id }),
        )?;
        self.journaled(
            &write,
            |took_over| self.current_plan(&write, checked, took_over),
            |current| async move { self.inner.send_void(&current).await },
            replay_payment,
        )
        .await
    }

    async fn send_cancel(&self, checked: &Checked<CancelRequest>) -> Result<Payment> {
        checked.check_account(self.inner.as_ref())?;
        let request = checked.request();
        let write = Write::new(
            WriteOperation::Cancel,
            request.idempotency_key.as_ref().map(|k| k.as_str()),
            &request.order_id,
            None,
            json!({ "order_id": request.order_id }),
        )?;
        self.journaled(
            &write,
            |took_over| self.current_plan(&write, checked, took_over),
            |current| async move { self.inner.send_cancel(&current).await },
            replay_payment,
        )
        .await
    }

    async fn send_capture(&self, checked: &Checked<CaptureRequest>) -> Result<Payment> {
        checked.check_account(self.inner.as_ref())?;
        let request = checked.request();
        let write = Write::new(
            WriteOperation::Capture,
            request.idempotency_key.as_ref().map(|k| k.as_str()),
            &request.order_id,
            Some(request.amount),
            json!({ "order_id": request.order_id, "amount": request.amount }),
        )?;
        self.journaled(
            &write,
            |took_over| self.current_plan(&write, checked, took_over),
            |current| async move { self.inner.send_capture(&current).await },
            replay_payment,
        )
        .await
    }

    fn verify_webhook(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent> {
        self.inner.verify_webhook(body, headers)
    }

    fn payment_list_limits(&self) -> Option<ListLimits> {
        self.inner.payment_list_limits()
    }

    async fn list_payments(&self, request: &ListPaymentsRequest) -> Result<PaymentPage> {
        self.inner.list_payments(request).await
    }
}
