//! The strictness table, enumerated: for every row, a request that breaks that rule alone
//! (a valid request of the endpoint with one field changed, signed again) is sent to the
//! sandbox, which must answer the provider's documented refusal; and where the row says the
//! SDK refuses such input, the SDK is given it and must refuse it before sending (the
//! sandbox logs no request). Removing one check from the sandbox, or one row from the table
//! (the rows are rendered in docs/sandbox-strictness.md), fails this test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use paygate::finpay::FinpayConfig;
use paygate::finpay::ops::open_payment::OpenPaymentAccount;
use paygate::finpay::wire::{
    Customer as FinpayCustomer, InitiateRequest, PaymentCode, VirtualAccountChannel,
};
use paygate::payg::ops::create::CreateOrderRequest;
use paygate::payg::ops::refund::RefundTarget;
use paygate::payg::{ApiVersion, PaygConfig};
use paygate::payway::endpoint::order;
use paygate::payway::{
    ConsumerTokenId, ImageFormat, LinkRequestId, LinkTokenFlag, MerchantAuthKey, PayTokenFlag,
    PaymentLinkImage, PaymentLinkRequest, PaymentToken, PurchaseRequest, QrPaymentOption,
    QrRequest, TokenLinkRequest, TokenPaymentRequest,
};
use paygate::sandbox::strictness::{FieldRule, SdkCheck, rules};
use paygate::sandbox::{PAYWAY_PUBLIC_KEY_PEM, Provider, Sandbox};
use paygate::secrecy::SecretString;
use paygate::transport::HttpRequest;
use paygate::{Currency, Error, Money, OrderId, Url};
use paygate::{Environment, TransactionId};
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

    /// The endpoint's valid request, as (fields without the time field, the time field's
    /// name, the signing order, the `merchant_auth` plaintext for a merchant-portal endpoint).
    fn spec(
        &self,
        endpoint: &str,
        n: usize,
    ) -> (
        Fields,
        &'static str,
        &'static [&'static str],
        Option<Fields>,
    ) {
        let tran_id = format!("STRICT{n}");
        let m = &self.merchant_id;
        let object = |value: Value| match value {
            Value::Object(map) => map,
            _ => Fields::new(),
        };
        let portal = |plaintext: Value, order: &'static [&'static str]| {
            (
                object(json!({"merchant_id": m})),
                "request_time",
                order,
                Some(object(plaintext)),
            )
        };
        let page = |fields: Value, order: &'static [&'static str]| {
            (object(fields), "req_time", order, None)
        };
        let credential = |fields: Value, order: &'static [&'static str]| {
            (object(fields), "request_time", order, None)
        };
        match endpoint
            .rsplit_once("/v1/payments/")
            .map_or(endpoint, |(_, e)| e)
        {
            "generate-qr" => {
                let mut fields = self.qr(&tran_id);
                fields.remove("req_time");
                (fields, "req_time", order::GENERATE_QR, None)
            }
            "purchase" => {
                let mut fields = self.purchase(&tran_id);
                fields.remove("req_time");
                (fields, "req_time", order::PURCHASE, None)
            }
            "check-transaction-2" => page(
                json!({"merchant_id": m, "tran_id": tran_id}),
                order::CHECK_TRANSACTION,
            ),
            "transaction-detail" => page(
                json!({"merchant_id": m, "tran_id": tran_id}),
                order::TRANSACTION_DETAIL,
            ),
            "close-transaction" => page(
                json!({"merchant_id": m, "tran_id": tran_id}),
                order::CLOSE_TRANSACTION,
            ),
            "transaction-list-2" => page(
                json!({"merchant_id": m, "from_date": "2026-01-01 00:00:00", "to_date": "2026-01-02 00:00:00", "page": "1", "pagination": "40"}),
                order::TRANSACTION_LIST,
            ),
            "get-transactions-by-mc-ref" => page(
                json!({"merchant_id": m, "merchant_ref": "REF1"}),
                order::TRANSACTIONS_BY_REF,
            ),
            e if e.ends_with("/online-transaction/refund") => portal(
                json!({"mc_id": m, "tran_id": tran_id, "refund_amount": "1.00"}),
                order::REFUND,
            ),
            e if e.ends_with("/pre-auth-completion") => portal(
                json!({"mc_id": m, "tran_id": tran_id, "complete_amount": "1.00"}),
                order::PRE_AUTH_COMPLETION,
            ),
            e if e.ends_with("/pre-auth-cancellation") => portal(
                json!({"mc_id": m, "tran_id": tran_id}),
                order::PRE_AUTH_CANCELLATION,
            ),
            e if e.ends_with("/payment-link/detail") || e.ends_with("/payment-link/void") => {
                portal(
                    json!({"mc_id": m, "id": "iN4sbkzbwOCx5VzdXTYsCw=="}),
                    order::PAYMENT_LINK,
                )
            }
            e if e.ends_with("/aof/link-account") => credential(
                json!({"merchant_id": m, "ctid": "CT1", "request_id": format!("REQ{n:05}"), "token_flag": "CITI_FLEX", "currency": "USD"}),
                order::ACCOUNT_LINK,
            ),
            e if e.ends_with("/cof/link-card") => credential(
                json!({"merchant_id": m, "ctid": "CT1", "request_id": format!("REQ{n:05}"), "token_flag": "CITO_FLEX", "currency": "USD"}),
                order::CARD_LINK,
            ),
            e if e.ends_with("/purchase/payment-credential") => credential(
                json!({"merchant_id": m, "tran_id": tran_id, "amount": "1.00", "currency": "USD", "ctid": "CT1", "pwt": "PWT1", "first_name": "Sok", "last_name": "Dara", "email": "dara@example.com", "phone": "012345678", "purchase_type": "purchase", "token_flag": "CITU_FLEX"}),
                order::TOKEN_PAYMENT,
            ),
            e if e.ends_with("/get-token-details") => credential(
                json!({"merchant_id": m, "request_id": format!("REQ{n:05}")}),
                order::TOKEN_DETAILS,
            ),
            e if e.ends_with("/renew-expired-account-token") => credential(
                json!({"merchant_id": m, "ctid": "CT1", "pwt": "PWT1", "request_id": format!("REQ{n:05}")}),
                order::TOKEN_RENEW,
            ),
            e if e.ends_with("/remove-token") => credential(
                json!({"merchant_id": m, "ctid": "CT1", "pwt": "PWT1"}),
                order::TOKEN_REMOVE,
            ),
            other => panic!("no valid request of PayWay's {other} here: add one"),
        }
    }

    /// The endpoint's valid request with `field` set to `value`, signed (`merchant_auth`
    /// encrypted from its plaintext), as its fields.
    fn breaking_fields(
        &self,
        endpoint: &str,
        field: &str,
        value: Option<String>,
        n: usize,
    ) -> Fields {
        let (mut fields, time_field, order, plaintext) = self.spec(endpoint, n);
        fields.insert(time_field.to_owned(), Value::String(request_time()));
        let to_value = |v: Option<String>| v.map_or(Value::Null, Value::String);
        match (plaintext, field.strip_prefix("merchant_auth.")) {
            (Some(mut plaintext), Some(inner)) => {
                plaintext.insert(inner.to_owned(), to_value(value));
                fields.insert(
                    "merchant_auth".into(),
                    Value::String(self.encrypted(&plaintext)),
                );
            }
            (Some(plaintext), None) => {
                fields.insert(
                    "merchant_auth".into(),
                    Value::String(self.encrypted(&plaintext)),
                );
                if !field.is_empty() {
                    fields.insert(field.to_owned(), to_value(value));
                }
            }
            (None, _) => {
                if !field.is_empty() {
                    fields.insert(field.to_owned(), to_value(value));
                }
            }
        }
        self.signed(fields, order)
    }

    fn encrypted(&self, plaintext: &Fields) -> String {
        self.rsa
            .encrypt(
                Value::Object(plaintext.clone()).to_string().as_bytes(),
                &paygate::clock::OsRandom,
            )
            .unwrap()
    }

    /// Sends the endpoint's valid request with `field` set to `value`.
    async fn send_breaking(&self, rule: &FieldRule, value: Option<String>, n: usize) -> Answer {
        if rule.endpoint.ends_with("/payment-link/create") {
            return self.link_create(Some(rule.field), value).await;
        }
        let fields = self.breaking_fields(rule.endpoint, rule.field, value, n);
        self.post_json(rule.endpoint, &fields).await
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
            // A file rule's breaking value names the file, its size and its bytes' type:
            // `name (N bytes, type)`.
            let value = value.unwrap_or_default();
            let (name, rest) = value.rsplit_once(" (").unwrap();
            let (size, kind) = rest.trim_end_matches(')').split_once(" bytes, ").unwrap();
            image = (name.to_owned(), file_of(kind, size.parse().unwrap()));
        } else if !field.is_empty() {
            outer = Some(value);
        }
        let merchant_auth = self.encrypted(&plaintext);
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

