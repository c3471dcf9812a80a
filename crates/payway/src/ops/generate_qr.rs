//! `generate-qr` (the QR API): the KHQR (or ABA, WeChat, Alipay) QR an app shows itself,
//! without PayWay's checkout page.
//!
//! `POST /api/payment-gateway/v1/payments/generate-qr`, JSON. The hash covers 19 fields in
//! [`order::GENERATE_QR`] (`qr_image_template` last); unset optional ones are sent as `null`
//! and hashed as `""`, as PayWay's own example sends them. `qr_image_template` and `lifetime`
//! are required and always sent. `amount` and `lifetime` are JSON
//! numbers, hashed as their text. `callback_url` is base64, like purchase's `return_url`;
//! `items`, `return_deeplink`, `custom_fields` and `payout` are encoded as on purchase.
//! WeChat and Alipay QRs are USD only; `lifetime` (minutes) is required. The answer carries
//! `status` (`0` on success, the purchase family's codes otherwise) and the QR in camelCase
//! (`qrString`, `qrImage`); the deep link and store links in snake_case.

use paygate_core::config::validate_merchant_url;
use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{Call, CallContext, HttpRequest, HttpResponse};
use paygate_core::{
    CreatePayment, Error, Money, NativeResponse, OrderId, Result, UnexpectedBody, Url, check_echo,
};

use super::purchase::{Payout, PurchaseItem, PurchaseType, ReturnDeeplink};
use super::{
    FromCreate, TRAN_ID_RULES, base64_list, bounded, check_amount_echo, check_lifetime,
    encode_deeplink, encode_items, json_object_field, parse_answer, post_json, purchase_type_text,
    wire_amount, wire_payouts,
};
use crate::PROVIDER;
use crate::config::PaywayConfig;
use crate::endpoint::{Endpoint, order};
use crate::sign::Fields;
use crate::wire::{GenerateQrResponse, request_time};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// The most `items` a QR takes (PayWay's QR API page: "max 10 items").
pub const MAX_QR_ITEMS: usize = 10;

/// Which QR PayWay draws (`payment_option`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum QrPaymentOption {
    /// `abapay`: ABA's own QR, paid in ABA Mobile only.
    AbaPay,
    /// `abapay_khqr`: KHQR, paid in any Cambodian bank app.
    AbaPayKhqr,
    /// `wechat`: WeChat Pay (USD only).
    WeChat,
    /// `alipay`: Alipay (USD only).
    Alipay,
}

impl QrPaymentOption {
    /// The option PayWay names `name`, if any.
    pub fn from_name(name: &str) -> Option<QrPaymentOption> {
        match name {
            "abapay" => Some(QrPaymentOption::AbaPay),
            "abapay_khqr" => Some(QrPaymentOption::AbaPayKhqr),
            "wechat" => Some(QrPaymentOption::WeChat),
            "alipay" => Some(QrPaymentOption::Alipay),
            _ => None,
        }
    }

    /// PayWay's name.
    pub fn as_str(self) -> &'static str {
        match self {
            QrPaymentOption::AbaPay => "abapay",
            QrPaymentOption::AbaPayKhqr => "abapay_khqr",
            QrPaymentOption::WeChat => "wechat",
            QrPaymentOption::Alipay => "alipay",
        }
    }
}

/// `qr_image_template`: the frame PayWay draws around `qrImage`. Required on `generate-qr`
/// (at most 20 characters, part of the hash); any other name is answered HTTP 400. The ten
/// names are the request table's of PayWay's QR API page, as its mirror (Joselay/aba-payway-
/// docs, `14-qr-api.md`) keeps it; a third-party probe of PayWay's sandbox made and paid a QR
/// with each of the ten. One third-party SDK lists only the first seven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QrImageTemplate {
    /// `template1`: the default, as PayWay's QR API overview states ("template1 by default").
    Template1,
    /// `template1_color`.
    Template1Color,
    /// `template2`.
    Template2,
    /// `template2_color`.
    Template2Color,
    /// `template3_color`: the one most published integrations send.
    Template3Color,
    /// `template4`.
    Template4,
    /// `template4_color`.
    Template4Color,
    /// `template5`.
    Template5,
    /// `template5_color`.
    Template5Color,
    /// `template6_color`.
    Template6Color,
}

