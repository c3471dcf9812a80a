//! The credentials the simulator accepts and its own RSA key pair (fixed test values, not
//! secrets).

/// The simulator's own RSA public key: what it hands clients as PayWay's `merchant_auth` key.
pub const PAYWAY_PUBLIC_KEY_PEM: &str = include_str!("../keys/sandbox_public_key.pem");
pub(crate) const PAYWAY_PRIVATE_KEY_PEM: &str = include_str!("../keys/sandbox_private_key.pem");

/// The credentials the simulator accepts. The defaults are fixed, documented test values —
/// not secrets.
#[derive(Clone)]
pub struct Credentials {
    /// Finpay merchant id.
    pub finpay_merchant_id: String,
    /// Finpay merchant key.
    pub finpay_merchant_key: String,
    /// PayWay merchant id.
    pub payway_merchant_id: String,
    /// PayWay API key (HMAC key).
    pub payway_api_key: String,
    /// PayG authentication key.
    pub payg_authentication_key: String,
    /// PayG authentication token.
    pub payg_authentication_token: String,
    /// PayG merchant key id.
    pub payg_merchant_key_id: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            finpay_merchant_id: "SANDBOX01".into(),
            finpay_merchant_key: "sandbox-finpay-merchant-key".into(),
            payway_merchant_id: "sandbox01".into(),
            payway_api_key: "sandbox-payway-api-key".into(),
            payg_authentication_key: "0123456789abcdef0123456789abcdef".into(),
            payg_authentication_token: "fedcba9876543210fedcba9876543210".into(),
            payg_merchant_key_id: "9001".into(),
        }
    }
}

impl Credentials {
    /// Recognisable secrets for leak tests: every secret value contains `CANARY`, so any
    /// appearance of one in logs, errors or output is unmistakable.
    pub fn canary() -> Credentials {
        Credentials {
            finpay_merchant_id: "MID0001".into(),
            finpay_merchant_key: "fp-CANARY-merchant-key-4c1e".into(),
            payway_merchant_id: "shopmerchant".into(),
            payway_api_key: "pw-CANARY-api-key-93d2".into(),
            payg_authentication_key: "pg-CANARY-auth-key-7b0f".into(),
            payg_authentication_token: "pg-CANARY-auth-token-e815".into(),
            payg_merchant_key_id: "9001".into(),
        }
    }

    /// Every secret, in each form it could leak in: the literal values, the Basic
    /// `Authorization` credentials built from them (Finpay, PayG), and the body lines of the
    /// PayWay RSA key. Merchant ids are not secret and are not listed.
    pub fn secret_forms(&self) -> Vec<String> {
        use base64::Engine as _;
        let basic = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
        let mut forms = vec![
            self.finpay_merchant_key.clone(),
            self.payway_api_key.clone(),
            self.payg_authentication_key.clone(),
            self.payg_authentication_token.clone(),
            basic(format!(
                "{}:{}",
                self.finpay_merchant_id, self.finpay_merchant_key
            )),
            basic(format!(
                "{}:{}:M:{}",
                self.payg_authentication_key,
                self.payg_authentication_token,
                self.payg_merchant_key_id
            )),
        ];
        forms.extend(
            PAYWAY_PUBLIC_KEY_PEM
                .lines()
                .filter(|line| !line.starts_with("-----") && line.len() > 16)
                .map(str::to_owned),
        );
        forms
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("finpay_merchant_id", &self.finpay_merchant_id)
            .field("payway_merchant_id", &self.payway_merchant_id)
            .field("payg_merchant_key_id", &self.payg_merchant_key_id)
            .finish_non_exhaustive()
    }
}
