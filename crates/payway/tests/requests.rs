//! Every built request, snapshotted with a fixed clock and seeded randomness.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use paygate_core::time::macros::datetime;
use paygate_core::transport::HttpRequest;
use paygate_core::{CreatePayment, Customer, LineItem, OrderId, Url};
use paygate_payway::ops::purchase::{PurchaseRequest, ViewType};
use paygate_payway::ops::{
    check_transaction, close_transaction, exchange_rate, generate_qr, pre_auth, purchase, refund,
    transaction_detail, transaction_list,
};
use paygate_payway::{ListStatus, Payout, QrPaymentOption, QrRequest, TransactionListQuery};

fn id(text: &str) -> OrderId {
    OrderId::new(text).unwrap()
}

/// Method, URL, headers, and the body (multipart line ends shown as `\n`).
fn render(request: &HttpRequest) -> String {
    let mut out = format!("{} {}\n", request.method, request.url);
    for (name, value) in &request.headers {
        out.push_str(&format!("{name}: {}\n", value.to_str().unwrap()));
    }
    out.push_str(&format!("operation: {}\n\n", request.operation));
    out.push_str(
        &String::from_utf8_lossy(&request.body)
            .replace('\u{fffd}', "<non-UTF-8 byte>")
            .replace("\r\n", "\n"),
    );
    out
}

#[test]
fn check_transaction() {
    let r = check_transaction::build_check_transaction(&config(), &id("17394277693"), NOW).unwrap();
    insta::assert_snapshot!(render(&r));
}

#[test]
fn transaction_detail() {
    let r =
        transaction_detail::build_transaction_detail(&config(), &id("17394277693"), NOW).unwrap();
    insta::assert_snapshot!(render(&r));
}

#[test]
fn close_transaction() {
    let r = close_transaction::build_close_transaction(&config(), &id("17394277693"), NOW).unwrap();
    insta::assert_snapshot!(render(&r));
}

#[test]
fn transaction_list() {
    let query = TransactionListQuery {
        from: Some(datetime!(2025-02-11 00:00:00 +07:00)),
        to: Some(datetime!(2025-02-13 23:59:59 +07:00)),
        statuses: vec![ListStatus::Approved, ListStatus::PreAuth],
        ..TransactionListQuery::default()
    };
    let r = transaction_list::build_transaction_list(&config(), &query, NOW).unwrap();
    insta::assert_snapshot!(render(&r));
}

#[test]
fn exchange_rate() {
    let r = exchange_rate::build_exchange_rate(&config(), NOW).unwrap();
    insta::assert_snapshot!(render(&r));
}

#[test]
fn refund() {
    let r =
        refund::build_refund(&config(), &id("17394277693"), &usd("0.10"), NOW, &random()).unwrap();
    insta::assert_snapshot!(render(&r));
}

#[test]
fn pre_auth_completion() {
    let r = pre_auth::build_completion(&config(), &id("17394277693"), &usd("9.50"), NOW, &random())
        .unwrap();
    insta::assert_snapshot!(render(&r));
}

#[test]
fn pre_auth_completion_with_payout() {
    let payouts = [
        Payout {
            account: "000000001".into(),
            amount: usd("4.00"),
        },
        Payout {
            account: "ec000003".into(),
            amount: usd("5.50"),
        },
    ];
    let r = pre_auth::build_completion_with_payout(
        &config(),
        &id("17394277693"),
        &usd("9.50"),
        &payouts,
        NOW,
        &random(),
    )
    .unwrap();
    insta::assert_snapshot!(render(&r));
}

#[test]
fn generate_qr() {
    let r = generate_qr::build_generate_qr(&config(), &full_qr_request(), NOW).unwrap();
    insta::assert_snapshot!(render(&r));
    let minimal = QrRequest::new(id("QR-2"), khr("4000"), QrPaymentOption::AbaPay, 3);
    let r = generate_qr::build_generate_qr(&config(), &minimal, NOW).unwrap();
    insta::assert_snapshot!("generate_qr_minimal", render(&r));
}

#[test]
fn pre_auth_cancellation() {
    let r = pre_auth::build_cancellation(&config(), &id("17394277693"), NOW, &random()).unwrap();
    insta::assert_snapshot!(render(&r));
}

#[test]
fn purchase_multipart() {
    let mut request = PurchaseRequest::new(id("ORDER-0001"), khr("4000"));
    request.payment_option = Some("abapay_khqr".into());
    request.pushback_url = Some(Url::parse("https://shop.example/payway/pushback").unwrap());
    request.view_type = Some(ViewType::HostedView);
    request.payment_gate = Some(0);
    let form = purchase::form(&config(), &request, NOW).unwrap();
    let r = purchase::to_request(&form, &random()).unwrap();
    assert!(
        r.body.windows(2).any(|w| w == b"\r\n"),
        "multipart lines end in CRLF"
    );
    insta::assert_snapshot!(render(&r));
}

