//! `paygate demo`: every provider through a payment's life, against the embedded sandbox.

use std::sync::Arc;
use std::time::Instant;

use paygate::sandbox::{Provider, Sandbox};
use paygate::{
    Capability, CaptureRequest, CreatePayment, Currency, Customer, Error, GatewayRegistry, Money,
    OrderId, PaymentGateway, PaymentStatus, RefundRequest, RefundStatus, RefundStatusRequest, Url,
};
use serde::Serialize;
use serde_json::json;

use crate::exit;
use crate::ops::Out;

/// One step: what was done, what came back, whether it was what the demo expected.
#[derive(Debug, Serialize)]
struct Step {
    operation: String,
    status: String,
    provider_status: String,
    /// `{amount, currency}`, or null.
    #[serde(serialize_with = "money_object")]
    amount: Option<Money>,
    latency_ms: u128,
    expected: String,
    ok: bool,
}

fn money_object<S: serde::Serializer>(money: &Option<Money>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&crate::ops::money_json(*money), s)
}

struct Demo<'a> {
    sandbox: &'a Sandbox,
    gateway: Arc<dyn PaymentGateway>,
    provider: Provider,
    currency: Currency,
    total: &'static str,
    part: &'static str,
    rest: &'static str,
    steps: Vec<Step>,
    next: u32,
}

impl Demo<'_> {
    fn money(&self, text: &str) -> Result<Money, Error> {
        Money::parse(text, self.currency).map_err(Error::from)
    }

    fn record(
        &mut self,
        operation: &str,
        started: Instant,
        outcome: Result<(String, String, Option<Money>), Error>,
        expected: &str,
    ) {
        let latency_ms = started.elapsed().as_millis();
        let step = match outcome {
            Ok((status, provider_status, amount)) => Step {
                ok: status == expected,
                operation: operation.to_owned(),
                status,
                provider_status,
                amount,
                latency_ms,
                expected: expected.to_owned(),
            },
            Err(e) => Step {
                ok: format!("error: {}", e.class()) == expected,
                operation: operation.to_owned(),
                status: format!("error: {}", e.class()),
                provider_status: e.to_string(),
                amount: None,
                latency_ms,
                expected: expected.to_owned(),
            },
        };
        self.steps.push(step);
    }

    /// Creates a payment; returns the id later calls use (the sandbox's ledger id).
    async fn create(&mut self, pre_auth: bool) -> Option<OrderId> {
        self.next += 1;
        let id = OrderId::new(format!(
            "DEMO{}{}{}",
            self.provider.name().to_ascii_uppercase(),
            self.next,
            if pre_auth { "H" } else { "" }
        ))
        .ok()?;
        let started = Instant::now();
        let outcome = async {
            let mut request = CreatePayment::new(id.clone(), self.money(self.total)?)?
                .description("paygate demo")
                .customer(
                    Customer::new()
                        .name("Dara", "Sok")
                        .email("dara@example.com")
                        .phone("+6281234567890"),
                )
                .callback_url(
                    Url::parse("https://shop.example/callback")
                        .map_err(|e| Error::invalid("url", e.to_string()))?,
                )
                .return_url(
                    Url::parse("https://shop.example/done")
                        .map_err(|e| Error::invalid("url", e.to_string()))?,
                );
            if pre_auth {
                request = request.authorize_only();
            }
            self.gateway.create_payment(&request).await
        }
        .await;
        let (result, key) = match outcome {
            Ok(checkout) => {
                let key = self
                    .provider
                    .ledger_id(&checkout)
                    .and_then(|k| OrderId::new(k).ok());
                (
                    Ok((
                        "created".to_owned(),
                        next_action_name(&checkout.next_action).to_owned(),
                        self.money(self.total).ok(),
                    )),
                    key,
                )
            }
            Err(e) => (Err(e), None),
        };
        let label = if pre_auth {
            "create (pre-auth)"
        } else {
            "create"
        };
        self.record(label, started, result, "created");
        key
    }

    async fn pay(&mut self, id: &OrderId, expected: PaymentStatus) {
        let started = Instant::now();
        let outcome = match self.sandbox.pay(self.provider, id.as_str()) {
            Ok(webhook) => {
                let mut headers = paygate::http::HeaderMap::new();
                for (k, v) in &webhook.headers {
                    if let (Ok(name), Ok(value)) = (
                        paygate::http::HeaderName::from_bytes(k.as_bytes()),
                        v.parse(),
                    ) {
                        headers.insert(name, value);
                    }
                }
                self.gateway
                    .verify_webhook(webhook.body.as_bytes(), &headers)
                    .map(|event| {
                        let status = event
                            .status
                            .map_or_else(|| "—".to_owned(), |s| s.as_str().to_owned());
                        (status, event.authenticity.as_str().to_owned(), event.amount)
                    })
            }
            Err(refusal) => Err(Error::invalid("sandbox", refusal.to_string())),
        };
        self.record(
            "customer pays; webhook verified",
            started,
            outcome,
            expected.as_str(),
        );
    }

    async fn status(&mut self, id: &OrderId, expected: PaymentStatus) {
        let started = Instant::now();
        let outcome = self.gateway.payment_status(id).await.map(|p| {
            (
                p.status.as_str().to_owned(),
                p.provider_status.clone(),
                p.amount,
            )
        });
        self.record("status", started, outcome, expected.as_str());
    }

    async fn refund(&mut self, id: &OrderId, amount: &'static str, label: &str, expected: &str) {
        let started = Instant::now();
        let outcome = async {
            let refund = self
                .gateway
                .refund(&RefundRequest::new(id.clone(), self.money(amount)?)?)
                .await?;
            Ok((
                refund.status.as_str().to_owned(),
                refund.provider_status.clone(),
                refund.amount,
            ))
        }
        .await;
        self.record(label, started, outcome, expected);
    }

    async fn refund_status(&mut self, id: &OrderId) {
        let started = Instant::now();
        let outcome = self
            .gateway
            .refund_status(&RefundStatusRequest::new(id.clone()))
            .await
            .map(|r| {
                (
                    r.status.as_str().to_owned(),
                    r.provider_status.clone(),
                    r.total_refunded,
                )
            });
        self.record(
            "refund status",
            started,
            outcome,
            RefundStatus::Succeeded.as_str(),
        );
    }

    async fn finish_with(&mut self, label: &str, id: &OrderId, expected: PaymentStatus) {
        let started = Instant::now();
        let outcome = match label {
            "cancel" => self.gateway.cancel(&id.into()).await,
            "void" => self.gateway.void(&id.into()).await,
            _ => match self.money(self.part) {
                Ok(amount) => match CaptureRequest::new(id.clone(), amount) {
                    Ok(request) => self.gateway.capture(&request).await,
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            },
        }
        .map(|p| {
            (
                p.status.as_str().to_owned(),
                p.provider_status.clone(),
                p.amount,
            )
        });
        self.record(label, started, outcome, expected.as_str());
    }
}

