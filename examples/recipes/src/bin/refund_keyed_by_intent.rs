//! Key a write by the user's intent.
//!
//! An admin page shows a refund form; the person clicks, clicks again, goes Back and sends
//! it again, or has the page open in two tabs. Each of those must refund once. The key that
//! makes it so is minted when the form is *shown*, travels in the form (a hidden field), and
//! is the refund's reference, which the write journal keys it by: the same key again is
//! answered from the journal, never sent again. A key made when the form is *received*
//! (a counter, a random id) makes every submission a new refund.
//!
//! Here the key is the order and how many refunds the journal holds for it when the form is
//! shown, so two tabs showing the same state carry the same key; the next form, shown after
//! that refund, carries the next. What was refunded comes from the provider's answer, never
//! from adding the request's amount to a figure of one's own.
//!
//! `cargo run -p paygate-recipes --bin refund_keyed_by_intent` (exit code 0 when every step
//! behaved as described).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use paygate::journal::{EntryFilter, WriteOperation};
use paygate::sandbox::{Provider, Sandbox};
use paygate::{
    CreatePayment, Currency, ErrorClass, GatewayRegistry, Money, OrderId, PaymentGateway,
    RefundReference, RefundRequest,
};

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("refund_keyed_by_intent: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The key a refund form carries, minted when the form is shown: the order and how many
/// refunds the journal holds for it then.
async fn key_for_form(
    registry: &GatewayRegistry,
    gateway: &dyn PaymentGateway,
    order: &OrderId,
) -> Result<String, Failure> {
    let journal = registry.journal().ok_or("no journal configured")?;
    let refunds = journal
        .entries(&EntryFilter {
            account: Some(gateway.account().fingerprint()),
            order_id: Some(order.as_str().to_owned()),
            ..EntryFilter::default()
        })
        .await?
        .iter()
        .filter(|e| e.operation == WriteOperation::Refund)
        .count();
    Ok(format!("{order}R{}", refunds + 1))
}

/// What the form's submission does: the refund under the form's key; what to tell the person.
async fn submit(gateway: &dyn PaymentGateway, order: &OrderId, key: &str, amount: &str) -> String {
    let request = (|| -> paygate::Result<RefundRequest> {
        let amount = Money::parse(amount, Currency::USD)?;
        Ok(RefundRequest::new(order.clone(), amount)?.reference(RefundReference::new(key)?))
    })();
    let request = match request {
        Ok(request) => request,
        Err(e) => return format!("not refunded: {e}"),
    };
    match gateway.refund(&request).await {
        Ok(refund) => format!(
            "refund {key}: {}, {} refunded in all",
            refund.status.as_str(),
            refund
                .total_refunded
                .map(|m| m.to_string())
                .unwrap_or_else(|| "?".into())
        ),
        Err(e) if e.class() == ErrorClass::OutcomeUnknown => {
            format!("refund {key}: outcome unknown, not resent")
        }
        Err(e) => format!("not refunded ({}): {e}", e.class().name()),
    }
}

async fn run() -> Result<(), Failure> {
    let sandbox = Sandbox::start().await?;
    let dir = std::env::temp_dir().join(format!("paygate-recipe-intent-{}", std::process::id()));
    let toml = format!(
        "{}\n[journal]\nurl = \"sqlite://{}\"\n",
        sandbox.gateway_toml(Provider::Payway),
        dir.join("journal.db").display()
    );
    let registry = GatewayRegistry::builder()
        .toml_str(&toml)?
        .open_journal()
        .await?
        .build()?;
    let gateway = registry.gateway("payway")?;
    let order = OrderId::new("INTENT1")?;
    gateway
        .create_payment(&CreatePayment::new(
            order.clone(),
            Money::parse("10.00", Currency::USD)?,
        )?)
        .await?;
    sandbox.pay(Provider::Payway, order.as_str())?;

    // The form, shown in two tabs: both carry the same key.
    let shown = key_for_form(&registry, gateway.as_ref(), &order).await?;
    let other_tab = key_for_form(&registry, gateway.as_ref(), &order).await?;
    println!("1. the form carries key {shown} (and in a second tab, {other_tab})");

    // Sent twice at once (a double click), then again from the other tab (or after Back).
    let (one, two) = tokio::join!(
        submit(gateway.as_ref(), &order, &shown, "2.00"),
        submit(gateway.as_ref(), &order, &shown, "2.00")
    );
    println!("2. sent twice at once: {one} / {two}");
    let again = submit(gateway.as_ref(), &order, &other_tab, "2.00").await;
    println!("3. sent again from the other tab: {again}");
    // The same key with another amount is another write: refused, nothing sent.
    let changed = submit(gateway.as_ref(), &order, &shown, "3.00").await;
    println!("4. the same key with another amount: {changed}");

    // A form shown after that refund carries the next key: a second refund, on purpose.
    let next = key_for_form(&registry, gateway.as_ref(), &order).await?;
    let second = submit(gateway.as_ref(), &order, &next, "1.00").await;
    println!("5. the next form ({next}): {second}");

    let sent = sandbox
        .received()
        .iter()
        .filter(|r| r.path.ends_with("refund"))
        .count();
    println!("refunds the provider received: {sent}");
    sandbox.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    if sent != 2 {
        return Err(format!("expected 2 refunds at the provider, {sent} arrived").into());
    }
    Ok(())
}
