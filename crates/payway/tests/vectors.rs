//! Golden vectors: the hash of every endpoint, pinned against values computed by an
//! implementation independent of this crate (Python 3's `hmac` and `hashlib`: research §8, and
//! the extra vectors noted below), and `merchant_auth` decrypted back to the exact JSON.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use paygate_core::signing::HmacSha512Key;
use paygate_core::time::macros::datetime;
use paygate_core::{Error, OrderId, Url};
use paygate_payway::endpoint::order;
use paygate_payway::ops::purchase::{PurchaseItem, PurchaseRequest};
use paygate_payway::ops::{
    check_transaction, close_transaction, exchange_rate, generate_qr, pre_auth, purchase, refund,
    transaction_detail, transaction_list,
};
use paygate_payway::sign::{self, Fields};
use paygate_payway::{
    ListStatus, MerchantAuthKey, Payout, QrPaymentOption, QrRequest, TransactionListQuery,
};

fn key() -> HmacSha512Key {
    HmacSha512Key::new(API_KEY.as_bytes()).unwrap()
}

fn id(text: &str) -> OrderId {
    OrderId::new(text).unwrap()
}

#[test]
fn check_transaction_research_vector() {
    let request =
        check_transaction::build_check_transaction(&config(), &id("17394277693"), NOW).unwrap();
    assert_eq!(
        body_field(&request.body, "hash"),
        "zmy0ULBJxvB1pLs38afsqYUKVV7basGs5JYCSPPTHBVtbPbbfj0JFRPxZo8mD6ZQid0zNhpY+q5Tor8d0v1qiQ=="
    );
}

/// Python: hmac(key, "20250213084236" "ec000002" "17394277693").
#[test]
fn transaction_detail_vector() {
    let request = transaction_detail::build_transaction_detail(
        &config(),
        &id("17394277693"),
        datetime!(2025-02-13 08:42:36 UTC),
    )
    .unwrap();
    assert_eq!(
        body_field(&request.body, "hash"),
        "fubXQVUjBUVhsgg3W6e40XENe8lMeSyKSL0NFdkFjR46SXCuoofgXBaXAR3k8fMogNliglw0OM5uTCOyux/8mA=="
    );
}

/// Python: hmac(key, "20241022053608" "lavacafe" "1729573626") — the official close example.
#[test]
fn close_transaction_vector() {
    let config = paygate_payway::PaywayConfig::new(
        "lavacafe",
        &paygate_core::secrecy::SecretString::from(API_KEY),
        paygate_core::Environment::Sandbox,
    )
    .unwrap();
    let request = close_transaction::build_close_transaction(
        &config,
        &id("1729573626"),
        datetime!(2024-10-22 05:36:08 UTC),
    )
    .unwrap();
    assert_eq!(
        body_field(&request.body, "hash"),
        "0iGZSkjuRrOmXMpnlYQZd+E723sKuM7o0/B7JoeRB4JEwaT+RgEZiP9LIjIIQOqi42N0i6rphhOoN1TlScsKHg=="
    );
}

#[test]
fn exchange_rate_research_vector() {
    let request =
        exchange_rate::build_exchange_rate(&config(), datetime!(2025-02-12 10:42:16 UTC)).unwrap();
    assert_eq!(
        body_field(&request.body, "hash"),
        "v50vZ8s4PNS2C2+xqkMX1eXQrQSwLxFWSLK0KzZUHDVVgDMpdJx2ebaWac2OfmaMdvPJg5HYTK+vtSiZ1UlXmA=="
    );
}

/// The official list example: nulls hashed as "".
#[test]
fn transaction_list_research_vector() {
    let query = TransactionListQuery {
        from_amount: Some("0.01".parse().unwrap()),
        to_amount: Some("1000".parse().unwrap()),
        ..TransactionListQuery::default()
    };
    let request = transaction_list::build_transaction_list(
        &config(),
        &query,
        datetime!(2025-02-13 08:17:56 UTC),
    )
    .unwrap();
    assert_eq!(
        body_field(&request.body, "hash"),
        "6ejbc4IqKCgD8+9eun2Qvfys9L1+sEXgsUzFLBRkFwOlkUXa9zQwtQajiR+u5e51P35RFmKOyvEJ+PMSHU/6Bg=="
    );
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert!(body["from_date"].is_null() && body["status"].is_null());
}

