//! The strictness table, enumerated: for every row, a request that breaks that rule alone
//! (a valid request of the endpoint with one field changed, signed again) is sent to the
//! sandbox, which must answer the provider's documented refusal; and where the row says the
//! SDK refuses such input, the SDK is given it and must refuse it before sending (the
//! sandbox logs no request). Removing one check from the sandbox, or one row from the table
//! (the rows are pinned in `strictness_rows.txt`), fails this test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use paygate::payway::endpoint::order;
use paygate::payway::{
    ImageFormat, MerchantAuthKey, PaymentLinkImage, PaymentLinkRequest, PurchaseRequest,
    QrPaymentOption, QrRequest,
};
use paygate::sandbox::strictness::{FieldRule, SdkCheck, rules};
use paygate::sandbox::{PAYWAY_PUBLIC_KEY_PEM, Provider, Sandbox};
use paygate::{Currency, Error, ErrorClass, Money, OrderId, Url};
use paygate_core::signing::HmacSha512Key;
use serde_json::{Map, Value, json};

type Fields = Map<String, Value>;

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

fn request_time() -> String {
    let format =
        paygate::time::macros::format_description!("[year][month][day][hour][minute][second]");
    paygate::time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap()
}

/// A field's text as PayWay hashes it: `""` when absent or `null`.
fn text(fields: &Fields, name: &str) -> String {
    match fields.get(name) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// `fields` with `field` set to `value` (`None`: `null`).
fn broken(fields: &Fields, field: &str, value: Option<String>) -> Fields {
    let mut fields = fields.clone();
    fields.insert(field.to_owned(), value.map_or(Value::Null, Value::String));
    fields
}

struct Payway {
    sandbox: Sandbox,
    hmac: HmacSha512Key,
    merchant_id: String,
    rsa: MerchantAuthKey,
    http: reqwest::Client,
}

/// An answer: HTTP status and the provider's code.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    http: u16,
    code: String,
}

impl Payway {
    fn new(sandbox: Sandbox) -> Payway {
        let credentials = sandbox.credentials().payway.clone();
        Payway {
            hmac: HmacSha512Key::new(credentials.api_key.as_bytes()).unwrap(),
            merchant_id: credentials.merchant_id.clone(),
            rsa: MerchantAuthKey::from_pem(PAYWAY_PUBLIC_KEY_PEM).unwrap(),
            http: reqwest::Client::new(),
            sandbox,
        }
    }

    fn signed(&self, mut fields: Fields, order: &[&str]) -> Fields {
        let values: Vec<String> = order.iter().map(|name| text(&fields, name)).collect();
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let hash = paygate::payway::sign::hash(&self.hmac, &values);
        fields.insert("hash".into(), Value::String(hash));
        fields
    }

    fn url(&self, endpoint: &str) -> String {
        format!(
            "{}{endpoint}",
            self.sandbox.url(Provider::Payway).trim_end_matches('/')
        )
    }

