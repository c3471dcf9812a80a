//! PayWay's rows. Sources: PayWay's pages (developer.payway.com.kh, "OFF"), the mirror of
//! them in Joselay/aba-payway-docs ("MIRROR", with the page's file name), and third-party
//! probes of PayWay's sandbox ("LIVE").
//!
//! Refusals: `generate-qr`'s binding layer answers a missing or malformed field with HTTP 400
//! and code `04` (LIVE: a lifetime under 3 minutes); its page's field codes (16 to 19, 23,
//! 35, 48) otherwise. The merchant-portal endpoints answer `PTL04` (HTTP 400).

use crate::Provider;
use crate::strictness::{DocumentedRefusal, FieldRule, Format, Rule, SdkCheck};

const QR: &str = "/api/payment-gateway/v1/payments/generate-qr";
const PURCHASE: &str = "/api/payment-gateway/v1/payments/purchase";
const CHECK: &str = "/api/payment-gateway/v1/payments/check-transaction-2";
const DETAIL: &str = "/api/payment-gateway/v1/payments/transaction-detail";
const CLOSE: &str = "/api/payment-gateway/v1/payments/close-transaction";
const LIST: &str = "/api/payment-gateway/v1/payments/transaction-list-2";
const BY_REF: &str = "/api/payment-gateway/v1/payments/get-transactions-by-mc-ref";
const REFUND: &str = "/api/merchant-portal/merchant-access/online-transaction/refund";
const COMPLETE: &str =
    "/api/merchant-portal/merchant-access/online-transaction/pre-auth-completion";
const CANCEL: &str =
    "/api/merchant-portal/merchant-access/online-transaction/pre-auth-cancellation";
const LINK_CREATE: &str = "/api/merchant-portal/merchant-access/payment-link/create";
const LINK_DETAIL: &str = "/api/merchant-portal/merchant-access/payment-link/detail";
const LINK_VOID: &str = "/api/merchant-portal/merchant-access/payment-link/void";
const ACCOUNT_LINK: &str = "/api/payment-credential/v3/aof/link-account";
const CARD_LINK: &str = "/api/payment-credential/v3/cof/link-card";
const TOKEN_PAYMENT: &str = "/api/payment-gateway/v3/purchase/payment-credential";
const TOKEN_DETAILS: &str = "/api/payment-credential/v3/token-management/get-token-details";
const TOKEN_RENEW: &str = "/api/payment-credential/v3/token-management/renew-expired-account-token";
const TOKEN_REMOVE: &str = "/api/payment-credential/v3/token-management/remove-token";

const QR_PAGE: &str = "OFF QR API (developer.payway.com.kh/qr-api-14530840e0); MIRROR 14-qr-api.md";
const PURCHASE_PAGE: &str =
    "OFF Purchase (developer.payway.com.kh/purchase-14530820e0); MIRROR 01-purchase.md";
const CHECK_PAGE: &str =
    "the user's check-transaction document (all four fields required); OFF Check transaction";
const DETAIL_PAGE: &str = "OFF Get transaction details; MIRROR 03-get-transaction-details.md";
const CLOSE_PAGE: &str = "OFF Close transaction; MIRROR 05-close-transaction.md";
const LIST_PAGE: &str =
    "OFF Get transaction list; MIRROR 04-get-transaction-list.md (codes 49, 50)";
const BY_REF_PAGE: &str =
    "MIRROR 23 get-transactions-by-mc-ref (merchant_ref: required, at most 20)";
const REFUND_PAGE: &str = "OFF Refund API; MIRROR 06-refund.md (PTL04, PTL186)";
const COMPLETE_PAGE: &str = "OFF Complete pre-auth transactions; MIRROR 17-pre-auth-completion.md";
const CANCEL_PAGE: &str = "OFF Cancel pre-purchase transaction; MIRROR 19-pre-auth-cancellation.md";
const LINK_DETAIL_PAGE: &str = "OFF Get payment link details; LIVE (void, not on PayWay's pages)";
const COF_PAGE: &str = "OFF Credentials on File v3 pages (field names); LIVE probes of PayWay's sandbox (code 04 with an errors map)";
const LINK_PAGE: &str =
    "OFF Create payment link (create-payment-link-14530837e0); MIRROR 15-create-payment-link.md";

