//! Open payments: virtual accounts that take several payments (a customer's standing VA).
//!
//! - `GET /pg/payment/card/openpayment/check/{sofId}/{paymentCode}` (Finpay's "Check Virtual
//!   Account" page, e.g. `vabca` / `8804483313131312`): the VA's customer and channel.
//! - `GET /pg/payment/card/openpayment/delete/{sofId}/{paymentCode}`: closes the VA (the path
//!   of a third-party PHP SDK; no body, answered like the delete-card page: the envelope).
//!
//! - `POST /pg/payment/card/openpayment/register` and `/update` (that SDK's paths; JSON): open a
//!   VA for a customer, or change its customer. **No source shows their bodies**: the body
//!   here is the check answer's `data` — `customer` and `sourceOfFunds {type, paymentCode}` —
//!   the only shape Finpay shows for an open VA, whose `SourceOfFunds` model documents
//!   `paymentCode` as "for VA operations". A body Finpay reads otherwise is refused (a 4xx
//!   `responseCode`: nothing is opened), and the answer must name the VA asked for.

use paygate_core::http::Method;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{Effect, NativeResponse, Operation, Result, check_echo};

use super::initiate::check_customer_fields;
use super::{parse_answer, request};
use crate::PROVIDER;
use crate::config::FinpayConfig;
use crate::wire::{
    CheckResponse, Customer, Envelope, PaymentCode, SourceOfFunds, VirtualAccountChannel,
};

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

/// The register path.
pub const REGISTER_PATH: &str = "/pg/payment/card/openpayment/register";
/// The update path.
pub const UPDATE_PATH: &str = "/pg/payment/card/openpayment/update";

/// open-payment register.
pub const REGISTER_OPERATION: Operation = Operation::Native {
    name: "openpayment-register",
    effect: Effect::Write,
};

/// open-payment update.
pub const UPDATE_OPERATION: Operation = Operation::Native {
    name: "openpayment-update",
    effect: Effect::Write,
};

/// An open VA to register or update: its channel, its number and its customer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenPaymentAccount {
    /// `sourceOfFunds.type`.
    pub channel: VirtualAccountChannel,
    /// `sourceOfFunds.paymentCode`.
    pub code: PaymentCode,
    /// `customer`: `id` required (at most 320 characters), `mobilePhone` E.164.
    pub customer: Customer,
}

impl OpenPaymentAccount {
    /// The VA `code` on `channel`, for `customer`.
    pub fn new(
        channel: VirtualAccountChannel,
        code: PaymentCode,
        customer: Customer,
    ) -> OpenPaymentAccount {
        OpenPaymentAccount {
            channel,
            code,
            customer,
        }
    }
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct OpenPaymentBody<'a> {
    customer: &'a Customer,
    source_of_funds: SourceOfFunds,
}

/// Checks the customer's fields against Finpay's limits (those of the initiate page).
fn check_customer(customer: &Customer) -> Result<()> {
    check_customer_fields(customer)?;
    if customer.id.as_deref().is_none_or(|id| id.trim().is_empty()) {
        return Err(paygate_core::Error::invalid(
            "customer.id",
            "an open VA belongs to a customer: set their id",
        ));
    }
    Ok(())
}

/// Builds a register (`update == false`) or update request.
pub fn build_open_payment_write(
    config: &FinpayConfig,
    account: &OpenPaymentAccount,
    update: bool,
) -> Result<HttpRequest> {
    check_customer(&account.customer)?;
    let (operation, path) = if update {
        (UPDATE_OPERATION, UPDATE_PATH)
    } else {
        (REGISTER_OPERATION, REGISTER_PATH)
    };
    let body = OpenPaymentBody {
        customer: &account.customer,
        source_of_funds: SourceOfFunds {
            kind: Some(account.channel.as_str().to_owned()),
            payment_code: Some(account.code.as_str().to_owned()),
            account_id: None,
            channel: None,
        },
    };
    let body = serde_json::to_vec(&body)
        .map_err(|e| paygate_core::Error::invalid("body", e.to_string()))?;
    Ok(request(
        config,
        operation,
        Method::POST,
        path,
        Some(account.code.as_str()),
    )?
    .json_body(body))
}

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
    .map(|request| request.url_template("/pg/payment/card/openpayment/check/{channel}/{code}"))
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
    .map(|request| request.url_template("/pg/payment/card/openpayment/delete/{channel}/{code}"))
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
    check_answer_names(CHECK_OPERATION, native, channel, code)
}

/// An answer of `operation` about an open VA names that VA (when it names one); on a write,
/// another is an unknown outcome.
fn check_answer_names(
    operation: Operation,
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
        operation,
        &native.raw,
        "sourceOfFunds.type",
        channel.as_str(),
        source.and_then(|s| s.kind.as_deref()),
    )?;
    check_echo(
        PROVIDER,
        operation,
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

/// open-payment register or update as a [`Call`]. A write: sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct OpenPaymentWriteCall<'a> {
    /// The VA and its customer.
    pub account: &'a OpenPaymentAccount,
    /// `false` registers, `true` updates.
    pub update: bool,
}

impl Call<FinpayConfig> for OpenPaymentWriteCall<'_> {
    type Output = CheckResponse;

    fn to_request(&self, config: &FinpayConfig, _context: CallContext<'_>) -> Result<HttpRequest> {
        build_open_payment_write(config, self.account, self.update)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        let operation = if self.update {
            UPDATE_OPERATION
        } else {
            REGISTER_OPERATION
        };
        let native = parse_answer(operation, response)?;
        check_answer_names(
            operation,
            &native,
            &self.account.channel,
            &self.account.code,
        )?;
        Ok(native)
    }
}
