//! PayWay codes → the unified model: one table for `status.code` per endpoint, one for
//! `payment_status_code`.

use paygate_core::local_time;
use paygate_core::time::{OffsetDateTime, UtcOffset};
use paygate_core::{Decimal, Effect, Operation, PaymentStatus, ProviderErrorKind};

/// PayWay's endpoints. A numeric `status.code` means different things on different endpoints
/// (5 is "wrong hash" on check but "not found" on close), so codes are read per endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `check-transaction-2`.
    CheckTransaction,
    /// `transaction-detail`.
    TransactionDetail,
    /// `close-transaction`.
    CloseTransaction,
    /// `transaction-list-2`.
    TransactionList,
    /// `exchange-rate`.
    ExchangeRate,
    /// `online-transaction/refund`.
    Refund,
    /// `online-transaction/pre-auth-completion`.
    PreAuthCompletion,
    /// `online-transaction/pre-auth-cancellation`.
    PreAuthCancellation,
    /// `purchase`.
    Purchase,
}

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Endpoint; 9] = [
        Endpoint::CheckTransaction,
        Endpoint::TransactionDetail,
        Endpoint::CloseTransaction,
        Endpoint::TransactionList,
        Endpoint::ExchangeRate,
        Endpoint::Refund,
        Endpoint::PreAuthCompletion,
        Endpoint::PreAuthCancellation,
        Endpoint::Purchase,
    ];

    /// The path under the base URL.
    pub fn path(&self) -> &'static str {
        match self {
            Endpoint::CheckTransaction => "/api/payment-gateway/v1/payments/check-transaction-2",
            Endpoint::TransactionDetail => "/api/payment-gateway/v1/payments/transaction-detail",
            Endpoint::CloseTransaction => "/api/payment-gateway/v1/payments/close-transaction",
            Endpoint::TransactionList => "/api/payment-gateway/v1/payments/transaction-list-2",
            Endpoint::ExchangeRate => "/api/payment-gateway/v1/exchange-rate",
            Endpoint::Refund => "/api/merchant-portal/merchant-access/online-transaction/refund",
            Endpoint::PreAuthCompletion => {
                "/api/merchant-portal/merchant-access/online-transaction/pre-auth-completion"
            }
            Endpoint::PreAuthCancellation => {
                "/api/merchant-portal/merchant-access/online-transaction/pre-auth-cancellation"
            }
            Endpoint::Purchase => "/api/payment-gateway/v1/payments/purchase",
        }
    }

    /// The operation, for errors, tracing and the retry policy.
    pub fn operation(&self) -> Operation {
        match self {
            Endpoint::CheckTransaction => Operation::PaymentStatus,
            Endpoint::TransactionDetail => Operation::Native {
                name: "transaction-detail",
                effect: Effect::Read,
            },
            Endpoint::CloseTransaction => Operation::Cancel,
            Endpoint::TransactionList => Operation::Native {
                name: "transaction-list-2",
                effect: Effect::Read,
            },
            Endpoint::ExchangeRate => Operation::Native {
                name: "exchange-rate",
                effect: Effect::Read,
            },
            Endpoint::Refund => Operation::Refund,
            Endpoint::PreAuthCompletion => Operation::Capture,
            Endpoint::PreAuthCancellation => Operation::Void,
            Endpoint::Purchase => Operation::CreatePayment,
        }
    }

    /// True for `status.code` values that mean success here (`"00"`; `"0"` on purchase).
    pub fn is_success(&self, code: &str) -> bool {
        code == "00" || (*self == Endpoint::Purchase && code == "0")
    }

    /// What kind of refusal `code` is on this endpoint.
    pub fn error_kind(&self, code: &str) -> ProviderErrorKind {
        use Endpoint as E;
        use ProviderErrorKind as K;
        // Rate limiting looks the same everywhere (HTTP 403 + code 429 on check/detail).
        if code == "429" {
            return K::RateLimited { retry_after: None };
        }
        match self {
            E::CheckTransaction | E::TransactionDetail => match code {
                "1" | "5" | "8" => K::Auth,
                "6" => K::NotFound,
                "11" => K::Server,
                _ => K::Other,
            },
            E::CloseTransaction => match code {
                "1" | "26" => K::Auth,
                "5" => K::NotFound,
                "2" => K::InvalidState,
                _ => K::Other,
            },
            E::TransactionList => match code {
                "1" | "8" => K::Auth,
                "11" => K::Server,
                "49" | "50" | "51" | "52" | "53" => K::Validation,
                _ => K::Other,
            },
            E::ExchangeRate => match code {
                "1" | "26" => K::Auth,
                _ => K::Other,
            },
            E::Refund | E::PreAuthCompletion | E::PreAuthCancellation => match code {
                "PTL02" | "PTL62" | "PTL63" => K::Auth,
                "PTL04"
                | "PTL05"
                | "PTL06"
                | "PTL60"
                | "PTL186"
                | "PTL187"
                | "USD-NOT-ALLOW"
                | "KHR-LESS-100"
                | "KHR-CONTAIN-DECIMAL"
                | "04" => K::Validation,
                "PTL36" => K::NotFound,
                "PTL37" | "PTL57" | "PTL59" | "PTL169" | "PTL170" | "PTL172" | "PTL181" => {
                    K::InvalidState
                }
                "PTL58" => K::Server,
                // "Concurrent requests not allowed": the provider did not act on it.
                "PTL168" => K::RateLimited { retry_after: None },
                _ => K::Other,
            },
            E::Purchase => match code {
                "1" | "6" | "26" | "401" | "403" => K::Auth,
                "2" | "3" | "4" | "7" | "10" | "13" | "16" | "17" | "18" | "19" | "25" | "45"
                | "46" | "47" | "69" => K::Validation,
                "12" | "22" | "23" | "44" | "70" | "72" => K::InvalidState,
                "11" | "503" => K::Server,
                _ => K::Other,
            },
        }
    }
}

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

