//! Each Finpay operation against a mockito server: success, 401, not found, invalid status,
//! an HTML 502 page and truncated JSON — the right error class and request count (reads
//! retried, writes sent once), no panic. Then the unified gateway and its callback.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use common::*;
use mockito::Matcher;
use paygate_core::webhook::WebhookSigner;
use paygate_core::{
    CreatePayment, Customer, Error, ErrorClass, NextAction, OrderId, PaymentGateway, PaymentStatus,
    ProviderErrorKind, RefundRequest, RefundStatus, RefundStatusRequest, Url,
};
use paygate_finpay::{FinpayClient, FinpayGateway, InitiateRequest, TestSigner};

#[derive(Debug, Clone, Copy)]
enum Op {
    Initiate,
    Check,
    Refund,
    Void,
    Cancel,
    OpenPayment,
    OpenPaymentDelete,
    OpenPaymentRegister,
    OpenPaymentUpdate,
}

const ALL: [Op; 9] = [
    Op::Initiate,
    Op::Check,
    Op::Refund,
    Op::Void,
    Op::Cancel,
    Op::OpenPayment,
    Op::OpenPaymentDelete,
    Op::OpenPaymentRegister,
    Op::OpenPaymentUpdate,
];

const CHECK_PAID: &str = r#"{"responseCode":"2000000","responseMessage":"Success","data":{"order":{"id":"INV-1","reference":"R1","amount":150000,"currency":"IDR"},"result":{"payment":{"amount":150000,"status":"PAID","datetime":"2026-09-21 13:33:09"}}},"processingTime":0.01}"#;
const ENVELOPE_OK: &str =
    r#"{"responseCode":"2000000","responseMessage":"Success","processingTime":0.9721949100494385}"#;

const OPEN_PAYMENT: &str = r#"{"responseCode":"2000000","responseMessage":"Success","data":{"customer":{"id":"a@example.com","email":"a@example.com","firstName":"A","lastName":"B","mobilePhone":"+6281286288844"},"sourceOfFunds":{"type":"vabca","paymentCode":"8804483313131312"}},"processingTime":0.01}"#;

fn channel() -> paygate_finpay::VirtualAccountChannel {
    paygate_finpay::VirtualAccountChannel::new("vabca").unwrap()
}

fn code() -> paygate_finpay::PaymentCode {
    paygate_finpay::PaymentCode::new("8804483313131312").unwrap()
}

fn open_account() -> paygate_finpay::OpenPaymentAccount {
    paygate_finpay::OpenPaymentAccount::new(
        channel(),
        code(),
        paygate_finpay::wire::Customer {
            id: Some("a@example.com".into()),
            mobile_phone: Some("+6281286288844".into()),
            ..Default::default()
        },
    )
}

impl Op {
    fn method_and_path(self) -> (&'static str, &'static str) {
        match self {
            Op::Initiate => ("POST", "/pg/payment/card/initiate"),
            Op::Check => ("GET", "/pg/payment/card/check/INV-1"),
            Op::Refund => ("POST", "/pg/payment/card/refund"),
            Op::Void => ("POST", "/pg/payment/card/void"),
            Op::Cancel => ("GET", "/pg/payment/card/cancel/INV-1"),
            Op::OpenPayment => (
                "GET",
                "/pg/payment/card/openpayment/check/vabca/8804483313131312",
            ),
            Op::OpenPaymentDelete => (
                "GET",
                "/pg/payment/card/openpayment/delete/vabca/8804483313131312",
            ),
            Op::OpenPaymentRegister => ("POST", "/pg/payment/card/openpayment/register"),
            Op::OpenPaymentUpdate => ("POST", "/pg/payment/card/openpayment/update"),
        }
    }

    fn is_write(self) -> bool {
        matches!(
            self,
            Op::Initiate
                | Op::Refund
                | Op::Void
                | Op::Cancel
                | Op::OpenPaymentDelete
                | Op::OpenPaymentRegister
                | Op::OpenPaymentUpdate
        )
    }

