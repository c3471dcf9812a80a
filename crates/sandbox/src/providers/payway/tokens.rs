//! Credentials on file (v3): link-account (JSON; answers a QR and a deep link to approve),
//! link-card (a browser form; answers a redirect to the add-card page), get-token-details,
//! payment with a token, renew and remove, each signed in its own order and refused with the
//! codes PayWay's sandbox gave: `01` wrong hash, `04` with an `errors` map for a field the
//! binding layer refuses (HTTP 400), `09` no token for the request, `105` an invalid token.

use super::verify::verify;
use super::*;
use crate::tokens::{CredentialKind, SimTokenLink, TokenStatus};

/// The link endpoints' `token_flag` values (the binding layer's list).
const LINK_FLAGS: [&str; 4] = ["CITI_FLEX", "CITO_FLEX", "CITO_FIX", "CITR_FLEX"];
/// A payment's `token_flag` values.
const PAY_FLAGS: [&str; 5] = [
    "CITU_FLEX",
    "MITU_FLEX",
    "MITU_FIX",
    "MITR_FLEX",
    "MITR_FIX",
];

/// HTTP 400, code `04`, the binding layer's `errors` map naming `field`.
fn invalid(field: &'static str, message: &str) -> Response {
    J::O(vec![(
        "status",
        J::O(vec![
            ("code", J::s("04")),
            ("message", J::s("The given data was invalid.")),
            ("errors", J::O(vec![(field, J::A(vec![J::s(message)]))])),
        ]),
    )])
    .respond(StatusCode::BAD_REQUEST)
}

fn ok(data: Option<J>, tran_id: Option<&str>) -> Response {
    let mut members = vec![("status", status("00", "Success", tran_id))];
    if let Some(data) = data {
        members.push(("data", data));
    }
    J::O(members).respond(StatusCode::OK)
}

fn invalid_token() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "105",
        "Invalid payment credential token",
    )
}

/// The link request a link-account or link-card body asks for, or the `04` refusal.
fn link_request(
    shared: &Shared,
    fields: &BTreeMap<String, String>,
    kind: CredentialKind,
) -> Result<SimTokenLink, Response> {
    let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    let request_id = get("request_id");
    let id_ok = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if !(5..=24).contains(&request_id.len()) || !request_id.chars().all(id_ok) {
        return Err(invalid("request_id", "The request id field is invalid."));
    }
    let ctid = get("ctid");
    if ctid.is_empty() || ctid.len() > 255 {
        return Err(invalid("ctid", "The ctid field is required."));
    }
    let flag = get("token_flag");
    if !LINK_FLAGS.contains(&flag) {
        return Err(invalid("token_flag", "The selected token flag is invalid."));
    }
    let currency = get("currency");
    if currency != "USD" && currency != "KHR" {
        return Err(invalid("currency", "The selected currency is invalid."));
    }
    // A recurring card link needs its frequency (seen live); an account link may carry one.
    let recurring = flag == "CITR_FLEX";
    let frequency = match (recurring, get("frequency")) {
        (true, f @ ("1W" | "1M" | "2M")) => Some(f.to_owned()),
        (true, "") if kind == CredentialKind::Account => None,
        (true, _) => return Err(invalid("frequency", "The frequency field is required.")),
        (false, "") => None,
        (false, _) => return Err(invalid("frequency", "The frequency field is invalid.")),
    };
    let amount = match get("amount") {
        "" => None,
        text => Some(
            Decimal::from_str(text)
                .ok()
                .filter(|a| *a > Decimal::ZERO)
                .ok_or_else(|| invalid("amount", "The amount field is invalid."))?,
        ),
    };
    let decoded = |name: &str| {
        BASE64
            .decode(get(name))
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|u| !u.is_empty())
    };
    let continue_success_url =
        Some(get("continue_success_url").to_owned()).filter(|u| !u.is_empty());
    Ok(SimTokenLink {
        provider: Provider::Payway,
        request_id: request_id.to_owned(),
        ctid: ctid.to_owned(),
        token_flag: flag.to_owned(),
        currency: currency.to_owned(),
        frequency,
        amount,
        kind,
        callback_url: decoded("callback_url"),
        continue_success_url,
        token: None,
        created_at: shared.now(),
    })
}

fn page_url(shared: &Shared, request_id: &str) -> String {
    format!("{}/_sandbox/token-link/payway/{request_id}", shared.base)
}

