//! PayG as one simulated provider: its credentials, TOML, faults and sample.

use paygate_core::Checkout;

use super::*;
use crate::Credentials;
use crate::delivery::DeliveryPolicy;
use crate::simulated::{SampleOrder, SimulatedProvider};

/// What the simulator accepts as PayG's credentials.
#[derive(Clone)]
pub struct PaygCredentials {
    /// Authentication key.
    pub authentication_key: String,
    /// Authentication token.
    pub authentication_token: String,
    /// Merchant key id.
    pub merchant_key_id: String,
    /// The MID (an identifier, not a secret), required by Refund and RefundStatus.
    pub mid: String,
}

impl Default for PaygCredentials {
    fn default() -> Self {
        PaygCredentials {
            authentication_key: "0123456789abcdef0123456789abcdef".into(),
            authentication_token: "fedcba9876543210fedcba9876543210".into(),
            merchant_key_id: "9001".into(),
            mid: "SANDBOXMID9001".into(),
        }
    }
}

impl PaygCredentials {
    /// Recognisable values for leak tests (see `Credentials::canary`).
    pub fn canary() -> Self {
        PaygCredentials {
            authentication_key: "pg-CANARY-auth-key-7b0f".into(),
            authentication_token: "pg-CANARY-auth-token-e815".into(),
            merchant_key_id: "9001".into(),
            mid: "SANDBOXMID9001".into(),
        }
    }
}

impl std::fmt::Debug for PaygCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaygCredentials")
            .field("merchant_key_id", &self.merchant_key_id)
            .field("mid", &self.mid)
            .finish_non_exhaustive()
    }
}

/// PayG, simulated.
pub(crate) struct PaygSim;

impl SimulatedProvider for PaygSim {
    fn name(&self) -> &'static str {
        "payg"
    }

    fn brand(&self) -> &'static str {
        "PayG"
    }

    fn mount_path(&self) -> &'static str {
        "/payg/payment/api/order"
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
        super::errors(
            http,
            rule.refusal.code,
            rule.refusal.message,
            Some(rule.field),
        )
    }

    fn currency_digits(&self, currency: &str) -> Option<u32> {
        matches!(currency, "INR").then_some(2)
    }

    fn payment_method(&self) -> &'static str {
        "Upi"
    }

    fn webhook(&self, shared: &Shared, order: &SimOrder) -> SimulatedWebhook {
        webhook(shared, order)
    }

    fn settings_toml(&self, credentials: &Credentials) -> String {
        let c = &credentials.payg;
        format!(
            "authentication_key = \"{}\"\nauthentication_token = \"{}\"\nmerchant_key_id = \"{}\"\nmid = \"{}\"\n",
            c.authentication_key, c.authentication_token, c.merchant_key_id, c.mid
        )
    }

    /// The key and token, and the Basic credentials built from them.
    fn secret_forms(&self, credentials: &Credentials) -> Vec<String> {
        let c = &credentials.payg;
        vec![
            c.authentication_key.clone(),
            c.authentication_token.clone(),
            BASE64.encode(format!(
                "{}:{}:M:{}",
                c.authentication_key, c.authentication_token, c.merchant_key_id
            )),
        ]
    }

    fn rate_limited(&self) -> (StatusCode, serde_json::Value) {
        (
            StatusCode::TOO_MANY_REQUESTS,
            serde_json::json!([{"Code": "429", "Message": "Too many request for rate limiting."}]),
        )
    }

    fn unrecognised_code(&self) -> serde_json::Value {
        serde_json::json!({"Code": "0", "Message": "Success"})
    }

    /// `OrderKeyId` and `UniqueRequestId`.
    fn about_another_order(&self, answer: &mut serde_json::Value, order_id: &str) {
        if let Some(order) = answer.as_object_mut() {
            for key in ["OrderKeyId", "UniqueRequestId"] {
                if order.contains_key(key) {
                    order.insert(key.into(), order_id.into());
                }
            }
        }
    }

    /// PayG's postback URL is an account setting (its dashboard's "Webhook URL"), not given
    /// per order; it documents no retry policy or expected answer: one attempt, acknowledged
    /// by any 2xx.
    fn delivery_policy(&self) -> DeliveryPolicy {
        DeliveryPolicy {
            per_order: false,
            retry_waits: &[],
            acknowledged: crate::delivery::any_success,
            answer_within: crate::delivery::DEFAULT_ANSWER_WITHIN,
            // PayG posts the order object to the postback URL; an integrator's handler
            // (Paymentz's PayGBackEndServlet) branches on "Declined"/"Failed", so the
            // simulator assumes a declined payment is posted too.
            notifies_declined: true,
        }
    }

    /// PayG's order object carries no refunded amount.
    fn sample(&self) -> SampleOrder {
        SampleOrder {
            currency: "INR",
            total: "100.00",
            part: "30.00",
            rest: "70.00",
            reports_refunded_amount: false,
        }
    }

    /// PayG keys orders by its own `OrderKeyId`, the checkout's provider reference.
    fn ledger_id(&self, checkout: &Checkout) -> Option<String> {
        checkout.provider_reference.clone()
    }
}