    fn success(self) -> &'static str {
        match self {
            Op::Initiate => {
                r#"{"responseCode":"2000000","responseMessage":"Success","redirecturl":"https://devo.finpay.id/pg/payment/card/v2/access/abc","expiryLink":"2026-09-27 14:55:24","processingTime":0.5}"#
            }
            Op::Check => CHECK_PAID,
            Op::OpenPayment | Op::OpenPaymentRegister | Op::OpenPaymentUpdate => OPEN_PAYMENT,
            Op::Refund | Op::Void | Op::Cancel | Op::OpenPaymentDelete => ENVELOPE_OK,
        }
    }

    async fn call(self, client: &FinpayClient) -> Result<(), Error> {
        let id = OrderId::new("INV-1").unwrap();
        match self {
            Op::Initiate => {
                let request = InitiateRequest::new(
                    &id,
                    &idr("150000"),
                    paygate_finpay::wire::Customer {
                        mobile_phone: Some("+6281234567890".into()),
                        ..Default::default()
                    },
                    &Url::parse("https://shop.example/cb").unwrap(),
                )
                .unwrap();
                client.initiate(&request).await.map(drop)
            }
            Op::Check => client.check(&id).await.map(drop),
            Op::Refund => client.refund(&id, &idr("50000")).await.map(drop),
            Op::Void => client.void(&id).await.map(drop),
            Op::Cancel => client.cancel(&id).await.map(drop),
            Op::OpenPayment => client
                .open_payment_check(&channel(), &code())
                .await
                .map(drop),
            Op::OpenPaymentDelete => client
                .open_payment_delete(&channel(), &code())
                .await
                .map(drop),
            Op::OpenPaymentRegister => client
                .open_payment_register(&open_account())
                .await
                .map(drop),
            Op::OpenPaymentUpdate => client.open_payment_update(&open_account()).await.map(drop),
        }
    }
}

async fn serve(
    op: Op,
    status: usize,
    content_type: &str,
    body: &str,
    hits: usize,
) -> (mockito::ServerGuard, mockito::Mock) {
    let mut server = mockito::Server::new_async().await;
    let (method, path) = op.method_and_path();
    let mock = server
        .mock(method, path)
        .match_header("authorization", "Basic RklOUEFZNzcwOlNvU2VjcmV0MTIz")
        .match_header("accept", "application/json")
        .with_status(status)
        .with_header("content-type", content_type)
        .with_body(body)
        .expect(hits)
        .create_async()
        .await;
    (server, mock)
}

fn kind(err: &Error) -> ProviderErrorKind {
    err.as_provider()
        .unwrap_or_else(|| panic!("not a provider error: {err:?}"))
        .kind
}

