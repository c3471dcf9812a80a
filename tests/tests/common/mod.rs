//! Shared by the sandbox test files: PayWay's native client on a sandbox, and what the
//! native-API tests ask of an answer.

use std::sync::Arc;

use paygate::secrecy::SecretString;
use paygate::transport::Dispatcher;
use paygate::{Error, Result, Url};

/// PayWay's native client on `sandbox`, with the sandbox's RSA key.
pub(crate) fn payway_client(
    sandbox: &paygate::sandbox::Sandbox,
) -> Result<paygate::payway::PaywayClient> {
    use paygate::payway::{PaywayClient, PaywayConfig};
    use paygate::sandbox::{PAYWAY_PUBLIC_KEY_PEM, Provider};
    use paygate::transport::ReqwestTransport;

    let credentials = &sandbox.credentials().payway;
    let base = Url::parse(&sandbox.url(Provider::Payway))
        .map_err(|e| Error::invalid("sandbox.url", e.to_string()))?;
    let config = PaywayConfig::new(
        credentials.merchant_id.clone(),
        &SecretString::from(credentials.api_key.clone()),
        paygate::Environment::Custom(base),
    )?
    .with_rsa_public_key_pem(PAYWAY_PUBLIC_KEY_PEM)?;
    Ok(PaywayClient::new(
        config,
        Dispatcher::new(Arc::new(ReqwestTransport::with_defaults()?)),
    ))
}

/// The provider's kind of refusal, if `error` is one.
#[allow(dead_code, reason = "not every test file including this module asks")]
pub(crate) fn kind(error: &Error) -> Option<paygate::ProviderErrorKind> {
    match error {
        Error::Provider(p) => Some(p.kind),
        _ => None,
    }
}

/// How many requests the sandbox received on paths ending with `path_end`.
#[allow(dead_code, reason = "not every test file including this module asks")]
pub(crate) fn count(sandbox: &paygate::sandbox::Sandbox, path_end: &str) -> usize {
    sandbox
        .received()
        .iter()
        .filter(|r| r.path.ends_with(path_end))
        .count()
}
