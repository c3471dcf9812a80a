//! PayG codes → the unified model, and PayG's dates.

use paygate_core::local_time;
use paygate_core::time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
use paygate_core::{PaymentStatus, ProviderErrorKind, RefundStatus};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::macros::offset;

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

/// The kind of refusal an error answer is, from its HTTP status (PayG's `Code` values are
/// undocumented): 400 / 411 / 412 / 422 validation, 401 / 403 auth, 404 not found, 409
/// invalid state, 429 rate limited, 5xx server; an error naming a field (`FieldName`) is a
/// validation error whatever its status. `None`: not a refusal the SDK recognises — an error
/// object inside HTTP 200 or 3xx without a field name — which on a write is an unknown outcome.
pub fn refusal_kind(http_status: u16, field_named: bool) -> Option<ProviderErrorKind> {
    Some(match http_status {
        400 | 411 | 412 | 422 => ProviderErrorKind::Validation,
        401 | 403 => ProviderErrorKind::Auth,
        404 => ProviderErrorKind::NotFound,
        409 => ProviderErrorKind::InvalidState,
        429 => ProviderErrorKind::RateLimited { retry_after: None },
        500..=599 => ProviderErrorKind::Server,
        _ if field_named => ProviderErrorKind::Validation,
        _ => return None,
    })
}

/// India Standard Time, in which PayG writes its zone-less dates.
pub const IST: UtcOffset = offset!(+5:30);

/// Reads PayG's dates, both forms, as IST: `12/16/2023 8:40:35 AM` (Payment/UpdatedDateTime)
/// and `2023-12-16T14:16:59.227` (RefundDateTime and transaction details).
pub fn parse_date(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if text.contains('/') {
        parse_us(text).map(|t| t.assume_offset(IST))
    } else if text.contains('T') {
        local_time::parse_ymd_hms(text, IST)
    } else {
        None
    }
}

/// `M/D/YYYY h:mm:ss AM|PM` (month, day and hour with or without a leading zero).
const US_DATE: &[BorrowedFormatItem<'static>] = format_description!(
    "[month padding:none]/[day padding:none]/[year] [hour repr:12 padding:none]:[minute]:[second] [period case_sensitive:false]"
);

fn parse_us(text: &str) -> Option<PrimitiveDateTime> {
    PrimitiveDateTime::parse(text, US_DATE).ok()
}

/// `RequestDateTime`: `MMDDYYYY` in IST.
pub fn request_date(now: OffsetDateTime) -> String {
    // Formatting a valid date cannot fail; PayG refuses an empty date rather than take a
    // wrong one.
    now.to_offset(IST)
        .format(format_description!("[month][day][year]"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use paygate_core::time::macros::datetime;

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
    fn refusals_by_http_status() {
        use ProviderErrorKind as K;
        for (status, field, kind) in [
            (400, false, Some(K::Validation)),
            (411, false, Some(K::Validation)),
            (412, false, Some(K::Validation)),
            (422, false, Some(K::Validation)),
            (401, false, Some(K::Auth)),
            (403, false, Some(K::Auth)),
            (404, false, Some(K::NotFound)),
            (409, false, Some(K::InvalidState)),
            (429, false, Some(K::RateLimited { retry_after: None })),
            (500, false, Some(K::Server)),
            (503, false, Some(K::Server)),
            (200, true, Some(K::Validation)),
            // An error object in a 200 (or a 3xx) naming no field proves nothing was done.
            (200, false, None),
            (302, false, None),
            (418, false, None),
        ] {
            assert_eq!(refusal_kind(status, field), kind, "{status} {field}");
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

    #[test]
    fn both_date_forms_in_ist() {
        assert_eq!(
            parse_date("12/16/2023 8:40:35 AM"),
            Some(datetime!(2023-12-16 08:40:35 +05:30))
        );
        assert_eq!(
            parse_date("12/16/2023 2:07:53 PM"),
            Some(datetime!(2023-12-16 14:07:53 +05:30))
        );
        assert_eq!(
            parse_date("12/14/2025 12:05:00 AM"),
            Some(datetime!(2025-12-14 00:05:00 +05:30))
        );
        assert_eq!(
            parse_date("12/14/2025 12:05:00 PM"),
            Some(datetime!(2025-12-14 12:05:00 +05:30))
        );
        assert_eq!(
            parse_date("2023-12-16T14:16:59.227"),
            Some(datetime!(2023-12-16 14:16:59.227 +05:30))
        );
        assert_eq!(
            parse_date("2023-12-16T14:30:34.7"),
            Some(datetime!(2023-12-16 14:30:34.7 +05:30))
        );
        assert_eq!(
            parse_date("2023-04-19T11:32:38"),
            Some(datetime!(2023-04-19 11:32:38 +05:30))
        );
        for bad in [
            "",
            "13/16/2023 8:40:35 AM",
            "12/16/2023 13:40:35 PM",
            "12/16/2023 8:40:35",
            "2023-12-16 14:16:59",
            "2023-12-16T14:16:59.x",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn request_date_is_mmddyyyy_ist() {
        assert_eq!(request_date(datetime!(2023-06-22 20:00 UTC)), "06232023");
    }
}