    async fn answer(response: reqwest::Response) -> Answer {
        let http = response.status().as_u16();
        let body: Value =
            serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null);
        let code = match body.pointer("/status/code") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        Answer { http, code }
    }

    async fn post_json(&self, endpoint: &str, fields: &Fields) -> Answer {
        let response = self
            .http
            .post(self.url(endpoint))
            .header("content-type", "application/json")
            .body(Value::Object(fields.clone()).to_string())
            .send()
            .await
            .unwrap();
        Payway::answer(response).await
    }

    /// A multipart body: the text fields, then the file parts (`name`, file name, bytes).
    async fn post_multipart(
        &self,
        endpoint: &str,
        fields: &Fields,
        files: &[(&str, String, Vec<u8>)],
    ) -> Answer {
        let boundary = "paygate-strictness-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{}\r\n",
                    text(fields, name)
                )
                .as_bytes(),
            );
            let _ = value;
        }
        for (name, file_name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let response = self
            .http
            .post(self.url(endpoint))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        Payway::answer(response).await
    }

    /// A valid QR request: every field the page lists, set.
    fn qr(&self, tran_id: &str) -> Fields {
        let fields = json!({
            "req_time": request_time(),
            "merchant_id": self.merchant_id,
            "tran_id": tran_id,
            "amount": "2.50",
            "items": "W10=",
            "first_name": "Sok",
            "last_name": "Dara",
            "email": "dara@example.com",
            "phone": "012345678",
            "purchase_type": "purchase",
            "payment_option": "abapay_khqr",
            "callback_url": "aHR0cHM6Ly9zaG9wLmV4YW1wbGUvcHVzaGJhY2s=",
            "return_deeplink": null,
            "currency": "USD",
            "custom_fields": null,
            "return_params": "r",
            "payout": null,
            "lifetime": "30",
            "qr_image_template": "template3_color",
        });
        let Value::Object(fields) = fields else {
            unreachable!()
        };
        fields
    }

    fn purchase(&self, tran_id: &str) -> Fields {
        let fields = json!({
            "req_time": request_time(),
            "merchant_id": self.merchant_id,
            "tran_id": tran_id,
            "amount": "2.50",
            "firstname": "Sok",
            "lastname": "Dara",
            "email": "dara@example.com",
            "phone": "012345678",
            "type": "purchase",
            "payment_option": "cards",
            "currency": "USD",
            "lifetime": "30",
        });
        let Value::Object(fields) = fields else {
            unreachable!()
        };
        fields
    }

    fn link_plaintext(&self) -> Fields {
        let fields = json!({
            "mc_id": self.merchant_id,
            "title": "Invoice 42",
            "amount": "12.50",
            "currency": "USD",
            "description": "Two coffees",
            "payment_limit": "2",
            "expired_date": null,
            "return_url": "aHR0cHM6Ly9zaG9wLmV4YW1wbGUvbGlua3M=",
            "merchant_ref_no": "INV-42",
        });
        let Value::Object(fields) = fields else {
            unreachable!()
        };
        fields
    }

    /// Sends the endpoint's valid request with `field` set to `value`.
    async fn send_breaking(&self, rule: &FieldRule, value: Option<String>, n: usize) -> Answer {
        let tran_id = format!("STRICT{n}");
        match rule.endpoint {
            "/api/payment-gateway/v1/payments/generate-qr" => {
                let fields = broken(&self.qr(&tran_id), rule.field, value);
                let fields = self.signed(fields, order::GENERATE_QR);
                self.post_json(rule.endpoint, &fields).await
            }
            "/api/payment-gateway/v1/payments/purchase" => {
                let fields = broken(&self.purchase(&tran_id), rule.field, value);
                let fields = self.signed(fields, order::PURCHASE);
                self.post_json(rule.endpoint, &fields).await
            }
            "/api/merchant-portal/merchant-access/payment-link/create" => {
                self.link_create(Some(rule.field), value).await
            }
            other => panic!("no valid request of PayWay's {other} here: add one"),
        }
    }

    /// A payment link with an image; `field` (when given) set to `value`.
    async fn link_create(&self, field: Option<&str>, value: Option<String>) -> Answer {
        let field = field.unwrap_or_default();
        let mut plaintext = self.link_plaintext();
        let mut image = ("image.png".to_owned(), png(64));
        let mut outer: Option<Option<String>> = None;
        if let Some(inner) = field.strip_prefix("merchant_auth.") {
            plaintext.insert(inner.to_owned(), value.map_or(Value::Null, Value::String));
        } else if field == "image" {
            // A file rule's breaking value names the file and its size: `name (N bytes)`.
            let value = value.unwrap_or_default();
            let (name, size) = value.rsplit_once(" (").unwrap();
            let size: usize = size.trim_end_matches(" bytes)").parse().unwrap();
            image = (name.to_owned(), png(size));
        } else if !field.is_empty() {
            outer = Some(value);
        }
        let merchant_auth = self
            .rsa
            .encrypt(
                Value::Object(plaintext).to_string().as_bytes(),
                &paygate::clock::OsRandom,
            )
            .unwrap();
        let mut fields = Fields::new();
        fields.insert("request_time".into(), Value::String(request_time()));
        fields.insert(
            "merchant_id".into(),
            Value::String(self.merchant_id.clone()),
        );
        fields.insert(
            "merchant_auth".into(),
            match outer {
                Some(v) => v.map_or(Value::Null, Value::String),
                None => Value::String(merchant_auth),
            },
        );
        let fields = self.signed(fields, order::PAYMENT_LINK);
        self.post_multipart(
            "/api/merchant-portal/merchant-access/payment-link/create",
            &fields,
            &[("image", image.0, image.1)],
        )
        .await
    }
}

