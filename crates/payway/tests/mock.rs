//! Each PayWay operation against a mockito server: success, wrong hash (403), not found,
//! rate limit (403 + code 429), an HTML 502 page and truncated JSON — each mapped to the right
//! error class with the right number of requests (reads retried, writes sent once), no panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use mockito::Matcher;
use paygate_core::{Error, ErrorClass, OrderId, ProviderErrorKind, Url};
use paygate_payway::ops::purchase::{PurchaseOutcome, PurchaseRequest};
use paygate_payway::{
    ConsumerTokenId, LinkRequestId, LinkTokenFlag, PayTokenFlag, PaymentToken, TokenLinkRequest,
    TokenPaymentRequest,
};
use paygate_payway::{
    Endpoint, PaymentLinkId, PaymentLinkRequest, Payout, PaywayClient, QrPaymentOption, QrRequest,
    TransactionListQuery,
};

#[derive(Debug, Clone, Copy)]
enum Op {
    Check,
    Detail,
    Close,
    List,
    ExchangeRate,
    Refund,
    Completion,
    CompletionWithPayout,
    Cancellation,
    Purchase,
    GenerateQr,
    LinkCreate,
    LinkDetail,
    LinkVoid,
    ByRef,
    AccountLink,
    TokenPayment,
    TokenDetails,
    TokenRenew,
    TokenRemove,
}

const ALL: [Op; 20] = [
    Op::Check,
    Op::Detail,
    Op::Close,
    Op::List,
    Op::ExchangeRate,
    Op::Refund,
    Op::Completion,
    Op::CompletionWithPayout,
    Op::Cancellation,
    Op::Purchase,
    Op::GenerateQr,
    Op::LinkCreate,
    Op::LinkDetail,
    Op::LinkVoid,
    Op::ByRef,
    Op::AccountLink,
    Op::TokenPayment,
    Op::TokenDetails,
    Op::TokenRenew,
    Op::TokenRemove,
];

impl Op {
    fn endpoint(self) -> Endpoint {
        match self {
            Op::Check => Endpoint::CheckTransaction,
            Op::Detail => Endpoint::TransactionDetail,
            Op::Close => Endpoint::CloseTransaction,
            Op::List => Endpoint::TransactionList,
            Op::ExchangeRate => Endpoint::ExchangeRate,
            Op::Refund => Endpoint::Refund,
            Op::Completion | Op::CompletionWithPayout => Endpoint::PreAuthCompletion,
            Op::Cancellation => Endpoint::PreAuthCancellation,
            Op::Purchase => Endpoint::Purchase,
            Op::GenerateQr => Endpoint::GenerateQr,
            Op::LinkCreate => Endpoint::PaymentLinkCreate,
            Op::LinkDetail => Endpoint::PaymentLinkDetail,
            Op::LinkVoid => Endpoint::PaymentLinkVoid,
            Op::ByRef => Endpoint::TransactionsByRef,
            Op::AccountLink => Endpoint::AccountLink,
            Op::TokenPayment => Endpoint::TokenPayment,
            Op::TokenDetails => Endpoint::TokenDetails,
            Op::TokenRenew => Endpoint::TokenRenew,
            Op::TokenRemove => Endpoint::TokenRemove,
        }
    }

    fn is_write(self) -> bool {
        self.endpoint().operation().is_write()
    }

