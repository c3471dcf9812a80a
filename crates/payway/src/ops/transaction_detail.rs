//! `POST /api/payment-gateway/v1/payments/transaction-detail`: a transaction with payer
//! details and its history (`transaction_operations`).
//!
//! Limited to 10 requests a minute ("cannot be increased"): not for polling. A new
//! transaction takes about 5 s to appear here. `transaction_date` is the creation time.

use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{NativeResponse, OrderId, Result};

use super::{parse_answer, tran_id_request};
use crate::config::PaywayConfig;
use crate::endpoint::Endpoint;
use crate::endpoint::order;
use crate::wire::TransactionDetailResponse;

#[doc(hidden)]
/// Builds the signed request.
pub fn build_transaction_detail(
    config: &PaywayConfig,
    tran_id: &OrderId,
    now: OffsetDateTime,
) -> Result<HttpRequest> {
    tran_id_request(
        config,
        Endpoint::TransactionDetail,
        order::TRANSACTION_DETAIL,
        tran_id,
        now,
    )
}

#[doc(hidden)]
/// Reads the answer.
pub fn parse_transaction_detail(
    response: &HttpResponse,
) -> Result<NativeResponse<TransactionDetailResponse>> {
    parse_answer(Endpoint::TransactionDetail, response)
}

#[doc(hidden)]
/// transaction-detail as a [`Call`].
#[derive(Debug, Clone, Copy)]
pub struct TransactionDetailCall<'a> {
    /// The transaction.
    pub tran_id: &'a OrderId,
}

impl Call<PaywayConfig> for TransactionDetailCall<'_> {
    type Output = TransactionDetailResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_transaction_detail(config, self.tran_id, context.now)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_transaction_detail(response)
    }
}
