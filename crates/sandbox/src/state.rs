//! The simulator's ledger: orders of every simulated provider through their life.

use std::collections::BTreeMap;

use paygate_core::Decimal;
use paygate_core::time::OffsetDateTime;

use crate::Provider;

/// Where a simulated order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for the customer.
    Pending,
    /// Funds held (pre-auth).
    Authorized,
    /// Paid (partial or full refunds are tracked by amount).
    Paid,
    /// Voided before settlement.
    Voided,
    /// Cancelled / closed before payment (by the merchant, or the customer on the hosted page).
    Cancelled,
    /// The customer's payment was declined (on the hosted page).
    Declined,
    /// Not paid in time.
    Expired,
}

/// One refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRefund {
    /// The refund's id.
    pub id: u64,
    /// Its amount.
    pub amount: Decimal,
    /// When.
    pub at: OffsetDateTime,
}

/// One simulated order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOrder {
    /// The provider.
    pub provider: Provider,
    /// The id calls use (Finpay `order.id`, PayWay `tran_id`, PayG `OrderKeyId`).
    pub id: String,
    /// The merchant's own reference (PayG `UniqueRequestId`; otherwise the id).
    pub merchant_ref: String,
    /// Order amount.
    pub amount: Decimal,
    /// Currency code.
    pub currency: String,
    /// Stage.
    pub stage: Stage,
    /// Captured amount (pre-auth completion may capture less than held).
    pub captured: Decimal,
    /// Refunds so far.
    pub refunds: Vec<SimRefund>,
    /// Whether created as a pre-authorization.
    pub pre_auth: bool,
    /// The payment's transaction id (PayG `PaymentTransactionId`), set when paid.
    pub transaction_id: u64,
    /// Payment method, set when paid.
    pub payment_method: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// Callback URL given at creation, if any.
    pub callback_url: Option<String>,
    /// Where the hosted page sends the customer's browser after each outcome.
    pub return_urls: ReturnUrls,
    /// The KHQR payload, when the order was created for a QR payment.
    pub qr_string: Option<String>,
    /// The payment link it was paid through, if any (its notification is the link's).
    pub link_id: Option<String>,
}

/// Where the provider's hosted page sends the customer's browser back to, per outcome, as
/// the merchant gave them at creation (`None`: the page shows the outcome itself).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReturnUrls {
    /// After paying (or authorizing).
    pub paid: Option<String>,
    /// After a declined payment.
    pub declined: Option<String>,
    /// After the customer cancelled.
    pub cancelled: Option<String>,
}

impl ReturnUrls {
    /// The three URLs.
    pub fn with(
        paid: Option<String>,
        declined: Option<String>,
        cancelled: Option<String>,
    ) -> ReturnUrls {
        ReturnUrls {
            paid,
            declined,
            cancelled,
        }
    }
}

impl SimOrder {
    /// A pending order of `amount` in `currency`, created `now`.
    pub fn new(
        provider: Provider,
        id: impl Into<String>,
        merchant_ref: impl Into<String>,
        amount: Decimal,
        currency: impl Into<String>,
        now: OffsetDateTime,
    ) -> SimOrder {
        SimOrder {
            provider,
            id: id.into(),
            merchant_ref: merchant_ref.into(),
            amount,
            currency: currency.into(),
            stage: Stage::Pending,
            captured: Decimal::ZERO,
            refunds: Vec::new(),
            pre_auth: false,
            transaction_id: 0,
            payment_method: String::new(),
            created_at: now,
            updated_at: now,
            callback_url: None,
            return_urls: ReturnUrls::default(),
            qr_string: None,
            link_id: None,
        }
    }

    /// Refunded so far.
    pub fn refunded(&self) -> Decimal {
        self.refunds.iter().map(|r| r.amount).sum()
    }

    /// What can still be refunded.
    pub fn refundable(&self) -> Decimal {
        if self.stage == Stage::Paid {
            self.captured - self.refunded()
        } else {
            Decimal::ZERO
        }
    }
}

/// Why a ledger operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No such order.
    #[error("no such order in the sandbox")]
    NotFound,
    /// The id is taken.
    #[error("an order with this id exists")]
    Duplicate,
    /// The order is not in a stage that allows it.
    #[error("the order is not in a stage that allows this")]
    InvalidState,
    /// The amount is more than allowed.
    #[error("the amount is more than allowed")]
    TooMuch,
    /// The amount is zero or negative.
    #[error("the amount must be greater than zero")]
    BadAmount,
}

/// All orders, keyed by provider and id.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    orders: BTreeMap<(Provider, String), SimOrder>,
    next_id: u64,
}