impl QrImageTemplate {
    /// Every template PayWay names, in its page's order.
    pub const ALL: [QrImageTemplate; 10] = [
        QrImageTemplate::Template1,
        QrImageTemplate::Template1Color,
        QrImageTemplate::Template2,
        QrImageTemplate::Template2Color,
        QrImageTemplate::Template3Color,
        QrImageTemplate::Template4,
        QrImageTemplate::Template4Color,
        QrImageTemplate::Template5,
        QrImageTemplate::Template5Color,
        QrImageTemplate::Template6Color,
    ];

    /// The template a QR gets unless configured otherwise: `template1`, PayWay's documented
    /// default (its overview page; the QR API page itself marks the field required, so it is
    /// always sent).
    pub const DEFAULT: QrImageTemplate = QrImageTemplate::Template1;

    /// PayWay's name.
    pub fn as_str(self) -> &'static str {
        match self {
            QrImageTemplate::Template1 => "template1",
            QrImageTemplate::Template1Color => "template1_color",
            QrImageTemplate::Template2 => "template2",
            QrImageTemplate::Template2Color => "template2_color",
            QrImageTemplate::Template3Color => "template3_color",
            QrImageTemplate::Template4 => "template4",
            QrImageTemplate::Template4Color => "template4_color",
            QrImageTemplate::Template5 => "template5",
            QrImageTemplate::Template5Color => "template5_color",
            QrImageTemplate::Template6Color => "template6_color",
        }
    }

    /// The template PayWay names `name`; an invalid-input error listing the names otherwise.
    pub fn from_name(name: &str) -> Result<QrImageTemplate> {
        QrImageTemplate::ALL
            .into_iter()
            .find(|t| t.as_str() == name)
            .ok_or_else(|| {
                Error::invalid(
                    "qr_image_template",
                    format!(
                        "must be one of PayWay's templates: {}",
                        QrImageTemplate::names()
                    ),
                )
            })
    }

    /// The names, comma-separated (for messages).
    pub fn names() -> String {
        QrImageTemplate::ALL.map(QrImageTemplate::as_str).join(", ")
    }
}

impl Default for QrImageTemplate {
    fn default() -> QrImageTemplate {
        QrImageTemplate::DEFAULT
    }
}

/// Everything `generate-qr` takes, in our names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QrRequest {
    /// `tran_id`: at most 20 characters.
    pub tran_id: OrderId,
    /// `amount` and `currency` (USD, or KHR of at least 100).
    pub amount: Money,
    /// `payment_option`.
    pub payment_option: QrPaymentOption,
    /// `purchase_type`: a payment, or a hold to complete later.
    pub purchase_type: PurchaseType,
    /// `lifetime`: how long the QR can be paid, 3 to 43 200 minutes.
    pub lifetime_minutes: u32,
    /// `first_name`: at most 20 characters.
    pub first_name: Option<String>,
    /// `last_name`: at most 20 characters.
    pub last_name: Option<String>,
    /// `email`: at most 50 characters.
    pub email: Option<String>,
    /// `phone`: at most 20 characters.
    pub phone: Option<String>,
    /// `items`: at most [`MAX_QR_ITEMS`], at most 500 characters once encoded.
    pub items: Vec<PurchaseItem>,
    /// `callback_url`: where PayWay POSTs the pushback (https; at most 255 characters once
    /// encoded).
    pub callback_url: Option<Url>,
    /// `return_deeplink`.
    pub return_deeplink: Option<ReturnDeeplink>,
    /// `custom_fields`: JSON text.
    pub custom_fields: Option<String>,
    /// `return_params`: echoed in the pushback.
    pub return_params: Option<String>,
    /// `payout`: shares paid to other ABA accounts (at most 10).
    pub payout: Vec<Payout>,
    /// `qr_image_template`: the frame PayWay draws around `qrImage` (required by PayWay).
    pub qr_image_template: QrImageTemplate,
}

