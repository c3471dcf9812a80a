//! The admin's pages: logging in and out, the order list, a row's status read and its
//! refund form.

use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use paygate::{ErrorClass, Money, OrderId, PaymentGateway, RefundReference, RefundRequest};
use serde::Deserialize;

use crate::admin::Refusal;
use crate::pages::{esc, page, problem, see_other};
use crate::{Shop, ShopOrder, ShopStatus, StatusRead};

pub(crate) async fn login_page() -> Response {
    page(
        "Log in",
        "<h1>Admin</h1><form method=\"post\" action=\"/login\">\
         <label>Password <input id=\"password\" name=\"password\" type=\"password\" \
         autocomplete=\"current-password\"></label> <button id=\"login\">Log in</button></form>",
    )
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    password: String,
}

pub(crate) async fn log_in(State(shop): State<Arc<Shop>>, Form(form): Form<LoginForm>) -> Response {
    match shop.admin.log_in(&form.password) {
        Some(cookie) => {
            let mut answer = see_other("/admin");
            answer.headers_mut().insert(header::SET_COOKIE, cookie);
            answer
        }
        None => problem(
            StatusCode::UNAUTHORIZED,
            "That is not the admin password (the shop printed it when it started, unless SHOP_ADMIN_PASSWORD set it).",
        ),
    }
}

pub(crate) async fn log_out(State(shop): State<Arc<Shop>>, headers: HeaderMap) -> Response {
    let mut answer = see_other("/login");
    answer
        .headers_mut()
        .insert(header::SET_COOKIE, shop.admin.log_out(&headers));
    answer
}

/// The answer to a request that is not a logged-in admin's.
fn refused(refusal: &Refusal) -> Response {
    match refusal {
        Refusal::NotLoggedIn => see_other("/login"),
        Refusal::Forged => problem(
            StatusCode::FORBIDDEN,
            "This form was not sent from this shop's admin page (its token is missing or stale, or it came from another site): nothing was done. Reload the admin page.",
        ),
    }
}

/// The orders, as the shop recorded them: no live read per order (a row's Refresh reads
/// one).
pub(crate) async fn admin(State(shop): State<Arc<Shop>>, headers: HeaderMap) -> Response {
    let (_, csrf, flash) = match shop.admin.session(&headers) {
        Ok(session) => session,
        Err(refusal) => return refused(&refusal),
    };
    let csrf = esc(&csrf);
    // The newest 50, newest first, in the order they were made (not their ids' text order).
    let newest = match shop.store.newest_ids(50) {
        Ok(ids) => ids,
        Err(e) => {
            return problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("the orders could not be read: {e}"),
            );
        }
    };
    let orders: Vec<ShopOrder> = {
        let kept = shop.orders();
        newest
            .iter()
            .filter_map(|id| kept.get(id).cloned())
            .collect()
    };
    let mut rows = String::new();
    for order in orders {
        let (unified, native) = match &order.read {
            Some(read) => (read.unified.clone(), read.native.clone()),
            None => ("not read yet".into(), String::new()),
        };
        let remaining = order
            .amount
            .checked_sub(&order.refunded)
            .map(|m| m.amount().to_string())
            .unwrap_or_default();
        let key = match refund_key(&shop, &order).await {
            Ok(key) => key,
            Err(e) => format!("unavailable: {e}"),
        };
        let id = esc(&order.id);
        rows.push_str(&format!(
            "<tr id=\"order-{id}\"><td>{id}</td><td>{}</td><td>{}</td><td id=\"refunded-{id}\">{}</td>\
             <td id=\"status-{id}\">{}</td><td id=\"unified-{id}\">{}</td><td>{}</td><td>{}</td>\
             <td><form method=\"post\" action=\"/admin/orders/{id}/refresh\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <button id=\"refresh-{id}\">Refresh</button></form></td>\
             <td><form method=\"post\" action=\"/admin/orders/{id}/refund\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <input type=\"hidden\" name=\"key\" value=\"{}\">\
             <input id=\"amount-{id}\" name=\"amount\" value=\"{}\" size=\"9\">\
             <button id=\"refund-{id}\">Refund</button></form></td></tr>",
            esc(&order.gateway),
            esc(&order.amount.to_string()),
            esc(&order.refunded.to_string()),
            esc(&order.status.label()),
            esc(&unified),
            esc(&native),
            esc(order.note.as_deref().unwrap_or("")),
            esc(&key),
            esc(&remaining),
        ));
    }
    let flash = flash
        .map(|f| format!("<p class=\"flash\" id=\"flash\">{}</p>", esc(&f)))
        .unwrap_or_default();
    page(
        "Admin",
        &format!(
            "<h1>Orders</h1><form method=\"post\" action=\"/logout\"><button id=\"logout\">Log out</button></form>\
             {flash}<table><tr><th>Order</th><th>Gateway</th><th>Amount</th>\
             <th>Refunded</th><th>Shop status</th><th>Unified status (last read)</th><th>Provider status</th>\
             <th>Note</th><th></th><th>Refund</th></tr>{rows}</table>"
        ),
    )
}

