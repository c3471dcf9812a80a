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

use crate::json::J;
use crate::state::{Provider, Refusal, SimOrder, Stage};
use crate::{Shared, SimulatedWebhook};

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

const CHECK: Spec = Spec {
    time_field: "req_time",
    order: &["req_time", "merchant_id", "tran_id"],
    wrong_hash: "5",
    bad_merchant: "8",
    portal: false,
};
const CLOSE: Spec = Spec {
    time_field: "req_time",
    order: &["req_time", "merchant_id", "tran_id"],
    wrong_hash: "1",
    bad_merchant: "26",
    portal: false,
};
const LIST: Spec = Spec {
    time_field: "req_time",
    order: &[
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
    wrong_hash: "1",
    bad_merchant: "8",
    portal: false,
};
const RATES: Spec = Spec {
    time_field: "req_time",
    order: &["req_time", "merchant_id"],
    wrong_hash: "1",
    bad_merchant: "26",
    portal: false,
};
const REFUND: Spec = Spec {
    time_field: "request_time",
    order: &["request_time", "merchant_id", "merchant_auth"],
    wrong_hash: "PTL02",
    bad_merchant: "PTL62",
    portal: true,
};
const COMPLETE: Spec = Spec {
    time_field: "request_time",
    order: &["merchant_auth", "request_time", "merchant_id"],
    wrong_hash: "PTL02",
    bad_merchant: "PTL62",
    portal: true,
};
const CANCEL: Spec = Spec {
    time_field: "request_time",
    order: &["merchant_id", "merchant_auth", "request_time"],
    wrong_hash: "PTL02",
    bad_merchant: "PTL62",
    portal: true,
};
const PURCHASE: Spec = Spec {
    time_field: "req_time",
    order: &[
        "req_time",
        "merchant_id",
        "tran_id",
        "amount",
        "items",
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
    ],
    wrong_hash: "1",
    bad_merchant: "26",
    portal: false,
};

pub(crate) fn routes() -> Router<Arc<Shared>> {
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
}

fn status(code: &str, message: &str, tran_id: Option<&str>) -> J {
    // Codes that PayWay sends as numbers are numbers here too.
    let code_json = if code.bytes().all(|b| b.is_ascii_digit()) && code != "00" {
        let trimmed = code.trim_start_matches('0');
        J::N(if trimmed.is_empty() {
            "0".to_owned()
        } else {
            trimmed.to_owned()
        })
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

/// Request fields as text: strings as they are, `null` as "", numbers as written.
fn fields_of(body: &[u8], headers: &HeaderMap) -> Option<BTreeMap<String, String>> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("multipart/form-data") {
        return multipart(content_type, body);
    }
    let raw: BTreeMap<String, Box<RawValue>> = serde_json::from_slice(body).ok()?;
    let mut fields = BTreeMap::new();
    for (key, value) in raw {
        let text = value.get();
        let value = if text.starts_with('"') {
            serde_json::from_str::<String>(text).ok()?
        } else if text == "null" {
            String::new()
        } else {
            text.to_owned()
        };
        fields.insert(key, value);
    }
    Some(fields)
}

/// The fields of a `multipart/form-data` body (text parts only).
fn multipart(content_type: &str, body: &[u8]) -> Option<BTreeMap<String, String>> {
    let boundary = content_type.split("boundary=").nth(1)?.trim_matches('"');
    let text = std::str::from_utf8(body).ok()?;
    let mut fields = BTreeMap::new();
    for part in text.split(&format!("--{boundary}")).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let part = part.strip_prefix("\r\n")?;
        let (head, value) = part.split_once("\r\n\r\n")?;
        let name = head.split("name=\"").nth(1)?.split('"').next()?;
        fields.insert(
            name.to_owned(),
            value.strip_suffix("\r\n").unwrap_or(value).to_owned(),
        );
    }
    Some(fields)
}

fn hmac_b64(key: &str, message: &str) -> String {
    match Hmac::<Sha512>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(message.as_bytes());
            BASE64.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// PayWay's `req_time`: exactly 14 digits, `YYYYMMDDhhmmss` in UTC.
fn parse_request_time(text: &str) -> Option<OffsetDateTime> {
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    PrimitiveDateTime::parse(
        text,
        time::macros::format_description!("[year][month][day][hour][minute][second]"),
    )
    .ok()
    .map(PrimitiveDateTime::assume_utc)
}

/// Checks merchant, hash and freshness; returns the fields or the refusal.
fn verify(
    shared: &Shared,
    spec: Spec,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<BTreeMap<String, String>, Response> {
    let fields = fields_of(body, headers).ok_or_else(|| {
        error(
            StatusCode::BAD_REQUEST,
            if spec.portal { "PTL04" } else { "11" },
            "Parameter validation required",
        )
    })?;
    let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    let preimage: String = spec.order.iter().map(|name| get(name)).collect();
    let expected = hmac_b64(&shared.credentials.payway_api_key, &preimage);
    if get("hash").as_bytes() != expected.as_bytes() {
        return Err(error(StatusCode::FORBIDDEN, spec.wrong_hash, "Wrong Hash"));
    }
    if get("merchant_id") != shared.credentials.payway_merchant_id {
        return Err(error(
            StatusCode::FORBIDDEN,
            spec.bad_merchant,
            "Invalid merchant profile",
        ));
    }
    let fresh = parse_request_time(get(spec.time_field)).is_some_and(|t| {
        let skew = shared.now() - t;
        skew.unsigned_abs() <= FRESHNESS
    });
    if !fresh {
        return Err(if spec.portal {
            error(StatusCode::BAD_REQUEST, "PTL06", "The request has expired")
        } else {
            error(
                StatusCode::FORBIDDEN,
                spec.wrong_hash,
                "Wrong Hash (req_time is not a current UTC time)",
            )
        });
    }
    Ok(fields)
}

fn date(at: OffsetDateTime) -> String {
    at.to_offset(PHNOM_PENH)
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default()
}

/// PayWay's code and word for an order: REFUNDED after any refund, partial or not.
fn payment_status(order: &SimOrder) -> (i64, &'static str) {
    match order.stage {
        Stage::Pending | Stage::Expired => (2, "PENDING"),
        Stage::Authorized => (0, "PRE-AUTH"),
        Stage::Paid if order.refunds.is_empty() => (0, "APPROVED"),
        Stage::Paid => (4, "REFUNDED"),
        Stage::Voided | Stage::Cancelled => (7, "CANCELLED"),
    }
}

fn amounts(order: &SimOrder) -> (Decimal, &str) {
    match order.stage {
        Stage::Pending | Stage::Expired | Stage::Cancelled => (Decimal::ZERO, ""),
        Stage::Authorized => (order.amount, order.currency.as_str()),
        Stage::Paid | Stage::Voided => (order.captured, order.currency.as_str()),
    }
}

fn not_found(id: &str) -> Response {
    J::O(vec![("status", status("6", "tran_id not found", Some(id)))]).respond(StatusCode::OK)
}

async fn check(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match verify(&shared, CHECK, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let id = fields.get("tran_id").cloned().unwrap_or_default();
    let Ok(order) = shared.ledger().get(Provider::Payway, &id).cloned() else {
        return not_found(&id);
    };
    let (code, word) = payment_status(&order);
    let (paid, currency) = amounts(&order);
    J::O(vec![
        (
            "data",
            J::O(vec![
                ("payment_status_code", J::int(code)),
                ("total_amount", J::num(order.amount)),
                ("original_amount", J::num(order.amount)),
                ("refund_amount", J::num(order.refunded())),
                ("discount_amount", J::int(0)),
                ("payment_amount", J::num(paid)),
                ("payment_currency", J::s(currency)),
                (
                    "apv",
                    J::s(if paid.is_zero() {
                        String::new()
                    } else {
                        format!("{:06}", order.transaction_id % 1_000_000)
                    }),
                ),
                ("payment_status", J::s(word)),
                ("transaction_date", J::s(date(order.created_at))),
            ]),
        ),
        ("status", status("00", "Success!", Some(&id))),
    ])
    .respond(StatusCode::OK)
}

fn transaction(order: &SimOrder) -> J {
    let (code, word) = payment_status(order);
    let (paid, currency) = amounts(order);
    let mut operations = vec![J::O(vec![
        ("status", J::s("Create Order")),
        ("amount", J::num(order.amount)),
        ("transaction_date", J::s(date(order.created_at))),
    ])];
    if order.stage == Stage::Paid || order.stage == Stage::Authorized {
        operations.push(J::O(vec![
            (
                "status",
                J::s(if order.stage == Stage::Authorized {
                    "Pre-Auth"
                } else {
                    "Completed"
                }),
            ),
            ("amount", J::num(paid)),
            ("transaction_date", J::s(date(order.updated_at))),
        ]));
    }
    for refund in &order.refunds {
        operations.push(J::O(vec![
            ("status", J::s("Refunded")),
            ("amount", J::num(refund.amount)),
            ("transaction_date", J::s(date(refund.at))),
        ]));
    }
    J::O(vec![
        ("transaction_id", J::s(&order.id)),
        ("payment_status_code", J::int(code)),
        ("payment_status", J::s(word)),
        ("original_amount", J::num(order.amount)),
        ("original_currency", J::s(&order.currency)),
        ("payment_amount", J::num(paid)),
        ("payment_currency", J::s(currency)),
        ("total_amount", J::num(order.amount)),
        ("refund_amount", J::num(order.refunded())),
        ("discount_amount", J::int(0)),
        ("transaction_date", J::s(date(order.created_at))),
        (
            "payment_type",
            J::s(if paid.is_zero() {
                "N/A"
            } else {
                order.payment_method.as_str()
            }),
        ),
        ("transaction_operations", J::A(operations)),
    ])
}

async fn detail(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match verify(&shared, CHECK, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let id = fields.get("tran_id").cloned().unwrap_or_default();
    let Ok(order) = shared.ledger().get(Provider::Payway, &id).cloned() else {
        return not_found(&id);
    };
    J::O(vec![
        ("data", transaction(&order)),
        ("status", status("00", "Success!", Some(&id))),
    ])
    .respond(StatusCode::OK)
}

async fn close(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match verify(&shared, CLOSE, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let id = fields.get("tran_id").cloned().unwrap_or_default();
    match shared.ledger().cancel(Provider::Payway, &id, shared.now()) {
        Ok(_) => {
            J::O(vec![("status", status("00", "Success!", Some(&id)))]).respond(StatusCode::OK)
        }
        Err(Refusal::NotFound) => error(StatusCode::FORBIDDEN, "5", "Transaction not found"),
        Err(_) => error(
            StatusCode::FORBIDDEN,
            "2",
            "This transaction has already been approved and cannot be cancelled.",
        ),
    }
}

async fn list(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match verify(&shared, LIST, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let page: usize = fields
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let size: usize = fields
        .get("pagination")
        .and_then(|p| p.parse().ok())
        .unwrap_or(40)
        .clamp(1, 1000);
    let wanted: Vec<String> = fields
        .get("status")
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.split(',')
                .map(|w| w.trim().to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default();
    let orders: Vec<J> = shared
        .ledger()
        .list(Provider::Payway)
        .iter()
        .filter(|o| wanted.is_empty() || wanted.iter().any(|w| w == payment_status(o).1))
        .skip((page - 1) * size)
        .take(size)
        .map(transaction)
        .collect();
    J::O(vec![
        ("data", J::A(orders)),
        ("page", J::s(page.to_string())),
        ("pagination", J::s(size.to_string())),
        ("status", status("00", "Success!", Some("sandbox-list"))),
    ])
    .respond(StatusCode::OK)
}

async fn rates(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = verify(&shared, RATES, &headers, &body) {
        return r;
    }
    let rate = |sell: &str, buy: &str| J::O(vec![("sell", J::s(sell)), ("buy", J::s(buy))]);
    J::O(vec![
        ("status", status("00", "Success!", None)),
        (
            "exchange_rates",
            J::O(vec![
                ("usd", rate("4105.00", "4095.00")),
                ("eur", rate("4461.07", "4258.34")),
                ("thb", rate("122.14", "118.18")),
            ]),
        ),
    ])
    .respond(StatusCode::OK)
}

/// Checks an amount as PayWay does: USD at most 2 decimals; KHR whole and at least 100.
fn purchase_amount(text: &str, currency: &str) -> Result<Decimal, Response> {
    let amount =
        Decimal::from_str(text).map_err(|_| error(StatusCode::OK, "3", "Invalid amount"))?;
    if amount <= Decimal::ZERO {
        return Err(error(
            StatusCode::OK,
            "45",
            "Amount must be greater than zero",
        ));
    }
    match currency {
        "KHR" if amount.normalize().scale() > 0 => Err(error(
            StatusCode::OK,
            "46",
            "KHR amount must not contain decimals",
        )),
        "KHR" if amount < Decimal::from(100) => Err(error(
            StatusCode::OK,
            "47",
            "KHR amount must be more than 100",
        )),
        "USD" if amount.normalize().scale() > 2 => {
            Err(error(StatusCode::OK, "3", "Invalid amount"))
        }
        "USD" | "KHR" => Ok(amount),
        _ => Err(error(StatusCode::OK, "12", "Currency is not allowed")),
    }
}

async fn purchase(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match verify(&shared, PURCHASE, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    let id = get("tran_id").to_owned();
    if id.is_empty() || id.len() > 20 {
        return error(StatusCode::OK, "2", "Invalid tran_id");
    }
    let currency = if get("currency").is_empty() {
        "USD"
    } else {
        get("currency")
    };
    let amount = match purchase_amount(get("amount"), currency) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = shared.now();
    let callback = BASE64
        .decode(get("return_url"))
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let mut order = SimOrder::new(
        Provider::Payway,
        id.clone(),
        id.clone(),
        amount,
        currency.to_owned(),
        now,
    );
    order.pre_auth = get("type") == "pre-auth";
    order.callback_url = callback;
    if shared.ledger().create(order).is_err() {
        return error(StatusCode::OK, "4", "Duplicate tran_id");
    }
    let page = format!("{}/_sandbox/checkout/payway/{id}", shared.base);
    if get("view_type") == "hosted_view" && get("payment_gate") == "0" {
        return (StatusCode::FOUND, [(header::LOCATION, page)]).into_response();
    }
    if get("payment_option") == "abapay_khqr_deeplink" {
        return J::O(vec![
            ("status", status("00", "Success!", Some(&id))),
            (
                "qr_string",
                J::s(format!("00020101021230510016sandbox{id}")),
            ),
            (
                "abapay_deeplink",
                J::s(format!(
                    "abamobilebank://ababank.com?type=payway&qrcode=sandbox{id}"
                )),
            ),
            ("checkout_qr_url", J::s(page)),
        ])
        .respond(StatusCode::OK);
    }
    (
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        format!("<!DOCTYPE html><html><head><title>PayWay - Checkout</title></head><body><a href=\"{page}\">Pay</a></body></html>"),
    )
        .into_response()
}

/// The decrypted `merchant_auth`.
#[derive(Deserialize)]
struct MerchantAuth {
    mc_id: String,
    tran_id: String,
    #[serde(default, deserialize_with = "crate::json::option_decimal")]
    refund_amount: Option<Decimal>,
    #[serde(default, deserialize_with = "crate::json::option_decimal")]
    complete_amount: Option<Decimal>,
}

fn merchant_auth(
    shared: &Shared,
    fields: &BTreeMap<String, String>,
) -> Result<MerchantAuth, Response> {
    let invalid = || error(StatusCode::BAD_REQUEST, "PTL05", "Parameter invalid format");
    let ciphertext = BASE64
        .decode(
            fields
                .get("merchant_auth")
                .map(String::as_str)
                .unwrap_or(""),
        )
        .map_err(|_| invalid())?;
    let block = shared.rsa.size();
    if ciphertext.is_empty() || ciphertext.len() % block != 0 {
        return Err(invalid());
    }
    let mut plaintext = Vec::new();
    for chunk in ciphertext.chunks(block) {
        let part = shared
            .rsa
            .decrypt(Pkcs1v15Encrypt, chunk)
            .map_err(|_| invalid())?;
        plaintext.extend_from_slice(&part);
    }
    let auth: MerchantAuth = serde_json::from_slice(&plaintext).map_err(|_| invalid())?;
    if auth.mc_id != shared.credentials.payway_merchant_id {
        return Err(error(
            StatusCode::FORBIDDEN,
            "PTL62",
            "Invalid merchant information",
        ));
    }
    Ok(auth)
}

async fn refund(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let auth =
        match verify(&shared, REFUND, &headers, &body).and_then(|f| merchant_auth(&shared, &f)) {
            Ok(a) => a,
            Err(r) => return r,
        };
    let Some(amount) = auth.refund_amount else {
        return error(
            StatusCode::BAD_REQUEST,
            "PTL04",
            "Parameter validation required",
        );
    };
    match shared
        .ledger()
        .refund(Provider::Payway, &auth.tran_id, amount, shared.now())
    {
        Ok((order, _)) => J::O(vec![
            ("grand_total", J::num(order.captured)),
            ("total_refunded", J::num(order.refunded())),
            ("currency", J::s(&order.currency)),
            ("transaction_status", J::s("REFUNDED")),
            ("status", status("00", "Success!", None)),
        ])
        .respond(StatusCode::OK),
        Err(Refusal::TooMuch) => error(
            StatusCode::FORBIDDEN,
            "PTL37",
            "Refund amount is greater than the original amount",
        ),
        Err(Refusal::BadAmount) => {
            error(StatusCode::BAD_REQUEST, "PTL186", "Invalid amount format")
        }
        Err(_) => error(
            StatusCode::FORBIDDEN,
            "PTL36",
            "Transaction not found or is invalid",
        ),
    }
}

async fn complete(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let auth =
        match verify(&shared, COMPLETE, &headers, &body).and_then(|f| merchant_auth(&shared, &f)) {
            Ok(a) => a,
            Err(r) => return r,
        };
    let Some(amount) = auth.complete_amount else {
        return error(
            StatusCode::BAD_REQUEST,
            "PTL04",
            "Parameter validation required",
        );
    };
    match shared
        .ledger()
        .capture(Provider::Payway, &auth.tran_id, amount, shared.now())
    {
        Ok(order) => J::O(vec![
            ("grand_total", J::num(order.captured)),
            ("currency", J::s(&order.currency)),
            ("transaction_status", J::s("COMPLETED")),
            ("status", status("00", "Transaction successful", None)),
        ])
        .respond(StatusCode::OK),
        Err(Refusal::NotFound) => error(
            StatusCode::FORBIDDEN,
            "PTL36",
            "Invalid transaction. Ensure that the transaction ID is correct.",
        ),
        Err(Refusal::TooMuch) => error(StatusCode::FORBIDDEN, "PTL60", "Amount is over the limit"),
        Err(_) => error(
            StatusCode::FORBIDDEN,
            "PTL59",
            "Unable to complete the pre-authorization",
        ),
    }
}

async fn cancel_hold(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth =
        match verify(&shared, CANCEL, &headers, &body).and_then(|f| merchant_auth(&shared, &f)) {
            Ok(a) => a,
            Err(r) => return r,
        };
    let held = shared
        .ledger()
        .get(Provider::Payway, &auth.tran_id)
        .map(|o| o.stage);
    match held {
        Ok(Stage::Authorized) => {}
        Ok(_) => {
            return error(
                StatusCode::FORBIDDEN,
                "PTL170",
                "Unable to cancel pre-authorization: transaction status is invalid",
            );
        }
        Err(_) => {
            return error(
                StatusCode::FORBIDDEN,
                "PTL36",
                "Invalid transaction. Ensure that the transaction ID is correct.",
            );
        }
    }
    match shared
        .ledger()
        .void(Provider::Payway, &auth.tran_id, shared.now())
    {
        Ok(order) => J::O(vec![
            ("grand_total", J::num(order.amount)),
            ("currency", J::s(&order.currency)),
            ("transaction_status", J::s("CANCELLED")),
            ("status", status("00", "Success!", None)),
        ])
        .respond(StatusCode::OK),
        Err(_) => error(
            StatusCode::FORBIDDEN,
            "PTL59",
            "Unable to cancel the pre-authorization",
        ),
    }
}

/// The pushback, signed in the newer `X-PAYWAY-HMAC-SHA512` header: base64 HMAC-SHA512 of
/// the values in ascending key order. It carries `payment_status_code` and `payment_status`
/// as PayWay's KHQR webhook does, so that a hold reads as PRE-AUTH, not as a payment.
pub(crate) fn webhook(shared: &Shared, order: &SimOrder) -> SimulatedWebhook {
    let apv = format!("{:06}", order.transaction_id % 1_000_000);
    let (code, word) = payment_status(order);
    let code_text = code.to_string();
    // ksort order: apv, payment_status, payment_status_code, return_params, status, tran_id.
    let sorted = [
        apv.as_str(),
        word,
        code_text.as_str(),
        "",
        "0",
        order.id.as_str(),
    ];
    let signature = hmac_b64(&shared.credentials.payway_api_key, &sorted.concat());
    let body = J::O(vec![
        ("tran_id", J::s(&order.id)),
        ("apv", J::s(&apv)),
        ("status", J::s("0")),
        ("return_params", J::s("")),
        ("payment_status_code", J::int(code)),
        ("payment_status", J::s(word)),
    ])
    .text();
    SimulatedWebhook {
        body,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-payway-hmac-sha512".into(), signature),
        ],
    }
}