/// A PNG's signature followed by zeros, `len` bytes in all.
fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(len.max(8), 0);
    bytes
}

fn row_name(rule: &FieldRule) -> String {
    format!(
        "{:?} {} {} {:?}",
        rule.provider, rule.endpoint, rule.field, rule.rule
    )
}

/// Each endpoint's valid request is accepted (the rows' breaking requests differ from it in
/// one field only, so a refusal is that field's).
#[tokio::test]
async fn the_valid_requests_are_accepted() {
    let payway = Payway::new(Sandbox::start().await.unwrap());
    let qr = payway.signed(payway.qr("STRICTOKQR"), order::GENERATE_QR);
    assert_eq!(
        payway
            .post_json("/api/payment-gateway/v1/payments/generate-qr", &qr)
            .await
            .code,
        "0"
    );
    let purchase = payway.signed(payway.purchase("STRICTOKP"), order::PURCHASE);
    let answer = payway
        .post_json("/api/payment-gateway/v1/payments/purchase", &purchase)
        .await;
    assert_eq!(answer.http, 200, "{answer:?}");
    assert_eq!(payway.link_create(None, None).await.code, "00");
}

/// Every row: the breaking request gets the documented refusal.
#[tokio::test]
async fn the_sandbox_refuses_every_row_as_documented() {
    let payway = Payway::new(Sandbox::start().await.unwrap());
    let mut checked = BTreeMap::<Provider, usize>::new();
    let mut failures = Vec::new();
    for (n, rule) in rules().enumerate() {
        for value in rule.rule.breaking_values() {
            let answer = match rule.provider {
                Provider::Payway => payway.send_breaking(rule, value.clone(), n).await,
                other => panic!("no valid requests of {other:?} here: add them"),
            };
            let expected = Answer {
                http: rule.refusal.http,
                code: rule.refusal.code.to_owned(),
            };
            if answer != expected {
                failures.push(format!(
                    "{} with {value:?}: expected {expected:?}, got {answer:?}",
                    row_name(rule)
                ));
            }
            *checked.entry(rule.provider).or_default() += 1;
        }
    }
    eprintln!("strictness: breaking requests sent per provider: {checked:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The rows, pinned: removing a row (or a check with it) shows here.
#[test]
fn the_table_is_pinned() {
    let names: Vec<String> = rules().map(row_name).collect();
    let mut per_provider = BTreeMap::<String, usize>::new();
    for rule in rules() {
        *per_provider
            .entry(format!("{:?}", rule.provider))
            .or_default() += 1;
    }
    eprintln!("strictness rows per provider: {per_provider:?}");
    let pinned = include_str!("strictness_rows.txt");
    let now = names.join("\n") + "\n";
    if std::env::var_os("PAYGATE_PIN_STRICTNESS").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/strictness_rows.txt");
        std::fs::write(path, &now).unwrap();
        return;
    }
    assert_eq!(
        now, pinned,
        "the table's rows changed: review, then pin them again with PAYGATE_PIN_STRICTNESS=1"
    );
}

/// Every row the table says the SDK refuses: the SDK refuses it, naming the field, and sends
/// nothing.
#[tokio::test]
async fn the_sdk_refuses_what_the_table_says_it_refuses() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = common::payway_client(&sandbox).unwrap();
    let sent = || sandbox.received().len();
    let mut missing = Vec::new();
    let mut refused = 0;
    for rule in rules().filter(|r| r.sdk == SdkCheck::Refuses) {
        let before = sent();
        let result: Option<Result<(), Error>> = sdk_case(&client, rule).await;
        let Some(result) = result else {
            missing.push(row_name(rule));
            continue;
        };
        let error = result.expect_err(&row_name(rule));
        assert_eq!(
            error.class(),
            ErrorClass::InvalidInput,
            "{}: {error}",
            row_name(rule)
        );
        assert_eq!(sent(), before, "{}: a request was sent", row_name(rule));
        refused += 1;
    }
    eprintln!("strictness: rows the SDK refuses before sending: {refused}");
    assert!(
        missing.is_empty(),
        "rows marked SdkCheck::Refuses with no SDK case here:\n{}",
        missing.join("\n")
    );
}

