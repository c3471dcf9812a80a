//! PayWay: valid requests of every endpoint, signed (and `merchant_auth` encrypted) by hand.

use super::*;

pub(crate) fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

pub(crate) fn request_time() -> String {
    let format =
        paygate::time::macros::format_description!("[year][month][day][hour][minute][second]");
    paygate::time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap()
}

/// A field's text as PayWay hashes it: `""` when absent or `null`.
pub(crate) fn text(fields: &Fields, name: &str) -> String {
    match fields.get(name) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

pub(crate) struct Payway {
    pub(crate) sandbox: Sandbox,
    pub(crate) hmac: HmacSha512Key,
    pub(crate) merchant_id: String,
    pub(crate) rsa: MerchantAuthKey,
    pub(crate) http: reqwest::Client,
}

/// An answer: HTTP status and the provider's code.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Answer {
    pub(crate) http: u16,
    pub(crate) code: String,
}

impl Payway {
    pub(crate) fn new(sandbox: Sandbox) -> Payway {
        let credentials = sandbox.credentials().payway.clone();
        Payway {
            hmac: HmacSha512Key::new(credentials.api_key.as_bytes()).unwrap(),
            merchant_id: credentials.merchant_id.clone(),
            rsa: MerchantAuthKey::from_pem(PAYWAY_PUBLIC_KEY_PEM).unwrap(),
            http: reqwest::Client::new(),
            sandbox,
        }
    }

    pub(crate) fn signed(&self, mut fields: Fields, order: &[&str]) -> Fields {
        let values: Vec<String> = order.iter().map(|name| text(&fields, name)).collect();
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let hash = paygate::payway::sign::hash(&self.hmac, &values);
        fields.insert("hash".into(), Value::String(hash));
        fields
    }

    pub(crate) fn url(&self, endpoint: &str) -> String {
        format!(
            "{}{endpoint}",
            self.sandbox.url(Provider::Payway).trim_end_matches('/')
        )
    }

    pub(crate) async fn answer(response: reqwest::Response) -> Answer {
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

    pub(crate) async fn post_json(&self, endpoint: &str, fields: &Fields) -> Answer {
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
    pub(crate) async fn post_multipart(
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
    pub(crate) fn qr(&self, tran_id: &str) -> Fields {
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

    pub(crate) fn purchase(&self, tran_id: &str) -> Fields {
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

    pub(crate) fn link_plaintext(&self) -> Fields {
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
    pub(crate) fn spec(
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
    pub(crate) fn breaking_fields(
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

    pub(crate) fn encrypted(&self, plaintext: &Fields) -> String {
        self.rsa
            .encrypt(
                Value::Object(plaintext.clone()).to_string().as_bytes(),
                &paygate::clock::OsRandom,
            )
            .unwrap()
    }

    /// Sends the endpoint's valid request with `field` set to `value`.
    pub(crate) async fn send_breaking(
        &self,
        rule: &FieldRule,
        value: Option<String>,
        n: usize,
    ) -> Answer {
        if rule.endpoint.ends_with("/payment-link/create") {
            return self.link_create(Some(rule.field), value).await;
        }
        let fields = self.breaking_fields(rule.endpoint, rule.field, value, n);
        self.post_json(rule.endpoint, &fields).await
    }

    /// A payment link with an image; `field` (when given) set to `value`.
    pub(crate) async fn link_create(&self, field: Option<&str>, value: Option<String>) -> Answer {
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
