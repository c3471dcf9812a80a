//! One module per PayWay operation: a pure `build_<endpoint>` (→ [`HttpRequest`]) and a pure `parse_<endpoint>`
//! ([`HttpResponse`] →) in the provider's own types; the conversions to the unified model are
//! in [`crate::gateway`]. What the operations share lives here, and the credentials-on-file
//! vocabulary (`ctid`, `pwt`, flags) in [`credential`].

#[doc(hidden)]
pub mod check_transaction;
#[doc(hidden)]
pub mod close_transaction;
pub mod credential;
#[doc(hidden)]
pub mod exchange_rate;
pub mod generate_qr;
pub mod payment_link;
#[doc(hidden)]
pub mod pre_auth;
pub mod purchase;
#[doc(hidden)]
pub mod refund;
pub mod token_link;
#[doc(hidden)]
pub mod token_management;
pub mod token_payment;
#[doc(hidden)]
pub mod transaction_detail;
pub mod transaction_list;
pub mod transactions_by_ref;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use paygate_core::http::Method;
use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{
    CodedAnswer, HttpRequest, HttpResponse, join_url, read_coded_answer,
};
use paygate_core::{
    Currency, Decimal, Error, IdRules, Money, NativeResponse, OrderId, RawResponse, Result,
    UnexpectedBody,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::PROVIDER;
use crate::config::PaywayConfig;
use crate::endpoint::Endpoint;
use crate::sign::Fields;
use crate::wire::StatusOnly;
use crate::wire::request_time;

#[doc(hidden)]
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

/// The signed fields of a merchant-portal request (refund, pre-auth, payment links):
/// `plaintext` encrypted into `merchant_auth` with the profile's RSA key, then
/// `{request_time, merchant_id, merchant_auth, hash}` hashed in the endpoint's `order`.
pub(crate) fn merchant_portal_fields(
    config: &PaywayConfig,
    endpoint: Endpoint,
    order: &[&str],
    plaintext: &str,
    now: OffsetDateTime,
    random: &dyn paygate_core::clock::RandomSource,
) -> Result<Fields> {
    let merchant_auth = config
        .merchant_auth_key(endpoint.operation().name())?
        .encrypt(plaintext.as_bytes(), random)?;
    Ok(Fields::new()
        .with("request_time", request_time(now))
        .with("merchant_id", config.merchant_id.as_str())
        .with("merchant_auth", merchant_auth)
        .signed(&config.hmac, order))
}

/// A merchant-portal request as a JSON `POST` (see [`merchant_portal_fields`]).
pub(crate) fn merchant_portal_request(
    config: &PaywayConfig,
    endpoint: Endpoint,
    order: &[&str],
    order_id: Option<&str>,
    plaintext: &str,
    now: OffsetDateTime,
    random: &dyn paygate_core::clock::RandomSource,
) -> Result<HttpRequest> {
    let fields = merchant_portal_fields(config, endpoint, order, plaintext, now, random)?;
    post_json(config, endpoint, &fields, order_id)
}

/// `value`, refused when longer than PayWay's `max` characters or carrying control
/// characters (which no field of PayWay's takes).
pub(crate) fn bounded(
    field: &'static str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>> {
    match value {
        Some(v) if v.chars().count() > max => Err(Error::invalid(
            field,
            format!("at most {max} characters (PayWay's limit)"),
        )),
        Some(v) if v.chars().any(char::is_control) => {
            Err(Error::invalid(field, "must not contain control characters"))
        }
        other => Ok(other),
    }
}

/// One file of a `multipart/form-data` body.
pub(crate) struct FilePart<'a> {
    pub(crate) name: &'a str,
    pub(crate) filename: &'a str,
    pub(crate) content_type: &'a str,
    pub(crate) bytes: &'a [u8],
}

