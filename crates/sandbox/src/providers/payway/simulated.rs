//! PayWay as one simulated provider: its credentials, key pair, TOML, faults and sample.

use std::sync::LazyLock;

use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;

use super::*;
use crate::delivery::DeliveryPolicy;
use crate::simulated::{SampleOrder, SimulatedProvider};
use crate::{Credentials, SandboxError};

/// The simulator's own RSA public key: what it hands clients as PayWay's `merchant_auth` key.
pub const PAYWAY_PUBLIC_KEY_PEM: &str = include_str!("../../../keys/sandbox_public_key.pem");
const PAYWAY_PRIVATE_KEY_PEM: &str = include_str!("../../../keys/sandbox_private_key.pem");

/// The simulator's private key, loaded once; [`SimulatedProvider::check`] makes a bad key
/// fail at start.
static PRIVATE_KEY: LazyLock<Result<RsaPrivateKey, String>> = LazyLock::new(|| {
    RsaPrivateKey::from_pkcs8_pem(PAYWAY_PRIVATE_KEY_PEM).map_err(|e| e.to_string())
});

/// The private key `merchant_auth` is decrypted with.
pub(super) fn private_key() -> Option<&'static RsaPrivateKey> {
    PRIVATE_KEY.as_ref().ok()
}

/// What the simulator accepts as PayWay's credentials (the RSA key is the simulator's own,
/// [`PAYWAY_PUBLIC_KEY_PEM`]).
#[derive(Clone)]
pub struct PaywayCredentials {
    /// Merchant id.
    pub merchant_id: String,
    /// API key (the HMAC key).
    pub api_key: String,
}

impl Default for PaywayCredentials {
    fn default() -> Self {
        PaywayCredentials {
            merchant_id: "sandbox01".into(),
            api_key: "sandbox-payway-api-key".into(),
        }
    }
}

impl PaywayCredentials {
    /// Recognisable values for leak tests (see `Credentials::canary`).
    pub fn canary() -> Self {
        PaywayCredentials {
            merchant_id: "shopmerchant".into(),
            api_key: "pw-CANARY-api-key-93d2".into(),
        }
    }
}

impl std::fmt::Debug for PaywayCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaywayCredentials")
            .field("merchant_id", &self.merchant_id)
            .finish_non_exhaustive()
    }
}

/// PayWay, simulated.
pub(crate) struct PaywaySim;

impl SimulatedProvider for PaywaySim {
    fn name(&self) -> &'static str {
        "payway"
    }

    fn brand(&self) -> &'static str {
        "ABA PayWay"
    }

    fn mount_path(&self) -> &'static str {
        "/payway"
    }

    fn routes(&self) -> Router<Arc<Shared>> {
        routes()
    }

    fn check(&self) -> Result<(), SandboxError> {
        PRIVATE_KEY
            .as_ref()
            .map(drop)
            .map_err(|e| SandboxError::Key(e.clone()))
    }

    fn strictness_rules(&self) -> &'static [crate::strictness::FieldRule] {
        super::strictness::RULES
    }

    fn strict_fields(
        &self,
        shared: &Shared,
        endpoint: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Option<serde_json::Value> {
        super::verify::strict_fields(shared, endpoint, headers, body)
    }

    fn strict_refusal(&self, rule: &crate::strictness::FieldRule) -> Response {
        super::verify::strict_refusal(rule)
    }

    fn currency_digits(&self, currency: &str) -> Option<u32> {
        match currency {
            "USD" => Some(2),
            "KHR" => Some(0),
            _ => None,
        }
    }

    fn payment_method(&self) -> &'static str {
        "ABA Pay"
    }

    fn webhook(&self, shared: &Shared, order: &SimOrder) -> SimulatedWebhook {
        webhook::webhook(shared, order)
    }

    fn settings_toml(&self, credentials: &Credentials) -> String {
        let c = &credentials.payway;
        format!(
            "merchant_id = \"{}\"\napi_key = \"{}\"\nrsa_public_key = \"\"\"\n{}\"\"\"\n",
            c.merchant_id,
            c.api_key,
            PAYWAY_PUBLIC_KEY_PEM.trim_end()
        )
    }

    /// The API key, and the body lines of the RSA key.
    fn secret_forms(&self, credentials: &Credentials) -> Vec<String> {
        let mut forms = vec![credentials.payway.api_key.clone()];
        forms.extend(
            PAYWAY_PUBLIC_KEY_PEM
                .lines()
                .filter(|line| !line.starts_with("-----") && line.len() > 16)
                .map(str::to_owned),
        );
        forms
    }

    /// HTTP 403 with code 429.
    fn rate_limited(&self) -> (StatusCode, serde_json::Value) {
        (
            StatusCode::FORBIDDEN,
            serde_json::json!({"status": {"code": 429, "message": "Rate limit exceeded for this request. Please try again later", "tran_id": ""}}),
        )
    }

    fn unrecognised_code(&self) -> serde_json::Value {
        serde_json::json!({"status": {"code": "0", "message": "Success!"}})
    }

    /// `status.tran_id`, and `currency` swapped between USD and KHR.
    fn about_another_order(&self, answer: &mut serde_json::Value, order_id: &str) {
        if let Some(status) = answer.get_mut("status").and_then(|s| s.as_object_mut()) {
            status.insert("tran_id".into(), order_id.into());
        }
        if let Some(currency) = answer.get_mut("currency") {
            let swapped = if currency.as_str() == Some("KHR") {
                "USD"
            } else {
                "KHR"
            };
            *currency = swapped.into();
        }
    }

    /// PayWay sends its pushback once: a live payment-link pushback "fired once, with no
    /// retries after a 200 acknowledgement" (the provider research, §5 Pushback). How long it
    /// waits is documented nowhere we found: the sandbox gives up after 5 s, an assumption
    /// (short, as gateways that send once tend to be), so that a receiver slower than that
    /// is seen to lose the pushback.
    fn delivery_policy(&self) -> DeliveryPolicy {
        DeliveryPolicy {
            per_order: true,
            retry_waits: &[],
            acknowledged: |status, _| status == 200,
            answer_within: std::time::Duration::from_secs(5),
            // PayWay documents its pushback for a successful payment ("payment success
            // pushback notification"), and none for a closed transaction.
            notifies_declined: false,
        }
    }

    fn sample(&self) -> SampleOrder {
        SampleOrder {
            currency: "USD",
            total: "10.00",
            part: "3.00",
            rest: "7.00",
            reports_refunded_amount: true,
        }
    }
}
