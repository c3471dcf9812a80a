//! The route: verify, confirm, record, acknowledge, then hand to the handler.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::inbox::Due;
use super::{Confirmation, ReceivedWebhook, Shared};
use crate::{
    Authenticity, Error, ErrorClass, OrderId, Payment, PaymentGateway, WebhookEvent,
    WebhookRejection,
};

pub(super) const TARGET: &str = "paygate::receiver";

pub(super) fn router<S: Clone + Send + Sync + 'static>(shared: Arc<Shared>) -> Router<S> {
    let limit = shared.max_body_bytes;
    Router::new()
        .route("/{gateway}", post(receive))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(shared)
}

/// A refusal: a status and one short line, nothing of the request in it.
fn refuse(status: StatusCode, reason: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain")], reason).into_response()
}

/// The acknowledgement the provider requires.
fn acknowledge(event: &WebhookEvent) -> Response {
    let status = StatusCode::from_u16(event.reply.status).unwrap_or(StatusCode::OK);
    let content_type = HeaderValue::from_static(event.reply.content_type);
    (
        status,
        [(header::CONTENT_TYPE, content_type)],
        event.reply.body.clone(),
    )
        .into_response()
}

/// The answer to a delivery `verify_webhook` refused.
fn rejected(gateway: &str, error: &Error) -> Response {
    let (status, reason) = match error {
        Error::WebhookRejected { reason, .. } => match reason {
            WebhookRejection::MissingSignature(_) => {
                (StatusCode::UNAUTHORIZED, "signature missing")
            }
            WebhookRejection::BadSignature => {
                (StatusCode::UNAUTHORIZED, "signature does not match")
            }
            WebhookRejection::Stale { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "event older than the accepted window",
            ),
            WebhookRejection::Mismatch(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "event outside the accepted window or not matching the order",
            ),
            WebhookRejection::Malformed(_) | WebhookRejection::MissingField(_) => (
                StatusCode::BAD_REQUEST,
                "not a notification of this provider",
            ),
            _ => (StatusCode::BAD_REQUEST, "notification refused"),
        },
        e if e.class() == ErrorClass::Unsupported => {
            (StatusCode::NOT_FOUND, "this gateway takes no webhooks")
        }
        _ => (StatusCode::BAD_REQUEST, "notification refused"),
    };
    tracing::warn!(target: TARGET, gateway, reason, "webhook refused");
    refuse(status, reason)
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(gateway) = shared.registry.get(&name) else {
        tracing::warn!(target: TARGET, "webhook for an unknown gateway");
        // The path segment is the sender's: never a metric label.
        paygate_core::metered::webhook("(unknown)", "rejected");
        return refuse(StatusCode::NOT_FOUND, "unknown gateway");
    };
    let event = match gateway.verify_webhook(&body, &headers) {
        Ok(event) => event,
        Err(error) => {
            paygate_core::metered::webhook(&name, "rejected");
            return rejected(&name, &error);
        }
    };
    // An unsigned event whose confirming read fails is recorded and acknowledged all the
    // same (PayWay and PayG send once: an error answer would lose it), then confirmed in
    // the background; the handler sees it only once a read confirms it.
    let (event, confirmation) = match event.authenticity {
        Authenticity::Verified => (event, Some(Confirmation::Signature)),
        Authenticity::Unverified => match confirm(&shared, &name, gateway.as_ref(), event).await {
            Confirmed::Now(event, confirmation) => (event, Some(confirmation)),
            Confirmed::Later(event) => (event, None),
            Confirmed::Refused(response) => {
                paygate_core::metered::webhook(&name, "rejected");
                return response;
            }
        },
    };
    let event_key = event_key(&event);
    // Held for as long as this receiver may still hand it over.
    let hold = match confirmation {
        Some(_) => shared.hold(),
        None => shared.hold_while_confirming(),
    };
    match shared
        .receipts
        .receive(&name, &event_key, &event.order_id, &body, hold)
        .await
    {
        Err(unavailable) => {
            paygate_core::metered::webhook(&name, "unavailable");
            tracing::warn!(target: TARGET, gateway = %name, order = %event.order_id, error = %unavailable.0, "webhook inbox unavailable: not acknowledged");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "cannot record the notification now",
            )
        }
        Ok(false) => {
            paygate_core::metered::webhook(&name, "duplicate");
            tracing::debug!(target: TARGET, gateway = %name, order = %event.order_id, "webhook delivered again: acknowledged, not handled again");
            acknowledge(&event)
        }
        Ok(true) => {
            let answer = acknowledge(&event);
            match confirmation {
                Some(confirmation) => {
                    paygate_core::metered::webhook(&name, "handled");
                    let webhook = ReceivedWebhook {
                        gateway: name,
                        event,
                        confirmation,
                        event_key,
                    };
                    tokio::spawn(handle(shared, webhook, 0));
                }
                None => {
                    paygate_core::metered::webhook(&name, "deferred");
                    tokio::spawn(confirm_later(shared, name, event, event_key));
                }
            }
            answer
        }
    }
}