#[tokio::test]
async fn success() {
    for op in ALL {
        let (server, mock) = serve(op, 200, "application/json", op.success(), 1).await;
        let (client, _) = client(&server.url());
        op.call(&client)
            .await
            .unwrap_or_else(|e| panic!("{op:?}: {e}"));
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn unauthorized_401() {
    for op in ALL {
        let (server, mock) = serve(
            op,
            401,
            "application/json",
            r#"{"responseCode":"4011000","responseMessage":"Unauthorized"}"#,
            1,
        )
        .await;
        let (client, _) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert_eq!(kind(&err), ProviderErrorKind::Auth, "{op:?}");
        assert_eq!(err.as_provider().unwrap().http_status, Some(401));
        assert!(!err.is_retryable() && !err.outcome_unknown());
    }
}

#[tokio::test]
async fn not_found() {
    for op in ALL {
        let (server, mock) = serve(
            op,
            404,
            "application/json",
            r#"{"responseCode":"4041011","responseMessage":"Transaction Not Found"}"#,
            1,
        )
        .await;
        let (client, _) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert_eq!(kind(&err), ProviderErrorKind::NotFound, "{op:?}");
    }
}

#[tokio::test]
async fn invalid_status() {
    for (op, code) in [
        (Op::Cancel, "4040100"),
        (Op::Void, "4030015"),
        (Op::Refund, "4030015"),
    ] {
        let body = format!(
            r#"{{"responseCode":"{code}","responseMessage":"Invalid Transaction Status"}}"#
        );
        let (server, mock) = serve(op, 200, "application/json", &body, 1).await;
        let (client, _) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert_eq!(kind(&err), ProviderErrorKind::InvalidState, "{op:?}");
        assert_eq!(err.as_provider().unwrap().code.as_deref(), Some(code));
    }
}

#[tokio::test]
async fn html_502() {
    for op in ALL {
        let hits = if op.is_write() { 1 } else { 3 };
        let (server, mock) = serve(
            op,
            502,
            "text/html",
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            hits,
        )
        .await;
        let (client, clock) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert!(matches!(err, Error::UnexpectedBody(_)), "{op:?}: {err:?}");
        assert_eq!(err.outcome_unknown(), op.is_write(), "{op:?}");
        assert_eq!(err.is_retryable(), !op.is_write(), "{op:?}");
        assert_eq!(clock.sleeps().len(), hits - 1);
    }
}

#[tokio::test]
async fn truncated_json() {
    for op in ALL {
        let (server, mock) = serve(
            op,
            200,
            "application/json",
            r#"{"responseCode":"2000000","responseMes"#,
            1,
        )
        .await;
        let (client, _) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert!(matches!(err, Error::UnexpectedBody(_)), "{op:?}: {err:?}");
        let class = if op.is_write() {
            ErrorClass::OutcomeUnknown
        } else {
            ErrorClass::UnexpectedBody
        };
        assert_eq!(err.class(), class, "{op:?}");
    }
}

#[tokio::test]
async fn rate_limited_reads_honour_retry_after() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/pg/payment/card/check/INV-1")
        .with_status(429)
        .with_header("retry-after", "2")
        .with_body(r#"{"responseCode":"4290000","responseMessage":"Too Many Requests"}"#)
        .expect(3)
        .create_async()
        .await;
    let (client, clock) = client(&server.url());
    let err = client
        .check(&OrderId::new("INV-1").unwrap())
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert!(matches!(
        kind(&err),
        ProviderErrorKind::RateLimited {
            retry_after: Some(_)
        }
    ));
    assert_eq!(clock.sleeps(), vec![std::time::Duration::from_secs(2); 2]);
}

fn gateway(base: &str) -> Arc<dyn PaymentGateway> {
    Arc::new(FinpayGateway::new(client(base).0))
}

#[tokio::test]
async fn unified_life() {
    let mut server = mockito::Server::new_async().await;
    let initiate = server
        .mock("POST", "/pg/payment/card/initiate")
        .match_body(Matcher::PartialJsonString(
            r#"{"order":{"id":"INV-1","amount":"150000"},"customer":{"mobilePhone":"+6281234567890","lastName":"-"}}"#.into(),
        ))
        .with_body(Op::Initiate.success())
        .create_async()
        .await;
    let gw = gateway(&server.url());
    let request = CreatePayment::new(OrderId::new("INV-1").unwrap(), idr("150000"))
        .unwrap()
        .customer(Customer::new().phone("+6281234567890"))
        .callback_url(Url::parse("https://shop.example/finpay/callback").unwrap());
    let checkout = gw.create_payment(&request).await.unwrap();
    initiate.assert_async().await;
    assert!(matches!(checkout.next_action, NextAction::Redirect { .. }));
    assert_eq!(
        checkout.expires_at.unwrap().to_string(),
        "2026-09-27 14:55:24.0 +07:00:00"
    );

    let _paid = server
        .mock("GET", "/pg/payment/card/check/INV-1")
        .with_body(CHECK_PAID)
        .create_async()
        .await;
    let payment = gw
        .payment_status(&OrderId::new("INV-1").unwrap())
        .await
        .unwrap();
    assert_eq!(payment.status, PaymentStatus::Paid);
    assert_eq!(payment.amount, Some(idr("150000")));

    // No refund yet: refund status is not found.
    let err = gw
        .refund_status(&RefundStatusRequest::new(OrderId::new("INV-1").unwrap()))
        .await
        .unwrap_err();
    assert_eq!(kind(&err), ProviderErrorKind::NotFound);

    let refund_mock = server
        .mock("POST", "/pg/payment/card/refund")
        .match_body(r#"{"order":{"id":"INV-1","amount":"50000"}}"#)
        .with_body(ENVELOPE_OK)
        .expect(1)
        .create_async()
        .await;
    let refund = gw
        .refund(&RefundRequest::new(OrderId::new("INV-1").unwrap(), idr("50000")).unwrap())
        .await
        .unwrap();
    refund_mock.assert_async().await;
    assert_eq!(refund.status, RefundStatus::Succeeded);
    assert_eq!(refund.amount, Some(idr("50000")));
}

#[tokio::test]
async fn refund_status_from_a_partially_refunded_check() {
    let mut server = mockito::Server::new_async().await;
    let _m = server
        .mock("GET", "/pg/payment/card/check/INV-1")
        .with_body(CHECK_PAID.replace("\"PAID\"", "\"PARTIALLY_REFUNDED\""))
        .create_async()
        .await;
    let refund = gateway(&server.url())
        .refund_status(&RefundStatusRequest::new(OrderId::new("INV-1").unwrap()))
        .await
        .unwrap();
    assert_eq!(refund.status, RefundStatus::Succeeded);
    assert_eq!(
        refund.payment_status,
        Some(PaymentStatus::PartiallyRefunded)
    );
}

#[test]
fn callback_through_the_gateway() {
    let gw = gateway("http://127.0.0.1:9");
    let body = br#"{"order":{"id":"INV/1","amount":150000,"currency":"IDR"},"result":{"payment":{"amount":150000,"status":"PAID"}}}"#;
    let signed = TestSigner::new(MERCHANT_KEY.as_bytes())
        .unwrap()
        .sign(body)
        .unwrap();
    let event = gw.verify_webhook(&signed.body, &signed.headers).unwrap();
    assert_eq!(event.order_id, "INV/1");
    assert_eq!(event.status, Some(PaymentStatus::Paid));
    assert_eq!(event.reply.content_type, "application/json");
    let tampered = String::from_utf8(signed.body)
        .unwrap()
        .replace("150000", "1500000");
    assert!(
        gw.verify_webhook(tampered.as_bytes(), &signed.headers)
            .is_err()
    );
    assert!(gw.capabilities().contains(paygate_core::Capability::Void));
    assert!(
        !gw.capabilities()
            .contains(paygate_core::Capability::Capture)
    );
}

/// An open-payment check answered about another virtual account is an unexpected answer,
/// never that account's details.
#[tokio::test]
async fn open_payment_answer_about_another_account_is_unexpected() {
    let mut server = mockito::Server::new_async().await;
    let other = OPEN_PAYMENT.replace("8804483313131312", "8804483313139999");
    let mock = server
        .mock(
            "GET",
            "/pg/payment/card/openpayment/check/vabca/8804483313131312",
        )
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(other)
        .create_async()
        .await;
    let (client, _) = client(&server.url());
    let err = client
        .open_payment_check(&channel(), &code())
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert_eq!(err.class(), ErrorClass::UnexpectedBody, "{err}");
}

/// A registration answered about another virtual account is an unknown outcome (ours may have
/// been opened), sent once.
#[tokio::test]
async fn open_payment_register_answer_about_another_account_is_an_unknown_outcome() {
    let mut server = mockito::Server::new_async().await;
    let other = OPEN_PAYMENT.replace("8804483313131312", "8804483313139999");
    let mock = server
        .mock("POST", "/pg/payment/card/openpayment/register")
        .match_body(mockito::Matcher::PartialJson(serde_json::json!({
            "customer": {"id": "a@example.com"},
            "sourceOfFunds": {"type": "vabca", "paymentCode": "8804483313131312"},
        })))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(other)
        .expect(1)
        .create_async()
        .await;
    let (client, _) = client(&server.url());
    let err = client
        .open_payment_register(&open_account())
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert!(err.outcome_unknown(), "{err}");
}
