//! Credentials and environment of one Finpay merchant.

use std::fmt;

use paygate_core::http::HeaderValue;
use paygate_core::secrecy::{ExposeSecret, SecretString};
use paygate_core::signing::HmacSha512Key;
use paygate_core::{Environment, Error, GatewayConfig, Result, Url};

use crate::sign::basic_authorization;

/// The sandbox ("development") base URL.
pub const SANDBOX_URL: &str = "https://devo.finnet.co.id";
/// The production base URL.
pub const PRODUCTION_URL: &str = "https://live.finnet.co.id";

/// The settings a `[gateways.<name>]` table of provider `finpay` may hold.
pub const SETTINGS: &[&str] = &["merchant_id", "merchant_key"];

/// One Finpay merchant: merchant id and merchant key (sandbox and production have different
/// ones), and where to send requests. The `Authorization` header and the callback HMAC key
/// are prepared once, here.
#[derive(Clone)]
pub struct FinpayConfig {
    pub(crate) merchant_id: String,
    pub(crate) authorization: HeaderValue,
    pub(crate) hmac: HmacSha512Key,
    pub(crate) base_url: Url,
    pub(crate) environment: Environment,
}

impl FinpayConfig {
    /// A merchant's configuration.
    pub fn new(
        merchant_id: impl Into<String>,
        merchant_key: &SecretString,
        environment: Environment,
    ) -> Result<FinpayConfig> {
        let merchant_id = merchant_id.into();
        if merchant_id.is_empty()
            || merchant_id.len() > 64
            || !merchant_id
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b':')
        {
            return Err(Error::config(
                "merchant_id",
                "must be 1-64 visible ASCII characters without ':'",
            ));
        }
        let key = merchant_key.expose_secret();
        if key.trim().is_empty() {
            return Err(Error::config("merchant_key", "must not be empty"));
        }
        let authorization = basic_authorization(&merchant_id, merchant_key)?;
        let sandbox =
            Url::parse(SANDBOX_URL).map_err(|e| Error::config("base_url", e.to_string()))?;
        let production =
            Url::parse(PRODUCTION_URL).map_err(|e| Error::config("base_url", e.to_string()))?;
        Ok(FinpayConfig {
            base_url: environment.base_url(&sandbox, &production),
            merchant_id,
            authorization,
            hmac: HmacSha512Key::new(key.as_bytes())?,
            environment,
        })
    }

    /// Reads a `[gateways.<name>]` table: `merchant_id` and `merchant_key`.
    pub fn from_gateway_config(config: &GatewayConfig) -> Result<FinpayConfig> {
        config.deny_unknown_keys(SETTINGS)?;
        let merchant_id = config.text("merchant_id")?;
        let merchant_key = config.secret("merchant_key")?;
        FinpayConfig::new(merchant_id, &merchant_key, config.environment().clone()).map_err(|e| {
            match e {
                Error::Config { key, reason } => Error::config(config.key_path(&key), reason),
                other => other,
            }
        })
    }

    /// The merchant id.
    pub fn merchant_id(&self) -> &str {
        &self.merchant_id
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }
}

impl fmt::Debug for FinpayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FinpayConfig")
            .field("merchant_id", &self.merchant_id)
            .field("merchant_key", &"[redacted]")
            .field("base_url", &self.base_url.as_str())
            .finish()
    }
}
