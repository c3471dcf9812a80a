//! Replayed and stale webhooks: with `webhook_max_age_secs` set on a gateway, a correctly
//! signed event older than the window is rejected as stale, one further in the future than the
//! window as a mismatch, for every provider alike; without the setting nothing changes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use paygate::clock::ManualClock;
use paygate::error::WebhookRejection;
use paygate::sandbox::{Provider, Sandbox, SimOrder};
use paygate::time::OffsetDateTime;
use paygate::transport::{Dispatcher, ReqwestTransport, TransportSettings};
use paygate::{Error, ErrorClass, GatewayRegistry};

const WINDOW_SECS: u64 = 600;

/// The sandbox's gateways, each with the age window when `window` is set, judged by a clock
/// that reads `now`.
fn registry(sandbox: &Sandbox, window: bool, now: OffsetDateTime) -> GatewayRegistry {
    let mut toml = sandbox.config_toml();
    if window {
        for name in ["finpay", "payway", "payg"] {
            toml = toml.replace(
                &format!("[gateways.{name}]\n"),
                &format!("[gateways.{name}]\nwebhook_max_age_secs = {WINDOW_SECS}\n"),
            );
        }
    }
    let transport = ReqwestTransport::new(&TransportSettings::default()).unwrap();
    let dispatcher =
        Dispatcher::new(Arc::new(transport)).with_clock(Arc::new(ManualClock::new(now)));
    GatewayRegistry::builder()
        .dispatcher(dispatcher)
        .toml_str(&toml)
        .unwrap()
        .build()
        .unwrap()
}

#[tokio::test]
async fn old_and_future_webhooks_are_rejected_within_the_window_accepted() {
    let sandbox = Sandbox::start().await.unwrap();
    let now = OffsetDateTime::now_utc();
    let hour = paygate::time::Duration::hours(1);
    let fresh = registry(&sandbox, true, now);
    let later = registry(&sandbox, true, now + hour);
    let earlier = registry(&sandbox, true, now - hour);
    let unlimited = registry(&sandbox, false, now + hour * 24 * 365);
    assert!(format!("{fresh:?}").contains("FreshWebhooks"));

    for (provider, name, currency, amount) in [
        (Provider::Finpay, "finpay", "IDR", 150_000),
        (Provider::Payway, "payway", "USD", 20),
        (Provider::Payg, "payg", "INR", 500),
    ] {
        let id = "AGE1";
        let order = SimOrder::new(provider, id, id, amount.into(), currency, now);
        sandbox.insert(order).unwrap();
        let webhook = sandbox.pay(provider, id).unwrap();
        let (body, headers) = (webhook.body.as_bytes(), webhook.header_map());

        let event = fresh
            .gateway(name)
            .unwrap()
            .verify_webhook(body, &headers)
            .unwrap();
        // The window does not weaken the signature check (PayG does not sign).
        if name != "payg" {
            let tampered = webhook.body.replacen(id, "AGE2", 1);
            let err = fresh
                .gateway(name)
                .unwrap()
                .verify_webhook(tampered.as_bytes(), &headers)
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::WebhookRejected {
                        reason: WebhookRejection::BadSignature,
                        ..
                    }
                ),
                "{name}: {err}"
            );
        }
        // PayWay's checkout pushback carries no time (its signed fields are apv, status,
        // tran_id and return_params): nothing to judge, so the window lets it through.
        let Some(at) = event.occurred_at else {
            assert_eq!(name, "payway");
            for registry in [&later, &earlier] {
                registry
                    .gateway(name)
                    .unwrap()
                    .verify_webhook(body, &headers)
                    .unwrap();
            }
            continue;
        };
        assert!((now - at).whole_seconds().abs() < 5, "{name}: {at}");

        match later.gateway(name).unwrap().verify_webhook(body, &headers) {
            Err(
                e @ Error::WebhookRejected {
                    reason:
                        WebhookRejection::Stale {
                            age_secs,
                            window_secs,
                        },
                    ..
                },
            ) => {
                assert_eq!(window_secs, WINDOW_SECS);
                assert!((3595..=3605).contains(&age_secs), "{name}: {age_secs}");
                assert_eq!(e.class(), ErrorClass::WebhookRejected);
                assert!(!e.is_retryable());
                assert!(e.to_string().contains("stale event"), "{e}");
            }
            other => panic!("{name}: an hour-old event was not stale: {other:?}"),
        }
        match earlier
            .gateway(name)
            .unwrap()
            .verify_webhook(body, &headers)
        {
            Err(Error::WebhookRejected {
                reason: WebhookRejection::Mismatch(why),
                ..
            }) => assert!(why.contains("in the future"), "{name}: {why}"),
            other => panic!("{name}: an event an hour ahead was accepted: {other:?}"),
        }
        // Without the setting, age is not judged.
        unlimited
            .gateway(name)
            .unwrap()
            .verify_webhook(body, &headers)
            .unwrap();
    }
    sandbox.shutdown().await;
}

#[test]
fn the_window_must_be_a_positive_number_of_seconds() {
    let table = "[gateways.f]\nprovider = \"finpay\"\nenvironment = \"sandbox\"\nmerchant_id = \"m\"\nmerchant_key = \"k\"\n";
    for bad in ["0", "-5", "\"1h\"", "1.5"] {
        let err = GatewayRegistry::from_toml_str(&format!("{table}webhook_max_age_secs = {bad}\n"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration error at gateways.f.webhook_max_age_secs: must be a positive integer (seconds)",
            "{bad}"
        );
    }
    let ok = GatewayRegistry::from_toml_str(&format!("{table}webhook_max_age_secs = 86400\n"));
    assert!(ok.is_ok(), "{ok:?}");
}
