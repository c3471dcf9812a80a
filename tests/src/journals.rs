//! The real databases the journal tests run against: a fresh SQLite file, and the PostgreSQL
//! server named by `PAYGATE_TEST_POSTGRES_URL` (`.ci/run` starts one; locally the PostgreSQL
//! half is skipped, loudly, when the variable is absent; under `CI=true` its absence fails).

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use paygate::journal::WriteJournal;

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A name no other test, process or earlier run against the same server uses: `prefix` and
/// 10 hex digits (short enough for a PayWay order id with a few more characters).
pub fn unique(prefix: &str) -> String {
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    let mixed = (nanos as u64) ^ u64::from(std::process::id()).rotate_left(40);
    format!(
        "{prefix}{:08x}{:02x}",
        mixed & 0xffff_ffff,
        NEXT.fetch_add(1, Ordering::Relaxed) % 256
    )
}

/// A fresh directory under the system's temporary directory.
pub fn temp_dir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique(prefix));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// The PostgreSQL URL the tests use, if any. Panics under `CI=true` when it is missing.
#[allow(clippy::print_stderr)]
pub fn postgres_url() -> Option<String> {
    match std::env::var("PAYGATE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "PAYGATE_TEST_POSTGRES_URL is not set under CI=true: .ci/run starts PostgreSQL and must export it"
            );
            // Written past the test runner's capture (which takes `eprintln!`): a skip is seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED the PostgreSQL half: PAYGATE_TEST_POSTGRES_URL is not set (eval \"$(bash .ci/postgres start)\") ***\n"
            );
            None
        }
    }
}

/// The journal URLs to test: a new SQLite file, and PostgreSQL when available.
pub fn journal_urls() -> Vec<(&'static str, String)> {
    let mut urls = vec![(
        "sqlite",
        format!(
            "sqlite://{}",
            temp_dir("paygate-journal-").join("journal.db").display()
        ),
    )];
    if let Some(url) = postgres_url() {
        urls.push(("postgres", url));
    }
    urls
}

/// The journals to test, opened.
pub async fn journals() -> paygate::Result<Vec<(&'static str, Arc<dyn WriteJournal>)>> {
    let mut journals = Vec::new();
    for (name, url) in journal_urls() {
        let journal = paygate::journal::open(&url)
            .await
            .map_err(|e| paygate::Error::config("journal", e.to_string()))?;
        journals.push((name, journal));
    }
    Ok(journals)
}

/// The `[gateways.<provider>-<port>]` table for `provider` at `sandbox`, and its name: a
/// gateway name no concurrently running test shares. Journal entries are keyed by gateway
/// name, so one test's recovery (which settles every unresolved entry of its gateways) never
/// touches another test's entries in a shared database.
pub fn own_gateway(
    sandbox: &paygate::sandbox::Sandbox,
    provider: paygate::sandbox::Provider,
) -> (String, String) {
    let name = format!("{}-{}", provider.name(), sandbox.addr().port());
    let toml = sandbox.gateway_toml(provider).replacen(
        &format!("[gateways.{}]", provider.name()),
        &format!("[gateways.{name}]"),
        1,
    );
    (name, toml)
}

/// The journal account of gateway `name` in the configuration `toml` (see
/// `PaymentGateway::account`).
pub fn account_of(toml: &str, name: &str) -> paygate::Result<String> {
    let registry = paygate::GatewayRegistry::builder()
        .toml_str(toml)?
        .build()?;
    Ok(registry.gateway(name)?.account().fingerprint())
}
