//! One module per PayWay operation: a pure `build_<endpoint>` (→ [`HttpRequest`]) and a pure `parse_<endpoint>`
//! ([`HttpResponse`] →) in the provider's own types; the conversions to the unified model are
//! in [`crate::gateway`]. What the operations share lives here.

pub mod check_transaction;
pub mod close_transaction;
pub mod exchange_rate;
pub mod pre_auth;
pub mod purchase;
pub mod refund;
pub mod transaction_detail;
pub mod transaction_list;

use paygate_core::http::Method;
use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{
    CodedAnswer, HttpRequest, HttpResponse, join_url, read_coded_answer,
};
use paygate_core::{
    Currency, Decimal, Error, IdRules, Money, NativeResponse, OrderId, RawResponse, Result,
    UnexpectedBody,
};
use serde::de::DeserializeOwned;

use crate::PROVIDER;
use crate::config::PaywayConfig;
use crate::endpoint::Endpoint;
use crate::sign::Fields;
use crate::wire::StatusOnly;
use crate::wire::request_time;

/// PayWay's `tran_id`: at most 20 characters of letters, digits, `-` and `_`.
pub const TRAN_ID_RULES: IdRules = IdRules::DEFAULT.max_len(20).no_dot();

/// A signed JSON `POST` to `endpoint`.
pub(crate) fn post_json(
    config: &PaywayConfig,
    endpoint: Endpoint,
    fields: &Fields,
    order_id: Option<&str>,
) -> Result<HttpRequest> {
    let url = join_url(&config.base_url, endpoint.path())?;
    let mut request = HttpRequest::new(PROVIDER, endpoint.operation(), Method::POST, url)
        .json_body(fields.to_json()?);
    if let Some(order_id) = order_id {
        request = request.order_id(order_id);
    }
    Ok(request)
}

/// The body shared by check-transaction-2, transaction-detail and close-transaction:
/// `req_time, merchant_id, tran_id, hash`.
pub(crate) fn tran_id_request(
    config: &PaywayConfig,
    endpoint: Endpoint,
    order: &[&str],
    tran_id: &OrderId,
    now: OffsetDateTime,
) -> Result<HttpRequest> {
    tran_id.check(&TRAN_ID_RULES)?;
    let fields = Fields::new()
        .with("req_time", request_time(now))
        .with("merchant_id", config.merchant_id.as_str())
        .with("tran_id", tran_id.as_str())
        .signed(&config.hmac, order);
    post_json(config, endpoint, &fields, Some(tran_id.as_str()))
}

/// A merchant-portal request (refund, pre-auth completion / cancellation): `plaintext`
/// encrypted into `merchant_auth` with the profile's RSA key, then
/// `{request_time, merchant_id, merchant_auth, hash}` hashed in the endpoint's `order`.
pub(crate) fn merchant_portal_request(
    config: &PaywayConfig,
    endpoint: Endpoint,
    order: &[&str],
    tran_id: &OrderId,
    plaintext: &str,
    now: OffsetDateTime,
    random: &dyn paygate_core::clock::RandomSource,
) -> Result<HttpRequest> {
    let merchant_auth = config
        .merchant_auth_key(endpoint.operation().name())?
        .encrypt(plaintext.as_bytes(), random)?;
    let fields = Fields::new()
        .with("request_time", request_time(now))
        .with("merchant_id", config.merchant_id.as_str())
        .with("merchant_auth", merchant_auth)
        .signed(&config.hmac, order);
    post_json(config, endpoint, &fields, Some(tran_id.as_str()))
}

/// Reads an answer of `endpoint` with core's coded-answer reader (parsed once; see
/// [`read_coded_answer`]): `status.code` one of the endpoint's documented refusals →
/// [`paygate_core::ProviderError`] of its kind; any other non-success code →
/// [`UnexpectedBody`] (on a write: outcome unknown); success → the typed body.
pub(crate) fn parse_answer<T: DeserializeOwned + CodedAnswer>(
    endpoint: Endpoint,
    response: &HttpResponse,
) -> Result<NativeResponse<T>> {
    read_coded_answer::<T, StatusOnly>(PROVIDER, endpoint.operation(), &endpoint, response)
}

