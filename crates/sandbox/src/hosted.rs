//! Each provider's hosted checkout page, as a tester meets it: the order, a KHQR for PayWay's
//! QR options, and buttons to pay (authorize, for a pre-authorization), decline or cancel.
//! Each action moves the order on and sends the browser back to the URL the merchant gave for
//! that outcome at creation ([`crate::ReturnUrls`]), as the provider does; without one, the
//! page shows the outcome itself, with a link back to the merchant when there is one. A
//! payment also delivers the provider's notification (see `delivery.rs`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::control::{provider_of, refusal};
use crate::links::LinkStatus;
use crate::state::{Refusal, SimOrder, Stage};
use crate::{Provider, Shared};

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>body{{font-family:sans-serif;max-width:32em;margin:2em auto}}\
         button{{font-size:1.1em;margin:.3em}}.qr svg{{width:14em;height:14em}}</style>\
         </head><body>{body}</body></html>",
        escape(title)
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

pub(crate) fn brand(provider: Provider) -> &'static str {
    provider.simulated().brand()
}

/// The KHQR as an inline SVG (empty if the payload does not fit a QR code).
pub(crate) fn qr_svg(payload: &str) -> String {
    qrcode::QrCode::new(payload.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .build()
        })
        .unwrap_or_default()
}

fn stage_text(stage: Stage) -> &'static str {
    match stage {
        Stage::Pending => "awaiting payment",
        Stage::Authorized => "authorized",
        Stage::Paid => "paid",
        Stage::Voided => "voided",
        Stage::Cancelled => "cancelled",
        Stage::Declined => "declined",
        Stage::Expired => "expired",
    }
}

/// `GET /_sandbox/checkout/{provider}/{id}`.
pub(crate) async fn page(
    State(shared): State<Arc<Shared>>,
    Path((provider, id)): Path<(String, String)>,
) -> Response {
    let provider = match provider_of(&provider) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(order) = shared.ledger().get(provider, &id).cloned() else {
        return refusal(Refusal::NotFound);
    };
    let mut body = format!(
        "<h1>{}</h1><p>Order <b id=\"order\">{}</b></p><p class=\"amount\">{} {}</p>",
        brand(provider),
        escape(&order.id),
        order.amount,
        escape(&order.currency),
    );
    if order.stage != Stage::Pending {
        body.push_str(&format!(
            "<p id=\"outcome\">This order is {}.</p>",
            stage_text(order.stage)
        ));
        return html(StatusCode::OK, brand(provider), &body);
    }
    if let Some(qr) = &order.qr_string {
        body.push_str(&format!(
            "<div class=\"qr\">{}</div><p>Scan this KHQR with your bank's app.</p>\
             <p><code id=\"khqr\">{}</code></p>",
            qr_svg(qr),
            escape(qr)
        ));
    }
    let pay = if order.pre_auth { "Authorize" } else { "Pay" };
    let action = |name: &str, label: &str| {
        format!(
            "<form method=\"post\" action=\"/_sandbox/checkout/{}/{}/{name}\">\
             <button id=\"{name}\">{label}</button></form>",
            provider.name(),
            escape(&order.id)
        )
    };
    body.push_str(&action("pay", pay));
    body.push_str(&action("decline", "Decline"));
    body.push_str(&action("cancel", "Cancel"));
    html(StatusCode::OK, brand(provider), &body)
}

/// `POST /_sandbox/checkout/{provider}/{id}/{pay|decline|cancel}`.
pub(crate) async fn act(
    State(shared): State<Arc<Shared>>,
    Path((provider, id, action)): Path<(String, String, String)>,
) -> Response {
    let provider = match provider_of(&provider) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let now = shared.now();
    let done: Result<SimOrder, Refusal> = match action.as_str() {
        "pay" => shared
            .pay(provider, &id)
            .and_then(|_| shared.ledger().get(provider, &id).cloned()),
        "decline" => shared.decline(provider, &id),
        "cancel" => shared.ledger().cancel(provider, &id, now),
        _ => return (StatusCode::NOT_FOUND, "unknown action").into_response(),
    };
    let order = match done {
        Ok(order) => order,
        Err(r) => return refusal(r),
    };
    let urls = &order.return_urls;
    let back = match order.stage {
        Stage::Declined => urls.declined.as_ref(),
        Stage::Cancelled => urls.cancelled.as_ref(),
        _ => urls.paid.as_ref(),
    };
    if let Some(url) = back {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, url.as_str())]).into_response();
    }
    let mut body = format!(
        "<h1>{}</h1><p id=\"outcome\">Order {} is {}.</p>",
        brand(provider),
        escape(&order.id),
        stage_text(order.stage)
    );
    if let Some(merchant) = urls.cancelled.as_ref().or(urls.paid.as_ref()) {
        body.push_str(&format!(
            "<p><a id=\"back\" href=\"{}\">Return to merchant</a></p>",
            escape(merchant)
        ));
    }
    html(StatusCode::OK, brand(provider), &body)
}

/// `GET /_sandbox/link/{provider}/{slug}`: a payment link as its payer meets it, with a Pay
/// button while it takes payments (open, not expired).
pub(crate) async fn link_page(
    State(shared): State<Arc<Shared>>,
    Path((provider, slug)): Path<(String, String)>,
) -> Response {
    let provider = match provider_of(&provider) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(link) = shared.links().by_slug(provider, &slug).cloned() else {
        return refusal(Refusal::NotFound);
    };
    let mut body = format!(
        "<h1>{}</h1><h2 id=\"title\">{}</h2><p>{}</p><p class=\"amount\">{} {}</p>",
        brand(provider),
        escape(&link.title),
        escape(&link.description),
        link.amount,
        escape(&link.currency),
    );
    let expired = link.expires_at.is_some_and(|at| at <= shared.now());
    match (link.status, expired) {
        (LinkStatus::Open, false) => body.push_str(&format!(
            "<form method=\"post\" action=\"/_sandbox/link/{}/{}/pay\">\
             <button id=\"pay\">Pay</button></form>",
            provider.name(),
            escape(&link.slug)
        )),
        (LinkStatus::Open, true) => {
            body.push_str("<p id=\"outcome\">This link has expired.</p>");
        }
        (LinkStatus::Paid, _) => {
            body.push_str("<p id=\"outcome\">This link takes no more payments.</p>");
        }
        (LinkStatus::Voided, _) => body.push_str("<p id=\"outcome\">Invalid Data.</p>"),
    }
    html(StatusCode::OK, brand(provider), &body)
}

/// `POST /_sandbox/link/{provider}/{slug}/pay`: a payer pays through the link. Answers the
/// new order's id, the link's status after it and the notification sent, as JSON.
pub(crate) async fn link_pay(
    State(shared): State<Arc<Shared>>,
    Path((provider, slug)): Path<(String, String)>,
) -> Response {
    let provider = match provider_of(&provider) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match shared.pay_link(provider, &slug) {
        Ok((link, webhook)) => axum::Json(serde_json::json!({
            "order_id": link.payments.last(),
            "link_status": match link.status {
                LinkStatus::Open => "open",
                LinkStatus::Paid => "paid",
                LinkStatus::Voided => "voided",
            },
            "notification": webhook,
        }))
        .into_response(),
        Err(r) => refusal(r),
    }
}
