//! `POST /api/payment-gateway/v1/exchange-rate`: ABA's riel rates for foreign currencies.

use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{NativeResponse, Result};

use super::{parse_answer, post_json};
use crate::config::PaywayConfig;
use crate::endpoint::Endpoint;
use crate::endpoint::order;
use crate::sign::Fields;
use crate::wire::ExchangeRateResponse;
use crate::wire::request_time;

#[doc(hidden)]
/// Builds the signed request.
pub fn build_exchange_rate(config: &PaywayConfig, now: OffsetDateTime) -> Result<HttpRequest> {
    let fields = Fields::new()
        .with("req_time", request_time(now))
        .with("merchant_id", config.merchant_id.as_str())
        .signed(&config.hmac, order::EXCHANGE_RATE);
    post_json(config, Endpoint::ExchangeRate, &fields, None)
}

#[doc(hidden)]
/// Reads the answer.
pub fn parse_exchange_rate(
    response: &HttpResponse,
) -> Result<NativeResponse<ExchangeRateResponse>> {
    parse_answer(Endpoint::ExchangeRate, response)
}

#[doc(hidden)]
/// exchange-rate as a [`Call`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ExchangeRateCall;

impl Call<PaywayConfig> for ExchangeRateCall {
    type Output = ExchangeRateResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_exchange_rate(config, context.now)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_exchange_rate(response)
    }
}