#[test]
fn purchase_from_the_unified_request() {
    let create = CreatePayment::new(id("ORDER-0003"), usd("10.00"))
        .unwrap()
        .customer(Customer::new().name("Sok", "Dara").email("sok@example.com"))
        .item(LineItem::new("Tea", 2, usd("5.00")).unwrap())
        .return_url(Url::parse("https://shop.example/done").unwrap())
        .callback_url(Url::parse("https://shop.example/payway/pushback").unwrap())
        .expires_in(std::time::Duration::from_secs(15 * 60 + 1))
        .authorize_only();
    let request = PurchaseRequest::from_create(&create).unwrap();
    let form = purchase::form(&config(), &request, NOW).unwrap();
    insta::assert_debug_snapshot!(form.fields.iter().collect::<Vec<_>>());
}

#[test]
fn payment_link_requests() {
    use paygate_payway::ops::payment_link;
    use paygate_payway::{ImageFormat, PaymentLinkId, PaymentLinkImage};
    let r = payment_link::build_create(&config(), &full_link_request(), NOW, &random()).unwrap();
    insta::assert_snapshot!("payment_link_create", render(&r));
    let mut with_image = full_link_request();
    with_image.image = Some(PaymentLinkImage {
        file_name: "cake.png".into(),
        format: ImageFormat::Png,
        bytes: b"\x89PNG\r\n\x1a\n-not-a-real-image".to_vec(),
    });
    with_image.payout = vec![
        Payout {
            account: "000000001".into(),
            amount: usd("20.00"),
        },
        Payout {
            account: "ec000003".into(),
            amount: usd("5.00"),
        },
    ];
    let r = payment_link::build_create(&config(), &with_image, NOW, &random()).unwrap();
    insta::assert_snapshot!("payment_link_create_with_image", render(&r));
    assert!(
        r.body.windows(4).any(|w| w == b"\x89PNG"),
        "image bytes as they are"
    );
    let link = PaymentLinkId::new("iN4sbkzbwOCx5VzdXTYsCw==").unwrap();
    let r = payment_link::build_detail(&config(), &link, NOW, &random()).unwrap();
    insta::assert_snapshot!("payment_link_detail", render(&r));
    let r = payment_link::build_void(&config(), &link, NOW, &random()).unwrap();
    insta::assert_snapshot!("payment_link_void", render(&r));
}

