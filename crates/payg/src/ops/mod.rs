//! One module per PayG operation: a pure `build_<endpoint>` (→ [`HttpRequest`]) and a pure `parse_<endpoint>`
//! ([`HttpResponse`] →) in the provider's own types; the conversions to the unified model are
//! in [`crate::gateway`]. What the operations share lives here.

pub mod create;
#[doc(hidden)]
pub mod detail;
pub mod refund;
#[doc(hidden)]
pub mod refund_status;
#[doc(hidden)]
pub mod update;

use paygate_core::http::Method;
use paygate_core::http::header::AUTHORIZATION;
use paygate_core::transport::{HttpRequest, HttpResponse, join_url};
use paygate_core::{
    Currency, Decimal, Error, IdRules, Money, NativeResponse, Operation, ProviderError,
    RawResponse, Result, UnexpectedBody,
};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::PROVIDER;
use crate::config::PaygConfig;
use crate::endpoint::refusal_kind;
use crate::wire::{ApiError, Order};

#[doc(hidden)]
/// PayG's `OrderKeyId`: letters and digits (observed up to 34; the refund doc says 30).
pub const ORDER_KEY_RULES: IdRules = IdRules::DEFAULT
    .max_len(40)
    .no_dot()
    .no_hyphen()
    .no_underscore();

#[doc(hidden)]
/// `UniqueRequestId`: "alphanumeric only". The docs say string(10) for the request, string(20)
/// in the refund answer, and their own sample has 11 characters; at most 20 are allowed here.
pub const UNIQUE_REQUEST_RULES: IdRules = IdRules::DEFAULT
    .max_len(20)
    .no_dot()
    .no_hyphen()
    .no_underscore();

/// A JSON `POST` to `{base}/{path}` with the merchant's `Authorization`.
pub(crate) fn post_json(
    config: &PaygConfig,
    operation: Operation,
    path: &str,
    body: Vec<u8>,
    order_id: Option<&str>,
) -> Result<HttpRequest> {
    let url = join_url(&config.base_url, path)?;
    let mut request = HttpRequest::new(PROVIDER, operation, Method::POST, url)
        .secret_header(AUTHORIZATION, config.authorization.clone())
        .json_body(body);
    if let Some(order_id) = order_id {
        request = request.order_id(order_id);
    }
    Ok(request)
}

/// Serializes a request body.
pub(crate) fn to_json<T: serde::Serialize>(field: &'static str, body: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(body).map_err(|e| Error::invalid(field, e.to_string()))
}

#[doc(hidden)]
/// decimal(18,2): INR with exactly two decimals, as a string (`"100.00"`).
pub fn wire_amount(field: &'static str, amount: &Money) -> Result<String> {
    if amount.currency() != Currency::INR {
        return Err(Error::invalid(
            field,
            format!("PayG takes INR, not {}", amount.currency()),
        ));
    }
    Ok(amount
        .positive()
        .map_err(|e| e.for_field(field))?
        .format_amount())
}

/// Which keys an object answer has: an order names `OrderKeyId` / `MerchantKeyId`, an error
/// `Code` / `Message`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Probe {
    #[serde(default)]
    order_key_id: Option<IgnoredAny>,
    #[serde(default)]
    merchant_key_id: Option<IgnoredAny>,
    #[serde(default)]
    code: Option<IgnoredAny>,
    #[serde(default)]
    message: Option<IgnoredAny>,
    #[serde(default)]
    developer_message: Option<IgnoredAny>,
}

