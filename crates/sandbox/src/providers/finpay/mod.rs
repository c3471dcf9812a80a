//! Finpay's PG API, simulated: Basic auth, 7-digit response codes, signed callbacks.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use paygate_core::Decimal;
use paygate_core::time::{OffsetDateTime, UtcOffset};
use serde_json::Value;
use sha2::Sha512;

use crate::Provider;
use crate::json::J;
use crate::state::{Refusal, ReturnUrls, SimOrder, Stage};
use crate::{Shared, SimulatedWebhook};

mod open_payment;
mod simulated;
mod strictness;

pub use simulated::FinpayCredentials;
pub(crate) use simulated::FinpaySim;

const WIB: UtcOffset = time::macros::offset!(+7);

fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/pg/payment/card/initiate", post(initiate))
        .route("/pg/payment/card/check/{order_id}", get(check))
        .route("/pg/payment/card/refund", post(refund))
        .route("/pg/payment/card/void", post(void))
        .route("/pg/payment/card/cancel/{order_id}", get(cancel))
        .route(
            "/pg/payment/card/openpayment/check/{channel}/{code}",
            get(open_payment::open_payment_check),
        )
        .route(
            "/pg/payment/card/openpayment/delete/{channel}/{code}",
            get(open_payment::open_payment_delete),
        )
        .route(
            "/pg/payment/card/openpayment/register",
            post(open_payment::open_payment_register),
        )
        .route(
            "/pg/payment/card/openpayment/update",
            post(open_payment::open_payment_update),
        )
}

fn answer(status: StatusCode, code: &str, message: &str) -> Response {
    J::O(vec![
        ("responseCode", J::s(code)),
        ("responseMessage", J::s(message)),
        ("processingTime", J::N("0.01".into())),
    ])
    .respond(status)
}

fn unauthorized() -> Response {
    answer(StatusCode::UNAUTHORIZED, "4011000", "Unauthorized")
}

/// Basic `merchant_id:merchant_key`, checked here, not by the provider crate.
fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return false;
    };
    let Ok(decoded) = BASE64.decode(encoded.trim()) else {
        return false;
    };
    let expected = format!(
        "{}:{}",
        shared.credentials.finpay.merchant_id, shared.credentials.finpay.merchant_key
    );
    decoded == expected.as_bytes()
}

fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::NotFound => answer(StatusCode::NOT_FOUND, "4041011", "Transaction Not Found"),
        Refusal::Duplicate => answer(StatusCode::CONFLICT, "4090001", "Duplicate order id"),
        Refusal::InvalidState => answer(
            StatusCode::FORBIDDEN,
            "4030015",
            "Transaction Not Permitted",
        ),
        Refusal::TooMuch => answer(
            StatusCode::FORBIDDEN,
            "4030002",
            "Exceeds Transaction Amount Limit",
        ),
        Refusal::BadAmount => answer(
            StatusCode::BAD_REQUEST,
            "4000001",
            "Invalid Field Format order.amount",
        ),
    }
}

fn date(at: OffsetDateTime) -> String {
    at.to_offset(WIB)
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default()
}

fn amount_of(value: &Value) -> Option<Decimal> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Decimal::from_str(&text).ok()
}

