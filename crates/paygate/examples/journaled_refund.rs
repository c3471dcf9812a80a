//! A refund that survives being killed: run it, kill it at any moment (Ctrl-C, `kill -9`),
//! run it again with the same arguments. It never refunds twice.
//!
//! ```text
//! paygate sandbox --port 8787 > sandbox.txt &        # or point paygate.toml at a provider
//! # paygate.toml: the sandbox's [gateways.payway] table, plus
//! #   [journal]
//! #   url = "sqlite://refunds-journal.db"
//! paygate create payway --order-id SHOP1 --amount 10.00 --currency USD
//! curl -X POST localhost:8787/_sandbox/pay/payway/SHOP1
//! cargo run -p paygate --features journal --example journaled_refund -- paygate.toml payway SHOP1 2.50 REFUND-SHOP1-1
//! ```
//!
//! Each run first settles what an earlier run left open (a kill between sending and
//! recording: the killed process is gone, so its lease ended with it), then refunds under
//! the key: done before → the recorded result, nothing sent; found not applied → sent again,
//! explicitly, under the same key; still unsettled → exit 6, "run me again".

#![allow(clippy::print_stdout, clippy::print_stderr)]

use paygate::journal::{EntryState, RecoveryOptions};
use paygate::{GatewayRegistry, Money, OrderId, RefundReference, RefundRequest};

async fn run(args: &[String]) -> paygate::Result<()> {
    let [config, gateway, order, amount, key] = args else {
        return Err(paygate::Error::invalid(
            "arguments",
            "usage: journaled_refund CONFIG GATEWAY ORDER AMOUNT KEY",
        ));
    };
    let registry = GatewayRegistry::open(config).await?;
    let gateway_handle = registry.gateway(gateway)?;
    // Whatever an earlier run left open. An entry whose writer still runs (another process
    // refunding right now) is left alone until its lease ends; a dead writer's lease ended
    // with it.
    let report = registry.recover(RecoveryOptions::default()).await?;
    for settled in &report.settled {
        println!(
            "recovered {}: {} ({})",
            settled.key, settled.state, settled.reason
        );
    }
    if let Some(journal) = registry.journal() {
        let earlier = journal
            .entry(&gateway_handle.account().fingerprint(), key)
            .await
            .map_err(|e| paygate::Error::config("journal", e.to_string()))?;
        if earlier.is_some_and(|e| e.state == EntryState::NotApplied) {
            println!("{key} was not applied: sending it again, same key");
            let entry = registry.retry(key).await?;
            println!("{key}: {}", entry.state);
            return Ok(());
        }
    }
    let payment = gateway_handle
        .payment_status(&OrderId::new(order.as_str())?)
        .await?;
    let currency = payment
        .amount
        .map(|m| m.currency())
        .ok_or_else(|| paygate::Error::invalid("order", "the payment names no currency"))?;
    let request = RefundRequest::for_payment(&payment, Money::parse(amount, currency)?)?
        .reference(RefundReference::new(key.as_str())?);
    let refund = gateway_handle.refund(&request).await?;
    println!(
        "{key}: refund {} ({}), total refunded {}",
        refund.status,
        refund.provider_status,
        refund
            .total_refunded
            .map_or_else(|| "-".to_owned(), |m| m.to_string())
    );
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if e.outcome_unknown() => {
            eprintln!(
                "the refund's outcome is unknown (recorded, not resent): run me again to settle it\n{e}"
            );
            std::process::ExitCode::from(6)
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}
