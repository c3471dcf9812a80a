//! Finpay as one simulated provider: its credentials, TOML, faults and sample.

use super::*;
use crate::Credentials;
use crate::delivery::DeliveryPolicy;
use crate::simulated::{SampleOrder, SimulatedProvider};

/// What the simulator accepts as Finpay's credentials.
#[derive(Clone)]
pub struct FinpayCredentials {
    /// Merchant id (the Basic user name).
    pub merchant_id: String,
    /// Merchant key (the Basic password and the callback's HMAC key).
    pub merchant_key: String,
}

impl Default for FinpayCredentials {
    fn default() -> Self {
        FinpayCredentials {
            merchant_id: "SANDBOX01".into(),
            merchant_key: "sandbox-finpay-merchant-key".into(),
        }
    }
}

impl FinpayCredentials {
    /// Recognisable values for leak tests (see `Credentials::canary`).
    pub fn canary() -> Self {
        FinpayCredentials {
            merchant_id: "MID0001".into(),
            merchant_key: "fp-CANARY-merchant-key-4c1e".into(),
        }
    }
}

impl std::fmt::Debug for FinpayCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FinpayCredentials")
            .field("merchant_id", &self.merchant_id)
            .finish_non_exhaustive()
    }
}

/// Finpay, simulated.
pub(crate) struct FinpaySim;

impl SimulatedProvider for FinpaySim {
    fn name(&self) -> &'static str {
        "finpay"
    }

    fn brand(&self) -> &'static str {
        "Finpay"
    }

    fn mount_path(&self) -> &'static str {
        "/finpay"
    }

    fn routes(&self) -> Router<Arc<Shared>> {
        routes()
    }

    fn strictness_rules(&self) -> &'static [crate::strictness::FieldRule] {
        super::strictness::RULES
    }

    fn strict_fields(
        &self,
        shared: &Shared,
        _endpoint: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Option<serde_json::Value> {
        if !super::authorized(shared, headers) {
            return None;
        }
        serde_json::from_slice(body).ok()
    }

    fn strict_refusal(&self, rule: &crate::strictness::FieldRule) -> axum::response::Response {
        let http = StatusCode::from_u16(rule.refusal.http).unwrap_or(StatusCode::BAD_REQUEST);
        super::answer(
            http,
            rule.refusal.code,
            &format!("{} {}", rule.refusal.message, rule.field),
        )
    }

    fn currency_digits(&self, currency: &str) -> Option<u32> {
        matches!(currency, "IDR").then_some(0)
    }

    fn payment_method(&self) -> &'static str {
        "cc"
    }

    fn webhook(&self, shared: &Shared, order: &SimOrder) -> SimulatedWebhook {
        webhook(shared, order)
    }

    fn settings_toml(&self, credentials: &Credentials) -> String {
        let c = &credentials.finpay;
        format!(
            "merchant_id = \"{}\"\nmerchant_key = \"{}\"\n",
            c.merchant_id, c.merchant_key
        )
    }

    /// The key, and the Basic credentials built from it.
    fn secret_forms(&self, credentials: &Credentials) -> Vec<String> {
        let c = &credentials.finpay;
        vec![
            c.merchant_key.clone(),
            BASE64.encode(format!("{}:{}", c.merchant_id, c.merchant_key)),
        ]
    }

    fn rate_limited(&self) -> (StatusCode, serde_json::Value) {
        (
            StatusCode::TOO_MANY_REQUESTS,
            serde_json::json!({"responseCode": "4290000", "responseMessage": "Too Many Requests"}),
        )
    }

    /// "Request In Progress", a code Finpay's documentation does not list.
    fn unrecognised_code(&self) -> serde_json::Value {
        serde_json::json!({"responseCode": "2020000", "responseMessage": "Request In Progress"})
    }

    /// `data.order.id`.
    fn about_another_order(&self, answer: &mut serde_json::Value, order_id: &str) {
        if let Some(order) = answer
            .pointer_mut("/data/order")
            .and_then(|o| o.as_object_mut())
        {
            order.insert("id".into(), order_id.into());
        }
    }

    /// Finpay defines the acknowledgement its callback expects (`responseCode` `2000000`)
    /// but documents no resend schedule or answer deadline (docs.finpay.id, "Notification
    /// Callback"; the provider research: "Retry policy, timeouts, source IPs:
    /// undocumented"). The simulator assumes the schedule an Indonesian peer documents,
    /// DOKU's (developers.doku.com, "Retry Notification"): three resends, 30 min, 6 h and
    /// 12 h after the first attempt, until a 2xx answer whose `responseCode` is `"2000000"`;
    /// 10 s for each answer. `Sandbox::compress_delivery_schedule` shortens it for tests.
    fn delivery_policy(&self) -> DeliveryPolicy {
        DeliveryPolicy {
            per_order: true,
            retry_waits: &FINPAY_RETRY_WAITS,
            acknowledged: |status, body| {
                (200..300).contains(&status)
                    && serde_json::from_slice::<serde_json::Value>(body)
                        .ok()
                        .and_then(|v| {
                            v.get("responseCode")
                                .and_then(|c| c.as_str().map(str::to_owned))
                        })
                        .as_deref()
                        == Some("2000000")
            },
            answer_within: crate::delivery::DEFAULT_ANSWER_WITHIN,
            // Finpay's documents do not list the events its callback reports; integrators'
            // callback handlers map FAILED, EXPIRED and CANCELED besides PAID, so the
            // simulator assumes a declined payment is notified.
            notifies_declined: true,
        }
    }

    fn sample(&self) -> SampleOrder {
        SampleOrder {
            currency: "IDR",
            total: "150000",
            part: "45000",
            rest: "105000",
            reports_refunded_amount: false,
        }
    }
}

/// Finpay's assumed resend waits, each from the attempt before: resends 30 min, 6 h and 12 h
/// after the first attempt (see `delivery_policy`).
const FINPAY_RETRY_WAITS: [std::time::Duration; 3] = [
    std::time::Duration::from_secs(30 * 60),
    std::time::Duration::from_secs(5 * 3600 + 30 * 60),
    std::time::Duration::from_secs(6 * 3600),
];