/// The amount as PayWay wants it on the wire, identical in body and hash: USD with 2
/// decimals (`"10.00"`), KHR whole riel (`"1000"`). `purchase_minimum` applies the purchase
/// rules (KHR at least 100; PayWay codes 46 / 47, `KHR-LESS-100`).
pub fn wire_amount(field: &'static str, amount: &Money, purchase_minimum: bool) -> Result<String> {
    let currency = amount.currency();
    if currency != Currency::USD && currency != Currency::KHR {
        return Err(Error::invalid(
            field,
            format!("PayWay takes USD or KHR, not {currency}"),
        ));
    }
    let amount = amount.positive().map_err(|e| e.for_field(field))?;
    if purchase_minimum && currency == Currency::KHR && amount.amount() < Decimal::from(100) {
        return Err(Error::invalid(field, "PayWay needs at least 100 KHR"));
    }
    Ok(amount.format_amount())
}

/// Checks that an answer is about `tran_id` (its `status.tran_id`, when it names one) and, when
/// `currency` is given, in that currency (its `currency`, when it names one): PayWay's
/// merchant-portal answers carry the transaction's currency, which must be the payment's.
pub(crate) fn check_answer_is_about(
    operation: paygate_core::Operation,
    raw: &RawResponse,
    status: &crate::wire::Status,
    tran_id: &OrderId,
    currency: Option<(Currency, Option<&str>)>,
) -> Result<()> {
    paygate_core::check_echo(
        PROVIDER,
        operation,
        raw,
        "tran_id",
        tran_id.as_str(),
        status.tran_id.as_deref(),
    )?;
    if let Some((expected, named)) = currency {
        paygate_core::check_echo(PROVIDER, operation, raw, "currency", expected.code(), named)?;
    }
    Ok(())
}

/// A received amount in `currency` (see [`paygate_core::received_money`]).
pub(crate) fn received_money(
    operation: paygate_core::Operation,
    raw: &RawResponse,
    field: &str,
    amount: Option<Decimal>,
    currency: Currency,
) -> Result<Option<Money>> {
    paygate_core::received_money(PROVIDER, operation, raw, field, amount, currency)
}

/// The currency of a received amount: the one named, else the profile's (PayWay sends `""`
/// for unpaid transactions).
pub(crate) fn received_currency(
    operation: paygate_core::Operation,
    raw: &RawResponse,
    named: Option<&str>,
    profile: Currency,
) -> Result<Currency> {
    match named.map(str::trim) {
        None | Some("") => Ok(profile),
        Some(code) => Currency::from_code(code).map_err(|e| {
            Error::from(UnexpectedBody::from_raw(
                PROVIDER,
                operation,
                raw,
                e.to_string(),
            ))
        }),
    }
}

/// `{"mc_id":…,"tran_id":…,<amount_field>:<number>}`: the `merchant_auth` plaintext. The amount
/// is a JSON number with the wire digits (PayWay's PHP sample `json_encode`s a number, and a
/// number was accepted live; the legacy example's string form is older).
pub(crate) fn merchant_auth_plaintext(
    merchant_id: &str,
    tran_id: &OrderId,
    amount: Option<(&str, &str)>,
) -> Result<String> {
    let text = |s: &str| {
        serde_json::to_string(s).map_err(|e| Error::invalid("merchant_auth", e.to_string()))
    };
    let mut json = format!(
        "{{\"mc_id\":{},\"tran_id\":{}",
        text(merchant_id)?,
        text(tran_id.as_str())?
    );
    if let Some((field, digits)) = amount {
        json.push_str(&format!(",{}:{digits}", text(field)?));
    }
    json.push('}');
    Ok(json)
}