fn next_action_name(action: &paygate::NextAction) -> &'static str {
    match action {
        paygate::NextAction::Redirect { .. } => "redirect",
        paygate::NextAction::PostForm { .. } => "post form",
        paygate::NextAction::ShowQr { .. } => "show QR",
        paygate::NextAction::PayWithCode { .. } => "pay with code",
        _ => "other",
    }
}

/// One provider's life, with its sample order's amounts.
async fn provider_demo(
    sandbox: &Sandbox,
    registry: &GatewayRegistry,
    provider: Provider,
) -> Result<Vec<Step>, Error> {
    let sample = provider.sample();
    let gateway = registry.gateway(provider.name())?;
    let caps = gateway.capabilities();
    let mut demo = Demo {
        sandbox,
        gateway,
        provider,
        currency: Currency::from_code(sample.currency)?,
        total: sample.total,
        part: sample.part,
        rest: sample.rest,
        steps: Vec::new(),
        next: 0,
    };
    // Where the provider reports no refunded amount, a payment with a refund reads as
    // partially refunded, however much went back, and the rest is refused unsent: what is
    // left cannot be checked.
    let (rest, after_all) = if sample.reports_refunded_amount {
        (RefundStatus::Succeeded.as_str(), PaymentStatus::Refunded)
    } else {
        ("error: invalid-state", PaymentStatus::PartiallyRefunded)
    };
    if let Some(id) = demo.create(false).await {
        demo.status(&id, PaymentStatus::Pending).await;
        demo.pay(&id, PaymentStatus::Paid).await;
        demo.status(&id, PaymentStatus::Paid).await;
        demo.refund(
            &id,
            demo.part,
            "partial refund",
            RefundStatus::Succeeded.as_str(),
        )
        .await;
        demo.refund_status(&id).await;
        demo.status(&id, PaymentStatus::PartiallyRefunded).await;
        demo.refund(&id, demo.rest, "refund the rest", rest).await;
        demo.status(&id, after_all).await;
    }
    if caps.contains(Capability::Cancel)
        && let Some(id) = demo.create(false).await
    {
        demo.finish_with("cancel", &id, PaymentStatus::Cancelled)
            .await;
    }
    if caps.contains(Capability::Capture)
        && let Some(id) = demo.create(true).await
    {
        demo.pay(&id, PaymentStatus::Authorized).await;
        demo.finish_with("capture", &id, PaymentStatus::Paid).await;
    }
    if caps.contains(Capability::Void) {
        let hold = caps.contains(Capability::Capture);
        if let Some(id) = demo.create(hold).await {
            demo.pay(
                &id,
                if hold {
                    PaymentStatus::Authorized
                } else {
                    PaymentStatus::Paid
                },
            )
            .await;
            demo.finish_with("void", &id, PaymentStatus::Voided).await;
        }
    }
    Ok(demo.steps)
}

