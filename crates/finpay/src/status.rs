//! Finpay's `result.payment.status` → the unified model (one table).

use paygate_core::PaymentStatus;

/// The unified status of `result.payment.status` (Finpay's status list; entries after its
/// 13th are not in any available copy, so EXPIRED, VOIDED and the spellings third parties
/// use are added, and anything else is kept as `Unknown`).
pub fn payment_status(status: &str) -> PaymentStatus {
    match status.trim().to_ascii_uppercase().as_str() {
        // PAID for non-card channels, CAPTURED for cards: both mean the money moved.
        "PAID" | "CAPTURED" | "PARTIALLY_CAPTURED" | "SUCCESS" | "SETTLED" => PaymentStatus::Paid,
        "AUTHORIZED" => PaymentStatus::Authorized,
        "PARTIALLY_REFUNDED" => PaymentStatus::PartiallyRefunded,
        "REFUNDED" => PaymentStatus::Refunded,
        "CANCELLED" | "CANCELED" => PaymentStatus::Cancelled,
        "VOIDED" | "VOID" => PaymentStatus::Voided,
        "REQUEST_INITIATED"
        | "INITIATED"
        | "AUTHENTICATION_INITIATED"
        | "AUTHENTICATED"
        | "PENDING" => PaymentStatus::Pending,
        "FAILURE" | "FAILED" | "DECLINED" => PaymentStatus::Declined,
        "EXPIRED" => PaymentStatus::Expired,
        _ => PaymentStatus::Unknown(status.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every status of Finpay's list (§10), the unconfirmed spellings, and an unknown one.
    #[test]
    fn payment_status_table() {
        use PaymentStatus as P;
        for (word, status) in [
            ("PAID", P::Paid),
            ("AUTHENTICATED", P::Pending),
            ("AUTHORIZED", P::Authorized),
            ("PARTIALLY_CAPTURED", P::Paid),
            ("CAPTURED", P::Paid),
            ("PARTIALLY_REFUNDED", P::PartiallyRefunded),
            ("REFUNDED", P::Refunded),
            ("CANCELLED", P::Cancelled),
            ("CANCELED", P::Cancelled),
            ("INITIATED", P::Pending),
            ("AUTHENTICATION_INITIATED", P::Pending),
            ("REQUEST_INITIATED", P::Pending),
            ("FAILURE", P::Declined),
            ("FAILED", P::Declined),
            ("PENDING", P::Pending),
            ("EXPIRED", P::Expired),
            ("VOIDED", P::Voided),
            ("paid", P::Paid),
            ("ON_HOLD", P::Unknown("ON_HOLD".into())),
        ] {
            assert_eq!(payment_status(word), status, "{word}");
        }
    }
}
