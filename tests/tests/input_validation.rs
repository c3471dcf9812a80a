//! The input-validation matrix: bad identifiers, amounts, keys, credentials and base URLs are
//! each rejected before any network call, with a typed error (`invalid-input` or `config`)
//! naming the field, and the sandbox — the only server the gateways point at — receives
//! nothing. The table is printed (`--nocapture`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use paygate::sandbox::{Provider, Sandbox};
use paygate::{
    CaptureRequest, CreatePayment, Currency, Customer, Decimal, Error, ErrorClass, GatewayRegistry,
    LineItem, Money, OrderId, PaymentGateway, RefundRequest, RefundStatusRequest, TransactionId,
};

/// A public RSA key of 512 bits: too small for PayWay's `merchant_auth`.
const RSA_512_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAN8OmdRewzssL0xMhm0SG7tCo70MgQQ7
WargiPWX73jGKGHh+EuFVjjxfnVnf1FPKnlG0wkGtosEfx0xaZ6A4RECAwEAAQ==
-----END PUBLIC KEY-----";

struct Case {
    what: String,
    field: &'static str,
    class: ErrorClass,
    result: Result<(), Error>,
}

#[derive(Default)]
struct Matrix {
    cases: Vec<Case>,
}

impl Matrix {
    fn invalid<T>(
        &mut self,
        what: impl Into<String>,
        field: &'static str,
        result: Result<T, Error>,
    ) {
        self.push(what, field, ErrorClass::InvalidInput, result);
    }

    fn config<T>(
        &mut self,
        what: impl Into<String>,
        field: &'static str,
        result: Result<T, Error>,
    ) {
        self.push(what, field, ErrorClass::Config, result);
    }

    fn push<T>(
        &mut self,
        what: impl Into<String>,
        field: &'static str,
        class: ErrorClass,
        result: Result<T, Error>,
    ) {
        self.cases.push(Case {
            what: what.into(),
            field,
            class,
            result: result.map(drop),
        });
    }
}

fn money(amount: &str, currency: Currency) -> Result<Money, Error> {
    Money::parse(amount, currency).map_err(|e| e.for_field("amount"))
}

fn order(id: &str) -> OrderId {
    OrderId::new(id).unwrap()
}

async fn create(
    gateway: &Arc<dyn PaymentGateway>,
    id: &str,
    amount: &str,
    currency: Currency,
) -> Result<(), Error> {
    let request = CreatePayment::new(order(id), money(amount, currency)?)?
        .callback_url(paygate::Url::parse("https://shop.example/cb").unwrap())
        .customer(Customer::new().phone("+6281234567890"));
    gateway.create_payment(&request).await.map(drop)
}

async fn refund(
    gateway: &Arc<dyn PaymentGateway>,
    amount: &str,
    currency: Currency,
) -> Result<(), Error> {
    let request = RefundRequest::new(order("VAL1"), money(amount, currency)?)?
        .transaction_id(TransactionId::new("7001")?)
        .payment_method("Upi");
    gateway.refund(&request).await.map(drop)
}

