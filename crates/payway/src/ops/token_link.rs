//! Saving a customer's ABA account or card: `POST /api/payment-credential/v3/aof/link-account`
//! (JSON; answers with a QR and a deep link the customer approves in ABA Mobile) and
//! `/v3/cof/link-card` (a browser form, `application/x-www-form-urlencoded`; PayWay answers it
//! with its add-card page, so it is built here and posted by the customer's browser, like the
//! purchase form). `callback_url` is base64, as on the QR API; PayWay calls it when the link is
//! approved, and the token is then read with get-token-details.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use paygate_core::config::validate_merchant_url;
use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{Call, CallContext, HttpRequest, HttpResponse, join_url};
use paygate_core::{Currency, Error, Money, NativeResponse, Result, UnexpectedBody, Url};

use super::credential::{
    BillingFrequency, ConsumerTokenId, LinkRequestId, LinkTokenFlag, frequency_for, link_flag,
};
use super::purchase::ReturnDeeplink;
use super::{bounded, encode_deeplink, parse_answer, post_json, same_currency, wire_amount};
use crate::PROVIDER;
use crate::config::PaywayConfig;
use crate::endpoint::{Endpoint, order};
use crate::sign::Fields;
use crate::wire::{AccountLinkResponse, request_time};

/// What link-account and link-card share.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenLinkRequest {
    /// `request_id`: names this link (and later its token).
    pub request_id: LinkRequestId,
    /// `ctid`: the customer.
    pub ctid: ConsumerTokenId,
    /// `token_flag`: CITI_FLEX, CITO_FLEX, CITO_FIX or CITR_FLEX.
    pub token_flag: LinkTokenFlag,
    /// `currency` of the payments to come: USD or KHR.
    pub currency: Currency,
    /// `callback_url`: where PayWay reports the approved link (https, sent base64).
    pub callback_url: Option<Url>,
    /// `return_deeplink` (account links): the app to return to from ABA Mobile.
    pub return_deeplink: Option<ReturnDeeplink>,
    /// `continue_success_url` (card links): where the browser goes once the card is saved.
    pub continue_success_url: Option<Url>,
    /// `frequency`: required on a card link with a recurring flag (CITR_FLEX), refused with
    /// any other flag; sent with an account link when given.
    pub frequency: Option<BillingFrequency>,
    /// `amount` (card links): the fixed amount of a `*_FIX` token, in `currency`.
    pub amount: Option<Money>,
}

impl TokenLinkRequest {
    /// A link of `ctid`'s credentials under `request_id`, nothing else set.
    pub fn new(
        request_id: LinkRequestId,
        ctid: ConsumerTokenId,
        token_flag: LinkTokenFlag,
        currency: Currency,
    ) -> TokenLinkRequest {
        TokenLinkRequest {
            request_id,
            ctid,
            token_flag,
            currency,
            callback_url: None,
            return_deeplink: None,
            continue_success_url: None,
            frequency: None,
            amount: None,
        }
    }

    fn checked_currency(&self) -> Result<&'static str> {
        match self.currency {
            Currency::USD => Ok("USD"),
            Currency::KHR => Ok("KHR"),
            other => Err(Error::invalid(
                "currency",
                format!("PayWay takes USD or KHR, not {other}"),
            )),
        }
    }

    /// The fields both links start with.
    fn leading_fields(
        &self,
        config: &PaywayConfig,
        token_flag: &'static str,
        now: OffsetDateTime,
    ) -> Fields {
        Fields::new()
            .with("request_time", request_time(now))
            .with("merchant_id", config.merchant_id.as_str())
            .with("request_id", self.request_id.as_str())
            .with("ctid", self.ctid.as_str())
            .with("token_flag", token_flag)
    }

    fn encoded_callback(&self) -> Result<Option<String>> {
        let Some(url) = &self.callback_url else {
            return Ok(None);
        };
        validate_merchant_url(url).map_err(|e| Error::invalid("callback_url", e))?;
        bounded("callback_url", Some(BASE64.encode(url.as_str())), 255)
    }
}