fn order_id_ok(id: &str) -> bool {
    (1..=30).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn initiate(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&shared, &headers) {
        return unauthorized();
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return answer(StatusCode::BAD_REQUEST, "4000000", "Bad Request");
    };
    let id = request
        .pointer("/order/id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !order_id_ok(&id) {
        return answer(
            StatusCode::BAD_REQUEST,
            "4000001",
            "Invalid Field Format order.id",
        );
    }
    let Some(amount) = request
        .pointer("/order/amount")
        .and_then(amount_of)
        .filter(|a| *a > Decimal::ZERO)
    else {
        return answer(
            StatusCode::BAD_REQUEST,
            "4000001",
            "Invalid Field Format order.amount",
        );
    };
    let phone = request
        .pointer("/customer/mobilePhone")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !phone.starts_with('+') {
        return answer(
            StatusCode::BAD_REQUEST,
            "4000001",
            "Invalid Field Format. The customer.mobile phone format is invalid",
        );
    }
    let now = shared.now();
    let mut order = SimOrder::new(Provider::Finpay, id.clone(), id.clone(), amount, "IDR", now);
    order.callback_url = request
        .pointer("/url/callbackUrl")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let url = |name: &str| {
        request
            .pointer(&format!("/url/{name}"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    // Finpay's page returns the customer to successUrl, failUrl, or backUrl (the "back to
    // merchant" link).
    order.return_urls = ReturnUrls::with(url("successUrl"), url("failUrl"), url("backUrl"));
    if let Err(r) = shared.ledger().create(order) {
        return refused(r);
    }
    J::O(vec![
        ("responseCode", J::s("2000000")),
        ("responseMessage", J::s("Success")),
        (
            "redirecturl",
            J::s(format!("{}/_sandbox/checkout/finpay/{id}", shared.base)),
        ),
        (
            "expiryLink",
            J::s(date(now + Duration::from_secs(24 * 3600))),
        ),
        ("processingTime", J::N("0.01".into())),
    ])
    .respond(StatusCode::OK)
}

/// Finpay's status word for an order.
fn status_word(order: &SimOrder) -> &'static str {
    match order.stage {
        Stage::Pending => "REQUEST_INITIATED",
        Stage::Authorized => "AUTHORIZED",
        Stage::Paid if order.refunds.is_empty() => "PAID",
        Stage::Paid if order.refundable() > Decimal::ZERO => "PARTIALLY_REFUNDED",
        Stage::Paid => "REFUNDED",
        Stage::Voided => "VOIDED",
        Stage::Cancelled => "CANCELLED",
        Stage::Declined => "FAILED",
        Stage::Expired => "EXPIRED",
    }
}

fn transaction(order: &SimOrder) -> J {
    J::O(vec![
        (
            "order",
            J::O(vec![
                ("id", J::s(&order.id)),
                ("reference", J::s(format!("{}1000000000", order.id))),
                ("amount", J::num(order.amount)),
                ("currency", J::s(&order.currency)),
            ]),
        ),
        (
            "result",
            J::O(vec![(
                "payment",
                J::O(vec![
                    ("amount", J::num(order.amount)),
                    ("status", J::s(status_word(order))),
                    ("statusDesc", J::Null),
                    ("datetime", J::s(date(order.updated_at))),
                ]),
            )]),
        ),
    ])
}

async fn check(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authorized(&shared, &headers) {
        return unauthorized();
    }
    match shared.ledger().get(Provider::Finpay, &id) {
        Ok(order) => J::O(vec![
            ("responseCode", J::s("2000000")),
            ("responseMessage", J::s("Success")),
            ("data", transaction(order)),
            ("processingTime", J::N("0.01".into())),
        ])
        .respond(StatusCode::OK),
        Err(r) => refused(r),
    }
}

async fn refund(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&shared, &headers) {
        return unauthorized();
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return answer(StatusCode::BAD_REQUEST, "4000000", "Bad Request");
    };
    let id = request
        .pointer("/order/id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(amount) = request.pointer("/order/amount").and_then(amount_of) else {
        return answer(
            StatusCode::BAD_REQUEST,
            "4000002",
            "Invalid Mandatory Field order.amount",
        );
    };
    let now = shared.now();
    match shared.ledger().refund(Provider::Finpay, id, amount, now) {
        Ok(_) => answer(StatusCode::OK, "2000000", "Success"),
        Err(r) => refused(r),
    }
}

async fn void(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&shared, &headers) {
        return unauthorized();
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return answer(StatusCode::BAD_REQUEST, "4000000", "Bad Request");
    };
    let id = request
        .pointer("/order/id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match shared.ledger().void(Provider::Finpay, id, shared.now()) {
        Ok(_) => answer(StatusCode::OK, "2000000", "Success"),
        Err(r) => refused(r),
    }
}

async fn cancel(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authorized(&shared, &headers) {
        return unauthorized();
    }
    match shared.ledger().cancel(Provider::Finpay, &id, shared.now()) {
        Ok(_) => answer(
            StatusCode::OK,
            "2000000",
            "Request has been processed successfully",
        ),
        Err(Refusal::InvalidState) => answer(
            StatusCode::NOT_FOUND,
            "4040100",
            "Invalid Transaction Status",
        ),
        Err(r) => refused(r),
    }
}

/// The callback: compact JSON signed with lowercase hex HMAC-SHA512 under the merchant key,
/// `signature` last. The body holds no `/` or non-ASCII, so it is also exactly what PHP's
/// `json_encode` would produce.
fn webhook(shared: &Shared, order: &SimOrder) -> SimulatedWebhook {
    let unsigned = transaction(order).text();
    let mut mac =
        match Hmac::<Sha512>::new_from_slice(shared.credentials.finpay.merchant_key.as_bytes()) {
            Ok(mac) => mac,
            Err(_) => {
                return SimulatedWebhook {
                    body: unsigned,
                    headers: Vec::new(),
                };
            }
        };
    mac.update(unsigned.as_bytes());
    let signature: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let inner = unsigned.strip_suffix('}').unwrap_or(&unsigned);
    let body = format!("{inner},\"signature\":\"{signature}\"}}");
    SimulatedWebhook {
        body,
        headers: vec![("content-type".into(), "application/json".into())],
    }
}
