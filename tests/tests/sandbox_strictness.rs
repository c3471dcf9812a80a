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

mod strictness;

use strictness::json::*;
use strictness::payway::*;
use strictness::render::*;
use strictness::sdk::*;
use strictness::*;

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
