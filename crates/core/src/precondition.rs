//! Checks a write against the payment before anything is sent.
//!
//! The write pipeline ([`crate::pipeline::plan`]) runs these before a refund, capture, void or
//! cancel, on the payment the caller handed over (`RefundRequest::for_payment` and friends)
//! or, failing that, on one it reads first (a read, retried like reads). A failed check is
//! [`Error::InvalidInput`] (the currency or amount of the request) or [`Error::InvalidState`]
//! (the payment's state), and nothing reaches the provider.
//!
//! Why the gateway reads first even where the wire carries a currency: PayWay's refund and
//! pre-auth completion carry bare digits in the *transaction's* currency, so a refund of
//! "1 KHR" on a USD payment would refund 1.00 USD; and no provider checks that a refund fits
//! what is left as precisely as its own ledger does, in the merchant's terms.

use crate::error::{Error, Result};
use crate::id::OrderId;
use crate::model::{CaptureRequest, Payment, RefundRequest};
use crate::money::Money;
use crate::operation::Operation;
use crate::status::PaymentStatus;

/// A handed-over payment must be this provider's and this order's.
pub fn check_handed_over(
    provider: &'static str,
    operation: Operation,
    order_id: &OrderId,
    payment: &Payment,
) -> Result<()> {
    if payment.provider != provider {
        return Err(Error::invalid(
            "payment",
            format!(
                "the payment handed over for {operation} was read from {}, not {provider}",
                payment.provider
            ),
        ));
    }
    if payment.order_id != *order_id {
        return Err(Error::invalid(
            "payment",
            format!(
                "the payment handed over for {operation} is order {}, not {order_id}",
                payment.order_id
            ),
        ));
    }
    Ok(())
}

/// A refund, checked in this order: the payment is paid or partially refunded, the currencies
/// agree, and the amount is at most what is left: paid minus refunded; the paid amount where a
/// paid payment has no refunded figure; refused where a partially refunded one has none.
pub fn check_refund(
    provider: &'static str,
    payment: &Payment,
    request: &RefundRequest,
) -> Result<()> {
    let operation = Operation::Refund;
    // State first: an unpaid payment's currency may not be known (PayWay reports `""` for it).
    match payment.status {
        PaymentStatus::Paid | PaymentStatus::PartiallyRefunded => {}
        PaymentStatus::Refunded => {
            return Err(state(
                provider,
                operation,
                payment,
                "it is already fully refunded",
            ));
        }
        _ => {
            return Err(state(
                provider,
                operation,
                payment,
                "only a paid or partially refunded payment can be refunded",
            ));
        }
    }
    let paid = amount_of(provider, operation, payment)?;
    same_currency("refund.amount", &request.amount, &paid)?;
    let (left, detail) = match payment.refunded_amount {
        Some(refunded) => {
            same_currency("refunded_amount", &refunded, &paid)?;
            let left = paid
                .checked_sub(&refunded)
                .unwrap_or(Money::zero(paid.currency()));
            (left, format!("paid {paid}, refunded {refunded}"))
        }
        // Refunded before, by an amount the provider does not report (Finpay's and PayG's
        // partial refunds): what is left cannot be checked, so nothing is sent.
        None if payment.status == PaymentStatus::PartiallyRefunded => {
            return Err(state(
                provider,
                operation,
                payment,
                &format!(
                    "{provider} reports an earlier refund but not its amount, so what is left to refund cannot be checked; refund the rest with {provider}'s own tools"
                ),
            ));
        }
        None => (
            paid,
            format!("paid {paid}; {provider} reports no refunded amount"),
        ),
    };
    if left.is_zero() {
        return Err(state(
            provider,
            operation,
            payment,
            "nothing is left to refund",
        ));
    }
    if request.amount.amount() > left.amount() {
        return Err(Error::invalid(
            "refund.amount",
            format!(
                "{} is more than the {left} left to refund ({detail}); nothing was sent",
                request.amount
            ),
        ));
    }
    Ok(())
}