    /// A success answer: (HTTP status, extra header, body).
    fn success(self) -> (usize, Option<(&'static str, &'static str)>, &'static str) {
        match self {
            Op::Check => (
                200,
                None,
                r#"{"data":{"payment_status_code":0,"total_amount":0.1,"original_amount":0.1,"refund_amount":0,"discount_amount":0,"payment_amount":0.1,"payment_currency":"USD","apv":"753786","payment_status":"APPROVED","transaction_date":"2025-02-13 13:55:25"},"status":{"code":"00","message":"Success!","tran_id":"17394277693"}}"#,
            ),
            Op::Detail => (
                200,
                None,
                r#"{"data":{"transaction_id":"17394277693","payment_status_code":0,"payment_status":"APPROVED","original_amount":7.77,"original_currency":"USD","transaction_operations":[]},"status":{"code":"00","message":"Success!"}}"#,
            ),
            Op::Close => (
                200,
                None,
                r#"{"status":{"code":"00","message":"Success!","tran_id":"17394277693"}}"#,
            ),
            Op::List => (
                200,
                None,
                r#"{"data":[],"page":"1","pagination":"40","status":{"code":"00","message":"Success!"}}"#,
            ),
            Op::ExchangeRate => (
                200,
                None,
                r#"{"status":{"code":"00","message":"Success!"},"exchange_rates":{"eur":{"sell":"4461.07","buy":"4258.34"}}}"#,
            ),
            Op::Refund => (
                200,
                None,
                r#"{"grand_total":1.5,"total_refunded":0.09,"currency":"USD","transaction_status":"REFUNDED","status":{"code":"00","message":"Success!"}}"#,
            ),
            Op::Completion | Op::CompletionWithPayout => (
                200,
                None,
                r#"{"grand_total":1.00,"currency":"USD","transaction_status":"COMPLETED","status":{"code":"00","message":"Success!"}}"#,
            ),
            Op::Cancellation => (
                200,
                None,
                r#"{"grand_total":1.00,"currency":"USD","transaction_status":"CANCELLED","status":{"code":"00","message":"Success!"}}"#,
            ),
            Op::GenerateQr => (
                200,
                None,
                r#"{"status":{"code":"0","message":"Success.","tran_id":"17394277693"},"amount":1.00,"currency":"USD","qrString":"00020101021230510016sandbox","qrImage":"data:image/png;base64,iVBORw0KGgo="}"#,
            ),
            Op::LinkCreate | Op::LinkDetail => (
                200,
                None,
                r#"{"data":{"id":"iN4sbkzbwOCx5VzdXTYsCw==","title":"T","amount":1.00,"currency":"USD","status":"OPEN","payment_link":"https://link-sandbox.payway.com.kh/ABAPAY1"},"status":{"code":"00","message":"Success!"},"tran_id":1681357410}"#,
            ),
            Op::ByRef => (
                200,
                None,
                r#"{"status":{"code":"00","message":"Success!"},"data":[{"transaction_id":"178865526240157","payment_status":"APPROVED","original_amount":0.5,"original_currency":"USD","merchant_ref":"INV-42"}]}"#,
            ),
            Op::LinkVoid => (
                200,
                None,
                r#"{"status":{"code":"00","message":"Success.","lang":"en"},"tran_id":178865342966685}"#,
            ),
            Op::AccountLink => (
                200,
                None,
                r#"{"status":{"code":"00","message":"Success"},"data":{"qr_string":"00020101021230510016link","deeplink":"abamobilebank://link"}}"#,
            ),
            Op::TokenPayment => (
                200,
                None,
                r#"{"status":{"code":"00","message":"Success","tran_id":"17394277693"}}"#,
            ),
            Op::TokenDetails => (
                200,
                None,
                r#"{"status":{"code":"00","message":"Success"},"data":{"ctid":"cust-0001","pwt":"pwt-test-0001","status":1}}"#,
            ),
            Op::TokenRenew | Op::TokenRemove => {
                (200, None, r#"{"status":{"code":"00","message":"Success"}}"#)
            }
            Op::Purchase => (
                302,
                Some((
                    "location",
                    "https://checkout-sandbox.payway.com.kh/eyJ0b2tlbiI6MX0",
                )),
                "",
            ),
        }
    }

    /// The endpoint's wrong-hash answer (always HTTP 403 live).
    fn wrong_hash(self) -> &'static str {
        match self {
            Op::Check | Op::Detail => r#"{"status":{"code":5,"message":"Invalid hash"}}"#,
            Op::Close | Op::List | Op::ExchangeRate | Op::ByRef => {
                r#"{"status":{"code":"1","message":"Wrong hash"}}"#
            }
            Op::Refund
            | Op::Completion
            | Op::CompletionWithPayout
            | Op::Cancellation
            | Op::LinkCreate
            | Op::LinkDetail
            | Op::LinkVoid => r#"{"status":{"code":"PTL02","message":"Wrong Hash"}}"#,
            Op::Purchase | Op::GenerateQr => r#"{"status":{"code":1,"message":"Wrong hash"}}"#,
            Op::AccountLink
            | Op::TokenPayment
            | Op::TokenDetails
            | Op::TokenRenew
            | Op::TokenRemove => r#"{"status":{"code":"01","message":"Wrong Hash"}}"#,
        }
    }

