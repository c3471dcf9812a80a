//! One module per Finpay operation: a pure `build_<endpoint>` (→ [`HttpRequest`]) and a pure `parse_<endpoint>`
//! ([`HttpResponse`] →) in the provider's own types; the conversions to the unified model are
//! in [`crate::gateway`]. What the operations share lives here.

pub mod cancel;
pub mod check;
pub mod initiate;
pub mod open_payment;
pub mod refund;
pub mod void;

use paygate_core::http::header::{ACCEPT, AUTHORIZATION};
use paygate_core::http::{HeaderValue, Method};
use paygate_core::transport::{
    CodedAnswer, HttpRequest, HttpResponse, join_url, read_coded_answer,
};
use paygate_core::{
    Currency, Decimal, Error, IdRules, Money, NativeResponse, Operation, OrderId, RawResponse,
    Result, UnexpectedBody,
};
use serde::de::DeserializeOwned;

use crate::PROVIDER;
use crate::config::FinpayConfig;
use crate::endpoint::FinpayCodes;
use crate::wire::Envelope;

/// Finpay's order id: 1–30 characters of `[A-Za-z0-9_-]` ("alpha dash").
pub const ORDER_ID_RULES: IdRules = IdRules::DEFAULT.max_len(30).no_dot();

/// Largest amount: 14 digits of rupiah.
const MAX_DIGITS: usize = 14;

/// A request with Basic auth and `Accept: application/json`.
pub(crate) fn request(
    config: &FinpayConfig,
    operation: Operation,
    method: Method,
    path: &str,
    order_id: Option<&str>,
) -> Result<HttpRequest> {
    let url = join_url(&config.base_url, path)?;
    let mut request = HttpRequest::new(PROVIDER, operation, method, url)
        .secret_header(AUTHORIZATION, config.authorization.clone())
        .header(ACCEPT, HeaderValue::from_static("application/json"));
    if let Some(order_id) = order_id {
        request = request.order_id(order_id);
    }
    Ok(request)
}

/// `path` + the order id, checked against Finpay's rules (so it cannot alter the path). Its
/// telemetry template is the caller's `{prefix}/{order_id}` constant.
pub(crate) fn path_with_order(prefix: &str, order_id: &OrderId) -> Result<String> {
    order_id.check(&ORDER_ID_RULES)?;
    Ok(format!("{prefix}/{}", order_id.as_str()))
}

/// Integer rupiah as a string of digits, identical wherever Finpay wants an amount.
pub fn wire_amount(field: &'static str, amount: &Money) -> Result<String> {
    if amount.currency() != Currency::IDR {
        return Err(Error::invalid(
            field,
            format!("Finpay takes IDR, not {}", amount.currency()),
        ));
    }
    let amount = amount.positive().map_err(|e| e.for_field(field))?;
    let digits = amount.format_amount();
    if digits.len() > MAX_DIGITS {
        return Err(Error::invalid(
            field,
            "Finpay takes at most 14 digits of rupiah",
        ));
    }
    Ok(digits)
}

/// Reads an answer whatever its HTTP status (Finpay's error statuses are undocumented; the
/// `responseCode` decides) with core's coded-answer reader (parsed once; see
/// [`read_coded_answer`]): a recognised refusal (see
/// [`crate::endpoint::ResponseCode::refusal_kind`]) → [`paygate_core::ProviderError`]; any other
/// code → [`UnexpectedBody`] (on a write: outcome unknown); `2000000` → the typed body.
pub(crate) fn parse_answer<T: DeserializeOwned + CodedAnswer>(
    operation: Operation,
    response: &HttpResponse,
) -> Result<NativeResponse<T>> {
    read_coded_answer::<T, Envelope>(PROVIDER, operation, &FinpayCodes, response)
}

/// A received amount in `currency` (IDR when not named); a fraction of a rupiah or a
/// negative amount makes the body unexpected.
pub(crate) fn received_money(
    operation: Operation,
    raw: &RawResponse,
    field: &str,
    amount: Option<Decimal>,
    currency: Option<&str>,
) -> Result<Option<Money>> {
    let currency = match currency.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Currency::from_code(code).map_err(|e| {
            Error::from(UnexpectedBody::from_raw(
                PROVIDER,
                operation,
                raw,
                format!("{field}: {e}"),
            ))
        })?,
        None => Currency::IDR,
    };
    paygate_core::received_money(PROVIDER, operation, raw, field, amount, currency)
}
