//! PayG's order API, simulated: the `Authorization` header checked, the order object in its
//! PascalCase shape, errors as arrays, objects, or inside an HTTP 200 (a refund above the
//! order amount), and an unsigned postback.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use paygate_core::Decimal;
use paygate_core::time::{OffsetDateTime, UtcOffset};
use serde::Deserialize;

use crate::Provider;
use crate::json::J;
use crate::state::{Refusal, ReturnUrls, SimOrder, Stage};
use crate::{Shared, SimulatedWebhook};

mod simulated;
mod strictness;

pub use simulated::PaygCredentials;
pub(crate) use simulated::PaygSim;

const IST: UtcOffset = time::macros::offset!(+5:30);

fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/create", post(create))
        .route("/Detail", post(detail))
        .route("/Update", post(update))
        .route("/Refund", post(refund))
        .route("/RefundStatus", post(refund_status))
}

fn errors(http: StatusCode, code: &str, message: &str, field: Option<&str>) -> Response {
    let mut e = vec![("Code", J::s(code)), ("Message", J::s(message))];
    if let Some(f) = field {
        e.push(("FieldName", J::s(f)));
    }
    J::A(vec![J::O(e)]).respond(http)
}

fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return false;
    };
    let c = &shared.credentials.payg;
    let expected = format!(
        "{}:{}:M:{}",
        c.authentication_key, c.authentication_token, c.merchant_key_id
    );
    scheme.eq_ignore_ascii_case("basic")
        && BASE64.decode(encoded.trim()).ok().as_deref() == Some(expected.as_bytes())
}

fn unauthorized() -> Response {
    J::O(vec![(
        "Message",
        J::s("Authorization has been denied for this request."),
    )])
    .respond(StatusCode::UNAUTHORIZED)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Body {
    #[serde(
        default,
        alias = "Merchantkeyid",
        deserialize_with = "crate::json::option_text"
    )]
    merchant_key_id: Option<String>,
    #[serde(default, deserialize_with = "crate::json::option_text")]
    unique_request_id: Option<String>,
    #[serde(default, deserialize_with = "crate::json::option_decimal")]
    order_amount: Option<Decimal>,
    #[serde(default, deserialize_with = "crate::json::option_text")]
    order_key_id: Option<String>,
    #[serde(default, deserialize_with = "crate::json::option_text")]
    payment_type: Option<String>,
    #[serde(default, deserialize_with = "crate::json::option_text")]
    payment_transaction_id: Option<String>,
    #[serde(default, deserialize_with = "crate::json::option_decimal")]
    refund_amount: Option<Decimal>,
    #[serde(default, deserialize_with = "crate::json::option_text")]
    transaction_id: Option<String>,
    #[serde(default, deserialize_with = "crate::json::option_text")]
    redirect_url: Option<String>,
    #[serde(default, rename = "MID", deserialize_with = "crate::json::option_text")]
    mid: Option<String>,
}

/// Refund and RefundStatus require the merchant's MID (the user's refund document marks it
/// required; PayG's answer to a missing one is not documented: this is the simulator's).
fn mid_checked(shared: &Shared, body: &Body) -> Result<(), Response> {
    if body.mid.as_deref() == Some(shared.credentials.payg.mid.as_str()) {
        return Ok(());
    }
    Err(errors(
        StatusCode::BAD_REQUEST,
        "6007",
        "MID is required and must be the merchant's",
        Some("MID"),
    ))
}

