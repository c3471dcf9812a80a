//! The shop's pages and forms.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use paygate::sandbox::Provider;
use paygate::{CreatePayment, Currency, Customer, Money, NextAction, OrderId, PaymentGateway, Url};
use serde::Deserialize;

use crate::admin_pages;
use crate::{Shop, ShopOrder, ShopStatus};

pub(crate) fn router(shop: Arc<Shop>) -> Router {
    Router::new()
        .route("/", get(product))
        .route("/checkout", post(checkout))
        .route("/orders/{id}/return", get(returned))
        .route("/orders/{id}/cancel", get(returned))
        .route(
            "/login",
            get(admin_pages::login_page).post(admin_pages::log_in),
        )
        .route("/logout", post(admin_pages::log_out))
        .route("/admin", get(admin_pages::admin))
        .route("/admin/orders/{id}/refund", post(admin_pages::refund))
        .route("/admin/orders/{id}/refresh", post(admin_pages::refresh))
        .route("/metrics", get(metrics_page))
        .fallback(|| async { problem(StatusCode::NOT_FOUND, "There is no such page.") })
        .method_not_allowed_fallback(|| async {
            problem(
                StatusCode::METHOD_NOT_ALLOWED,
                "This page does not take that request.",
            )
        })
        .with_state(shop)
}

/// The SDK's metrics (operations, latencies, retries, webhooks) in Prometheus' text format.
async fn metrics_page() -> Response {
    match crate::metrics_handle() {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "another metrics recorder is installed in this process",
        ),
    }
}

pub(crate) fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) fn page(title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{} · Kampot Pepper Co.</title>\
         <style>body{{font-family:sans-serif;max-width:48em;margin:2em auto}}\
         td,th{{padding:.3em .6em;text-align:left}}.flash{{background:#ffd;padding:.5em}}</style>\
         </head><body><p><a href=\"/\">Shop</a> · <a href=\"/admin\">Admin</a></p>{body}</body></html>",
        esc(title)
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Fetched afresh when visited, but kept for the Back button: a form shown again
            // by Back carries the key it was shown with, so sending it again is answered,
            // not made a second time.
            (header::CACHE_CONTROL, "private, max-age=0"),
        ],
        html,
    )
        .into_response()
}

pub(crate) fn problem(status: StatusCode, text: &str) -> Response {
    (
        status,
        page("Problem", &format!("<p id=\"problem\">{}</p>", esc(text))),
    )
        .into_response()
}

pub(crate) fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// The product's price with `gateway`: the sandbox's typical order in the provider's
/// currency.
fn price(gateway: &dyn PaymentGateway) -> Option<Money> {
    let sample = Provider::from_name(gateway.provider())?.sample();
    Money::parse(sample.total, Currency::from_code(sample.currency).ok()?).ok()
}

async fn product(State(shop): State<Arc<Shop>>) -> Response {
    let mut options = String::new();
    for (name, gateway) in shop.registry.iter() {
        let Some(price) = price(gateway.as_ref()) else {
            continue;
        };
        options.push_str(&format!(
            "<p><label><input type=\"radio\" name=\"gateway\" value=\"{0}\" id=\"gw-{0}\" required> \
             {0}: {1}</label></p>",
            esc(name),
            esc(&price.to_string())
        ));
    }
    page(
        "Kampot pepper",
        &format!(
            "<h1>Kampot pepper, 250 g</h1><p>Red Kampot pepper, sun-dried.</p>\
             <form method=\"post\" action=\"/checkout\"><h2>Pay with</h2>{options}\
             <button id=\"buy\">Buy</button></form>"
        ),
    )
}

#[derive(Deserialize)]
struct CheckoutForm {
    gateway: String,
}

