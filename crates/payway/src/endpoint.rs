//! PayWay's endpoints: paths, the unified operation each serves, the fields each hashes in
//! order, and each one's table of success and refusal codes.

use paygate_core::{Effect, Operation, ProviderErrorKind};

/// The hashed fields of each endpoint, in hash order.
#[doc(hidden)]
pub mod order;

/// PayWay's endpoints. A numeric `status.code` means different things on different endpoints
/// (5 is "wrong hash" on check but "not found" on close), so codes are read per endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
    /// `generate-qr` (the QR API).
    GenerateQr,
    /// `payment-link/create`.
    PaymentLinkCreate,
    /// `payment-link/detail`.
    PaymentLinkDetail,
    /// `payment-link/void` (not on PayWay's pages; probed live by an independent SDK).
    PaymentLinkVoid,
    /// `get-transactions-by-mc-ref`.
    TransactionsByRef,
    /// `payment-credential/v3/aof/link-account`: save an ABA account.
    AccountLink,
    /// `payment-credential/v3/cof/link-card`: save a card (a browser form).
    CardLink,
    /// `payment-gateway/v3/purchase/payment-credential`: pay with a saved token.
    TokenPayment,
    /// `token-management/get-token-details`.
    TokenDetails,
    /// `token-management/renew-expired-account-token`.
    TokenRenew,
    /// `token-management/remove-token`.
    TokenRemove,
}

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Endpoint; 20] = [
        Endpoint::CheckTransaction,
        Endpoint::TransactionDetail,
        Endpoint::CloseTransaction,
        Endpoint::TransactionList,
        Endpoint::ExchangeRate,
        Endpoint::Refund,
        Endpoint::PreAuthCompletion,
        Endpoint::PreAuthCancellation,
        Endpoint::Purchase,
        Endpoint::GenerateQr,
        Endpoint::PaymentLinkCreate,
        Endpoint::PaymentLinkDetail,
        Endpoint::PaymentLinkVoid,
        Endpoint::TransactionsByRef,
        Endpoint::AccountLink,
        Endpoint::CardLink,
        Endpoint::TokenPayment,
        Endpoint::TokenDetails,
        Endpoint::TokenRenew,
        Endpoint::TokenRemove,
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
            Endpoint::GenerateQr => "/api/payment-gateway/v1/payments/generate-qr",
            Endpoint::PaymentLinkCreate => {
                "/api/merchant-portal/merchant-access/payment-link/create"
            }
            Endpoint::PaymentLinkDetail => {
                "/api/merchant-portal/merchant-access/payment-link/detail"
            }
            Endpoint::PaymentLinkVoid => "/api/merchant-portal/merchant-access/payment-link/void",
            Endpoint::TransactionsByRef => {
                "/api/payment-gateway/v1/payments/get-transactions-by-mc-ref"
            }
            Endpoint::AccountLink => "/api/payment-credential/v3/aof/link-account",
            Endpoint::CardLink => "/api/payment-credential/v3/cof/link-card",
            Endpoint::TokenPayment => "/api/payment-gateway/v3/purchase/payment-credential",
            Endpoint::TokenDetails => {
                "/api/payment-credential/v3/token-management/get-token-details"
            }
            Endpoint::TokenRenew => {
                "/api/payment-credential/v3/token-management/renew-expired-account-token"
            }
            Endpoint::TokenRemove => "/api/payment-credential/v3/token-management/remove-token",
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
            Endpoint::GenerateQr => Operation::Native {
                name: "generate-qr",
                effect: Effect::Write,
            },
            Endpoint::PaymentLinkCreate => Operation::Native {
                name: "payment-link-create",
                effect: Effect::Write,
            },
            Endpoint::PaymentLinkDetail => Operation::Native {
                name: "payment-link-detail",
                effect: Effect::Read,
            },
            Endpoint::PaymentLinkVoid => Operation::Native {
                name: "payment-link-void",
                effect: Effect::Write,
            },
            Endpoint::TransactionsByRef => Operation::Native {
                name: "get-transactions-by-mc-ref",
                effect: Effect::Read,
            },
            Endpoint::AccountLink => Operation::Native {
                name: "link-account",
                effect: Effect::Write,
            },
            Endpoint::CardLink => Operation::Native {
                name: "link-card",
                effect: Effect::Write,
            },
            Endpoint::TokenPayment => Operation::Native {
                name: "payment-credential",
                effect: Effect::Write,
            },
            Endpoint::TokenDetails => Operation::Native {
                name: "get-token-details",
                effect: Effect::Read,
            },
            Endpoint::TokenRenew => Operation::Native {
                name: "renew-expired-account-token",
                effect: Effect::Write,
            },
            Endpoint::TokenRemove => Operation::Native {
                name: "remove-token",
                effect: Effect::Write,
            },
        }
    }

    /// True for `status.code` values that mean success here (`"00"`; `"0"` too on the
    /// purchase family, purchase and generate-qr, whose pages document `0`).
    pub fn is_success(&self, code: &str) -> bool {
        code == "00" || (matches!(self, Endpoint::Purchase | Endpoint::GenerateQr) && code == "0")
    }

    /// What kind of refusal `code` is on this endpoint; `None` when the code is not one this
    /// endpoint documents as a refusal (then it is no refusal at all: on a write the outcome is
    /// unknown, on a read the answer is unexpected). Codes are compared as text, so the
    /// rate-limit code arrives as the number `429` or the string `"429"` alike.
    pub fn refusal_kind(&self, code: &str) -> Option<ProviderErrorKind> {
        self.refusals()
            .iter()
            .find(|(known, _)| *known == code)
            .map(|(_, kind)| *kind)
    }

    /// The endpoint's documented refusals: each code that means the provider did nothing, and
    /// its kind. One table per endpoint family, from PayWay's pages (research §codes).
    pub fn refusals(&self) -> &'static [(&'static str, ProviderErrorKind)] {
        match self {
            Endpoint::CheckTransaction | Endpoint::TransactionDetail => READ_REFUSALS,
            Endpoint::TransactionsByRef => BY_REF_REFUSALS,
            Endpoint::CloseTransaction => CLOSE_REFUSALS,
            Endpoint::TransactionList => LIST_REFUSALS,
            Endpoint::ExchangeRate => EXCHANGE_RATE_REFUSALS,
            Endpoint::Refund | Endpoint::PreAuthCompletion | Endpoint::PreAuthCancellation => {
                MERCHANT_PORTAL_REFUSALS
            }
            Endpoint::Purchase => PURCHASE_REFUSALS,
            Endpoint::GenerateQr => GENERATE_QR_REFUSALS,
            Endpoint::PaymentLinkCreate => PAYMENT_LINK_CREATE_REFUSALS,
            Endpoint::PaymentLinkDetail | Endpoint::PaymentLinkVoid => PAYMENT_LINK_REFUSALS,
            Endpoint::AccountLink
            | Endpoint::CardLink
            | Endpoint::TokenDetails
            | Endpoint::TokenRenew
            | Endpoint::TokenRemove => CREDENTIAL_REFUSALS,
            Endpoint::TokenPayment => TOKEN_PAYMENT_REFUSALS,
        }
    }
}