#[doc(hidden)]
/// Builds the signed link-account request.
pub fn build_account_link(
    config: &PaywayConfig,
    request: &TokenLinkRequest,
    now: OffsetDateTime,
) -> Result<HttpRequest> {
    // Card-link fields: an account is approved in ABA Mobile, for no fixed amount.
    for (field, set) in [
        (
            "continue_success_url",
            request.continue_success_url.is_some(),
        ),
        ("amount", request.amount.is_some()),
    ] {
        if set {
            return Err(Error::invalid(
                field,
                "a card-link field: an account link takes none",
            ));
        }
    }
    let token_flag = link_flag(request.token_flag)?;
    // PayWay's sandbox demands a frequency of a recurring card link; of an account link
    // (whose hash has no `frequency`) nobody has seen it asked: sent when given, never
    // required.
    if request.frequency.is_some() && !request.token_flag.is_recurring() {
        frequency_for(request.token_flag, request.frequency)?;
    }
    let fields = request
        .leading_fields(config, token_flag, now)
        .with("currency", request.checked_currency()?)
        .with_opt("callback_url", request.encoded_callback()?)
        .with_opt(
            "return_deeplink",
            bounded(
                "return_deeplink",
                encode_deeplink(request.return_deeplink.as_ref())?,
                255,
            )?,
        )
        .with_opt(
            "frequency",
            request.frequency.map(|f| f.as_str().to_owned()),
        )
        .signed(&config.hmac, order::ACCOUNT_LINK)
        .without_unset();
    post_json(config, Endpoint::AccountLink, &fields, None)
}

#[doc(hidden)]
/// Reads a link-account answer: a success must carry a QR or a deep link.
pub fn parse_account_link(response: &HttpResponse) -> Result<NativeResponse<AccountLinkResponse>> {
    let native = parse_answer::<AccountLinkResponse>(Endpoint::AccountLink, response)?;
    let usable = native.body.data.as_ref().is_some_and(|d| {
        d.qr_string.as_deref().is_some_and(|q| !q.is_empty())
            || d.deeplink.as_deref().is_some_and(|l| !l.is_empty())
    });
    if !usable {
        return Err(UnexpectedBody::new(
            PROVIDER,
            Endpoint::AccountLink.operation(),
            response,
            "success without a QR or deep link to approve the link",
        )
        .into());
    }
    Ok(native)
}

#[doc(hidden)]
/// link-account as a [`Call`] (a write: sent once).
#[derive(Debug, Clone, Copy)]
pub struct AccountLinkCall<'a> {
    /// What to link.
    pub request: &'a TokenLinkRequest,
}

impl Call<PaywayConfig> for AccountLinkCall<'_> {
    type Output = AccountLinkResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_account_link(config, self.request, context.now)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_account_link(response)
    }
}

/// The signed link-card fields and where the customer's browser posts them (form-urlencoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardLinkForm {
    /// The link-card URL.
    pub action: Url,
    /// Field names and values, in send order, `hash` included; empty fields left out.
    pub fields: Fields,
}

#[doc(hidden)]
/// Builds and signs the link-card form. Nothing is sent.
pub fn card_link_form(
    config: &PaywayConfig,
    request: &TokenLinkRequest,
    now: OffsetDateTime,
) -> Result<CardLinkForm> {
    if request.return_deeplink.is_some() {
        return Err(Error::invalid(
            "return_deeplink",
            "a card link returns the browser to continue_success_url, not to an app",
        ));
    }
    let token_flag = link_flag(request.token_flag)?;
    let currency = request.checked_currency()?;
    let amount = match &request.amount {
        Some(amount) => {
            same_currency("amount", amount, request.currency)?;
            Some(wire_amount("amount", amount, false)?)
        }
        None => None,
    };
    let continue_success_url = match &request.continue_success_url {
        Some(url) => {
            validate_merchant_url(url).map_err(|e| Error::invalid("continue_success_url", e))?;
            Some(url.to_string())
        }
        None => None,
    };
    let fields = request
        .leading_fields(config, token_flag, now)
        .with_opt(
            "frequency",
            frequency_for(request.token_flag, request.frequency)?.map(str::to_owned),
        )
        .with_opt("amount", amount)
        .with("currency", currency)
        .with_opt("callback_url", request.encoded_callback()?)
        .with_opt("continue_success_url", continue_success_url)
        .signed(&config.hmac, order::CARD_LINK)
        .without_unset();
    let action = join_url(&config.base_url, Endpoint::CardLink.path())?;
    Ok(CardLinkForm { action, fields })
}
