//! Gateway configuration as providers read it: environment, settings, and secrets given
//! literally, as `env:VAR` or as `file:PATH`. Errors name the table and key, never a value.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use url::{Host, Url};

use crate::error::{Error, Result};

/// Where a gateway sends its requests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// The provider's test system.
    Sandbox,
    /// The provider's live system: real money.
    Production,
    /// Another base URL: a proxy, or a simulator such as `paygate-sandbox`.
    Custom(Url),
}

impl Environment {
    /// Reads `sandbox`, `production` or a base URL (see [`validate_base_url`]).
    pub fn parse(text: &str) -> std::result::Result<Environment, String> {
        match text.trim() {
            "sandbox" => Ok(Environment::Sandbox),
            "production" => Ok(Environment::Production),
            other if other.contains("://") => {
                let url = Url::parse(other).map_err(|e| format!("not a URL: {e}"))?;
                validate_base_url(&url).map(Environment::Custom)
            }
            _ => Err("expected \"sandbox\", \"production\" or a base URL like https://host".into()),
        }
    }

    /// The base URL for this environment, given the provider's two.
    pub fn base_url(&self, sandbox: &Url, production: &Url) -> Url {
        match self {
            Environment::Sandbox => sandbox.clone(),
            Environment::Production => production.clone(),
            Environment::Custom(url) => url.clone(),
        }
    }
}

impl FromStr for Environment {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Environment::parse(s).map_err(|reason| Error::config("environment", reason))
    }
}

// Hidden: the provider configs' check of a base URL.
#[doc(hidden)]
/// Checks a custom base URL: `https`, or plain `http` only to a loopback address (a local
/// simulator); no credentials, query or fragment.
pub fn validate_base_url(url: &Url) -> std::result::Result<Url, String> {
    https_or_loopback(url)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err("the URL must not have a query or fragment".into());
    }
    Ok(url.clone())
}

// Hidden: the sandbox's and the CLI's check of where they may connect.
#[doc(hidden)]
/// Whether `url`'s host is this machine's loopback (`127.0.0.0/8`, `::1`, `localhost`).
pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `https`, or plain `http` only to a loopback address; a host; no credentials.
fn https_or_loopback(url: &Url) -> std::result::Result<(), String> {
    if url.host().is_none() {
        return Err(format!("{} has no host", url.scheme()));
    }
    let loopback = is_loopback_host(url);
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(
                "plain http is allowed only to a loopback address (127.0.0.1, ::1, localhost); use https"
                    .into(),
            );
        }
        other => return Err(format!("scheme {other:?} is not https")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL must not carry credentials".into());
    }
    Ok(())
}

// Hidden: CreatePayment::validate and the provider crates check merchant URLs with it.
#[doc(hidden)]
/// Checks a URL the merchant gives a provider (return, cancel, callback): `https`, or plain
/// `http` only to a loopback address (a local app in development); a host; no credentials.
/// A query (a merchant's own correlation id) and a fragment are allowed. Anything else —
/// `javascript:`, `data:`, `ftp:`, plain `http` to the internet — would send a customer or
/// a provider's notification somewhere unsafe.
pub fn validate_merchant_url(url: &Url) -> std::result::Result<(), String> {
    https_or_loopback(url)
}

/// One configured gateway: instance name, provider, environment and provider settings.
///
/// Every setting value is held as a secret until a provider reads it, because only the
/// provider knows which keys are credentials; `Debug` shows keys only.
#[derive(Clone)]
pub struct GatewayConfig {
    name: String,
    provider: String,
    environment: Environment,
    settings: BTreeMap<String, SecretString>,
    webhook_max_age: Option<std::time::Duration>,
    refunds_show_within: Option<std::time::Duration>,
}

impl GatewayConfig {
    /// A config for instance `name` of `provider`.
    pub fn new(
        name: impl Into<String>,
        provider: impl Into<String>,
        environment: Environment,
    ) -> GatewayConfig {
        GatewayConfig {
            name: name.into(),
            provider: provider.into(),
            environment,
            settings: BTreeMap::new(),
            webhook_max_age: None,
            refunds_show_within: None,
        }
    }