/// Phnom Penh time, in which PayWay writes every date.
pub const PAYWAY_OFFSET: UtcOffset = local_time::offset(7, 0);

/// Reads PayWay's `YYYY-MM-DD HH:mm:ss` (UTC+7, no offset written) with an explicit +07:00.
pub fn parse_date(text: &str) -> Option<OffsetDateTime> {
    local_time::parse_ymd_hms(text, PAYWAY_OFFSET)
}

/// Writes a date as PayWay's `YYYY-MM-DD HH:mm:ss` in UTC+7.
pub fn format_date(at: OffsetDateTime) -> String {
    local_time::format_ymd_hms(at, PAYWAY_OFFSET)
}

#[cfg(test)]
mod tests {
    use super::*;
    use paygate_core::time::macros::datetime;
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

    #[test]
    fn codes_are_read_per_endpoint() {
        use ProviderErrorKind as K;
        assert_eq!(Endpoint::CheckTransaction.error_kind("5"), K::Auth);
        assert_eq!(Endpoint::CloseTransaction.error_kind("5"), K::NotFound);
        assert_eq!(Endpoint::CheckTransaction.error_kind("6"), K::NotFound);
        assert_eq!(Endpoint::CloseTransaction.error_kind("2"), K::InvalidState);
        for e in Endpoint::ALL {
            assert_eq!(
                e.error_kind("429"),
                K::RateLimited { retry_after: None },
                "{e:?}"
            );
            assert_eq!(e.error_kind("no-such-code"), K::Other, "{e:?}");
            assert!(e.is_success("00"));
            assert!(!e.is_success("6"));
        }
        assert!(Endpoint::Purchase.is_success("0"));
        assert!(!Endpoint::Refund.is_success("0"));
        assert_eq!(Endpoint::Refund.error_kind("PTL02"), K::Auth);
        assert_eq!(Endpoint::Refund.error_kind("PTL36"), K::NotFound);
        assert_eq!(Endpoint::Refund.error_kind("PTL37"), K::InvalidState);
        assert_eq!(Endpoint::Refund.error_kind("PTL04"), K::Validation);
        assert_eq!(
            Endpoint::PreAuthCompletion.error_kind("KHR-LESS-100"),
            K::Validation
        );
        assert_eq!(
            Endpoint::PreAuthCancellation.error_kind("PTL170"),
            K::InvalidState
        );
        assert_eq!(Endpoint::TransactionList.error_kind("52"), K::Validation);
        assert_eq!(Endpoint::Purchase.error_kind("1"), K::Auth);
        assert_eq!(Endpoint::Purchase.error_kind("47"), K::Validation);
    }

    #[test]
    fn dates_get_an_explicit_offset() {
        assert_eq!(
            parse_date("2025-02-13 13:55:25"),
            Some(datetime!(2025-02-13 13:55:25 +07:00))
        );
        assert_eq!(
            parse_date("2025-02-13 13:55:25")
                .unwrap()
                .to_offset(UtcOffset::UTC)
                .hour(),
            6
        );
        for bad in [
            "",
            "2025-02-13",
            "2025-13-01 00:00:00",
            "2025-02-13 25:00:00",
            "a-b-c d:e:f",
            "2025-02-13 13:55:25:1",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        // Tolerant on receipt: an ISO `T` reads the same.
        assert_eq!(
            parse_date("2025-02-13T13:55:25"),
            parse_date("2025-02-13 13:55:25")
        );
        assert_eq!(
            format_date(datetime!(2025-02-13 06:55:25 UTC)),
            "2025-02-13 13:55:25"
        );
    }
}
