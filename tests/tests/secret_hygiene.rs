//! Secret hygiene: every gateway is configured with recognisable secrets
//! ([`Credentials::canary`]); every operation and every kind of failure is run with `tracing`
//! captured at TRACE; the `Debug` and `Display` of configuration, registry, gateways, requests
//! and answers on the wire, results, errors (with their source chains) and webhook events are
//! collected — and no secret appears anywhere, in any of the forms it could leak in.
//! (The CLI's output is checked in `crates/cli/tests/cli.rs`, the fixtures by
//! `cargo xtask fixtures --lint` and `tests/tests/fixtures.rs`.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::{Debug, Display};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use paygate::clock::SystemClock;
use paygate::error::TransportFailure;
use paygate::http::HeaderMap;
use paygate::sandbox::{Credentials, Fault, FaultSpec, Provider, Sandbox};
use paygate::transport::{
    Dispatcher, HttpRequest, HttpResponse, ReqwestTransport, RetryPolicy, Transport,
    TransportSettings,
};
use paygate::{
    CaptureRequest, CreatePayment, Currency, Customer, Decimal, GatewayRegistry, Money, OrderId,
    PaymentGateway, RefundRequest, RefundStatusRequest, RegistryConfig, Url,
};

/// Everything that was printed, logged or formatted.
#[derive(Clone, Default)]
struct Collected(paygate_tests::LogCapture);

impl Collected {
    fn add(&self, label: &str, text: impl Display) {
        self.0.push(&format!("{label}: {text}\n"));
    }

    /// `Debug` and `Display` of a result, and the error's whole source chain.
    fn result<T: Debug>(&self, label: &str, result: &paygate::Result<T>) {
        match result {
            Ok(value) => self.add(label, format!("{value:?}")),
            Err(e) => self.error(label, e),
        }
    }

