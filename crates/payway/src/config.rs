//! Credentials and environment of one PayWay merchant profile.

use std::fmt;

use paygate_core::secrecy::{ExposeSecret, SecretString};
use paygate_core::signing::HmacSha512Key;
use paygate_core::{Currency, Environment, Error, GatewayConfig, Result, Url};

use crate::ops::generate_qr::{QrImageTemplate, QrPaymentOption};
use crate::sign::MerchantAuthKey;

/// The sandbox base URL.
pub const SANDBOX_URL: &str = "https://checkout-sandbox.payway.com.kh";
/// The production base URL.
pub const PRODUCTION_URL: &str = "https://checkout.payway.com.kh";

/// The settings a `[gateways.<name>]` table of provider `payway` may hold.
pub const SETTINGS: &[&str] = &[
    "merchant_id",
    "api_key",
    "rsa_public_key",
    "currency",
    "require_webhook_signature",
    "checkout_qr",
    "qr_image_template",
];

/// One PayWay merchant profile: merchant id, API key (the HMAC key; PayWay's docs also call
/// it `public_key`), the RSA public key for `merchant_auth`, and where to send requests.
///
/// The HMAC key is prepared and the RSA key parsed once, here, never per call.
#[derive(Clone)]
pub struct PaywayConfig {
    pub(crate) merchant_id: String,
    pub(crate) hmac: HmacSha512Key,
    pub(crate) merchant_auth: Option<MerchantAuthKey>,
    pub(crate) base_url: Url,
    pub(crate) environment: Environment,
    pub(crate) currency: Currency,
    pub(crate) require_webhook_signature: bool,
    pub(crate) checkout_qr: Option<QrPaymentOption>,
    pub(crate) qr_image_template: QrImageTemplate,
}

