//! Each PayG operation against a mockito server: success, 401, error array, error object in
//! HTTP 200, an HTML 502 page and truncated JSON — the right error class and request count
//! (reads retried, writes sent once), no panic. Then the unified gateway and the postback.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use common::*;
use paygate_core::{
    Authenticity, Capability, CreatePayment, Error, ErrorClass, NextAction, OrderId,
    PaymentGateway, PaymentStatus, ProviderErrorKind, RefundRequest, RefundStatus,
    RefundStatusRequest, TransactionId, WebhookRejection,
};
use paygate_payg::{CreateOrderRequest, PaygClient, PaygGateway, RefundTarget};

#[derive(Debug, Clone, Copy)]
enum Op {
    Create,
    Detail,
    Update,
    Refund,
    RefundStatus,
}

const ALL: [Op; 5] = [
    Op::Create,
    Op::Detail,
    Op::Update,
    Op::Refund,
    Op::RefundStatus,
];

const PAID_ORDER: &str = r#"{"OrderKeyId":"210624M7771UTEST1","MerchantKeyId":7771,"UniqueRequestId":"TEST1","OrderAmount":100.00,"PaymentTransactionId":"72260277","PaymentResponseCode":1,"PaymentResponseText":"Approved","PaymentMethod":"Upi","PaymentProcessUrl":"https://uat.payg.in/payment/payment?orderid=210624M7771UTEST1","OrderRefundTransactionId":0,"RefundPaymentResponseCode":0}"#;

impl Op {
    fn path(self) -> &'static str {
        match self {
            Op::Create => "/create",
            Op::Detail => "/Detail",
            Op::Update => "/Update",
            Op::Refund => "/Refund",
            Op::RefundStatus => "/RefundStatus",
        }
    }

    fn is_write(self) -> bool {
        matches!(self, Op::Create | Op::Update | Op::Refund)
    }

    async fn call(self, client: &PaygClient) -> Result<(), Error> {
        let key = OrderId::new("210624M7771UTEST1").unwrap();
        match self {
            Op::Create => client
                .create_order(&CreateOrderRequest::new(
                    OrderId::new("TEST1").unwrap(),
                    inr("100"),
                    "{}".into(),
                ))
                .await
                .map(drop),
            Op::Detail => client.detail(&key).await.map(drop),
            Op::Update => client
                .update_notes(
                    &key,
                    &OrderId::new("TEST1").unwrap(),
                    &inr("100"),
                    &Default::default(),
                )
                .await
                .map(drop),
            Op::Refund => {
                let target = RefundTarget {
                    payment_type: "Upi".into(),
                    payment_transaction_id: TransactionId::new("72260277").unwrap(),
                };
                client.refund(&key, &target, &inr("10")).await.map(drop)
            }
            Op::RefundStatus => client
                .refund_status(&key, &TransactionId::new("72260277").unwrap())
                .await
                .map(drop),
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
    let mock = server
        .mock("POST", op.path())
        .match_header(
            "authorization",
            "basic YTVhZWNlNTg3NWEwNDA0NGJmZjQ5MWRlNzM0MWVmNGE6ZTJkYTI2MTYxYjRiNDhmYzk1YjU5ZGFmMjE5MWZiMzM6TTo3Nzcx",
        )
        .match_header("content-type", "application/json")
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
        let (server, mock) = serve(op, 200, "application/json", PAID_ORDER, 1).await;
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
            r#"{"Message":"Authorization has been denied for this request."}"#,
            1,
        )
        .await;
        let (client, _) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert_eq!(kind(&err), ProviderErrorKind::Auth, "{op:?}");
    }
}

#[tokio::test]
async fn error_array() {
    for op in ALL {
        let body = r#"[{"Code":"6095","Message":"Invalid OrderAmount","DeveloperMessage":"must be > 0","FieldName":"OrderAmount"},{"Code":"6096","Message":"Second"}]"#;
        let (server, mock) = serve(op, 400, "application/json", body, 1).await;
        let (client, _) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert_eq!(kind(&err), ProviderErrorKind::Validation, "{op:?}");
        let p = err.as_provider().unwrap();
        assert_eq!(p.code.as_deref(), Some("6095"));
        assert_eq!(
            p.message,
            "Invalid OrderAmount (must be > 0) [field OrderAmount]; Second"
        );
    }
}

