//! `paygate sandbox`: the simulator, standalone.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use paygate::clock::SystemClock;
use paygate::sandbox::{Credentials, Provider, Sandbox};
use serde_json::json;

use crate::args::SandboxArgs;
use crate::exit;
use crate::ops::Out;

/// Runs until Ctrl-C (or `--duration`), after printing where each provider is and the
/// configuration an app should use. Its credentials are the simulator's fixed test values.
pub(crate) async fn run(out: Out, args: &SandboxArgs) -> u8 {
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