/// A capture: the payment is authorized, the currencies agree, and the amount is at most the
/// authorized amount plus `over_percent` % (PayWay lets cards complete up to 110 %).
pub fn check_capture(
    provider: &'static str,
    payment: &Payment,
    request: &CaptureRequest,
    over_percent: u32,
) -> Result<()> {
    let operation = Operation::Capture;
    if payment.status != PaymentStatus::Authorized {
        return Err(state(
            provider,
            operation,
            payment,
            "only an authorized (pre-authorized) payment can be captured",
        ));
    }
    let authorized = amount_of(provider, operation, payment)?;
    same_currency("capture.amount", &request.amount, &authorized)?;
    let limit = authorized
        .amount()
        .checked_mul(rust_decimal::Decimal::from(100 + u64::from(over_percent)))
        .map(|a| a / rust_decimal::Decimal::from(100))
        .unwrap_or(authorized.amount());
    if request.amount.amount() > limit {
        let allowance = if over_percent == 0 {
            String::new()
        } else {
            format!(" plus {over_percent} %")
        };
        return Err(Error::invalid(
            "capture.amount",
            format!(
                "{} is more than the authorized {authorized}{allowance} allows; nothing was sent",
                request.amount
            ),
        ));
    }
    Ok(())
}

/// A void or cancel: the payment's status is one of `allowed` (each provider's gateway says
/// which, from its documentation).
pub fn check_status_allows(
    provider: &'static str,
    operation: Operation,
    payment: &Payment,
    allowed: &[PaymentStatus],
) -> Result<()> {
    if allowed.contains(&payment.status) {
        return Ok(());
    }
    let names: Vec<&str> = allowed.iter().map(PaymentStatus::as_str).collect();
    Err(state(
        provider,
        operation,
        payment,
        &format!(
            "{provider} allows {operation} only on a payment that is {}",
            names.join(" or ")
        ),
    ))
}

fn amount_of(provider: &'static str, operation: Operation, payment: &Payment) -> Result<Money> {
    payment.amount.ok_or_else(|| {
        state(
            provider,
            operation,
            payment,
            "the provider reported no amount for the payment, so the write cannot be checked",
        )
    })
}

fn same_currency(field: &'static str, asked: &Money, payment: &Money) -> Result<()> {
    if asked.currency() == payment.currency() {
        return Ok(());
    }
    Err(Error::invalid(
        field,
        format!(
            "{asked} is in {}, but the payment is in {} ({payment}); nothing was sent",
            asked.currency(),
            payment.currency()
        ),
    ))
}

