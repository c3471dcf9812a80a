//! `webhook verify`, and `webhook list|show|replay` over the receiver's inbox.

use paygate::http::{HeaderMap, HeaderName, HeaderValue};
use paygate::journal::{ReceiptFilter, WebhookReceipt};
use paygate::{Error, GatewayRegistry, WebhookEvent};
use serde_json::{Value, json};

use crate::args::{WebhookListArgs, WebhookReceiptArgs, WebhookReplayArgs, WebhookVerifyArgs};
use crate::exit;
use crate::journal::{journal_of, time_text, unavailable};
use crate::ops::{Out, confirm, gateway, show_money, to_json};

fn event_line(gateway: &str, event: &WebhookEvent) -> String {
    format!(
        "{gateway}  {}{}  webhook {}: {} ({})  amount {}",
        event.order_id,
        event
            .provider_reference
            .as_deref()
            .map(|r| format!(" (provider's reference {r})"))
            .unwrap_or_default(),
        event.authenticity.as_str(),
        event
            .status
            .as_ref()
            .map_or_else(|| "—".to_owned(), ToString::to_string),
        event.provider_status.as_deref().unwrap_or("—"),
        show_money(event.amount)
    )
}

/// `webhook verify`.
pub(crate) fn webhook_verify(registry: &GatewayRegistry, out: Out, args: &WebhookVerifyArgs) -> u8 {
    let result = (|| {
        let gw = gateway(registry, &args.gateway)?;
        let body = std::fs::read(&args.body).map_err(|e| {
            Error::invalid("body", format!("cannot read {}: {e}", args.body.display()))
        })?;
        let mut headers = HeaderMap::new();
        for header in &args.headers {
            let (name, value) = header
                .split_once(':')
                .ok_or_else(|| Error::invalid("header", "write headers as `Name: value`"))?;
            let name = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|e| Error::invalid("header", e.to_string()))?;
            let value = HeaderValue::from_str(value.trim())
                .map_err(|e| Error::invalid("header", e.to_string()))?;
            headers.append(name, value);
        }
        gw.verify_webhook(&body, &headers)
    })();
    match result {
        Ok(event) => {
            out.result(
                &event_line(&args.gateway, &event),
                json!({"command": "webhook-verify", "gateway": args.gateway, "event": to_json(&event)}),
            );
            exit::OK
        }
        Err(e) => out.error("webhook verify", &e),
    }
}

fn receipt_json(receipt: &WebhookReceipt) -> Value {
    json!({
        "gateway": receipt.gateway,
        "event_key": receipt.event_key,
        "order_id": receipt.order_id,
        "received_at_ms": receipt.received_at_ms,
        "handled_at_ms": receipt.handled_at_ms,
        "held_until_ms": receipt.held_until_ms,
        "failures": receipt.failures,
        "last_error": receipt.last_error,
        "body": shown_body(receipt),
    })
}

/// The body as an operator may see it: signatures, hashes and keys redacted.
fn shown_body(receipt: &WebhookReceipt) -> String {
    paygate_core::redact::excerpt(&receipt.body, SHOWN_BODY_CHARS)
}

/// The most of a body shown.
const SHOWN_BODY_CHARS: usize = 8192;

/// Now, Unix milliseconds.
fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis()),
    )
    .unwrap_or(i64::MAX)
}

/// Where a receipt stands, in words.
fn receipt_state(receipt: &WebhookReceipt) -> String {
    let failed = match receipt.failures {
        0 => String::new(),
        n => format!("failed {n}×, "),
    };
    match (receipt.handled_at_ms, receipt.held_until_ms) {
        (Some(at), _) => format!("handled {}", time_text(at)),
        (None, Some(until)) if until > now_ms() => format!(
            "{failed}held until {} (being handed over, or waiting after a failure)",
            time_text(until)
        ),
        (None, _) => format!("{failed}due"),
    }
}

fn receipt_line(receipt: &WebhookReceipt) -> String {
    format!(
        "{:<14} {:<40} {:<22} {}  {}",
        receipt.gateway,
        receipt.event_key,
        receipt.order_id,
        time_text(receipt.received_at_ms),
        receipt_state(receipt)
    )
}

