//! `POST /api/payment-gateway/v1/payments/check-transaction-2`: a transaction's status.
//!
//! Only transactions created within the last 7 days; older ones need transaction-detail.
//! Unknown `tran_id`: HTTP 200 with code `6`, which is [`ProviderErrorKind::NotFound`]
//! (a transaction created seconds ago can briefly answer `6` too). Wrong hash: HTTP 403,
//! code `5` (docs) or `1` (sibling endpoints): both read as auth failures. A closed but
//! unpaid transaction keeps reporting PENDING live, though the docs say CANCELLED.
//!
//! [`ProviderErrorKind::NotFound`]: paygate_core::ProviderErrorKind::NotFound

use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{NativeResponse, OrderId, Result};

use super::{parse_answer, tran_id_request};
use crate::config::PaywayConfig;
use crate::endpoint::Endpoint;
use crate::endpoint::order;
use crate::wire::CheckTransactionResponse;

#[doc(hidden)]
/// Builds the signed request.
pub fn build_check_transaction(
    config: &PaywayConfig,
    tran_id: &OrderId,
    now: OffsetDateTime,
) -> Result<HttpRequest> {
    tran_id_request(
        config,
        Endpoint::CheckTransaction,
        order::CHECK_TRANSACTION,
        tran_id,
        now,
    )
}

#[doc(hidden)]
/// Reads the answer.
pub fn parse_check_transaction(
    response: &HttpResponse,
) -> Result<NativeResponse<CheckTransactionResponse>> {
    parse_answer(Endpoint::CheckTransaction, response)
}

#[doc(hidden)]
/// check-transaction-2 as a [`Call`].
#[derive(Debug, Clone, Copy)]
pub struct CheckTransactionCall<'a> {
    /// The transaction.
    pub tran_id: &'a OrderId,
}

impl Call<PaywayConfig> for CheckTransactionCall<'_> {
    type Output = CheckTransactionResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_check_transaction(config, self.tran_id, context.now)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_check_transaction(response)
    }
}