/// Python: every list field set; dates are written in UTC+7.
#[test]
fn transaction_list_full_vector() {
    let query = TransactionListQuery {
        from: Some(datetime!(2025-02-10 17:00:00 UTC)),
        to: Some(datetime!(2025-02-13 16:59:59 UTC)),
        from_amount: Some("0.01".parse().unwrap()),
        to_amount: Some("1000".parse().unwrap()),
        statuses: vec![ListStatus::Approved, ListStatus::Refunded],
        page: 2,
        page_size: 100,
    };
    let request = transaction_list::build_transaction_list(
        &config(),
        &query,
        datetime!(2025-02-13 08:17:56 UTC),
    )
    .unwrap();
    assert_eq!(
        body_field(&request.body, "from_date"),
        "2025-02-11 00:00:00"
    );
    assert_eq!(body_field(&request.body, "to_date"), "2025-02-13 23:59:59");
    assert_eq!(
        body_field(&request.body, "hash"),
        "SHmxyedGJIKmFJOXMpUWdJJBXTBFqOZj/jmMYwx0jMc8F4wHLdjv2gUN9f6GnbAk7+Oe8hydEFQAkQksVM1kuQ=="
    );
}

#[test]
fn purchase_research_vector() {
    let request = PurchaseRequest::new(id("ORDER-0001"), usd("10.00"));
    let form = purchase::form(&config(), &request, NOW).unwrap();
    assert_eq!(
        form.fields.get("hash"),
        "ndxdxDp8rGJrrjTafpCGUfqAzv/uCrkf46oxZvIVxIQK6q7GuE5lVIMd/mfikajRBZRYNWfXmI61QlCpBgIOyA=="
    );
}

/// Python: items as base64 of `[{"name":"Tea","quantity":2,"price":2.50},…]` (the digits
/// exactly as sent), `return_url` base64, `cancel_url` and `continue_success_url` plain.
#[test]
fn purchase_full_vector() {
    let mut request = PurchaseRequest::new(id("ORDER-0002"), usd("10.00"));
    request.items = vec![
        PurchaseItem {
            name: "Tea".into(),
            quantity: 2,
            price: usd("2.50"),
        },
        PurchaseItem {
            name: "Cake".into(),
            quantity: 1,
            price: usd("5"),
        },
    ];
    request.first_name = Some("Sok".into());
    request.last_name = Some("Dara".into());
    request.email = Some("sok@example.com".into());
    request.phone = Some("85512345678".into());
    request.payment_option = Some("cards".into());
    request.pushback_url = Some(Url::parse("https://shop.example/payway/pushback").unwrap());
    request.cancel_url = Some(Url::parse("https://shop.example/cancel").unwrap());
    request.continue_success_url = Some(Url::parse("https://shop.example/done").unwrap());
    request.return_params = Some("r=1".into());
    request.lifetime_minutes = Some(30);
    request.skip_success_page = true;
    let form = purchase::form(&config(), &request, NOW).unwrap();
    assert_eq!(
        form.fields.get("items"),
        "W3sibmFtZSI6IlRlYSIsInF1YW50aXR5IjoyLCJwcmljZSI6Mi41MH0seyJuYW1lIjoiQ2FrZSIsInF1YW50aXR5IjoxLCJwcmljZSI6NS4wMH1d"
    );
    assert_eq!(
        form.fields.get("return_url"),
        "aHR0cHM6Ly9zaG9wLmV4YW1wbGUvcGF5d2F5L3B1c2hiYWNr"
    );
    assert_eq!(
        form.fields.get("hash"),
        "i1LnGx2qOrXhPyuamQHcugjoYEkazH0CwByKJt5HNf91T5WeMw80yBytZTFUJWLhM1vkXQgmHHwz0v/x4DLNIA=="
    );
}