#[tokio::test]
async fn error_object_inside_http_200() {
    for op in ALL {
        let body = r#"{"ResponseCode":0,"Code":"1001","Message":"Refund amount is greater than order amount","FieldName":"RefundAmount"}"#;
        let (server, mock) = serve(op, 200, "application/json", body, 1).await;
        let (client, _) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert_eq!(err.class(), ErrorClass::Provider, "{op:?}: {err}");
        assert_eq!(kind(&err), ProviderErrorKind::Validation);
        assert!(!err.outcome_unknown(), "PayG said no: the outcome is known");
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
            "<html><body>502 Bad Gateway</body></html>",
            hits,
        )
        .await;
        let (client, clock) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert!(matches!(err, Error::UnexpectedBody(_)), "{op:?}");
        assert_eq!(err.outcome_unknown(), op.is_write(), "{op:?}");
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
            r#"{"OrderKeyId":"210624M7771UTEST1","MerchantKeyId":77"#,
            1,
        )
        .await;
        let (client, _) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert!(matches!(err, Error::UnexpectedBody(_)), "{op:?}: {err:?}");
        assert!(
            err.to_string().contains("OrderKeyId"),
            "the excerpt shows what came: {err}"
        );
    }
}

fn gateway(base: &str) -> Arc<dyn PaymentGateway> {
    Arc::new(PaygGateway::new(client(base).0).unwrap())
}