/// Runs the handler (bounded by the receipt's hold) and marks the receipt handled when it
/// succeeds; when it fails, the receipt is due again after a wait that grows with each of
/// its `failures`. Gives the failure.
async fn handle(
    shared: Arc<Shared>,
    webhook: ReceivedWebhook,
    failures: u32,
) -> Result<(), String> {
    let (gateway, event_key, order) = (
        webhook.gateway.clone(),
        webhook.event_key.clone(),
        webhook.event.order_id.clone(),
    );
    let outcome =
        tokio::time::timeout(shared.handler_timeout, shared.handler.handle(webhook)).await;
    let error = match outcome {
        Ok(Ok(())) => {
            return match shared.receipts.mark_handled(&gateway, &event_key).await {
                Ok(()) => Ok(()),
                Err(e) => {
                    tracing::warn!(target: TARGET, gateway, order, error = %e.0, "webhook handled, but not marked so: it will be handed over again");
                    Err(format!("handled, but not marked so: {}", e.0))
                }
            };
        }
        Ok(Err(e)) => format!("its handler failed: {e}"),
        Err(_) => format!(
            "its handler took longer than {} ms",
            shared.handler_timeout.as_millis()
        ),
    };
    retry_later(&shared, &gateway, &event_key, &order, failures, &error).await;
    Err(error)
}

/// A receipt that could not be handled now (`error`): due again after a wait.
async fn retry_later(
    shared: &Shared,
    gateway: &str,
    event_key: &str,
    order: &str,
    failures: u32,
    error: &str,
) {
    let wait = shared.retry_wait(failures);
    tracing::warn!(target: TARGET, gateway, order, error, retry_in_ms = wait.as_millis(), "a webhook could not be handled: handed over again later");
    if let Err(e) = shared
        .receipts
        .retry_later(gateway, event_key, wait, error)
        .await
    {
        tracing::warn!(target: TARGET, gateway, order, error = %e.0, "could not record a webhook's failed attempt: it is handed over again once its hold ends");
    }
}

/// What identifies an event across deliveries.
fn event_key(event: &WebhookEvent) -> String {
    let status = event
        .status
        .as_ref()
        .map(|s| s.to_string())
        .or_else(|| event.provider_status.clone())
        .unwrap_or_default();
    let amount = event.amount.map(|a| a.to_string()).unwrap_or_default();
    let key = format!(
        "{}|{}|{}|{}",
        event.order_id,
        event.transaction_id.as_deref().unwrap_or_default(),
        status,
        amount
    );
    if key.len() <= 200 {
        key
    } else {
        // Longer than the inbox keeps: its digest (order ids of the providers are far
        // shorter; this is for odd input only).
        paygate_core::signing::to_hex(&<sha2::Sha256 as sha2::Digest>::digest(key.as_bytes()))
    }
}

/// What reading the payment made of an unsigned event.
enum Confirmed {
    /// Confirmed: the event with the read's status.
    Now(WebhookEvent, Confirmation),
    /// The payment could not be read now: confirm it later.
    Later(WebhookEvent),
    /// Refused: no such order, or the payment contradicts it.
    Refused(Response),
}

