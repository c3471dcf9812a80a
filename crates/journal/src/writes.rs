//! The writes of [`Journaled`]'s `PaymentGateway`: each sends a planned write, building its
//! journal entry's key, amount and request, and says how its recorded result reads back.

use std::sync::Arc;

use async_trait::async_trait;
use paygate_core::layer::GatewayLayer;
use paygate_core::pipeline::{Checked, WriteMark};
use paygate_core::{
    CancelRequest, CaptureRequest, Checkout, CreatePayment, Error, JournalError, OrderId, Payment,
    PaymentGateway, Refund, RefundRequest, Result, VoidRequest,
};
use serde_json::json;

use crate::entry::{Baseline, Entry, ReadyAtClaim, WriteOperation};
use crate::journaled::{Journaled, Planned, Write};
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

/// The journal's part of the write pipeline: claim, baseline, send, record. Reads, webhooks
/// and everything a gateway is go to the wrapped gateway unchanged.
#[async_trait]
impl GatewayLayer for Journaled {
    fn inner(&self) -> &Arc<dyn PaymentGateway> {
        &self.inner
    }

    async fn create_payment(&self, request: &CreatePayment) -> Result<Checkout> {
        let write = Write::new(
            WriteOperation::CreatePayment,
            request.idempotency_key.as_ref().map(|k| k.as_str()),
            &request.order_id,
            Some(request.amount),
            json!({ "order_id": request.order_id }),
        )?;
        let planned = Planned {
            ready: ReadyAtClaim {
                baseline: Baseline::absent(),
                if_order_mark: None,
            },
            sendable: (),
            fresh_until: tokio::time::Instant::now() + self.settings.plan_fresh_for,
        };
        self.journaled(
            &write,
            Some(planned),
            |_| async { Ok((Baseline::absent(), ())) },
            |()| async move { self.inner.create_payment(request).await },
            replay_checkout,
        )
        .await
    }

    /// A hash of the order's other entries in this journal (their keys, states, attempts,
    /// leases and last changes): it moves whenever one of them begins, settles or is retried.
    async fn write_mark(&self, order_id: &OrderId, key: Option<&str>) -> Result<Option<WriteMark>> {
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
            self.planned(checked),
            |held| self.current_plan(&write, checked, held),
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
            self.planned(checked),
            |held| self.current_plan(&write, checked, held),
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
            self.planned(checked),
            |held| self.current_plan(&write, checked, held),
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
            self.planned(checked),
            |held| self.current_plan(&write, checked, held),
            |current| async move { self.inner.send_capture(&current).await },
            replay_payment,
        )
        .await
    }
}
