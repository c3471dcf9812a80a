//! PayG's payment and refund codes → the unified model.

use paygate_core::{PaymentStatus, RefundStatus};

/// `PaymentResponseCode` → status: 0 initiated and 4 pending/submitted are pending, 1 approved
/// is paid, 2 declined/failed is declined. PayG's full table is not published; other values
/// are kept as `Unknown`. (`OrderPaymentStatus` is not used: the official paid sample has 0
/// there with the text "Paid".)
pub fn payment_status(code: Option<i64>, text: Option<&str>) -> PaymentStatus {
    match code {
        Some(0) | Some(4) => PaymentStatus::Pending,
        Some(1) => PaymentStatus::Paid,
        Some(2) => PaymentStatus::Declined,
        Some(other) => PaymentStatus::Unknown(other.to_string()),
        None => match text.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
            Some("approved") | Some("success") => PaymentStatus::Paid,
            Some("declined") | Some("failed") => PaymentStatus::Declined,
            Some("pending") | Some("submitted") | Some("created") => PaymentStatus::Pending,
            _ => PaymentStatus::Unknown(text.unwrap_or_default().to_owned()),
        },
    }
}

/// `RefundPaymentResponseCode` → refund status: 1 succeeded, 2 failed, 4 pending; 0 (no
/// refund) and others are `Unknown`. The semantics are inferred from PaymentResponseCode's.
pub fn refund_status(code: Option<i64>) -> RefundStatus {
    match code {
        Some(1) => RefundStatus::Succeeded,
        Some(2) => RefundStatus::Failed,
        Some(4) => RefundStatus::Pending,
        Some(other) => RefundStatus::Unknown(other.to_string()),
        None => RefundStatus::Unknown(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_response_codes() {
        use PaymentStatus as P;
        for (code, text, status) in [
            (Some(0), None, P::Pending),
            (Some(1), Some("Approved"), P::Paid),
            (Some(2), Some("Declined"), P::Declined),
            (Some(4), Some("Pending"), P::Pending),
            (Some(3), None, P::Unknown("3".into())),
            (Some(7), Some("Approved"), P::Unknown("7".into())),
            (None, Some("Approved"), P::Paid),
            (None, Some("Failed"), P::Declined),
            (None, Some("Submitted"), P::Pending),
            (None, Some("Odd"), P::Unknown("Odd".into())),
            (None, None, P::Unknown(String::new())),
        ] {
            assert_eq!(payment_status(code, text), status, "{code:?} {text:?}");
        }
    }

    #[test]
    fn refund_response_codes() {
        assert_eq!(refund_status(Some(1)), RefundStatus::Succeeded);
        assert_eq!(refund_status(Some(2)), RefundStatus::Failed);
        assert_eq!(refund_status(Some(4)), RefundStatus::Pending);
        assert_eq!(refund_status(Some(0)), RefundStatus::Unknown("0".into()));
        assert_eq!(refund_status(None), RefundStatus::Unknown(String::new()));
    }
}