impl paygate_core::transport::CodeTable for Endpoint {
    fn is_success(&self, code: &str) -> bool {
        Endpoint::is_success(self, code)
    }

    fn refusal_kind(&self, code: &str) -> Option<ProviderErrorKind> {
        Endpoint::refusal_kind(self, code)
    }
}

use ProviderErrorKind::{Auth, InvalidState, NotFound, Server, Validation};

/// Rate limiting looks the same everywhere (HTTP 403 + code 429 on check/detail).
const RATE_LIMITED: ProviderErrorKind = ProviderErrorKind::RateLimited { retry_after: None };

const READ_REFUSALS: &[(&str, ProviderErrorKind)] = &[
    ("429", RATE_LIMITED),
    ("1", Auth),
    ("5", Auth),
    ("8", Auth),
    ("6", NotFound),
    ("11", Server),
];

const CLOSE_REFUSALS: &[(&str, ProviderErrorKind)] = &[
    ("429", RATE_LIMITED),
    ("1", Auth),
    ("26", Auth),
    ("5", NotFound),
    ("2", InvalidState),
];

const LIST_REFUSALS: &[(&str, ProviderErrorKind)] = &[
    ("429", RATE_LIMITED),
    ("1", Auth),
    ("8", Auth),
    ("11", Server),
    ("49", Validation),
    ("50", Validation),
    ("51", Validation),
    ("52", Validation),
    ("53", Validation),
];

const EXCHANGE_RATE_REFUSALS: &[(&str, ProviderErrorKind)] =
    &[("429", RATE_LIMITED), ("1", Auth), ("26", Auth)];

