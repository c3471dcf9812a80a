//! `POST /api/payment-gateway/v3/purchase/payment-credential`: a payment with a saved token,
//! JSON, signed in [`order::TOKEN_PAYMENT`] (no `request_id`). `amount` is a JSON number
//! hashed as its text; `callback_url`, `items` and `payout` are encoded as on the QR API.
//!
//! A write that moves money: sent once. `status.code` `00` says PayWay took the request; the
//! payment's own result (approved, declined, or waiting for the customer's 3-D Secure step on
//! a `CITU_FLEX` payment) is read with check-transaction, never assumed from this answer.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use paygate_core::config::validate_merchant_url;
use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{Call, CallContext, HttpRequest, HttpResponse};
use paygate_core::{Money, NativeResponse, OrderId, Result, Url, check_echo};

use super::credential::{ConsumerTokenId, PayTokenFlag, PaymentToken};
use super::purchase::{Payout, PurchaseItem, PurchaseType};
use super::{
    TRAN_ID_RULES, base64_list, bounded, encode_items, json_object_field, parse_answer, post_json,
    purchase_type_text, same_currency, wire_amount, wire_payouts,
};
use crate::PROVIDER;
use crate::config::PaywayConfig;
use crate::endpoint::{Endpoint, order};
use crate::sign::Fields;
use crate::wire::{TokenPaymentResponse, request_time};
use paygate_core::Error;

/// Everything a payment with a saved token takes, in our names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenPaymentRequest {
    /// `tran_id`: at most 20 characters, new for each payment.
    pub tran_id: OrderId,
    /// `amount` and `currency` (USD, or KHR of at least 100).
    pub amount: Money,
    /// `ctid`: the customer the token was issued for.
    pub ctid: ConsumerTokenId,
    /// `pwt`: the saved token.
    pub pwt: PaymentToken,
    /// `token_flag`: who starts this payment.
    pub token_flag: PayTokenFlag,
    /// `purchase_type`: a payment, or a hold to complete later.
    pub purchase_type: PurchaseType,
    /// `items`.
    pub items: Vec<PurchaseItem>,
    /// `first_name`: at most 20 characters.
    pub first_name: Option<String>,
    /// `last_name`: at most 20 characters.
    pub last_name: Option<String>,
    /// `email`: at most 50 characters.
    pub email: Option<String>,
    /// `phone`: at most 20 characters.
    pub phone: Option<String>,
    /// `callback_url`: where PayWay reports the payment (https, sent base64).
    pub callback_url: Option<Url>,
    /// `custom_fields`: JSON text.
    pub custom_fields: Option<String>,
    /// `return_params`: echoed in the callback.
    pub return_params: Option<String>,
    /// `payout`: shares paid to other ABA accounts (at most 10).
    pub payout: Vec<Payout>,
    /// `shipping_fee`, in the payment's currency.
    pub shipping_fee: Option<Money>,
}

impl TokenPaymentRequest {
    /// A payment of `amount` for `tran_id` with `ctid`'s token, nothing else set.
    pub fn new(
        tran_id: OrderId,
        amount: Money,
        ctid: ConsumerTokenId,
        pwt: PaymentToken,
        token_flag: PayTokenFlag,
    ) -> TokenPaymentRequest {
        TokenPaymentRequest {
            tran_id,
            amount,
            ctid,
            pwt,
            token_flag,
            purchase_type: PurchaseType::Purchase,
            items: Vec::new(),
            first_name: None,
            last_name: None,
            email: None,
            phone: None,
            callback_url: None,
            custom_fields: None,
            return_params: None,
            payout: Vec::new(),
            shipping_fee: None,
        }
    }
}

#[doc(hidden)]
/// Builds the signed payment request. Nothing is sent.
pub fn build_token_payment(
    config: &PaywayConfig,
    request: &TokenPaymentRequest,
    now: OffsetDateTime,
) -> Result<HttpRequest> {
    request.tran_id.check(&TRAN_ID_RULES)?;
    let amount = wire_amount("amount", &request.amount, true)?;
    let currency = request.amount.currency();
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
    let shipping_fee = match &request.shipping_fee {
        Some(fee) => {
            same_currency("shipping_fee", fee, currency)?;
            Some(fee.format_amount())
        }
        None => None,
    };
    let fields = Fields::new()
        .with("request_time", request_time(now))
        .with("merchant_id", config.merchant_id.as_str())
        .with("tran_id", request.tran_id.as_str())
        .with_number("amount", amount)
        .with("currency", currency.code())
        .with_opt(
            "items",
            bounded("items", encode_items(&request.items, currency)?, 500)?,
        )
        .with("ctid", request.ctid.as_str())
        .with("pwt", request.pwt.expose_secret())
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
        .with("purchase_type", purchase_type_text(request.purchase_type))
        .with_opt("callback_url", bounded("callback_url", callback_url, 255)?)
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
        .with("token_flag", request.token_flag.as_str())
        .with_opt("shipping_fee", shipping_fee)
        .signed(&config.hmac, order::TOKEN_PAYMENT)
        .without_unset();
    post_json(
        config,
        Endpoint::TokenPayment,
        &fields,
        Some(request.tran_id.as_str()),
    )
}

#[doc(hidden)]
/// Reads the answer: a success naming another `tran_id` is an unexpected body (on this write,
/// an unknown outcome).
pub fn parse_token_payment(
    response: &HttpResponse,
    tran_id: &OrderId,
) -> Result<NativeResponse<TokenPaymentResponse>> {
    let native = parse_answer::<TokenPaymentResponse>(Endpoint::TokenPayment, response)?;
    check_echo(
        PROVIDER,
        Endpoint::TokenPayment.operation(),
        &native.raw,
        "tran_id",
        tran_id.as_str(),
        native.body.status.tran_id.as_deref(),
    )?;
    Ok(native)
}

#[doc(hidden)]
/// payment-credential as a [`Call`] (a write: sent once).
#[derive(Debug, Clone, Copy)]
pub struct TokenPaymentCall<'a> {
    /// The payment.
    pub request: &'a TokenPaymentRequest,
}

impl Call<PaywayConfig> for TokenPaymentCall<'_> {
    type Output = TokenPaymentResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_token_payment(config, self.request, context.now)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_token_payment(response, &self.request.tran_id)
    }
}
