//! The sandbox in its own process (`paygate sandbox`, release), pinned apart when it can be, and seeding it.

use super::*;

/// The sandbox in its own process; killed when dropped.
pub(super) struct SandboxProcess {
    child: Child,
    pub(super) base: String,
    pub(super) config_toml: String,
    /// Kept open so that the sandbox never writes into a closed pipe.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) fn paygate_binary() -> PathBuf {
    root().join("target/release/paygate")
}

pub(super) fn start_sandbox(pinned: bool) -> Result<SandboxProcess, String> {
    let mut command = if pinned {
        let mut c = Command::new("taskset");
        c.args(["-c", "1"]).arg(paygate_binary());
        c
    } else {
        Command::new(paygate_binary())
    };
    let mut child = command
        .args(["--json", "sandbox", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start paygate sandbox: {e}"))?;
    let stdout = child.stdout.take().ok_or("no sandbox stdout")?;
    let mut line = String::new();
    let mut stdout = BufReader::new(stdout);
    stdout
        .read_line(&mut line)
        .map_err(|e| format!("reading the sandbox's address: {e}"))?;
    let doc: serde_json::Value =
        serde_json::from_str(&line).map_err(|e| format!("the sandbox printed {line:?}: {e}"))?;
    let text = |key: &str| doc.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    match (text("base"), text("config_toml")) {
        (Some(base), Some(config_toml)) => Ok(SandboxProcess {
            child,
            base,
            config_toml,
            _stdout: stdout,
        }),
        _ => {
            let _ = child.kill();
            Err(format!("the sandbox printed {line:?}"))
        }
    }
}

pub(super) async fn seed(
    http: &reqwest::Client,
    base: &str,
    provider: &str,
    prefix: &str,
    count: usize,
) -> Result<(), String> {
    let sample = Provider::from_name(provider)
        .ok_or_else(|| format!("no simulated provider {provider}"))?
        .sample();
    let (amount, currency) = (sample.total, sample.currency);
    let body = serde_json::json!({
        "provider": provider, "prefix": prefix, "count": count,
        "amount": amount, "currency": currency, "paid": true,
    });
    let answer = http
        .post(format!("{base}/_sandbox/seed"))
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("seeding {provider}: {e}"))?;
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "seeding {provider}: HTTP {} {}",
            answer.status(),
            answer.text().await.unwrap_or_default()
        ))
    }
}

pub(super) async fn forget_requests(http: &reqwest::Client, base: &str) {
    let _ = http
        .delete(format!("{base}/_sandbox/requests"))
        .send()
        .await;
}

pub(super) fn order_id(prefix: &str, n: usize) -> Result<OrderId, String> {
    OrderId::new(format!("{prefix}{n:06}")).map_err(|e| e.to_string())
}