impl Ledger {
    /// A fresh id (transaction and refund ids).
    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        72_260_000 + self.next_id
    }

    /// Adds an order.
    pub(crate) fn create(&mut self, order: SimOrder) -> Result<(), Refusal> {
        let key = (order.provider, order.id.clone());
        if self.orders.contains_key(&key) {
            return Err(Refusal::Duplicate);
        }
        self.orders.insert(key, order);
        Ok(())
    }

    /// An order.
    pub(crate) fn get(&self, provider: Provider, id: &str) -> Result<&SimOrder, Refusal> {
        self.orders
            .get(&(provider, id.to_owned()))
            .ok_or(Refusal::NotFound)
    }

    fn get_mut(&mut self, provider: Provider, id: &str) -> Result<&mut SimOrder, Refusal> {
        self.orders
            .get_mut(&(provider, id.to_owned()))
            .ok_or(Refusal::NotFound)
    }

    /// The customer pays (or the hold is placed, for a pre-auth).
    pub(crate) fn pay(
        &mut self,
        provider: Provider,
        id: &str,
        method: &str,
        now: OffsetDateTime,
    ) -> Result<SimOrder, Refusal> {
        let transaction_id = self.next_id();
        let order = self.get_mut(provider, id)?;
        if order.stage != Stage::Pending {
            return Err(Refusal::InvalidState);
        }
        order.stage = if order.pre_auth {
            Stage::Authorized
        } else {
            Stage::Paid
        };
        order.captured = if order.pre_auth {
            Decimal::ZERO
        } else {
            order.amount
        };
        order.transaction_id = transaction_id;
        order.payment_method = method.to_owned();
        order.updated_at = now;
        Ok(order.clone())
    }

    /// A refund of `amount`; refunds above what is left are refused.
    pub(crate) fn refund(
        &mut self,
        provider: Provider,
        id: &str,
        amount: Decimal,
        now: OffsetDateTime,
    ) -> Result<(SimOrder, SimRefund), Refusal> {
        if amount <= Decimal::ZERO {
            return Err(Refusal::BadAmount);
        }
        let refund_id = self.next_id();
        let order = self.get_mut(provider, id)?;
        if order.stage != Stage::Paid {
            return Err(Refusal::InvalidState);
        }
        if amount > order.refundable() {
            return Err(Refusal::TooMuch);
        }
        let refund = SimRefund {
            id: refund_id,
            amount,
            at: now,
        };
        order.refunds.push(refund.clone());
        order.updated_at = now;
        Ok((order.clone(), refund))
    }

    /// Void: releases a hold, or voids a paid, unrefunded payment.
    pub(crate) fn void(
        &mut self,
        provider: Provider,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<SimOrder, Refusal> {
        let order = self.get_mut(provider, id)?;
        match order.stage {
            Stage::Authorized => {}
            Stage::Paid if order.refunds.is_empty() => {}
            _ => return Err(Refusal::InvalidState),
        }
        order.stage = Stage::Voided;
        order.updated_at = now;
        Ok(order.clone())
    }

    /// Cancel / close an unpaid order.
    pub(crate) fn cancel(
        &mut self,
        provider: Provider,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<SimOrder, Refusal> {
        let order = self.get_mut(provider, id)?;
        match order.stage {
            Stage::Pending | Stage::Cancelled => {}
            _ => return Err(Refusal::InvalidState),
        }
        order.stage = Stage::Cancelled;
        order.updated_at = now;
        Ok(order.clone())
    }

    /// Capture `amount` of a hold (up to 110% of it, as PayWay allows for cards).
    pub(crate) fn capture(
        &mut self,
        provider: Provider,
        id: &str,
        amount: Decimal,
        now: OffsetDateTime,
    ) -> Result<SimOrder, Refusal> {
        if amount <= Decimal::ZERO {
            return Err(Refusal::BadAmount);
        }
        let order = self.get_mut(provider, id)?;
        if order.stage != Stage::Authorized {
            return Err(Refusal::InvalidState);
        }
        if amount * Decimal::from(10) > order.amount * Decimal::from(11) {
            return Err(Refusal::TooMuch);
        }
        order.stage = Stage::Paid;
        order.captured = amount;
        order.updated_at = now;
        Ok(order.clone())
    }

    /// The customer's payment is declined: a pending order only.
    pub(crate) fn decline(
        &mut self,
        provider: Provider,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<SimOrder, Refusal> {
        self.end_pending(provider, id, Stage::Declined, now)
    }

    /// Expire a pending order.
    pub(crate) fn expire(
        &mut self,
        provider: Provider,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<SimOrder, Refusal> {
        self.end_pending(provider, id, Stage::Expired, now)
    }

    /// Moves a pending order (only) to `stage`.
    fn end_pending(
        &mut self,
        provider: Provider,
        id: &str,
        stage: Stage,
        now: OffsetDateTime,
    ) -> Result<SimOrder, Refusal> {
        let order = self.get_mut(provider, id)?;
        if order.stage != Stage::Pending {
            return Err(Refusal::InvalidState);
        }
        order.stage = stage;
        order.updated_at = now;
        Ok(order.clone())
    }

    /// The orders of a provider, by id, without copying them (a list endpoint pages through
    /// these, copying only the page).
    pub(crate) fn orders_of(&self, provider: Provider) -> impl Iterator<Item = &SimOrder> {
        self.orders
            .range((provider, String::new())..)
            .take_while(move |((p, _), _)| *p == provider)
            .map(|(_, order)| order)
    }

    /// Orders of a provider, oldest first.
    pub(crate) fn list(&self, provider: Provider) -> Vec<SimOrder> {
        let mut orders: Vec<SimOrder> = self
            .orders
            .values()
            .filter(|o| o.provider == provider)
            .cloned()
            .collect();
        orders.sort_by_key(|o| o.created_at);
        orders
    }
}
