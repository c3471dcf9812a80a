//! The conformance suite: one set of scenarios, run through the facade registry against
//! every gateway of the embedded sandbox, each only where the gateway declares the capability.
//! A gateway that declares a capability must do it; one that does not must say Unsupported.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use paygate::http::HeaderMap;
use paygate::sandbox::{Provider, Sandbox};
use paygate::{
    Authenticity, Capability, CaptureRequest, CreatePayment, Currency, Customer, Error, ErrorClass,
    GatewayRegistry, ListPaymentsRequest, Money, Operation, OrderId, PaymentGateway, PaymentStatus,
    ProviderErrorKind, RefundRequest, RefundStatus, RefundStatusRequest, Url,
};

/// What differs per provider: its currency and amounts in it.
struct Profile {
    provider: Provider,
    currency: Currency,
    total: &'static str,
    first_refund: &'static str,
    second_refund: &'static str,
    too_much: &'static str,
    /// Whether the provider's status answer tells what was refunded before (PayWay's
    /// `refund_amount`); where it does not, a refund is checked against the amount paid.
    knows_refunded: bool,
    /// Paths of the provider's write endpoints, to count writes the sandbox received.
    write_paths: &'static [&'static str],
    /// A currency the provider's gateway takes that is not the profile's (PayWay: KHR).
    other_currency: Currency,
}

fn profile(name: &str) -> Profile {
    match name {
        "finpay" => Profile {
            provider: Provider::Finpay,
            currency: Currency::IDR,
            total: "150000",
            first_refund: "50000",
            second_refund: "30000",
            too_much: "70001",
            knows_refunded: false,
            write_paths: &["/initiate", "/refund", "/void", "/cancel/"],
            other_currency: Currency::USD,
        },
        "payway" => Profile {
            provider: Provider::Payway,
            currency: Currency::USD,
            total: "10.00",
            first_refund: "2.50",
            second_refund: "1.50",
            too_much: "6.01",
            knows_refunded: true,
            write_paths: &[
                "/purchase",
                "/refund",
                "pre-auth-completion",
                "pre-auth-cancellation",
                "close-transaction",
            ],
            other_currency: Currency::KHR,
        },
        "payg" => Profile {
            provider: Provider::Payg,
            currency: Currency::INR,
            total: "100.00",
            first_refund: "25.00",
            second_refund: "15.00",
            too_much: "60.01",
            knows_refunded: false,
            write_paths: &["/create", "/Refund"],
            other_currency: Currency::USD,
        },
        other => panic!("no profile for {other}"),
    }
}

impl Profile {
    fn money(&self, text: &str) -> Money {
        Money::parse(text, self.currency).unwrap()
    }
}

static NEXT: AtomicU32 = AtomicU32::new(1);

fn fresh_id(tag: &str) -> OrderId {
    OrderId::new(format!("C{tag}{:05}", NEXT.fetch_add(1, Ordering::SeqCst))).unwrap()
}

struct Env {
    sandbox: Sandbox,
    registry: GatewayRegistry,
}

async fn env() -> Env {
    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    assert_eq!(
        registry.names().collect::<Vec<_>>(),
        ["finpay", "payg", "payway"]
    );
    Env { sandbox, registry }
}

/// Creates a payment and returns the id later calls use (PayG's `OrderKeyId`).
async fn create(
    gateway: &Arc<dyn PaymentGateway>,
    p: &Profile,
    tag: &str,
    pre_auth: bool,
) -> OrderId {
    let id = fresh_id(tag);
    let mut request = CreatePayment::new(id.clone(), p.money(p.total))
        .unwrap()
        .description("conformance")
        .customer(
            Customer::new()
                .name("Dara", "Sok")
                .email("dara@example.com")
                .phone("+6281234567890"),
        )
        .callback_url(Url::parse("https://shop.example/callback").unwrap())
        .return_url(Url::parse("https://shop.example/done").unwrap());
    if pre_auth {
        request = request.authorize_only();
    }
    let checkout = gateway.create_payment(&request).await.unwrap();
    OrderId::new(
        checkout
            .provider_reference
            .clone()
            .filter(|_| p.provider == Provider::Payg)
            .unwrap_or_else(|| id.to_string()),
    )
    .unwrap()
}

