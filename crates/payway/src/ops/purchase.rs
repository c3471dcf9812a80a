//! `POST /api/payment-gateway/v1/payments/purchase`: create a checkout.
//!
//! The official flow is a browser form post (`multipart/form-data`) of 24 hashed fields (27
//! when the purchase saves the payer's credentials: see [`order::PURCHASE`])
//! plus the unhashed `view_type` and `payment_gate`. [`form`] builds those fields without
//! sending anything; [`to_request`] sends the same fields from the server, and [`parse_purchase`]
//! reads the three kinds of answer PayWay gives:
//!
//! - **302** with `Location` (`view_type=hosted_view`, `payment_gate=0`): the hosted page.
//!   Its token lives 180 s whatever `lifetime` says: redirect the customer at once.
//! - **JSON** (QR/deep-link options, and profiles that also have the QR API): a KHQR string,
//!   an ABA Mobile deep link and/or a hosted QR page; errors such as `{"status":{"code":1,
//!   "message":"Wrong hash"}}`.
//! - **HTML** (the default): PayWay's checkout page, which a server cannot hand to a
//!   browser. The answer becomes the form to render instead: the same signed fields, posted
//!   by the customer's browser to the purchase URL. Whether PayWay treats that second post
//!   as the same checkout is not documented; prefer `view_type=hosted_view` with
//!   `payment_gate=0`, which the unified `create_payment` sends.
//!
//! Field quirks: `return_url` is the server-to-server **pushback** URL (base64), not where
//! the browser goes; the browser continues to `continue_success_url` (plain, like
//! `cancel_url`). `items`, `return_deeplink`, `custom_fields`, `payout` and
//! `additional_params` are base64 of JSON. Duplicate `tran_id`s are code 4 (the sandbox
//! often accepts them silently).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use paygate_core::clock::RandomSource;
use paygate_core::http::header::LOCATION;
use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse, join_url};
use paygate_core::{
    CreatePayment, Currency, Error, Money, NativeResponse, NextAction, OrderId, RawResponse,
    Result, UnexpectedBody, Url,
};

use super::credential::{SaveCredential, frequency_for};
use super::{
    FromCreate, TRAN_ID_RULES, base64_list, bounded, check_lifetime, encode_deeplink, encode_items,
    json_object_field, multipart_request, parse_answer, purchase_type_text, same_currency,
    wire_amount, wire_payouts,
};
use crate::PROVIDER;
use crate::config::PaywayConfig;
use crate::endpoint::Endpoint;
use crate::endpoint::order;
use crate::sign::Fields;
use crate::wire::PurchaseResponse;
use crate::wire::request_time;

/// `purchase` (capture at once) or `pre-auth` (hold; complete or cancel later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PurchaseType {
    /// `purchase`.
    #[default]
    Purchase,
    /// `pre-auth` (ABA PAY, KHQR and cards only; must be enabled on the profile, code 22).
    PreAuth,
}

/// How the checkout is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ViewType {
    /// `hosted_view`.
    HostedView,
    /// `popup`.
    Popup,
}

/// One line of the order (shown on the checkout page only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseItem {
    /// Name.
    pub name: String,
    /// Quantity.
    pub quantity: u32,
    /// Unit price.
    pub price: Money,
}

/// A share of the payment paid out to another ABA account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payout {
    /// ABA account or merchant id (`acc`).
    pub account: String,
    /// Amount (`amt`).
    pub amount: Money,
}

/// App schemes to return to after paying in ABA Mobile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnDeeplink {
    /// iOS scheme.
    pub ios_scheme: String,
    /// Android scheme.
    pub android_scheme: String,
}