impl PaywayConfig {
    /// A profile without an RSA key: everything but refund and pre-auth completion /
    /// cancellation works. Add the key with [`PaywayConfig::with_rsa_public_key_pem`].
    pub fn new(
        merchant_id: impl Into<String>,
        api_key: &SecretString,
        environment: Environment,
    ) -> Result<PaywayConfig> {
        let merchant_id = merchant_id.into();
        if merchant_id.is_empty()
            || merchant_id.len() > 20
            || !merchant_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(Error::config(
                "merchant_id",
                "must be 1-20 characters of letters, digits, '-' or '_'",
            ));
        }
        let key = api_key.expose_secret();
        if key.trim().is_empty() {
            return Err(Error::config("api_key", "must not be empty"));
        }
        let base_url = environment.base_url(&parse_url(SANDBOX_URL)?, &parse_url(PRODUCTION_URL)?);
        Ok(PaywayConfig {
            merchant_id,
            hmac: HmacSha512Key::new(key.as_bytes())?,
            merchant_auth: None,
            base_url,
            environment,
            currency: Currency::USD,
            require_webhook_signature: false,
            checkout_qr: None,
            qr_image_template: QrImageTemplate::DEFAULT,
        })
    }

    /// Adds the RSA public key PayWay issued for `merchant_auth` (SPKI `BEGIN PUBLIC KEY` or
    /// PKCS#1 `BEGIN RSA PUBLIC KEY` PEM, 1024 to 4096 bits).
    pub fn with_rsa_public_key_pem(mut self, pem: &str) -> Result<PaywayConfig> {
        self.merchant_auth = Some(MerchantAuthKey::from_pem(pem)?);
        Ok(self)
    }

    /// The profile's currency (USD unless set): PayWay reports no currency for unpaid
    /// transactions, so their amounts are read in this one.
    pub fn with_currency(mut self, currency: Currency) -> Result<PaywayConfig> {
        if currency != Currency::USD && currency != Currency::KHR {
            return Err(Error::config("currency", "PayWay profiles are USD or KHR"));
        }
        self.currency = currency;
        Ok(self)
    }

    /// Rejects pushbacks without an `X-PAYWAY-HMAC-SHA512` header (off by default: PayWay's
    /// legacy and payment-link pushbacks carry none).
    pub fn require_webhook_signature(mut self, required: bool) -> PaywayConfig {
        self.require_webhook_signature = required;
        self
    }

    /// Makes the unified `create_payment` answer with a QR the app shows itself (the QR API,
    /// [`crate::PaywayClient::generate_qr`]) instead of PayWay's checkout page: the next action
    /// is `ShowQr` with the payload, PayWay's drawn image and ABA Mobile's deep link.
    pub fn with_checkout_qr(mut self, option: QrPaymentOption) -> PaywayConfig {
        self.checkout_qr = Some(option);
        self
    }

    /// The frame PayWay draws around the QRs of `create_payment` (default `template1`, PayWay's).
    pub fn with_qr_image_template(mut self, template: QrImageTemplate) -> PaywayConfig {
        self.qr_image_template = template;
        self
    }

    /// The frame of `create_payment`'s QRs.
    pub fn qr_image_template(&self) -> QrImageTemplate {
        self.qr_image_template
    }

    /// The QR `create_payment` answers with, if set ([`PaywayConfig::with_checkout_qr`]).
    pub fn checkout_qr(&self) -> Option<QrPaymentOption> {
        self.checkout_qr
    }

    /// Reads a `[gateways.<name>]` table: `merchant_id`, `api_key`, optional
    /// `rsa_public_key` (PEM text, usually `file:…`), `currency` (`USD`/`KHR`),
    /// `require_webhook_signature` (`true`/`false`), `checkout_qr` (`abapay_khqr`, `abapay`,
    /// `wechat` or `alipay`: see [`PaywayConfig::with_checkout_qr`]) and `qr_image_template`
    /// (one of [`QrImageTemplate::ALL`]'s names).
    pub fn from_gateway_config(config: &GatewayConfig) -> Result<PaywayConfig> {
        config.deny_unknown_keys(SETTINGS)?;
        let at = |key: &str, e: Error| match e {
            Error::Config { reason, .. } => Error::config(config.key_path(key), reason),
            other => other,
        };
        let merchant_id = config.text("merchant_id")?;
        let api_key = config.secret("api_key")?;
        let mut payway = PaywayConfig::new(merchant_id, &api_key, config.environment().clone())
            .map_err(|e| match &e {
                Error::Config { key, .. } if key == "api_key" => at("api_key", e),
                _ => at("merchant_id", e),
            })?;
        if let Some(pem) = config.optional_secret("rsa_public_key")? {
            payway = payway
                .with_rsa_public_key_pem(pem.expose_secret())
                .map_err(|e| at("rsa_public_key", e))?;
        }
        if let Some(code) = config.optional_text("currency")? {
            let currency = Currency::from_code(&code)
                .map_err(|e| Error::config(config.key_path("currency"), e.to_string()))?;
            payway = payway
                .with_currency(currency)
                .map_err(|e| at("currency", e))?;
        }
        if let Some(flag) = config.optional_text("require_webhook_signature")? {
            let required = match flag.as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    return Err(Error::config(
                        config.key_path("require_webhook_signature"),
                        "must be true or false",
                    ));
                }
            };
            payway = payway.require_webhook_signature(required);
        }
        if let Some(name) = config.optional_text("checkout_qr")? {
            let option = QrPaymentOption::from_name(&name).ok_or_else(|| {
                Error::config(
                    config.key_path("checkout_qr"),
                    "must be abapay_khqr, abapay, wechat or alipay",
                )
            })?;
            payway = payway.with_checkout_qr(option);
        }
        if let Some(name) = config.optional_text("qr_image_template")? {
            let template = QrImageTemplate::from_name(&name).map_err(|_| {
                Error::config(
                    config.key_path("qr_image_template"),
                    format!("must be one of {}", QrImageTemplate::names()),
                )
            })?;
            if payway.checkout_qr.is_none() {
                return Err(Error::config(
                    config.key_path("qr_image_template"),
                    "frames the QRs of checkout_qr; set checkout_qr too, or remove it",
                ));
            }
            payway = payway.with_qr_image_template(template);
        }
        Ok(payway)
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

    /// The profile's currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub(crate) fn merchant_auth_key(&self, field: &'static str) -> Result<&MerchantAuthKey> {
        self.merchant_auth.as_ref().ok_or_else(|| {
            Error::config(
                "rsa_public_key",
                format!("{field} needs the RSA public key PayWay issues for merchant_auth; configure rsa_public_key"),
            )
        })
    }
}

fn parse_url(text: &str) -> Result<Url> {
    Url::parse(text).map_err(|e| Error::config("base_url", e.to_string()))
}

impl fmt::Debug for PaywayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaywayConfig")
            .field("merchant_id", &self.merchant_id)
            .field("api_key", &"[redacted]")
            .field("merchant_auth", &self.merchant_auth)
            .field("base_url", &self.base_url.as_str())
            .field("currency", &self.currency)
            .field("require_webhook_signature", &self.require_webhook_signature)
            .field("checkout_qr", &self.checkout_qr)
            .field("qr_image_template", &self.qr_image_template)
            .finish()
    }
}