    /// The endpoint's not-found answer, where it has one.
    fn not_found(self) -> Option<(usize, &'static str)> {
        match self {
            Op::Check | Op::Detail => Some((
                200,
                r#"{"status":{"code":6,"message":"tran_id not found","tran_id":"17394277693"}}"#,
            )),
            Op::Close => Some((
                403,
                r#"{"status":{"code":5,"message":"Transaction not found"}}"#,
            )),
            Op::Refund | Op::Completion | Op::CompletionWithPayout | Op::Cancellation => Some((
                403,
                r#"{"status":{"code":"PTL36","message":"Transaction not found or is invalid"}}"#,
            )),
            Op::LinkDetail | Op::LinkVoid => Some((
                403,
                r#"{"status":{"code":"96","message":"Invalid merchant data"}}"#,
            )),
            Op::TokenPayment | Op::TokenRenew => Some((
                403,
                r#"{"status":{"code":105,"message":"Invalid payment credential token"}}"#,
            )),
            Op::TokenDetails => Some((
                403,
                r#"{"status":{"code":"09","message":"Data not found"}}"#,
            )),
            Op::List
            | Op::ExchangeRate
            | Op::Purchase
            | Op::GenerateQr
            | Op::LinkCreate
            | Op::ByRef
            | Op::AccountLink
            | Op::TokenRemove => None,
        }
    }

    async fn call(self, client: &PaywayClient) -> Result<(), Error> {
        let id = OrderId::new("17394277693").unwrap();
        match self {
            Op::Check => client.check_transaction(&id).await.map(drop),
            Op::Detail => client.transaction_detail(&id).await.map(drop),
            Op::Close => client.close_transaction(&id).await.map(drop),
            Op::List => client
                .transaction_list(&TransactionListQuery::default())
                .await
                .map(drop),
            Op::ExchangeRate => client.exchange_rate().await.map(drop),
            Op::Refund => client.refund(&id, &usd("0.09")).await.map(drop),
            Op::Completion => client
                .pre_auth_completion(&id, &usd("1.00"))
                .await
                .map(drop),
            Op::CompletionWithPayout => client
                .pre_auth_completion_with_payout(&id, &usd("1.00"), &[payout("000000001", "0.40")])
                .await
                .map(drop),
            Op::Cancellation => client.pre_auth_cancellation(&id).await.map(drop),
            Op::GenerateQr => client
                .generate_qr(&QrRequest::new(
                    id.clone(),
                    usd("1.00"),
                    QrPaymentOption::AbaPayKhqr,
                    10,
                ))
                .await
                .map(drop),
            Op::LinkCreate => client
                .create_payment_link(&PaymentLinkRequest::new(
                    "T",
                    usd("1.00"),
                    Url::parse("https://shop.example/payway/links").unwrap(),
                ))
                .await
                .map(drop),
            Op::LinkDetail => client.payment_link_detail(&link()).await.map(drop),
            Op::LinkVoid => client.void_payment_link(&link()).await.map(drop),
            Op::ByRef => client
                .transactions_by_merchant_ref(&paygate_payway::MerchantRef::new("INV-42").unwrap())
                .await
                .map(drop),
            Op::AccountLink => client
                .link_account(&TokenLinkRequest::new(
                    link_request(),
                    ctid(),
                    LinkTokenFlag::CitiFlex,
                    paygate_core::Currency::USD,
                ))
                .await
                .map(drop),
            Op::TokenPayment => client
                .pay_with_token(&TokenPaymentRequest::new(
                    id.clone(),
                    usd("1.00"),
                    ctid(),
                    pwt(),
                    PayTokenFlag::MituFlex,
                ))
                .await
                .map(drop),
            Op::TokenDetails => client.token_details(&link_request()).await.map(drop),
            Op::TokenRenew => client
                .renew_account_token(&ctid(), &pwt(), &link_request())
                .await
                .map(drop),
            Op::TokenRemove => client.remove_token(&ctid(), &pwt()).await.map(drop),
            Op::Purchase => {
                let answer = client
                    .purchase(&PurchaseRequest::new(
                        OrderId::new("ORDER-1").unwrap(),
                        usd("1.00"),
                    ))
                    .await?;
                assert!(matches!(answer.body, PurchaseOutcome::Redirect { .. }));
                Ok(())
            }
        }
    }
}

