//! Open payments: virtual accounts that take several payments (a customer's standing VA).
//!
//! - `GET /pg/payment/card/openpayment/check/{sofId}/{paymentCode}` (Finpay's "Check Virtual
//!   Account" page, e.g. `vabca` / `8804483313131312`): the VA's customer and channel.
//! - `GET /pg/payment/card/openpayment/delete/{sofId}/{paymentCode}`: closes the VA (the path
//!   of a third-party PHP SDK; no body, answered like the delete-card page: the envelope).
//!
//! Register and update (`POST …/openpayment/register`, `/update`) exist in that SDK too, but
//! no source gives their bodies: they are not built here (use `raw_request`).

use paygate_core::http::Method;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{Effect, NativeResponse, Operation, Result, check_echo};

use super::{parse_answer, request};
use crate::PROVIDER;
use crate::config::FinpayConfig;
use crate::wire::{CheckResponse, Envelope, PaymentCode, VirtualAccountChannel};

/// The check path prefix.
pub const PATH: &str = "/pg/payment/card/openpayment/check";
/// The delete path prefix.
pub const DELETE_PATH: &str = "/pg/payment/card/openpayment/delete";

/// open-payment check.
pub const CHECK_OPERATION: Operation = Operation::Native {
    name: "openpayment-check",
    effect: Effect::Read,
};

/// open-payment delete.
pub const DELETE_OPERATION: Operation = Operation::Native {
    name: "openpayment-delete",
    effect: Effect::Write,
};

/// Builds the check request.
pub fn build_open_payment(
    config: &FinpayConfig,
    channel: &VirtualAccountChannel,
    code: &PaymentCode,
) -> Result<HttpRequest> {
    request(
        config,
        CHECK_OPERATION,
        Method::GET,
        &format!("{PATH}/{}/{}", channel.as_str(), code.as_str()),
        Some(code.as_str()),
    )
}

/// Builds the delete request.
pub fn build_open_payment_delete(
    config: &FinpayConfig,
    channel: &VirtualAccountChannel,
    code: &PaymentCode,
) -> Result<HttpRequest> {
    request(
        config,
        DELETE_OPERATION,
        Method::GET,
        &format!("{DELETE_PATH}/{}/{}", channel.as_str(), code.as_str()),
        Some(code.as_str()),
    )
}

/// Reads a check answer (`data` holds `customer` and `sourceOfFunds`).
pub fn parse_open_payment(response: &HttpResponse) -> Result<NativeResponse<CheckResponse>> {
    parse_answer(CHECK_OPERATION, response)
}

/// Reads a delete answer.
pub fn parse_open_payment_delete(response: &HttpResponse) -> Result<NativeResponse<Envelope>> {
    parse_answer(DELETE_OPERATION, response)
}

/// A check answer must be about the VA asked for: the channel and number it echoes in
/// `data.sourceOfFunds` (when it does) are the request's.
pub fn check_open_payment_answer(
    native: &NativeResponse<CheckResponse>,
    channel: &VirtualAccountChannel,
    code: &PaymentCode,
) -> Result<()> {
    let source = native
        .body
        .data
        .as_ref()
        .and_then(|d| d.source_of_funds.as_ref());
    check_echo(
        PROVIDER,
        CHECK_OPERATION,
        &native.raw,
        "sourceOfFunds.type",
        channel.as_str(),
        source.and_then(|s| s.kind.as_deref()),
    )?;
    check_echo(
        PROVIDER,
        CHECK_OPERATION,
        &native.raw,
        "sourceOfFunds.paymentCode",
        code.as_str(),
        source.and_then(|s| s.payment_code.as_deref()),
    )
}

/// open-payment check as a [`Call`].
#[derive(Debug, Clone, Copy)]
pub struct OpenPaymentCheckCall<'a> {
    /// The channel.
    pub channel: &'a VirtualAccountChannel,
    /// The virtual account number.
    pub code: &'a PaymentCode,
}

impl Call<FinpayConfig> for OpenPaymentCheckCall<'_> {
    type Output = CheckResponse;

    fn to_request(&self, config: &FinpayConfig, _context: CallContext<'_>) -> Result<HttpRequest> {
        build_open_payment(config, self.channel, self.code)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        let native = parse_open_payment(response)?;
        check_open_payment_answer(&native, self.channel, self.code)?;
        Ok(native)
    }
}

/// open-payment delete as a [`Call`]. A write: sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct OpenPaymentDeleteCall<'a> {
    /// The channel.
    pub channel: &'a VirtualAccountChannel,
    /// The virtual account number.
    pub code: &'a PaymentCode,
}

impl Call<FinpayConfig> for OpenPaymentDeleteCall<'_> {
    type Output = Envelope;

    fn to_request(&self, config: &FinpayConfig, _context: CallContext<'_>) -> Result<HttpRequest> {
        build_open_payment_delete(config, self.channel, self.code)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_open_payment_delete(response)
    }
}