/// The binding layer's refusal (HTTP 400, `04`).
const BINDING: DocumentedRefusal = DocumentedRefusal {
    http: 400,
    code: "04",
    message: "The given data was invalid.",
};

const fn code(http: u16, code: &'static str, message: &'static str) -> DocumentedRefusal {
    DocumentedRefusal {
        http,
        code,
        message,
    }
}

const INVALID_TRAN_ID: DocumentedRefusal = code(200, "2", "Invalid transaction ID");
const INVALID_AMOUNT: DocumentedRefusal = code(200, "3", "Invalid transaction amount");
const CURRENCY: DocumentedRefusal = code(200, "12", "Payment currency is not allowed");
const FIRST_NAME: DocumentedRefusal = code(200, "16", "Invalid first name");
const LAST_NAME: DocumentedRefusal = code(200, "17", "Invalid last name");
const PHONE: DocumentedRefusal = code(200, "18", "Invalid phone number");
const EMAIL: DocumentedRefusal = code(200, "19", "Invalid email");
const OPTION: DocumentedRefusal = code(200, "23", "Payment option is not enabled");
const RANGE: DocumentedRefusal = code(200, "53", "Invalid amount range");
const GENERIC: DocumentedRefusal = code(200, "11", "Something went wrong");
/// Purchase's `payment_option` values, as the official page lists them.
const PURCHASE_OPTIONS: &[&str] = &[
    "cards",
    "abapay",
    "abapay_khqr",
    "abapay_khqr_deeplink",
    "alipay",
    "wechat",
    "google_pay",
];

/// A read's answer for a transaction it cannot find: the code the check and detail pages
/// document for an unknown `tran_id` (no code is documented for a missing one).
const NOT_FOUND: DocumentedRefusal = code(200, "6", "Transaction not found");
const QR_GENERIC: DocumentedRefusal =
    code(200, "48", "Something went wrong with requested parameters");
const PORTAL_INVALID: DocumentedRefusal = code(400, "PTL04", "Parameter validation required");
const READ_NOTE: &str = "no code is documented for a missing or over-long tran_id: the page's code for a transaction it cannot find";
/// The credentials-on-file link flags (LIVE: the binding layer's list).
const LINK_FLAGS: &[&str] = &["CITI_FLEX", "CITO_FLEX", "CITO_FIX", "CITR_FLEX"];
/// A token payment's flags (LIVE).
const PAY_FLAGS: &[&str] = &[
    "CITU_FLEX",
    "MITU_FLEX",
    "MITU_FIX",
    "MITR_FLEX",
    "MITR_FIX",
];

const fn row(
    endpoint: &'static str,
    field: &'static str,
    rule: Rule,
    refusal: DocumentedRefusal,
    source: &'static str,
    sdk: SdkCheck,
) -> FieldRule {
    FieldRule {
        provider: Provider::Payway,
        endpoint,
        field,
        rule,
        refusal,
        source,
        note: "",
        sdk,
    }
}

const fn noted(rule: FieldRule, note: &'static str) -> FieldRule {
    FieldRule { note, ..rule }
}

/// PayWay's QR image templates (MIRROR 14-qr-api.md request table; LIVE: all ten generated,
/// any other name refused with HTTP 400).
pub(crate) const QR_TEMPLATES: &[&str] = &[
    "template1",
    "template1_color",
    "template2",
    "template2_color",
    "template3_color",
    "template4",
    "template4_color",
    "template5",
    "template5_color",
    "template6_color",
];

use Rule::{FileExtension, FileMaxBytes, FileType, IntegerIn, MaxChars, OneOf, Required};
use SdkCheck::{ByConstruction, Refuses};

