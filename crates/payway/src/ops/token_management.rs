//! `POST /api/payment-credential/v3/token-management/…`: read the token a link produced
//! (`get-token-details`, by the link's `request_id` alone), renew an ABA account token that
//! expired (`renew-expired-account-token`; account tokens lapse after about 90 days unused) and
//! remove a token (`remove-token`; PayWay answers `00` for a token it does not know, so a
//! removal can be repeated). JSON; each signed in its own order (see [`order`]).

use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{Call, CallContext, HttpRequest, HttpResponse};
use paygate_core::{NativeResponse, Result};

use super::credential::{ConsumerTokenId, LinkRequestId, PaymentToken};
use super::{parse_answer, post_json};
use crate::config::PaywayConfig;
use crate::endpoint::{Endpoint, order};
use crate::sign::Fields;
use crate::wire::{TokenDetailsResponse, TokenStatusResponse, request_time};

#[doc(hidden)]
/// Builds the signed get-token-details request.
pub fn build_token_details(
    config: &PaywayConfig,
    request_id: &LinkRequestId,
    now: OffsetDateTime,
) -> Result<HttpRequest> {
    let fields = Fields::new()
        .with("request_time", request_time(now))
        .with("merchant_id", config.merchant_id.as_str())
        .with("request_id", request_id.as_str())
        .signed(&config.hmac, order::TOKEN_DETAILS);
    post_json(config, Endpoint::TokenDetails, &fields, None)
}

#[doc(hidden)]
/// Builds the signed renew-expired-account-token request.
pub fn build_token_renew(
    config: &PaywayConfig,
    ctid: &ConsumerTokenId,
    pwt: &PaymentToken,
    request_id: &LinkRequestId,
    now: OffsetDateTime,
) -> Result<HttpRequest> {
    let fields = Fields::new()
        .with("request_time", request_time(now))
        .with("merchant_id", config.merchant_id.as_str())
        .with("request_id", request_id.as_str())
        .with("ctid", ctid.as_str())
        .with("pwt", pwt.expose_secret())
        .signed(&config.hmac, order::TOKEN_RENEW);
    post_json(config, Endpoint::TokenRenew, &fields, None)
}

#[doc(hidden)]
/// Builds the signed remove-token request.
pub fn build_token_remove(
    config: &PaywayConfig,
    ctid: &ConsumerTokenId,
    pwt: &PaymentToken,
    now: OffsetDateTime,
) -> Result<HttpRequest> {
    let fields = Fields::new()
        .with("request_time", request_time(now))
        .with("merchant_id", config.merchant_id.as_str())
        .with("ctid", ctid.as_str())
        .with("pwt", pwt.expose_secret())
        .signed(&config.hmac, order::TOKEN_REMOVE);
    post_json(config, Endpoint::TokenRemove, &fields, None)
}

#[doc(hidden)]
/// get-token-details as a [`Call`].
#[derive(Debug, Clone, Copy)]
pub struct TokenDetailsCall<'a> {
    /// The link request.
    pub request_id: &'a LinkRequestId,
}

impl Call<PaywayConfig> for TokenDetailsCall<'_> {
    type Output = TokenDetailsResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_token_details(config, self.request_id, context.now)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_answer(Endpoint::TokenDetails, response)
    }
}

#[doc(hidden)]
/// renew-expired-account-token as a [`Call`] (a write: sent once).
#[derive(Debug, Clone, Copy)]
pub struct TokenRenewCall<'a> {
    /// The customer.
    pub ctid: &'a ConsumerTokenId,
    /// The expired token.
    pub pwt: &'a PaymentToken,
    /// A new request id for this renewal.
    pub request_id: &'a LinkRequestId,
}

impl Call<PaywayConfig> for TokenRenewCall<'_> {
    type Output = TokenStatusResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_token_renew(config, self.ctid, self.pwt, self.request_id, context.now)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_answer(Endpoint::TokenRenew, response)
    }
}

#[doc(hidden)]
/// remove-token as a [`Call`] (a write: sent once).
#[derive(Debug, Clone, Copy)]
pub struct TokenRemoveCall<'a> {
    /// The customer.
    pub ctid: &'a ConsumerTokenId,
    /// The token.
    pub pwt: &'a PaymentToken,
}

impl Call<PaywayConfig> for TokenRemoveCall<'_> {
    type Output = TokenStatusResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_token_remove(config, self.ctid, self.pwt, context.now)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_answer(Endpoint::TokenRemove, response)
    }
}
