//! Every provider's webhook verifier. Input: [provider, mode, body…]; mode bit 0 signs the
//! body as the provider would first (so the parser behind the signature is reached), bit 1
//! adds a PayWay-style signature header made of the body's first bytes.
//! Property: accepted, or rejected with a reason.

#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use paygate::http::{HeaderMap, HeaderValue};
use paygate::sandbox::{Credentials, Provider};
use paygate::webhook::WebhookSigner;
use paygate::{Error, PaymentGateway};

fn gateways() -> &'static [(Provider, Arc<dyn PaymentGateway>)] {
    static ALL: OnceLock<Vec<(Provider, Arc<dyn PaymentGateway>)>> = OnceLock::new();
    ALL.get_or_init(|| {
        let credentials = Credentials::default();
        [
            ("finpay", Provider::Finpay),
            ("payway", Provider::Payway),
            ("payg", Provider::Payg),
        ]
        .into_iter()
        .map(|(name, provider)| {
            // Never contacted: verifying a webhook sends nothing.
            let toml = paygate::sandbox::gateway_toml(provider, "http://127.0.0.1:9", &credentials);
            let registry = paygate::GatewayRegistry::from_toml_str(&toml).expect("config");
            (provider, registry.gateway(name).expect("gateway"))
        })
        .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let [provider, mode, body @ ..] = data else {
        return;
    };
    let all = gateways();
    let (provider, gateway) = &all[usize::from(*provider) % all.len()];
    let credentials = Credentials::default();
    let mut headers = HeaderMap::new();
    let mut body = body.to_vec();
    if mode & 1 == 1 {
        let signed = match provider {
            Provider::Finpay => {
                paygate::finpay::TestSigner::new(credentials.finpay.merchant_key.as_bytes())
                    .and_then(|signer| signer.sign(&body))
            }
            Provider::Payway => {
                paygate::payway::TestSigner::new(credentials.payway.api_key.as_bytes())
                    .and_then(|signer| signer.sign(&body))
            }
            // PayG does not sign; a provider added later is fuzzed unsigned until it gets a
            // signer here.
            _ => return,
        };
        if let Ok(signed) = signed {
            body = signed.body;
            headers = signed.headers;
        }
    }
    if mode & 2 == 2 {
        let text: String = body
            .iter()
            .take(88)
            .map(|&b| char::from(b'A' + b % 26))
            .collect();
        if let Ok(value) = HeaderValue::from_str(&text) {
            headers.insert("x-payway-hmac-sha512", value);
        }
    }
    match gateway.verify_webhook(&body, &headers) {
        Ok(_) | Err(Error::WebhookRejected { .. }) | Err(Error::InvalidInput { .. }) => {}
        Err(other) => panic!("untyped webhook failure: {other:?}"),
    }
});
