//! `TestSigner` (feature `test-util`): signs callbacks exactly as Finpay does, so an app can
//! test its own callback endpoint without Finpay.

use paygate_core::http::{HeaderMap, HeaderValue};
use paygate_core::php_json::{self, PhpJsonFlags};
use paygate_core::signing::HmacSha512Key;
use paygate_core::webhook::{SignedWebhook, WebhookSigner};
use paygate_core::{Error, Result};

use crate::PROVIDER;
use crate::sign::signature;

/// Signs callback bodies as Finpay does (PHP `json_encode`, signature appended last), for
/// tests of an app's own callback endpoint and the conformance suite.
#[derive(Debug, Clone)]
pub struct TestSigner {
    key: HmacSha512Key,
}

impl TestSigner {
    /// A signer with the merchant key.
    pub fn new(merchant_key: &[u8]) -> paygate_core::Result<TestSigner> {
        Ok(TestSigner {
            key: HmacSha512Key::new(merchant_key)?,
        })
    }
}

impl WebhookSigner for TestSigner {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    /// `body` is the callback without `signature`; the result is PHP-encoded with the
    /// signature appended.
    fn sign(&self, body: &[u8]) -> Result<SignedWebhook> {
        let encoded = php_json::reencode_without(body, "signature", PhpJsonFlags::DEFAULT)
            .map_err(|e| Error::invalid("body", e))?;
        let mac = signature(&self.key, encoded.as_bytes());
        let inner = encoded
            .strip_suffix('}')
            .ok_or_else(|| Error::invalid("body", "must be a JSON object"))?;
        let separator = if inner == "{" { "" } else { "," };
        let signed = format!("{inner}{separator}\"signature\":\"{mac}\"}}");
        let mut headers = HeaderMap::new();
        headers.insert(
            paygate_core::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Ok(SignedWebhook {
            body: signed.into_bytes(),
            headers,
        })
    }
}
