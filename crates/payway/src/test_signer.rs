//! `TestSigner` (feature `test-util`): signs pushbacks exactly as PayWay's newer, signed
//! pushbacks are, so an app can test its own pushback endpoint without PayWay.

use paygate_core::http::{HeaderMap, HeaderName, HeaderValue};
use paygate_core::signing::HmacSha512Key;
use paygate_core::webhook::{SignedWebhook, WebhookSigner};
use paygate_core::{Error, Result};

use crate::PROVIDER;
use crate::webhook::{SIGNATURE_HEADER, sign};

/// Signs pushback bodies as PayWay's newer pushbacks are signed, for tests of an app's own
/// pushback endpoint (and the conformance suite).
#[derive(Debug, Clone)]
pub struct TestSigner {
    key: HmacSha512Key,
}

impl TestSigner {
    /// A signer with the profile's API key.
    pub fn new(api_key: &[u8]) -> paygate_core::Result<TestSigner> {
        Ok(TestSigner {
            key: HmacSha512Key::new(api_key)?,
        })
    }
}

impl WebhookSigner for TestSigner {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn sign(&self, body: &[u8]) -> Result<SignedWebhook> {
        let signature = sign(&self.key, body)?;
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static(SIGNATURE_HEADER),
            HeaderValue::from_str(&signature)
                .map_err(|e| Error::invalid("signature", e.to_string()))?,
        );
        headers.insert(
            paygate_core::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Ok(SignedWebhook {
            body: body.to_vec(),
            headers,
        })
    }
}
