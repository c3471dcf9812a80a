//! Which providers a build has: CI runs this with each provider feature alone.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use paygate::GatewayRegistry;

const PROVIDERS: [(&str, bool); 3] = [
    ("finpay", cfg!(feature = "finpay")),
    ("payway", cfg!(feature = "payway")),
    ("payg", cfg!(feature = "payg")),
];

#[test]
fn a_provider_outside_the_build_names_its_feature() {
    let available: Vec<&str> = PROVIDERS
        .iter()
        .filter(|(_, on)| *on)
        .map(|(p, _)| *p)
        .collect();
    for (provider, compiled) in PROVIDERS {
        let toml = format!("[gateways.g]\nprovider = \"{provider}\"\nenvironment = \"sandbox\"");
        let result = GatewayRegistry::from_toml_str(&toml);
        if compiled {
            // Compiled in: the factory runs and asks for its own settings.
            let err = result.unwrap_err().to_string();
            assert!(
                err.contains("required setting is missing"),
                "{provider}: {err}"
            );
        } else {
            let err = result.unwrap_err().to_string();
            assert!(
                err.contains(&format!(
                    "enable the `{provider}` feature of the paygate crate"
                )),
                "{provider}: {err}"
            );
            let listed = if available.is_empty() {
                "none".to_owned()
            } else {
                available.join(", ")
            };
            assert!(err.ends_with(&format!("available: {listed}")), "{err}");
        }
    }
}
