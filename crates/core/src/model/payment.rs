//! A payment as the provider reports it.

use serde::Serialize;
use time::OffsetDateTime;

use super::RawResponse;
use crate::id::OrderId;
use crate::money::Money;
use crate::status::PaymentStatus;

/// A payment as the provider reports it, in the unified model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Payment {
    /// Provider name.
    pub provider: &'static str,
    /// The order id the gateway's calls take: the merchant's order id, or the provider's
    /// own key where it keys orders by that (PayG's `OrderKeyId`).
    pub order_id: OrderId,
    /// The provider's own id (transaction / order key), if any.
    pub provider_reference: Option<String>,
    /// The app's own order id, where the provider keys the order by another and reports
    /// both (PayG's `UniqueRequestId`); `None` where `order_id` is the app's. A webhook
    /// event's `order_id` is checked against it.
    pub app_order_id: Option<String>,
    /// Unified status (corrected from the amounts where the provider's own status lies).
    pub status: PaymentStatus,
    /// The provider's own status word or code, verbatim.
    pub provider_status: String,
    /// The order amount.
    pub amount: Option<Money>,
    /// How much has been refunded so far.
    pub refunded_amount: Option<Money>,
    /// When the payment was created, with the provider's offset.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    /// When it last changed, with the provider's offset.
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
    /// The answer as received.
    #[serde(skip)]
    pub raw: RawResponse,
}

impl Payment {
    /// A payment result; optional fields start empty.
    pub fn new(
        provider: &'static str,
        order_id: OrderId,
        status: PaymentStatus,
        provider_status: impl Into<String>,
        raw: RawResponse,
    ) -> Payment {
        Payment {
            provider,
            order_id,
            provider_reference: None,
            app_order_id: None,
            status,
            provider_status: provider_status.into(),
            amount: None,
            refunded_amount: None,
            created_at: None,
            updated_at: None,
            raw,
        }
    }

    /// What is left to refund: amount − refunded; the amount of a paid payment without a
    /// refunded figure; unknown (`None`) for a partially refunded one without it.
    pub fn refundable_amount(&self) -> Option<Money> {
        let amount = self.amount?;
        match self.refunded_amount {
            Some(refunded) => amount.checked_sub(&refunded).ok(),
            None if self.status == PaymentStatus::PartiallyRefunded => None,
            None => Some(amount),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn usd(s: &str) -> Money {
        Money::parse(s, Currency::USD).unwrap()
    }

    #[test]
    fn refundable_amount() {
        let mut p = Payment::new(
            "test",
            OrderId::new("A1").unwrap(),
            PaymentStatus::PartiallyRefunded,
            "REFUNDED",
            RawResponse::default(),
        );
        assert_eq!(p.refundable_amount(), None);
        p.amount = Some(usd("10"));
        // Refunded before, by an amount not reported: what is left is unknown.
        assert_eq!(p.refundable_amount(), None);
        p.refunded_amount = Some(usd("2.50"));
        assert_eq!(p.refundable_amount(), Some(usd("7.50")));
        p.status = PaymentStatus::Paid;
        p.refunded_amount = None;
        assert_eq!(p.refundable_amount(), Some(usd("10")));
    }
}