#[tokio::test]
async fn unified_refund_reads_detail_first_when_it_must() {
    let mut server = mockito::Server::new_async().await;
    let detail = server
        .mock("POST", "/Detail")
        .with_body(PAID_ORDER)
        .expect(1)
        .create_async()
        .await;
    let refund = server
        .mock("POST", "/Refund")
        .match_body(mockito::Matcher::PartialJsonString(
            r#"{"OrderKeyId":"210624M7771UTEST1","MerchantKeyId":"7771","PaymentType":"Upi","PaymentTransactionId":"72260277","RefundAmount":"10.00"}"#.into(),
        ))
        .with_body(PAID_ORDER.replace(r#""OrderRefundTransactionId":0,"RefundPaymentResponseCode":0"#, r#""OrderRefundTransactionId":72260357,"RefundPaymentResponseCode":4,"RefundPaymentResponseText":"Pending""#))
        .expect(1)
        .create_async()
        .await;
    let gw = gateway(&server.url());
    let result = gw
        .refund(&RefundRequest::new(OrderId::new("210624M7771UTEST1").unwrap(), inr("10")).unwrap())
        .await
        .unwrap();
    detail.assert_async().await;
    refund.assert_async().await;
    assert_eq!(result.status, RefundStatus::Pending);
    assert_eq!(result.refund_id.as_deref(), Some("72260357"));
}

/// Finding 6 of the journal's issue: a Refund answered `RefundPaymentResponseCode` 2
/// ("failed" by PayG's brief, undocumented as nothing done) was returned as a success, and
/// journaled as succeeded. It is an unknown outcome, never a success.
#[tokio::test]
async fn a_refund_answered_failed_is_never_a_success() {
    let mut server = mockito::Server::new_async().await;
    let _detail = server
        .mock("POST", "/Detail")
        .with_body(PAID_ORDER)
        .create_async()
        .await;
    let refund = server
        .mock("POST", "/Refund")
        .with_body(PAID_ORDER.replace(
            r#""OrderRefundTransactionId":0,"RefundPaymentResponseCode":0"#,
            r#""OrderRefundTransactionId":72260357,"RefundPaymentResponseCode":2,"RefundPaymentResponseText":"Failed""#,
        ))
        .expect(1)
        .create_async()
        .await;
    let gw = gateway(&server.url());
    let error = gw
        .refund(&RefundRequest::new(OrderId::new("210624M7771UTEST1").unwrap(), inr("10")).unwrap())
        .await
        .unwrap_err();
    refund.assert_async().await;
    assert!(error.outcome_unknown(), "{error}");
    assert!(!error.is_retryable(), "{error}");
    assert!(error.to_string().contains("\"2\""), "{error}");
}

/// A caller that has just read the payment hands it over: the refund reads nothing again
/// (one `/Detail` in all, not two), and takes `PaymentTransactionId` / `PaymentType` from it.
#[tokio::test]
async fn unified_refund_of_a_handed_over_payment_reads_nothing_again() {
    let mut server = mockito::Server::new_async().await;
    let detail = server
        .mock("POST", "/Detail")
        .with_body(PAID_ORDER)
        .expect(1)
        .create_async()
        .await;
    let refund = server
        .mock("POST", "/Refund")
        .match_body(mockito::Matcher::PartialJsonString(
            r#"{"PaymentTransactionId":"72260277","PaymentType":"Upi","RefundAmount":"10.00"}"#
                .into(),
        ))
        .with_body(PAID_ORDER)
        .expect(1)
        .create_async()
        .await;
    let gw = gateway(&server.url());
    let payment = gw
        .payment_status(&OrderId::new("210624M7771UTEST1").unwrap())
        .await
        .unwrap();
    gw.refund(&RefundRequest::for_payment(&payment, inr("10")).unwrap())
        .await
        .unwrap();
    detail.assert_async().await;
    refund.assert_async().await;
}

#[tokio::test]
async fn unified_refund_of_an_unpaid_order_is_refused_before_sending() {
    let mut server = mockito::Server::new_async().await;
    let _detail = server
        .mock("POST", "/Detail")
        .with_body(
            r#"{"OrderKeyId":"210624M7771UTEST1","MerchantKeyId":7771,"PaymentResponseCode":0}"#,
        )
        .create_async()
        .await;
    let refund = server
        .mock("POST", "/Refund")
        .expect(0)
        .create_async()
        .await;
    let err = gateway(&server.url())
        .refund(&RefundRequest::new(OrderId::new("210624M7771UTEST1").unwrap(), inr("10")).unwrap())
        .await
        .unwrap_err();
    refund.assert_async().await;
    assert_eq!(err.class(), paygate_core::ErrorClass::InvalidState, "{err}");
}

#[tokio::test]
async fn unified_create_status_and_refund_status() {
    let mut server = mockito::Server::new_async().await;
    let _create = server
        .mock("POST", "/create")
        .with_body(PAID_ORDER)
        .create_async()
        .await;
    let _detail = server
        .mock("POST", "/Detail")
        .with_body(PAID_ORDER)
        .create_async()
        .await;
    let _status = server
        .mock("POST", "/RefundStatus")
        .match_body(mockito::Matcher::PartialJsonString(
            r#"{"TransactionId":72260277,"MerchantKeyId":7771}"#.into(),
        ))
        .with_body(PAID_ORDER.replace(
            r#""RefundPaymentResponseCode":0"#,
            r#""RefundPaymentResponseCode":1"#,
        ))
        .create_async()
        .await;
    let gw = gateway(&server.url());
    let checkout = gw
        .create_payment(&CreatePayment::new(OrderId::new("TEST1").unwrap(), inr("100")).unwrap())
        .await
        .unwrap();
    assert_eq!(
        checkout.provider_reference.as_deref(),
        Some("210624M7771UTEST1")
    );
    assert!(matches!(checkout.next_action, NextAction::Redirect { .. }));
    let key = OrderId::new(checkout.provider_reference.unwrap()).unwrap();
    let payment = gw.payment_status(&key).await.unwrap();
    assert_eq!(payment.status, PaymentStatus::Paid);
    assert_eq!(payment.amount, Some(inr("100")));
    // This Detail shows no refund: refund status says so, without asking RefundStatus.
    let none = gw
        .refund_status(&RefundStatusRequest::new(key.clone()))
        .await
        .unwrap_err();
    assert_eq!(kind(&none), ProviderErrorKind::NotFound, "{none}");
    assert!(
        none.to_string()
            .contains("no refund of order 210624M7771UTEST1"),
        "{none}"
    );
    // With the transaction id given, RefundStatus is asked directly.
    let refund = gw
        .refund_status(
            &RefundStatusRequest::new(key).transaction_id(TransactionId::new("72260277").unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(refund.status, RefundStatus::Succeeded);
    for c in [Capability::Void, Capability::Cancel, Capability::Capture] {
        assert!(!gw.capabilities().contains(c));
    }
    let err = gw
        .void(&(&OrderId::new("X1").unwrap()).into())
        .await
        .unwrap_err();
    assert_eq!(err.class(), ErrorClass::Unsupported);
}

#[tokio::test]
async fn postback_is_unverified_until_confirmed() {
    let mut server = mockito::Server::new_async().await;
    let _detail = server
        .mock("POST", "/Detail")
        .with_body(PAID_ORDER)
        .create_async()
        .await;
    let (client, _) = client(&server.url());
    let gw = gateway(&server.url());
    let event = gw
        .verify_webhook(PAID_ORDER.as_bytes(), &Default::default())
        .unwrap();
    assert_eq!(event.authenticity, Authenticity::Unverified);
    let confirmed = client
        .confirm_postback(PAID_ORDER.as_bytes())
        .await
        .unwrap();
    assert_eq!(confirmed.status, PaymentStatus::Paid);
    // A forged postback claiming another amount is caught.
    let forged = PAID_ORDER.replace("100.00", "1.00");
    let err = client
        .confirm_postback(forged.as_bytes())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::WebhookRejected {
                reason: WebhookRejection::Mismatch(_),
                ..
            }
        ),
        "{err:?}"
    );
}

/// The user's refund document marks `MID` required on Refund and RefundStatus: without it the
/// native calls stop before sending, and the unified gateway is refused when built.
#[tokio::test]
async fn refunds_need_the_mid_and_nothing_is_sent_without_it() {
    let mut server = mockito::Server::new_async().await;
    let nothing = server
        .mock("POST", mockito::Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let config = paygate_payg::PaygConfig::new(
        &paygate_core::secrecy::SecretString::from(AUTH_KEY),
        &paygate_core::secrecy::SecretString::from(AUTH_TOKEN),
        MERCHANT_KEY_ID,
        None,
        paygate_payg::ApiVersion::V1,
        &paygate_core::Environment::Custom(paygate_core::Url::parse(&server.url()).unwrap()),
    )
    .unwrap();
    let client = PaygClient::new(
        config,
        paygate_core::transport::Dispatcher::new(Arc::new(
            paygate_core::transport::ReqwestTransport::with_defaults().unwrap(),
        )),
    );
    for op in [Op::Refund, Op::RefundStatus] {
        let err = op.call(&client).await.unwrap_err();
        assert_eq!(err.class(), ErrorClass::Config, "{op:?}: {err}");
        assert!(err.to_string().contains("require the MID"), "{err}");
    }
    let err = PaygGateway::new(client).unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration error at mid: PayG's Refund and RefundStatus require the MID (from the PayG dashboard)"
    );
    nothing.assert_async().await;
}

/// `/Detail` says a refund succeeded but not how much: the payment is no longer `paid`; a
/// refund still pending leaves it paid.
#[tokio::test]
async fn a_refund_on_record_shows_in_the_payment_status() {
    // Made, pending or failed: a refund on record leaves what was refunded unknown (PayG
    // reports no amount); with none, nothing was refunded.
    let inr = |text: &str| paygate_core::Money::parse(text, paygate_core::Currency::INR).unwrap();
    for (refund_code, expected, refunded) in [
        (1, PaymentStatus::PartiallyRefunded, None),
        (4, PaymentStatus::PartiallyRefunded, None),
        (2, PaymentStatus::PartiallyRefunded, None),
        (0, PaymentStatus::Paid, Some(inr("0"))),
    ] {
        let body = PAID_ORDER.replace(
            "\"RefundPaymentResponseCode\":0",
            &format!("\"RefundPaymentResponseCode\":{refund_code}"),
        );
        let (server, mock) = serve(Op::Detail, 200, "application/json", &body, 1).await;
        let payment = gateway(&format!("{}/", server.url()))
            .payment_status(&OrderId::new("210624M7771UTEST1").unwrap())
            .await
            .unwrap();
        assert_eq!(
            payment.status, expected,
            "RefundPaymentResponseCode {refund_code}"
        );
        assert_eq!(payment.provider_status, "Approved");
        assert_eq!(payment.refunded_amount, refunded);
        mock.assert_async().await;
    }
}