fn ctid() -> ConsumerTokenId {
    ConsumerTokenId::new("cust-0001").unwrap()
}

fn pwt() -> PaymentToken {
    PaymentToken::new("pwt-test-0001").unwrap()
}

fn link_request() -> LinkRequestId {
    LinkRequestId::new("link-0001").unwrap()
}

fn link() -> PaymentLinkId {
    PaymentLinkId::new("iN4sbkzbwOCx5VzdXTYsCw==").unwrap()
}

fn payout(account: &str, amount: &str) -> Payout {
    Payout {
        account: account.into(),
        amount: usd(amount),
    }
}

async fn serve(
    server: &mut mockito::ServerGuard,
    op: Op,
    status: usize,
    header: Option<(&str, &str)>,
    content_type: &str,
    body: &str,
    hits: usize,
) -> mockito::Mock {
    let mut mock = server
        .mock("POST", op.endpoint().path())
        .match_header("user-agent", Matcher::Regex("^paygate/".into()))
        .with_status(status)
        .with_header("content-type", content_type)
        .with_body(body)
        .expect(hits);
    if let Some((name, value)) = header {
        mock = mock.with_header(name, value);
    }
    mock.create_async().await
}

fn provider_kind(err: &Error) -> ProviderErrorKind {
    match err {
        Error::Provider(p) => p.kind,
        other => panic!("expected a provider error, got {other:?}"),
    }
}