/// Finpay and PayG: the SDK builds each endpoint's valid request (headers and JSON body);
/// a row's request is that body with one field changed, sent with the same headers.
struct JsonProviders {
    finpay: FinpayConfig,
    payg: PaygConfig,
    http: reqwest::Client,
}

fn idr(text: &str) -> Money {
    Money::parse(text, Currency::IDR).unwrap()
}

fn inr(text: &str) -> Money {
    Money::parse(text, Currency::INR).unwrap()
}

fn finpay_initiate(n: usize) -> InitiateRequest {
    let customer = FinpayCustomer {
        id: Some("CUST1".into()),
        email: Some("dewi@example.com".into()),
        first_name: Some("Dewi".into()),
        last_name: Some("Lestari".into()),
        mobile_phone: Some("+6281234567890".into()),
        phone: Some("0211234567".into()),
        ..FinpayCustomer::default()
    };
    let mut request = InitiateRequest::new(
        &OrderId::new(format!("STRICTF{n}")).unwrap(),
        &idr("10000"),
        customer,
        &Url::parse("https://shop.example/finpay/callback").unwrap(),
    )
    .unwrap();
    request.order.description = Some("Two coffees".into());
    request.order.timeout = Some("60".into());
    request
}

fn open_account() -> OpenPaymentAccount {
    OpenPaymentAccount::new(
        VirtualAccountChannel::new("vabca").unwrap(),
        PaymentCode::new("1234567890123456").unwrap(),
        FinpayCustomer {
            id: Some("CUST1".into()),
            mobile_phone: Some("+6281234567890".into()),
            ..FinpayCustomer::default()
        },
    )
}

