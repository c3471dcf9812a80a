//! Settlement reconciliation: the merchant's ledger against the payments the provider lists
//! for a period. The provider's pages are streamed (memory grows with the ledger, not with
//! the provider's transactions); where the provider lists nothing, each ledger order is read
//! instead, and the report says so.

mod ledger;
mod report;

use std::sync::Arc;
use std::time::Duration;

use paygate::time::OffsetDateTime;
use paygate::time::format_description::well_known::Rfc3339;
use paygate::{
    Decimal, Error, ListPaymentsRequest, OrderId, Payment, PaymentGateway, PaymentStatus,
    ProviderErrorKind,
};

use super::{RateLimit, parse_rate};
use crate::args::ReconcileArgs;
use crate::exit;
use crate::ops::Out;
use ledger::{LedgerRow, ledger, parse_offset, period_bound};
use report::Report;

/// What a report row says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Finding {
    Match,
    /// Paid at the provider, not in the ledger.
    MissingFromLedger,
    /// In the ledger, not listed (or not found) at the provider: unknown or unpaid there.
    NotAtProvider,
    CurrencyMismatch,
    AmountMismatch,
    StatusMismatch,
    RefundMismatch,
    /// The ledger row is not usable.
    InvalidLedgerRow,
    /// The provider could not be read for this order.
    Unreadable,
}

impl Finding {
    pub(super) fn name(self) -> &'static str {
        match self {
            Finding::Match => "match",
            Finding::MissingFromLedger => "missing_from_ledger",
            Finding::NotAtProvider => "not_at_provider",
            Finding::CurrencyMismatch => "currency_mismatch",
            Finding::AmountMismatch => "amount_mismatch",
            Finding::StatusMismatch => "status_mismatch",
            Finding::RefundMismatch => "refund_mismatch",
            Finding::InvalidLedgerRow => "invalid_ledger_row",
            Finding::Unreadable => "unreadable",
        }
    }
}

/// What a ledger row and the provider's payment disagree on, if anything.
fn compare(row: &LedgerRow, payment: &Payment) -> (Finding, String) {
    let Some(amount) = payment.amount else {
        return (
            Finding::AmountMismatch,
            "the provider gives no amount".into(),
        );
    };
    if amount.currency() != row.amount.currency() {
        return (
            Finding::CurrencyMismatch,
            format!("ledger {}, provider {amount}", row.amount),
        );
    }
    if amount.amount() != row.amount.amount() {
        return (
            Finding::AmountMismatch,
            format!("ledger {}, provider {amount}", row.amount),
        );
    }
    if let Some(status) = &row.status
        && *status != payment.status
    {
        return (
            Finding::StatusMismatch,
            format!(
                "ledger {status}, provider {} ({})",
                payment.status, payment.provider_status
            ),
        );
    }
    // Refunds, on both sides: a ledger that records none must not meet a refund at the
    // provider unremarked.
    let ledger_refunded = row.refunded.unwrap_or(Decimal::ZERO);
    match payment.refunded_amount {
        Some(listed) if listed.amount() != ledger_refunded => {
            let ledger = match row.refunded {
                Some(refunded) => format!("ledger refunded {refunded}"),
                None => "the ledger records no refund".to_owned(),
            };
            return (
                Finding::RefundMismatch,
                format!("{ledger}, provider refunded {listed}"),
            );
        }
        None if matches!(
            payment.status,
            PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded
        ) && ledger_refunded.is_zero() =>
        {
            return (
                Finding::RefundMismatch,
                format!(
                    "the ledger records no refund, the provider reports the payment {} (no amount given)",
                    payment.status
                ),
            );
        }
        _ => {}
    }
    (Finding::Match, String::new())
}