#[tokio::test]
async fn success() {
    for op in ALL {
        let mut server = mockito::Server::new_async().await;
        let (status, header, body) = op.success();
        let mock = serve(&mut server, op, status, header, "application/json", body, 1).await;
        let (client, _) = client(&server.url());
        op.call(&client)
            .await
            .unwrap_or_else(|e| panic!("{op:?}: {e}"));
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn the_body_is_signed_json_with_the_merchant_id() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", Endpoint::CheckTransaction.path())
        .match_header("content-type", "application/json")
        .match_body(Matcher::AllOf(vec![
            Matcher::PartialJsonString(
                r#"{"merchant_id":"ec000002","tran_id":"17394277693","req_time":"20250213065545"}"#
                    .into(),
            ),
            Matcher::Regex(r#""hash":"[A-Za-z0-9+/]{86}==""#.into()),
        ]))
        .with_body(Op::Check.success().2)
        .create_async()
        .await;
    let (client, _) = client(&server.url());
    client
        .check_transaction(&OrderId::new("17394277693").unwrap())
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn wrong_hash_is_an_auth_error() {
    for op in ALL {
        let mut server = mockito::Server::new_async().await;
        let mock = serve(
            &mut server,
            op,
            403,
            None,
            "application/json",
            op.wrong_hash(),
            1,
        )
        .await;
        let (client, _) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert_eq!(
            provider_kind(&err),
            ProviderErrorKind::Auth,
            "{op:?}: {err}"
        );
        assert_eq!(err.class(), ErrorClass::Provider, "{op:?}");
        assert!(!err.is_retryable() && !err.outcome_unknown(), "{op:?}");
    }
}

#[tokio::test]
async fn not_found_is_not_found() {
    for op in ALL {
        let Some((status, body)) = op.not_found() else {
            continue;
        };
        let mut server = mockito::Server::new_async().await;
        let mock = serve(&mut server, op, status, None, "application/json", body, 1).await;
        let (client, _) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert_eq!(
            provider_kind(&err),
            ProviderErrorKind::NotFound,
            "{op:?}: {err}"
        );
    }
}

#[tokio::test]
async fn rate_limit_in_a_403_retries_reads_and_never_resends_writes() {
    for op in ALL {
        let mut server = mockito::Server::new_async().await;
        let body = r#"{"status":{"code":429,"message":"Rate limit exceeded for this request. Please try again later","tran_id":"x"}}"#;
        let hits = if op.is_write() { 1 } else { 3 };
        let mock = serve(&mut server, op, 403, None, "application/json", body, hits).await;
        let (client, clock) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert!(
            matches!(provider_kind(&err), ProviderErrorKind::RateLimited { .. }),
            "{op:?}: {err}"
        );
        assert!(err.is_retryable(), "{op:?}");
        assert!(!err.outcome_unknown(), "{op:?}");
        assert_eq!(clock.sleeps().len(), hits - 1, "{op:?}");
    }
}

#[tokio::test]
async fn html_502_is_an_unexpected_body_and_unknown_outcome_for_writes() {
    for op in ALL {
        let mut server = mockito::Server::new_async().await;
        let hits = if op.is_write() { 1 } else { 3 };
        let html = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>";
        let mock = serve(&mut server, op, 502, None, "text/html", html, hits).await;
        let (client, _) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert!(matches!(err, Error::UnexpectedBody(_)), "{op:?}: {err:?}");
        if op.is_write() {
            assert_eq!(err.class(), ErrorClass::OutcomeUnknown, "{op:?}");
            assert!(err.outcome_unknown());
        } else {
            assert_eq!(err.class(), ErrorClass::UnexpectedBody, "{op:?}");
            assert!(err.is_retryable());
        }
        assert!(err.to_string().contains("502 Bad Gateway"), "{err}");
    }
}

#[tokio::test]
async fn truncated_json_is_an_unexpected_body() {
    for op in ALL {
        let mut server = mockito::Server::new_async().await;
        let mock = serve(
            &mut server,
            op,
            200,
            None,
            "application/json",
            r#"{"data":{"payment_status_code":0,"total_amount":0.1},"status":{"code":"00","mess"#,
            1,
        )
        .await;
        let (client, _) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert!(matches!(err, Error::UnexpectedBody(_)), "{op:?}: {err:?}");
        assert_eq!(err.outcome_unknown(), op.is_write(), "{op:?}");
        assert!(!err.is_retryable(), "{op:?}: a 200 answer is not retried");
    }
}

#[tokio::test]
async fn wrong_shape_json_is_an_unexpected_body() {
    for op in [Op::Check, Op::Refund, Op::ExchangeRate] {
        let mut server = mockito::Server::new_async().await;
        let mock = serve(
            &mut server,
            op,
            200,
            None,
            "application/json",
            r#"{"ok":true}"#,
            1,
        )
        .await;
        let (client, _) = client(&server.url());
        let err = op.call(&client).await.unwrap_err();
        mock.assert_async().await;
        assert!(err.to_string().contains("missing field `status`"), "{err}");
    }
}

#[tokio::test]
async fn nothing_is_sent_for_invalid_input() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let (client, _) = client(&server.url());
    let id = OrderId::new("17394277693").unwrap();
    let too_long = OrderId::new("A".repeat(21)).unwrap();
    let cases: Vec<Error> = vec![
        client.check_transaction(&too_long).await.unwrap_err(),
        client.refund(&id, &usd("0")).await.unwrap_err(),
        client
            .refund(
                &id,
                &paygate_core::Money::parse("1", paygate_core::Currency::INR).unwrap(),
            )
            .await
            .unwrap_err(),
        client
            .pre_auth_completion(&id, &khr("99"))
            .await
            .unwrap_err(),
        client
            .purchase(&PurchaseRequest::new(id.clone(), khr("50")))
            .await
            .unwrap_err(),
        // QR: WeChat in KHR, a lifetime under 3 minutes, a plain-http callback, a long name.
        client
            .generate_qr(&QrRequest::new(
                id.clone(),
                khr("4000"),
                QrPaymentOption::WeChat,
                10,
            ))
            .await
            .unwrap_err(),
        client
            .generate_qr(&QrRequest::new(
                id.clone(),
                usd("1.00"),
                QrPaymentOption::AbaPayKhqr,
                2,
            ))
            .await
            .unwrap_err(),
        client
            .generate_qr(&{
                let mut request =
                    QrRequest::new(id.clone(), usd("1.00"), QrPaymentOption::AbaPayKhqr, 10);
                request.callback_url = Some("http://shop.example/cb".parse().unwrap());
                request
            })
            .await
            .unwrap_err(),
        client
            .generate_qr(&{
                let mut request =
                    QrRequest::new(id.clone(), usd("1.00"), QrPaymentOption::AbaPayKhqr, 10);
                request.first_name = Some("A".repeat(21));
                request
            })
            .await
            .unwrap_err(),
        // Payouts: more than 10, more than the amount, another currency, no account.
        client
            .pre_auth_completion_with_payout(&id, &usd("11.00"), &vec![payout("1", "1.00"); 11])
            .await
            .unwrap_err(),
        client
            .pre_auth_completion_with_payout(
                &id,
                &usd("1.00"),
                &[payout("1", "0.60"), payout("2", "0.41")],
            )
            .await
            .unwrap_err(),
        client
            .pre_auth_completion_with_payout(
                &id,
                &usd("1.00"),
                &[Payout {
                    account: "1".into(),
                    amount: khr("100"),
                }],
            )
            .await
            .unwrap_err(),
        client
            .pre_auth_completion_with_payout(&id, &usd("1.00"), &[payout(" ", "0.50")])
            .await
            .unwrap_err(),
        client
            .purchase(&{
                let mut request = PurchaseRequest::new(id.clone(), usd("1.00"));
                request.payout = vec![payout("1", "1.50")];
                request
            })
            .await
            .unwrap_err(),
        client
            .transaction_list(&TransactionListQuery {
                page_size: 1001,
                ..TransactionListQuery::default()
            })
            .await
            .unwrap_err(),
        // Credentials on file: the subscription flag on a link, a payment under 100 KHR.
        client
            .link_account(&TokenLinkRequest::new(
                link_request(),
                ctid(),
                LinkTokenFlag::CitrFix,
                paygate_core::Currency::USD,
            ))
            .await
            .unwrap_err(),
        client
            .pay_with_token(&TokenPaymentRequest::new(
                id.clone(),
                khr("99"),
                ctid(),
                pwt(),
                PayTokenFlag::CituFlex,
            ))
            .await
            .unwrap_err(),
    ];
    for err in cases {
        assert_eq!(err.class(), ErrorClass::InvalidInput, "{err}");
    }
    mock.assert_async().await;
}

/// A QR answer about another transaction, currency or amount is no QR of ours: an unknown
/// outcome (the QR asked for may exist), sent once.
#[tokio::test]
async fn a_qr_answer_about_something_else_is_an_unknown_outcome() {
    let answers = [
        r#"{"status":{"code":"0","tran_id":"OTHER"},"qrString":"000201"}"#,
        r#"{"status":{"code":"0","tran_id":"17394277693"},"currency":"KHR","qrString":"000201"}"#,
        r#"{"status":{"code":"0","tran_id":"17394277693"},"amount":1.01,"qrString":"000201"}"#,
    ];
    for answer in answers {
        let err = unexpected_answer(Op::GenerateQr, answer).await;
        assert!(err.outcome_unknown(), "{answer}");
    }
}

/// `op` answered once with the JSON `answer`, which must be an unexpected answer.
async fn unexpected_answer(op: Op, answer: &str) -> Error {
    let mut server = mockito::Server::new_async().await;
    let mock = serve(&mut server, op, 200, None, "application/json", answer, 1).await;
    let (client, _) = client(&server.url());
    let err = op.call(&client).await.unwrap_err();
    mock.assert_async().await;
    assert!(matches!(err, Error::UnexpectedBody(_)), "{answer}: {err:?}");
    err
}

/// A token answer the client cannot use still must not show its token: the error's excerpt
/// hides a `pwt` whatever its length (this one is shorter than any key-like run).
#[tokio::test]
async fn an_unusable_token_answer_never_shows_the_token() {
    let answers = [
        // Truncated.
        r#"{"status":{"code":"00","message":"Success"},"data":{"ctid":"cust-0001","pwt":"Zq7-tok","sta"#,
        // A code the client does not know.
        r#"{"status":{"code":"77","message":"?"},"data":{"ctid":"cust-0001","pwt":"Zq7-tok","status":1}}"#,
    ];
    for answer in answers {
        let err = unexpected_answer(Op::TokenDetails, answer).await;
        let shown = format!("{err} {err:?} {:?}", std::error::Error::source(&err));
        assert!(!shown.contains("Zq7"), "{shown}");
        assert!(shown.contains(r#"\"pwt\":\"[redacted]\""#), "{shown}");
    }
}