/// A `multipart/form-data` POST of text `fields` (and at most one file) to `url`, the boundary
/// drawn from `random` and checked to occur nowhere in the content.
pub(crate) fn multipart_request<'a>(
    endpoint: Endpoint,
    url: paygate_core::Url,
    fields: impl Iterator<Item = (&'a str, &'a str)>,
    file: Option<FilePart<'_>>,
    random: &dyn paygate_core::clock::RandomSource,
    order_id: Option<&str>,
) -> Result<HttpRequest> {
    let mut token = [0u8; 12];
    random.fill(&mut token)?;
    let boundary = format!("paygate-{}", paygate_core::signing::to_hex(&token));
    let fields: Vec<(&str, &str)> = fields.collect();
    let holds_boundary = |bytes: &[u8]| {
        bytes
            .windows(boundary.len())
            .any(|window| window == boundary.as_bytes())
    };
    if fields.iter().any(|(_, v)| holds_boundary(v.as_bytes()))
        || file.as_ref().is_some_and(|f| holds_boundary(f.bytes))
    {
        return Err(Error::invalid(
            endpoint.operation().name(),
            "the content holds the multipart boundary drawn for it; build the request again",
        ));
    }
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(file) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                file.name, file.filename, file.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let content_type = paygate_core::http::HeaderValue::from_str(&format!(
        "multipart/form-data; boundary={boundary}"
    ))
    .map_err(|e| Error::invalid(endpoint.operation().name(), e.to_string()))?;
    let mut request = HttpRequest::new(PROVIDER, endpoint.operation(), Method::POST, url)
        .header(paygate_core::http::header::CONTENT_TYPE, content_type);
    if let Some(order_id) = order_id {
        request = request.order_id(order_id);
    }
    request.body = body.into();
    Ok(request)
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

#[doc(hidden)]
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

/// An answer that echoes an amount other than the request's is an unexpected body (on a write,
/// an unknown outcome); one that echoes none says nothing.
pub(crate) fn check_amount_echo(
    operation: paygate_core::Operation,
    raw: &RawResponse,
    echoed: Option<Decimal>,
    requested: &Money,
) -> Result<()> {
    match echoed {
        Some(echoed) if echoed != requested.amount() => Err(Error::from(UnexpectedBody::from_raw(
            PROVIDER,
            operation,
            raw,
            format!("the answer is about an amount of {echoed}, not {requested}"),
        ))),
        _ => Ok(()),
    }
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

#[doc(hidden)]
/// The most `payout` entries PayWay takes (purchase code 25: "more than 10 payouts").
pub const MAX_PAYOUTS: usize = 10;

/// An amount as a JSON number with exactly its wire digits (`2.50`), never through `f64`.
pub(crate) fn json_number(field: &'static str, digits: String) -> Result<Box<RawValue>> {
    RawValue::from_string(digits).map_err(|e| Error::invalid(field, e.to_string()))
}

/// One `payout` entry as PayWay reads it: `{"acc": …, "amt": <number>}`.
#[derive(Debug, Serialize)]
pub(crate) struct WirePayout<'a> {
    acc: &'a str,
    amt: Box<RawValue>,
}

/// The `payout` entries of a purchase or a pre-auth completion, checked before anything is
/// sent: at most [`MAX_PAYOUTS`], each to a named account and a positive amount in the
/// currency of `total`, together at most `total` (a share cannot exceed what is collected:
/// our rule, PayWay's own codes 35–42 for it are undocumented).
pub(crate) fn wire_payouts<'a>(
    payouts: &'a [purchase::Payout],
    total: &Money,
) -> Result<Vec<WirePayout<'a>>> {
    if payouts.len() > MAX_PAYOUTS {
        return Err(Error::invalid(
            "payout",
            format!("at most {MAX_PAYOUTS} payouts (PayWay code 25)"),
        ));
    }
    let mut sum = Money::zero(total.currency());
    let mut list = Vec::with_capacity(payouts.len());
    for payout in payouts {
        let account = payout.account.trim();
        if account.is_empty() || account.chars().any(char::is_control) {
            return Err(Error::invalid(
                "payout.acc",
                "must name an ABA account or merchant id",
            ));
        }
        if payout.amount.currency() != total.currency() {
            return Err(Error::invalid(
                "payout.amt",
                format!("must be in {} like the amount", total.currency()),
            ));
        }
        let digits = wire_amount("payout.amt", &payout.amount, false)?;
        sum = sum
            .checked_add(&payout.amount)
            .map_err(|e| e.for_field("payout.amt"))?;
        list.push(WirePayout {
            acc: account,
            amt: json_number("payout.amt", digits)?,
        });
    }
    if sum.amount() > total.amount() {
        return Err(Error::invalid(
            "payout",
            format!("the payouts add up to {sum}, more than the {total} collected"),
        ));
    }
    Ok(list)
}

// The fields purchase and generate-qr share: base64 lists and objects, checked amounts.

/// One `items` entry.
#[derive(Serialize)]
struct WireItem<'a> {
    name: &'a str,
    quantity: u32,
    price: Box<RawValue>,
}

pub(crate) fn base64_json(value: &serde_json::Value) -> Result<String> {
    let json = serde_json::to_vec(value).map_err(|e| Error::invalid("purchase", e.to_string()))?;
    Ok(BASE64.encode(json))
}

