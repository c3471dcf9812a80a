//! The unified operations through `Arc<dyn PaymentGateway>`, and pushback verification.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use paygate_core::http::{HeaderMap, HeaderValue};
use paygate_core::webhook::WebhookSigner;
use paygate_core::{
    Authenticity, CaptureRequest, CreatePayment, Error, NextAction, OrderId, PaymentGateway,
    PaymentStatus, ProviderErrorKind, RefundReference, RefundRequest, RefundStatus,
    RefundStatusRequest, WebhookRejection,
};
use paygate_payway::{Endpoint, PaywayGateway, TestSigner, webhook};

fn gateway(base: &str) -> Arc<dyn PaymentGateway> {
    let (client, _) = client(base);
    Arc::new(PaywayGateway::new(client))
}

fn order() -> OrderId {
    OrderId::new("17394277693").unwrap()
}

async fn answer(
    server: &mut mockito::ServerGuard,
    endpoint: Endpoint,
    body: &str,
) -> mockito::Mock {
    server
        .mock("POST", endpoint.path())
        .with_header("content-type", "application/json")
        .with_body(body)
        .expect(1)
        .create_async()
        .await
}

#[tokio::test]
async fn create_payment_redirects_with_the_token_lifetime() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", Endpoint::Purchase.path())
        .match_header(
            "content-type",
            mockito::Matcher::Regex("^multipart/form-data; boundary=".into()),
        )
        .match_body(mockito::Matcher::Regex(
            "name=\"view_type\"\r\n\r\nhosted_view".into(),
        ))
        .with_status(302)
        .with_header(
            "location",
            "https://checkout-sandbox.payway.com.kh/eyJ0b2tlbiI6MX0",
        )
        .create_async()
        .await;
    let request = CreatePayment::new(order(), usd("10.00")).unwrap();
    let checkout = gateway(&server.url())
        .create_payment(&request)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(
        checkout.next_action,
        NextAction::Redirect {
            url: "https://checkout-sandbox.payway.com.kh/eyJ0b2tlbiI6MX0"
                .parse()
                .unwrap()
        }
    );
    assert_eq!(checkout.expires_at, Some(NOW + Duration::from_secs(180)));
}

#[tokio::test]
async fn create_payment_html_answer_becomes_a_form_to_render() {
    let mut server = mockito::Server::new_async().await;
    let _mock = server
        .mock("POST", Endpoint::Purchase.path())
        .with_header("content-type", "text/html; charset=UTF-8")
        .with_body("<!DOCTYPE html><title>PayWay - Checkout</title>")
        .create_async()
        .await;
    let request = CreatePayment::new(order(), khr("4000")).unwrap();
    let checkout = gateway(&server.url())
        .create_payment(&request)
        .await
        .unwrap();
    let NextAction::PostForm { url, fields } = checkout.next_action else {
        panic!()
    };
    assert!(url.as_str().ends_with(Endpoint::Purchase.path()));
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("amount"), Some("4000"));
    assert_eq!(field("currency"), Some("KHR"));
    assert_eq!(field("hash").map(str::len), Some(88));
}