fn payg_create(n: usize) -> CreateOrderRequest {
    let mut request = CreateOrderRequest::new(
        OrderId::new(format!("STRICTG{n}")).unwrap(),
        inr("100.00"),
        "{}".into(),
    );
    request.order_id = Some("ORD1".into());
    request
}

impl JsonProviders {
    fn new(sandbox: &Sandbox) -> JsonProviders {
        let f = &sandbox.credentials().finpay;
        let finpay = FinpayConfig::new(
            f.merchant_id.clone(),
            &SecretString::from(f.merchant_key.clone()),
            Environment::Custom(Url::parse(&sandbox.url(Provider::Finpay)).unwrap()),
        )
        .unwrap();
        let g = &sandbox.credentials().payg;
        let payg = PaygConfig::new(
            &SecretString::from(g.authentication_key.clone()),
            &SecretString::from(g.authentication_token.clone()),
            g.merchant_key_id.clone(),
            Some(g.mid.clone()),
            ApiVersion::V2,
            &Environment::Custom(Url::parse(&sandbox.url(Provider::Payg)).unwrap()),
        )
        .unwrap();
        JsonProviders {
            finpay,
            payg,
            http: reqwest::Client::new(),
        }
    }

    /// The SDK's valid request of `endpoint`.
    fn baseline(&self, provider: Provider, endpoint: &str, n: usize) -> HttpRequest {
        let key = OrderId::new("ORDKEY1").unwrap();
        let built = match (provider, endpoint) {
            (Provider::Finpay, "/pg/payment/card/initiate") => {
                paygate::finpay::ops::initiate::build_initiate(&self.finpay, &finpay_initiate(n))
            }
            (Provider::Finpay, "/pg/payment/card/refund") => {
                paygate::finpay::ops::refund::build_refund(
                    &self.finpay,
                    &OrderId::new(format!("STRICTF{n}")).unwrap(),
                    &idr("1000"),
                )
            }
            (Provider::Finpay, "/pg/payment/card/void") => paygate::finpay::ops::void::build_void(
                &self.finpay,
                &OrderId::new(format!("STRICTF{n}")).unwrap(),
            ),
            (Provider::Finpay, "/pg/payment/card/openpayment/register") => {
                paygate::finpay::ops::open_payment::build_open_payment_write(
                    &self.finpay,
                    &open_account(),
                    false,
                )
            }
            (Provider::Finpay, "/pg/payment/card/openpayment/update") => {
                paygate::finpay::ops::open_payment::build_open_payment_write(
                    &self.finpay,
                    &open_account(),
                    true,
                )
            }
            (Provider::Payg, "/create") => paygate::payg::ops::create::build_create(
                &self.payg,
                &payg_create(n),
                paygate::time::OffsetDateTime::now_utc(),
            ),
            (Provider::Payg, "/Detail") => {
                paygate::payg::ops::detail::build_detail(&self.payg, &key)
            }
            (Provider::Payg, "/Update") => paygate::payg::ops::update::build_update(
                &self.payg,
                &key,
                &OrderId::new(format!("STRICTG{n}")).unwrap(),
                &inr("100.00"),
                &BTreeMap::new(),
            ),
            (Provider::Payg, "/Refund") => paygate::payg::ops::refund::build_refund(
                &self.payg,
                &key,
                &RefundTarget {
                    payment_type: "Upi".into(),
                    payment_transaction_id: TransactionId::new("987654").unwrap(),
                },
                &inr("1.00"),
            ),
            (Provider::Payg, "/RefundStatus") => {
                paygate::payg::ops::refund_status::build_refund_status(
                    &self.payg,
                    &key,
                    &TransactionId::new("987654").unwrap(),
                )
            }
            (provider, other) => panic!("no valid request of {provider:?}'s {other} here: add one"),
        };
        built.unwrap()
    }

