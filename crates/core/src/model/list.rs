//! Listing the payments of a period ([`crate::PaymentGateway::list_payments`]), for
//! settlement reconciliation.

use std::time::Duration;

use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::model::Payment;

/// One page of the payments completed in `[from, to]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListPaymentsRequest {
    /// Window start (inclusive).
    pub from: OffsetDateTime,
    /// Window end (inclusive).
    pub to: OffsetDateTime,
    /// Page number, from 1.
    pub page: u32,
    /// Payments per page.
    pub page_size: u32,
}

impl ListPaymentsRequest {
    /// The first page of the window, 100 a page; the window must not end before it starts.
    pub fn new(from: OffsetDateTime, to: OffsetDateTime) -> Result<ListPaymentsRequest> {
        if to < from {
            return Err(Error::invalid("to", "the window ends before it starts"));
        }
        Ok(ListPaymentsRequest {
            from,
            to,
            page: 1,
            page_size: 100,
        })
    }

    /// The same window, `size` a page.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size;
        self
    }

    /// The next page.
    pub fn next_page(&self) -> ListPaymentsRequest {
        ListPaymentsRequest {
            page: self.page.saturating_add(1),
            ..self.clone()
        }
    }
}

/// One page of payments.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PaymentPage {
    /// The payments, as the provider lists them.
    pub payments: Vec<Payment>,
    /// Whether another page may follow (a full page).
    pub more: bool,
}

impl PaymentPage {
    /// A page.
    pub fn new(payments: Vec<Payment>, more: bool) -> PaymentPage {
        PaymentPage { payments, more }
    }
}

/// What one list request may ask of a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListLimits {
    /// The longest window one request may cover.
    pub max_window: Duration,
    /// The largest page.
    pub max_page_size: u32,
    /// The provider's published limit, in requests per minute.
    pub requests_per_minute: Option<u32>,
    /// The offset of the merchant's day the provider keeps its books in (PayWay: UTC+7,
    /// Cambodia): where a settlement's day bounds fall unless the operator says. UTC unless
    /// set.
    pub local_offset: time::UtcOffset,
}

impl ListLimits {
    /// Limits.
    pub fn new(
        max_window: Duration,
        max_page_size: u32,
        requests_per_minute: Option<u32>,
    ) -> ListLimits {
        ListLimits {
            max_window,
            max_page_size,
            requests_per_minute,
            local_offset: time::UtcOffset::UTC,
        }
    }

    /// The offset of the provider's business day (see [`ListLimits::local_offset`]).
    pub fn with_local_offset(mut self, offset: time::UtcOffset) -> ListLimits {
        self.local_offset = offset;
        self
    }
}
