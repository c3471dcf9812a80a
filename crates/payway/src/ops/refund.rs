//! `POST /api/merchant-portal/merchant-access/online-transaction/refund`: refund all or part
//! of a completed payment (within 30 days; several partial refunds up to the amount paid).
//!
//! Body `{request_time, merchant_id, merchant_auth, hash}`; `merchant_auth` is the RSA-
//! encrypted `{"mc_id","tran_id","refund_amount"}` and the hash covers
//! `request_time ‖ merchant_id ‖ merchant_auth`. `refund_amount` is sent as a JSON number
//! with the currency's digits (PayWay's PHP sample `json_encode`s a number, and a number was
//! accepted live; the legacy example's string form is older).
//!
//! Answers `transaction_status: "REFUNDED"` for partial refunds too; `total_refunded` is the
//! authoritative cumulative figure. An unknown or unpaid transaction is HTTP 403 `PTL36`;
//! a refund above what was paid is `PTL37`; `PTL04` arrives as HTTP 400.

use paygate_core::clock::RandomSource;
use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{Money, NativeResponse, OrderId, Result};

use super::{
    TRAN_ID_RULES, merchant_auth_plaintext, merchant_portal_request, parse_answer, wire_amount,
};
use crate::config::PaywayConfig;
use crate::endpoint::Endpoint;
use crate::endpoint::order;
use crate::wire::RefundResponse;

#[doc(hidden)]
/// The `merchant_auth` plaintext of a refund.
pub fn plaintext(config: &PaywayConfig, tran_id: &OrderId, amount: &Money) -> Result<String> {
    tran_id.check(&TRAN_ID_RULES)?;
    let digits = wire_amount("refund.amount", amount, false)?;
    merchant_auth_plaintext(
        &config.merchant_id,
        tran_id,
        Some(("refund_amount", &digits)),
    )
}

#[doc(hidden)]
/// Builds the signed request; the amount and key are checked before anything is encrypted.
pub fn build_refund(
    config: &PaywayConfig,
    tran_id: &OrderId,
    amount: &Money,
    now: OffsetDateTime,
    random: &dyn RandomSource,
) -> Result<HttpRequest> {
    let plaintext = plaintext(config, tran_id, amount)?;
    merchant_portal_request(
        config,
        Endpoint::Refund,
        order::REFUND,
        Some(tran_id.as_str()),
        &plaintext,
        now,
        random,
    )
}

#[doc(hidden)]
/// Reads the answer.
pub fn parse_refund(response: &HttpResponse) -> Result<NativeResponse<RefundResponse>> {
    parse_answer(Endpoint::Refund, response)
}

#[doc(hidden)]
/// online-transaction/refund as a [`Call`]. A write: sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct RefundCall<'a> {
    /// The transaction.
    pub tran_id: &'a OrderId,
    /// How much, in the transaction's currency.
    pub amount: &'a Money,
}

impl Call<PaywayConfig> for RefundCall<'_> {
    type Output = RefundResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_refund(
            config,
            self.tran_id,
            self.amount,
            context.now,
            context.random,
        )
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_refund(response)
    }
}