#[tokio::test]
async fn refund_then_refund_status_from_the_amounts() {
    let mut server = mockito::Server::new_async().await;
    let refund_mock = answer(
        &mut server,
        Endpoint::Refund,
        r#"{"grand_total":1.5,"total_refunded":0.5,"currency":"USD","transaction_status":"REFUNDED","status":{"code":"00","message":"Success!"}}"#,
    )
    .await;
    // Read twice: before the refund (its preconditions), and for the refund status.
    let check_mock = server
        .mock("POST", Endpoint::CheckTransaction.path())
        .with_header("content-type", "application/json")
        .with_body(r#"{"data":{"payment_status_code":4,"total_amount":1.5,"refund_amount":0.5,"payment_currency":"USD","payment_status":"REFUNDED"},"status":{"code":"00","message":"Success!"}}"#)
        .expect(2)
        .create_async()
        .await;
    let gw = gateway(&server.url());
    let reference = RefundReference::new("R-1").unwrap();
    let refund = gw
        .refund(
            &RefundRequest::new(order(), usd("0.50"))
                .unwrap()
                .reference(reference.clone()),
        )
        .await
        .unwrap();
    assert_eq!(refund.status, RefundStatus::Succeeded);
    assert_eq!(refund.reference, Some(reference));
    assert_eq!(
        refund.payment_status,
        Some(PaymentStatus::PartiallyRefunded)
    );
    let status = gw
        .refund_status(&RefundStatusRequest::new(order()))
        .await
        .unwrap();
    assert_eq!(status.total_refunded, Some(usd("0.50")));
    assert_eq!(
        status.payment_status,
        Some(PaymentStatus::PartiallyRefunded)
    );
    refund_mock.assert_async().await;
    check_mock.assert_async().await;
}

#[tokio::test]
async fn refund_status_without_a_refund_is_not_found() {
    let mut server = mockito::Server::new_async().await;
    let _m = answer(
        &mut server,
        Endpoint::CheckTransaction,
        r#"{"data":{"payment_status_code":0,"total_amount":1.5,"refund_amount":0,"payment_currency":"USD","payment_status":"APPROVED"},"status":{"code":"00"}}"#,
    )
    .await;
    let err = gateway(&server.url())
        .refund_status(&RefundStatusRequest::new(order()))
        .await
        .unwrap_err();
    assert_eq!(err.as_provider().unwrap().kind, ProviderErrorKind::NotFound);
}

#[tokio::test]
async fn cancel_void_and_capture() {
    let mut server = mockito::Server::new_async().await;
    let _close = answer(
        &mut server,
        Endpoint::CloseTransaction,
        r#"{"status":{"code":"00","message":"Success!"}}"#,
    )
    .await;
    let _void = answer(
        &mut server,
        Endpoint::PreAuthCancellation,
        r#"{"grand_total":1.00,"currency":"USD","transaction_status":"CANCELLED","status":{"code":"00"}}"#,
    )
    .await;
    let _capture = answer(
        &mut server,
        Endpoint::PreAuthCompletion,
        r#"{"grand_total":0.80,"currency":"USD","transaction_status":"COMPLETED","status":{"code":"00"}}"#,
    )
    .await;
    let gw = gateway(&server.url());
    // Payments handed over as just read: no check-transaction request is made.
    let read = |status: PaymentStatus| {
        let mut p = paygate_core::Payment::new(
            "payway",
            order(),
            status,
            "",
            paygate_core::RawResponse::default(),
        );
        p.amount = Some(usd("1.00"));
        p
    };
    let pending = read(PaymentStatus::Pending);
    let held = read(PaymentStatus::Authorized);
    assert_eq!(
        gw.cancel(&paygate_core::CancelRequest::for_payment(&pending))
            .await
            .unwrap()
            .status,
        PaymentStatus::Cancelled
    );
    assert_eq!(
        gw.void(&paygate_core::VoidRequest::for_payment(&held))
            .await
            .unwrap()
            .status,
        PaymentStatus::Voided
    );
    let captured = gw
        .capture(&CaptureRequest::for_payment(&held, usd("0.80")).unwrap())
        .await
        .unwrap();
    assert_eq!(captured.status, PaymentStatus::Paid);
    assert_eq!(captured.amount, Some(usd("0.80")));
}

const PUSHBACK: &[u8] =
    br#"{"tran_id":"17425401324","apv":"619195","status":"0","return_params":"xxxxxxxxxx"}"#;

#[test]
fn signed_pushback_is_verified() {
    let signed = TestSigner::new(API_KEY.as_bytes())
        .unwrap()
        .sign(PUSHBACK)
        .unwrap();
    let gw = gateway("http://127.0.0.1:9");
    let event = gw.verify_webhook(&signed.body, &signed.headers).unwrap();
    assert_eq!(event.authenticity, Authenticity::Verified);
    assert_eq!(event.order_id, "17425401324");
    assert_eq!(event.status, Some(PaymentStatus::Paid));
    assert_eq!(event.reply.status, 200);
    assert_eq!(
        signed.headers.get(webhook::SIGNATURE_HEADER).unwrap(),
        "6p7HJaC+cSiBAJO7AM16iJ9xOSCAjoUqoaWYVS4vyKCyXeolqWwqCHMN4bMo6zxImsqnwZieF6I4EevbffMzMQ=="
    );
}

#[test]
fn tampered_body_and_wrong_key_are_rejected() {
    let gw = gateway("http://127.0.0.1:9");
    let signed = TestSigner::new(API_KEY.as_bytes())
        .unwrap()
        .sign(PUSHBACK)
        .unwrap();
    let tampered = String::from_utf8(signed.body.clone())
        .unwrap()
        .replace("619195", "619196");
    let err = gw
        .verify_webhook(tampered.as_bytes(), &signed.headers)
        .unwrap_err();
    assert!(matches!(
        err,
        Error::WebhookRejected {
            reason: WebhookRejection::BadSignature,
            ..
        }
    ));
    let other = TestSigner::new(b"another key")
        .unwrap()
        .sign(PUSHBACK)
        .unwrap();
    let err = gw.verify_webhook(&other.body, &other.headers).unwrap_err();
    assert!(matches!(
        err,
        Error::WebhookRejected {
            reason: WebhookRejection::BadSignature,
            ..
        }
    ));
    let mut garbage = HeaderMap::new();
    garbage.insert(
        webhook::SIGNATURE_HEADER,
        HeaderValue::from_static("not base64!"),
    );
    assert!(gw.verify_webhook(PUSHBACK, &garbage).is_err());
}

#[test]
fn unsigned_pushback_is_unverified_unless_required() {
    let gw = gateway("http://127.0.0.1:9");
    let event = gw.verify_webhook(PUSHBACK, &HeaderMap::new()).unwrap();
    assert_eq!(event.authenticity, Authenticity::Unverified);
    let strict = paygate_payway::PaywayClient::new(
        config().require_webhook_signature(true),
        paygate_core::transport::Dispatcher::new(Arc::new(
            paygate_core::transport::ReqwestTransport::with_defaults().unwrap(),
        )),
    );
    let err = strict
        .verify_pushback(PUSHBACK, &HeaderMap::new())
        .unwrap_err();
    assert!(matches!(
        err,
        Error::WebhookRejected {
            reason: WebhookRejection::MissingSignature(_),
            ..
        }
    ));
}

#[test]
fn pushback_without_an_id_or_not_json_is_rejected() {
    let gw = gateway("http://127.0.0.1:9");
    for body in [
        &br#"{"apv":"1","status":0}"#[..],
        b"<html>",
        b"",
        br#"{"tran_id":"1","payment_amount":-5}"#,
    ] {
        let err = gw.verify_webhook(body, &HeaderMap::new()).unwrap_err();
        assert!(matches!(err, Error::WebhookRejected { .. }), "{err:?}");
    }
}