    fn error(&self, label: &str, error: &(dyn std::error::Error + 'static)) {
        self.add(label, format!("{error} / {error:?}"));
        let mut source = error.source();
        while let Some(e) = source {
            self.add(label, format!("caused by {e} / {e:?}"));
            source = e.source();
        }
    }

    fn text(&self) -> String {
        self.0.text()
    }
}

/// A transport that formats every request (and its body) and answer on the way through.
struct Formatting {
    inner: ReqwestTransport,
    collected: Collected,
}

impl Debug for Formatting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Formatting")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

#[paygate::async_trait]
impl Transport for Formatting {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportFailure> {
        self.collected.add("request", format!("{request:?}"));
        // HMAC keys and tokens are never sent in a body either (only what they sign).
        self.collected
            .add("request body", String::from_utf8_lossy(&request.body));
        let answer = self.inner.send(request).await;
        match &answer {
            Ok(response) => self.collected.add("response", format!("{response:?}")),
            Err(failure) => self.collected.add("failure", format!("{failure:?}")),
        }
        answer
    }
}

fn formatting_registry(toml: &str, collected: &Collected) -> GatewayRegistry {
    let settings = TransportSettings::default().timeout(Duration::from_millis(300));
    let transport = Formatting {
        inner: ReqwestTransport::new(&settings).unwrap(),
        collected: collected.clone(),
    };
    let dispatcher = Dispatcher::new(Arc::new(transport))
        .with_retry_policy(RetryPolicy::default().max_attempts(2));
    let config = RegistryConfig::from_toml_str(toml).unwrap();
    collected.add("config", format!("{config:?}"));
    let registry = GatewayRegistry::builder()
        .dispatcher(dispatcher)
        .toml_str(toml)
        .unwrap()
        .build()
        .unwrap();
    collected.add("registry", format!("{registry:?}"));
    registry
}

fn money(amount: u32, currency: Currency) -> Money {
    Money::new(Decimal::from(amount), currency).unwrap()
}

/// Every operation of `gateway`, successes and failures, with everything formatted.
async fn exercise(
    sandbox: &Sandbox,
    provider: Provider,
    gateway: &Arc<dyn PaymentGateway>,
    c: &Collected,
) {
    let (currency, amount) = match provider {
        Provider::Finpay => (Currency::IDR, 150_000),
        Provider::Payway => (Currency::USD, 20),
        Provider::Payg => (Currency::INR, 500),
        other => panic!("no amounts for {other:?}: add them here"),
    };
    c.add("gateway", format!("{gateway:?}"));
    c.add("capabilities", format!("{:?}", gateway.capabilities()));
    let create = |id: &str, authorize_only: bool| {
        let mut request = CreatePayment::new(OrderId::new(id).unwrap(), money(amount, currency))
            .unwrap()
            .description("secret hygiene")
            .customer(
                Customer::new()
                    .name("Dewi", "Lestari")
                    .email("dewi@example.com")
                    .phone("+6281234567890"),
            )
            .callback_url(Url::parse("https://shop.example/cb").unwrap())
            .return_url(Url::parse("https://shop.example/done").unwrap());
        if authorize_only {
            request = request.authorize_only();
        }
        c.add("create request", format!("{request:?}"));
        request
    };
    let order = |id: &str| OrderId::new(id).unwrap();

    // The happy path. PayG addresses an order by its own OrderKeyId afterwards.
    let created = |result: &paygate::Result<paygate::Checkout>, id: &str| {
        let reference = result
            .as_ref()
            .ok()
            .and_then(|c| c.provider_reference.clone());
        let id = match (provider, reference) {
            (Provider::Payg, Some(reference)) => reference,
            _ => id.to_owned(),
        };
        OrderId::new(id).unwrap()
    };
    let result = gateway.create_payment(&create("SH1", false)).await;
    c.result("create", &result);
    let paid = created(&result, "SH1");
    let webhook = sandbox.pay(provider, paid.as_str()).unwrap();
    let signed = webhook.header_map();
    c.result(
        "webhook",
        &gateway.verify_webhook(webhook.body.as_bytes(), &signed),
    );
    let tampered = webhook.body.replacen(paid.as_str(), "SH9", 1);
    c.result(
        "tampered webhook",
        &gateway.verify_webhook(tampered.as_bytes(), &signed),
    );
    c.result(
        "unsigned webhook",
        &gateway.verify_webhook(webhook.body.as_bytes(), &HeaderMap::new()),
    );
    c.result("status", &gateway.payment_status(&paid).await);
    let refund = RefundRequest::new(paid.clone(), money(1, currency)).unwrap();
    c.add("refund request", format!("{refund:?}"));
    c.result("refund", &gateway.refund(&refund).await);
    let refund_status = RefundStatusRequest::new(paid.clone());
    c.result(
        "refund status",
        &gateway.refund_status(&refund_status).await,
    );
    c.result(
        "capture",
        &async {
            let result = gateway.create_payment(&create("SH2", true)).await;
            let held = created(&result, "SH2");
            result?;
            sandbox.pay(provider, held.as_str()).ok();
            let capture = CaptureRequest::new(held, money(amount, currency))?;
            gateway.capture(&capture).await
        }
        .await,
    );
    c.result("void", &gateway.void(&(&paid).into()).await);
    c.result(
        "cancel",
        &async {
            let result = gateway.create_payment(&create("SH3", false)).await;
            let pending = created(&result, "SH3");
            result?;
            gateway.cancel(&(&pending).into()).await
        }
        .await,
    );

    // Failures: refused, unreadable, unknown outcome, timed out, rate limited.
    c.result(
        "unknown order",
        &gateway.payment_status(&order("SH404")).await,
    );
    c.result(
        "over-refund",
        &gateway
            .refund(&RefundRequest::new(paid.clone(), money(amount * 10, currency)).unwrap())
            .await,
    );
    for fault in [
        Fault::Html { status: 502 },
        Fault::TruncatedJson,
        Fault::WrongShape,
        Fault::ResetAfterRead,
        Fault::Delay { millis: 500 },
        Fault::RateLimit {
            retry_after: Some(1),
        },
    ] {
        sandbox.arm(FaultSpec::new(provider, fault.clone(), 2));
        c.result(
            &format!("status under {fault:?}"),
            &gateway.payment_status(&paid).await,
        );
        sandbox.clear_faults();
        // The payment read first and handed over, so the fault meets the refund itself.
        let handed = match gateway.payment_status(&paid).await {
            Ok(before) => refund.clone().with_payment(before),
            Err(_) => refund.clone(),
        };
        sandbox.arm(FaultSpec::new(provider, fault.clone(), 1));
        c.result(
            &format!("refund under {fault:?}"),
            &gateway.refund(&handed).await,
        );
        sandbox.clear_faults();
    }
}

fn wrong(credentials: &Credentials) -> Credentials {
    let mut wrong = credentials.clone();
    wrong.finpay.merchant_key.push_str("-WRONG");
    wrong.payway.api_key.push_str("-WRONG");
    wrong.payg.authentication_key.push_str("-WRONG");
    wrong.payg.authentication_token.push_str("-WRONG");
    wrong
}

#[tokio::test]
async fn no_secret_appears_in_logs_formatting_or_errors() {
    let collected = Collected::default();
    let writer = collected.0.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    paygate_tests::tracing_sees_every_callsite();
    let _guard = tracing::subscriber::set_default(subscriber);

    let credentials = Credentials::canary();
    collected.add("credentials", format!("{credentials:?}"));
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let sandbox = Sandbox::start_with(addr, credentials.clone(), Arc::new(SystemClock))
        .await
        .unwrap();
    let toml = sandbox.config_toml();
    let registry = formatting_registry(&toml, &collected);
    for provider in [Provider::Finpay, Provider::Payway, Provider::Payg] {
        let name = match provider {
            Provider::Finpay => "finpay",
            Provider::Payway => "payway",
            Provider::Payg => "payg",
            other => panic!("no gateway for {other:?}: add it here"),
        };
        let gateway = registry.gateway(name).unwrap();
        exercise(&sandbox, provider, &gateway, &collected).await;
    }

    // Rejected credentials: the wrong secrets must not leak either.
    let wrong_credentials = wrong(&credentials);
    let mut wrong_toml = String::new();
    for provider in [Provider::Finpay, Provider::Payway, Provider::Payg] {
        let root = format!("http://{}", sandbox.addr());
        wrong_toml.push_str(&paygate::sandbox::gateway_toml(
            provider,
            &root,
            &wrong_credentials,
        ));
    }
    let wrong_registry = formatting_registry(&wrong_toml, &collected);
    for name in ["finpay", "payway", "payg"] {
        let gateway = wrong_registry.gateway(name).unwrap();
        let result = gateway.payment_status(&OrderId::new("SH1").unwrap()).await;
        assert!(result.is_err(), "{name} accepted wrong credentials");
        collected.result(&format!("{name} with wrong credentials"), &result);
    }
    // Configuration errors around secret settings.
    for (what, text) in [
        (
            "PayWay api_key from a missing file",
            toml.replace(
                &format!("api_key = \"{}\"", credentials.payway.api_key),
                "api_key = \"file:/nonexistent/paygate/api_key\"",
            ),
        ),
        (
            "Finpay key from an unset variable",
            toml.replace(
                &format!("merchant_key = \"{}\"", credentials.finpay.merchant_key),
                "merchant_key = \"env:PAYGATE_SURELY_UNSET\"",
            ),
        ),
        (
            "a misspelt setting next to the secrets",
            toml.replace(
                "[gateways.payg]",
                "[gateways.payg]\nauthentication_tokn = \"x\"",
            ),
        ),
    ] {
        match GatewayRegistry::from_toml_str(&text) {
            Ok(_) => panic!("{what}: accepted"),
            Err(e) => collected.error(what, &e),
        }
    }
    sandbox.shutdown().await;
    drop(_guard);

    let all = collected.text();
    // PAYGATE_SECRET_HYGIENE_DUMP=path writes what was collected, to read it by eye.
    if let Ok(path) = std::env::var("PAYGATE_SECRET_HYGIENE_DUMP") {
        std::fs::write(path, &all).unwrap();
    }
    // The test saw what it claims to have seen.
    for expected in [
        "TRACE",
        "request: ",
        "response: ",
        "authorization",
        "create: ",
        "webhook: ",
        "with wrong credentials",
        "the outcome is unknown",
    ] {
        assert!(
            all.to_ascii_lowercase()
                .contains(&expected.to_ascii_lowercase()),
            "nothing like {expected:?} was collected"
        );
    }
    let mut forms = credentials.secret_forms();
    forms.extend(wrong_credentials.secret_forms());
    let leaks: Vec<String> = forms
        .iter()
        .enumerate()
        .filter(|(_, secret)| all.contains(secret.as_str()))
        .map(|(i, _)| format!("secret form #{i}"))
        .collect();
    println!(
        "collected {} lines, {} bytes; checked {} secret forms",
        all.lines().count(),
        all.len(),
        forms.len()
    );
    assert!(leaks.is_empty(), "leaked: {leaks:?}");
    assert!(!all.contains("CANARY"), "a canary secret appeared");
}