/// Refund and pre-auth completion / cancellation. `PTL58` ("system error") is deliberately
/// absent: on a write it proves nothing, so it is an unknown outcome.
const MERCHANT_PORTAL_REFUSALS: &[(&str, ProviderErrorKind)] = &[
    ("429", RATE_LIMITED),
    ("PTL02", Auth),
    ("PTL62", Auth),
    ("PTL63", Auth),
    ("PTL04", Validation),
    ("PTL05", Validation),
    ("PTL06", Validation),
    ("PTL60", Validation),
    ("PTL186", Validation),
    ("PTL187", Validation),
    ("USD-NOT-ALLOW", Validation),
    ("KHR-LESS-100", Validation),
    ("KHR-CONTAIN-DECIMAL", Validation),
    ("04", Validation),
    ("PTL36", NotFound),
    ("PTL37", InvalidState),
    ("PTL57", InvalidState),
    ("PTL59", InvalidState),
    ("PTL169", InvalidState),
    ("PTL170", InvalidState),
    ("PTL172", InvalidState),
    ("PTL181", InvalidState),
    // "Concurrent requests not allowed": the provider did not act on it.
    ("PTL168", RATE_LIMITED),
];

/// Purchase: its answer is the checkout itself, so `11` / `503` (server) only mean no
/// checkout was created.
const PURCHASE_REFUSALS: &[(&str, ProviderErrorKind)] = &[
    ("429", RATE_LIMITED),
    ("1", Auth),
    ("6", Auth),
    ("26", Auth),
    ("401", Auth),
    ("403", Auth),
    ("2", Validation),
    ("3", Validation),
    ("4", Validation),
    ("7", Validation),
    ("10", Validation),
    ("13", Validation),
    ("16", Validation),
    ("17", Validation),
    ("18", Validation),
    ("19", Validation),
    ("25", Validation),
    ("45", Validation),
    ("46", Validation),
    ("47", Validation),
    ("69", Validation),
    ("12", InvalidState),
    ("22", InvalidState),
    ("23", InvalidState),
    ("44", InvalidState),
    ("70", InvalidState),
    ("72", InvalidState),
    ("11", Server),
    ("503", Server),
];

/// `generate-qr`: the QR API page's codes (`403` there is a duplicate `tran_id`, not an
/// authorization failure; `48` its catch-all for a bad parameter), the purchase family's
/// amount codes, and `04`, the binding layer's refusal of a missing or malformed field (HTTP
/// 400; seen live on generate-qr for a lifetime under 3 minutes).
const GENERATE_QR_REFUSALS: &[(&str, ProviderErrorKind)] = &[
    ("429", RATE_LIMITED),
    ("1", Auth),
    ("6", Auth),
    ("8", Auth),
    ("96", Auth),
    ("04", Validation),
    ("3", Validation),
    ("16", Validation),
    ("17", Validation),
    ("18", Validation),
    ("19", Validation),
    ("35", Validation),
    ("45", Validation),
    ("46", Validation),
    ("47", Validation),
    ("48", Validation),
    ("102", Validation),
    ("403", Validation),
    ("12", InvalidState),
    ("23", InvalidState),
    ("44", InvalidState),
];

/// `get-transactions-by-mc-ref`: its page lists no codes; those of its family (the
/// payment-gateway reads), and `04` for a field the binding layer refuses.
const BY_REF_REFUSALS: &[(&str, ProviderErrorKind)] = &[
    ("429", RATE_LIMITED),
    ("1", Auth),
    ("5", Auth),
    ("8", Auth),
    ("6", NotFound),
    ("04", Validation),
    ("11", Server),
];

/// `payment-link/create`. `PTL04` is its catch-all refusal (an unsupported currency, a
/// non-numeric amount, an `expired_date` less than about five minutes ahead: all HTTP 400);
/// `96` ("Invalid merchant data") is the profile's.
const PAYMENT_LINK_CREATE_REFUSALS: &[(&str, ProviderErrorKind)] = &[
    ("429", RATE_LIMITED),
    ("PTL02", Auth),
    ("PTL62", Auth),
    ("PTL63", Auth),
    ("96", Auth),
    ("PTL04", Validation),
    ("PTL05", Validation),
    ("PTL06", Validation),
    ("PTL99", Validation),
    ("04", Validation),
];

/// `payment-link/detail` and `/void`: an unknown link id is `PTL132` on PayWay's page and `96`
/// ("Invalid merchant data") live; voiding a voided link is `PTL188`.
const PAYMENT_LINK_REFUSALS: &[(&str, ProviderErrorKind)] = &[
    ("429", RATE_LIMITED),
    ("PTL02", Auth),
    ("PTL62", Auth),
    ("PTL63", Auth),
    ("PTL04", Validation),
    ("PTL05", Validation),
    ("PTL06", Validation),
    ("04", Validation),
    ("PTL132", NotFound),
    ("96", NotFound),
    ("PTL188", InvalidState),
];