async fn checkout(State(shop): State<Arc<Shop>>, Form(form): Form<CheckoutForm>) -> Response {
    let Some(gateway) = shop.registry.get(&form.gateway) else {
        return problem(StatusCode::BAD_REQUEST, "no such way to pay");
    };
    let Some(amount) = price(gateway.as_ref()) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "this product has no price in that currency",
        );
    };
    // A new id, never one an order kept from an earlier run has.
    let id = loop {
        let n = shop.next_order.fetch_add(1, Ordering::Relaxed);
        let id = format!("{}N{n}", shop.order_prefix);
        if !shop.orders().contains_key(&id) {
            break id;
        }
    };
    let base = &shop.base_url;
    let request = OrderId::new(id.clone())
        .and_then(|order_id| CreatePayment::new(order_id, amount))
        .and_then(|request| {
            let url = |path: String| {
                Url::parse(&format!("{base}{path}"))
                    .map_err(|e| paygate::Error::invalid("url", e.to_string()))
            };
            Ok(request
                .description("Kampot pepper, 250 g")
                .customer(
                    Customer::new()
                        .name("Dara", "Sok")
                        .email("dara@example.com")
                        .phone("+6281234567890"),
                )
                .return_url(url(format!("/orders/{id}/return"))?)
                .cancel_url(url(format!("/orders/{id}/cancel"))?)
                .callback_url(url(format!("/webhooks/{}", form.gateway))?))
        });
    let request = match request {
        Ok(request) => request,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    // Kept before the provider hears of it: a crash, or a notification faster than this
    // page, then finds the order (the provider's own id comes with its answer, below).
    shop.orders().insert(
        id.clone(),
        ShopOrder {
            id: id.clone(),
            gateway: form.gateway.clone(),
            provider_order_id: id.clone(),
            amount,
            refunded: Money::zero(amount.currency()),
            status: ShopStatus::AwaitingPayment,
            note: None,
            read: None,
        },
    );
    if let Err(e) = shop.persist(&id) {
        shop.orders().remove(&id);
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("The order could not be kept, so no payment was started: {e}"),
        );
    }
    let checkout = match gateway.create_payment(&request).await {
        Ok(checkout) => checkout,
        Err(e) => {
            if let Some(kept) = shop.orders().get_mut(&id) {
                kept.status = ShopStatus::Other("not started".into());
                kept.note = Some(format!("the payment could not be started: {e}"));
            }
            let _ = shop.persist(&id);
            return problem(
                StatusCode::BAD_GATEWAY,
                &format!("The payment could not be started: {e}"),
            );
        }
    };
    if let Some(kept) = shop.orders().get_mut(&id) {
        kept.provider_order_id = checkout.payment_id.to_string();
    }
    if let Err(e) = shop.persist(&id) {
        // The order stays in memory (its notification still finds it); only a restart
        // would lose the provider's id.
        tracing::error!(order = %id, error = %e, "the provider's id of the order was not saved");
    }
    match &checkout.next_action {
        NextAction::Redirect { url } => see_other(url.as_str()),
        NextAction::PostForm { url, fields } => {
            let inputs: String = fields
                .iter()
                .map(|(name, value)| {
                    format!(
                        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                        esc(name),
                        esc(value)
                    )
                })
                .collect();
            page(
                "Payment",
                &format!(
                    "<form method=\"post\" action=\"{}\">{inputs}<button id=\"continue\">Continue to payment</button></form>",
                    esc(url.as_str())
                ),
            )
        }
        NextAction::ShowQr { qr_string, url, .. } => page(
            "Payment",
            &format!(
                "<p>Scan to pay: <code>{}</code></p>{}",
                esc(qr_string),
                url.as_ref()
                    .map(|u| format!(
                        "<p><a id=\"continue\" href=\"{}\">Open the payment page</a></p>",
                        esc(u.as_str())
                    ))
                    .unwrap_or_default()
            ),
        ),
        NextAction::PayWithCode { code } => page(
            "Payment",
            &format!("<p>Pay to code <code>{}</code>.</p>", esc(code)),
        ),
        _ => problem(
            StatusCode::BAD_GATEWAY,
            "the provider asked for a step this shop does not know",
        ),
    }
}

/// The return (and cancel) page: the order as the shop knows it, confirmed by a status read
/// while no webhook has said it is paid.
/// How long the return page waits for the provider's notification before it reads the
/// payment's status itself.
const WEBHOOK_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

async fn returned(State(shop): State<Arc<Shop>>, Path(id): Path<String>) -> Response {
    let Some(mut order) = shop.orders().get(&id).cloned() else {
        return problem(StatusCode::NOT_FOUND, "no such order");
    };
    // The provider's notification and the customer race back here: wait for it a little,
    // then read the status (a shop whose notifications fail still tells its customers).
    let waited = std::time::Instant::now();
    while matches!(order.status, ShopStatus::AwaitingPayment) && waited.elapsed() < WEBHOOK_GRACE {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        match shop.orders().get(&id) {
            Some(kept) => order = kept.clone(),
            None => return problem(StatusCode::NOT_FOUND, "no such order"),
        }
    }
    // What a status read says is kept when it says something new (paid, declined,
    // cancelled); "still pending" is only shown: this page is public, and a customer still
    // paying in another tab must not have the order marked unpaid.
    let mut unfinished = false;
    if matches!(order.status, ShopStatus::AwaitingPayment)
        && let Some(read) = read_status(&shop, &order).await
    {
        let mut orders = shop.orders();
        if let Some(kept) = orders.get_mut(&id) {
            kept.status = kept.status.after(&read, "status read");
            unfinished = matches!(kept.status, ShopStatus::AwaitingPayment);
        }
        drop(orders);
        if !unfinished {
            let _ = shop.persist(&id);
        }
    }
    let Some(order) = shop.orders().get(&id).cloned() else {
        return problem(StatusCode::NOT_FOUND, "no such order");
    };
    let label = if unfinished {
        // Back from the provider, unpaid, and the provider says no more.
        "not paid (cancelled or unfinished)".to_owned()
    } else {
        order.status.label()
    };
    let how = match &order.status {
        ShopStatus::Paid(how) => format!(" <small id=\"paid-by\">(confirmed by {how})</small>"),
        _ => String::new(),
    };
    page(
        "Your order",
        &format!(
            "<h1>Order <span id=\"order-id\">{}</span></h1><p>{}: <b id=\"status\">{}</b>{how}</p>\
             <p><a href=\"/\">Back to the shop</a></p>",
            esc(&order.id),
            esc(&order.amount.to_string()),
            esc(&label),
        ),
    )
}

pub(crate) async fn read_status(shop: &Shop, order: &ShopOrder) -> Option<paygate::PaymentStatus> {
    let gateway = shop.registry.get(&order.gateway)?;
    let order_id = OrderId::new(order.provider_order_id.clone()).ok()?;
    match gateway.payment_status(&order_id).await {
        Ok(payment) => Some(payment.status),
        Err(e) => {
            tracing::warn!(order = %order.id, error = %e, "status read failed");
            None
        }
    }
}