    async fn send_breaking(&self, rule: &FieldRule, value: Option<String>, n: usize) -> Answer {
        let request = self.baseline(rule.provider, rule.endpoint, n);
        let mut body: Value = serde_json::from_slice(&request.body).unwrap();
        set_path(&mut body, rule.field, value);
        let mut send = self
            .http
            .request(request.method.clone(), request.url.as_str())
            .body(body.to_string());
        for (name, value) in &request.headers {
            send = send.header(name, value);
        }
        let response = send.send().await.unwrap();
        let http = response.status().as_u16();
        let body: Value =
            serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null);
        let code = ["/responseCode", "/0/Code", "/Code"]
            .iter()
            .find_map(|p| body.pointer(p))
            .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_owned))
            .unwrap_or_default();
        Answer { http, code }
    }
}

/// Sets the dotted `field` of `body` (`None`: `null`), making the objects on the way.
fn set_path(body: &mut Value, field: &str, value: Option<String>) {
    let mut at = body;
    let mut parts = field.split('.').peekable();
    while let Some(part) = parts.next() {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let object = at.as_object_mut().unwrap();
        if parts.peek().is_none() {
            object.insert(
                part.to_owned(),
                value.clone().map_or(Value::Null, Value::String),
            );
            return;
        }
        at = object.entry(part.to_owned()).or_insert(Value::Null);
    }
}