#[rustfmt::skip]
pub(crate) const RULES: &[FieldRule] = &[
    // generate-qr
    row(QR, "tran_id", Required, BINDING, QR_PAGE, ByConstruction),
    row(QR, "tran_id", MaxChars(20), BINDING, QR_PAGE, Refuses),
    row(QR, "amount", Required, BINDING, QR_PAGE, ByConstruction),
    row(QR, "currency", Required, BINDING, QR_PAGE, ByConstruction),
    row(QR, "currency", MaxChars(3), BINDING, QR_PAGE, ByConstruction),
    noted(row(QR, "currency", OneOf(&["KHR", "USD", "khr", "usd"]), CURRENCY, QR_PAGE, Refuses), "the page says the code is not case-sensitive"),
    row(QR, "payment_option", Required, BINDING, QR_PAGE, ByConstruction),
    noted(row(QR, "payment_option", OneOf(&["abapay", "abapay_khqr", "wechat", "alipay"]), code(200, "23", "Selected payment option not enabled"), QR_PAGE, ByConstruction), "MIRROR, an older copy, omits abapay; the official page, the provider's current one, lists it: kept"),
    row(QR, "purchase_type", OneOf(&["purchase", "pre-auth"]), QR_GENERIC, QR_PAGE, ByConstruction),
    row(QR, "lifetime", Required, BINDING, QR_PAGE, ByConstruction),
    noted(row(QR, "lifetime", IntegerIn(3, 43_200), BINDING, QR_PAGE, Refuses), "a third-party OpenAPI copy says at most 172 800; the page's 43 200 is stricter. LIVE: under 3 is HTTP 400, code 04"),
    noted(row(QR, "qr_image_template", Required, BINDING, QR_PAGE, ByConstruction), "MIRROR marks it required; an OFF overview calls it optional (template1 by default): the stricter reading"),
    row(QR, "qr_image_template", MaxChars(20), BINDING, QR_PAGE, ByConstruction),
    row(QR, "qr_image_template", OneOf(QR_TEMPLATES), BINDING, QR_PAGE, ByConstruction),
    row(QR, "first_name", MaxChars(20), code(200, "16", "Invalid First Name"), QR_PAGE, Refuses),
    row(QR, "last_name", MaxChars(20), code(200, "17", "Invalid Last Name"), QR_PAGE, Refuses),
    row(QR, "email", MaxChars(50), code(200, "19", "Invalid Email"), QR_PAGE, Refuses),
    row(QR, "phone", MaxChars(20), code(200, "18", "Invalid Phone Number"), QR_PAGE, Refuses),
    row(QR, "items", MaxChars(500), QR_GENERIC, QR_PAGE, Refuses),
    row(QR, "callback_url", MaxChars(255), QR_GENERIC, QR_PAGE, Refuses),
    row(QR, "callback_url", Rule::Format(Format::Base64), QR_GENERIC, QR_PAGE, ByConstruction),
    row(QR, "return_deeplink", MaxChars(255), QR_GENERIC, QR_PAGE, Refuses),
    row(QR, "custom_fields", MaxChars(255), QR_GENERIC, QR_PAGE, Refuses),
    row(QR, "payout", MaxChars(255), code(200, "35", "Payout Info is invalid"), QR_PAGE, Refuses),
    // purchase
    row(PURCHASE, "tran_id", Required, INVALID_TRAN_ID, PURCHASE_PAGE, ByConstruction),
    row(PURCHASE, "tran_id", MaxChars(20), INVALID_TRAN_ID, PURCHASE_PAGE, Refuses),
    row(PURCHASE, "amount", Required, INVALID_AMOUNT, PURCHASE_PAGE, ByConstruction),
    noted(row(PURCHASE, "currency", OneOf(&["KHR", "USD"]), CURRENCY, PURCHASE_PAGE, Refuses), "optional (the profile's currency when absent)"),
    noted(row(PURCHASE, "firstname", MaxChars(20), FIRST_NAME, PURCHASE_PAGE, Refuses), "MIRROR says 100; the official page's 20 is stricter"),
    noted(row(PURCHASE, "lastname", MaxChars(20), LAST_NAME, PURCHASE_PAGE, Refuses), "MIRROR says 100; the official page's 20 is stricter"),
    row(PURCHASE, "email", MaxChars(50), EMAIL, PURCHASE_PAGE, Refuses),
    row(PURCHASE, "phone", MaxChars(20), PHONE, PURCHASE_PAGE, Refuses),
    noted(row(PURCHASE, "type", OneOf(&["purchase", "pre-auth"]), GENERIC, PURCHASE_PAGE, ByConstruction), "no code is documented for an unknown type: the purchase family's generic refusal (11)"),
    noted(row(PURCHASE, "payment_option", OneOf(PURCHASE_OPTIONS), OPTION, PURCHASE_PAGE, Refuses), "MIRROR, an older copy, omits abapay; the official page, the provider's current one, lists it: kept"),
    row(PURCHASE, "items", MaxChars(500), code(200, "13", "Invalid items"), PURCHASE_PAGE, Refuses),
    noted(row(PURCHASE, "lifetime", IntegerIn(3, 43_200), code(200, "69", "Invalid payment lifetime (3 to 43 200 minutes)"), PURCHASE_PAGE, Refuses), "code 69 is documented for under 3 minutes; none for over 43 200 (PayWay's sandbox took more, live): the page's limit, with the same code"),
    noted(row(PURCHASE, "skip_success_page", OneOf(&["0", "1"]), GENERIC, PURCHASE_PAGE, ByConstruction), "no code documented: the family's generic refusal"),
    noted(row(PURCHASE, "view_type", OneOf(&["hosted_view", "popup"]), GENERIC, PURCHASE_PAGE, ByConstruction), "no code documented: the family's generic refusal"),
    // the reads of one transaction, and close
    noted(row(CHECK, "tran_id", Required, NOT_FOUND, CHECK_PAGE, ByConstruction), READ_NOTE),
    noted(row(CHECK, "tran_id", MaxChars(20), NOT_FOUND, CHECK_PAGE, Refuses), READ_NOTE),
    noted(row(DETAIL, "tran_id", Required, NOT_FOUND, DETAIL_PAGE, ByConstruction), READ_NOTE),
    noted(row(DETAIL, "tran_id", MaxChars(20), NOT_FOUND, DETAIL_PAGE, Refuses), READ_NOTE),
    noted(row(CLOSE, "tran_id", Required, code(200, "5", "Transaction not found"), CLOSE_PAGE, ByConstruction), READ_NOTE),
    noted(row(CLOSE, "tran_id", MaxChars(20), code(200, "5", "Transaction not found"), CLOSE_PAGE, Refuses), READ_NOTE),
    // transaction-list-2
    row(LIST, "from_date", Rule::Format(Format::DateTime), code(200, "49", "Invalid start date"), LIST_PAGE, ByConstruction),
    row(LIST, "to_date", Rule::Format(Format::DateTime), code(200, "50", "Invalid end date"), LIST_PAGE, ByConstruction),
    row(LIST, "from_amount", Rule::Format(Format::Decimal), RANGE, LIST_PAGE, ByConstruction),
    row(LIST, "to_amount", Rule::Format(Format::Decimal), RANGE, LIST_PAGE, ByConstruction),
    // get-transactions-by-mc-ref
    noted(row(BY_REF, "merchant_ref", Required, BINDING, BY_REF_PAGE, ByConstruction), "its page lists no refusal code: the payment-gateway family's binding refusal"),
    noted(row(BY_REF, "merchant_ref", MaxChars(20), BINDING, BY_REF_PAGE, Refuses), "its page lists no refusal code: the payment-gateway family's binding refusal"),
    // refund and pre-auth completion / cancellation: merchant_auth's fields
    row(REFUND, "merchant_auth", Required, PORTAL_INVALID, REFUND_PAGE, ByConstruction),
    row(REFUND, "merchant_auth.tran_id", Required, PORTAL_INVALID, REFUND_PAGE, ByConstruction),
    row(REFUND, "merchant_auth.refund_amount", Required, PORTAL_INVALID, REFUND_PAGE, ByConstruction),
    row(REFUND, "merchant_auth.refund_amount", Rule::Format(Format::Decimal), code(400, "PTL186", "Invalid amount format"), REFUND_PAGE, ByConstruction),
    row(COMPLETE, "merchant_auth", Required, PORTAL_INVALID, COMPLETE_PAGE, ByConstruction),
    row(COMPLETE, "merchant_auth.tran_id", Required, PORTAL_INVALID, COMPLETE_PAGE, ByConstruction),
    row(COMPLETE, "merchant_auth.complete_amount", Required, PORTAL_INVALID, COMPLETE_PAGE, ByConstruction),
    row(COMPLETE, "merchant_auth.complete_amount", Rule::Format(Format::Decimal), PORTAL_INVALID, COMPLETE_PAGE, ByConstruction),
    row(CANCEL, "merchant_auth", Required, PORTAL_INVALID, CANCEL_PAGE, ByConstruction),
    row(CANCEL, "merchant_auth.tran_id", Required, PORTAL_INVALID, CANCEL_PAGE, ByConstruction),
    // payment-link/detail and /void
    row(LINK_DETAIL, "merchant_auth", Required, PORTAL_INVALID, LINK_DETAIL_PAGE, ByConstruction),
    row(LINK_DETAIL, "merchant_auth.id", Required, PORTAL_INVALID, LINK_DETAIL_PAGE, ByConstruction),
    row(LINK_VOID, "merchant_auth", Required, PORTAL_INVALID, LINK_DETAIL_PAGE, ByConstruction),
    row(LINK_VOID, "merchant_auth.id", Required, PORTAL_INVALID, LINK_DETAIL_PAGE, ByConstruction),
    // credentials on file (v3)
    row(ACCOUNT_LINK, "request_id", Required, BINDING, COF_PAGE, ByConstruction),
    row(ACCOUNT_LINK, "ctid", Required, BINDING, COF_PAGE, ByConstruction),
    row(ACCOUNT_LINK, "ctid", MaxChars(255), BINDING, COF_PAGE, Refuses),
    row(ACCOUNT_LINK, "token_flag", Required, BINDING, COF_PAGE, ByConstruction),
    row(ACCOUNT_LINK, "token_flag", OneOf(LINK_FLAGS), BINDING, COF_PAGE, ByConstruction),
    row(ACCOUNT_LINK, "currency", Required, BINDING, COF_PAGE, ByConstruction),
    row(ACCOUNT_LINK, "currency", OneOf(&["KHR", "USD"]), BINDING, COF_PAGE, Refuses),
    row(CARD_LINK, "request_id", Required, BINDING, COF_PAGE, ByConstruction),
    row(CARD_LINK, "ctid", Required, BINDING, COF_PAGE, ByConstruction),
    row(CARD_LINK, "ctid", MaxChars(255), BINDING, COF_PAGE, Refuses),
    row(CARD_LINK, "token_flag", Required, BINDING, COF_PAGE, ByConstruction),
    row(CARD_LINK, "token_flag", OneOf(LINK_FLAGS), BINDING, COF_PAGE, ByConstruction),
    row(CARD_LINK, "currency", Required, BINDING, COF_PAGE, ByConstruction),
    row(CARD_LINK, "currency", OneOf(&["KHR", "USD"]), BINDING, COF_PAGE, Refuses),
    row(CARD_LINK, "frequency", OneOf(&["1W", "1M", "2M"]), BINDING, COF_PAGE, ByConstruction),
    row(TOKEN_PAYMENT, "tran_id", Required, code(200, "2", "Invalid transaction ID"), COF_PAGE, ByConstruction),
    row(TOKEN_PAYMENT, "tran_id", MaxChars(20), code(200, "2", "Invalid transaction ID"), COF_PAGE, Refuses),
    row(TOKEN_PAYMENT, "amount", Required, code(200, "3", "Invalid transaction amount"), COF_PAGE, ByConstruction),
    row(TOKEN_PAYMENT, "ctid", Required, BINDING, COF_PAGE, ByConstruction),
    row(TOKEN_PAYMENT, "pwt", Required, BINDING, COF_PAGE, ByConstruction),
    row(TOKEN_PAYMENT, "token_flag", Required, BINDING, COF_PAGE, ByConstruction),
    row(TOKEN_PAYMENT, "token_flag", OneOf(PAY_FLAGS), BINDING, COF_PAGE, ByConstruction),
    row(TOKEN_PAYMENT, "first_name", MaxChars(20), code(200, "16", "Invalid first name"), COF_PAGE, Refuses),
    row(TOKEN_PAYMENT, "last_name", MaxChars(20), code(200, "17", "Invalid last name"), COF_PAGE, Refuses),
    row(TOKEN_PAYMENT, "email", MaxChars(50), code(200, "19", "Invalid email"), COF_PAGE, Refuses),
    row(TOKEN_PAYMENT, "phone", MaxChars(20), code(200, "18", "Invalid phone number"), COF_PAGE, Refuses),
    row(TOKEN_DETAILS, "request_id", Required, BINDING, COF_PAGE, ByConstruction),
    row(TOKEN_RENEW, "ctid", Required, BINDING, COF_PAGE, ByConstruction),
    row(TOKEN_RENEW, "pwt", Required, BINDING, COF_PAGE, ByConstruction),
    row(TOKEN_RENEW, "request_id", Required, BINDING, COF_PAGE, ByConstruction),
    row(TOKEN_REMOVE, "ctid", Required, BINDING, COF_PAGE, ByConstruction),
    row(TOKEN_REMOVE, "pwt", Required, BINDING, COF_PAGE, ByConstruction),
    // payment-link/create: merchant_auth's fields, and the image part
    row(LINK_CREATE, "merchant_auth", Required, PORTAL_INVALID, LINK_PAGE, ByConstruction),
    row(LINK_CREATE, "merchant_auth.title", Required, PORTAL_INVALID, LINK_PAGE, Refuses),
    row(LINK_CREATE, "merchant_auth.title", MaxChars(250), PORTAL_INVALID, LINK_PAGE, Refuses),
    row(LINK_CREATE, "merchant_auth.amount", Required, PORTAL_INVALID, LINK_PAGE, ByConstruction),
    row(LINK_CREATE, "merchant_auth.amount", Rule::Format(Format::Decimal), PORTAL_INVALID, LINK_PAGE, ByConstruction),
    row(LINK_CREATE, "merchant_auth.currency", Required, PORTAL_INVALID, LINK_PAGE, ByConstruction),
    row(LINK_CREATE, "merchant_auth.currency", OneOf(&["KHR", "USD"]), PORTAL_INVALID, LINK_PAGE, ByConstruction),
    row(LINK_CREATE, "merchant_auth.description", MaxChars(250), PORTAL_INVALID, LINK_PAGE, Refuses),
    row(LINK_CREATE, "merchant_auth.return_url", Required, PORTAL_INVALID, LINK_PAGE, ByConstruction),
    row(LINK_CREATE, "merchant_auth.return_url", Rule::Format(Format::Base64), PORTAL_INVALID, LINK_PAGE, ByConstruction),
    row(LINK_CREATE, "merchant_auth.merchant_ref_no", MaxChars(50), PORTAL_INVALID, LINK_PAGE, Refuses),
    noted(row(LINK_CREATE, "image", FileExtension(&["jpg", "jpeg", "png"]), PORTAL_INVALID, LINK_PAGE, Refuses), "only MIRROR states the formats, with no code; PayWay refused a GIF and a 4 MiB PNG with PTL04, live"),
    noted(row(LINK_CREATE, "image", FileMaxBytes(3_000_000), PORTAL_INVALID, LINK_PAGE, Refuses), "\"Max 3MB\" (MIRROR), read as 3 000 000 bytes, the stricter meaning"),
    noted(row(LINK_CREATE, "image", FileType(&["png", "jpeg"]), PORTAL_INVALID, LINK_PAGE, Refuses), "JPG, JPEG, PNG: the file's bytes, not only its name"),
];
