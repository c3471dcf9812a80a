//! Pre-authorization completion and cancellation (the unified `capture` and `void`).
//!
//! A pre-auth is a purchase with `type=pre-auth`. Completion:
//! `POST …/online-transaction/pre-auth-completion`, `merchant_auth` over
//! `{"mc_id","tran_id","complete_amount"}`, hash `merchant_auth ‖ request_time ‖ merchant_id`;
//! once per transaction, cards up to 110% of the hold. Completion with payout is the same path
//! with `"payout":[{"acc","amt"},…]` (at most 10, amounts as JSON numbers) added to the
//! encrypted JSON (PayWay's "Complete pre-auth transaction with payout" page; two SDKs post to
//! a `-with-payout` path the official pages do not have). Cancellation:
//! `POST …/online-transaction/pre-auth-cancellation`, `merchant_auth` over
//! `{"mc_id","tran_id"}`, hash `merchant_id ‖ merchant_auth ‖ request_time` (a different
//! order: several SDKs get one of them wrong). Errors come back as HTTP 403.

use paygate_core::clock::RandomSource;
use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{Money, NativeResponse, OrderId, Result};

use super::purchase::Payout;
use super::{
    TRAN_ID_RULES, merchant_auth_plaintext, merchant_portal_request, parse_answer, wire_amount,
    wire_payouts,
};
use crate::config::PaywayConfig;
use crate::endpoint::Endpoint;
use crate::endpoint::order;
use crate::wire::PreAuthResponse;

#[doc(hidden)]
/// The `merchant_auth` plaintext of a completion, with its `payout` entries when there are
/// any (checked: see [`super::wire_payouts`]).
pub fn completion_plaintext(
    config: &PaywayConfig,
    tran_id: &OrderId,
    amount: &Money,
    payouts: &[Payout],
) -> Result<String> {
    tran_id.check(&TRAN_ID_RULES)?;
    let digits = wire_amount("capture.amount", amount, true)?;
    let plaintext = merchant_auth_plaintext(
        &config.merchant_id,
        tran_id,
        Some(("complete_amount", &digits)),
    )?;
    if payouts.is_empty() {
        return Ok(plaintext);
    }
    let list = serde_json::to_string(&wire_payouts(payouts, amount)?)
        .map_err(|e| paygate_core::Error::invalid("payout", e.to_string()))?;
    let open = plaintext.strip_suffix('}').unwrap_or(&plaintext);
    Ok(format!("{open},\"payout\":{list}}}"))
}

#[doc(hidden)]
/// The `merchant_auth` plaintext of a cancellation.
pub fn cancellation_plaintext(config: &PaywayConfig, tran_id: &OrderId) -> Result<String> {
    tran_id.check(&TRAN_ID_RULES)?;
    merchant_auth_plaintext(&config.merchant_id, tran_id, None)
}

#[doc(hidden)]
/// Builds the signed completion request.
pub fn build_completion(
    config: &PaywayConfig,
    tran_id: &OrderId,
    amount: &Money,
    now: OffsetDateTime,
    random: &dyn RandomSource,
) -> Result<HttpRequest> {
    build_completion_with_payout(config, tran_id, amount, &[], now, random)
}

#[doc(hidden)]
/// Builds the signed completion request that also pays `payouts` out of the captured amount.
pub fn build_completion_with_payout(
    config: &PaywayConfig,
    tran_id: &OrderId,
    amount: &Money,
    payouts: &[Payout],
    now: OffsetDateTime,
    random: &dyn RandomSource,
) -> Result<HttpRequest> {
    let plaintext = completion_plaintext(config, tran_id, amount, payouts)?;
    merchant_portal_request(
        config,
        Endpoint::PreAuthCompletion,
        order::PRE_AUTH_COMPLETION,
        Some(tran_id.as_str()),
        &plaintext,
        now,
        random,
    )
}

#[doc(hidden)]
/// Builds the signed cancellation request.
pub fn build_cancellation(
    config: &PaywayConfig,
    tran_id: &OrderId,
    now: OffsetDateTime,
    random: &dyn RandomSource,
) -> Result<HttpRequest> {
    let plaintext = cancellation_plaintext(config, tran_id)?;
    merchant_portal_request(
        config,
        Endpoint::PreAuthCancellation,
        order::PRE_AUTH_CANCELLATION,
        Some(tran_id.as_str()),
        &plaintext,
        now,
        random,
    )
}

#[doc(hidden)]
/// Reads a completion answer.
pub fn parse_completion(response: &HttpResponse) -> Result<NativeResponse<PreAuthResponse>> {
    parse_answer(Endpoint::PreAuthCompletion, response)
}

#[doc(hidden)]
/// Reads a cancellation answer.
pub fn parse_cancellation(response: &HttpResponse) -> Result<NativeResponse<PreAuthResponse>> {
    parse_answer(Endpoint::PreAuthCancellation, response)
}

#[doc(hidden)]
/// pre-auth-completion as a [`Call`]. A write: sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct PreAuthCompletionCall<'a> {
    /// The held transaction.
    pub tran_id: &'a OrderId,
    /// How much to capture.
    pub amount: &'a Money,
    /// Shares of the captured amount paid out to other ABA accounts (empty: none).
    pub payouts: &'a [Payout],
}

impl Call<PaywayConfig> for PreAuthCompletionCall<'_> {
    type Output = PreAuthResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_completion_with_payout(
            config,
            self.tran_id,
            self.amount,
            self.payouts,
            context.now,
            context.random,
        )
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_completion(response)
    }
}

#[doc(hidden)]
/// pre-auth-cancellation as a [`Call`]. A write: sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct PreAuthCancellationCall<'a> {
    /// The held transaction.
    pub tran_id: &'a OrderId,
}

impl Call<PaywayConfig> for PreAuthCancellationCall<'_> {
    type Output = PreAuthResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_cancellation(config, self.tran_id, context.now, context.random)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_cancellation(response)
    }
}