/// A field's text as the table reads it (absent, `null` and `""` alike).
fn text_at(body: &Value, field: &str) -> Option<String> {
    let pointer: String = field.split('.').flat_map(|part| ["/", part]).collect();
    match body.pointer(&pointer)? {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A PNG's signature followed by zeros, `len` bytes in all.
fn png(len: usize) -> Vec<u8> {
    file_of("png", len)
}

/// A file of `len` bytes whose signature says `kind` (`png`, `jpeg`, `gif`).
fn file_of(kind: &str, len: usize) -> Vec<u8> {
    let mut bytes = match kind {
        "png" => b"\x89PNG\r\n\x1a\n".to_vec(),
        "jpeg" => vec![0xFF, 0xD8, 0xFF, 0xE0],
        "gif" => b"GIF89a".to_vec(),
        other => panic!("no {other} files here"),
    };
    bytes.resize(len.max(bytes.len()), 0);
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

    // Every endpoint's valid request keeps every row of its endpoint.
    let json = JsonProviders::new(&payway.sandbox);
    for rule in rules() {
        let fields = match rule.provider {
            Provider::Payway if rule.endpoint.ends_with("/payment-link/create") => continue,
            Provider::Payway => {
                let (mut fields, _, _, plaintext) = payway.spec(rule.endpoint, 0);
                if let Some(plaintext) = plaintext {
                    fields.insert("merchant_auth".into(), Value::Object(plaintext));
                }
                Value::Object(fields)
            }
            provider => {
                serde_json::from_slice(&json.baseline(provider, rule.endpoint, 0).body).unwrap()
            }
        };
        assert!(
            rule.rule.holds(text_at(&fields, rule.field).as_deref()),
            "the valid request of {} breaks it: {fields}",
            row_name(rule)
        );
    }
}

/// PayWay's QR API, named: a `qr_image_template` sent as `null`, left out or outside PayWay's
/// list is refused as PayWay refuses it (HTTP 400, `04`, the field named); every listed
/// template is taken. (Independent of the enumeration: it fails if the rows go.)
#[tokio::test]
async fn the_sandbox_refuses_a_qr_without_a_listed_template() {
    let payway = Payway::new(Sandbox::start().await.unwrap());
    let endpoint = "/api/payment-gateway/v1/payments/generate-qr";
    for (n, template) in [None, Some("template9"), Some("")].into_iter().enumerate() {
        let mut fields = payway.qr(&format!("QRNULL{n}"));
        fields.insert(
            "qr_image_template".into(),
            template.map_or(Value::Null, |t| Value::String(t.into())),
        );
        let fields = payway.signed(fields, order::GENERATE_QR);
        let response = payway
            .http
            .post(payway.url(endpoint))
            .header("content-type", "application/json")
            .body(Value::Object(fields).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{template:?}");
        let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert_eq!(body["status"]["code"], "04", "{body}");
        assert!(
            body["status"]["errors"]["qr_image_template"].is_array(),
            "{body}"
        );
    }
    let mut fields = payway.qr("QRNULL");
    fields.remove("qr_image_template");
    let fields = payway.signed(fields, order::GENERATE_QR);
    assert_eq!(payway.post_json(endpoint, &fields).await.code, "04");
    for (n, template) in paygate::payway::QrImageTemplate::ALL
        .into_iter()
        .enumerate()
    {
        let mut fields = payway.qr(&format!("QRTPL{n}"));
        fields.insert(
            "qr_image_template".into(),
            Value::String(template.as_str().into()),
        );
        let fields = payway.signed(fields, order::GENERATE_QR);
        assert_eq!(
            payway.post_json(endpoint, &fields).await.code,
            "0",
            "{template:?}"
        );
    }
}

/// The QR page's rules across fields, which the table (one field each) cannot hold: WeChat
/// and Alipay take no pre-auth, and a QR takes at most 10 items. The SDK refuses both before
/// sending; the sandbox answers both with the page's generic code 48.
#[tokio::test]
async fn the_qr_rules_across_fields_hold() {
    let payway = Payway::new(Sandbox::start().await.unwrap());
    let client = common::payway_client(&payway.sandbox).unwrap();
    let sent = payway.sandbox.received().len();
    let mut wechat = QrRequest::new(
        OrderId::new("QRX1").unwrap(),
        usd("2.50"),
        QrPaymentOption::WeChat,
        30,
    );
    wechat.purchase_type = paygate::payway::PurchaseType::PreAuth;
    let err = client.generate_qr(&wechat).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "purchase_type"),
        "{err}"
    );
    let mut many = qr_request("QRX2");
    many.items = (0..11)
        .map(|i| paygate::payway::PurchaseItem {
            name: format!("i{i}"),
            quantity: 1,
            price: usd("0.10"),
        })
        .collect();
    let err = client.generate_qr(&many).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "items"),
        "{err}"
    );
    assert_eq!(payway.sandbox.received().len(), sent, "nothing was sent");

    let endpoint = "/api/payment-gateway/v1/payments/generate-qr";
    let mut fields = payway.qr("QRX3");
    fields.insert("payment_option".into(), Value::String("alipay".into()));
    fields.insert("purchase_type".into(), Value::String("pre-auth".into()));
    let fields = payway.signed(fields, order::GENERATE_QR);
    assert_eq!(payway.post_json(endpoint, &fields).await.code, "48");
    let items: Vec<Value> = (0..11)
        .map(|i| json!({"name": format!("i{i}"), "quantity": 1, "price": 0.1}))
        .collect();
    let encoded = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        Value::Array(items).to_string(),
    );
    let mut fields = payway.qr("QRX4");
    fields.insert("items".into(), Value::String(encoded));
    let fields = payway.signed(fields, order::GENERATE_QR);
    assert_eq!(payway.post_json(endpoint, &fields).await.code, "48");
}

