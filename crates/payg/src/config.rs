//! Credentials, API generation and environment of one PayG merchant.

use std::fmt;

use paygate_core::http::HeaderValue;
use paygate_core::secrecy::{ExposeSecret, SecretString};
use paygate_core::{Environment, Error, GatewayConfig, Result, Url};

use crate::sign::authorization;

/// v1 UAT base URL.
pub const V1_UAT_URL: &str = "https://uatapi.payg.in/payment/api/order";
/// v1 production base URL.
pub const V1_PRODUCTION_URL: &str = "https://paygapi.payg.in/payment/api/order";
/// v2 UAT base URL.
pub const V2_UAT_URL: &str = "https://uatapiv2.payg.in/payment/api/order";
/// v2 production base URL.
pub const V2_PRODUCTION_URL: &str = "https://apiv2.payg.in/payment/api/order";

/// The settings a `[gateways.<name>]` table of provider `payg` may hold.
pub const SETTINGS: &[&str] = &[
    "authentication_key",
    "authentication_token",
    "merchant_key_id",
    "mid",
    "api_version",
    "authorization_id",
];

/// PayG's two API generations: they differ in host and merchant identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `uatapi` / `paygapi` hosts, `MerchantKeyId`.
    #[default]
    V1,
    /// `uatapiv2` / `apiv2` hosts, `MID` (alphanumeric) as well.
    V2,
}

/// Which id completes the `Authorization` value `key:token:M:<id>`. The user's refund
/// document says `MerchantKeyId` (the default); newer v2 pages say `MID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthorizationId {
    /// `MerchantKeyId`.
    #[default]
    MerchantKeyId,
    /// `MID`.
    Mid,
}

/// One PayG merchant: authentication key and token, merchant key id (numeric), MID (v2),
/// the API generation, and where to send requests. The `Authorization` header is built once.
#[derive(Clone)]
pub struct PaygConfig {
    pub(crate) merchant_key_id: String,
    pub(crate) mid: Option<String>,
    pub(crate) version: ApiVersion,
    pub(crate) authorization: HeaderValue,
    pub(crate) base_url: Url,
}

impl PaygConfig {
    /// A merchant's configuration, authorizing with `MerchantKeyId`.
    pub fn new(
        authentication_key: &SecretString,
        authentication_token: &SecretString,
        merchant_key_id: impl Into<String>,
        mid: Option<String>,
        version: ApiVersion,
        environment: &Environment,
    ) -> Result<PaygConfig> {
        PaygConfig::with_authorization_id(
            authentication_key,
            authentication_token,
            merchant_key_id,
            mid,
            version,
            environment,
            AuthorizationId::MerchantKeyId,
        )
    }

    /// As [`PaygConfig::new`], choosing the id the `Authorization` value ends with.
    pub fn with_authorization_id(
        authentication_key: &SecretString,
        authentication_token: &SecretString,
        merchant_key_id: impl Into<String>,
        mid: Option<String>,
        version: ApiVersion,
        environment: &Environment,
        authorization_id: AuthorizationId,
    ) -> Result<PaygConfig> {
        let merchant_key_id = merchant_key_id.into();
        if merchant_key_id.is_empty()
            || merchant_key_id.len() > 18
            || !merchant_key_id.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(Error::config(
                "merchant_key_id",
                "must be the numeric MerchantKeyId",
            ));
        }
        if let Some(mid) = &mid
            && (mid.is_empty() || mid.len() > 40 || !mid.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return Err(Error::config("mid", "must be the alphanumeric MID"));
        }
        if version == ApiVersion::V2 && mid.is_none() {
            return Err(Error::config("mid", "API v2 needs the MID"));
        }
        for (field, secret) in [
            ("authentication_key", authentication_key),
            ("authentication_token", authentication_token),
        ] {
            let s = secret.expose_secret();
            if s.is_empty() || s.contains(':') || !s.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::config(
                    field,
                    "must be non-empty visible ASCII without ':'",
                ));
            }
        }
        let id = match authorization_id {
            AuthorizationId::MerchantKeyId => merchant_key_id.as_str(),
            AuthorizationId::Mid => mid
                .as_deref()
                .ok_or_else(|| Error::config("authorization_id", "\"mid\" needs the MID"))?,
        };
        let authorization = authorization(authentication_key, authentication_token, id)?;
        let (uat, production) = match version {
            ApiVersion::V1 => (V1_UAT_URL, V1_PRODUCTION_URL),
            ApiVersion::V2 => (V2_UAT_URL, V2_PRODUCTION_URL),
        };
        let parse = |u: &str| Url::parse(u).map_err(|e| Error::config("base_url", e.to_string()));
        Ok(PaygConfig {
            merchant_key_id,
            mid,
            version,
            authorization,
            base_url: environment.base_url(&parse(uat)?, &parse(production)?),
        })
    }

    /// The MID, which PayG's Refund and RefundStatus require (the user's refund document
    /// marks it required on both): a configuration error, before anything is sent, without it.
    pub fn refund_mid(&self) -> Result<&str> {
        self.mid.as_deref().ok_or_else(|| {
            Error::config(
                "mid",
                "PayG's Refund and RefundStatus require the MID (from the PayG dashboard)",
            )
        })
    }

    /// Reads a `[gateways.<name>]` table: `authentication_key`, `authentication_token`,
    /// `merchant_key_id`, optional `mid`, `api_version` (`v1` default, or `v2`) and
    /// `authorization_id` (`merchant_key_id` default, or `mid`).
    pub fn from_gateway_config(config: &GatewayConfig) -> Result<PaygConfig> {
        config.deny_unknown_keys(SETTINGS)?;
        let at = |key: &str| config.key_path(key);
        let version = match config.optional_text("api_version")?.as_deref() {
            None | Some("v1") => ApiVersion::V1,
            Some("v2") => ApiVersion::V2,
            Some(_) => return Err(Error::config(at("api_version"), "must be \"v1\" or \"v2\"")),
        };
        let authorization_id = match config.optional_text("authorization_id")?.as_deref() {
            None | Some("merchant_key_id") => AuthorizationId::MerchantKeyId,
            Some("mid") => AuthorizationId::Mid,
            Some(_) => {
                return Err(Error::config(
                    at("authorization_id"),
                    "must be \"merchant_key_id\" or \"mid\"",
                ));
            }
        };
        PaygConfig::with_authorization_id(
            &config.secret("authentication_key")?,
            &config.secret("authentication_token")?,
            config.text("merchant_key_id")?,
            config.optional_text("mid")?,
            version,
            config.environment(),
            authorization_id,
        )
        .map_err(|e| match e {
            Error::Config { key, reason } => Error::config(at(&key), reason),
            other => other,
        })
    }

    /// The MerchantKeyId.
    pub fn merchant_key_id(&self) -> &str {
        &self.merchant_key_id
    }

    /// The MID, if configured.
    pub fn mid(&self) -> Option<&str> {
        self.mid.as_deref()
    }

    /// The API generation.
    pub fn version(&self) -> ApiVersion {
        self.version
    }

    /// The base URL (`…/payment/api/order`).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }
}

impl fmt::Debug for PaygConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaygConfig")
            .field("merchant_key_id", &self.merchant_key_id)
            .field("mid", &self.mid)
            .field("version", &self.version)
            .field("authentication_key", &"[redacted]")
            .field("authentication_token", &"[redacted]")
            .field("base_url", &self.base_url.as_str())
            .finish()
    }
}
