//! ABA PayWay, simulated: every request's hash recomputed in the endpoint's field order with
//! this module's own HMAC, stale `req_time` refused, `merchant_auth` decrypted with the
//! simulator's RSA key, codes per endpoint, and the documented quirks (a partial refund is
//! reported as REFUNDED with the smaller `refund_amount`; errors arrive as HTTP 403).

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use paygate_core::Decimal;
use paygate_core::time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
use rsa::Pkcs1v15Encrypt;
use rsa::traits::PublicKeyParts;
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::Sha512;

use crate::Provider;
use crate::json::J;
use crate::state::{Refusal, ReturnUrls, SimOrder, Stage};
use crate::{Shared, SimulatedWebhook};

mod by_ref;
mod handlers;
mod links;
mod portal;
mod simulated;
mod strictness;
mod tokens;
mod verify;
mod webhook;

use by_ref::by_ref;
use handlers::{check, close, detail, generate_qr, list, purchase, rates};
use links::{create_link, link_detail, void_link};
use portal::{cancel_hold, complete, refund};
pub(crate) use simulated::PaywaySim;
pub use simulated::{PAYWAY_PUBLIC_KEY_PEM, PaywayCredentials};
use tokens::{link_account, link_card, token_details, token_payment, token_remove, token_renew};

const PHNOM_PENH: UtcOffset = time::macros::offset!(+7);
/// How far `req_time` may be from the simulator's clock (PayWay does not document it).
const FRESHNESS: Duration = Duration::from_secs(15 * 60);

/// How an endpoint is signed and what its codes are.
#[derive(Clone, Copy)]
struct Spec {
    time_field: &'static str,
    order: &'static [&'static str],
    /// Wrong-hash code, merchant-profile code.
    wrong_hash: &'static str,
    bad_merchant: &'static str,
    portal: bool,
}

const CHECK: Spec = payment_gateway(&["req_time", "merchant_id", "tran_id"], "5", "8");
const CLOSE: Spec = payment_gateway(&["req_time", "merchant_id", "tran_id"], "1", "26");
const LIST: Spec = payment_gateway(
    &[
        "req_time",
        "merchant_id",
        "from_date",
        "to_date",
        "from_amount",
        "to_amount",
        "status",
        "page",
        "pagination",
    ],
    "1",
    "8",
);
const RATES: Spec = payment_gateway(&["req_time", "merchant_id"], "1", "26");
const REFUND: Spec = merchant_portal(&["request_time", "merchant_id", "merchant_auth"]);
const COMPLETE: Spec = merchant_portal(&["merchant_auth", "request_time", "merchant_id"]);
const CANCEL: Spec = merchant_portal(&["merchant_id", "merchant_auth", "request_time"]);
/// `purchase` in the 27-field order the server signs (`ctid` after `items`, `token_flag` and
/// `frequency` last): the same hash as the documented 24 fields when those three are empty.
const PURCHASE: Spec = payment_gateway(
    &[
        "req_time",
        "merchant_id",
        "tran_id",
        "amount",
        "items",
        "ctid",
        "shipping",
        "firstname",
        "lastname",
        "email",
        "phone",
        "type",
        "payment_option",
        "return_url",
        "cancel_url",
        "continue_success_url",
        "return_deeplink",
        "currency",
        "custom_fields",
        "return_params",
        "payout",
        "lifetime",
        "additional_params",
        "google_pay_token",
        "skip_success_page",
        "token_flag",
        "frequency",
    ],
    "1",
    "26",
);

const GENERATE_QR: Spec = payment_gateway(
    &[
        "req_time",
        "merchant_id",
        "tran_id",
        "amount",
        "items",
        "first_name",
        "last_name",
        "email",
        "phone",
        "purchase_type",
        "payment_option",
        "callback_url",
        "return_deeplink",
        "currency",
        "custom_fields",
        "return_params",
        "payout",
        "lifetime",
        "qr_image_template",
    ],
    "1",
    "26",
);

/// `get-transactions-by-mc-ref`.
const BY_REF: Spec = payment_gateway(&["req_time", "merchant_id", "merchant_ref"], "1", "8");

/// `payment-link/create`, `/detail` and `/void`.
const PAYMENT_LINK: Spec = merchant_portal(&["request_time", "merchant_id", "merchant_auth"]);

/// A payment-gateway endpoint (`req_time`): its order, wrong-hash and merchant codes.
const fn payment_gateway(
    order: &'static [&'static str],
    wrong_hash: &'static str,
    bad_merchant: &'static str,
) -> Spec {
    Spec {
        time_field: "req_time",
        order,
        wrong_hash,
        bad_merchant,
        portal: false,
    }
}

/// A merchant-portal endpoint (`request_time`, `merchant_auth`): `PTL02` wrong hash,
/// `PTL62` merchant.
const fn merchant_portal(order: &'static [&'static str]) -> Spec {
    Spec {
        time_field: "request_time",
        order,
        wrong_hash: "PTL02",
        bad_merchant: "PTL62",
        portal: true,
    }
}

