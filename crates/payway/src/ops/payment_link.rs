//! Payment links: a URL the merchant shares (chat, e-mail, invoice) that takes one or several
//! payments of a fixed amount, each reported by an **unsigned** pushback to `return_url`.
//!
//! - `POST …/merchant-access/payment-link/create`, `multipart/form-data` (PayWay's page; an
//!   optional `image` file part, never hashed): `merchant_auth` is the RSA-encrypted
//!   `{"mc_id","title","amount","currency","description","payment_limit","expired_date",
//!   "return_url","merchant_ref_no","payout"}`, values as strings as the page types them,
//!   `return_url` base64, `expired_date` Unix seconds or `null` (no expiry).
//! - `…/payment-link/detail` (JSON): `merchant_auth` over `{"mc_id","id"}`.
//! - `…/payment-link/void` (JSON; not on PayWay's pages, probed live by an independent SDK):
//!   the same body as detail; voiding twice is `PTL188`; the payer's page dies.
//!
//! All three hash `request_time ‖ merchant_id ‖ merchant_auth`. Live findings: an
//! `expired_date` less than about five minutes ahead is refused (`PTL04`), expiry is not a
//! status (an expired link still reads `OPEN`), `merchant_ref_no` is not checked for
//! uniqueness, and the pushback is `{"tran_id","status":0,"merchant_ref_no"}` without a
//! signature: confirm it with `check_transaction(tran_id)` (the receiver does).

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use paygate_core::clock::RandomSource;
use paygate_core::config::validate_merchant_url;
use paygate_core::time::OffsetDateTime;
use paygate_core::transport::{Call, CallContext, HttpRequest, HttpResponse, join_url};
use paygate_core::{Error, Money, NativeResponse, Result, UnexpectedBody, Url, check_echo};
use serde::Serialize;

use super::purchase::Payout;
use super::{
    FilePart, WirePayout, bounded, check_amount_echo, merchant_portal_fields,
    merchant_portal_request, multipart_request, parse_answer, wire_amount, wire_payouts,
};
use crate::PROVIDER;
use crate::config::PaywayConfig;
use crate::endpoint::{Endpoint, order};
use crate::wire::{PaymentLinkResponse, PaymentLinkVoidResponse};

/// How far ahead an `expired_date` must be: PayWay refused +150 s and took +300 s live.
pub const MIN_LINK_LIFETIME: Duration = Duration::from_secs(300);

/// The largest image PayWay takes: "Max 3MB. Formats: JPG, JPEG, PNG" (PayWay's
/// create-payment-link page, `image` field). Read as 3 000 000 bytes, the stricter of the two
/// meanings of "MB"; the other copies of the page state no limit.
pub const MAX_LINK_IMAGE_BYTES: usize = 3_000_000;

/// A payment link's id, as create answers it (`data.id`, base64-like:
/// `iN4sbkzbwOCx5VzdXTYsCw==`): what detail and void take. Not the shared URL's slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PaymentLinkId(String);