fn qr_request(id: &str) -> QrRequest {
    QrRequest::new(
        OrderId::new(id).unwrap(),
        usd("2.50"),
        QrPaymentOption::AbaPayKhqr,
        30,
    )
}

fn long(n: usize) -> String {
    "A".repeat(n)
}

/// The SDK given a row's breaking input; `None` when this test has no case for the row.
async fn sdk_case(
    client: &paygate::payway::PaywayClient,
    rule: &FieldRule,
) -> Option<Result<(), Error>> {
    let endpoint = rule.endpoint.rsplit('/').next().unwrap_or_default();
    let max = |rule: &FieldRule| match rule.rule {
        paygate::sandbox::strictness::Rule::MaxChars(n) => n + 1,
        _ => 0,
    };
    let result = match (endpoint, rule.field) {
        ("generate-qr", field) => {
            let mut request = qr_request("SDKQR1");
            match field {
                "tran_id" => request.tran_id = OrderId::new(long(max(rule))).ok()?,
                "lifetime" => request.lifetime_minutes = 43_201,
                "first_name" => request.first_name = Some(long(max(rule))),
                "last_name" => request.last_name = Some(long(max(rule))),
                "email" => request.email = Some(long(max(rule))),
                "phone" => request.phone = Some(long(max(rule))),
                "items" => {
                    request.items = (0..20)
                        .map(|i| paygate::payway::PurchaseItem {
                            name: format!("item number {i} with a long name"),
                            quantity: 1,
                            price: usd("0.10"),
                        })
                        .collect();
                }
                "callback_url" => {
                    request.callback_url =
                        Some(Url::parse(&format!("https://shop.example/{}", long(250))).unwrap());
                }
                "return_deeplink" => {
                    request.return_deeplink = Some(paygate::payway::ReturnDeeplink {
                        ios_scheme: format!("shop://{}", long(200)),
                        android_scheme: format!("shop://{}", long(200)),
                    });
                }
                "custom_fields" => {
                    request.custom_fields = Some(format!("{{\"note\":\"{}\"}}", long(300)));
                }
                "payout" => {
                    request.payout = (0..10)
                        .map(|i| paygate::payway::Payout {
                            account: format!("{:09}", 100_000_000 + i),
                            amount: usd("0.10"),
                        })
                        .collect();
                }
                _ => return None,
            }
            client.generate_qr(&request).await.map(drop)
        }
        ("purchase", "tran_id") => {
            let request = PurchaseRequest::new(OrderId::new(long(21)).ok()?, usd("2.50"));
            client.purchase(&request).await.map(drop)
        }
        ("purchase", "lifetime") => {
            let mut request = PurchaseRequest::new(OrderId::new("SDKP1").unwrap(), usd("2.50"));
            request.lifetime_minutes = Some(2);
            client.purchase(&request).await.map(drop)
        }
        ("create", field) => {
            let mut request = PaymentLinkRequest::new(
                "Invoice 42",
                usd("12.50"),
                Url::parse("https://shop.example/links").unwrap(),
            );
            match field {
                "merchant_auth.title" if max(rule) == 0 => request.title = "  ".into(),
                "merchant_auth.title" => request.title = long(max(rule)),
                "merchant_auth.description" => request.description = Some(long(max(rule))),
                "merchant_auth.merchant_ref_no" => request.merchant_ref_no = Some(long(max(rule))),
                "image" => {
                    request.image = Some(match rule.rule {
                        paygate::sandbox::strictness::Rule::FileMaxBytes(n) => PaymentLinkImage {
                            file_name: "big.png".into(),
                            format: ImageFormat::Png,
                            bytes: png(n + 1),
                        },
                        _ => PaymentLinkImage {
                            file_name: "cake.gif".into(),
                            format: ImageFormat::Png,
                            bytes: png(64),
                        },
                    });
                }
                _ => return None,
            }
            client.create_payment_link(&request).await.map(drop)
        }
        _ => return None,
    };
    Some(result)
}