/// Runs the settlement reconciliation; exits 1 when anything disagrees.
pub(super) async fn run(
    gateway: Arc<dyn PaymentGateway>,
    out: Out,
    json: bool,
    args: &ReconcileArgs,
    ledger_path: &std::path::Path,
) -> u8 {
    let fail = |e: &Error| out.error("reconcile", e);
    // Day bounds fall in the merchant's day: the operator's offset, else the provider's
    // books' (PayWay: UTC+7), else UTC.
    let period = (|| {
        let offset = match args.utc_offset.as_deref() {
            Some(text) => parse_offset(text)?,
            None => gateway
                .payment_list_limits()
                .map_or(paygate::time::UtcOffset::UTC, |limits| limits.local_offset),
        };
        let now = OffsetDateTime::now_utc();
        let bound = |field, text: Option<&str>, end| {
            period_bound(field, text.unwrap_or_default(), end, offset, now)
        };
        let from = bound("from", args.from.as_deref(), false)?;
        let to = bound("to", args.to.as_deref(), true)?;
        ListPaymentsRequest::new(from, to).map(|_| (from, to))
    })();
    let (from, to) = match period {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let (mut rows, invalid) = match ledger(ledger_path) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let mut report = match Report::new(json) {
        Ok(r) => r,
        Err(e) => return fail(&Error::invalid("output", e.to_string())),
    };
    let io = |e: std::io::Error| Error::invalid("output", e.to_string());
    let work = async {
        for (line, id, e) in &invalid {
            report
                .invalid_row(*line, id, &format!("line {line}: {e}"))
                .map_err(io)?;
        }
        let Some(limits) = gateway.payment_list_limits() else {
            eprintln!(
                "paygate reconcile: {} lists no payments: each ledger order is read instead",
                gateway.provider()
            );
            let limiter = RateLimit::new(
                args.rate
                    .as_deref()
                    .map(parse_rate)
                    .transpose()?
                    .unwrap_or_else(|| gateway.status_read_rate_limit().unwrap_or(20)),
            );
            let mut ids: Vec<String> = rows.keys().cloned().collect();
            ids.sort_by_key(|id| rows.get(id).map(|r| r.line));
            for id in ids {
                let Some(row) = rows.get(&id) else { continue };
                limiter.wait().await;
                match OrderId::new(id.clone()) {
                    Err(e) => report
                        .row(
                            Finding::InvalidLedgerRow,
                            &id,
                            Some(row),
                            None,
                            &e.to_string(),
                        )
                        .map_err(io)?,
                    Ok(order) => match gateway.payment_status(&order).await {
                        Ok(payment) => {
                            let (finding, detail) = compare(row, &payment);
                            report
                                .row(finding, &id, Some(row), Some(&payment), &detail)
                                .map_err(io)?;
                        }
                        Err(e)
                            if e.as_provider()
                                .is_some_and(|p| p.kind == ProviderErrorKind::NotFound) =>
                        {
                            report
                                .row(Finding::NotAtProvider, &id, Some(row), None, &e.to_string())
                                .map_err(io)?;
                        }
                        Err(e) => report
                            .row(
                                Finding::Unreadable,
                                &id,
                                Some(row),
                                None,
                                &format!("{}: {e}", e.class().name()),
                            )
                            .map_err(io)?,
                    },
                }
            }
            return Ok(false);
        };
        let rate = match args.rate.as_deref().map(parse_rate).transpose()? {
            Some(per_second) => RateLimit::new(per_second),
            None => RateLimit::every(
                Duration::from_secs(60) / limits.requests_per_minute.unwrap_or(60).max(1),
            ),
        };
        let window = paygate::time::Duration::try_from(limits.max_window)
            .unwrap_or(paygate::time::Duration::DAY)
            - paygate::time::Duration::SECOND;
        let mut start = from;
        while start <= to {
            let end = (start + window).min(to);
            let mut request =
                ListPaymentsRequest::new(start, end)?.page_size(limits.max_page_size.min(1000));
            loop {
                rate.wait().await;
                let page = gateway.list_payments(&request).await?;
                for payment in &page.payments {
                    let id = payment.order_id.as_str();
                    match rows.remove(id) {
                        Some(row) => {
                            let (finding, detail) = compare(&row, payment);
                            report
                                .row(finding, id, Some(&row), Some(payment), &detail)
                                .map_err(io)?;
                        }
                        None => report
                            .row(
                                Finding::MissingFromLedger,
                                id,
                                None,
                                Some(payment),
                                "paid at the provider, not in the ledger",
                            )
                            .map_err(io)?,
                    }
                }
                if !page.more {
                    break;
                }
                request = request.next_page();
            }
            start = end + paygate::time::Duration::SECOND;
        }
        let mut left: Vec<(String, LedgerRow)> = rows.drain().collect();
        left.sort_by_key(|(_, row)| row.line);
        for (id, row) in &left {
            report
                .row(
                    Finding::NotAtProvider,
                    id,
                    Some(row),
                    None,
                    "not listed by the provider in the period: unknown or unpaid there",
                )
                .map_err(io)?;
        }
        Ok::<bool, Error>(true)
    };
    // Ctrl-C, or an error mid-listing, ends the report where it is: the document stays one
    // whole document (its rows so far, the error or the interruption, the summary).
    let ended = tokio::select! {
        outcome = work => Some(outcome),
        _ = tokio::signal::ctrl_c() => None,
    };
    let (listed, error, interrupted) = match ended {
        Some(Ok(listed)) => (listed, None, false),
        Some(Err(e)) => (false, Some(e), false),
        None => (false, None, true),
    };
    let summary = report.summary_text();
    let disagreements: u64 = report
        .counts
        .iter()
        .filter(|(k, _)| **k != Finding::Match)
        .map(|(_, v)| v)
        .sum();
    if let Err(e) = report.finish(listed, interrupted, error.as_ref()) {
        return fail(&Error::invalid("output", e.to_string()));
    }
    let period = format!(
        "settlement of {} from {} to {}",
        args.gateway,
        from.format(&Rfc3339).unwrap_or_default(),
        to.format(&Rfc3339).unwrap_or_default()
    );
    if let Some(e) = error {
        eprintln!("paygate reconcile: {e}\nstopped: {period}: {summary}");
        return exit::code(&e);
    }
    if interrupted {
        eprintln!("interrupted: {period}: {summary}");
        return exit::INTERRUPTED;
    }
    eprintln!("{period}: {summary}");
    if disagreements > 0 {
        exit::CHECK_FAILED
    } else {
        exit::OK
    }
}