fn read(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Body, Response> {
    if !authorized(shared, headers) {
        return Err(unauthorized());
    }
    let body: Body = serde_json::from_slice(body)
        .map_err(|_| errors(StatusCode::BAD_REQUEST, "400", "Bad input parameter", None))?;
    if body.merchant_key_id.as_deref() != Some(shared.credentials.payg.merchant_key_id.as_str()) {
        return Err(errors(
            StatusCode::FORBIDDEN,
            "403",
            "Merchant doesn't exist",
            Some("MerchantKeyId"),
        ));
    }
    Ok(body)
}

fn us_date(at: OffsetDateTime) -> String {
    let l = at.to_offset(IST);
    let (hour, meridiem) = match l.hour() {
        0 => (12, "AM"),
        h @ 1..=11 => (h, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    };
    format!(
        "{}/{}/{} {}:{:02}:{:02} {meridiem}",
        u8::from(l.month()),
        l.day(),
        l.year(),
        hour,
        l.minute(),
        l.second()
    )
}

fn iso_date(at: OffsetDateTime) -> String {
    let l = at.to_offset(IST);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
        l.year(),
        u8::from(l.month()),
        l.day(),
        l.hour(),
        l.minute(),
        l.second(),
        l.millisecond()
    )
}

/// The order object as PayG answers it.
fn order_object(shared: &Shared, order: &SimOrder) -> J {
    let (code, text, status) = match order.stage {
        Stage::Pending | Stage::Cancelled | Stage::Expired => (0, J::Null, 0),
        Stage::Authorized | Stage::Paid | Stage::Voided => (1, J::s("Approved"), 1),
        Stage::Declined => (2, J::s("Declined"), 2),
    };
    let paid = code == 1;
    let last_refund = order.refunds.last();
    J::O(vec![
        ("OrderKeyId", J::s(&order.id)),
        (
            "MerchantKeyId",
            J::N(shared.credentials.payg.merchant_key_id.clone()),
        ),
        ("UniqueRequestId", J::s(&order.merchant_ref)),
        ("OrderType", J::s("PAYMENT")),
        ("OrderAmount", J::fixed(order.amount, 2)),
        ("OrderId", J::Null),
        ("OrderStatus", J::s(if paid { "1" } else { "0" })),
        ("OrderPaymentStatus", J::int(0)),
        (
            "OrderPaymentStatusText",
            if paid { J::s("Paid") } else { J::Null },
        ),
        ("PaymentStatus", J::int(status)),
        (
            "PaymentTransactionId",
            if paid {
                J::s(order.transaction_id.to_string())
            } else {
                J::Null
            },
        ),
        ("PaymentResponseCode", J::int(code)),
        ("PaymentResponseText", text),
        (
            "PaymentMethod",
            if paid {
                J::s(&order.payment_method)
            } else {
                J::Null
            },
        ),
        (
            "OrderRefundTransactionId",
            J::int(last_refund.map_or(0, |r| r.id)),
        ),
        (
            "RefundPaymentResponseCode",
            J::int(if last_refund.is_some() { 1 } else { 0 }),
        ),
        (
            "RefundPaymentResponseText",
            if last_refund.is_some() {
                J::s("Transaction Successful")
            } else {
                J::Null
            },
        ),
        (
            "RefundDateTime",
            last_refund.map_or(J::Null, |r| J::s(iso_date(r.at))),
        ),
        (
            "PaymentDateTime",
            if paid {
                J::s(us_date(order.updated_at))
            } else {
                J::Null
            },
        ),
        ("UpdatedDateTime", J::s(us_date(order.updated_at))),
        (
            "PaymentProcessUrl",
            J::s(format!(
                "{}/_sandbox/checkout/payg/{}",
                shared.base, order.id
            )),
        ),
        ("UpiLink", J::Null),
        (
            "Id",
            J::int(order.created_at.unix_timestamp() % 100_000_000),
        ),
    ])
}

async fn create(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let body = match read(&shared, &headers, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let unique = body.unique_request_id.unwrap_or_default();
    if unique.is_empty() || unique.len() > 20 || !unique.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return errors(
            StatusCode::BAD_REQUEST,
            "6001",
            "UniqueRequestId must be alphanumeric",
            Some("UniqueRequestId"),
        );
    }
    let Some(amount) = body
        .order_amount
        .filter(|a| *a > Decimal::ZERO && a.normalize().scale() <= 2)
    else {
        return errors(
            StatusCode::BAD_REQUEST,
            "6095",
            "Invalid OrderAmount",
            Some("OrderAmount"),
        );
    };
    let now = shared.now();
    let local = now.to_offset(IST);
    let key = format!(
        "{:02}{:02}{:02}M{}U{unique}",
        local.year() % 100,
        u8::from(local.month()),
        local.day(),
        shared.credentials.payg.merchant_key_id
    );
    let mut order = SimOrder::new(Provider::Payg, key, unique, amount, "INR", now);
    // PayG sends the browser to RedirectUrl whatever the outcome, with nothing appended.
    order.return_urls = ReturnUrls::with(
        body.redirect_url.clone(),
        body.redirect_url.clone(),
        body.redirect_url.clone(),
    );
    order.callback_url = body.redirect_url;
    let object = order_object(&shared, &order);
    match shared.ledger().create(order) {
        Ok(()) => object.respond(StatusCode::OK),
        Err(_) => errors(
            StatusCode::CONFLICT,
            "6002",
            "UniqueRequestId should not be repeated",
            Some("UniqueRequestId"),
        ),
    }
}

fn order_by_key(shared: &Shared, key: Option<&str>) -> Result<SimOrder, Response> {
    shared
        .ledger()
        .get(Provider::Payg, key.unwrap_or(""))
        .cloned()
        .map_err(|_| {
            errors(
                StatusCode::NOT_FOUND,
                "1004",
                "Order not found",
                Some("OrderKeyId"),
            )
        })
}

async fn detail(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let body = match read(&shared, &headers, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    match order_by_key(&shared, body.order_key_id.as_deref()) {
        Ok(order) => order_object(&shared, &order).respond(StatusCode::OK),
        Err(r) => r,
    }
}

async fn update(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let body = match read(&shared, &headers, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    match order_by_key(&shared, body.order_key_id.as_deref()) {
        Ok(order) => order_object(&shared, &order).respond(StatusCode::OK),
        Err(r) => r,
    }
}

async fn refund(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let body = match read(&shared, &headers, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = mid_checked(&shared, &body) {
        return r;
    }
    let order = match order_by_key(&shared, body.order_key_id.as_deref()) {
        Ok(o) => o,
        Err(r) => return r,
    };
    if body.payment_type.as_deref().is_none_or(str::is_empty) {
        return errors(
            StatusCode::BAD_REQUEST,
            "6003",
            "PaymentType is required",
            Some("PaymentType"),
        );
    }
    if order.stage != Stage::Paid
        || body.payment_transaction_id.as_deref() != Some(order.transaction_id.to_string().as_str())
    {
        return errors(
            StatusCode::BAD_REQUEST,
            "6004",
            "A refund can only be issued for a successful transaction",
            Some("PaymentTransactionId"),
        );
    }
    let Some(amount) = body.refund_amount else {
        return errors(
            StatusCode::BAD_REQUEST,
            "6005",
            "RefundAmount is required",
            Some("RefundAmount"),
        );
    };
    match shared
        .ledger()
        .refund(Provider::Payg, &order.id, amount, shared.now())
    {
        Ok((order, _)) => order_object(&shared, &order).respond(StatusCode::OK),
        // PayG's quirk: some refusals come inside an HTTP 200.
        Err(Refusal::TooMuch) => J::O(vec![
            ("ResponseCode", J::int(0)),
            ("Code", J::s("1001")),
            (
                "Message",
                J::s("Refund amount is greater than order amount"),
            ),
            ("FieldName", J::s("RefundAmount")),
        ])
        .respond(StatusCode::OK),
        Err(_) => errors(
            StatusCode::BAD_REQUEST,
            "6005",
            "Invalid RefundAmount",
            Some("RefundAmount"),
        ),
    }
}

async fn refund_status(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match read(&shared, &headers, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = mid_checked(&shared, &body) {
        return r;
    }
    let order = match order_by_key(&shared, body.order_key_id.as_deref()) {
        Ok(o) => o,
        Err(r) => return r,
    };
    if body.transaction_id.as_deref() != Some(order.transaction_id.to_string().as_str()) {
        return errors(
            StatusCode::BAD_REQUEST,
            "6006",
            "Invalid TransactionId",
            Some("TransactionId"),
        );
    }
    order_object(&shared, &order).respond(StatusCode::OK)
}

/// The postback: the order object, unsigned (PayG documents no signature).
fn webhook(shared: &Shared, order: &SimOrder) -> SimulatedWebhook {
    SimulatedWebhook {
        body: order_object(shared, order).text(),
        headers: vec![("content-type".into(), "application/json".into())],
    }
}
