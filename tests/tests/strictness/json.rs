//! Finpay and PayG: valid requests the SDK builds, sent with one field changed.

use super::payway::*;
use super::*;

/// Finpay and PayG: the SDK builds each endpoint's valid request (headers and JSON body);
/// a row's request is that body with one field changed, sent with the same headers.
pub(crate) struct JsonProviders {
    pub(crate) finpay: FinpayConfig,
    pub(crate) payg: PaygConfig,
    pub(crate) http: reqwest::Client,
}

pub(crate) fn idr(text: &str) -> Money {
    Money::parse(text, Currency::IDR).unwrap()
}

pub(crate) fn inr(text: &str) -> Money {
    Money::parse(text, Currency::INR).unwrap()
}

pub(crate) fn finpay_initiate(n: usize) -> InitiateRequest {
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

pub(crate) fn open_account() -> OpenPaymentAccount {
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

pub(crate) fn payg_create(n: usize) -> CreateOrderRequest {
    let mut request = CreateOrderRequest::new(
        OrderId::new(format!("STRICTG{n}")).unwrap(),
        inr("100.00"),
        "{}".into(),
    );
    request.order_id = Some("ORD1".into());
    request
}

impl JsonProviders {
    pub(crate) fn new(sandbox: &Sandbox) -> JsonProviders {
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
    pub(crate) fn baseline(&self, provider: Provider, endpoint: &str, n: usize) -> HttpRequest {
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

    pub(crate) async fn send_breaking(
        &self,
        rule: &FieldRule,
        value: Option<String>,
        n: usize,
    ) -> Answer {
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
pub(crate) fn set_path(body: &mut Value, field: &str, value: Option<String>) {
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
pub(crate) fn text_at(body: &Value, field: &str) -> Option<String> {
    let pointer: String = field.split('.').flat_map(|part| ["/", part]).collect();
    match body.pointer(&pointer)? {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}