fn table(name: &str, steps: &[Step]) -> String {
    let mut out = format!("\n{name}\n");
    out.push_str(&format!(
        "  {:<34} {:<20} {:<22} {:>16} {:>6}\n",
        "operation", "unified status", "provider status", "amount", "ms"
    ));
    for s in steps {
        let mark = if s.ok { "ok" } else { "UNEXPECTED" };
        let provider_status: String = s.provider_status.chars().take(22).collect();
        out.push_str(&format!(
            "  {:<34} {:<20} {:<22} {:>16} {:>6}  {mark}{}\n",
            s.operation,
            s.status,
            provider_status,
            s.amount.map(|m| m.to_string()).unwrap_or_default(),
            s.latency_ms,
            if s.ok {
                String::new()
            } else {
                format!(" (expected {})", s.expected)
            }
        ));
    }
    out
}

/// Runs the demo; 0 only when every step behaved as expected.
pub(crate) async fn run(out: Out) -> u8 {
    let sandbox = match Sandbox::start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("paygate demo: cannot start the sandbox: {e}");
            return exit::CONFIG;
        }
    };
    let registry = match paygate::sandbox::registry(&sandbox) {
        Ok(r) => r,
        Err(e) => return out.error("demo", &e),
    };
    let mut all = serde_json::Map::new();
    let mut human = format!(
        "paygate demo — against the embedded sandbox at http://{}\n",
        sandbox.addr()
    );
    let (mut total, mut failed) = (0usize, 0usize);
    let providers: Vec<Provider> = Provider::ALL
        .into_iter()
        .filter(|p| registry.get(p.name()).is_some())
        .collect();
    for &provider in &providers {
        let name = provider.name();
        let steps = match provider_demo(&sandbox, &registry, provider).await {
            Ok(s) => s,
            Err(e) => return out.error("demo", &e),
        };
        total += steps.len();
        failed += steps.iter().filter(|s| !s.ok).count();
        human.push_str(&table(name, &steps));
        all.insert(
            name.to_owned(),
            serde_json::to_value(&steps).unwrap_or_default(),
        );
    }
    let summary = if failed == 0 {
        format!(
            "demo: {} providers, {total} steps, every one as expected",
            providers.len()
        )
    } else {
        format!("demo: {failed} of {total} steps did not behave as expected")
    };
    human.push('\n');
    human.push_str(&summary);
    out.result(&human, json!({"command": "demo", "providers": all, "steps": total, "unexpected": failed, "ok": failed == 0}));
    sandbox.shutdown().await;
    if failed == 0 {
        exit::OK
    } else {
        exit::CHECK_FAILED
    }
}
