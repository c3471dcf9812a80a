//! The strictness test's harness: a valid request of every endpoint, built by hand
//! (PayWay, signed and encrypted as PayWay does) or by the SDK (Finpay, PayG), sent with one
//! field broken; the SDK given the same input; the table rendered for the docs.

pub(crate) mod json;
pub(crate) mod payway;
pub(crate) mod render;
pub(crate) mod sdk;

pub(crate) use std::collections::BTreeMap;

pub(crate) use paygate::finpay::FinpayConfig;
pub(crate) use paygate::finpay::ops::open_payment::OpenPaymentAccount;
pub(crate) use paygate::finpay::wire::{
    Customer as FinpayCustomer, InitiateRequest, PaymentCode, VirtualAccountChannel,
};
pub(crate) use paygate::payg::ops::create::CreateOrderRequest;
pub(crate) use paygate::payg::ops::refund::RefundTarget;
pub(crate) use paygate::payg::{ApiVersion, PaygConfig};
pub(crate) use paygate::payway::endpoint::order;
pub(crate) use paygate::payway::{
    ConsumerTokenId, ImageFormat, LinkRequestId, LinkTokenFlag, MerchantAuthKey, PayTokenFlag,
    PaymentLinkImage, PaymentLinkRequest, PaymentToken, PurchaseRequest, QrPaymentOption,
    QrRequest, TokenLinkRequest, TokenPaymentRequest,
};
pub(crate) use paygate::sandbox::strictness::{FieldRule, SdkCheck, rules};
pub(crate) use paygate::sandbox::{PAYWAY_PUBLIC_KEY_PEM, Provider, Sandbox};
pub(crate) use paygate::secrecy::SecretString;
pub(crate) use paygate::transport::HttpRequest;
pub(crate) use paygate::{Currency, Error, Money, OrderId, Url};
pub(crate) use paygate::{Environment, TransactionId};
pub(crate) use paygate_core::signing::HmacSha512Key;
pub(crate) use serde_json::{Map, Value, json};

type Fields = Map<String, Value>;
/// A PNG's signature followed by zeros, `len` bytes in all.
pub(crate) fn png(len: usize) -> Vec<u8> {
    file_of("png", len)
}

/// A file of `len` bytes whose signature says `kind` (`png`, `jpeg`, `gif`).
pub(crate) fn file_of(kind: &str, len: usize) -> Vec<u8> {
    let mut bytes = match kind {
        "png" => b"\x89PNG\r\n\x1a\n".to_vec(),
        "jpeg" => vec![0xFF, 0xD8, 0xFF, 0xE0],
        "gif" => b"GIF89a".to_vec(),
        other => panic!("no {other} files here"),
    };
    bytes.resize(len.max(bytes.len()), 0);
    bytes
}

pub(crate) fn row_name(rule: &FieldRule) -> String {
    format!(
        "{:?} {} {} {:?}",
        rule.provider, rule.endpoint, rule.field, rule.rule
    )
}