fn state(provider: &'static str, operation: Operation, payment: &Payment, reason: &str) -> Error {
    let status = if payment.provider_status.is_empty() {
        payment.status.to_string()
    } else {
        format!("{} ({})", payment.status, payment.provider_status)
    };
    Error::InvalidState {
        provider,
        operation,
        order_id: payment.order_id.to_string(),
        status,
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RawResponse;
    use crate::money::Currency;

    fn money(text: &str, currency: Currency) -> Money {
        Money::parse(text, currency).unwrap()
    }

    fn payment(status: PaymentStatus, amount: &str, refunded: Option<&str>) -> Payment {
        let mut p = Payment::new(
            "test",
            OrderId::new("A1").unwrap(),
            status,
            "RAW",
            RawResponse::default(),
        );
        p.amount = Some(money(amount, Currency::USD));
        p.refunded_amount = refunded.map(|r| money(r, Currency::USD));
        p
    }

    fn refund(text: &str, currency: Currency) -> RefundRequest {
        RefundRequest::new(OrderId::new("A1").unwrap(), money(text, currency)).unwrap()
    }

    #[test]
    fn refunds_are_checked_for_currency_state_and_what_is_left() {
        let paid = payment(PaymentStatus::Paid, "10.00", None);
        assert!(check_refund("test", &paid, &refund("10.00", Currency::USD)).is_ok());
        let err = check_refund("test", &paid, &refund("1", Currency::KHR)).unwrap_err();
        assert_eq!(err.class(), crate::ErrorClass::InvalidInput);
        let text = err.to_string();
        assert!(text.contains("KHR") && text.contains("USD"), "{text}");
        let err = check_refund("test", &paid, &refund("10.01", Currency::USD)).unwrap_err();
        assert!(err.to_string().contains("10.00 USD left"), "{err}");

        let partly = payment(PaymentStatus::PartiallyRefunded, "10.00", Some("7.50"));
        assert!(check_refund("test", &partly, &refund("2.50", Currency::USD)).is_ok());
        let err = check_refund("test", &partly, &refund("2.51", Currency::USD)).unwrap_err();
        assert!(err.to_string().contains("2.50 USD left"), "{err}");

        // Refunded before by an amount the provider does not report: nothing can be checked.
        let unreported = payment(PaymentStatus::PartiallyRefunded, "10.00", None);
        let err = check_refund("test", &unreported, &refund("0.01", Currency::USD)).unwrap_err();
        assert_eq!(err.class(), crate::ErrorClass::InvalidState);
        assert!(err.to_string().contains("not its amount"), "{err}");

        for status in [
            PaymentStatus::Pending,
            PaymentStatus::Authorized,
            PaymentStatus::Refunded,
            PaymentStatus::Voided,
            PaymentStatus::Unknown("X".into()),
        ] {
            let p = payment(status.clone(), "10.00", None);
            let err = check_refund("test", &p, &refund("1.00", Currency::USD)).unwrap_err();
            assert_eq!(err.class(), crate::ErrorClass::InvalidState, "{status}");
        }
        let mut no_amount = paid.clone();
        no_amount.amount = None;
        let err = check_refund("test", &no_amount, &refund("1.00", Currency::USD)).unwrap_err();
        assert_eq!(err.class(), crate::ErrorClass::InvalidState);
    }

    #[test]
    fn captures_are_checked_against_the_authorized_amount() {
        let held = payment(PaymentStatus::Authorized, "10.00", None);
        let capture = |text: &str, currency| {
            CaptureRequest::new(OrderId::new("A1").unwrap(), money(text, currency)).unwrap()
        };
        assert!(check_capture("test", &held, &capture("10.00", Currency::USD), 0).is_ok());
        assert!(check_capture("test", &held, &capture("10.01", Currency::USD), 0).is_err());
        assert!(check_capture("test", &held, &capture("11.00", Currency::USD), 10).is_ok());
        assert!(check_capture("test", &held, &capture("11.01", Currency::USD), 10).is_err());
        let err = check_capture("test", &held, &capture("100", Currency::KHR), 10).unwrap_err();
        assert!(err.to_string().contains("KHR"), "{err}");
        let paid = payment(PaymentStatus::Paid, "10.00", None);
        let err = check_capture("test", &paid, &capture("1.00", Currency::USD), 0).unwrap_err();
        assert_eq!(err.class(), crate::ErrorClass::InvalidState);
        assert_eq!(
            err.to_string(),
            "test capture of order A1 not sent: only an authorized (pre-authorized) payment can be captured (the payment is paid (RAW))"
        );
    }

    #[test]
    fn handed_over_payments_must_be_this_order() {
        let p = payment(PaymentStatus::Paid, "1.00", None);
        let other = OrderId::new("B2").unwrap();
        assert!(check_handed_over("test", Operation::Refund, &p.order_id, &p).is_ok());
        assert!(check_handed_over("test", Operation::Refund, &other, &p).is_err());
        assert!(check_handed_over("other", Operation::Refund, &p.order_id, &p).is_err());
    }

    #[test]
    fn statuses_allowed() {
        let p = payment(PaymentStatus::Paid, "1.00", None);
        let allowed = [PaymentStatus::Authorized];
        let err = check_status_allows("test", Operation::Void, &p, &allowed).unwrap_err();
        assert!(
            err.to_string()
                .contains("only on a payment that is authorized"),
            "{err}"
        );
        assert!(check_status_allows("test", Operation::Void, &p, &[PaymentStatus::Paid]).is_ok());
    }
}