impl PaymentLinkId {
    /// Checks `id`: 1 to 100 characters of base64 (`A–Z a–z 0–9 + / =`, and `-` `_`).
    pub fn new(id: impl Into<String>) -> Result<PaymentLinkId> {
        let id = id.into();
        let allowed = |c: char| c.is_ascii_alphanumeric() || "+/=-_".contains(c);
        if id.is_empty() || id.len() > 100 || !id.chars().all(allowed) {
            return Err(Error::invalid(
                "payment_link.id",
                "must be 1 to 100 characters of base64 (the id create answered)",
            ));
        }
        Ok(PaymentLinkId(id))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PaymentLinkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An image file's format: the two PayWay's create-payment-link page allows (JPG/JPEG, PNG).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageFormat {
    /// `image/png`.
    Png,
    /// `image/jpeg`.
    Jpeg,
}

impl ImageFormat {
    /// The MIME type.
    pub fn mime_type(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
        }
    }

    /// True when `bytes` start with the format's signature (PNG's 8-byte signature, JPEG's
    /// SOI marker `FF D8 FF`).
    pub fn matches(self, bytes: &[u8]) -> bool {
        match self {
            ImageFormat::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            ImageFormat::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        }
    }

    /// The format a file name's extension names (`.png`, `.jpg`, `.jpeg`).
    pub fn from_file_name(name: &str) -> Option<ImageFormat> {
        let extension = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match extension.as_str() {
            "png" => Some(ImageFormat::Png),
            "jpg" | "jpeg" => Some(ImageFormat::Jpeg),
            _ => None,
        }
    }
}

/// The image shown on the payer's page (PayWay renames and hosts it).
#[derive(Clone, PartialEq, Eq)]
pub struct PaymentLinkImage {
    /// File name sent with it: letters, digits, `.`, `-`, `_` and spaces, at most 100.
    pub file_name: String,
    /// Its format.
    pub format: ImageFormat,
    /// Its bytes (at most [`MAX_LINK_IMAGE_BYTES`]).
    pub bytes: Vec<u8>,
}

/// Prints the size, not the bytes.
impl fmt::Debug for PaymentLinkImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaymentLinkImage")
            .field("file_name", &self.file_name)
            .field("format", &self.format)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// Everything `payment-link/create` takes, in our names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PaymentLinkRequest {
    /// `title`: at most 250 characters.
    pub title: String,
    /// `amount` and `currency`: what each payment is for (USD from 0.01, KHR from 100).
    pub amount: Money,
    /// `description`: at most 250 characters.
    pub description: Option<String>,
    /// `payment_limit`: how many payments the link takes (`None`: no limit).
    pub payment_limit: Option<u32>,
    /// `expired_date`: when the link stops taking payments, at least [`MIN_LINK_LIFETIME`]
    /// ahead (`None`: never). PayWay does not enforce it on the page everywhere: check it too.
    pub expires_at: Option<OffsetDateTime>,
    /// `return_url`: where PayWay posts each payment's unsigned pushback.
    pub return_url: Url,
    /// `merchant_ref_no`: your reference, echoed in the pushback (at most 50; PayWay does not
    /// check it is unique).
    pub merchant_ref_no: Option<String>,
    /// `payout`: shares of each payment paid to other ABA accounts; when given they must add
    /// up to the amount exactly (PayWay's rule here).
    pub payout: Vec<Payout>,
    /// `image`: uploaded with the request.
    pub image: Option<PaymentLinkImage>,
}

impl PaymentLinkRequest {
    /// A link titled `title` for payments of `amount`, pushbacks to `return_url`, nothing else
    /// set.
    pub fn new(title: impl Into<String>, amount: Money, return_url: Url) -> PaymentLinkRequest {
        PaymentLinkRequest {
            title: title.into(),
            amount,
            description: None,
            payment_limit: None,
            expires_at: None,
            return_url,
            merchant_ref_no: None,
            payout: Vec::new(),
            image: None,
        }
    }
}

/// The create `merchant_auth` plaintext, in PayWay's page order.
#[derive(Serialize)]
struct CreateAuth<'a> {
    mc_id: &'a str,
    title: &'a str,
    amount: String,
    currency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_limit: Option<String>,
    expired_date: Option<String>,
    return_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_ref_no: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    payout: Vec<WirePayout<'a>>,
}

fn check_image(image: &PaymentLinkImage) -> Result<()> {
    let name_ok = |c: char| c.is_ascii_alphanumeric() || ".-_ ".contains(c);
    if image.file_name.trim().is_empty()
        || image.file_name.chars().count() > 100
        || !image.file_name.chars().all(name_ok)
    {
        return Err(Error::invalid(
            "image.file_name",
            "must be 1 to 100 letters, digits, '.', '-', '_' or spaces",
        ));
    }
    if image.bytes.is_empty() || image.bytes.len() > MAX_LINK_IMAGE_BYTES {
        return Err(Error::invalid(
            "image",
            format!("must be 1 byte to {MAX_LINK_IMAGE_BYTES} bytes (PayWay: max 3MB)"),
        ));
    }
    if !image.format.matches(&image.bytes) {
        return Err(Error::invalid(
            "image",
            format!(
                "its bytes are not {} (PayWay takes PNG and JPEG files only)",
                image.format.mime_type()
            ),
        ));
    }
    if ImageFormat::from_file_name(&image.file_name) != Some(image.format) {
        return Err(Error::invalid(
            "image.file_name",
            "must end in .png, .jpg or .jpeg, matching the image's format",
        ));
    }
    Ok(())
}