async fn paid(env: &Env, gateway: &Arc<dyn PaymentGateway>, p: &Profile, tag: &str) -> OrderId {
    let id = create(gateway, p, tag, false).await;
    env.sandbox.pay(p.provider, id.as_str()).unwrap();
    id
}

/// How many requests the sandbox received on the provider's write endpoints.
fn writes_received(sandbox: &Sandbox, p: &Profile) -> usize {
    sandbox
        .received()
        .iter()
        .filter(|r| r.provider == p.provider && p.write_paths.iter().any(|w| r.path.contains(w)))
        .count()
}

/// What a gateway can void: a hold where it offers pre-authorization (PayWay's void is
/// pre-auth cancellation), else a paid payment before settlement (Finpay).
async fn voidable(env: &Env, gateway: &Arc<dyn PaymentGateway>, p: &Profile) -> OrderId {
    if gateway.capabilities().contains(Capability::Capture) {
        let held = create(gateway, p, "V", true).await;
        env.sandbox.pay(p.provider, held.as_str()).unwrap();
        held
    } else {
        paid(env, gateway, p, "V").await
    }
}

#[tokio::test]
async fn status_of_unknown_pending_and_paid_orders() {
    let env = env().await;
    for (name, gateway) in env.registry.iter() {
        let p = profile(name);
        let err = gateway.payment_status(&fresh_id("U")).await.unwrap_err();
        assert_eq!(
            err.as_provider().map(|e| e.kind),
            Some(ProviderErrorKind::NotFound),
            "{name}: {err}"
        );

        let id = create(gateway, &p, "P", false).await;
        let pending = gateway.payment_status(&id).await.unwrap();
        assert_eq!(pending.status, PaymentStatus::Pending, "{name}");
        assert_eq!(pending.amount, Some(p.money(p.total)), "{name}");

        env.sandbox.pay(p.provider, id.as_str()).unwrap();
        let payment = gateway.payment_status(&id).await.unwrap();
        assert_eq!(payment.status, PaymentStatus::Paid, "{name}");
        assert!(payment.status.is_paid());
    }
}

#[tokio::test]
async fn two_partial_refunds_then_refund_status_and_one_too_many() {
    let env = env().await;
    for (name, gateway) in env.registry.iter() {
        let p = profile(name);
        assert!(
            gateway.capabilities().contains(Capability::PartialRefund),
            "{name}"
        );
        let id = paid(&env, gateway, &p, "R").await;
        let refund = gateway
            .refund(&RefundRequest::new(id.clone(), p.money(p.first_refund)).unwrap())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(refund.status, RefundStatus::Succeeded, "{name}");
        // A second partial refund: sent where the provider reports what was refunded
        // (PayWay); elsewhere what is left cannot be checked, so it is refused unsent.
        let writes = writes_received(&env.sandbox, &p);
        let second = gateway
            .refund(&RefundRequest::new(id.clone(), p.money(p.second_refund)).unwrap())
            .await;
        if p.knows_refunded {
            let refund = second.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(refund.status, RefundStatus::Succeeded, "{name}");
        } else {
            let err = second.unwrap_err();
            assert_eq!(err.class(), ErrorClass::InvalidState, "{name}: {err}");
            assert_eq!(writes_received(&env.sandbox, &p), writes, "{name}");
        }
        let status = gateway
            .refund_status(&RefundStatusRequest::new(id.clone()))
            .await
            .unwrap();
        assert_eq!(status.status, RefundStatus::Succeeded, "{name}");
        // The payment is partially refunded — PayWay's own word is REFUNDED; the amounts say
        // otherwise, and the unified view follows the amounts.
        let payment = gateway.payment_status(&id).await.unwrap();
        assert_eq!(
            payment.status,
            PaymentStatus::PartiallyRefunded,
            "{name}: {}",
            payment.provider_status
        );
        // More than is left: refused before sending, as more than is left where the provider
        // reports what was refunded, else as a payment whose remainder cannot be checked.
        let writes = writes_received(&env.sandbox, &p);
        let err = gateway
            .refund(&RefundRequest::new(id.clone(), p.money(p.too_much)).unwrap())
            .await
            .unwrap_err();
        let (class, refunds) = if p.knows_refunded {
            (ErrorClass::InvalidInput, 2)
        } else {
            (ErrorClass::InvalidState, 1)
        };
        assert_eq!(err.class(), class, "{name}: {err}");
        assert_eq!(writes_received(&env.sandbox, &p), writes, "{name}");
        assert!(!err.outcome_unknown(), "{name}");
        let order = env.sandbox.order(p.provider, id.as_str()).unwrap();
        assert_eq!(
            order.refunds.len(),
            refunds,
            "{name}: the refused refunds left no trace"
        );
    }
}