/// Confirms an unsigned event by reading the payment: same order, same amount when both
/// say. The event then carries the read's status.
async fn confirm(
    shared: &Shared,
    name: &str,
    gateway: &dyn PaymentGateway,
    event: WebhookEvent,
) -> Confirmed {
    let Ok(order_id) = OrderId::new(event.status_order_id()) else {
        return Confirmed::Refused(refuse(StatusCode::BAD_REQUEST, "the order id is not valid"));
    };
    let read = tokio::time::timeout(shared.confirm_within, gateway.payment_status(&order_id));
    let payment = match read.await {
        Ok(Ok(payment)) => payment,
        // The provider has no such order: a forged or misdirected notice, not worth a retry.
        Ok(Err(Error::Provider(p))) if p.kind == paygate_core::ProviderErrorKind::NotFound => {
            tracing::warn!(target: TARGET, gateway = name, order = %order_id, "an unsigned webhook names an order the provider does not have");
            return Confirmed::Refused(refuse(StatusCode::NOT_FOUND, "no such order"));
        }
        Ok(Err(error)) => {
            tracing::warn!(target: TARGET, gateway = name, order = %order_id, class = error.class().name(), "the status read confirming an unsigned webhook failed: confirming it later");
            return Confirmed::Later(event);
        }
        Err(_) => {
            tracing::warn!(target: TARGET, gateway = name, order = %order_id, "the status read confirming an unsigned webhook took too long: confirming it later");
            return Confirmed::Later(event);
        }
    };
    if let Some(mismatch) = disagreement(&event, &payment) {
        tracing::warn!(target: TARGET, gateway = name, order = %order_id, mismatch, "an unsigned webhook does not match the payment");
        return Confirmed::Refused(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the notification does not match the payment",
        ));
    }
    let (event, confirmation) = confirmed(event, payment);
    Confirmed::Now(event, confirmation)
}

/// The waits before each later attempt to confirm an unsigned event.
pub(super) const CONFIRM_LATER: [std::time::Duration; 4] = [
    std::time::Duration::from_secs(1),
    std::time::Duration::from_secs(2),
    std::time::Duration::from_secs(4),
    std::time::Duration::from_secs(8),
];

/// Confirms a recorded, acknowledged, unsigned event in the background, then hands it to
/// the handler. Still unconfirmed after the last attempt (or refused by the read), it is
/// due again later, for [`super::WebhookReceiver::run_worker`] (or
/// [`super::WebhookReceiver::handle_unhandled`]) to take up.
async fn confirm_later(shared: Arc<Shared>, name: String, event: WebhookEvent, event_key: String) {
    let Some(gateway) = shared.registry.get(&name) else {
        return;
    };
    let order = event.order_id.clone();
    for wait in CONFIRM_LATER {
        tokio::time::sleep(wait).await;
        match confirm(&shared, &name, gateway.as_ref(), event.clone()).await {
            Confirmed::Now(event, confirmation) => {
                let webhook = ReceivedWebhook {
                    gateway: name,
                    event,
                    confirmation,
                    event_key,
                };
                let _ = handle(shared, webhook, 0).await;
                return;
            }
            Confirmed::Later(_) => {}
            Confirmed::Refused(_) => break,
        }
    }
    let why = "an unsigned webhook could not be confirmed by a status read";
    retry_later(&shared, &name, &event_key, &order, 0, why).await;
}

/// What of `event` the read `payment` contradicts.
fn disagreement(event: &WebhookEvent, payment: &Payment) -> Option<&'static str> {
    if payment.order_id.as_str() != event.status_order_id() {
        return Some("order");
    }
    // The app's id the event names must be the one the provider's read reports for its key
    // (an unsigned PayG postback could pair one order's key with another's id).
    if payment
        .app_order_id
        .as_deref()
        .is_some_and(|app| app != event.order_id)
    {
        return Some("order");
    }
    match (&event.amount, &payment.amount) {
        (Some(said), Some(read)) if said != read => Some("amount"),
        _ => None,
    }
}

