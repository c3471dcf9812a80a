//! `POST /api/payment-gateway/v1/payments/get-transactions-by-mc-ref`: the last 50
//! transactions paid under a merchant reference, online or in store (a KHQR's tag 62.01):
//! how a merchant finds the payments of a printed or offline QR, which has no `tran_id` of
//! its own.
//!
//! PayWay's "Get transactions" page (KHQR Guideline): JSON `{req_time, merchant_id,
//! merchant_ref, hash}`, hash `req_time ‖ merchant_id ‖ merchant_ref`; 10 requests a minute,
//! "cannot be increased". An independent SDK notes a 20-character cap on `merchant_ref` here
//! and that demo sandbox profiles answer 404 (the lookup must be provisioned): a 404 is an
//! unexpected answer, not "no transactions".

use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{Call, CallContext, HttpRequest, HttpResponse};
use paygate_core::{Error, NativeResponse, Result};

use super::{parse_answer, post_json};
use crate::config::PaywayConfig;
use crate::endpoint::{Endpoint, order};
use crate::sign::Fields;
use crate::wire::{TransactionsByRefResponse, request_time};

/// A merchant reference to look transactions up by: 1 to 20 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MerchantRef(String);

impl MerchantRef {
    /// Checks `reference`.
    pub fn new(reference: impl Into<String>) -> Result<MerchantRef> {
        let reference = reference.into();
        if reference.is_empty()
            || reference.len() > 20
            || !reference.chars().all(|c| c.is_ascii_graphic())
        {
            return Err(Error::invalid(
                "merchant_ref",
                "must be 1 to 20 visible ASCII characters (PayWay's lookup limit)",
            ));
        }
        Ok(MerchantRef(reference))
    }

    /// The reference.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MerchantRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[doc(hidden)]
/// Builds the signed request.
pub fn build_transactions_by_ref(
    config: &PaywayConfig,
    reference: &MerchantRef,
    now: OffsetDateTime,
) -> Result<HttpRequest> {
    let fields = Fields::new()
        .with("req_time", request_time(now))
        .with("merchant_id", config.merchant_id.as_str())
        .with("merchant_ref", reference.as_str())
        .signed(&config.hmac, order::TRANSACTIONS_BY_REF);
    post_json(
        config,
        Endpoint::TransactionsByRef,
        &fields,
        Some(reference.as_str()),
    )
}

#[doc(hidden)]
/// Reads the answer; every row listed must be under the reference asked for (when it names
/// one), else the answer is unexpected.
pub fn parse_transactions_by_ref(
    response: &HttpResponse,
    reference: &MerchantRef,
) -> Result<NativeResponse<TransactionsByRefResponse>> {
    let native = parse_answer::<TransactionsByRefResponse>(Endpoint::TransactionsByRef, response)?;
    for row in &native.body.data {
        paygate_core::check_echo(
            crate::PROVIDER,
            Endpoint::TransactionsByRef.operation(),
            &native.raw,
            "merchant_ref",
            reference.as_str(),
            row.merchant_ref.as_deref(),
        )?;
    }
    Ok(native)
}

#[doc(hidden)]
/// get-transactions-by-mc-ref as a [`Call`].
#[derive(Debug, Clone, Copy)]
pub struct TransactionsByRefCall<'a> {
    /// The reference.
    pub reference: &'a MerchantRef,
}

impl Call<PaywayConfig> for TransactionsByRefCall<'_> {
    type Output = TransactionsByRefResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_transactions_by_ref(config, self.reference, context.now)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_transactions_by_ref(response, self.reference)
    }
}
