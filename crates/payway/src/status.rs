//! PayWay statuses → the unified model: `payment_status_code` (and its word), corrected from
//! the amounts.

use paygate_core::{Decimal, PaymentStatus};

/// The unified status of a transaction from its `payment_status_code` and `payment_status`,
/// corrected from the amounts: PayWay reports REFUNDED (4) after a *partial* refund too, so
/// `refund_amount < total` means partially refunded.
pub fn payment_status(
    code: Option<i64>,
    word: Option<&str>,
    total: Option<Decimal>,
    refunded: Option<Decimal>,
) -> PaymentStatus {
    let word = word.map(str::trim).unwrap_or("");
    let refunded_status = || match (total, refunded) {
        (Some(total), Some(refunded)) if refunded > Decimal::ZERO && refunded < total => {
            PaymentStatus::PartiallyRefunded
        }
        _ => PaymentStatus::Refunded,
    };
    match code {
        Some(0) if word.eq_ignore_ascii_case("PRE-AUTH") => PaymentStatus::Authorized,
        Some(0) => PaymentStatus::Paid,
        Some(2) => PaymentStatus::Pending,
        Some(3) => PaymentStatus::Declined,
        Some(4) => refunded_status(),
        Some(7) => PaymentStatus::Cancelled,
        Some(other) => PaymentStatus::Unknown(other.to_string()),
        None => match word.to_ascii_uppercase().as_str() {
            "APPROVED" => PaymentStatus::Paid,
            "PRE-AUTH" => PaymentStatus::Authorized,
            "PENDING" => PaymentStatus::Pending,
            // The docs spell it DECLINDED once.
            "DECLINED" | "DECLINDED" => PaymentStatus::Declined,
            "REFUNDED" => refunded_status(),
            "CANCELLED" => PaymentStatus::Cancelled,
            _ => PaymentStatus::Unknown(word.to_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Option<Decimal> {
        Some(Decimal::from_str(s).unwrap())
    }

    type Case = (
        Option<i64>,
        Option<&'static str>,
        Option<Decimal>,
        Option<Decimal>,
        PaymentStatus,
    );

    /// Every documented code, with and without the word, and the partial-refund correction.
    #[test]
    fn payment_status_table() {
        use PaymentStatus as P;
        let cases: &[Case] = &[
            (Some(0), Some("APPROVED"), None, None, P::Paid),
            (Some(0), Some("PRE-AUTH"), None, None, P::Authorized),
            (Some(0), Some("pre-auth"), None, None, P::Authorized),
            (Some(0), None, None, None, P::Paid),
            (Some(2), Some("PENDING"), None, None, P::Pending),
            (Some(3), Some("DECLINED"), None, None, P::Declined),
            (Some(4), Some("REFUNDED"), d("1.00"), d("1.00"), P::Refunded),
            (
                Some(4),
                Some("REFUNDED"),
                d("1.00"),
                d("0.10"),
                P::PartiallyRefunded,
            ),
            (Some(4), Some("REFUNDED"), d("1.00"), d("0"), P::Refunded),
            (Some(4), Some("REFUNDED"), None, d("0.10"), P::Refunded),
            (Some(4), None, d("100"), d("99"), P::PartiallyRefunded),
            (Some(7), Some("CANCELLED"), None, None, P::Cancelled),
            (
                Some(9),
                Some("WHATEVER"),
                None,
                None,
                P::Unknown("9".into()),
            ),
            (None, Some("APPROVED"), None, None, P::Paid),
            (None, Some("PRE-AUTH"), None, None, P::Authorized),
            (None, Some("PENDING"), None, None, P::Pending),
            (None, Some("DECLINED"), None, None, P::Declined),
            (None, Some("DECLINDED"), None, None, P::Declined),
            (None, Some("REFUNDED"), d("5"), d("2"), P::PartiallyRefunded),
            (None, Some("CANCELLED"), None, None, P::Cancelled),
            (
                None,
                Some("ON_HOLD"),
                None,
                None,
                P::Unknown("ON_HOLD".into()),
            ),
            (None, None, None, None, P::Unknown(String::new())),
        ];
        for (code, word, total, refunded, expected) in cases {
            assert_eq!(
                payment_status(*code, *word, *total, *refunded),
                *expected,
                "{code:?} {word:?} {total:?} {refunded:?}"
            );
        }
    }
}
