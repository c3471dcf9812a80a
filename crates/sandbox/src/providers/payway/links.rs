//! Payment links: create (multipart, an optional image), detail and void, with the codes seen
//! live (`PTL04` for any bad field, `96` for an unknown link, `PTL188` for a second void).

use super::verify::{decrypted, verify};
use super::*;
use crate::links::{LinkStatus, NewLink, SimLink};

/// The create `merchant_auth`: strings as PayWay's page types them (numbers accepted too).
#[derive(Deserialize)]
struct CreateAuth {
    mc_id: String,
    #[serde(default, deserialize_with = "crate::json::option_text")]
    title: Option<String>,
    #[serde(default, deserialize_with = "crate::json::option_text")]
    amount: Option<String>,
    #[serde(default, deserialize_with = "crate::json::option_text")]
    currency: Option<String>,
    #[serde(default, deserialize_with = "crate::json::option_text")]
    description: Option<String>,
    #[serde(default, deserialize_with = "crate::json::option_text")]
    payment_limit: Option<String>,
    #[serde(default, deserialize_with = "crate::json::option_text")]
    expired_date: Option<String>,
    #[serde(default, deserialize_with = "crate::json::option_text")]
    return_url: Option<String>,
    #[serde(default, deserialize_with = "crate::json::option_text")]
    merchant_ref_no: Option<String>,
    #[serde(default)]
    payout: Option<Vec<super::verify::PayoutShare>>,
}

/// The detail and void `merchant_auth`.
#[derive(Deserialize)]
struct LinkAuth {
    mc_id: String,
    id: String,
}

/// A detail or void request checked (hash, merchant, time) and its `merchant_auth` read.
fn link_auth(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<LinkAuth, Response> {
    verify(shared, PAYMENT_LINK, headers, body)
        .and_then(|fields| decrypted(shared, &fields, |a: &LinkAuth| &a.mc_id))
}

fn invalid() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "PTL04",
        "Parameter validation required",
    )
}

fn unknown_link() -> Response {
    error(StatusCode::FORBIDDEN, "96", "Invalid merchant data")
}

/// Reads and checks what create asks for: PayWay's page rules, `PTL04` for any of them.
fn new_link(shared: &Shared, auth: CreateAuth, image: Option<&String>) -> Option<NewLink> {
    let title = auth
        .title
        .filter(|t| !t.trim().is_empty() && t.chars().count() <= 250)?;
    let currency = auth.currency.filter(|c| c == "USD" || c == "KHR")?;
    let amount = Decimal::from_str(auth.amount.as_deref()?.trim()).ok()?;
    let (minimum, scale) = if currency == "KHR" {
        (Decimal::from(100), 0)
    } else {
        (Decimal::new(1, 2), 2)
    };
    if amount < minimum || amount.normalize().scale() > scale {
        return None;
    }
    let description = auth.description.unwrap_or_default();
    if description.chars().count() > 250 {
        return None;
    }
    let payment_limit = match auth.payment_limit.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse::<u32>().ok().filter(|n| *n > 0)?),
    };
    let expires_at = match auth.expired_date.as_deref().map(str::trim) {
        None | Some("") | Some("0") => None,
        Some(text) => {
            let at = OffsetDateTime::from_unix_timestamp(text.parse().ok()?).ok()?;
            // Live: +150 s was refused, +300 s taken.
            if at < shared.now() + Duration::from_secs(300) {
                return None;
            }
            Some(at)
        }
    };
    let callback_url = String::from_utf8(BASE64.decode(auth.return_url?).ok()?).ok()?;
    let merchant_ref = auth.merchant_ref_no.unwrap_or_default();
    if merchant_ref.chars().count() > 50 {
        return None;
    }
    if let Some(payouts) = &auth.payout {
        let sum: Decimal = payouts.iter().filter_map(|p| p.amt).sum();
        let named = payouts
            .iter()
            .all(|p| !p.acc.trim().is_empty() && p.amt.is_some());
        if payouts.is_empty() || payouts.len() > 10 || !named || sum != amount {
            return None;
        }
    }
    Some(NewLink {
        title,
        description,
        amount,
        currency,
        payment_limit,
        expires_at,
        callback_url: Some(callback_url),
        merchant_ref,
        // PayWay renames the upload; the size it reports is 0.
        image: image.map(|_| format!("payment_link_image_{}.png", shared.now().unix_timestamp())),
    })
}