    /// Adds a setting (a literal, `env:VAR`, `file:PATH` or `literal:VALUE`).
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings
            .insert(key.into(), SecretString::from(value.into()));
        self
    }

    /// Rejects webhooks whose event time is older than `window` (replays), for every
    /// provider alike: `webhook_max_age_secs` in a `[gateways.<name>]` table. See
    /// [`crate::layer::FreshWebhooks`].
    pub fn with_webhook_max_age(mut self, window: std::time::Duration) -> Self {
        self.webhook_max_age = Some(window);
        self
    }

    /// The webhook age window, if one is set.
    pub fn webhook_max_age(&self) -> Option<std::time::Duration> {
        self.webhook_max_age
    }

    /// Says the provider's refunded figure shows a refund within `lag`, in place of the
    /// provider's own [`crate::pipeline::WriteRules::refunds_show_within`]:
    /// `refunds_show_within_ms` in a `[gateways.<name>]` table (a simulator that shows
    /// refunds at once says 0). See [`crate::layer::RefundsShowWithin`].
    pub fn with_refunds_show_within(mut self, lag: std::time::Duration) -> Self {
        self.refunds_show_within = Some(lag);
        self
    }

    /// How soon the provider's figure shows a refund, where the configuration says.
    pub fn refunds_show_within(&self) -> Option<std::time::Duration> {
        self.refunds_show_within
    }

    /// The instance name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The provider name.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// The setting keys present.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.settings.keys().map(String::as_str)
    }

    /// `gateways.<name>.<key>`: where an error points.
    pub fn key_path(&self, key: &str) -> String {
        format!("gateways.{}.{key}", self.name)
    }

    /// A required non-secret setting (e.g. a merchant id), resolved like a secret.
    pub fn text(&self, key: &str) -> Result<String> {
        self.secret(key).map(|s| s.expose_secret().to_owned())
    }

    /// An optional non-secret setting.
    pub fn optional_text(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .optional_secret(key)?
            .map(|s| s.expose_secret().to_owned()))
    }

    /// A required secret: the literal value, `env:VAR` (the variable's value), `file:PATH` (the
    /// file's contents, trailing newline removed) or `literal:VALUE` (for values that start
    /// with `env:` or `file:`).
    pub fn secret(&self, key: &str) -> Result<SecretString> {
        self.optional_secret(key)?
            .ok_or_else(|| Error::config(self.key_path(key), "required setting is missing"))
    }

    /// An optional secret, resolved as [`GatewayConfig::secret`].
    pub fn optional_secret(&self, key: &str) -> Result<Option<SecretString>> {
        let Some(raw) = self.settings.get(key) else {
            return Ok(None);
        };
        resolve_secret(&self.key_path(key), raw.expose_secret()).map(Some)
    }

    /// Fails on any setting not in `known` (catches typos such as `api_kye`).
    pub fn deny_unknown_keys(&self, known: &[&str]) -> Result<()> {
        match self.settings.keys().find(|k| !known.contains(&k.as_str())) {
            Some(key) => Err(Error::config(
                self.key_path(key),
                format!(
                    "unknown setting for provider {}; known settings: {}",
                    self.provider,
                    known.join(", ")
                ),
            )),
            None => Ok(()),
        }
    }
}

// Hidden: the provider configs and the facade read env:/file: secrets with it.
#[doc(hidden)]
/// A secret setting's value: `raw` itself, `env:VAR` (the variable's value), `file:PATH`
/// (the file's text, trailing newlines removed) or `literal:VALUE` (for a value that starts
/// with `env:` or `file:`). Errors name `at`, never a value.
pub fn resolve_secret(at: &str, raw: &str) -> Result<SecretString> {
    let value = if let Some(var) = raw.strip_prefix("env:") {
        std::env::var(var).map_err(|e| {
            let why = match e {
                std::env::VarError::NotPresent => "is not set",
                std::env::VarError::NotUnicode(_) => "is not valid UTF-8",
            };
            Error::config(at, format!("environment variable {var} {why}"))
        })?
    } else if let Some(path) = raw.strip_prefix("file:") {
        let mut text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(at, format!("cannot read file {path}: {e}")))?;
        let trimmed = text.trim_end_matches(['\n', '\r']).len();
        text.truncate(trimmed);
        text
    } else if let Some(value) = raw.strip_prefix("literal:") {
        value.to_owned()
    } else {
        raw.to_owned()
    };
    if value.trim().is_empty() {
        return Err(Error::config(at, "setting is empty"));
    }
    Ok(SecretString::from(value))
}

