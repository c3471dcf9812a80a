//! A refund whose outcome is unknown, handled right.
//!
//! The provider applies the refund but its answer is lost (here: the sandbox resets the
//! connection after applying it). The refund must not be sent again: that could refund twice.
//! With the write journal (feature `journal`), paygate records the refund before sending it,
//! refuses to send it again under the same key, and settles it later by reading the payment.
//!
//! `cargo run -p paygate-recipes --bin refund_unknown_outcome` (exit code 0 when every step
//! behaved as described).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use paygate::journal::{EntryState, RecoveryOptions};
use paygate::sandbox::{Fault, FaultSpec, Provider, Sandbox};
use paygate::{
    CreatePayment, Currency, ErrorClass, GatewayRegistry, Money, OrderId, RefundReference,
    RefundRequest,
};

type Failure = Box<dyn std::error::Error>;

/// The sandbox's path of PayWay's refund endpoint, where the fault is armed.
const PAYWAY_REFUND_PATH: &str = "online-transaction/refund";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("refund_unknown_outcome: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Failure> {
    // The sandbox stands in for PayWay; a journal file of our own.
    let sandbox = Sandbox::start().await?;
    let dir = std::env::temp_dir().join(format!("paygate-recipe-{}", std::process::id()));
    // Leases of 2.5 s: the sandbox answers in milliseconds (with real providers, leave
    // `deadline_ms` out: the deadline then follows [transport] and [retry], 85 s by default).
    // A write asked again does not wait for the first (by default it waits up to 5 s).
    let toml = format!(
        "{}\n[journal]\nurl = \"sqlite://{}\"\ndeadline_ms = 2000\nlease_margin_ms = 500\nwait_for_order_ms = 0\n",
        sandbox.gateway_toml(Provider::Payway),
        dir.join("journal.db").display()
    );
    let registry = GatewayRegistry::builder()
        .toml_str(&toml)?
        .open_journal()
        .await?
        .build()?;
    let gateway = registry.gateway("payway")?;

    // A paid order of 10.00 USD.
    let order = OrderId::new("RECIPE1")?;
    let amount = Money::parse("10.00", Currency::USD)?;
    gateway
        .create_payment(&CreatePayment::new(order.clone(), amount)?)
        .await?;
    sandbox.pay(Provider::Payway, order.as_str())?;

    // The refund: its reference is the journal's key. Keep it with the request that caused
    // it (a support ticket, an admin's click), so that asking again names the same refund.
    let refund = RefundRequest::new(order.clone(), Money::parse("2.50", Currency::USD)?)?
        .reference(RefundReference::new("TICKET-4711")?);
    sandbox.arm(
        FaultSpec::new(Provider::Payway, Fault::ResetAfterApply, 1).on_path(PAYWAY_REFUND_PATH),
    );
    match gateway.refund(&refund).await {
        Err(e) if e.outcome_unknown() => {
            // Sent, and maybe applied: never resend. Tell the operator; recovery settles it.
            println!("1. outcome unknown ({}): not resent", e.class().name());
        }
        other => return Err(format!("expected an unknown outcome, got {other:?}").into()),
    }

    // The same refund asked again at once (a second click, a retrying job): its lease runs,
    // so nothing is sent (asked again after the lease, it would be settled on the spot).
    match gateway.refund(&refund).await {
        Err(e) if e.class() == ErrorClass::InProgress || e.outcome_unknown() => {
            println!("2. asked again: {} — nothing sent", e.class().name());
        }
        other => return Err(format!("expected the journal to stop it, got {other:?}").into()),
    }

    // Recovery never settles an entry whose lease still runs: the request may still be on its
    // way through the provider, whoever sent it (even if its process died meanwhile). A live
    // app runs recovery at start and from a periodic job; it reports entries whose lease
    // still runs, and when they become eligible. Here: wait the lease out.
    tokio::time::sleep(std::time::Duration::from_millis(2600)).await;
    // Recovery reads the payment and compares it with what was read before sending.
    let report = registry.recover(RecoveryOptions::default()).await?;
    for settled in &report.settled {
        println!(
            "3. recovered {}: {} ({})",
            settled.key, settled.state, settled.reason
        );
    }
    if report.count(EntryState::Applied) != 1 || report.unresolved() != 0 {
        return Err("recovery did not find the refund applied".into());
    }

    // Asked once more: answered from the journal, still nothing sent.
    let done = gateway.refund(&refund).await?;
    let refunded = done.amount.map(|m| m.to_string()).unwrap_or_default();
    println!("4. asked again after recovery: {} {refunded}", done.status);

    let sent = sandbox
        .orders(Provider::Payway)
        .into_iter()
        .find(|o| o.id == order.as_str())
        .map(|o| o.refunds.len())
        .unwrap_or_default();
    println!("refunds the provider applied: {sent}");
    let _ = std::fs::remove_dir_all(&dir);
    if sent == 1 {
        Ok(())
    } else {
        Err(format!("{sent} refunds applied, expected 1").into())
    }
}
