//! `paygate sandbox`: the simulator, standalone.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use paygate::clock::SystemClock;
use paygate::sandbox::{Credentials, Provider, Sandbox};
use serde_json::json;

use crate::args::{SandboxAction, SandboxArgs, SandboxAt};
use crate::exit;
use crate::ops::Out;

/// `sandbox`: runs one, or asks a running one.
pub(crate) async fn run(out: Out, args: &SandboxArgs) -> u8 {
    match &args.action {
        None => serve(out, args).await,
        Some(SandboxAction::Deliveries(at)) => deliveries(out, at).await,
        Some(SandboxAction::Redeliver { n, at }) => redeliver(out, *n, at).await,
    }
}

/// A client for a sandbox at `at`: loopback only, no proxy, no redirects.
fn control(at: &SandboxAt) -> Result<(reqwest::Client, paygate::Url), paygate::Error> {
    let url = paygate::Url::parse(&at.url)
        .map_err(|e| paygate::Error::invalid("url", format!("{}: {e}", at.url)))?;
    if !matches!(url.scheme(), "http" | "https") || !paygate_core::config::is_loopback_host(&url) {
        return Err(paygate::Error::invalid(
            "url",
            format!(
                "{} is not on this machine's loopback: a sandbox runs here, and paygate calls nothing else for it",
                at.url
            ),
        ));
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(|e| paygate::Error::config("sandbox", e.to_string()))?;
    Ok((client, url))
}

/// The sandbox at `url` did not answer as one does.
fn unreachable(url: &paygate::Url, what: impl std::fmt::Display) -> paygate::Error {
    paygate::Error::config(
        "sandbox",
        format!("no sandbox answered at {url} ({what}): is `paygate sandbox` running there?"),
    )
}

/// `sandbox deliveries`.
async fn deliveries(out: Out, at: &SandboxAt) -> u8 {
    let listed = async {
        let (client, url) = control(at)?;
        let answer = client
            .get(format!(
                "{}/_sandbox/deliveries",
                url.as_str().trim_end_matches('/')
            ))
            .send()
            .await
            .map_err(|e| unreachable(&url, e))?;
        if !answer.status().is_success() {
            return Err(unreachable(&url, answer.status()));
        }
        let body = answer.bytes().await.map_err(|e| unreachable(&url, e))?;
        serde_json::from_slice::<Vec<paygate::sandbox::Delivery>>(&body)
            .map_err(|e| unreachable(&url, e))
    };
    match listed.await {
        Ok(deliveries) => {
            let mut human = format!(
                "{:>3}  {:<7} {:<20} {:>2}  {:<6} {:<5} {}\n",
                "n", "provider", "order", "#", "answer", "ack", "to"
            );
            for (n, d) in deliveries.iter().enumerate() {
                let answer = d
                    .status
                    .map_or_else(|| "none".to_owned(), |s| s.to_string());
                human.push_str(&format!(
                    "{n:>3}  {:<7} {:<20} {:>2}  {answer:<6} {:<5} {}{}{}\n",
                    d.provider.name(),
                    d.order_id,
                    d.attempt,
                    if d.acknowledged { "yes" } else { "no" },
                    d.url,
                    d.redelivery_of
                        .map(|of| format!("  (again, of {of})"))
                        .unwrap_or_default(),
                    d.error
                        .as_deref()
                        .map(|e| format!("  {e}"))
                        .unwrap_or_default(),
                ));
            }
            human.push_str(&crate::ops::count(
                u64::try_from(deliveries.len()).unwrap_or(u64::MAX),
                "delivery attempt",
                "delivery attempts",
            ));
            out.result(
                &human,
                json!({"command": "sandbox-deliveries", "deliveries": deliveries}),
            );
            exit::OK
        }
        Err(e) => out.error("sandbox deliveries", &e),
    }
}

/// `sandbox redeliver`.
async fn redeliver(out: Out, n: usize, at: &SandboxAt) -> u8 {
    let asked = async {
        let (client, url) = control(at)?;
        let answer = client
            .post(format!(
                "{}/_sandbox/redeliver/{n}",
                url.as_str().trim_end_matches('/')
            ))
            .send()
            .await
            .map_err(|e| unreachable(&url, e))?;
        match answer.status().as_u16() {
            202 => Ok(()),
            404 | 409 => Err(paygate::Error::invalid(
                "n",
                answer.text().await.unwrap_or_default(),
            )),
            status => Err(unreachable(&url, status)),
        }
    };
    match asked.await {
        Ok(()) => {
            out.result(
                &format!("delivery {n}: sent again (see paygate sandbox deliveries)"),
                json!({"command": "sandbox-redeliver", "n": n, "sent": true}),
            );
            exit::OK
        }
        Err(e) => out.error("sandbox redeliver", &e),
    }
}

/// Runs until Ctrl-C (or `--duration`), after printing where each provider is and the
/// configuration an app should use. Its credentials are the simulator's fixed test values.
async fn serve(out: Out, args: &SandboxArgs) -> u8 {
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    let sandbox =
        match Sandbox::start_with(addr, Credentials::default(), Arc::new(SystemClock)).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("paygate sandbox: cannot start on {addr}: {e}");
                return exit::CONFIG;
            }
        };
    let base = format!("http://{}", sandbox.addr());
    let urls = Provider::ALL.map(|p| (p.name(), sandbox.url(p)));
    if out.json {
        println!(
            "{}",
            json!({
                "command": "sandbox",
                "base": base,
                "urls": urls.iter().map(|(n, u)| (n.to_string(), json!(u))).collect::<serde_json::Map<_, _>>(),
                "config_toml": sandbox.config_toml(),
            })
        );
    } else {
        println!("paygate sandbox listening on {base}");
        for (name, url) in &urls {
            println!("  {name:7} {url}");
        }
        println!();
        println!("A paygate.toml for your app (test credentials, not secrets):");
        println!();
        println!("{}", sandbox.config_toml());
        println!(
            "Simulate the customer paying:  curl -X POST {base}/_sandbox/pay/<provider>/<order-id>"
        );
        println!("See what arrived:              curl {base}/_sandbox/requests");
        println!(
            "Inject a fault:                curl -X POST {base}/_sandbox/faults -d '{{\"provider\":\"{}\",\"fault\":{{\"kind\":\"html\",\"status\":502}},\"times\":1}}'",
            urls.first().map_or("<provider>", |(name, _)| name)
        );
        println!();
        println!("Ctrl-C stops it.");
    }
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    match args.duration {
        Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    sandbox.shutdown().await;
    exit::OK
}