#[tokio::test]
async fn full_refund_and_refund_of_an_unpaid_order() {
    let env = env().await;
    for (name, gateway) in env.registry.iter() {
        let p = profile(name);
        let id = paid(&env, gateway, &p, "F").await;
        gateway
            .refund(&RefundRequest::new(id.clone(), p.money(p.total)).unwrap())
            .await
            .unwrap();
        if p.provider != Provider::Payg {
            assert_eq!(
                gateway.payment_status(&id).await.unwrap().status,
                PaymentStatus::Refunded,
                "{name}"
            );
        }
        let unpaid = create(gateway, &p, "N", false).await;
        let writes = writes_received(&env.sandbox, &p);
        let err = gateway
            .refund(&RefundRequest::new(unpaid, p.money(p.first_refund)).unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.class(), ErrorClass::InvalidState, "{name}: {err}");
        assert_eq!(
            writes_received(&env.sandbox, &p),
            writes,
            "{name}: nothing sent"
        );
    }
}

#[tokio::test]
async fn void_cancel_and_capture_where_declared() {
    let env = env().await;
    for (name, gateway) in env.registry.iter() {
        let p = profile(name);
        let caps = gateway.capabilities();

        let pending = create(gateway, &p, "X", false).await;
        let cancelled = gateway.cancel(&(&pending).into()).await;
        if caps.contains(Capability::Cancel) {
            assert_eq!(
                cancelled.unwrap().status,
                PaymentStatus::Cancelled,
                "{name}"
            );
            let after = gateway.payment_status(&pending).await.unwrap();
            assert_eq!(after.status, PaymentStatus::Cancelled, "{name}");
        } else {
            assert_eq!(
                cancelled.unwrap_err().class(),
                ErrorClass::Unsupported,
                "{name}"
            );
        }

        if caps.contains(Capability::Capture) {
            let held = create(gateway, &p, "H", true).await;
            env.sandbox.pay(p.provider, held.as_str()).unwrap();
            assert_eq!(
                gateway.payment_status(&held).await.unwrap().status,
                PaymentStatus::Authorized,
                "{name}"
            );
            let captured = gateway
                .capture(&CaptureRequest::new(held.clone(), p.money(p.first_refund)).unwrap())
                .await
                .unwrap();
            assert_eq!(captured.status, PaymentStatus::Paid, "{name}");
            assert_eq!(captured.amount, Some(p.money(p.first_refund)), "{name}");
        } else {
            let err = gateway
                .capture(&CaptureRequest::new(pending.clone(), p.money(p.first_refund)).unwrap())
                .await
                .unwrap_err();
            assert_eq!(err.class(), ErrorClass::Unsupported, "{name}");
        }

        if caps.contains(Capability::Void) {
            let target = voidable(&env, gateway, &p).await;
            assert_eq!(
                gateway.void(&(&target).into()).await.unwrap().status,
                PaymentStatus::Voided,
                "{name}"
            );
        } else {
            assert_eq!(
                gateway.void(&(&pending).into()).await.unwrap_err().class(),
                ErrorClass::Unsupported,
                "{name}"
            );
        }
    }
}

