//! The payment-gateway endpoints: check, detail, close, list, exchange rates and purchase.

use super::verify::verify;
use super::*;

/// PayWay's code and word for an order: REFUNDED after any refund, partial or not.
pub(super) fn payment_status(order: &SimOrder) -> (i64, &'static str) {
    match order.stage {
        Stage::Pending | Stage::Expired => (2, "PENDING"),
        Stage::Authorized => (0, "PRE-AUTH"),
        Stage::Paid if order.refunds.is_empty() => (0, "APPROVED"),
        Stage::Paid => (4, "REFUNDED"),
        Stage::Voided | Stage::Cancelled => (7, "CANCELLED"),
        Stage::Declined => (3, "DECLINED"),
    }
}

fn amounts(order: &SimOrder) -> (Decimal, &str) {
    match order.stage {
        Stage::Pending | Stage::Expired | Stage::Cancelled | Stage::Declined => (Decimal::ZERO, ""),
        Stage::Authorized => (order.amount, order.currency.as_str()),
        Stage::Paid | Stage::Voided => (order.captured, order.currency.as_str()),
    }
}

fn not_found(id: &str) -> Response {
    J::O(vec![("status", status("6", "tran_id not found", Some(id)))]).respond(StatusCode::OK)
}

pub(super) async fn check(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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

/// A transaction as detail (`listed` false: dated at creation) or the list (dated at
/// completion) shows it.
pub(super) fn transaction(order: &SimOrder, listed: bool) -> J {
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
        (
            "transaction_date",
            J::s(date(if listed {
                order.updated_at
            } else {
                order.created_at
            })),
        ),
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

pub(super) async fn detail(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match verify(&shared, CHECK, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let id = fields.get("tran_id").cloned().unwrap_or_default();
    let Ok(order) = shared.ledger().get(Provider::Payway, &id).cloned() else {
        return not_found(&id);
    };
    J::O(vec![
        ("data", transaction(&order, false)),
        ("status", status("00", "Success!", Some(&id))),
    ])
    .respond(StatusCode::OK)
}

pub(super) async fn close(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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

pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
    // The window, in Phnom Penh time; at most 3 days (PayWay's code 52).
    let bound = |name: &str| {
        fields.get(name).filter(|d| !d.is_empty()).map(|d| {
            time::PrimitiveDateTime::parse(
                d,
                time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
            )
            .map(|at| at.assume_offset(PHNOM_PENH))
        })
    };
    let (from, to) = match (bound("from_date").transpose(), bound("to_date").transpose()) {
        (Ok(from), Ok(to)) => (from, to),
        _ => return error(StatusCode::OK, "50", "Invalid date format"),
    };
    if let (Some(from), Some(to)) = (from, to)
        && to - from > time::Duration::days(3)
    {
        return error(StatusCode::OK, "52", "Date range must not exceed 3 days");
    }
    let orders: Vec<J> = shared
        .ledger()
        .orders_of(Provider::Payway)
        // Unpaid transactions never appear; the list is by completion time.
        .filter(|o| !matches!(o.stage, Stage::Pending | Stage::Expired))
        .filter(|o| from.is_none_or(|f| o.updated_at >= f) && to.is_none_or(|t| o.updated_at <= t))
        .filter(|o| wanted.is_empty() || wanted.iter().any(|w| w == payment_status(o).1))
        .skip((page - 1) * size)
        .take(size)
        .map(|order| transaction(order, true))
        .collect();
    J::O(vec![
        ("data", J::A(orders)),
        ("page", J::s(page.to_string())),
        ("pagination", J::s(size.to_string())),
        ("status", status("00", "Success!", Some("sandbox-list"))),
    ])
    .respond(StatusCode::OK)
}

pub(super) async fn rates(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
pub(super) fn purchase_amount(text: &str, currency: &str) -> Result<Decimal, Response> {
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

/// A new order of purchase or generate-qr: a hold when `pre_auth`, its pushback going to the
/// base64 `callback` URL.
pub(super) fn new_order(
    shared: &Shared,
    id: &str,
    amount: Decimal,
    currency: &str,
    pre_auth: bool,
    callback: &str,
) -> SimOrder {
    let mut order = SimOrder::new(
        Provider::Payway,
        id.to_owned(),
        id.to_owned(),
        amount,
        currency.to_owned(),
        shared.now(),
    );
    order.pre_auth = pre_auth;
    order.callback_url = BASE64
        .decode(callback)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    order
}

pub(super) async fn purchase(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
    let mut order = new_order(
        &shared,
        &id,
        amount,
        currency,
        get("type") == "pre-auth",
        get("return_url"),
    );
    let url = |name: &str| Some(get(name).to_owned()).filter(|u| !u.is_empty());
    // PayWay's page continues to continue_success_url after a payment and to cancel_url when
    // the customer cancels; a declined card stays on PayWay's page (whose link back to the
    // merchant is cancel_url).
    order.return_urls = ReturnUrls::with(url("continue_success_url"), None, url("cancel_url"));
    if matches!(
        get("payment_option"),
        "abapay_khqr" | "abapay_khqr_deeplink"
    ) {
        order.qr_string = Some(khqr(&id));
    }
    if shared.ledger().create(order).is_err() {
        return error(StatusCode::OK, "4", "Duplicate tran_id");
    }
    let page = format!("{}/_sandbox/checkout/payway/{id}", shared.base);
    if get("view_type") == "hosted_view" && get("payment_gate") == "0" {
        return (StatusCode::FOUND, [(header::LOCATION, page)]).into_response();
    }
    if get("payment_option") == "abapay_khqr_deeplink" {
        let qr_string = khqr(&id);
        return J::O(vec![
            ("status", status("00", "Success!", Some(&id))),
            ("qr_string", J::s(qr_string)),
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

/// The QR API: the strictness table has checked each field (PayWay's QR API page); here the
/// rules across fields: the amount against its currency, WeChat and Alipay in USD only and
/// never a pre-auth, at most 10 items. Creates the order and answers with its QR
/// (`qrString`, an SVG `qrImage`) and ABA Mobile's links; a repeated `tran_id` is code `403`,
/// as the page documents.
pub(super) async fn generate_qr(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match verify(&shared, GENERATE_QR, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    let id = get("tran_id").to_owned();
    let currency = get("currency").to_ascii_uppercase();
    let amount = match purchase_amount(get("amount"), &currency) {
        Ok(a) => a,
        Err(r) => return r,
    };
    if matches!(get("payment_option"), "wechat" | "alipay") && currency != "USD" {
        return error(StatusCode::OK, "12", "Currency is not allowed");
    }
    // "Alipay & WeChat do not support pre-auth"; "max 10 items" (the QR API page; no code
    // documented for either: its generic 48).
    let too_many_items = BASE64
        .decode(get("items"))
        .ok()
        .and_then(|json| serde_json::from_slice::<Vec<serde_json::Value>>(&json).ok())
        .is_some_and(|items| items.len() > 10);
    if (matches!(get("payment_option"), "wechat" | "alipay") && get("purchase_type") == "pre-auth")
        || too_many_items
    {
        return error(
            StatusCode::OK,
            "48",
            "Something went wrong with requested parameters",
        );
    }
    let mut order = new_order(
        &shared,
        &id,
        amount,
        &currency,
        get("purchase_type") == "pre-auth",
        get("callback_url"),
    );
    let qr_string = khqr(&id);
    order.qr_string = Some(qr_string.clone());
    if shared.ledger().create(order).is_err() {
        return error(StatusCode::OK, "403", "Duplicated Transaction ID");
    }
    let image = format!(
        "data:image/svg+xml;base64,{}",
        BASE64.encode(crate::hosted::qr_svg(&qr_string))
    );
    J::O(vec![
        ("status", status("0", "Success.", Some(&id))),
        ("amount", J::num(amount)),
        ("currency", J::s(&currency)),
        ("qrString", J::s(&qr_string)),
        ("qrImage", J::s(image)),
        (
            "abapay_deeplink",
            J::s(format!(
                "abamobilebank://ababank.com?type=payway&qrcode=sandbox{id}"
            )),
        ),
        (
            "app_store",
            J::s("https://itunes.apple.com/al/app/aba-mobile-bank/id968860649"),
        ),
        (
            "play_store",
            J::s("https://play.google.com/store/apps/details?id=com.paygo24.ibank"),
        ),
    ])
    .respond(StatusCode::OK)
}

/// The sandbox's KHQR payload for an order (the shape of an EMVCo merchant-presented code;
/// no bank app can pay it).
fn khqr(id: &str) -> String {
    format!("00020101021230510016sandbox{id}")
}