#[doc(hidden)]
/// The create `merchant_auth` plaintext, every field checked against PayWay's rules first.
pub fn create_plaintext(
    config: &PaywayConfig,
    request: &PaymentLinkRequest,
    now: OffsetDateTime,
) -> Result<String> {
    let title = bounded("title", Some(request.title.trim().to_owned()), 250)?
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::invalid("title", "must not be empty"))?;
    let amount = wire_amount("amount", &request.amount, true)?;
    let payout = wire_payouts(&request.payout, &request.amount)?;
    if !request.payout.is_empty() {
        let sum = request
            .payout
            .iter()
            .try_fold(Money::zero(request.amount.currency()), |sum, p| {
                sum.checked_add(&p.amount)
            })
            .map_err(|e| e.for_field("payout.amt"))?;
        if sum != request.amount {
            return Err(Error::invalid(
                "payout",
                format!(
                    "the payouts add up to {sum}; on a payment link they must equal the {}",
                    request.amount
                ),
            ));
        }
    }
    let expired_date = match request.expires_at {
        Some(at) if at < now + MIN_LINK_LIFETIME => {
            return Err(Error::invalid(
                "expires_at",
                "must be at least 5 minutes ahead (PayWay refuses sooner ones, PTL04)",
            ));
        }
        Some(at) => Some(at.unix_timestamp().to_string()),
        None => None,
    };
    if request.payment_limit == Some(0) {
        return Err(Error::invalid(
            "payment_limit",
            "must be at least 1 (leave it unset for no limit)",
        ));
    }
    validate_merchant_url(&request.return_url).map_err(|e| Error::invalid("return_url", e))?;
    if let Some(image) = &request.image {
        check_image(image)?;
    }
    let auth = CreateAuth {
        mc_id: &config.merchant_id,
        title: &title,
        amount,
        currency: request.amount.currency().code().to_owned(),
        description: bounded("description", request.description.clone(), 250)?,
        payment_limit: request.payment_limit.map(|n| n.to_string()),
        expired_date,
        return_url: BASE64.encode(request.return_url.as_str()),
        merchant_ref_no: bounded("merchant_ref_no", request.merchant_ref_no.clone(), 50)?,
        payout,
    };
    serde_json::to_string(&auth).map_err(|e| Error::invalid("merchant_auth", e.to_string()))
}

#[doc(hidden)]
/// The detail and void `merchant_auth` plaintext: `{"mc_id","id"}`.
pub fn link_plaintext(config: &PaywayConfig, id: &PaymentLinkId) -> Result<String> {
    #[derive(Serialize)]
    struct LinkAuth<'a> {
        mc_id: &'a str,
        id: &'a str,
    }
    serde_json::to_string(&LinkAuth {
        mc_id: &config.merchant_id,
        id: id.as_str(),
    })
    .map_err(|e| Error::invalid("merchant_auth", e.to_string()))
}

#[doc(hidden)]
/// Builds the signed create request (`multipart/form-data`, the image as a file part).
pub fn build_create(
    config: &PaywayConfig,
    request: &PaymentLinkRequest,
    now: OffsetDateTime,
    random: &dyn RandomSource,
) -> Result<HttpRequest> {
    let plaintext = create_plaintext(config, request, now)?;
    let endpoint = Endpoint::PaymentLinkCreate;
    let fields = merchant_portal_fields(
        config,
        endpoint,
        order::PAYMENT_LINK,
        &plaintext,
        now,
        random,
    )?;
    let url = join_url(&config.base_url, endpoint.path())?;
    let file = request.image.as_ref().map(|image| FilePart {
        name: "image",
        filename: &image.file_name,
        content_type: image.format.mime_type(),
        bytes: &image.bytes,
    });
    let text = fields
        .iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)));
    multipart_request(
        endpoint,
        url,
        text,
        file,
        random,
        request.merchant_ref_no.as_deref(),
    )
}

#[doc(hidden)]
/// Builds the signed detail request.
pub fn build_detail(
    config: &PaywayConfig,
    id: &PaymentLinkId,
    now: OffsetDateTime,
    random: &dyn RandomSource,
) -> Result<HttpRequest> {
    link_request(config, Endpoint::PaymentLinkDetail, id, now, random)
}

#[doc(hidden)]
/// Builds the signed void request.
pub fn build_void(
    config: &PaywayConfig,
    id: &PaymentLinkId,
    now: OffsetDateTime,
    random: &dyn RandomSource,
) -> Result<HttpRequest> {
    link_request(config, Endpoint::PaymentLinkVoid, id, now, random)
}