#[tokio::test]
async fn webhooks_accepted_when_signed_right_and_rejected_when_tampered() {
    let env = env().await;
    for (name, gateway) in env.registry.iter() {
        let p = profile(name);
        let id = create(gateway, &p, "W", false).await;
        let webhook = env.sandbox.pay(p.provider, id.as_str()).unwrap();
        let event = gateway
            .verify_webhook(webhook.body.as_bytes(), &webhook.header_map())
            .unwrap();
        // The status calls' id (PayG: its `OrderKeyId`), and the app's own id as `order_id`
        // (PayG's key ends with the `UniqueRequestId` it was created with).
        assert_eq!(event.status_order_id(), id.as_str(), "{name}");
        match &event.provider_reference {
            Some(reference) => {
                assert_eq!(reference, id.as_str(), "{name}");
                assert!(
                    id.as_str().ends_with(&event.order_id) && event.order_id != id.as_str(),
                    "{name}: {event:?}"
                );
            }
            None => assert_eq!(event.order_id, id.as_str(), "{name}"),
        }
        assert_eq!(event.status, Some(PaymentStatus::Paid), "{name}");
        let tampered = webhook.body.replacen(id.as_str(), "CFORGED00001", 1);
        match event.authenticity {
            Authenticity::Verified => {
                let err = gateway
                    .verify_webhook(tampered.as_bytes(), &webhook.header_map())
                    .unwrap_err();
                assert_eq!(err.class(), ErrorClass::WebhookRejected, "{name}");
            }
            Authenticity::Unverified => {
                // Unsigned (PayG): the tampered event names an order the provider does not know,
                // which confirming it (reading the order) reveals.
                let forged = gateway
                    .verify_webhook(tampered.as_bytes(), &HeaderMap::new())
                    .unwrap();
                let err = gateway
                    .payment_status(&OrderId::new(forged.order_id).unwrap())
                    .await
                    .unwrap_err();
                assert_eq!(
                    err.as_provider().map(|e| e.kind),
                    Some(ProviderErrorKind::NotFound),
                    "{name}"
                );
            }
        }
    }
}