/// Credentials on file (v3): each endpoint's own order; `01` for a wrong hash.
const fn credential(order: &'static [&'static str]) -> Spec {
    Spec {
        time_field: "request_time",
        order,
        wrong_hash: "01",
        bad_merchant: "26",
        portal: false,
    }
}
const ACCOUNT_LINK: Spec = credential(&[
    "merchant_id",
    "request_time",
    "ctid",
    "return_deeplink",
    "callback_url",
    "request_id",
    "token_flag",
    "currency",
]);
const CARD_LINK: Spec = credential(&[
    "merchant_id",
    "request_time",
    "ctid",
    "callback_url",
    "request_id",
    "token_flag",
    "frequency",
    "amount",
    "currency",
    "continue_success_url",
]);
const TOKEN_PAYMENT: Spec = credential(&[
    "request_time",
    "merchant_id",
    "tran_id",
    "amount",
    "currency",
    "items",
    "ctid",
    "pwt",
    "first_name",
    "last_name",
    "email",
    "phone",
    "purchase_type",
    "callback_url",
    "custom_fields",
    "return_params",
    "payout",
    "token_flag",
    "shipping_fee",
]);
const TOKEN_DETAILS: Spec = credential(&["merchant_id", "request_time", "request_id"]);
const TOKEN_RENEW: Spec = credential(&["ctid", "request_time", "pwt", "merchant_id", "request_id"]);
const TOKEN_REMOVE: Spec = credential(&["merchant_id", "ctid", "request_time", "pwt"]);

/// The signing spec of the endpoint routed at `path`.
fn spec_for(path: &str) -> Option<Spec> {
    Some(match path.rsplit('/').next()? {
        "check-transaction-2" | "transaction-detail" => CHECK,
        "close-transaction" => CLOSE,
        "transaction-list-2" => LIST,
        "exchange-rate" => RATES,
        "purchase" => PURCHASE,
        "generate-qr" => GENERATE_QR,
        "refund" => REFUND,
        "pre-auth-completion" => COMPLETE,
        "pre-auth-cancellation" => CANCEL,
        "get-transactions-by-mc-ref" => BY_REF,
        "create" | "detail" | "void" => PAYMENT_LINK,
        "link-account" => ACCOUNT_LINK,
        "link-card" => CARD_LINK,
        "payment-credential" => TOKEN_PAYMENT,
        "get-token-details" => TOKEN_DETAILS,
        "renew-expired-account-token" => TOKEN_RENEW,
        "remove-token" => TOKEN_REMOVE,
        _ => return None,
    })
}

fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/api/payment-gateway/v1/payments/check-transaction-2",
            post(check),
        )
        .route(
            "/api/payment-gateway/v1/payments/transaction-detail",
            post(detail),
        )
        .route(
            "/api/payment-gateway/v1/payments/close-transaction",
            post(close),
        )
        .route(
            "/api/payment-gateway/v1/payments/transaction-list-2",
            post(list),
        )
        .route("/api/payment-gateway/v1/exchange-rate", post(rates))
        .route("/api/payment-gateway/v1/payments/purchase", post(purchase))
        .route(
            "/api/payment-gateway/v1/payments/generate-qr",
            post(generate_qr),
        )
        .route(
            "/api/merchant-portal/merchant-access/online-transaction/refund",
            post(refund),
        )
        .route(
            "/api/merchant-portal/merchant-access/online-transaction/pre-auth-completion",
            post(complete),
        )
        .route(
            "/api/merchant-portal/merchant-access/online-transaction/pre-auth-cancellation",
            post(cancel_hold),
        )
        .route(
            "/api/payment-gateway/v1/payments/get-transactions-by-mc-ref",
            post(by_ref),
        )
        .route(
            "/api/merchant-portal/merchant-access/payment-link/create",
            post(create_link),
        )
        .route(
            "/api/merchant-portal/merchant-access/payment-link/detail",
            post(link_detail),
        )
        .route(
            "/api/merchant-portal/merchant-access/payment-link/void",
            post(void_link),
        )
        .route(
            "/api/payment-credential/v3/aof/link-account",
            post(link_account),
        )
        .route("/api/payment-credential/v3/cof/link-card", post(link_card))
        .route(
            "/api/payment-gateway/v3/purchase/payment-credential",
            post(token_payment),
        )
        .route(
            "/api/payment-credential/v3/token-management/get-token-details",
            post(token_details),
        )
        .route(
            "/api/payment-credential/v3/token-management/renew-expired-account-token",
            post(token_renew),
        )
        .route(
            "/api/payment-credential/v3/token-management/remove-token",
            post(token_remove),
        )
}

fn status(code: &str, message: &str, tran_id: Option<&str>) -> J {
    // Codes that PayWay sends as numbers are numbers here too; those written with a leading
    // zero (`00`, `01`, `04`, `09`) are strings, as PayWay sends them.
    let numeric = code.bytes().all(|b| b.is_ascii_digit()) && !code.is_empty();
    let code_json = if numeric && (code == "0" || !code.starts_with('0')) {
        J::N(code.to_owned())
    } else {
        J::s(code)
    };
    let mut members = vec![("code", code_json), ("message", J::s(message))];
    if let Some(t) = tran_id {
        members.push(("tran_id", J::s(t)));
    }
    J::O(members)
}

fn error(http: StatusCode, code: &str, message: &str) -> Response {
    J::O(vec![("status", status(code, message, None))]).respond(http)
}

fn date(at: OffsetDateTime) -> String {
    at.to_offset(PHNOM_PENH)
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default()
}
