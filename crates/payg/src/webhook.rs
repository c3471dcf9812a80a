//! The postback: PayG POSTs the order object (JSON) to the dashboard's postback URL.
//!
//! **PayG does not sign it**, and the optional dashboard "auth key" is not documented, so
//! every event is [`Authenticity::Unverified`]. Never act on one before
//! [`crate::PaygClient::confirm_postback`]: it reads the order again with Detail and checks
//! that the order key, the merchant's request id and the amount match.

use paygate_core::http::HeaderMap;
use paygate_core::{Authenticity, Currency, Error, Money, Result, WebhookEvent, WebhookRejection};

use crate::PROVIDER;
use crate::status::payment_status;
use crate::wire::Order;
use crate::wire::parse_date;

fn rejected(reason: WebhookRejection) -> Error {
    Error::webhook(PROVIDER, reason)
}

/// Reads a postback body.
pub fn parse_postback(body: &[u8], _headers: &HeaderMap) -> Result<(Order, WebhookEvent)> {
    let order: Order = serde_json::from_slice(body)
        .map_err(|e| rejected(WebhookRejection::Malformed(e.to_string())))?;
    let key = order
        .order_key_id
        .clone()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| rejected(WebhookRejection::MissingField("OrderKeyId")))?;
    // The app's id, as it created the order (paygate sends it as `UniqueRequestId`); PayG's
    // own key is what its calls take.
    let app_order = order
        .unique_request_id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| rejected(WebhookRejection::MissingField("UniqueRequestId")))?;
    let mut event = WebhookEvent::new(PROVIDER, app_order, Authenticity::Unverified, body);
    event.provider_reference = Some(key);
    event.transaction_id = order.payment_transaction_id.clone();
    event.status = Some(payment_status(
        order.payment_response_code,
        order.payment_response_text.as_deref(),
    ));
    event.provider_status = order
        .payment_response_text
        .clone()
        .or_else(|| order.payment_response_code.map(|c| c.to_string()));
    event.amount = order
        .order_amount
        .map(|a| Money::new(a, Currency::INR))
        .transpose()
        .map_err(|e| rejected(WebhookRejection::Malformed(format!("OrderAmount: {e}"))))?;
    event.occurred_at = order.payment_date_time.as_deref().and_then(parse_date);
    Ok((order, event))
}

/// Checks a postback against the order as Detail reports it: the same `OrderKeyId`,
/// `UniqueRequestId` and `OrderAmount`.
pub fn check_against(postback: &Order, detail: &Order) -> Result<()> {
    let mismatch = |what: &str| Err(rejected(WebhookRejection::Mismatch(what.to_owned())));
    if postback.order_key_id != detail.order_key_id {
        return mismatch("OrderKeyId differs from PayG's order");
    }
    if postback.unique_request_id.is_some()
        && postback.unique_request_id != detail.unique_request_id
    {
        return mismatch("UniqueRequestId differs from PayG's order");
    }
    if postback.order_amount != detail.order_amount {
        return mismatch("OrderAmount differs from PayG's order");
    }
    Ok(())
}