/// `event` with the read's status and amount, and the read as its confirmation.
fn confirmed(mut event: WebhookEvent, payment: Payment) -> (WebhookEvent, Confirmation) {
    event.status = Some(payment.status.clone());
    event.provider_status = Some(payment.provider_status.clone());
    event.amount = payment.amount.or(event.amount);
    (event, Confirmation::StatusRead(Box::new(payment)))
}

/// See [`super::WebhookReceiver::handle_unhandled`]: takes what is due, gateway by gateway,
/// and hands each over, confirmed by a fresh status read.
pub(super) async fn handle_due(
    shared: &Arc<Shared>,
    limit: u32,
) -> crate::Result<super::UnhandledReport> {
    let mut report = super::UnhandledReport::default();
    let mut left_to_take = limit;
    let names: Vec<String> = shared.registry.names().map(str::to_owned).collect();
    for name in names {
        // One at a time: each receipt's hold starts when it is handed over, never while it
        // waits behind others (a hold that ran out before its turn would let another
        // instance take it too).
        while left_to_take > 0 {
            let due = shared
                .receipts
                .claim_due(&name, 1, shared.hold())
                .await
                .map_err(|e| {
                    Error::Journal(Box::new(paygate_core::JournalError::unavailable(e.0)))
                })?;
            if due.is_empty() {
                break;
            }
            left_to_take = left_to_take.saturating_sub(1);
            for receipt in due {
                match hand_over(shared, receipt).await {
                    Ok(()) => report.handled += 1,
                    Err(left) => report.left.push(left),
                }
            }
        }
    }
    Ok(report)
}

/// Hands one taken receipt over, confirmed by a status read; when it cannot be now, it is
/// due again after a wait, and reported.
async fn hand_over(shared: &Arc<Shared>, receipt: Due) -> Result<(), super::LeftUnhandled> {
    let Due {
        gateway: name,
        event_key,
        order_id: order,
        body,
        failures,
    } = receipt;
    let left = |why: String| super::LeftUnhandled {
        gateway: name.clone(),
        order_id: order.clone(),
        why,
    };
    let confirmed_event = async {
        let gateway = shared
            .registry
            .get(&name)
            .ok_or_else(|| "its gateway is not configured here".to_owned())?;
        // The event as its body tells it (the provider's reference with it: PayG's status
        // read takes its `OrderKeyId`, not the app's id the receipt is filed under). The
        // headers are not kept, so a body whose signature travels in them reads as the
        // receipt says; the fresh status read below is the event's confirmation either way.
        let event = gateway
            .verify_webhook(&body, &HeaderMap::new())
            .ok()
            // (Receipts filed before events named the app's id hold PayG's key.)
            .filter(|event| event.order_id == order || event.status_order_id() == order)
            .map(|mut event| {
                event.authenticity = Authenticity::Unverified;
                event
            })
            .unwrap_or_else(|| {
                WebhookEvent::new(
                    gateway.provider(),
                    order.clone(),
                    Authenticity::Unverified,
                    &body,
                )
            });
        let order_id = OrderId::new(event.status_order_id())
            .map_err(|e| format!("its order id is not valid: {e}"))?;
        // Bounded, as the receipt's hold counts on.
        let payment =
            tokio::time::timeout(shared.confirm_within, gateway.payment_status(&order_id))
                .await
                .map_err(|_| {
                    format!(
                        "its payment could not be read within {} ms",
                        shared.confirm_within.as_millis()
                    )
                })?
                .map_err(|e| format!("its payment could not be read: {e}"))?;
        if let Some(mismatch) = disagreement(&event, &payment) {
            return Err(format!("it does not match the payment: {mismatch}"));
        }
        Ok(confirmed(event, payment))
    };
    match confirmed_event.await {
        Ok((event, confirmation)) => {
            let webhook = ReceivedWebhook {
                gateway: name.clone(),
                event,
                confirmation,
                event_key: event_key.clone(),
            };
            handle(shared.clone(), webhook, failures)
                .await
                .map_err(left)
        }
        Err(why) => {
            retry_later(shared, &name, &event_key, &order, failures, &why).await;
            Err(left(why))
        }
    }
}