pub(crate) fn base64_list<T: Serialize>(list: &[T]) -> Result<String> {
    let json = serde_json::to_vec(list).map_err(|e| Error::invalid("purchase", e.to_string()))?;
    Ok(BASE64.encode(json))
}

/// Base64 of the app's JSON text exactly as given (checked to be JSON, not re-encoded).
pub(crate) fn json_object_text(field: &'static str, text: &str) -> Result<String> {
    let raw = RawValue::from_string(text.trim().to_owned())
        .map_err(|e| Error::invalid(field, format!("must be JSON: {e}")))?;
    Ok(BASE64.encode(raw.get()))
}

/// A money field must be in the payment's currency.
pub(crate) fn same_currency(field: &'static str, money: &Money, currency: Currency) -> Result<()> {
    if money.currency() == currency {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("must be in {currency} like the amount"),
        ))
    }
}

/// `items`: base64 of the JSON list `[{name, quantity, price}]`, prices as JSON numbers.
pub(crate) fn encode_items(
    items: &[purchase::PurchaseItem],
    currency: Currency,
) -> Result<Option<String>> {
    if items.is_empty() {
        return Ok(None);
    }
    let mut list = Vec::with_capacity(items.len());
    for item in items {
        same_currency("items.price", &item.price, currency)?;
        if item.quantity == 0 {
            return Err(Error::invalid("items.quantity", "must be at least 1"));
        }
        list.push(WireItem {
            name: &item.name,
            quantity: item.quantity,
            price: json_number("items.price", item.price.format_amount())?,
        });
    }
    base64_list(&list).map(Some)
}

/// `lifetime`: 3 to 43 200 minutes (PayWay code 69).
pub(crate) fn check_lifetime(minutes: Option<u32>) -> Result<()> {
    match minutes {
        Some(m) if !(3..=43200).contains(&m) => Err(Error::invalid(
            "lifetime",
            "must be 3 to 43200 minutes (PayWay code 69)",
        )),
        _ => Ok(()),
    }
}

/// `return_deeplink`: base64 of `{ios_scheme, android_scheme}`.
pub(crate) fn encode_deeplink(
    deeplink: Option<&purchase::ReturnDeeplink>,
) -> Result<Option<String>> {
    deeplink
        .map(|d| {
            base64_json(&serde_json::json!({
                "ios_scheme": d.ios_scheme,
                "android_scheme": d.android_scheme,
            }))
        })
        .transpose()
}

/// A field that must hold a JSON object's text (`custom_fields`, `additional_params`).
pub(crate) fn json_object_field(field: &'static str, text: Option<&str>) -> Result<Option<String>> {
    text.map(|t| json_object_text(field, t)).transpose()
}

pub(crate) fn purchase_type_text(purchase_type: purchase::PurchaseType) -> &'static str {
    match purchase_type {
        purchase::PurchaseType::Purchase => "purchase",
        purchase::PurchaseType::PreAuth => "pre-auth",
    }
}

/// What purchase and generate-qr both take from the unified request: its items, the payer
/// (first and last name, e-mail, phone), the purchase type its capture mode asks for, and its
/// `expires_in` in whole minutes, rounded up.
pub(crate) struct FromCreate {
    pub(crate) items: Vec<purchase::PurchaseItem>,
    pub(crate) payer: [Option<String>; 4],
    pub(crate) purchase_type: purchase::PurchaseType,
    pub(crate) lifetime_minutes: Option<u32>,
}

impl FromCreate {
    pub(crate) fn of(request: &paygate_core::CreatePayment) -> Result<FromCreate> {
        request.validate()?;
        let payer = request
            .customer
            .as_ref()
            .map_or_else(Default::default, |c| {
                [
                    c.first_name.clone(),
                    c.last_name.clone(),
                    c.email.clone(),
                    c.phone.clone(),
                ]
            });
        Ok(FromCreate {
            items: request
                .items
                .iter()
                .map(|item| purchase::PurchaseItem {
                    name: item.name.clone(),
                    quantity: item.quantity,
                    price: item.unit_price,
                })
                .collect(),
            payer,
            purchase_type: match request.capture {
                paygate_core::CaptureMode::Automatic => purchase::PurchaseType::Purchase,
                paygate_core::CaptureMode::Manual => purchase::PurchaseType::PreAuth,
            },
            lifetime_minutes: request
                .expires_in
                .map(|window| u32::try_from(window.as_secs().div_ceil(60)).unwrap_or(u32::MAX)),
        })
    }
}