/// research §8: the merchant-portal orders with `merchant_auth` = a sentinel.
#[test]
fn merchant_portal_orders_research_vectors() {
    let fields = Fields::new()
        .with("request_time", "20200728093403")
        .with("merchant_id", "ec000002")
        .with("merchant_auth", "MERCHANTAUTHSENTINEL");
    assert_eq!(
        fields.hash(&key(), order::REFUND),
        "ILqWcWmosgY52/KfZ5Ju7m1tFOsuh4e9zOd+oXn8uVFxznh0dRvesnsFTnQ1zIWcL9BeV27dljinFoi2ZBg/vQ=="
    );
    assert_eq!(
        fields.hash(&key(), order::PRE_AUTH_COMPLETION),
        "BUSIZnuUcCxX1LHuiFzvre2NL5HSxirzxQM6tJUBfp7fKExEOR5t3S2U10V1PsgxwoHO5tCQdFaoyokkfxbomA=="
    );
    assert_eq!(
        fields.hash(&key(), order::PRE_AUTH_CANCELLATION),
        "7yGOt4ddsjD9v0HJgvmtuUZGX4Trl+a8xn9lj3LbGHhlZyEzvJ+Iwz6y67fthezn1/jMQO0a0nzkzD0HTrJOsQ=="
    );
}

/// research §8: RZ's golden vectors (key `test-api-key-123456789012`).
#[test]
fn third_party_golden_vectors() {
    let key = HmacSha512Key::new(b"test-api-key-123456789012").unwrap();
    assert_eq!(
        sign::hash(&key, &["20260101000000", "TESTMID", "GV-TXN-CHK-1"]),
        "SKbIYKJrt0rUNZ8WDtmLBdKBYEjmE8jqFjvwS3OsY8Dy9KOP9Dd1+RqGlylgp9AyjROwRjnnyY25IKcYqk/OKA=="
    );
    assert_eq!(
        sign::hash(
            &key,
            &[
                "20260101000000",
                "TESTMID",
                "golden-vector-rsa-merchant-auth-sentinel"
            ]
        ),
        "/FjHwMRtyp7UsaUNFjI5yjMdNd2IO7xNumSomwOkRm3bUlYi08x4y3g1QZjJf6vm37fYuXo29tBPf8DjCioWrg=="
    );
}

/// The built merchant-portal requests hash their real `merchant_auth` in their own orders.
#[test]
fn built_merchant_portal_requests_use_their_orders() {
    let config = config();
    let tran = id("00002894");
    let cases = [
        (
            refund::build_refund(&config, &tran, &usd("0.01"), NOW, &random()).unwrap(),
            order::REFUND,
        ),
        (
            pre_auth::build_completion(&config, &tran, &usd("0.01"), NOW, &random()).unwrap(),
            order::PRE_AUTH_COMPLETION,
        ),
        (
            pre_auth::build_cancellation(&config, &tran, NOW, &random()).unwrap(),
            order::PRE_AUTH_CANCELLATION,
        ),
    ];
    for (request, order) in cases {
        let body = &request.body;
        let fields = Fields::new()
            .with("request_time", body_field(body, "request_time"))
            .with("merchant_id", body_field(body, "merchant_id"))
            .with("merchant_auth", body_field(body, "merchant_auth"));
        assert_eq!(body_field(body, "request_time"), "20250213065545");
        assert_eq!(
            body_field(body, "hash"),
            fields.hash(&key(), order),
            "{order:?}"
        );
    }
}

#[test]
fn refund_merchant_auth_decrypts_to_the_exact_json_one_block() {
    let request =
        refund::build_refund(&config(), &id("00002894"), &usd("0.10"), NOW, &random()).unwrap();
    let merchant_auth = body_field(&request.body, "merchant_auth");
    // One 1024-bit block: 128 bytes of ciphertext, 172 base64 characters.
    assert_eq!(merchant_auth.len(), 172);
    assert_eq!(
        String::from_utf8(decrypt_merchant_auth(&merchant_auth)).unwrap(),
        r#"{"mc_id":"ec000002","tran_id":"00002894","refund_amount":0.10}"#
    );
}

#[test]
fn pre_auth_merchant_auth_plaintexts() {
    let completion =
        pre_auth::build_completion(&config(), &id("PA-1"), &khr("1000"), NOW, &random()).unwrap();
    assert_eq!(
        String::from_utf8(decrypt_merchant_auth(&body_field(
            &completion.body,
            "merchant_auth"
        )))
        .unwrap(),
        r#"{"mc_id":"ec000002","tran_id":"PA-1","complete_amount":1000}"#
    );
    let cancellation =
        pre_auth::build_cancellation(&config(), &id("PA-1"), NOW, &random()).unwrap();
    assert_eq!(
        String::from_utf8(decrypt_merchant_auth(&body_field(
            &cancellation.body,
            "merchant_auth"
        )))
        .unwrap(),
        r#"{"mc_id":"ec000002","tran_id":"PA-1"}"#
    );
}

