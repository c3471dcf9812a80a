//! `POST /api/payment-gateway/v1/payments/close-transaction`: close an unpaid transaction
//! (the unified `cancel`).
//!
//! Documented effect: the transaction becomes CANCELLED and a later payment is refused.
//! Observed live: status reads keep saying PENDING, closing twice answers `00` both times,
//! a paid transaction answers HTTP 403 code `2` ("already approved"), and a hosted card page
//! opened before the close can still take payment — so read the status again later before
//! treating the order as dead. Code `5` here means not found (on check it means wrong hash).

use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{NativeResponse, OrderId, Result};

use super::{parse_answer, tran_id_request};
use crate::config::PaywayConfig;
use crate::endpoint::Endpoint;
use crate::endpoint::order;
use crate::wire::CloseTransactionResponse;

#[doc(hidden)]
/// Builds the signed request.
pub fn build_close_transaction(
    config: &PaywayConfig,
    tran_id: &OrderId,
    now: OffsetDateTime,
) -> Result<HttpRequest> {
    tran_id_request(
        config,
        Endpoint::CloseTransaction,
        order::CLOSE_TRANSACTION,
        tran_id,
        now,
    )
}

#[doc(hidden)]
/// Reads the answer.
pub fn parse_close_transaction(
    response: &HttpResponse,
) -> Result<NativeResponse<CloseTransactionResponse>> {
    parse_answer(Endpoint::CloseTransaction, response)
}

#[doc(hidden)]
/// close-transaction as a [`Call`].
#[derive(Debug, Clone, Copy)]
pub struct CloseTransactionCall<'a> {
    /// The transaction.
    pub tran_id: &'a OrderId,
}

impl Call<PaywayConfig> for CloseTransactionCall<'_> {
    type Output = CloseTransactionResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_close_transaction(config, self.tran_id, context.now)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_close_transaction(response)
    }
}