#[derive(Deserialize)]
pub(crate) struct RefreshForm {
    csrf: String,
}

/// Reads one order's status now, and keeps what it says.
pub(crate) async fn refresh(
    State(shop): State<Arc<Shop>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<RefreshForm>,
) -> Response {
    let session = match shop.admin.check_post(&headers, &form.csrf) {
        Ok(session) => session,
        Err(refusal) => return refused(&refusal),
    };
    let Some(order) = shop.orders().get(&id).cloned() else {
        return problem(StatusCode::NOT_FOUND, "There is no such order.");
    };
    let read = match shop.registry.get(&order.gateway) {
        Some(gateway) => match OrderId::new(order.provider_order_id.clone()) {
            Ok(order_id) => gateway
                .payment_status(&order_id)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
        None => Err(format!("gateway {} is not configured", order.gateway)),
    };
    let message = match read {
        Ok(payment) => {
            if let Some(kept) = shop.orders().get_mut(&id) {
                kept.status = kept.status.after(&payment.status, "status read");
                kept.read = Some(StatusRead {
                    unified: payment.status.to_string(),
                    native: payment.provider_status.clone(),
                });
            }
            // (A failed save is logged; the admin still sees what the provider said.)
            let _ = shop.persist(&id);
            format!(
                "Order {id}: {} ({}).",
                payment.status, payment.provider_status
            )
        }
        Err(e) => format!("Order {id}: its status could not be read: {e}."),
    };
    shop.admin.flash(&session, message);
    see_other("/admin")
}

#[derive(Deserialize)]
pub(crate) struct RefundForm {
    /// This session's CSRF token.
    csrf: String,
    /// The refund's journal key, minted when the form was shown (see [`refund_key`]).
    key: String,
    amount: String,
}

pub(crate) async fn refund(
    State(shop): State<Arc<Shop>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<RefundForm>,
) -> Response {
    let session = match shop.admin.check_post(&headers, &form.csrf) {
        Ok(session) => session,
        Err(refusal) => return refused(&refusal),
    };
    let message = refund_order(&shop, &id, form.key.trim(), form.amount.trim()).await;
    shop.admin.flash(&session, message);
    see_other("/admin")
}

/// The journal key of the next refund of `order`, minted when its form is shown: the order's
/// id and how many refunds the journal holds for it then. Submitting the form again (Back,
/// a double click, a second tab showing the same state, curl) sends the same key, which the
/// journal answers from its entry: one refund per intent. A form shown after that refund
/// (or after one refused) carries the next key.
async fn refund_key(shop: &Shop, order: &ShopOrder) -> Result<String, String> {
    let gateway = shop
        .registry
        .get(&order.gateway)
        .ok_or_else(|| format!("gateway {} is not configured", order.gateway))?;
    let refunds = journaled_refunds(shop, gateway.as_ref(), order)
        .await?
        .len();
    Ok(format!("{}R{}", order.id, refunds + 1))
}

/// The journal's refund entries on `order`, in any state.
async fn journaled_refunds(
    shop: &Shop,
    gateway: &dyn PaymentGateway,
    order: &ShopOrder,
) -> Result<Vec<paygate::journal::Entry>, String> {
    let journal = shop.registry.journal().ok_or("the shop has no journal")?;
    let entries = journal
        .entries(&paygate::journal::EntryFilter {
            account: Some(gateway.account().fingerprint()),
            order_id: Some(order.provider_order_id.clone()),
            ..paygate::journal::EntryFilter::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(entries
        .into_iter()
        .filter(|e| e.operation == paygate::journal::WriteOperation::Refund)
        .collect())
}

/// Refunds `amount` of order `id` through the journal under `key` (the form's); what to
/// tell the admin.
async fn refund_order(shop: &Shop, id: &str, key: &str, amount: &str) -> String {
    let Some(order) = shop.orders().get(id).cloned() else {
        return format!("No order {id}.");
    };
    let Some(gateway) = shop.registry.get(&order.gateway) else {
        return format!("Gateway {} is not configured.", order.gateway);
    };
    // A key this shop minted for this order's form, nothing else.
    let minted = key
        .strip_prefix(id)
        .and_then(|rest| rest.strip_prefix('R'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if !minted {
        return format!(
            "Not refunded: the form's key {key:?} is not one this page made for order {id}; reload the page."
        );
    }
    let amount = match Money::parse(amount, order.amount.currency()) {
        Ok(amount) => amount,
        Err(e) => return format!("Not refunded: {e}."),
    };
    let request = RefundReference::new(key).and_then(|reference| {
        OrderId::new(order.provider_order_id.clone())
            .and_then(|order_id| RefundRequest::new(order_id, amount))
            .map(|request| request.reference(reference))
    });
    let request = match request {
        Ok(request) => request,
        Err(e) => return format!("Not refunded: {e}."),
    };
    let result = gateway.refund(&request).await;
    // What was refunded in all, as the provider says: never this request's amount added to
    // the shop's figure (a resubmitted form is answered by the journal, not refunded again).
    let refunded = match &result {
        Ok(refund) => match refund.total_refunded {
            Some(total) => Some(total),
            None => refunded_now(shop, gateway.as_ref(), &order).await,
        },
        Err(_) => None,
    };
    let message = record_refund(shop, id, key, amount, result, refunded);
    // (A failed save is logged; the refund itself is in the journal either way.)
    let _ = shop.persist(id);
    message
}

/// Keeps what a refund's answer says in the order; what to tell the admin.
fn record_refund(
    shop: &Shop,
    id: &str,
    key: &str,
    amount: Money,
    result: paygate::Result<paygate::Refund>,
    refunded: Option<Money>,
) -> String {
    let mut orders = shop.orders();
    let Some(kept) = orders.get_mut(id) else {
        return format!("No order {id}.");
    };
    match result {
        Ok(_) => {
            if let Some(refunded) = refunded
                && refunded.amount() > kept.refunded.amount()
            {
                kept.refunded = refunded;
            }
            kept.status = if kept.refunded == kept.amount {
                ShopStatus::Refunded
            } else {
                ShopStatus::PartiallyRefunded
            };
            format!(
                "Refund {key} of {amount} on order {id}: done; {} refunded in all.",
                kept.refunded
            )
        }
        Err(e) if e.class() == ErrorClass::OutcomeUnknown => {
            let note = format!(
                "refund {key} of {amount}: outcome unknown, not resent (`paygate journal recover` settles it)"
            );
            kept.note = Some(note.clone());
            format!("Order {id}: {note}.")
        }
        Err(e) => format!("Not refunded: {e}."),
    }
}

/// What the provider says was refunded of `order`, read now; where it does not say (Finpay
/// and PayG report only whether a refund was made), what the journal's refunds on the order
/// that took effect add up to.
async fn refunded_now(
    shop: &Shop,
    gateway: &dyn PaymentGateway,
    order: &ShopOrder,
) -> Option<Money> {
    if let Ok(id) = OrderId::new(order.provider_order_id.clone())
        && let Ok(payment) = gateway.payment_status(&id).await
        && let Some(refunded) = payment.refunded_amount
        && !(refunded.is_zero() && payment.status != paygate::PaymentStatus::Paid)
    {
        return Some(refunded);
    }
    journaled_refunds(shop, gateway, order)
        .await
        .ok()?
        .iter()
        .filter(|e| e.state.took_effect())
        .filter_map(|e| Money::parse(e.amount.as_deref()?, order.amount.currency()).ok())
        .try_fold(Money::zero(order.amount.currency()), |sum, m| {
            sum.checked_add(&m).ok()
        })
}