/// Completion with payout: the shares ride in the encrypted JSON as JSON numbers, and the
/// request is hashed in the completion's order. The hash was computed independently, with
/// Python's `hmac` over this request's own `merchant_auth`, `request_time` and `merchant_id`
/// (`base64(hmac.new(key, ma + rt + mid, sha512))`).
#[test]
fn pre_auth_completion_with_payout_plaintext_and_hash() {
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
    let request = pre_auth::build_completion_with_payout(
        &config(),
        &id("17394277693"),
        &usd("9.50"),
        &payouts,
        NOW,
        &random(),
    )
    .unwrap();
    let merchant_auth = body_field(&request.body, "merchant_auth");
    assert_eq!(
        String::from_utf8(decrypt_merchant_auth(&merchant_auth)).unwrap(),
        r#"{"mc_id":"ec000002","tran_id":"17394277693","complete_amount":9.50,"payout":[{"acc":"000000001","amt":4.00},{"acc":"ec000003","amt":5.50}]}"#
    );
    // Two RSA blocks: the plaintext is over 117 bytes.
    assert_eq!(merchant_auth.len(), 344);
    assert_eq!(
        body_field(&request.body, "hash"),
        "/jtpI8sOChRXO+/QYrVIS90PxZG6zFlvw3ApLWx4mre6yQy2psuyQNQJBu+HOOQZqdiLsCg/pAtk5AE6eZi3ng=="
    );
    // Without payouts the plaintext is the plain completion's.
    assert_eq!(
        pre_auth::completion_plaintext(&config(), &id("PA-1"), &khr("1000"), &[]).unwrap(),
        r#"{"mc_id":"ec000002","tran_id":"PA-1","complete_amount":1000}"#
    );
}