/// `webhook list`.
pub(crate) async fn list(registry: &GatewayRegistry, out: Out, args: &WebhookListArgs) -> u8 {
    let receipts = match journal_of(registry) {
        Ok(journal) => journal
            .receipts(&ReceiptFilter {
                unhandled_only: args.unhandled,
                gateway: args.gateway.clone(),
                order_id: args.order.clone(),
                limit: Some(args.limit),
            })
            .await
            .map_err(|e| unavailable(&e)),
        Err(e) => Err(e),
    };
    match receipts {
        Ok(receipts) => {
            let mut human = format!(
                "{:<14} {:<40} {:<22} {:<25} state\n",
                "gateway", "event key", "order", "received"
            );
            for receipt in &receipts {
                human.push_str(&receipt_line(receipt));
                human.push('\n');
            }
            human.push_str(&crate::ops::count(
                u64::try_from(receipts.len()).unwrap_or(u64::MAX),
                "delivery",
                "deliveries",
            ));
            out.result(
                &human,
                json!({"command": "webhook-list", "receipts": receipts.iter().map(receipt_json).collect::<Vec<_>>()}),
            );
            exit::OK
        }
        Err(e) => out.error("webhook list", &e),
    }
}

/// The receipt `args` names.
async fn find(
    registry: &GatewayRegistry,
    args: &WebhookReceiptArgs,
) -> Result<WebhookReceipt, Error> {
    let journal = journal_of(registry)?;
    let receipts = journal
        .receipts(&ReceiptFilter {
            gateway: Some(args.gateway.clone()),
            ..ReceiptFilter::default()
        })
        .await
        .map_err(|e| unavailable(&e))?;
    receipts
        .into_iter()
        .find(|r| r.event_key == args.event_key)
        .ok_or_else(|| {
            Error::invalid(
                "event_key",
                format!(
                    "no delivery to gateway {} has the event key {}: see paygate webhooks list",
                    args.gateway, args.event_key
                ),
            )
        })
}

/// `webhook show`.
pub(crate) async fn show(registry: &GatewayRegistry, out: Out, args: &WebhookReceiptArgs) -> u8 {
    match find(registry, args).await {
        Ok(receipt) => {
            let mut human = receipt_line(&receipt);
            if let Some(error) = &receipt.last_error {
                human.push_str(&format!("\n  last failure: {error}"));
            }
            human.push_str(&format!(
                "\n  body ({} bytes, secrets redacted):\n{}",
                receipt.body.len(),
                shown_body(&receipt)
            ));
            out.result(
                &human,
                json!({"command": "webhook-show", "receipt": receipt_json(&receipt)}),
            );
            exit::OK
        }
        Err(e) => out.error("webhook show", &e),
    }
}

/// `webhook replay`.
pub(crate) async fn replay(registry: &GatewayRegistry, out: Out, args: &WebhookReplayArgs) -> u8 {
    let receipt = match find(registry, &args.receipt).await {
        Ok(receipt) => receipt,
        Err(e) => return out.error("webhook replay", &e),
    };
    if !args.yes
        && !confirm(&format!(
            "Hand the {} delivery for order {} to the app's handler once more (it was {})?",
            receipt.gateway,
            receipt.order_id,
            receipt_state(&receipt)
        ))
    {
        return out.error(
            "webhook replay",
            &Error::invalid("confirmation", "not confirmed: nothing was changed"),
        );
    }
    let replayed = match journal_of(registry) {
        Ok(journal) => journal
            .replay(&receipt.gateway, &receipt.event_key)
            .await
            .map_err(|e| unavailable(&e)),
        Err(e) => Err(e),
    };
    match replayed {
        Ok(false) => out.error(
            "webhook replay",
            &Error::invalid(
                "event_key",
                format!(
                    "{} {} is held now (being handed over, or waiting after a failure): a replay would hand it to a second handler; nothing was changed, try again once it is not",
                    receipt.gateway, receipt.event_key
                ),
            ),
        ),
        Ok(true) => {
            out.result(
                &format!(
                    "{} {}: due again; the app's receiver hands it over on its next pass",
                    receipt.gateway, receipt.event_key
                ),
                json!({"command": "webhook-replay", "gateway": receipt.gateway, "event_key": receipt.event_key, "due": true}),
            );
            exit::OK
        }
        Err(e) => out.error("webhook replay", &e),
    }
}