/// Everything `purchase` takes, in our names; [`form`] writes PayWay's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PurchaseRequest {
    /// `tran_id`: at most 20 characters.
    pub tran_id: OrderId,
    /// `amount` and `currency` (USD, or KHR of at least 100).
    pub amount: Money,
    /// `items`.
    pub items: Vec<PurchaseItem>,
    /// `shipping`.
    pub shipping: Option<Money>,
    /// `firstname`: at most 20 characters (PayWay's purchase page).
    pub first_name: Option<String>,
    /// `lastname`: at most 20 characters.
    pub last_name: Option<String>,
    /// `email`: at most 50 characters.
    pub email: Option<String>,
    /// `phone`: at most 20 characters.
    pub phone: Option<String>,
    /// `type`.
    pub purchase_type: PurchaseType,
    /// `payment_option`: cards, abapay_khqr, abapay_khqr_deeplink, alipay, wechat,
    /// google_pay; empty lets PayWay show its chooser.
    pub payment_option: Option<String>,
    /// `return_url`: where PayWay POSTs the pushback (server to server).
    pub pushback_url: Option<Url>,
    /// `cancel_url`.
    pub cancel_url: Option<Url>,
    /// `continue_success_url`: where the browser goes after paying.
    pub continue_success_url: Option<Url>,
    /// `return_deeplink`.
    pub return_deeplink: Option<ReturnDeeplink>,
    /// `custom_fields`: JSON text, sent base64-encoded.
    pub custom_fields: Option<String>,
    /// `return_params`: echoed in the pushback.
    pub return_params: Option<String>,
    /// `payout`: at most 10.
    pub payout: Vec<Payout>,
    /// `lifetime` in minutes, 3 to 43200.
    pub lifetime_minutes: Option<u32>,
    /// `additional_params`: JSON text, sent base64-encoded.
    pub additional_params: Option<String>,
    /// `google_pay_token`.
    pub google_pay_token: Option<String>,
    /// `skip_success_page`.
    pub skip_success_page: bool,
    /// `view_type` (not hashed).
    pub view_type: Option<ViewType>,
    /// `payment_gate` (not hashed): `0` uses Checkout on profiles that also have the QR API.
    pub payment_gate: Option<u8>,
    /// `ctid`, `token_flag` and `frequency`: save the payer's credentials with this payment
    /// (a subscription's first payment), all three signed (see [`order::PURCHASE`]).
    pub save_credential: Option<SaveCredential>,
}

impl PurchaseRequest {
    /// A purchase of `amount` for `tran_id`, nothing else set.
    pub fn new(tran_id: OrderId, amount: Money) -> PurchaseRequest {
        PurchaseRequest {
            tran_id,
            amount,
            items: Vec::new(),
            shipping: None,
            first_name: None,
            last_name: None,
            email: None,
            phone: None,
            purchase_type: PurchaseType::Purchase,
            payment_option: None,
            pushback_url: None,
            cancel_url: None,
            continue_success_url: None,
            return_deeplink: None,
            custom_fields: None,
            return_params: None,
            payout: Vec::new(),
            lifetime_minutes: None,
            additional_params: None,
            google_pay_token: None,
            skip_success_page: false,
            view_type: None,
            payment_gate: None,
            save_credential: None,
        }
    }

    /// The unified request in PayWay's terms: `callback_url` → `return_url` (pushback),
    /// `return_url` → `continue_success_url`, `expires_in` → `lifetime` (whole minutes,
    /// rounded up), manual capture → `pre-auth`, and `hosted_view` with `payment_gate=0` so
    /// that PayWay answers with a redirect. `description` has no PayWay field and is dropped.
    pub fn from_create(request: &CreatePayment) -> Result<PurchaseRequest> {
        let common = FromCreate::of(request)?;
        let mut purchase = PurchaseRequest::new(request.order_id.clone(), request.amount);
        purchase.items = common.items;
        [
            purchase.first_name,
            purchase.last_name,
            purchase.email,
            purchase.phone,
        ] = common.payer;
        purchase.purchase_type = common.purchase_type;
        purchase.lifetime_minutes = common.lifetime_minutes;
        purchase.pushback_url = request.callback_url.clone();
        purchase.continue_success_url = request.return_url.clone();
        purchase.cancel_url = request.cancel_url.clone();
        purchase.view_type = Some(ViewType::HostedView);
        purchase.payment_gate = Some(0);
        Ok(purchase)
    }
}

/// The signed purchase fields and where they go: send them with [`to_request`], or render
/// them as a browser form posting to `action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseForm {
    /// The purchase URL.
    pub action: Url,
    /// Field names and values, in send order, `hash` included; empty fields left out.
    pub fields: Fields,
}

/// The `payment_option` values PayWay's purchase page lists (an older copy of it omits
/// `abapay`; the current page, the provider's own, is followed).
pub const PURCHASE_PAYMENT_OPTIONS: &[&str] = &[
    "cards",
    "abapay",
    "abapay_khqr",
    "abapay_khqr_deeplink",
    "alipay",
    "wechat",
    "google_pay",
];