pub(super) async fn link_account(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match verify(&shared, ACCOUNT_LINK, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let link = match link_request(&shared, &fields, CredentialKind::Account) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let request_id = link.request_id.clone();
    if shared.tokens().start(link).is_err() {
        return invalid("request_id", "The request id has already been taken.");
    }
    // The QR names the link (no bank app can scan it); the deep link opens the page where the
    // customer approves.
    let tag = format!("sbxlink{request_id}");
    ok(
        Some(J::O(vec![
            (
                "qr_string",
                J::s(format!("00020101021230{:02}{tag}6304SBOX", tag.len())),
            ),
            ("deeplink", J::s(page_url(&shared, &request_id))),
        ])),
        None,
    )
}

/// The add-card form, posted by the customer's browser: a redirect to the sandbox's page.
pub(super) async fn link_card(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match verify(&shared, CARD_LINK, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let link = match link_request(&shared, &fields, CredentialKind::Card) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let request_id = link.request_id.clone();
    if shared.tokens().start(link).is_err() {
        return invalid("request_id", "The request id has already been taken.");
    }
    // PayWay answers 302 to its add-card page.
    (
        StatusCode::FOUND,
        [(header::LOCATION, page_url(&shared, &request_id))],
    )
        .into_response()
}

pub(super) async fn token_details(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match verify(&shared, TOKEN_DETAILS, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let request_id = fields.get("request_id").cloned().unwrap_or_default();
    let tokens = shared.tokens();
    let Some((link, token)) = tokens
        .get(Provider::Payway, &request_id)
        .ok()
        .and_then(|link| link.token.as_ref().map(|t| (link, t)))
    else {
        return error(StatusCode::FORBIDDEN, "09", "Data not found");
    };
    let status_code = match token.status {
        TokenStatus::Active => "1",
        TokenStatus::Removed => "0",
    };
    ok(
        Some(J::O(vec![
            ("ctid", J::s(&link.ctid)),
            ("pwt", J::s(&token.pwt)),
            ("status", J::N(status_code.to_owned())),
            ("token_flag", J::s(&link.token_flag)),
        ])),
        None,
    )
}

pub(super) async fn token_payment(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match verify(&shared, TOKEN_PAYMENT, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    if !PAY_FLAGS.contains(&get("token_flag")) {
        return invalid("token_flag", "The selected token flag is invalid.");
    }
    let id = get("tran_id").to_owned();
    if id.is_empty() || id.len() > 20 {
        return error(StatusCode::FORBIDDEN, "2", "Invalid tran_id");
    }
    let currency = get("currency").to_ascii_uppercase();
    let amount = match super::handlers::purchase_amount(get("amount"), &currency) {
        Ok(a) => a,
        Err(r) => return r,
    };
    {
        let mut tokens = shared.tokens();
        let Some(link) = tokens.by_token(Provider::Payway, get("ctid"), get("pwt")) else {
            return invalid_token();
        };
        let Some(token) = link
            .token
            .as_mut()
            .filter(|t| t.status == TokenStatus::Active)
        else {
            return invalid_token();
        };
        if link.currency != currency {
            return error(StatusCode::FORBIDDEN, "12", "Currency is not allowed");
        }
        let mut order = super::handlers::new_order(
            &shared,
            &id,
            amount,
            &currency,
            get("purchase_type") == "pre-auth",
            get("callback_url"),
        );
        order.payment_method = "ABA PAY".to_owned();
        if shared.ledger().create(order).is_err() {
            return error(StatusCode::FORBIDDEN, "4", "Duplicate tran_id");
        }
        token.payments.push(id.clone());
    }
    // The saved credentials pay at once (no customer step in the sandbox); the pushback goes
    // to `callback_url` like any payment's.
    if let Err(refusal) = shared.pay(Provider::Payway, &id) {
        tracing::warn!(%refusal, "token payment could not be settled");
    }
    ok(None, Some(&id))
}

pub(super) async fn token_renew(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match verify(&shared, TOKEN_RENEW, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    let mut tokens = shared.tokens();
    let renewed = tokens
        .by_token(Provider::Payway, get("ctid"), get("pwt"))
        .filter(|link| link.kind == CredentialKind::Account)
        .and_then(|link| link.token.as_mut())
        .filter(|t| t.status == TokenStatus::Active)
        .map(|t| t.renewals += 1);
    match renewed {
        Some(()) => ok(None, None),
        None => invalid_token(),
    }
}

/// Removing an unknown token is `00` too (seen live): removal is repeatable.
pub(super) async fn token_remove(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match verify(&shared, TOKEN_REMOVE, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    let mut tokens = shared.tokens();
    if let Some(token) = tokens
        .by_token(Provider::Payway, get("ctid"), get("pwt"))
        .and_then(|link| link.token.as_mut())
    {
        token.status = TokenStatus::Removed;
    }
    ok(None, None)
}
