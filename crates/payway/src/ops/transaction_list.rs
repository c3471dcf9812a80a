//! `POST /api/payment-gateway/v1/payments/transaction-list-2`: transactions of one outlet in a
//! date window, a page at a time.
//!
//! Dates are Phnom Penh time (UTC+7) and the window is at most 3 days (code 52 otherwise);
//! the list shows the *completion* time; unpaid QR transactions never appear; status filters
//! must be the words (numeric codes return nothing). 50 requests a minute.

use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{Decimal, Error, NativeResponse, Result};

use super::{parse_answer, post_json};
use crate::config::PaywayConfig;
use crate::endpoint::Endpoint;
use crate::endpoint::order;
use crate::sign::Fields;
use crate::wire::TransactionListResponse;
use crate::wire::format_date;
use crate::wire::request_time;

/// A status filter word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStatus {
    /// APPROVED.
    Approved,
    /// PRE-AUTH.
    PreAuth,
    /// REFUNDED.
    Refunded,
    /// PENDING.
    Pending,
    /// DECLINED.
    Declined,
    /// CANCELLED.
    Cancelled,
}

impl ListStatus {
    /// PayWay's word.
    pub fn word(&self) -> &'static str {
        match self {
            ListStatus::Approved => "APPROVED",
            ListStatus::PreAuth => "PRE-AUTH",
            ListStatus::Refunded => "REFUNDED",
            ListStatus::Pending => "PENDING",
            ListStatus::Declined => "DECLINED",
            ListStatus::Cancelled => "CANCELLED",
        }
    }
}

/// Which transactions to list. Unset filters are sent as `null` (PayWay's defaults: today,
/// all amounts, all statuses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionListQuery {
    /// Window start (sent in UTC+7).
    pub from: Option<OffsetDateTime>,
    /// Window end (sent in UTC+7).
    pub to: Option<OffsetDateTime>,
    /// Smallest amount.
    pub from_amount: Option<Decimal>,
    /// Largest amount.
    pub to_amount: Option<Decimal>,
    /// Status filter (any of).
    pub statuses: Vec<ListStatus>,
    /// Page number, from 1.
    pub page: u32,
    /// Page size, 1 to 1000 (PayWay's default is 40).
    pub page_size: u32,
}

impl Default for TransactionListQuery {
    fn default() -> Self {
        TransactionListQuery {
            from: None,
            to: None,
            from_amount: None,
            to_amount: None,
            statuses: Vec::new(),
            page: 1,
            page_size: 40,
        }
    }
}

impl TransactionListQuery {
    /// The same query, one page further.
    pub fn next_page(&self) -> TransactionListQuery {
        TransactionListQuery {
            page: self.page.saturating_add(1),
            ..self.clone()
        }
    }

    fn validate(&self) -> Result<()> {
        if self.page == 0 {
            return Err(Error::invalid("page", "pages count from 1"));
        }
        if !(1..=1000).contains(&self.page_size) {
            return Err(Error::invalid("pagination", "page size must be 1 to 1000"));
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(Error::invalid(
                "from_date",
                "the window starts after it ends",
            ));
        }
        for (field, amount) in [
            ("from_amount", self.from_amount),
            ("to_amount", self.to_amount),
        ] {
            if amount.is_some_and(|a| a.is_sign_negative()) {
                return Err(Error::invalid(field, "must not be negative"));
            }
        }
        if let (Some(low), Some(high)) = (self.from_amount, self.to_amount)
            && low > high
        {
            return Err(Error::invalid("from_amount", "is larger than to_amount"));
        }
        Ok(())
    }
}

#[doc(hidden)]
/// Builds the signed request.
pub fn build_transaction_list(
    config: &PaywayConfig,
    query: &TransactionListQuery,
    now: OffsetDateTime,
) -> Result<HttpRequest> {
    query.validate()?;
    let statuses = (!query.statuses.is_empty()).then(|| {
        query
            .statuses
            .iter()
            .map(ListStatus::word)
            .collect::<Vec<_>>()
            .join(",")
    });
    let fields = Fields::new()
        .with("req_time", request_time(now))
        .with("merchant_id", config.merchant_id.as_str())
        .with_opt("from_date", query.from.map(format_date))
        .with_opt("to_date", query.to.map(format_date))
        .with_opt(
            "from_amount",
            query.from_amount.map(|a| a.normalize().to_string()),
        )
        .with_opt(
            "to_amount",
            query.to_amount.map(|a| a.normalize().to_string()),
        )
        .with_opt("status", statuses)
        .with("page", query.page.to_string())
        .with("pagination", query.page_size.to_string())
        .signed(&config.hmac, order::TRANSACTION_LIST);
    post_json(config, Endpoint::TransactionList, &fields, None)
}

#[doc(hidden)]
/// Reads the answer.
pub fn parse_transaction_list(
    response: &HttpResponse,
) -> Result<NativeResponse<TransactionListResponse>> {
    parse_answer(Endpoint::TransactionList, response)
}

#[doc(hidden)]
/// transaction-list-2 as a [`Call`].
#[derive(Debug, Clone, Copy)]
pub struct TransactionListCall<'a> {
    /// The filter and page.
    pub query: &'a TransactionListQuery,
}

impl Call<PaywayConfig> for TransactionListCall<'_> {
    type Output = TransactionListResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_transaction_list(config, self.query, context.now)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_transaction_list(response)
    }
}