#[doc(hidden)]
/// Builds and signs the purchase fields. Nothing is sent.
pub fn form(
    config: &PaywayConfig,
    request: &PurchaseRequest,
    now: OffsetDateTime,
) -> Result<PurchaseForm> {
    request.tran_id.check(&TRAN_ID_RULES)?;
    let amount = wire_amount("amount", &request.amount, true)?;
    let currency = request.amount.currency();
    check_lifetime(request.lifetime_minutes)?;
    if let Some(option) = &request.payment_option
        && !PURCHASE_PAYMENT_OPTIONS.contains(&option.as_str())
    {
        return Err(Error::invalid(
            "payment_option",
            format!(
                "must be one of PayWay's options: {}",
                PURCHASE_PAYMENT_OPTIONS.join(", ")
            ),
        ));
    }
    let fields = Fields::new()
        .with("req_time", request_time(now))
        .with("merchant_id", config.merchant_id.as_str())
        .with("tran_id", request.tran_id.as_str())
        .with("amount", amount)
        .with_opt(
            "items",
            bounded("items", encode_items(&request.items, currency)?, 500)?,
        )
        .with_opt("shipping", encode_shipping(request, currency)?)
        .with_opt(
            "firstname",
            bounded("firstname", request.first_name.clone(), 20)?,
        )
        .with_opt(
            "lastname",
            bounded("lastname", request.last_name.clone(), 20)?,
        )
        .with_opt("email", bounded("email", request.email.clone(), 50)?)
        .with_opt("phone", bounded("phone", request.phone.clone(), 20)?)
        .with("type", purchase_type_text(request.purchase_type))
        .with_opt("payment_option", request.payment_option.clone())
        .with_opt(
            "return_url",
            request
                .pushback_url
                .as_ref()
                .map(|u| BASE64.encode(u.as_str())),
        )
        .with_opt(
            "cancel_url",
            request.cancel_url.as_ref().map(|u| u.to_string()),
        )
        .with_opt(
            "continue_success_url",
            request.continue_success_url.as_ref().map(|u| u.to_string()),
        )
        .with_opt(
            "return_deeplink",
            encode_deeplink(request.return_deeplink.as_ref())?,
        )
        .with("currency", currency.code())
        .with_opt(
            "custom_fields",
            json_object_field("custom_fields", request.custom_fields.as_deref())?,
        )
        .with_opt("return_params", request.return_params.clone())
        .with_opt("payout", encode_payout(request)?)
        .with_opt("lifetime", request.lifetime_minutes.map(|m| m.to_string()))
        .with_opt(
            "additional_params",
            json_object_field("additional_params", request.additional_params.as_deref())?,
        )
        .with_opt("google_pay_token", request.google_pay_token.clone())
        .with_opt(
            "skip_success_page",
            request.skip_success_page.then(|| "1".to_owned()),
        );
    // A plain purchase sends no `ctid`, `token_flag` or `frequency` at all (they hash as "").
    let fields = match &request.save_credential {
        None => fields,
        Some(save) => fields
            .with("ctid", save.ctid.as_str())
            .with("token_flag", save.token_flag.as_str())
            .with_opt(
                "frequency",
                frequency_for(save.token_flag, save.frequency)?.map(str::to_owned),
            ),
    };
    let hash = fields.hash(&config.hmac, order::PURCHASE);
    // `view_type` and `payment_gate` are sent but not hashed.
    let fields = fields
        .with_opt("view_type", request.view_type.map(view_type_text))
        .with_opt("payment_gate", request.payment_gate.map(|g| g.to_string()))
        .with("hash", hash);
    let action = join_url(&config.base_url, Endpoint::Purchase.path())?;
    Ok(PurchaseForm { action, fields })
}

/// `shipping`: the amount's digits, in the purchase's currency.
fn encode_shipping(request: &PurchaseRequest, currency: Currency) -> Result<Option<String>> {
    request
        .shipping
        .as_ref()
        .map(|s| {
            same_currency("shipping", s, currency)?;
            Ok(s.format_amount())
        })
        .transpose()
}

/// `payout`: base64 of the JSON list `[{acc, amt}]` (checked by [`wire_payouts`]).
fn encode_payout(request: &PurchaseRequest) -> Result<Option<String>> {
    if request.payout.is_empty() {
        return Ok(None);
    }
    base64_list(&wire_payouts(&request.payout, &request.amount)?).map(Some)
}

