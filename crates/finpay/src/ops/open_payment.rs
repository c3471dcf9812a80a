//! `GET /pg/payment/card/openpayment/check/{sofId}/{paymentCode}`: an open (reusable)
//! virtual account, e.g. `vabca` / `8804483313131312`.

use paygate_core::http::Method;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{Effect, IdRules, NativeResponse, Operation, Result};

use super::{parse_answer, request};
use crate::config::FinpayConfig;
use crate::wire::CheckResponse;

/// The path prefix.
pub const PATH: &str = "/pg/payment/card/openpayment/check";

const OPERATION: Operation = Operation::Native {
    name: "openpayment-check",
    effect: Effect::Read,
};

const SEGMENT_RULES: IdRules = IdRules::DEFAULT.max_len(40).no_dot().no_underscore();

/// Builds the request. Both path segments are checked (letters, digits, `-`).
pub fn build_open_payment(
    config: &FinpayConfig,
    source_of_funds: &str,
    payment_code: &str,
) -> Result<HttpRequest> {
    SEGMENT_RULES.check("source_of_funds", source_of_funds)?;
    SEGMENT_RULES.check("payment_code", payment_code)?;
    request(
        config,
        OPERATION,
        Method::GET,
        &format!("{PATH}/{source_of_funds}/{payment_code}"),
        Some(payment_code),
    )
}

/// Reads the answer (`data` holds `customer` and `sourceOfFunds`).
pub fn parse_open_payment(response: &HttpResponse) -> Result<NativeResponse<CheckResponse>> {
    parse_answer(OPERATION, response)
}

/// open-payment check as a [`Call`].
#[derive(Debug, Clone, Copy)]
pub struct OpenPaymentCheckCall<'a> {
    /// The channel (`vabca`, …).
    pub source_of_funds: &'a str,
    /// The virtual account number.
    pub payment_code: &'a str,
}

impl Call<FinpayConfig> for OpenPaymentCheckCall<'_> {
    type Output = CheckResponse;

    fn to_request(&self, config: &FinpayConfig, _context: CallContext<'_>) -> Result<HttpRequest> {
        build_open_payment(config, self.source_of_funds, self.payment_code)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_open_payment(response)
    }
}