/// Bad input is a typed error naming the field, before anything is encrypted or sent.
#[test]
fn payment_link_create_checks_every_field_first() {
    use paygate_payway::ops::payment_link;
    use paygate_payway::{ImageFormat, PaymentLinkId, PaymentLinkImage};
    let refused = |change: &dyn Fn(&mut paygate_payway::PaymentLinkRequest)| {
        let mut request = full_link_request();
        change(&mut request);
        match payment_link::build_create(&config(), &request, NOW, &random()) {
            Err(paygate_core::Error::InvalidInput { field, .. }) => field.into_owned(),
            other => panic!("expected a field error, got {other:?}"),
        }
    };
    assert_eq!(refused(&|r| r.title = "  ".into()), "title");
    assert_eq!(refused(&|r| r.title = "t".repeat(251)), "title");
    assert_eq!(
        refused(&|r| r.description = Some("d".repeat(251))),
        "description"
    );
    assert_eq!(
        refused(&|r| r.merchant_ref_no = Some("r".repeat(51))),
        "merchant_ref_no"
    );
    assert_eq!(refused(&|r| r.amount = khr("99")), "amount");
    assert_eq!(
        refused(&|r| r.amount =
            paygate_core::Money::parse("10", paygate_core::Currency::from_code("EUR").unwrap())
                .unwrap()),
        "amount"
    );
    assert_eq!(refused(&|r| r.payment_limit = Some(0)), "payment_limit");
    assert_eq!(
        refused(&|r| r.expires_at = Some(NOW + std::time::Duration::from_secs(299))),
        "expires_at"
    );
    assert_eq!(
        refused(&|r| r.return_url = Url::parse("ftp://shop.example/x").unwrap()),
        "return_url"
    );
    // Payouts on a link must add up to the amount exactly.
    assert_eq!(
        refused(&|r| r.payout = vec![Payout {
            account: "000000001".into(),
            amount: usd("24.99"),
        }]),
        "payout"
    );
    assert_eq!(
        refused(&|r| r.payout = vec![Payout {
            account: "000000001".into(),
            amount: khr("100"),
        }]),
        "payout.amt"
    );
    let image = |name: &str, bytes: Vec<u8>| PaymentLinkImage {
        file_name: name.into(),
        format: ImageFormat::Png,
        bytes,
    };
    assert_eq!(
        refused(&|r| r.image = Some(image("a\"b.png", vec![1]))),
        "image.file_name"
    );
    assert_eq!(
        refused(&|r| r.image = Some(image("a.png", Vec::new()))),
        "image"
    );
    let png = |len: usize| {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.resize(len, 0);
        bytes
    };
    let max = paygate_payway::ops::payment_link::MAX_LINK_IMAGE_BYTES;
    assert_eq!(max, 3_000_000, "PayWay's page: max 3MB");
    assert_eq!(
        refused(&|r| r.image = Some(image("a.png", png(max + 1)))),
        "image"
    );
    let mut request = full_link_request();
    request.image = Some(image("a.png", png(max)));
    assert!(payment_link::build_create(&config(), &request, NOW, &random()).is_ok());
    // A GIF (or anything else) under a PNG's name, and a PNG under another name.
    assert_eq!(
        refused(&|r| r.image = Some(image("a.png", b"GIF89a\x01\x00".to_vec()))),
        "image"
    );
    assert_eq!(
        refused(&|r| r.image = Some(image("a.gif", png(16)))),
        "image.file_name"
    );
    assert_eq!(ImageFormat::from_file_name("a.gif"), None);
    // Exactly five minutes ahead is taken; so is no expiry.
    let mut request = full_link_request();
    request.expires_at = Some(NOW + std::time::Duration::from_secs(300));
    assert!(payment_link::build_create(&config(), &request, NOW, &random()).is_ok());
    request.expires_at = None;
    let r = payment_link::build_create(&config(), &request, NOW, &random()).unwrap();
    let auth = decrypt_merchant_auth(&multipart_field(&r, "merchant_auth").unwrap());
    assert!(
        String::from_utf8(auth)
            .unwrap()
            .contains(r#""expired_date":null"#)
    );
    // Link ids are base64 text.
    for bad in ["", "has space", "semi;colon", &"a".repeat(101)] {
        assert!(PaymentLinkId::new(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        ImageFormat::from_file_name("Cake.JPG"),
        Some(ImageFormat::Jpeg)
    );
    assert_eq!(ImageFormat::from_file_name("cake.webp"), None);
    assert!(format!("{:?}", image("a.png", vec![7; 1000])).contains("bytes: 1000"));
}

#[test]
fn transactions_by_ref() {
    let r = paygate_payway::ops::transactions_by_ref::build_transactions_by_ref(
        &config(),
        &paygate_payway::MerchantRef::new("INV-42").unwrap(),
        NOW,
    )
    .unwrap();
    insta::assert_snapshot!(render(&r));
}

fn token_link(
    flag: paygate_payway::LinkTokenFlag,
    request_id: &str,
) -> paygate_payway::TokenLinkRequest {
    let mut link = paygate_payway::TokenLinkRequest::new(
        paygate_payway::LinkRequestId::new(request_id).unwrap(),
        paygate_payway::ConsumerTokenId::new("cust-0001").unwrap(),
        flag,
        paygate_core::Currency::USD,
    );
    link.callback_url = Some(Url::parse("https://shop.example/payway/token").unwrap());
    link
}

#[test]
fn credentials_on_file() {
    use paygate_payway::ops::{token_link, token_management, token_payment};
    use paygate_payway::{
        BillingFrequency, ConsumerTokenId, LinkRequestId, LinkTokenFlag, PayTokenFlag,
        PaymentToken, ReturnDeeplink, TokenPaymentRequest,
    };
    let mut account = token_link(LinkTokenFlag::CitoFlex, "link-0001");
    account.return_deeplink = Some(ReturnDeeplink {
        ios_scheme: "shop://linked".into(),
        android_scheme: "shop://linked".into(),
    });
    let account = token_link::build_account_link(&config(), &account, NOW).unwrap();
    insta::assert_snapshot!("link_account", render(&account));

    let mut card = token_link(LinkTokenFlag::CitrFlex, "link-0002");
    card.frequency = Some(BillingFrequency::Monthly);
    card.continue_success_url = Some(Url::parse("https://shop.example/saved").unwrap());
    let form = token_link::card_link_form(&config(), &card, NOW).unwrap();
    let mut rendered = format!("POST {} (application/x-www-form-urlencoded)\n", form.action);
    for (name, value) in form.fields.iter() {
        rendered.push_str(&format!("{name}={}\n", value.unwrap_or("<unset>")));
    }
    insta::assert_snapshot!("link_card_form", rendered);

    let ctid = ConsumerTokenId::new("cust-0001").unwrap();
    let pwt = PaymentToken::new("pwt-test-0001").unwrap();
    let mut payment = TokenPaymentRequest::new(
        id("SUB-0001"),
        usd("12.00"),
        ctid.clone(),
        pwt.clone(),
        PayTokenFlag::MitrFix,
    );
    payment.callback_url = Some(Url::parse("https://shop.example/payway/paid").unwrap());
    payment.return_params = Some("sub-7".into());
    payment.payout = vec![Payout {
        account: "000000001".into(),
        amount: usd("2.00"),
    }];
    let payment = token_payment::build_token_payment(&config(), &payment, NOW).unwrap();
    insta::assert_snapshot!("token_payment", render(&payment));

    let details = token_management::build_token_details(
        &config(),
        &LinkRequestId::new("link-0001").unwrap(),
        NOW,
    )
    .unwrap();
    insta::assert_snapshot!("token_details", render(&details));
    let renew = token_management::build_token_renew(
        &config(),
        &ctid,
        &pwt,
        &LinkRequestId::new("renew-0001").unwrap(),
        NOW,
    )
    .unwrap();
    insta::assert_snapshot!("token_renew", render(&renew));
    let remove = token_management::build_token_remove(&config(), &ctid, &pwt, NOW).unwrap();
    insta::assert_snapshot!("token_remove", render(&remove));
}