/// The link as create (`expired_date` a number) or detail (a string) answers it.
fn link_json(shared: &Shared, link: &SimLink, detail: bool) -> J {
    let refunded: Decimal = {
        let ledger = shared.ledger();
        link.payments
            .iter()
            .filter_map(|id| ledger.get(Provider::Payway, id).ok())
            .map(SimOrder::refunded)
            .sum()
    };
    let expired = link.expires_at.map_or(0, OffsetDateTime::unix_timestamp);
    let status = match link.status {
        LinkStatus::Open => "OPEN",
        LinkStatus::Paid => "PAID",
        LinkStatus::Voided => "VOIDED",
    };
    J::O(vec![
        ("id", J::s(&link.id)),
        ("title", J::s(&link.title)),
        (
            "image",
            J::O(vec![
                // The simulator keeps an upload's name, not its bytes: no URL to host it at.
                ("image", J::s("")),
                ("filename", J::s(link.image.clone().unwrap_or_default())),
                ("size", J::int(0)),
            ]),
        ),
        ("amount", J::num(link.amount)),
        ("currency", J::s(&link.currency)),
        ("status", J::s(status)),
        ("description", J::s(&link.description)),
        ("payment_limit", J::int(link.payment_limit.unwrap_or(0))),
        ("total_amount_org", J::s(link.collected().to_string())),
        ("total_refund", J::s(refunded.to_string())),
        ("total_amount", J::num(link.collected() - refunded)),
        ("total_trxn", J::int(link.payments.len() as u64)),
        ("created_at", J::s(date(link.created_at))),
        ("updated_at", J::s(date(link.updated_at))),
        (
            "expired_date",
            if detail {
                J::s(expired.to_string())
            } else {
                J::int(expired)
            },
        ),
        (
            "return_url",
            J::s(link.callback_url.clone().unwrap_or_default()),
        ),
        ("merchant_ref_no", J::s(&link.merchant_ref)),
        ("outlet_id", J::s("U2FuZGJveE91dGxldA==")),
        ("outlet_name", J::s("paygate sandbox")),
        ("payout", J::A(Vec::new())),
        (
            "payment_link",
            J::s(format!(
                "{}/_sandbox/link/payway/{}",
                shared.base, link.slug
            )),
        ),
    ])
}

/// PayWay's request log id: a number.
fn request_number(shared: &Shared) -> J {
    J::int(shared.ledger().next_id())
}

pub(super) async fn create_link(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match verify(&shared, PAYMENT_LINK, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let auth = match decrypted(&shared, &fields, |a: &CreateAuth| &a.mc_id) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(new) = new_link(&shared, auth, fields.get("image")) else {
        return invalid();
    };
    let link = shared.links().create(Provider::Payway, new, shared.now());
    J::O(vec![
        ("data", link_json(&shared, &link, false)),
        ("status", status("00", "Success!", None)),
        ("tran_id", request_number(&shared)),
    ])
    .respond(StatusCode::OK)
}

pub(super) async fn link_detail(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth = match link_auth(&shared, &headers, &body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Ok(link) = shared.links().get(Provider::Payway, &auth.id).cloned() else {
        return unknown_link();
    };
    J::O(vec![
        ("data", link_json(&shared, &link, true)),
        ("status", status("00", "Success!", None)),
        ("tran_id", request_number(&shared)),
    ])
    .respond(StatusCode::OK)
}

pub(super) async fn void_link(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth = match link_auth(&shared, &headers, &body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let voided = shared
        .links()
        .void(Provider::Payway, &auth.id, shared.now());
    match voided {
        Ok(_) => J::O(vec![
            ("status", status("00", "Success.", None)),
            ("tran_id", request_number(&shared)),
        ])
        .respond(StatusCode::OK),
        Err(Refusal::InvalidState) => error(
            StatusCode::FORBIDDEN,
            "PTL188",
            "The payment link is already voided.",
        ),
        Err(_) => unknown_link(),
    }
}
