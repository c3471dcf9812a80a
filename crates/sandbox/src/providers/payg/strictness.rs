//! PayG's rows. Sources: PayG's developer pages ("OFF", the page named), the user's own refund
//! document (seed 004: Refund and RefundStatus, every field required), and the Slate export
//! of PayG's reference ("SLATE"). PayG documents a bad field only as HTTP 400 "Bad input
//! parameter" with the field named, and a wrong merchant as HTTP 403 "Merchant doesn't
//! exist"; its error bodies carry `Code`, `Message` and `FieldName`. The codes of the 6000s
//! are the simulator's (PayG publishes none); the tests compare HTTP status and code.

use crate::Provider;
use crate::strictness::{DocumentedRefusal, FieldRule, Format, Rule, SdkCheck};

const CREATE: &str = "/create";
const DETAIL: &str = "/Detail";
const UPDATE: &str = "/Update";
const REFUND: &str = "/Refund";
const REFUND_STATUS: &str = "/RefundStatus";

const ORDER_API: &str = "OFF order-api.html / create-order.html (request fields and types)";
const DETAIL_PAGE: &str =
    "OFF order-detail.html; the user's refund document (OrderKeyId string(30))";
const UPDATE_PAGE: &str = "OFF update-order-api.html (the create body's fields)";
const REFUND_DOC: &str = "the user's refund document (Refund and RefundStatus request tables)";

const fn code(http: u16, code: &'static str, message: &'static str) -> DocumentedRefusal {
    DocumentedRefusal {
        http,
        code,
        message,
    }
}

const BAD_INPUT: DocumentedRefusal = code(400, "400", "Bad input parameter");
const NO_MERCHANT: DocumentedRefusal = code(403, "403", "Merchant doesn't exist");
const REQUEST_ID: DocumentedRefusal = code(
    400,
    "6001",
    "UniqueRequestId must be letters and digits, at most 20",
);
const AMOUNT: DocumentedRefusal = code(400, "6095", "Invalid OrderAmount");
const MID: DocumentedRefusal = code(400, "6007", "MID is required and must be the merchant's");
const PAYMENT_TYPE: DocumentedRefusal = code(400, "6003", "PaymentType is required");
const PAYMENT_TRANSACTION: DocumentedRefusal =
    code(400, "6004", "PaymentTransactionId is required");
const REFUND_AMOUNT: DocumentedRefusal = code(400, "6005", "Invalid RefundAmount");
const TRANSACTION_ID: DocumentedRefusal = code(
    400,
    "6006",
    "TransactionId must be the order's PayG transaction id",
);