/// Every capability a gateway declares works; every one it does not declare is Unsupported.
#[tokio::test]
async fn capabilities_match_what_gateways_do() {
    let env = env().await;
    for (name, gateway) in env.registry.iter() {
        let p = profile(name);
        let caps = gateway.capabilities();
        for capability in Capability::ALL {
            let declared = caps.contains(capability);
            let id = paid(&env, gateway, &p, "K").await;
            let outcome: Result<(), Error> = match capability {
                Capability::CreatePayment => {
                    let request = CreatePayment::new(fresh_id("K"), p.money(p.total))
                        .unwrap()
                        .customer(Customer::new().phone("+6281234567890"))
                        .callback_url(Url::parse("https://shop.example/cb").unwrap());
                    gateway.create_payment(&request).await.map(drop)
                }
                Capability::PaymentStatus => gateway.payment_status(&id).await.map(drop),
                Capability::Refund | Capability::PartialRefund => gateway
                    .refund(&RefundRequest::new(id.clone(), p.money(p.first_refund)).unwrap())
                    .await
                    .map(drop),
                Capability::RefundStatus => {
                    let _ = gateway
                        .refund(&RefundRequest::new(id.clone(), p.money(p.first_refund)).unwrap())
                        .await;
                    gateway
                        .refund_status(&RefundStatusRequest::new(id.clone()))
                        .await
                        .map(drop)
                }
                Capability::Void => {
                    let target = if declared {
                        voidable(&env, gateway, &p).await
                    } else {
                        id.clone()
                    };
                    gateway.void(&(&target).into()).await.map(drop)
                }
                Capability::Cancel => {
                    let pending = create(gateway, &p, "K", false).await;
                    gateway.cancel(&(&pending).into()).await.map(drop)
                }
                Capability::Capture => {
                    let target = if declared {
                        let held = create(gateway, &p, "K", true).await;
                        env.sandbox.pay(p.provider, held.as_str()).unwrap();
                        held
                    } else {
                        id.clone()
                    };
                    gateway
                        .capture(&CaptureRequest::new(target, p.money(p.first_refund)).unwrap())
                        .await
                        .map(drop)
                }
                Capability::Webhook => {
                    let pending = create(gateway, &p, "K", false).await;
                    let webhook = env.sandbox.pay(p.provider, pending.as_str()).unwrap();
                    gateway
                        .verify_webhook(webhook.body.as_bytes(), &webhook.header_map())
                        .map(drop)
                }
                Capability::ListPayments => {
                    let now = paygate::time::OffsetDateTime::now_utc();
                    let hour = paygate::time::Duration::hours(1);
                    let request = ListPaymentsRequest::new(now - hour, now + hour).unwrap();
                    match gateway.list_payments(&request).await {
                        Ok(page) => {
                            // The order just paid is listed, as a payment.
                            assert!(
                                page.payments.iter().any(|p| p.order_id == id),
                                "{name}: {id} not listed"
                            );
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
                _ => continue,
            };
            match (declared, outcome) {
                (true, Ok(())) => {}
                (false, Err(e)) if e.class() == ErrorClass::Unsupported => {}
                (true, Err(e)) => panic!("{name} declares {capability} but it failed: {e}"),
                (false, Ok(())) => panic!("{name} does {capability} without declaring it"),
                (false, Err(e)) => {
                    panic!("{name} lacks {capability} but said {e} instead of Unsupported")
                }
            }
        }
    }
}

/// The sandbox is a strict peer: wrong credentials are refused with an auth error.
#[tokio::test]
async fn wrong_credentials_are_refused() {
    let env = env().await;
    let toml = env
        .sandbox
        .config_toml()
        .replace("sandbox-finpay-merchant-key", "wrong-finpay-key")
        .replace("sandbox-payway-api-key", "wrong-payway-key")
        .replace(
            "fedcba9876543210fedcba9876543210",
            "00000000000000000000000000000000",
        );
    let wrong = GatewayRegistry::from_toml_str(&toml).unwrap();
    for (name, gateway) in wrong.iter() {
        let err = gateway.payment_status(&fresh_id("A")).await.unwrap_err();
        assert_eq!(
            err.as_provider().map(|e| e.kind),
            Some(ProviderErrorKind::Auth),
            "{name}: {err}"
        );
    }
    // PayWay's merchant_auth under another RSA key is refused too.
    let other_key = include_str!("../../crates/payway/tests/keys/test_public_key.pem");
    let toml = env.sandbox.gateway_toml(Provider::Payway).replace(
        paygate::sandbox::PAYWAY_PUBLIC_KEY_PEM.trim_end(),
        other_key.trim_end(),
    );
    let registry = GatewayRegistry::from_toml_str(&toml).unwrap();
    let gateway = registry.gateway("payway").unwrap();
    let p = profile("payway");
    let good = paid(&env, &env.registry.gateway("payway").unwrap(), &p, "Z").await;
    let err = gateway
        .refund(&RefundRequest::new(good.clone(), p.money("1.00")).unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        err.as_provider().and_then(|e| e.code.clone()).as_deref(),
        Some("PTL05"),
        "{err}"
    );
    assert!(
        env.sandbox
            .order(Provider::Payway, good.as_str())
            .unwrap()
            .refunds
            .is_empty()
    );
}

/// Asserts a write was refused before sending: `class`, and no write request reached the
/// sandbox since `writes_before`.
fn refused_before_sending<T: std::fmt::Debug>(
    env: &Env,
    p: &Profile,
    writes_before: usize,
    result: Result<T, Error>,
    class: ErrorClass,
    what: &str,
) -> Error {
    let err = result.expect_err(what);
    assert_eq!(err.class(), class, "{what}: {err}");
    assert!(!err.outcome_unknown(), "{what}");
    assert_eq!(
        writes_received(&env.sandbox, p),
        writes_before,
        "{what}: a write reached the sandbox"
    );
    err
}

/// Every write of every provider, with a wrong currency, an amount over what is left and a
/// wrong state: a typed error, and the sandbox received no write.
#[tokio::test]
async fn writes_are_checked_against_the_payment_before_sending() {
    let env = env().await;
    for (name, gateway) in env.registry.iter() {
        let p = profile(name);
        let caps = gateway.capabilities();
        let other = Money::new(paygate::Decimal::from(1000), p.other_currency).unwrap();
        let unit = Money::from_minor_units(1, p.currency).unwrap();
        let over_paid = p.money(p.total).checked_add(&unit).unwrap();

        // Refund.
        let id = paid(&env, gateway, &p, "Q").await;
        let w = writes_received(&env.sandbox, &p);
        let err = refused_before_sending(
            &env,
            &p,
            w,
            gateway
                .refund(&RefundRequest::new(id.clone(), other).unwrap())
                .await,
            ErrorClass::InvalidInput,
            &format!("{name}: refund in the wrong currency"),
        );
        let text = err.to_string();
        assert!(
            text.contains(p.currency.code()) && text.contains(p.other_currency.code()),
            "{text}"
        );
        refused_before_sending(
            &env,
            &p,
            w,
            gateway
                .refund(&RefundRequest::new(id.clone(), over_paid).unwrap())
                .await,
            ErrorClass::InvalidInput,
            &format!("{name}: refund of more than was paid"),
        );
        if p.knows_refunded {
            gateway
                .refund(&RefundRequest::new(id.clone(), p.money(p.first_refund)).unwrap())
                .await
                .unwrap();
            let left = p
                .money(p.total)
                .checked_sub(&p.money(p.first_refund))
                .unwrap()
                .checked_add(&unit)
                .unwrap();
            let w = writes_received(&env.sandbox, &p);
            let err = refused_before_sending(
                &env,
                &p,
                w,
                gateway
                    .refund(&RefundRequest::new(id.clone(), left).unwrap())
                    .await,
                ErrorClass::InvalidInput,
                &format!("{name}: refund of more than is left"),
            );
            assert!(err.to_string().contains("left to refund"), "{err}");
        }
        let pending = create(gateway, &p, "Q", false).await;
        let w = writes_received(&env.sandbox, &p);
        refused_before_sending(
            &env,
            &p,
            w,
            gateway
                .refund(&RefundRequest::new(pending.clone(), p.money(p.first_refund)).unwrap())
                .await,
            ErrorClass::InvalidState,
            &format!("{name}: refund of a pending payment"),
        );

        // Capture: wrong currency, over the allowance, not authorized.
        if caps.contains(Capability::Capture) {
            let held = create(gateway, &p, "Q", true).await;
            env.sandbox.pay(p.provider, held.as_str()).unwrap();
            let w = writes_received(&env.sandbox, &p);
            let twice = p.money(p.total).checked_add(&p.money(p.total)).unwrap();
            for (amount, class, what) in [
                (
                    other,
                    ErrorClass::InvalidInput,
                    "capture in the wrong currency",
                ),
                (twice, ErrorClass::InvalidInput, "capture of twice the hold"),
            ] {
                refused_before_sending(
                    &env,
                    &p,
                    w,
                    gateway
                        .capture(&CaptureRequest::new(held.clone(), amount).unwrap())
                        .await,
                    class,
                    &format!("{name}: {what}"),
                );
            }
            refused_before_sending(
                &env,
                &p,
                w,
                gateway
                    .capture(
                        &CaptureRequest::new(pending.clone(), p.money(p.first_refund)).unwrap(),
                    )
                    .await,
                ErrorClass::InvalidState,
                &format!("{name}: capture of a pending payment"),
            );
        }
        // Void of a pending payment; cancel of a paid one.
        let w = writes_received(&env.sandbox, &p);
        if caps.contains(Capability::Void) {
            refused_before_sending(
                &env,
                &p,
                w,
                gateway.void(&(&pending).into()).await,
                ErrorClass::InvalidState,
                &format!("{name}: void of a pending payment"),
            );
        }
        if caps.contains(Capability::Cancel) {
            refused_before_sending(
                &env,
                &p,
                w,
                gateway.cancel(&(&id).into()).await,
                ErrorClass::InvalidState,
                &format!("{name}: cancel of a paid payment"),
            );
        }
    }
}

/// The reported bug: a PayWay refund of "1 KHR" on a USD payment refunded 1.00 USD (the wire
/// carries bare digits in the transaction's currency). Both ways round, refund and capture.
#[tokio::test]
async fn payway_refund_in_another_currency_than_the_payment_is_refused() {
    let env = env().await;
    let gateway = env.registry.gateway("payway").unwrap();
    let p = profile("payway");
    for (paid_in, asked_in, paid_amount, asked_amount) in [
        (Currency::USD, Currency::KHR, "10.00", "1"),
        (Currency::KHR, Currency::USD, "40000", "1.00"),
    ] {
        for pre_auth in [false, true] {
            let id = fresh_id("K");
            let mut request =
                CreatePayment::new(id.clone(), Money::parse(paid_amount, paid_in).unwrap())
                    .unwrap();
            if pre_auth {
                request = request.authorize_only();
            }
            gateway.create_payment(&request).await.unwrap();
            env.sandbox.pay(Provider::Payway, id.as_str()).unwrap();
            // A completion in KHR must be at least 100 riel (checked first, without reading).
            let asked_amount = if pre_auth && asked_in == Currency::KHR {
                "1000"
            } else {
                asked_amount
            };
            let asked = Money::parse(asked_amount, asked_in).unwrap();
            let w = writes_received(&env.sandbox, &p);
            let result = if pre_auth {
                gateway
                    .capture(&CaptureRequest::new(id.clone(), asked).unwrap())
                    .await
                    .map(drop)
            } else {
                gateway
                    .refund(&RefundRequest::new(id.clone(), asked).unwrap())
                    .await
                    .map(drop)
            };
            let err = refused_before_sending(
                &env,
                &p,
                w,
                result,
                ErrorClass::InvalidInput,
                &format!("{asked} on a {paid_in} payment"),
            );
            let text = err.to_string();
            assert!(text.contains("USD") && text.contains("KHR"), "{text}");
            let order = env.sandbox.order(Provider::Payway, id.as_str()).unwrap();
            assert!(order.refunds.is_empty(), "{text}");
        }
    }
}

#[tokio::test]
async fn refund_status_of_an_order_without_a_refund_is_the_same_answer_everywhere() {
    let env = env().await;
    for (name, gateway) in env.registry.iter() {
        let p = profile(name);
        let id = paid(&env, gateway, &p, "N").await;
        let err = gateway
            .refund_status(&RefundStatusRequest::new(id.clone()))
            .await
            .unwrap_err();
        let provider = err
            .as_provider()
            .unwrap_or_else(|| panic!("{name}: not a provider answer: {err}"));
        assert_eq!(provider.kind, ProviderErrorKind::NotFound, "{name}: {err}");
        assert_eq!(provider.operation, Operation::RefundStatus, "{name}: {err}");
        assert_eq!(err.class(), ErrorClass::Provider, "{name}: {err}");
        assert!(
            provider
                .message
                .starts_with(&format!("no refund of order {id} (")),
            "{name}: {}",
            provider.message
        );
    }
}