/// `toml` with the line setting `key` replaced by `line` (or removed when `line` is empty).
fn replace_setting(toml: &str, key: &str, line: &str) -> String {
    let prefix = format!("{key} = ");
    let mut out = String::new();
    let mut skipping_multiline = false;
    for l in toml.lines() {
        if skipping_multiline {
            skipping_multiline = !l.ends_with("\"\"\"");
            continue;
        }
        if l.starts_with(&prefix) {
            skipping_multiline = l.trim_end().ends_with("= \"\"\"");
            if !line.is_empty() {
                out.push_str(line);
                out.push('\n');
            }
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    assert!(out != toml, "{key} not found");
    out
}

fn build(toml: &str) -> Result<GatewayRegistry, Error> {
    GatewayRegistry::from_toml_str(toml)
}

#[tokio::test]
async fn bad_input_is_a_typed_error_naming_the_field_and_nothing_is_sent() {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let finpay = registry.gateway("finpay").unwrap();
    let payway = registry.gateway("payway").unwrap();
    let payg = registry.gateway("payg").unwrap();
    let mut m = Matrix::default();

    // Identifiers any provider would reject: they cannot be constructed.
    let long = "A".repeat(65);
    for (what, id) in [
        ("order id with path traversal", "../../admin"),
        ("order id with a slash", "a/b"),
        ("order id with a query", "a?x=1"),
        ("order id with a fragment", "a#b"),
        ("order id with percent-encoding", "a%2Fb"),
        ("order id with a space", "a b"),
        ("order id with CR LF (header injection)", "a\r\nHost: evil"),
        ("order id with NUL", "a\0b"),
        ("order id that is not ASCII", "ördér"),
        ("empty order id", ""),
        ("overlong order id (65 characters)", long.as_str()),
    ] {
        m.invalid(what, "order_id", OrderId::new(id));
    }
    m.invalid(
        "transaction id with a slash",
        "transaction_id",
        TransactionId::new("1/2"),
    );

    // Identifiers that are fine in general but not for one provider: rejected by the gateway.
    m.invalid(
        "Finpay order id over 30 characters",
        "order_id",
        finpay.payment_status(&order(&"F".repeat(31))).await,
    );
    m.invalid(
        "Finpay order id with a dot",
        "order_id",
        finpay.payment_status(&order("INV.7")).await,
    );
    m.invalid(
        "PayWay order id (tran_id) over 20 characters",
        "order_id",
        payway.payment_status(&order(&"P".repeat(21))).await,
    );
    m.invalid(
        "PayG order id with a hyphen",
        "order_id",
        payg.payment_status(&order("AB-12")).await,
    );

    // Amounts.
    m.invalid("negative amount", "amount", money("-1.00", Currency::USD));
    m.invalid(
        "over-precise USD (3 decimals)",
        "amount",
        money("1.001", Currency::USD),
    );
    m.invalid(
        "over-precise INR (3 decimals)",
        "amount",
        money("10.125", Currency::INR),
    );
    m.invalid(
        "overflowing amount (10^20)",
        "amount",
        money("100000000000000000000", Currency::USD),
    );
    m.invalid(
        "amount in exponent form",
        "amount",
        money("1e5", Currency::USD),
    );
    m.invalid(
        "amount that is not a number",
        "amount",
        money("NaN", Currency::USD),
    );
    m.invalid(
        "zero payment",
        "amount",
        CreatePayment::new(order("VAL1"), Money::zero(Currency::USD)),
    );
    m.invalid(
        "zero refund",
        "refund.amount",
        RefundRequest::new(order("VAL1"), Money::zero(Currency::USD)),
    );
    m.invalid(
        "zero capture",
        "capture.amount",
        CaptureRequest::new(order("VAL1"), Money::zero(Currency::USD)),
    );
    m.invalid(
        "line item quantity 0",
        "items.quantity",
        LineItem::new("tea", 0, Money::new(Decimal::ONE, Currency::USD).unwrap()),
    );
    m.invalid(
        "line items not adding up to the amount",
        "items",
        async {
            let request = CreatePayment::new(order("VAL2"), money("10.00", Currency::USD)?)?
                .item(LineItem::new("tea", 3, money("3.00", Currency::USD)?)?);
            payway.create_payment(&request).await
        }
        .await,
    );
    m.invalid(
        "Finpay payment in USD",
        "amount",
        create(&finpay, "VAL3", "10.00", Currency::USD).await,
    );
    // Return, cancel and callback URLs: https, or plain http to loopback only.
    for (provider, gateway, amount, currency) in [
        ("Finpay", &finpay, "10000", Currency::IDR),
        ("PayWay", &payway, "10.00", Currency::USD),
        ("PayG", &payg, "100.00", Currency::INR),
    ] {
        for (field, setter) in [
            (
                "return_url",
                CreatePayment::return_url as fn(CreatePayment, paygate::Url) -> CreatePayment,
            ),
            ("cancel_url", CreatePayment::cancel_url),
            ("callback_url", CreatePayment::callback_url),
        ] {
            for (what, url) in [
                ("javascript:", "javascript:alert(1)"),
                ("data:", "data:text/html,hi"),
                ("ftp:", "ftp://shop.example/done"),
                ("plain http to the internet", "http://shop.example/done"),
                ("credentials", "https://user:pw@shop.example/done"),
            ] {
                let result = async {
                    let request = CreatePayment::new(order("VALURL1"), money(amount, currency)?)?
                        .callback_url(paygate::Url::parse("https://shop.example/cb").unwrap())
                        .customer(Customer::new().phone("+6281234567890"));
                    gateway
                        .create_payment(&setter(request, paygate::Url::parse(url).unwrap()))
                        .await
                }
                .await;
                m.invalid(format!("{provider} {field} {what}"), field, result);
            }
        }
    }
    m.invalid(
        "Finpay payment without a callback URL",
        "callback_url",
        async {
            let request = CreatePayment::new(order("VAL10"), money("10000", Currency::IDR)?)?
                .customer(Customer::new().phone("+6281234567890"));
            finpay.create_payment(&request).await
        }
        .await,
    );
    m.invalid(
        "Finpay payment without the customer's phone",
        "customer.phone",
        async {
            let request = CreatePayment::new(order("VAL11"), money("10000", Currency::IDR)?)?
                .callback_url(paygate::Url::parse("https://shop.example/cb").unwrap());
            finpay.create_payment(&request).await
        }
        .await,
    );
    m.invalid(
        "Finpay payment over 14 digits of rupiah",
        "amount",
        create(&finpay, "VAL4", "123456789012345", Currency::IDR).await,
    );
    m.invalid(
        "PayWay payment in EUR",
        "amount",
        create(&payway, "VAL5", "10.00", "EUR".parse::<Currency>().unwrap()).await,
    );
    m.invalid(
        "PayWay payment under 100 KHR",
        "amount",
        create(&payway, "VAL6", "50", Currency::KHR).await,
    );
    m.invalid(
        "PayG payment in USD",
        "amount",
        create(&payg, "VAL7", "10.00", Currency::USD).await,
    );
    m.invalid(
        "PayG pre-authorization",
        "capture",
        async {
            let request = CreatePayment::new(order("VAL8"), money("100.00", Currency::INR)?)?
                .authorize_only();
            payg.create_payment(&request).await
        }
        .await,
    );
    m.invalid(
        "Finpay refund in USD",
        "refund.amount",
        refund(&finpay, "1.00", Currency::USD).await,
    );
    m.invalid(
        "PayWay refund in INR",
        "refund.amount",
        refund(&payway, "1.00", Currency::INR).await,
    );
    m.invalid(
        "PayG refund in IDR",
        "refund.amount",
        refund(&payg, "1000", Currency::IDR).await,
    );
    m.invalid(
        "PayG refund status with a non-numeric transaction id",
        "transaction_id",
        async {
            let request =
                RefundStatusRequest::new(order("VAL9")).transaction_id(TransactionId::new("T-9")?);
            payg.refund_status(&request).await
        }
        .await,
    );

    // Configuration: rejected when the registry is built.
    let finpay_toml = sandbox.gateway_toml(Provider::Finpay);
    let payway_toml = sandbox.gateway_toml(Provider::Payway);
    let payg_toml = sandbox.gateway_toml(Provider::Payg);
    m.config(
        "PayWay key that is not PEM",
        "gateways.payway.rsa_public_key",
        build(&replace_setting(
            &payway_toml,
            "rsa_public_key",
            "rsa_public_key = \"-----BEGIN PUBLIC KEY-----\\nnot base64\\n-----END PUBLIC KEY-----\"",
        )),
    );
    m.config(
        "PayWay RSA key of 512 bits",
        "gateways.payway.rsa_public_key",
        build(&replace_setting(
            &payway_toml,
            "rsa_public_key",
            &format!("rsa_public_key = \"\"\"\n{RSA_512_PUBLIC_KEY}\"\"\""),
        )),
    );
    m.config(
        "PayWay profile in EUR",
        "gateways.payway.currency",
        build(&format!("{payway_toml}currency = \"EUR\"\n")),
    );
    m.config(
        "PayWay checkout QR of an unknown kind",
        "gateways.payway.checkout_qr",
        build(&format!("{payway_toml}checkout_qr = \"bitcoin\"\n")),
    );
    m.config(
        "PayWay QR template outside PayWay's list",
        "gateways.payway.qr_image_template",
        build(&format!(
            "{payway_toml}checkout_qr = \"abapay_khqr\"\nqr_image_template = \"template9\"\n"
        )),
    );
    m.config(
        "PayWay QR template without checkout_qr",
        "gateways.payway.qr_image_template",
        build(&format!("{payway_toml}qr_image_template = \"template1\"\n")),
    );
    m.config(
        "Finpay without merchant_key",
        "gateways.finpay.merchant_key",
        build(&replace_setting(&finpay_toml, "merchant_key", "")),
    );
    m.config(
        "PayWay with an empty api_key",
        "gateways.payway.api_key",
        build(&replace_setting(&payway_toml, "api_key", "api_key = \"\"")),
    );
    m.config(
        "PayG without authentication_token",
        "gateways.payg.authentication_token",
        build(&replace_setting(&payg_toml, "authentication_token", "")),
    );
    m.config(
        "PayG merchant_key_id from an unset variable",
        "gateways.payg.merchant_key_id",
        build(&replace_setting(
            &payg_toml,
            "merchant_key_id",
            "merchant_key_id = \"env:PAYGATE_TEST_SURELY_UNSET_VARIABLE\"",
        )),
    );
    for (what, url) in [
        ("base URL that is not a URL", "https//missing-colon"),
        (
            "plain-http base URL to a public host",
            "http://finpay.example",
        ),
        (
            "base URL with credentials",
            "https://user:pw@finpay.example",
        ),
        ("base URL with a query", "https://finpay.example/?debug=1"),
        ("base URL with another scheme", "ftp://finpay.example"),
    ] {
        m.config(
            what,
            "gateways.finpay.environment",
            build(&replace_setting(
                &finpay_toml,
                "environment",
                &format!("environment = \"{url}\""),
            )),
        );
    }
    m.config(
        "unknown provider",
        "gateways.finpay.provider",
        build(&replace_setting(
            &finpay_toml,
            "provider",
            "provider = \"stripe\"",
        )),
    );
    m.config(
        "transport allowing no request in flight",
        "transport.max_in_flight",
        build(&format!("[transport]\nmax_in_flight = 0\n\n{finpay_toml}")),
    );

    // Check and print.
    let mut failures = Vec::new();
    println!("| input | class | field | message |\n|---|---|---|---|");
    for case in &m.cases {
        let (field, message) = match &case.result {
            Ok(()) => {
                failures.push(format!("{}: accepted", case.what));
                continue;
            }
            Err(e @ Error::InvalidInput { field, .. }) => (field.to_string(), e.to_string()),
            Err(e @ Error::Config { key, .. }) => (key.clone(), e.to_string()),
            Err(e) => {
                failures.push(format!("{}: wrong kind of error: {e}", case.what));
                continue;
            }
        };
        let class = case.result.as_ref().err().map(Error::class);
        println!(
            "| {} | {} | `{field}` | {} |",
            case.what,
            class.map_or("-", |c| c.name()),
            message.replace('|', "\\|")
        );
        if class != Some(case.class) {
            failures.push(format!(
                "{}: class {class:?}, expected {:?}",
                case.what, case.class
            ));
        }
        if field != case.field {
            failures.push(format!(
                "{}: field {field:?}, expected {:?}",
                case.what, case.field
            ));
        }
        if !message.contains(case.field) {
            failures.push(format!(
                "{}: message does not name the field: {message}",
                case.what
            ));
        }
    }
    assert!(m.cases.len() >= 30, "only {} cases", m.cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let received = sandbox.received();
    assert!(
        received.is_empty(),
        "the sandbox received {} requests: {:?}",
        received.len(),
        received.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
    println!("{} cases; the sandbox received nothing", m.cases.len());
    // The control: the same gateways do reach the sandbox with valid input.
    let unknown = payg.payment_status(&order("VAL12")).await.unwrap_err();
    assert_eq!(unknown.class(), ErrorClass::Provider, "{unknown}");
    assert_eq!(sandbox.received().len(), 1);
    sandbox.shutdown().await;
}