fn view_type_text(view_type: ViewType) -> String {
    match view_type {
        ViewType::HostedView => "hosted_view",
        ViewType::Popup => "popup",
    }
    .to_owned()
}

#[doc(hidden)]
/// The form as a server-side `multipart/form-data` POST (empty fields left out; the
/// boundary comes from `random`).
pub fn to_request(form: &PurchaseForm, random: &dyn RandomSource) -> Result<HttpRequest> {
    let fields = form
        .fields
        .iter()
        .filter_map(|(name, value)| value.filter(|v| !v.is_empty()).map(|v| (name, v)));
    multipart_request(
        Endpoint::Purchase,
        form.action.clone(),
        fields,
        None,
        random,
        Some(form.fields.get("tran_id")),
    )
}

/// What the customer must do next, as PayWay answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PurchaseOutcome {
    /// Send the browser to the hosted page (the URL's token lives 180 s).
    Redirect {
        /// Hosted page.
        url: Url,
    },
    /// Show the KHQR / open the deep link / send to the hosted QR page.
    Qr {
        /// The JSON answer.
        response: Box<PurchaseResponse>,
    },
    /// Render this form in the customer's browser (PayWay answered with HTML).
    Form(PurchaseForm),
}

impl PurchaseOutcome {
    /// The unified next action.
    pub fn next_action(&self) -> Result<NextAction> {
        Ok(match self {
            PurchaseOutcome::Redirect { url } => NextAction::Redirect { url: url.clone() },
            PurchaseOutcome::Qr { response } => NextAction::ShowQr {
                qr_string: response.qr_string.clone().unwrap_or_default(),
                deeplink: response.abapay_deeplink.clone(),
                url: response
                    .checkout_qr_url
                    .as_deref()
                    .and_then(|u| Url::parse(u).ok()),
                image: response.qr_image.clone(),
            },
            PurchaseOutcome::Form(form) => NextAction::PostForm {
                url: form.action.clone(),
                fields: form
                    .fields
                    .iter()
                    .filter_map(|(n, v)| {
                        v.filter(|v| !v.is_empty())
                            .map(|v| (n.to_owned(), v.to_owned()))
                    })
                    .collect(),
            },
        })
    }
}

#[doc(hidden)]
/// Reads the answer to a server-side purchase of `form`.
pub fn parse_purchase(
    response: &HttpResponse,
    form: &PurchaseForm,
) -> Result<NativeResponse<PurchaseOutcome>> {
    let operation = Endpoint::Purchase.operation();
    let unexpected =
        |reason: &str| Error::from(UnexpectedBody::new(PROVIDER, operation, response, reason));
    let raw = RawResponse::from(response);
    if matches!(response.status, 301 | 302 | 303 | 307 | 308) {
        let location = response
            .headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| unexpected("a redirect without Location"))?;
        let url = form
            .action
            .join(location)
            .map_err(|_| unexpected("a redirect to an invalid URL"))?;
        return Ok(NativeResponse {
            body: PurchaseOutcome::Redirect { url },
            raw,
        });
    }
    let html = response
        .content_type()
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("text/html"));
    if html {
        if response.status == 200 {
            return Ok(NativeResponse {
                body: PurchaseOutcome::Form(form.clone()),
                raw,
            });
        }
        return Err(unexpected("an HTML error page"));
    }
    let native = parse_answer::<PurchaseResponse>(Endpoint::Purchase, response)?;
    let body = native.body;
    if body.qr_string.is_none() && body.abapay_deeplink.is_none() && body.checkout_qr_url.is_none()
    {
        return Err(unexpected(
            "success without a checkout (no QR, deep link or URL)",
        ));
    }
    Ok(NativeResponse {
        body: PurchaseOutcome::Qr {
            response: Box::new(body),
        },
        raw: native.raw,
    })
}

#[doc(hidden)]
/// purchase, sent from the server, as a [`Call`]: the form is signed beforehand
/// ([`form`]); the multipart boundary comes from the call's randomness.
#[derive(Debug, Clone, Copy)]
pub struct PurchaseCall<'a> {
    /// The signed fields.
    pub form: &'a PurchaseForm,
}

impl Call<PaywayConfig> for PurchaseCall<'_> {
    type Output = PurchaseOutcome;

    fn to_request(&self, _config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        to_request(self.form, context.random)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_purchase(response, self.form)
    }
}