/// Every row: the breaking request gets the documented refusal.
#[tokio::test]
async fn the_sandbox_refuses_every_row_as_documented() {
    let payway = Payway::new(Sandbox::start().await.unwrap());
    let json = JsonProviders::new(&payway.sandbox);
    let mut checked = BTreeMap::<Provider, usize>::new();
    let mut failures = Vec::new();
    for (n, rule) in rules().enumerate() {
        for value in rule.rule.breaking_values() {
            let answer = match rule.provider {
                Provider::Payway => payway.send_breaking(rule, value.clone(), n).await,
                _ => json.send_breaking(rule, value.clone(), n).await,
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

/// Every row's refusal is one the SDK reads as a refusal of that endpoint, so a write the
/// sandbox (or the provider) refuses this way is "refused", never an unknown outcome.
#[test]
fn the_sdk_reads_every_documented_refusal_as_a_refusal() {
    use paygate::payway::endpoint::Endpoint;
    for rule in rules() {
        let kind = match rule.provider {
            Provider::Payway => Endpoint::ALL
                .iter()
                .find(|e| e.path() == rule.endpoint)
                .unwrap_or_else(|| panic!("{}: no such PayWay endpoint", row_name(rule)))
                .refusal_kind(rule.refusal.code),
            Provider::Finpay => {
                paygate::finpay::ResponseCode::new(rule.refusal.code).refusal_kind()
            }
            _ => paygate::payg::endpoint::refusal_kind(rule.refusal.http, true),
        };
        assert!(
            kind.is_some(),
            "{}: the SDK does not read {} as a refusal",
            row_name(rule),
            rule.refusal.code
        );
    }
}

/// The table as docs/sandbox-strictness.md shows it: the page is generated from the rows and
/// this test fails when they differ, so removing a row (or a check with it) shows here and
/// the page stays true. `PAYGATE_PIN_STRICTNESS=1` writes the page again.
#[test]
fn the_table_is_pinned_in_the_docs() {
    let rendered = render_table();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/sandbox-strictness.md");
    if std::env::var_os("PAYGATE_PIN_STRICTNESS").is_some() {
        std::fs::write(path, &rendered).unwrap();
        return;
    }
    let pinned = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        pinned == rendered,
        "docs/sandbox-strictness.md differs from the table: review the change, then write it \
         again with PAYGATE_PIN_STRICTNESS=1 cargo test -p paygate-tests --test sandbox_strictness"
    );
}

fn brand(provider: Provider) -> &'static str {
    match provider {
        Provider::Finpay => "Finpay",
        Provider::Payway => "ABA PayWay",
        Provider::Payg => "PayG",
        _ => "another provider",
    }
}

fn render_table() -> String {
    let cell = |text: &str| text.replace('|', "\\|");
    let mut per_provider = BTreeMap::<Provider, usize>::new();
    for rule in rules() {
        *per_provider.entry(rule.provider).or_default() += 1;
    }
    let counts: Vec<String> = per_provider
        .iter()
        .map(|(p, n)| format!("{} {n}", brand(*p)))
        .collect();
    let mut out = String::from(
        "# The sandbox's strictness table\n\n\
         Generated from `paygate_sandbox::strictness::rules()` by \
         `tests/tests/sandbox_strictness.rs` (do not edit by hand). Every documented rule on a \
         request field of every endpoint the SDK sends, with its source and the refusal the \
         provider documents for breaking it. The sandbox checks each request against these rows \
         once its credentials and signature pass, before its handler runs (the handlers keep \
         the rules across fields); the test sends, for each row, a request breaking that rule \
         alone and expects the documented refusal, and gives each row the SDK refuses to the \
         SDK, which must refuse it without sending. Where sources disagree, the row takes the \
         strictest reading and its note says so.\n\n",
    );
    out.push_str(&format!("Rows: {}.\n", counts.join(", ")));
    let unruled: Vec<String> = paygate::payway::endpoint::Endpoint::ALL
        .iter()
        .map(|e| e.path())
        .filter(|path| !rules().any(|r| r.provider == Provider::Payway && r.endpoint == *path))
        .map(|path| format!("`{path}`"))
        .collect();
    out.push_str(&format!(
        "\nEndpoints with no row: ABA PayWay's {} (no field beyond the credentials and the \
         hash, which every request's check covers); Finpay's GET endpoints (`check`, `cancel`, \
         `openpayment/check`, `openpayment/delete`), whose only fields are the path's, \
         required by the route itself.\n",
        unruled.join(", ")
    ));
    for provider in per_provider.keys() {
        out.push_str(&format!(
            "\n## {}\n\n| Endpoint | Field | Rule | Refusal | SDK | Source | Note |\n|---|---|---|---|---|---|---|\n",
            brand(*provider)
        ));
        for rule in rules().filter(|r| r.provider == *provider) {
            let sdk = match rule.sdk {
                SdkCheck::Refuses => "refuses before sending",
                SdkCheck::ByConstruction => "cannot send it",
                _ => "sends it",
            };
            out.push_str(&format!(
                "| `{}` | `{}` | {} | HTTP {}, `{}` {} | {} | {} | {} |\n",
                rule.endpoint,
                rule.field,
                cell(&rule.rule.to_string()),
                rule.refusal.http,
                rule.refusal.code,
                cell(rule.refusal.message),
                sdk,
                cell(rule.source),
                cell(rule.note),
            ));
        }
    }
    out
}

/// Every row the table says the SDK refuses: the SDK refuses it, naming the field, and sends
/// nothing.
#[tokio::test]
async fn the_sdk_refuses_what_the_table_says_it_refuses() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = common::payway_client(&sandbox).unwrap();
    let json = JsonProviders::new(&sandbox);
    let sent = || sandbox.received().len();
    let mut missing = Vec::new();
    let mut misnamed = Vec::new();
    let mut refused = 0;
    for rule in rules().filter(|r| r.sdk == SdkCheck::Refuses) {
        let before = sent();
        let result: Option<Result<(), Error>> = match rule.provider {
            Provider::Payway => payway_sdk_case(&client, rule).await,
            _ => json_sdk_case(&json, rule),
        };
        let Some(result) = result else {
            missing.push(row_name(rule));
            continue;
        };
        let error = result.expect_err(&row_name(rule));
        let Error::InvalidInput { field, .. } = &error else {
            panic!("{}: not an invalid-input error: {error}", row_name(rule));
        };
        // The error names the row's field: the SDK's name may drop the wire's prefix, case
        // and underscores, or name the value the field is made from (the order id a
        // `tran_id` or `UniqueRequestId` is, the amount whose currency it is).
        let norm = |name: &str| {
            name.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase()
        };
        let wire = norm(rule.field.rsplit('.').next().unwrap_or(rule.field));
        let also = match wire.as_str() {
            "tranid" | "uniquerequestid" => "orderid",
            "currency" => "amount",
            _ => "",
        };
        let named = norm(field);
        if !(named.contains(&wire) || (!also.is_empty() && named.contains(also))) {
            misnamed.push(format!(
                "{}: the error names {field}: {error}",
                row_name(rule)
            ));
        }
        assert_eq!(sent(), before, "{}: a request was sent", row_name(rule));
        refused += 1;
    }
    eprintln!("strictness: rows the SDK refuses before sending: {refused}");
    assert!(misnamed.is_empty(), "{}", misnamed.join("\n"));
    assert!(
        missing.is_empty(),
        "rows marked SdkCheck::Refuses with no SDK case here:\n{}",
        missing.join("\n")
    );
}

/// Finpay's and PayG's SDK given a row's breaking input (their request builders: what
/// refuses there is never sent); `None` when this test has no case for the row.
fn json_sdk_case(json: &JsonProviders, rule: &FieldRule) -> Option<Result<(), Error>> {
    use paygate::sandbox::strictness::{Format, Rule};
    let value = rule.rule.breaking_values().into_iter().next()?;
    let result = match (rule.provider, rule.endpoint, rule.field) {
        (Provider::Finpay, "/pg/payment/card/initiate", field) => {
            let mut request = finpay_initiate(1);
            match field {
                "order.id" => request.order.id = value?,
                "order.amount" => request.order.amount = value?,
                "order.description" => request.order.description = value,
                "order.timeout" => request.order.timeout = value,
                "customer.id" => request.customer.id = value,
                "customer.email" => request.customer.email = value,
                "customer.firstName" => request.customer.first_name = value,
                "customer.lastName" => request.customer.last_name = value,
                "customer.mobilePhone" => request.customer.mobile_phone = value,
                "customer.phone" => request.customer.phone = value,
                _ => return None,
            }
            paygate::finpay::ops::initiate::build_initiate(&json.finpay, &request).map(drop)
        }
        (Provider::Finpay, "/pg/payment/card/refund", "order.amount") => {
            paygate::finpay::ops::refund::build_refund(
                &json.finpay,
                &OrderId::new("SDKF1").unwrap(),
                &idr("999999999999999"),
            )
            .map(drop)
        }
        (Provider::Finpay, endpoint, field) if endpoint.contains("/openpayment/") => {
            if field == "sourceOfFunds.paymentCode" {
                return Some(PaymentCode::new(value?).map(drop));
            }
            let mut account = open_account();
            match field {
                "customer.id" => account.customer.id = value,
                "customer.mobilePhone" => account.customer.mobile_phone = value,
                _ => return None,
            }
            paygate::finpay::ops::open_payment::build_open_payment_write(
                &json.finpay,
                &account,
                endpoint.ends_with("/update"),
            )
            .map(drop)
        }
        (Provider::Payg, "/create", field) => {
            let mut request = payg_create(1);
            match field {
                "UniqueRequestId" => request.unique_request_id = OrderId::new(value?).ok()?,
                "OrderId" => request.order_id = value,
                _ => return None,
            }
            paygate::payg::ops::create::build_create(
                &json.payg,
                &request,
                paygate::time::OffsetDateTime::now_utc(),
            )
            .map(drop)
        }
        (Provider::Payg, "/Update", "UniqueRequestId") => paygate::payg::ops::update::build_update(
            &json.payg,
            &OrderId::new("ORDKEY1").unwrap(),
            &OrderId::new(value?).ok()?,
            &inr("100.00"),
            &BTreeMap::new(),
        )
        .map(drop),
        (Provider::Payg, "/Refund", "PaymentType") => paygate::payg::ops::refund::build_refund(
            &json.payg,
            &OrderId::new("ORDKEY1").unwrap(),
            &RefundTarget {
                payment_type: value.unwrap_or_default(),
                payment_transaction_id: TransactionId::new("987654").unwrap(),
            },
            &inr("1.00"),
        )
        .map(drop),
        (Provider::Payg, "/RefundStatus", "TransactionId") => {
            assert_eq!(rule.rule, Rule::Format(Format::Digits));
            paygate::payg::ops::refund_status::build_refund_status(
                &json.payg,
                &OrderId::new("ORDKEY1").unwrap(),
                &TransactionId::new(value?).ok()?,
            )
            .map(drop)
        }
        _ => return None,
    };
    Some(result)
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

/// PayWay's SDK given a row's breaking input; `None` when this test has no case for the row.
async fn payway_sdk_case(
    client: &paygate::payway::PaywayClient,
    rule: &FieldRule,
) -> Option<Result<(), Error>> {
    let endpoint = rule.endpoint.rsplit('/').next().unwrap_or_default();
    let max = |rule: &FieldRule| match rule.rule {
        paygate::sandbox::strictness::Rule::MaxChars(n) => n + 1,
        _ => 0,
    };
    let result = match (endpoint, rule.field) {
        ("generate-qr", "currency") => {
            let request = QrRequest::new(
                OrderId::new("SDKQR2").unwrap(),
                idr("10000"),
                QrPaymentOption::AbaPayKhqr,
                30,
            );
            client.generate_qr(&request).await.map(drop)
        }
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
        (
            "purchase",
            field @ ("currency" | "firstname" | "lastname" | "email" | "phone" | "items"
            | "payment_option"),
        ) => {
            let amount = if field == "currency" {
                idr("10000")
            } else {
                usd("2.50")
            };
            let mut request = PurchaseRequest::new(OrderId::new("SDKP2").unwrap(), amount);
            match field {
                "firstname" => request.first_name = Some(long(max(rule))),
                "lastname" => request.last_name = Some(long(max(rule))),
                "email" => request.email = Some(long(max(rule))),
                "phone" => request.phone = Some(long(max(rule))),
                "payment_option" => request.payment_option = Some("not_listed".into()),
                "items" => {
                    request.items = (0..20)
                        .map(|i| paygate::payway::PurchaseItem {
                            name: format!("item number {i} with a long name"),
                            quantity: 1,
                            price: usd("0.10"),
                        })
                        .collect();
                }
                _ => {}
            }
            client.purchase(&request).await.map(drop)
        }
        ("check-transaction-2", "tran_id") => client
            .check_transaction(&OrderId::new(long(21)).ok()?)
            .await
            .map(drop),
        ("transaction-detail", "tran_id") => client
            .transaction_detail(&OrderId::new(long(21)).ok()?)
            .await
            .map(drop),
        ("close-transaction", "tran_id") => client
            .close_transaction(&OrderId::new(long(21)).ok()?)
            .await
            .map(drop),
        ("get-transactions-by-mc-ref", "merchant_ref") => {
            paygate::payway::MerchantRef::new(long(21)).map(drop)
        }
        ("link-account" | "link-card", "ctid") => ConsumerTokenId::new(long(256)).map(drop),
        (link @ ("link-account" | "link-card"), "currency") => {
            let request = TokenLinkRequest::new(
                LinkRequestId::new("REQ12345").unwrap(),
                ConsumerTokenId::new("CT1").unwrap(),
                if link == "link-account" {
                    LinkTokenFlag::CitiFlex
                } else {
                    LinkTokenFlag::CitoFlex
                },
                Currency::IDR,
            );
            if link == "link-account" {
                client.link_account(&request).await.map(drop)
            } else {
                client.card_link_form(&request).map(drop)
            }
        }
        ("payment-credential", field) => {
            let tran_id = if field == "tran_id" {
                long(21)
            } else {
                "SDKT1".to_owned()
            };
            let mut request = TokenPaymentRequest::new(
                OrderId::new(tran_id).ok()?,
                usd("1.00"),
                ConsumerTokenId::new("CT1").unwrap(),
                PaymentToken::new("PWT1").unwrap(),
                PayTokenFlag::CituFlex,
            );
            match field {
                "tran_id" => {}
                "first_name" => request.first_name = Some(long(max(rule))),
                "last_name" => request.last_name = Some(long(max(rule))),
                "email" => request.email = Some(long(max(rule))),
                "phone" => request.phone = Some(long(max(rule))),
                _ => return None,
            }
            client.pay_with_token(&request).await.map(drop)
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
                        paygate::sandbox::strictness::Rule::FileType(_) => PaymentLinkImage {
                            file_name: "cake.png".into(),
                            format: ImageFormat::Png,
                            bytes: file_of("gif", 64),
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