const fn row(
    endpoint: &'static str,
    field: &'static str,
    rule: Rule,
    refusal: DocumentedRefusal,
    source: &'static str,
    sdk: SdkCheck,
) -> FieldRule {
    FieldRule {
        provider: Provider::Payg,
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

use Format::{Alphanumeric, Decimal2, Digits};
use Rule::{MaxChars, Required};
use SdkCheck::{ByConstruction, Refuses};

const ORDER_KEY_NOTE: &str = "the refund document types OrderKeyId string(30), but PayG has assigned 34-character ids: no length is enforced (PayG makes the id; a limit its own ids break is not one it enforces)";
const REQUEST_ID_NOTE: &str = "order-api types it string(10), yet its own sample sends 11 characters and the refund document echoes it as string(20): 20, the strictest length PayG's own samples keep";

#[rustfmt::skip]
pub(crate) const RULES: &[FieldRule] = &[
    // create
    row(CREATE, "Merchantkeyid", Required, NO_MERCHANT, ORDER_API, ByConstruction),
    row(CREATE, "UniqueRequestId", Required, REQUEST_ID, ORDER_API, ByConstruction),
    noted(row(CREATE, "UniqueRequestId", MaxChars(20), REQUEST_ID, ORDER_API, Refuses), REQUEST_ID_NOTE),
    row(CREATE, "UniqueRequestId", Rule::Format(Alphanumeric), REQUEST_ID, ORDER_API, Refuses),
    row(CREATE, "OrderAmount", Required, AMOUNT, ORDER_API, ByConstruction),
    row(CREATE, "OrderAmount", Rule::Format(Decimal2), AMOUNT, ORDER_API, ByConstruction),
    row(CREATE, "OrderId", MaxChars(20), BAD_INPUT, ORDER_API, Refuses),
    row(CREATE, "OrderId", Rule::Format(Alphanumeric), BAD_INPUT, ORDER_API, Refuses),
    row(CREATE, "ProductData", Required, BAD_INPUT, ORDER_API, ByConstruction),
    row(CREATE, "CustomerData", Required, BAD_INPUT, ORDER_API, ByConstruction),
    row(CREATE, "IntegrationData", Required, BAD_INPUT, ORDER_API, ByConstruction),
    row(CREATE, "IntegrationData.UserName", Required, BAD_INPUT, ORDER_API, ByConstruction),
    row(CREATE, "IntegrationData.Source", Required, BAD_INPUT, ORDER_API, ByConstruction),
    noted(row(CREATE, "RequestDateTime", Rule::Format(Digits), BAD_INPUT, ORDER_API, ByConstruction), "MMDDYYYY"),
    row(CREATE, "RequestDateTime", MaxChars(8), BAD_INPUT, ORDER_API, ByConstruction),
    // Detail
    noted(row(DETAIL, "OrderKeyId", Required, BAD_INPUT, DETAIL_PAGE, ByConstruction), ORDER_KEY_NOTE),
    row(DETAIL, "MerchantKeyId", Required, NO_MERCHANT, DETAIL_PAGE, ByConstruction),
    // Update
    noted(row(UPDATE, "OrderKeyId", Required, BAD_INPUT, UPDATE_PAGE, ByConstruction), ORDER_KEY_NOTE),
    row(UPDATE, "Merchantkeyid", Required, NO_MERCHANT, UPDATE_PAGE, ByConstruction),
    row(UPDATE, "UniqueRequestId", Required, REQUEST_ID, UPDATE_PAGE, ByConstruction),
    noted(row(UPDATE, "UniqueRequestId", MaxChars(20), REQUEST_ID, UPDATE_PAGE, Refuses), REQUEST_ID_NOTE),
    row(UPDATE, "OrderAmount", Required, AMOUNT, UPDATE_PAGE, ByConstruction),
    // Refund (the user's document: every field required)
    noted(row(REFUND, "OrderKeyId", Required, BAD_INPUT, REFUND_DOC, ByConstruction), ORDER_KEY_NOTE),
    row(REFUND, "MerchantKeyId", Required, NO_MERCHANT, REFUND_DOC, ByConstruction),
    row(REFUND, "MID", Required, MID, REFUND_DOC, ByConstruction),
    row(REFUND, "PaymentType", Required, PAYMENT_TYPE, REFUND_DOC, Refuses),
    row(REFUND, "PaymentTransactionId", Required, PAYMENT_TRANSACTION, REFUND_DOC, ByConstruction),
    row(REFUND, "RefundAmount", Required, REFUND_AMOUNT, REFUND_DOC, ByConstruction),
    noted(row(REFUND, "RefundAmount", Rule::Format(Decimal2), REFUND_AMOUNT, REFUND_DOC, ByConstruction), "decimal(18,2)"),
    // RefundStatus
    row(REFUND_STATUS, "OrderKeyId", Required, BAD_INPUT, REFUND_DOC, ByConstruction),
    row(REFUND_STATUS, "MerchantKeyId", Required, NO_MERCHANT, REFUND_DOC, ByConstruction),
    row(REFUND_STATUS, "MID", Required, MID, REFUND_DOC, ByConstruction),
    row(REFUND_STATUS, "TransactionId", Required, TRANSACTION_ID, REFUND_DOC, ByConstruction),
    noted(row(REFUND_STATUS, "TransactionId", Rule::Format(Digits), TRANSACTION_ID, REFUND_DOC, Refuses), "typed integer in the request table"),
];
