//! PayWay's rows. Sources: PayWay's pages (developer.payway.com.kh, "OFF"), the mirror of
//! them in Joselay/aba-payway-docs ("MIRROR", with the page's file name), and third-party
//! probes of PayWay's sandbox ("LIVE").
//!
//! Refusals: `generate-qr`'s binding layer answers a missing or malformed field with HTTP 400
//! and code `04` (LIVE: a lifetime under 3 minutes); its page's field codes (16 to 19, 23,
//! 35, 48) otherwise. The merchant-portal endpoints answer `PTL04` (HTTP 400).

use super::{DocumentedRefusal, FieldRule, Format, Rule, SdkCheck};
use crate::Provider;

const QR: &str = "/api/payment-gateway/v1/payments/generate-qr";
const PURCHASE: &str = "/api/payment-gateway/v1/payments/purchase";
const LINK_CREATE: &str = "/api/merchant-portal/merchant-access/payment-link/create";

const QR_PAGE: &str = "OFF QR API (developer.payway.com.kh/qr-api-14530840e0); MIRROR 14-qr-api.md";
const PURCHASE_PAGE: &str =
    "OFF Purchase (developer.payway.com.kh/purchase-14530820e0); MIRROR 01-purchase.md";
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

const QR_GENERIC: DocumentedRefusal =
    code(200, "48", "Something went wrong with requested parameters");
const PORTAL_INVALID: DocumentedRefusal = code(400, "PTL04", "Parameter validation required");

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

use Rule::{FileExtension, FileMaxBytes, IntegerIn, MaxChars, OneOf, Required};
use SdkCheck::{ByConstruction, Not, Refuses};

