//! Finpay's rows. Sources: Finpay's API reference ("OFF", the page named), the user's own
//! "After Payment" document (seed 000), and live answers seen by third-party integrations
//! ("LIVE"). Finpay's list of response codes is not public: a malformed field is answered
//! "Invalid Field Format `<field>`" (code `4000001`, seen live) and a missing one "Invalid
//! Mandatory Field `<field>`" (seen live; its code `4000002` is inferred from Finpay's
//! 7-digit scheme, HTTP class + service + case, as no source shows it).

use crate::Provider;
use crate::strictness::{DocumentedRefusal, FieldRule, Format, Rule, SdkCheck};

const INITIATE: &str = "/pg/payment/card/initiate";
const REFUND: &str = "/pg/payment/card/refund";
const VOID: &str = "/pg/payment/card/void";
const REGISTER: &str = "/pg/payment/card/openpayment/register";
const UPDATE: &str = "/pg/payment/card/openpayment/update";

const ORDER_PAGE: &str = "OFF Order object (order: id alpha-dash 1-30, amount numeric 1-14, description 1-127, timeout numeric 1-8)";
const CUSTOMER_PAGE: &str = "OFF Customer object (id and email 1-320, email format, names 1-50, mobilePhone 1-20, phone 1-15); LIVE (E.164 mobile phone)";
const AFTER_PAYMENT: &str =
    "the user's After Payment document (refund and void take a body: order.id, order.amount); LIVE";
const OPEN_PAYMENT: &str = "OFF Check Virtual Account (sofId, 16-digit payment codes); the register/update body as Finpay's PHP SDK sends it";

const FORMAT: DocumentedRefusal = DocumentedRefusal {
    http: 400,
    code: "4000001",
    message: "Invalid Field Format",
};
const MANDATORY: DocumentedRefusal = DocumentedRefusal {
    http: 400,
    code: "4000002",
    message: "Invalid Mandatory Field",
};

const fn row(
    endpoint: &'static str,
    field: &'static str,
    rule: Rule,
    refusal: DocumentedRefusal,
    source: &'static str,
    sdk: SdkCheck,
) -> FieldRule {
    FieldRule {
        provider: Provider::Finpay,
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

use Format::{AlphanumericDashUnderscore, Digits, Email, PlusDigits};
use Rule::{MaxChars, Required};
use SdkCheck::{ByConstruction, Refuses};

#[rustfmt::skip]
pub(crate) const RULES: &[FieldRule] = &[
    // initiate
    row(INITIATE, "order.id", Required, MANDATORY, ORDER_PAGE, ByConstruction),
    row(INITIATE, "order.id", MaxChars(30), FORMAT, ORDER_PAGE, Refuses),
    noted(row(INITIATE, "order.id", Rule::Format(AlphanumericDashUnderscore), FORMAT, ORDER_PAGE, Refuses), "the page says \"Alpha Dash\": letters, digits, '-' and '_'"),
    row(INITIATE, "order.amount", Required, MANDATORY, ORDER_PAGE, ByConstruction),
    row(INITIATE, "order.amount", Rule::Format(Digits), FORMAT, ORDER_PAGE, ByConstruction),
    row(INITIATE, "order.amount", MaxChars(14), FORMAT, ORDER_PAGE, Refuses),
    row(INITIATE, "order.description", MaxChars(127), FORMAT, ORDER_PAGE, Refuses),
    row(INITIATE, "order.timeout", Rule::Format(Digits), FORMAT, ORDER_PAGE, Refuses),
    row(INITIATE, "order.timeout", MaxChars(8), FORMAT, ORDER_PAGE, Refuses),
    row(INITIATE, "customer.id", MaxChars(320), FORMAT, CUSTOMER_PAGE, Refuses),
    row(INITIATE, "customer.email", MaxChars(320), FORMAT, CUSTOMER_PAGE, Refuses),
    row(INITIATE, "customer.email", Rule::Format(Email), FORMAT, CUSTOMER_PAGE, Refuses),
    row(INITIATE, "customer.firstName", MaxChars(50), FORMAT, CUSTOMER_PAGE, Refuses),
    row(INITIATE, "customer.lastName", MaxChars(50), FORMAT, CUSTOMER_PAGE, Refuses),
    noted(row(INITIATE, "customer.mobilePhone", Required, MANDATORY, CUSTOMER_PAGE, Refuses), "the page marks it conditional without the condition; LIVE, a hosted payment without it is refused as mandatory"),
    row(INITIATE, "customer.mobilePhone", MaxChars(20), FORMAT, CUSTOMER_PAGE, Refuses),
    noted(row(INITIATE, "customer.mobilePhone", Rule::Format(PlusDigits), FORMAT, CUSTOMER_PAGE, Refuses), "LIVE: a number without '+' is refused (\"The customer.mobile phone format is invalid\")"),
    row(INITIATE, "customer.phone", MaxChars(15), FORMAT, CUSTOMER_PAGE, Refuses),
    // refund and void
    noted(row(REFUND, "order.id", Required, MANDATORY, AFTER_PAYMENT, ByConstruction), "the body's schema is not documented: the fields Finpay's order object names"),
    row(REFUND, "order.amount", Required, MANDATORY, AFTER_PAYMENT, ByConstruction),
    row(REFUND, "order.amount", Rule::Format(Digits), FORMAT, AFTER_PAYMENT, ByConstruction),
    row(REFUND, "order.amount", MaxChars(14), FORMAT, ORDER_PAGE, Refuses),
    row(VOID, "order.id", Required, MANDATORY, AFTER_PAYMENT, ByConstruction),
    // open payment (virtual accounts)
    row(REGISTER, "customer.id", Required, MANDATORY, OPEN_PAYMENT, Refuses),
    row(REGISTER, "customer.id", MaxChars(320), FORMAT, CUSTOMER_PAGE, Refuses),
    row(REGISTER, "customer.mobilePhone", Rule::Format(PlusDigits), FORMAT, CUSTOMER_PAGE, Refuses),
    row(REGISTER, "sourceOfFunds.type", Required, MANDATORY, OPEN_PAYMENT, ByConstruction),
    row(REGISTER, "sourceOfFunds.paymentCode", Rule::Format(Digits), FORMAT, OPEN_PAYMENT, ByConstruction),
    row(REGISTER, "sourceOfFunds.paymentCode", MaxChars(30), FORMAT, OPEN_PAYMENT, Refuses),
    row(UPDATE, "customer.id", Required, MANDATORY, OPEN_PAYMENT, Refuses),
    row(UPDATE, "customer.id", MaxChars(320), FORMAT, CUSTOMER_PAGE, Refuses),
    row(UPDATE, "sourceOfFunds.type", Required, MANDATORY, OPEN_PAYMENT, ByConstruction),
    row(UPDATE, "sourceOfFunds.paymentCode", Rule::Format(Digits), FORMAT, OPEN_PAYMENT, ByConstruction),
    row(UPDATE, "customer.mobilePhone", Rule::Format(PlusDigits), FORMAT, CUSTOMER_PAGE, Refuses),
    row(UPDATE, "sourceOfFunds.paymentCode", Required, MANDATORY, OPEN_PAYMENT, ByConstruction),
    row(UPDATE, "sourceOfFunds.paymentCode", MaxChars(30), FORMAT, OPEN_PAYMENT, Refuses),
    row(REGISTER, "sourceOfFunds.paymentCode", Required, MANDATORY, OPEN_PAYMENT, ByConstruction),
];
