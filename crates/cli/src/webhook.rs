//! `webhook verify`.

use paygate::http::{HeaderMap, HeaderName, HeaderValue};
use paygate::{Error, GatewayRegistry, WebhookEvent};
use serde_json::json;

use crate::args::WebhookVerifyArgs;
use crate::exit;
use crate::ops::{Out, gateway, show_money, to_json};

fn event_line(gateway: &str, event: &WebhookEvent) -> String {
    format!(
        "{gateway}  {}  webhook {}: {} ({})  amount {}",
        event.order_id,
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