/// The credentials-on-file family (v3), as PayWay's sandbox answered an independent SDK's
/// probes: `1`/`01` wrong hash, `04` a field the binding layer refuses (HTTP 400, with an
/// `errors` map), `09` no such token or link, `104` the token flag is not enabled on the
/// profile, `105` an invalid payment token.
const CREDENTIAL_REFUSALS: &[(&str, ProviderErrorKind)] = &[
    ("429", RATE_LIMITED),
    ("1", Auth),
    ("01", Auth),
    ("26", Auth),
    ("04", Validation),
    ("09", NotFound),
    ("105", NotFound),
    ("104", InvalidState),
];

/// A payment with a saved token: the family's refusals and the purchase codes that say no
/// payment was made (invalid `tran_id`, amount, duplicate, payer's name, phone or email,
/// currency, KHR rules). Codes 27 to
/// 30 (credentials on file, no text on PayWay's list) are left out: an unknown outcome.
const TOKEN_PAYMENT_REFUSALS: &[(&str, ProviderErrorKind)] = &[
    ("429", RATE_LIMITED),
    ("1", Auth),
    ("01", Auth),
    ("26", Auth),
    ("04", Validation),
    ("2", Validation),
    ("3", Validation),
    ("4", Validation),
    ("16", Validation),
    ("17", Validation),
    ("18", Validation),
    ("19", Validation),
    ("45", Validation),
    ("46", Validation),
    ("47", Validation),
    ("09", NotFound),
    ("105", NotFound),
    ("104", InvalidState),
    ("12", InvalidState),
    ("44", InvalidState),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_per_endpoint() {
        use ProviderErrorKind as K;
        assert_eq!(Endpoint::CheckTransaction.refusal_kind("5"), Some(K::Auth));
        assert_eq!(
            Endpoint::CloseTransaction.refusal_kind("5"),
            Some(K::NotFound)
        );
        assert_eq!(
            Endpoint::CheckTransaction.refusal_kind("6"),
            Some(K::NotFound)
        );
        assert_eq!(
            Endpoint::CloseTransaction.refusal_kind("2"),
            Some(K::InvalidState)
        );
        for e in Endpoint::ALL {
            assert_eq!(e.refusal_kind("429"), Some(RATE_LIMITED), "{e:?}");
            // Not a refusal: a success-looking code of the wrong shape, a system error on a
            // write, anything undocumented.
            for odd in ["no-such-code", "0", "000", "PTL58", "", "Success"] {
                if e == Endpoint::Purchase && odd == "0" {
                    continue;
                }
                assert_eq!(e.refusal_kind(odd), None, "{e:?} {odd}");
            }
            assert!(e.is_success("00"));
            assert!(!e.is_success("6"));
            // Every documented refusal is found, and no code is both success and refusal.
            for (code, kind) in e.refusals() {
                assert_eq!(e.refusal_kind(code), Some(*kind), "{e:?} {code}");
                assert!(!e.is_success(code), "{e:?} {code}");
            }
        }
        assert!(Endpoint::Purchase.is_success("0"));
        assert!(!Endpoint::Refund.is_success("0"));
        let refund_codes: Vec<&str> = Endpoint::Refund.refusals().iter().map(|r| r.0).collect();
        assert_eq!(refund_codes.len(), 23, "{refund_codes:?}");
        assert_eq!(Endpoint::Refund.refusal_kind("PTL02"), Some(K::Auth));
        assert_eq!(Endpoint::Refund.refusal_kind("PTL36"), Some(K::NotFound));
        assert_eq!(
            Endpoint::Refund.refusal_kind("PTL37"),
            Some(K::InvalidState)
        );
        assert_eq!(Endpoint::Refund.refusal_kind("PTL04"), Some(K::Validation));
        assert_eq!(
            Endpoint::PreAuthCompletion.refusal_kind("KHR-LESS-100"),
            Some(K::Validation)
        );
        assert_eq!(
            Endpoint::PreAuthCancellation.refusal_kind("PTL170"),
            Some(K::InvalidState)
        );
        assert_eq!(
            Endpoint::TransactionList.refusal_kind("52"),
            Some(K::Validation)
        );
        assert_eq!(Endpoint::Purchase.refusal_kind("1"), Some(K::Auth));
        assert_eq!(Endpoint::Purchase.refusal_kind("47"), Some(K::Validation));
    }
}