impl QrRequest {
    /// A QR of `amount` for `tran_id`, payable for `lifetime_minutes`, nothing else set.
    pub fn new(
        tran_id: OrderId,
        amount: Money,
        payment_option: QrPaymentOption,
        lifetime_minutes: u32,
    ) -> QrRequest {
        QrRequest {
            tran_id,
            amount,
            payment_option,
            purchase_type: PurchaseType::Purchase,
            lifetime_minutes,
            first_name: None,
            last_name: None,
            email: None,
            phone: None,
            items: Vec::new(),
            callback_url: None,
            return_deeplink: None,
            custom_fields: None,
            return_params: None,
            payout: Vec::new(),
            qr_image_template: QrImageTemplate::DEFAULT,
        }
    }
}

impl QrRequest {
    /// How long a QR of the unified `create_payment` can be paid when the request sets no
    /// `expires_in`: PayWay requires a lifetime (a copy of its page says 30 days when
    /// absent; a QR shown at a till should not stay payable that long).
    pub const DEFAULT_LIFETIME_MINUTES: u32 = 30;

    /// The unified request as a QR drawn in `template`: `callback_url` → `callback_url` (pushback),
    /// `expires_in` → `lifetime` (whole minutes, rounded up; 30 when unset), manual capture →
    /// `pre-auth`, the customer and items as on purchase. `return_url` and `cancel_url` have no
    /// use here (no browser leaves the app) and `description` no PayWay field: both are dropped.
    pub fn from_create(
        request: &CreatePayment,
        option: QrPaymentOption,
        template: QrImageTemplate,
    ) -> Result<QrRequest> {
        let common = FromCreate::of(request)?;
        let lifetime = common
            .lifetime_minutes
            .unwrap_or(QrRequest::DEFAULT_LIFETIME_MINUTES);
        let mut qr = QrRequest::new(request.order_id.clone(), request.amount, option, lifetime);
        qr.items = common.items;
        [qr.first_name, qr.last_name, qr.email, qr.phone] = common.payer;
        qr.purchase_type = common.purchase_type;
        qr.callback_url = request.callback_url.clone();
        qr.qr_image_template = template;
        Ok(qr)
    }
}

#[doc(hidden)]
/// The signed fields of a QR request, in PayWay's example order. Nothing is sent.
pub fn generate_qr_fields(
    config: &PaywayConfig,
    request: &QrRequest,
    now: OffsetDateTime,
) -> Result<Fields> {
    request.tran_id.check(&TRAN_ID_RULES)?;
    let amount = wire_amount("amount", &request.amount, true)?;
    let currency = request.amount.currency();
    if matches!(
        request.payment_option,
        QrPaymentOption::WeChat | QrPaymentOption::Alipay
    ) && currency != paygate_core::Currency::USD
    {
        return Err(Error::invalid(
            "payment_option",
            format!("{} QRs are USD only", request.payment_option.as_str()),
        ));
    }
    if matches!(
        request.payment_option,
        QrPaymentOption::WeChat | QrPaymentOption::Alipay
    ) && request.purchase_type == PurchaseType::PreAuth
    {
        return Err(Error::invalid(
            "purchase_type",
            format!(
                "{} QRs take no pre-auth (PayWay's QR API page)",
                request.payment_option.as_str()
            ),
        ));
    }
    if request.items.len() > MAX_QR_ITEMS {
        return Err(Error::invalid(
            "items",
            format!("PayWay's QR API takes at most {MAX_QR_ITEMS} items"),
        ));
    }
    check_lifetime(Some(request.lifetime_minutes))?;
    let callback_url = match &request.callback_url {
        Some(url) => {
            validate_merchant_url(url).map_err(|e| Error::invalid("callback_url", e))?;
            Some(BASE64.encode(url.as_str()))
        }
        None => None,
    };
    let payout = if request.payout.is_empty() {
        None
    } else {
        Some(base64_list(&wire_payouts(
            &request.payout,
            &request.amount,
        )?)?)
    };
    let fields = Fields::new()
        .with("req_time", request_time(now))
        .with("merchant_id", config.merchant_id.as_str())
        .with("tran_id", request.tran_id.as_str())
        .with_opt(
            "first_name",
            bounded("first_name", request.first_name.clone(), 20)?,
        )
        .with_opt(
            "last_name",
            bounded("last_name", request.last_name.clone(), 20)?,
        )
        .with_opt("email", bounded("email", request.email.clone(), 50)?)
        .with_opt("phone", bounded("phone", request.phone.clone(), 20)?)
        .with_number("amount", amount)
        .with("purchase_type", purchase_type_text(request.purchase_type))
        .with("payment_option", request.payment_option.as_str())
        .with_opt(
            "items",
            bounded("items", encode_items(&request.items, currency)?, 500)?,
        )
        .with("currency", currency.code())
        .with_opt("callback_url", bounded("callback_url", callback_url, 255)?)
        .with_opt(
            "return_deeplink",
            bounded(
                "return_deeplink",
                encode_deeplink(request.return_deeplink.as_ref())?,
                255,
            )?,
        )
        .with_opt(
            "custom_fields",
            bounded(
                "custom_fields",
                json_object_field("custom_fields", request.custom_fields.as_deref())?,
                255,
            )?,
        )
        .with_opt(
            "return_params",
            bounded("return_params", request.return_params.clone(), 255)?,
        )
        .with_opt("payout", bounded("payout", payout, 255)?)
        .with_number("lifetime", request.lifetime_minutes.to_string())
        .with("qr_image_template", request.qr_image_template.as_str());
    Ok(fields.signed(&config.hmac, order::GENERATE_QR))
}