/// generate-qr: 19 fields in the QR API page's order, numbers hashed as written and nulls as
/// "". Both hashes were computed independently with Python's `hmac` from the bodies' own
/// values (`base64(hmac.new(key, "".join(values in order), sha512))`).
#[test]
fn generate_qr_hashes() {
    let full = generate_qr::build_generate_qr(&config(), &full_qr_request(), NOW).unwrap();
    // `amount` 12.50 goes out as the JSON number `12.5` and is hashed as "12.5".
    assert!(String::from_utf8_lossy(&full.body).contains(r#""amount":12.5,"#));
    assert_eq!(
        body_field(&full.body, "hash"),
        "LpdcQ4inalK865rvgAiOrYigESGNAadEiULMFdkhPB67WesAxKAHL5cyqVSGRvUMiGW+C25GnLxhgdfl6MbnHA=="
    );
    // The encoded fields: items, custom_fields and payout are base64 of their JSON, the
    // callback URL base64 of its text.
    let decoded = |field: &str| {
        String::from_utf8(
            base64::Engine::decode(
                &base64::engine::general_purpose::STANDARD,
                body_field(&full.body, field),
            )
            .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(
        decoded("items"),
        r#"[{"name":"Coffee","quantity":5,"price":2.50}]"#
    );
    assert_eq!(decoded("payout"), r#"[{"acc":"000000001","amt":2.50}]"#);
    assert_eq!(decoded("custom_fields"), r#"{"table":"7"}"#);
    assert_eq!(
        decoded("callback_url"),
        "https://shop.example/payway/pushback"
    );
    let minimal = QrRequest::new(id("QR-2"), khr("4000"), QrPaymentOption::AbaPay, 3);
    let minimal = generate_qr::build_generate_qr(&config(), &minimal, NOW).unwrap();
    // The default template is always sent and hashed last (checked with Python's hmac over
    // `…KHR` `3` `template1`).
    assert_eq!(body_field(&minimal.body, "qr_image_template"), "template1");
    assert_eq!(
        body_field(&minimal.body, "hash"),
        "Z2S9LMmetZkK/ZgUrt7t2ig4Wy/JaQlaKcGODIjJI2ZY420Jg7Zj92ymJjxsI/oXND8p6HxTcEftdUT07ztnQw=="
    );
    assert_eq!(order::GENERATE_QR.len(), 19);
}

/// A 146-byte plaintext: two 117-byte chunks → two blocks, 256 bytes, 344 base64 characters.
#[test]
fn merchant_auth_multi_block() {
    let key = MerchantAuthKey::from_pem(PUBLIC_KEY).unwrap();
    let plaintext = format!(
        r#"{{"mc_id":"ec000002","tran_id":"PA-1","complete_amount":10.00,"payout":[{{"acc":"000000001","amt":5.00}},{{"acc":"000000002","amt":5.00}}],"n":"{}"}}"#,
        "x".repeat(5)
    );
    assert_eq!(plaintext.len(), 146);
    let merchant_auth = key.encrypt(plaintext.as_bytes(), &random()).unwrap();
    assert_eq!(merchant_auth.len(), 344);
    assert_eq!(decrypt_merchant_auth(&merchant_auth), plaintext.as_bytes());
    // Exactly 117 bytes stays one block; 118 needs two.
    for (len, blocks) in [(117usize, 1usize), (118, 2), (234, 2), (235, 3)] {
        let text = "y".repeat(len);
        let out = key.encrypt(text.as_bytes(), &random()).unwrap();
        assert_eq!(decrypt_merchant_auth(&out).len(), len);
        assert_eq!(out.len(), (128 * blocks).div_ceil(3) * 4, "{len} bytes");
    }
}

#[test]
fn merchant_auth_is_deterministic_with_seeded_randomness_only() {
    let key = MerchantAuthKey::from_pem(PUBLIC_KEY).unwrap();
    let a = key.encrypt(b"{}", &random()).unwrap();
    let b = key.encrypt(b"{}", &random()).unwrap();
    let c = key
        .encrypt(b"{}", &paygate_core::clock::DeterministicRandom::new(8))
        .unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn key_formats_and_sizes() {
    assert_eq!(MerchantAuthKey::from_pem(PUBLIC_KEY).unwrap().bits(), 1024);
    // PKCS#1 gives the same key: what it encrypts, the private key decrypts.
    let pkcs1 = MerchantAuthKey::from_pem(PUBLIC_KEY_PKCS1).unwrap();
    let out = pkcs1.encrypt(b"{\"a\":1}", &random()).unwrap();
    assert_eq!(decrypt_merchant_auth(&out), b"{\"a\":1}");
    let err = MerchantAuthKey::from_pem(PUBLIC_KEY_512)
        .unwrap_err()
        .to_string();
    assert!(err.contains("512 bits"), "{err}");
    for bad in [
        "",
        "not a pem",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        PRIVATE_KEY,
    ] {
        let err = MerchantAuthKey::from_pem(bad).unwrap_err();
        assert!(
            matches!(&err, Error::Config { key, .. } if key == "rsa_public_key"),
            "{err}"
        );
        assert!(
            !err.to_string().contains("MII"),
            "no key material in errors: {err}"
        );
    }
}
/// payment-link create, detail and void: `request_time ‖ merchant_id ‖ merchant_auth`, like
/// refund. The hashes were computed independently with Python's `hmac` over each request's
/// own values (`base64(hmac.new(key, rt + mid + ma, sha512))`), and a sentinel vector pins
/// the order without RSA.
#[test]
fn payment_link_hashes() {
    use paygate_payway::PaymentLinkId;
    use paygate_payway::ops::payment_link;
    let sentinel = Fields::new()
        .with("request_time", "20200728093403")
        .with("merchant_id", "ec000002")
        .with("merchant_auth", "LINKAUTHSENTINEL")
        .signed(&key(), order::PAYMENT_LINK);
    assert_eq!(
        sentinel.get("hash"),
        "oJ5SlfH6oV1aYhRI2ogJ7lyiYd3ioroaBYsSOxAZq3fihexVH/92sEYohnQfnIel/gw0I5xL/o/taty1V9vrSw=="
    );

    let create =
        payment_link::build_create(&config(), &full_link_request(), NOW, &random()).unwrap();
    assert_eq!(
        create.url.path(),
        "/api/merchant-portal/merchant-access/payment-link/create"
    );
    let field = |name: &str| multipart_field(&create, name).unwrap();
    assert_eq!(field("request_time"), "20250213065545");
    assert_eq!(field("merchant_id"), "ec000002");
    assert_eq!(
        String::from_utf8(decrypt_merchant_auth(&field("merchant_auth"))).unwrap(),
        r#"{"mc_id":"ec000002","title":"Invoice 42","amount":"25.00","currency":"USD","description":"Two coffees and a cake","payment_limit":"3","expired_date":"1739516145","return_url":"aHR0cHM6Ly9zaG9wLmV4YW1wbGUvcGF5d2F5L2xpbmtz","merchant_ref_no":"INV-42"}"#
    );
    assert_eq!(
        field("hash"),
        "jyRDFwg47DMkso+xBbYkIYjkepgjAGSTSlqMKDpIf4RsezE0M0CkU4fhUEKYbCYHkc3Ubh08FyfHAfMgaZZiwQ=="
    );
    assert_eq!(multipart_field(&create, "image"), None);

    let link = PaymentLinkId::new("iN4sbkzbwOCx5VzdXTYsCw==").unwrap();
    let detail = payment_link::build_detail(&config(), &link, NOW, &random()).unwrap();
    assert_eq!(
        String::from_utf8(decrypt_merchant_auth(&body_field(
            &detail.body,
            "merchant_auth"
        )))
        .unwrap(),
        r#"{"mc_id":"ec000002","id":"iN4sbkzbwOCx5VzdXTYsCw=="}"#
    );
    assert_eq!(
        body_field(&detail.body, "hash"),
        "hDDJbsAM49G+JBcGYvqs1kjs7FQMhhH54hfbz4pHrk6eG1/ughaKWYlF5VMHomWcfwIEpyHLAKVbuihEcMuSSQ=="
    );
    let void = payment_link::build_void(
        &config(),
        &link,
        NOW,
        &paygate_core::clock::DeterministicRandom::new(9),
    )
    .unwrap();
    assert_eq!(
        void.url.path(),
        "/api/merchant-portal/merchant-access/payment-link/void"
    );
    assert_eq!(
        body_field(&void.body, "hash"),
        "6zWRqHDhgE/uQzxsSxev1KwleFzDHd4HHAft+2fIK01PshBTuuTBFNIVNAmtG5jCSxwAZ960Zvro/YelxTko0A=="
    );
}

/// get-transactions-by-mc-ref: `req_time ‖ merchant_id ‖ merchant_ref`. Python:
/// `base64(hmac.new(key, "20250213065545" "ec000002" "INV-42", sha512))`.
#[test]
fn transactions_by_ref_vector() {
    use paygate_payway::MerchantRef;
    use paygate_payway::ops::transactions_by_ref;
    let request = transactions_by_ref::build_transactions_by_ref(
        &config(),
        &MerchantRef::new("INV-42").unwrap(),
        NOW,
    )
    .unwrap();
    assert_eq!(body_field(&request.body, "merchant_ref"), "INV-42");
    assert_eq!(
        body_field(&request.body, "hash"),
        "2kS9JXkToA8tRWfFN4J4eADXehpR6gGZayjNqVVD4usRW9efd2T2nqucjFaVDprmpAUI7PBF6+zUrK3wqb0ZHw=="
    );
    for bad in ["", "has space", "é", "123456789012345678901"] {
        assert!(MerchantRef::new(bad).is_err(), "{bad:?}");
    }
}

/// Credentials on file: each v3 endpoint's own order (see `order`), computed with Python's
/// `hmac` from the values below (`base64(hmac.new(key, "".join(values in order), sha512))`,
/// absent fields as ""; `callback_url` is base64 of the URL).
#[test]
fn credentials_on_file_vectors() {
    use paygate_payway::ops::{token_link, token_management, token_payment};
    use paygate_payway::{
        BillingFrequency, ConsumerTokenId, LinkRequestId, LinkTokenFlag, PayTokenFlag,
        PaymentToken, TokenLinkRequest, TokenPaymentRequest,
    };
    let ctid = ConsumerTokenId::new("cust-0001").unwrap();
    let pwt = PaymentToken::new("pwt-test-0001").unwrap();
    let callback = Url::parse("https://shop.example/payway/token").unwrap();

    let mut account = TokenLinkRequest::new(
        LinkRequestId::new("link-0001").unwrap(),
        ctid.clone(),
        LinkTokenFlag::CitiFlex,
        paygate_core::Currency::USD,
    );
    account.callback_url = Some(callback.clone());
    let request = token_link::build_account_link(&config(), &account, NOW).unwrap();
    assert_eq!(
        request.url.path(),
        "/api/payment-credential/v3/aof/link-account"
    );
    assert_eq!(
        body_field(&request.body, "hash"),
        "KTf61oiDhNJVnxFLCtJRrsDL5ksWZMOfe4zorHxbpeiWHl2NtBMbMe18PbFebThKh8pvTPCnjsgxDx/RT2vifA=="
    );
    // Unset fields are left out, not sent as null.
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert!(body.get("return_deeplink").is_none(), "{body}");

    let mut card = TokenLinkRequest::new(
        LinkRequestId::new("link-0002").unwrap(),
        ctid.clone(),
        LinkTokenFlag::CitrFlex,
        paygate_core::Currency::USD,
    );
    card.callback_url = Some(callback);
    card.frequency = Some(BillingFrequency::Monthly);
    card.amount = Some(usd("9.99"));
    card.continue_success_url = Some(Url::parse("https://shop.example/saved").unwrap());
    let form = token_link::card_link_form(&config(), &card, NOW).unwrap();
    assert_eq!(
        form.action.as_str(),
        "https://checkout-sandbox.payway.com.kh/api/payment-credential/v3/cof/link-card"
    );
    assert_eq!(
        form.fields.get("hash"),
        "dEXPUCI/l6/OZAgEegyTvNoCJ/2ZiMrFbrgCiFUanIX+WxEuxJqa6GR6tQoH4h73AAi6Hps6nNlJY99J1HmEDg=="
    );

    let mut payment = TokenPaymentRequest::new(
        id("SUB-0001"),
        usd("4.50"),
        ctid.clone(),
        pwt.clone(),
        PayTokenFlag::MituFlex,
    );
    payment.callback_url = Some(Url::parse("https://shop.example/payway/paid").unwrap());
    let request = token_payment::build_token_payment(&config(), &payment, NOW).unwrap();
    assert!(String::from_utf8_lossy(&request.body).contains(r#""amount":4.5,"#));
    assert_eq!(
        body_field(&request.body, "hash"),
        "5SxBj9HJ9N9Au5CCYX3hen7enPINMP+XZDOPQKZrP8bO2RUfzliRIkZ6lmecYlHuUQN9l8DDNAaazC3QCxXxvQ=="
    );

    let details = token_management::build_token_details(
        &config(),
        &LinkRequestId::new("link-0001").unwrap(),
        NOW,
    )
    .unwrap();
    assert_eq!(
        body_field(&details.body, "hash"),
        "SB8rtVxwf1ndYAP08PeulbzqMmMhW0JRYLGa4xJfNQ8vQVLN16wPm6c5kjqK6sPZ8GzZ3dZ6qEouyrYazCxhhA=="
    );
    let renew = token_management::build_token_renew(
        &config(),
        &ctid,
        &pwt,
        &LinkRequestId::new("renew-0001").unwrap(),
        NOW,
    )
    .unwrap();
    assert_eq!(
        body_field(&renew.body, "hash"),
        "i57DXFrs2I9og8c+0zN/Z5dOyk58C1mQyvxgzk6fE3uUl3D3JDfBkdjjJU8ciHLAyrzYtROq0tK7GZVV+pvYow=="
    );
    let remove = token_management::build_token_remove(&config(), &ctid, &pwt, NOW).unwrap();
    assert_eq!(
        body_field(&remove.body, "hash"),
        "f33ZOuMPzg1sIpK7Sq2OtrSUUSFYL7lSoFUR9C8Ug33cgGHrOaGyXYFE0qvqGtpsmp91EE69gXwzsD1IP/pO8g=="
    );

    // A purchase saving the payer's credentials: 27 fields, `ctid` after `items`.
    let mut purchase_request = PurchaseRequest::new(id("ORDER-0001"), usd("10.00"));
    purchase_request.save_credential = Some(paygate_payway::SaveCredential {
        ctid,
        token_flag: LinkTokenFlag::CitrFix,
        frequency: Some(BillingFrequency::Monthly),
    });
    let form = purchase::form(&config(), &purchase_request, NOW).unwrap();
    assert_eq!(
        form.fields.get("hash"),
        "Mc5bkLwVl3XZgORltqeoDgiOhpqsO/T2KAW3rSI1dWXPfMlBtdZD+eAM92/qoj2P5a7embxa7RS42EDT2AyQNQ=="
    );
    assert_eq!(order::PURCHASE.len(), 27);
}

/// Credentials-on-file requests are checked before anything is built.
#[test]
fn credentials_on_file_bad_input_is_refused() {
    use paygate_payway::ops::{token_link, token_payment};
    use paygate_payway::{
        ConsumerTokenId, LinkRequestId, LinkTokenFlag, PayTokenFlag, PaymentToken,
        TokenLinkRequest, TokenPaymentRequest,
    };
    let link = |flag| {
        TokenLinkRequest::new(
            LinkRequestId::new("link-0001").unwrap(),
            ConsumerTokenId::new("cust-0001").unwrap(),
            flag,
            paygate_core::Currency::USD,
        )
    };
    let field = |e: Error| match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("{other:?}"),
    };
    // CITR_FIX is the subscription purchase's, not the link endpoints'.
    let e = token_link::build_account_link(&config(), &link(LinkTokenFlag::CitrFix), NOW);
    assert_eq!(field(e.unwrap_err()), "token_flag");
    // A recurring card link needs a frequency; an account link is not asked for one.
    let e = token_link::card_link_form(&config(), &link(LinkTokenFlag::CitrFlex), NOW);
    assert_eq!(field(e.unwrap_err()), "frequency");
    assert!(token_link::build_account_link(&config(), &link(LinkTokenFlag::CitrFlex), NOW).is_ok());
    let mut weekly = link(LinkTokenFlag::CitiFlex);
    weekly.frequency = Some(paygate_payway::BillingFrequency::Weekly);
    let e = token_link::build_account_link(&config(), &weekly, NOW);
    assert_eq!(field(e.unwrap_err()), "frequency");
    // A plain-http callback outside loopback is refused.
    let mut insecure = link(LinkTokenFlag::CitiFlex);
    insecure.callback_url = Some(Url::parse("http://shop.example/token").unwrap());
    let e = token_link::build_account_link(&config(), &insecure, NOW);
    assert_eq!(field(e.unwrap_err()), "callback_url");
    // Card fields on an account link, and a fixed amount in another currency.
    let mut mixed = link(LinkTokenFlag::CitoFix);
    mixed.amount = Some(usd("5.00"));
    let e = token_link::build_account_link(&config(), &mixed, NOW);
    assert_eq!(field(e.unwrap_err()), "amount");
    let mut khr_link = link(LinkTokenFlag::CitoFix);
    khr_link.currency = paygate_core::Currency::KHR;
    khr_link.amount = Some(usd("5.00"));
    let e = token_link::card_link_form(&config(), &khr_link, NOW);
    assert_eq!(field(e.unwrap_err()), "amount");
    // A payment: KHR under 100, an over-long tran_id, a shipping fee in another currency.
    let pay = |amount| {
        TokenPaymentRequest::new(
            id("SUB-0001"),
            amount,
            ConsumerTokenId::new("cust-0001").unwrap(),
            PaymentToken::new("pwt-test-0001").unwrap(),
            PayTokenFlag::CituFlex,
        )
    };
    let e = token_payment::build_token_payment(&config(), &pay(khr("99")), NOW);
    assert_eq!(field(e.unwrap_err()), "amount");
    let mut long = pay(usd("1.00"));
    long.tran_id = id("A-TRAN-ID-OF-21-CHARS");
    assert!(token_payment::build_token_payment(&config(), &long, NOW).is_err());
    let mut fee = pay(usd("1.00"));
    fee.shipping_fee = Some(khr("100"));
    let e = token_payment::build_token_payment(&config(), &fee, NOW);
    assert_eq!(field(e.unwrap_err()), "shipping_fee");
}