/// Reads an order answer whatever its HTTP status: an array of errors, an error object (also
/// inside HTTP 200) → [`ProviderError`] when [`crate::endpoint::refusal_kind`] recognises it as
/// a refusal, else [`UnexpectedBody`] (on a write: outcome unknown); an order → the order; anything else (HTML pages,
/// truncated or malformed JSON, such as the user's own refund sample with its missing comma)
/// → [`UnexpectedBody`] with an excerpt.
pub(crate) fn parse_order(
    operation: Operation,
    response: &HttpResponse,
) -> Result<NativeResponse<Order>> {
    let unexpected =
        |reason: String| Error::from(UnexpectedBody::new(PROVIDER, operation, response, reason));
    if !response.looks_like_json() {
        return Err(unexpected("expected a JSON answer".into()));
    }
    let first = response
        .body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .copied();
    match first {
        Some(b'[') => {
            let errors: Vec<ApiError> = serde_json::from_slice(&response.body)
                .map_err(|e| unexpected(format!("not PayG's error list: {e}")))?;
            Err(provider_error(operation, response, &errors))
        }
        Some(b'{') => {
            let probe: Probe = serde_json::from_slice(&response.body)
                .map_err(|e| unexpected(format!("not valid JSON: {e}")))?;
            let is_order = probe.order_key_id.is_some() || probe.merchant_key_id.is_some();
            let is_error = probe.code.is_some()
                || probe.message.is_some()
                || probe.developer_message.is_some();
            if !is_order && is_error {
                let error: ApiError = serde_json::from_slice(&response.body)
                    .map_err(|e| unexpected(format!("not PayG's error object: {e}")))?;
                return Err(provider_error(
                    operation,
                    response,
                    std::slice::from_ref(&error),
                ));
            }
            if !is_order {
                return Err(unexpected("neither an order nor an error".into()));
            }
            if !(200..300).contains(&response.status) {
                return Err(unexpected(format!(
                    "an order with HTTP {}",
                    response.status
                )));
            }
            let order: Order = serde_json::from_slice(&response.body)
                .map_err(|e| unexpected(format!("PayG's order of an unexpected shape: {e}")))?;
            Ok(NativeResponse {
                body: order,
                raw: RawResponse::from(response),
            })
        }
        _ => Err(unexpected("not a JSON object or array".into())),
    }
}

fn provider_error(operation: Operation, response: &HttpResponse, errors: &[ApiError]) -> Error {
    let field_named = errors.iter().any(|e| e.field_name.is_some());
    let message = errors
        .iter()
        .map(|e| {
            let mut text = e.message.clone().unwrap_or_default();
            if let Some(dev) = e
                .developer_message
                .as_deref()
                .filter(|d| Some(*d) != e.message.as_deref())
            {
                text.push_str(&format!(" ({dev})"));
            }
            if let Some(field) = &e.field_name {
                text.push_str(&format!(" [field {field}]"));
            }
            text
        })
        .collect::<Vec<_>>()
        .join("; ");
    let code = errors
        .iter()
        .find_map(|e| e.code.clone().or_else(|| e.response_code.clone()));
    let Some(kind) = refusal_kind(response.status, field_named) else {
        return UnexpectedBody::unrecognised_code(
            PROVIDER,
            operation,
            response,
            code.as_deref().unwrap_or("(none)"),
            &message,
        )
        .into();
    };
    let mut error = ProviderError::new(PROVIDER, operation, kind.refined_by(response), message)
        .with_http_status(response.status);
    if let Some(code) = code {
        error = error.with_code(code);
    }
    error.into()
}

/// An order answer must be about the order asked for: its `OrderKeyId`, when it names one.
pub(crate) fn check_order_echo(
    operation: Operation,
    order_key_id: &paygate_core::OrderId,
    native: &NativeResponse<Order>,
) -> Result<()> {
    paygate_core::check_echo(
        PROVIDER,
        operation,
        &native.raw,
        "OrderKeyId",
        order_key_id.as_str(),
        native.body.order_key_id.as_deref(),
    )
}

/// A received INR amount (see [`paygate_core::received_money`]).
pub(crate) fn received_money(
    operation: Operation,
    raw: &RawResponse,
    field: &str,
    amount: Option<Decimal>,
) -> Result<Option<Money>> {
    paygate_core::received_money(PROVIDER, operation, raw, field, amount, Currency::INR)
}