pub(super) const RULES: &[FieldRule] = &[
    // generate-qr
    row(QR, "tran_id", Required, BINDING, QR_PAGE, ByConstruction),
    row(QR, "tran_id", MaxChars(20), BINDING, QR_PAGE, Refuses),
    row(QR, "amount", Required, BINDING, QR_PAGE, ByConstruction),
    row(QR, "currency", Required, BINDING, QR_PAGE, ByConstruction),
    row(
        QR,
        "currency",
        MaxChars(3),
        BINDING,
        QR_PAGE,
        ByConstruction,
    ),
    row(
        QR,
        "payment_option",
        Required,
        BINDING,
        QR_PAGE,
        ByConstruction,
    ),
    noted(
        row(
            QR,
            "payment_option",
            OneOf(&["abapay", "abapay_khqr", "wechat", "alipay"]),
            code(200, "23", "Selected payment option not enabled"),
            QR_PAGE,
            ByConstruction,
        ),
        "MIRROR's list omits abapay; the official page lists it: kept",
    ),
    row(
        QR,
        "purchase_type",
        OneOf(&["purchase", "pre-auth"]),
        QR_GENERIC,
        QR_PAGE,
        ByConstruction,
    ),
    row(QR, "lifetime", Required, BINDING, QR_PAGE, ByConstruction),
    noted(
        row(
            QR,
            "lifetime",
            IntegerIn(3, 43_200),
            BINDING,
            QR_PAGE,
            Refuses,
        ),
        "a third-party OpenAPI copy says at most 172 800; the page's 43 200 is stricter. LIVE: under 3 is HTTP 400, code 04",
    ),
    noted(
        row(
            QR,
            "qr_image_template",
            Required,
            BINDING,
            QR_PAGE,
            ByConstruction,
        ),
        "MIRROR marks it required; an OFF overview calls it optional (template1 by default): the stricter reading",
    ),
    row(
        QR,
        "qr_image_template",
        MaxChars(20),
        BINDING,
        QR_PAGE,
        ByConstruction,
    ),
    row(
        QR,
        "qr_image_template",
        OneOf(QR_TEMPLATES),
        BINDING,
        QR_PAGE,
        ByConstruction,
    ),
    row(
        QR,
        "first_name",
        MaxChars(20),
        code(200, "16", "Invalid First Name"),
        QR_PAGE,
        Refuses,
    ),
    row(
        QR,
        "last_name",
        MaxChars(20),
        code(200, "17", "Invalid Last Name"),
        QR_PAGE,
        Refuses,
    ),
    row(
        QR,
        "email",
        MaxChars(50),
        code(200, "19", "Invalid Email"),
        QR_PAGE,
        Refuses,
    ),
    row(
        QR,
        "phone",
        MaxChars(20),
        code(200, "18", "Invalid Phone Number"),
        QR_PAGE,
        Refuses,
    ),
    row(QR, "items", MaxChars(500), QR_GENERIC, QR_PAGE, Refuses),
    row(
        QR,
        "callback_url",
        MaxChars(255),
        QR_GENERIC,
        QR_PAGE,
        Refuses,
    ),
    row(
        QR,
        "callback_url",
        Rule::Format(Format::Base64),
        QR_GENERIC,
        QR_PAGE,
        ByConstruction,
    ),
    row(
        QR,
        "return_deeplink",
        MaxChars(255),
        QR_GENERIC,
        QR_PAGE,
        Refuses,
    ),
    row(
        QR,
        "custom_fields",
        MaxChars(255),
        QR_GENERIC,
        QR_PAGE,
        Refuses,
    ),
    row(
        QR,
        "payout",
        MaxChars(255),
        code(200, "35", "Payout Info is invalid"),
        QR_PAGE,
        Refuses,
    ),
    // purchase
    row(
        PURCHASE,
        "tran_id",
        Required,
        code(200, "2", "Invalid transaction ID"),
        PURCHASE_PAGE,
        ByConstruction,
    ),
    row(
        PURCHASE,
        "tran_id",
        MaxChars(20),
        code(200, "2", "Invalid transaction ID"),
        PURCHASE_PAGE,
        Refuses,
    ),
    row(
        PURCHASE,
        "amount",
        Required,
        code(200, "3", "Invalid transaction amount"),
        PURCHASE_PAGE,
        ByConstruction,
    ),
    noted(
        row(
            PURCHASE,
            "firstname",
            MaxChars(20),
            code(200, "16", "Invalid first name"),
            PURCHASE_PAGE,
            Not,
        ),
        "MIRROR says 100; the official page's 20 is stricter",
    ),
    noted(
        row(
            PURCHASE,
            "lastname",
            MaxChars(20),
            code(200, "17", "Invalid last name"),
            PURCHASE_PAGE,
            Not,
        ),
        "MIRROR says 100; the official page's 20 is stricter",
    ),
    row(
        PURCHASE,
        "email",
        MaxChars(50),
        code(200, "19", "Invalid email"),
        PURCHASE_PAGE,
        Not,
    ),
    row(
        PURCHASE,
        "phone",
        MaxChars(20),
        code(200, "18", "Invalid phone number"),
        PURCHASE_PAGE,
        Not,
    ),
    row(
        PURCHASE,
        "type",
        OneOf(&["purchase", "pre-auth"]),
        code(200, "48", "Something went wrong with requested parameters"),
        PURCHASE_PAGE,
        ByConstruction,
    ),
    row(
        PURCHASE,
        "payment_option",
        OneOf(&[
            "cards",
            "abapay",
            "abapay_khqr",
            "abapay_khqr_deeplink",
            "alipay",
            "wechat",
            "google_pay",
        ]),
        code(200, "23", "Payment option is not enabled"),
        PURCHASE_PAGE,
        Not,
    ),
    row(
        PURCHASE,
        "items",
        MaxChars(500),
        code(200, "13", "Invalid items"),
        PURCHASE_PAGE,
        Not,
    ),
    row(
        PURCHASE,
        "lifetime",
        IntegerIn(3, 43_200),
        code(200, "69", "Payment lifetime cannot be less than 3 minutes"),
        PURCHASE_PAGE,
        Refuses,
    ),
    // payment-link/create: merchant_auth's fields, and the image part
    row(
        LINK_CREATE,
        "merchant_auth",
        Required,
        PORTAL_INVALID,
        LINK_PAGE,
        ByConstruction,
    ),
    row(
        LINK_CREATE,
        "merchant_auth.title",
        Required,
        PORTAL_INVALID,
        LINK_PAGE,
        Refuses,
    ),
    row(
        LINK_CREATE,
        "merchant_auth.title",
        MaxChars(250),
        PORTAL_INVALID,
        LINK_PAGE,
        Refuses,
    ),
    row(
        LINK_CREATE,
        "merchant_auth.amount",
        Required,
        PORTAL_INVALID,
        LINK_PAGE,
        ByConstruction,
    ),
    row(
        LINK_CREATE,
        "merchant_auth.amount",
        Rule::Format(Format::Decimal),
        PORTAL_INVALID,
        LINK_PAGE,
        ByConstruction,
    ),
    row(
        LINK_CREATE,
        "merchant_auth.currency",
        Required,
        PORTAL_INVALID,
        LINK_PAGE,
        ByConstruction,
    ),
    row(
        LINK_CREATE,
        "merchant_auth.currency",
        OneOf(&["KHR", "USD"]),
        PORTAL_INVALID,
        LINK_PAGE,
        ByConstruction,
    ),
    row(
        LINK_CREATE,
        "merchant_auth.description",
        MaxChars(250),
        PORTAL_INVALID,
        LINK_PAGE,
        Refuses,
    ),
    row(
        LINK_CREATE,
        "merchant_auth.return_url",
        Required,
        PORTAL_INVALID,
        LINK_PAGE,
        ByConstruction,
    ),
    row(
        LINK_CREATE,
        "merchant_auth.return_url",
        Rule::Format(Format::Base64),
        PORTAL_INVALID,
        LINK_PAGE,
        ByConstruction,
    ),
    row(
        LINK_CREATE,
        "merchant_auth.merchant_ref_no",
        MaxChars(50),
        PORTAL_INVALID,
        LINK_PAGE,
        Refuses,
    ),
    noted(
        row(
            LINK_CREATE,
            "image",
            FileExtension(&["jpg", "jpeg", "png"]),
            PORTAL_INVALID,
            LINK_PAGE,
            Refuses,
        ),
        "only MIRROR states the formats; no refusal code is documented: the page family's PTL04",
    ),
    noted(
        row(
            LINK_CREATE,
            "image",
            FileMaxBytes(3_000_000),
            PORTAL_INVALID,
            LINK_PAGE,
            Refuses,
        ),
        "\"Max 3MB\" (MIRROR), read as 3 000 000 bytes, the stricter meaning",
    ),
];