impl fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("name", &self.name)
            .field("provider", &self.provider)
            .field("environment", &self.environment)
            .field("settings", &self.settings.keys().collect::<Vec<_>>())
            .field("webhook_max_age", &self.webhook_max_age)
            .field("refunds_show_within", &self.refunds_show_within)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn merchant_urls_are_https_or_loopback_http() {
        let check = |u: &str| validate_merchant_url(&Url::parse(u).unwrap());
        for ok in [
            "https://shop.example/orders/1/return?oid=1&rid=2",
            "https://shop.example/done#paid",
            "http://127.0.0.1:3000/orders/1/return",
            "http://[::1]/cb",
            "http://localhost/cb",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "data:text/html,hi",
            "ftp://shop.example/x",
            "http://shop.example/x",
            "http://127.0.0.2.example/x",
            "https://user:pw@shop.example/x",
            "file:///etc/passwd",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn environments() {
        assert_eq!(Environment::parse("sandbox"), Ok(Environment::Sandbox));
        assert_eq!(
            Environment::parse("production"),
            Ok(Environment::Production)
        );
        assert!(matches!(
            Environment::parse("https://proxy.example.com/payway"),
            Ok(Environment::Custom(_))
        ));
        assert!(matches!(
            Environment::parse("http://127.0.0.1:8080"),
            Ok(Environment::Custom(_))
        ));
        assert!(matches!(
            Environment::parse("http://[::1]:8080"),
            Ok(Environment::Custom(_))
        ));
        assert!(matches!(
            Environment::parse("http://localhost:1"),
            Ok(Environment::Custom(_))
        ));
        for bad in [
            "live",
            "http://example.com",
            "ftp://example.com",
            "https://user:pw@example.com",
            "https://example.com/?a=1",
            "https://example.com/#x",
            "https://",
        ] {
            assert!(Environment::parse(bad).is_err(), "{bad}");
        }
        let err = "http://10.0.0.1"
            .parse::<Environment>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("loopback"), "{err}");
    }

    #[test]
    fn secrets_resolve_from_literal_env_and_file() {
        let dir = std::env::temp_dir().join(format!("paygate-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("key.pem");
        std::fs::write(
            &file,
            "-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----\n",
        )
        .unwrap();
        // PATH is always set; setting a variable would need `unsafe` (edition 2024), which the
        // workspace forbids.
        let path = std::env::var("PATH").unwrap();
        let cfg = GatewayConfig::new("usd", "payway", Environment::Sandbox)
            .set("literal", "plain")
            .set("escaped", "literal:env:NOT_A_VAR")
            .set("from_env", "env:PATH")
            .set("from_file", format!("file:{}", file.display()))
            .set("missing_env", "env:PAYGATE_TEST_SURELY_UNSET_VAR")
            .set("missing_file", "file:/nonexistent/paygate/key")
            .set("blank", "  ");
        assert_eq!(cfg.text("literal").unwrap(), "plain");
        assert_eq!(cfg.text("escaped").unwrap(), "env:NOT_A_VAR");
        assert_eq!(cfg.secret("from_env").unwrap().expose_secret(), path);
        assert!(
            cfg.secret("from_file")
                .unwrap()
                .expose_secret()
                .ends_with("-----END PUBLIC KEY-----")
        );
        assert_eq!(
            cfg.secret("missing_env").unwrap_err().to_string(),
            "configuration error at gateways.usd.missing_env: environment variable PAYGATE_TEST_SURELY_UNSET_VAR is not set"
        );
        assert_eq!(
            cfg.secret("missing_file").unwrap_err().to_string(),
            "configuration error at gateways.usd.missing_file: cannot read file /nonexistent/paygate/key: No such file or directory (os error 2)"
        );
        assert_eq!(
            cfg.secret("absent").unwrap_err().to_string(),
            "configuration error at gateways.usd.absent: required setting is missing"
        );
        assert!(cfg.optional_secret("absent").unwrap().is_none());
        assert!(cfg.secret("blank").is_err());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn debug_shows_keys_not_values() {
        let cfg = GatewayConfig::new("usd", "payway", Environment::Sandbox)
            .set("api_key", "very-secret-value");
        let debug = format!("{cfg:?}");
        assert!(!debug.contains("very-secret-value"), "{debug}");
        assert!(debug.contains("api_key"));
    }

    #[test]
    fn unknown_keys_are_named() {
        let cfg = GatewayConfig::new("usd", "payway", Environment::Sandbox).set("api_kye", "x");
        let err = cfg
            .deny_unknown_keys(&["api_key", "merchant_id"])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration error at gateways.usd.api_kye: unknown setting for provider payway; known settings: api_key, merchant_id"
        );
    }
}