fn link_request(
    config: &PaywayConfig,
    endpoint: Endpoint,
    id: &PaymentLinkId,
    now: OffsetDateTime,
    random: &dyn RandomSource,
) -> Result<HttpRequest> {
    let plaintext = link_plaintext(config, id)?;
    merchant_portal_request(
        config,
        endpoint,
        order::PAYMENT_LINK,
        Some(id.as_str()),
        &plaintext,
        now,
        random,
    )
}

#[doc(hidden)]
/// Reads a create answer: a success must carry the link (`data.id` and `data.payment_link`);
/// one without is an unexpected body (the link may exist: the outcome is unknown).
pub fn parse_create(response: &HttpResponse) -> Result<NativeResponse<PaymentLinkResponse>> {
    let native = parse_answer::<PaymentLinkResponse>(Endpoint::PaymentLinkCreate, response)?;
    let complete = native.body.data.as_ref().is_some_and(|d| {
        d.id.as_deref().is_some_and(|id| !id.is_empty())
            && d.payment_link.as_deref().is_some_and(|l| !l.is_empty())
    });
    if !complete {
        return Err(UnexpectedBody::new(
            PROVIDER,
            Endpoint::PaymentLinkCreate.operation(),
            response,
            "success without the link (no data.id or data.payment_link)",
        )
        .into());
    }
    Ok(native)
}

#[doc(hidden)]
/// Reads a detail answer.
pub fn parse_detail(response: &HttpResponse) -> Result<NativeResponse<PaymentLinkResponse>> {
    parse_answer(Endpoint::PaymentLinkDetail, response)
}

#[doc(hidden)]
/// Reads a void answer.
pub fn parse_void(response: &HttpResponse) -> Result<NativeResponse<PaymentLinkVoidResponse>> {
    parse_answer(Endpoint::PaymentLinkVoid, response)
}

#[doc(hidden)]
/// The create answer must be about the link asked for: the amount, currency and
/// `merchant_ref_no` it echoes (when it echoes them) are the request's; otherwise it is an
/// unexpected body, and on this write the outcome is unknown.
pub fn check_create_answer(
    request: &PaymentLinkRequest,
    native: &NativeResponse<PaymentLinkResponse>,
) -> Result<()> {
    let operation = Endpoint::PaymentLinkCreate.operation();
    let raw = &native.raw;
    let Some(data) = native.body.data.as_ref() else {
        return Ok(());
    };
    check_echo(
        PROVIDER,
        operation,
        raw,
        "currency",
        request.amount.currency().code(),
        data.currency
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref(),
    )?;
    if let Some(reference) = request.merchant_ref_no.as_deref() {
        check_echo(
            PROVIDER,
            operation,
            raw,
            "merchant_ref_no",
            reference,
            data.merchant_ref_no.as_deref(),
        )?;
    }
    check_amount_echo(operation, raw, data.amount, &request.amount)
}

#[doc(hidden)]
/// payment-link/create as a [`Call`]. A write: sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct PaymentLinkCreateCall<'a> {
    /// What to create.
    pub request: &'a PaymentLinkRequest,
}

impl Call<PaywayConfig> for PaymentLinkCreateCall<'_> {
    type Output = PaymentLinkResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_create(config, self.request, context.now, context.random)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        let native = parse_create(response)?;
        check_create_answer(self.request, &native)?;
        Ok(native)
    }
}

#[doc(hidden)]
/// payment-link/detail as a [`Call`]. A read: the answer must be about `id`.
#[derive(Debug, Clone, Copy)]
pub struct PaymentLinkDetailCall<'a> {
    /// The link.
    pub id: &'a PaymentLinkId,
}

impl Call<PaywayConfig> for PaymentLinkDetailCall<'_> {
    type Output = PaymentLinkResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_detail(config, self.id, context.now, context.random)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        let native = parse_detail(response)?;
        let echoed = native.body.data.as_ref().and_then(|d| d.id.as_deref());
        check_echo(
            PROVIDER,
            Endpoint::PaymentLinkDetail.operation(),
            &native.raw,
            "id",
            self.id.as_str(),
            echoed,
        )?;
        Ok(native)
    }
}

#[doc(hidden)]
/// payment-link/void as a [`Call`]. A write: sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct PaymentLinkVoidCall<'a> {
    /// The link.
    pub id: &'a PaymentLinkId,
}

impl Call<PaywayConfig> for PaymentLinkVoidCall<'_> {
    type Output = PaymentLinkVoidResponse;

    fn to_request(&self, config: &PaywayConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_void(config, self.id, context.now, context.random)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_void(response)
    }
}
