//! The spans an operation leaves, seen by a recording subscriber: `paygate.<operation>` with
//! the gateway's instance name, provider, operation and order id (and `error.type` when it
//! fails), its `paygate.request` children, and a `paygate.attempt` per HTTP attempt with
//! OpenTelemetry's HTTP field names. No field holds a secret.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use paygate::sandbox::{Provider, Sandbox};
use paygate::{Currency, Money, OrderId, RefundRequest};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Clone, Default)]
struct Recorded {
    name: String,
    parent: Option<String>,
    fields: BTreeMap<String, String>,
}

#[derive(Default, Clone)]
struct Recorder {
    spans: Arc<Mutex<BTreeMap<u64, Recorded>>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut recorded = Recorded {
            name: attrs.metadata().name().to_owned(),
            parent: ctx
                .span(id)
                .and_then(|s| s.parent().map(|p| p.name().to_owned())),
            ..Recorded::default()
        };
        attrs.record(&mut Fields(&mut recorded.fields));
        self.spans.lock().unwrap().insert(id.into_u64(), recorded);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        if let Some(recorded) = self.spans.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut recorded.fields));
        }
    }
}

#[tokio::test]
async fn a_refund_leaves_an_operation_span_its_requests_and_their_attempts() {
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    paygate_tests::tracing_sees_every_callsite();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sandbox = Sandbox::start().await.unwrap();
    let registry = paygate::sandbox::registry(&sandbox).unwrap();
    let gateway = registry.gateway("payway").unwrap();
    let order = OrderId::new("SPAN1").unwrap();
    gateway
        .create_payment(
            &paygate::CreatePayment::new(
                order.clone(),
                Money::parse("10.00", Currency::USD).unwrap(),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    sandbox.pay(Provider::Payway, "SPAN1").unwrap();
    gateway
        .refund(
            &RefundRequest::new(order.clone(), Money::parse("2.50", Currency::USD).unwrap())
                .unwrap(),
        )
        .await
        .unwrap();
    // A refund in riel of a dollar payment: refused after the status read, nothing written.
    let refused = gateway
        .refund(
            &RefundRequest::new(order.clone(), Money::parse("2500", Currency::KHR).unwrap())
                .unwrap(),
        )
        .await
        .unwrap_err();
    // A read answered once by a proxy's error page, then read again: its second attempt is
    // a resend.
    sandbox.arm(
        paygate::sandbox::FaultSpec::new(
            Provider::Payway,
            paygate::sandbox::Fault::Html { status: 502 },
            1,
        )
        .on_path("check-transaction-2"),
    );
    gateway.payment_status(&order).await.unwrap();

    let spans: Vec<Recorded> = recorder.spans.lock().unwrap().values().cloned().collect();
    let resent: Vec<&Recorded> = spans
        .iter()
        .filter(|s| {
            s.name == "paygate.attempt" && s.fields.contains_key("http.request.resend_count")
        })
        .collect();
    assert_eq!(resent.len(), 1, "{spans:#?}");
    assert_eq!(resent[0].fields["http.request.resend_count"], "1");
    assert_eq!(resent[0].fields["http.response.status_code"], "200");
    let refunds: Vec<&Recorded> = spans
        .iter()
        .filter(|s| s.name == "paygate.refund")
        .collect();
    assert_eq!(refunds.len(), 2, "{spans:#?}");
    for span in &refunds {
        assert_eq!(span.fields["paygate.gateway"], "payway");
        assert_eq!(span.fields["paygate.provider"], "payway");
        assert_eq!(span.fields["paygate.operation"], "refund");
        assert_eq!(span.fields["paygate.order_id"], "SPAN1");
    }
    assert_eq!(refunds[1].fields["error.type"], refused.class().name());
    assert_eq!(refunds[1].fields["paygate.outcome_unknown"], "false");
    assert!(
        !refunds[0].fields.contains_key("error.type"),
        "{:?}",
        refunds[0]
    );
    // The refunds' requests are their children, each with its attempts: the status read and
    // the refund of the first, the status read of the refused one.
    let requests: Vec<&Recorded> = spans
        .iter()
        .filter(|s| s.name == "paygate.request" && s.parent.as_deref() == Some("paygate.refund"))
        .collect();
    assert_eq!(requests.len(), 3, "{spans:#?}");
    let attempts: Vec<&Recorded> = spans
        .iter()
        .filter(|s| s.name == "paygate.attempt")
        .collect();
    assert!(
        attempts
            .iter()
            .all(|a| a.parent.as_deref() == Some("paygate.request"))
    );
    let refund_attempt = attempts
        .iter()
        .find(|a| a.fields["url.template"].contains("refund"))
        .unwrap_or_else(|| panic!("{attempts:#?}"));
    assert_eq!(refund_attempt.fields["http.request.method"], "POST");
    assert_eq!(refund_attempt.fields["http.response.status_code"], "200");
    // OpenTelemetry's HTTP client span: its name, kind, server and full URL; no resend
    // count on a first attempt.
    assert_eq!(refund_attempt.fields["otel.kind"], "client");
    assert_eq!(
        refund_attempt.fields["otel.name"],
        format!("POST {}", refund_attempt.fields["url.template"])
    );
    assert_eq!(refund_attempt.fields["server.address"], "127.0.0.1");
    assert_eq!(
        refund_attempt.fields["server.port"],
        sandbox.addr().port().to_string()
    );
    assert!(
        refund_attempt.fields["url.full"].starts_with("http://127.0.0.1:")
            && refund_attempt.fields["url.full"].ends_with(&refund_attempt.fields["url.template"]),
        "{refund_attempt:?}"
    );
    assert!(
        !refund_attempt
            .fields
            .contains_key("http.request.resend_count"),
        "{refund_attempt:?}"
    );
    // The logical request: paygate's own fields.
    for request in &requests {
        assert_eq!(request.fields["paygate.provider"], "payway");
        assert_eq!(request.fields["paygate.order_id"], "SPAN1");
    }
    // Nothing secret in any field of any span.
    let secrets = sandbox.credentials().secret_forms();
    for span in &spans {
        for value in span.fields.values() {
            for secret in &secrets {
                assert!(!value.contains(secret.as_str()), "{span:?}");
            }
        }
    }
    sandbox.shutdown().await;
}