#[doc(hidden)]
/// Builds the signed `generate-qr` request.
pub fn build_generate_qr(
    config: &PaywayConfig,
    request: &QrRequest,
    now: OffsetDateTime,
) -> Result<HttpRequest> {
    let fields = generate_qr_fields(config, request, now)?;
    post_json(
        config,
        Endpoint::GenerateQr,
        &fields,
        Some(request.tran_id.as_str()),
    )
}

#[doc(hidden)]
/// Reads a `generate-qr` answer: a success must carry the QR (`qrString`); one without is
/// an unexpected body (the order may exist: the outcome is unknown).
pub fn parse_generate_qr(response: &HttpResponse) -> Result<NativeResponse<GenerateQrResponse>> {
    let native = parse_answer::<GenerateQrResponse>(Endpoint::GenerateQr, response)?;
    if native.body.qr_string.as_deref().is_none_or(str::is_empty) {
        return Err(UnexpectedBody::new(
            PROVIDER,
            Endpoint::GenerateQr.operation(),
            response,
            "success without a QR (no qrString)",
        )
        .into());
    }
    Ok(native)
}

#[doc(hidden)]
/// generate-qr as a [`Call`]. A write (it creates the transaction): sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct GenerateQrCall<'a> {
    /// What to ask for.
    pub request: &'a QrRequest,
}

impl Call<PaywayConfig> for GenerateQrCall<'_> {
    type Output = GenerateQrResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_generate_qr(config, self.request, context.now)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        let native = parse_generate_qr(response)?;
        check_qr_answer(self.request, &native)?;
        Ok(native)
    }
}

#[doc(hidden)]
/// The answer must be about the QR asked for: the `tran_id`, currency and amount it echoes
/// (when it echoes them) are the request's; otherwise it is an unexpected body, and on this
/// write the outcome is unknown.
pub fn check_qr_answer(
    request: &QrRequest,
    native: &NativeResponse<GenerateQrResponse>,
) -> Result<()> {
    let operation = Endpoint::GenerateQr.operation();
    let raw = &native.raw;
    let body = &native.body;
    check_echo(
        PROVIDER,
        operation,
        raw,
        "tran_id",
        request.tran_id.as_str(),
        body.status.tran_id.as_deref(),
    )?;
    let currency = request.amount.currency();
    check_echo(
        PROVIDER,
        operation,
        raw,
        "currency",
        currency.code(),
        body.currency
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref(),
    )?;
    check_amount_echo(operation, raw, body.amount, &request.amount)
}
