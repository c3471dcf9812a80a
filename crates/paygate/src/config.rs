//! The TOML configuration file.
//!
//! ```toml
//! [transport]                 # optional; defaults shown
//! connect_timeout_ms = 10000
//! timeout_ms = 30000
//! max_response_bytes = 4194304
//! max_in_flight = 256          # requests in flight at once, all gateways together
//! # ca_file = "/etc/ssl/corp-ca.pem"   # PEM CAs trusted besides the default roots
//!
//! [retry]                     # optional; reads only, see RetryPolicy
//! max_attempts = 3
//! initial_backoff_ms = 200
//! max_backoff_ms = 2000
//! max_retry_after_ms = 10000
//! max_elapsed_ms = 30000
//!
//! [gateways.payway-usd]       # one table per account; the name is yours
//! provider = "payway"
//! environment = "sandbox"     # "production", or a base URL
//! merchant_id = "ec000002"
//! api_key = "env:PAYWAY_USD_API_KEY"          # or file:/run/secrets/..., or a literal
//! rsa_public_key = "file:/etc/paygate/payway-usd.pem"
//! webhook_max_age_secs = 86400  # optional, any provider: reject older webhooks (replays)
//! # refunds_show_within_ms = 5000  # optional, any provider: how soon its refunded figure
//! #                                # shows a refund (default: the provider's own, 5 s)
//!
//! [journal]                   # optional (features `journal` / `journal-postgres`)
//! url = "sqlite:///var/lib/shop/paygate-journal.db"   # or postgres://…, env:VAR, file:PATH
//! wait_for_order_ms = 5000    # how long a write waits for another on the same order
//! # deadline_ms = 85000       # a write's whole deadline (default: from [retry], [transport])
//! # lease_margin_ms = 5000    # its lease lasts the deadline plus this
//! # plan_fresh_for_ms = 2000  # a planned write's payment is its baseline this long
//! ```
//!
//! Errors name the table and key at fault (`gateways.payway-usd.api_key`) and never echo a
//! value: TOML syntax errors give line and column only, since the line may hold a secret.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use paygate_core::config::resolve_secret;
use paygate_core::secrecy::{ExposeSecret, SecretString};
use paygate_core::transport::{RetryPolicy, TransportSettings};
use paygate_core::{Environment, Error, GatewayConfig, IdRules, Result};
use toml::{Table, Value};

/// Everything a configuration file says.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RegistryConfig {
    /// Transport limits (`[transport]`).
    pub transport: TransportSettings,
    /// Retry policy (`[retry]`).
    pub retry: RetryPolicy,
    /// The gateways, in name order (`[gateways.<name>]`).
    pub gateways: Vec<GatewayConfig>,
    /// The write journal (`[journal]`), if any.
    pub journal: Option<JournalConfig>,
}

/// The `[journal]` table: where every write is journaled (see `paygate_journal`).
#[derive(Clone)]
#[non_exhaustive]
pub struct JournalConfig {
    /// `sqlite://PATH` or `postgres://…`, resolved from `env:` / `file:` (it may hold a
    /// password, so it is kept secret).
    pub url: SecretString,
    /// How long a write waits for another write on the same order before it is refused as
    /// in progress.
    pub wait_for_order: Duration,
    /// A write's whole deadline, which its lease lasts plus the margin (`deadline_ms`).
    /// `None`: derived from `[retry]` and `[transport]` (the read before the write with its
    /// retries, 10 s for a connection slot, the connect and total timeouts).
    pub deadline: Option<Duration>,
    /// The lease's margin past the deadline (`lease_margin_ms`, default 5 s).
    pub lease_margin: Duration,
    /// How long a planned write's payment stays its baseline (`plan_fresh_for_ms`, default
    /// 2 s); an older plan is read and checked again once its order is claimed.
    pub plan_fresh_for: Duration,
}

impl JournalConfig {
    /// A journal at `url` (a literal URL, `env:VAR` or `file:PATH`), waiting 5 s for a busy
    /// order, its leases derived from the transport's settings.
    pub fn new(url: &str) -> Result<JournalConfig> {
        let url = resolve_secret("journal.url", url)?;
        let text = url.expose_secret();
        let known = ["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|scheme| text.starts_with(scheme));
        if !known {
            // Nothing of the value is shown: any of it may be a password.
            return Err(Error::config(
                "journal.url",
                "must be sqlite://PATH or postgres://… (the journal supports SQLite and PostgreSQL); the value given is neither",
            ));
        }
        Ok(JournalConfig {
            url,
            wait_for_order: Duration::from_secs(5),
            deadline: None,
            lease_margin: Duration::from_secs(5),
            plan_fresh_for: Duration::from_secs(2),
        })
    }
}

impl std::fmt::Debug for JournalConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalConfig")
            .field("url", &"[redacted]")
            .field("wait_for_order", &self.wait_for_order)
            .field("deadline", &self.deadline)
            .field("lease_margin", &self.lease_margin)
            .field("plan_fresh_for", &self.plan_fresh_for)
            .finish()
    }
}

impl RegistryConfig {
    /// Reads a configuration file. The first problem found in any table fails it.
    pub fn from_toml_file(path: impl AsRef<Path>) -> Result<RegistryConfig> {
        strict(RegistryConfig::read_toml_file(path)?)
    }

    /// Reads configuration text. The first problem found in any table fails it.
    pub fn from_toml_str(text: &str) -> Result<RegistryConfig> {
        strict(parse(text, "configuration")?)
    }

    /// Reads a configuration file table by table: what reads well, and the problem of each
    /// table that does not (every one, each naming its table and key), so that one broken
    /// table stops only what uses it. A broken `[gateways.<name>]` is left out; a broken
    /// `[transport]` or `[retry]` keeps the defaults and a broken `[journal]` is `None`,
    /// each with its problem listed: a caller using them must refuse to go on (see
    /// [`RegistryConfig::take_problem`]). Only a file that is not TOML fails at once.
    pub fn read_toml_file(path: impl AsRef<Path>) -> Result<(RegistryConfig, Vec<Error>)> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(
                path.display().to_string(),
                format!("cannot read the configuration file: {e}"),
            )
        })?;
        parse(&text, &path.display().to_string())
    }

    /// Takes out of `problems` ([`RegistryConfig::read_toml_file`]'s) the problem of the
    /// table `table` names: `"journal"`, `"transport"`, `"retry"` or `"gateways.<name>"`.
    pub fn take_problem(problems: &mut Vec<Error>, table: &str) -> Option<Error> {
        let found = problems.iter().position(|problem| match problem {
            Error::Config { key, .. } => {
                key == table
                    || key
                        .strip_prefix(table)
                        .is_some_and(|rest| rest.starts_with('.'))
            }
            _ => false,
        })?;
        Some(problems.remove(found))
    }
}

/// The configuration, or its first problem.
fn strict((config, problems): (RegistryConfig, Vec<Error>)) -> Result<RegistryConfig> {
    match problems.into_iter().next() {
        Some(problem) => Err(problem),
        None => Ok(config),
    }
}

fn parse(text: &str, source: &str) -> Result<(RegistryConfig, Vec<Error>)> {
    let table: Table = text.parse().map_err(|e: toml::de::Error| {
        let position = e
            .span()
            .map(|span| {
                let before = text.get(..span.start).unwrap_or("");
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!(" at line {line}, column {column}")
            })
            .unwrap_or_default();
        // `message()` is the bare reason, without the offending line (which may hold a secret).
        Error::config(
            source,
            format!("invalid TOML{position}: {}", e.message().trim()),
        )
    })?;

    let mut config = RegistryConfig {
        transport: TransportSettings::default(),
        retry: RetryPolicy::default(),
        gateways: Vec::new(),
        journal: None,
    };
    let mut problems = Vec::new();
    for (key, value) in &table {
        let read = match key.as_str() {
            "transport" => sub_table(value, "transport")
                .and_then(transport)
                .map(|transport| config.transport = transport),
            "retry" => sub_table(value, "retry")
                .and_then(retry)
                .map(|retry| config.retry = retry),
            "journal" => sub_table(value, "journal")
                .and_then(journal)
                .map(|journal| config.journal = Some(journal)),
            "gateways" => match sub_table(value, "gateways") {
                Ok(gateways) => {
                    for (name, gateway_value) in gateways {
                        let at = format!("gateways.{name}");
                        match sub_table(gateway_value, &at).and_then(|t| gateway(name, t)) {
                            Ok(gateway) => config.gateways.push(gateway),
                            Err(problem) => problems.push(problem),
                        }
                    }
                    Ok(())
                }
                Err(problem) => Err(problem),
            },
            other => Err(Error::config(
                other,
                "unknown section; expected [transport], [retry], [journal] or [gateways.<name>]",
            )),
        };
        if let Err(problem) = read {
            problems.push(problem);
        }
    }
    Ok((config, problems))
}

fn journal(table: &Table) -> Result<JournalConfig> {
    let mut config = None;
    let mut wait = Duration::from_secs(5);
    let mut deadline = None;
    let mut margin = Duration::from_secs(5);
    let mut fresh_for = Duration::from_secs(2);
    for (key, value) in table {
        let at = format!("journal.{key}");
        let millis = |value: &Value, low: u64, high: u64| -> Result<Duration> {
            match value {
                Value::Integer(ms) => u64::try_from(*ms)
                    .ok()
                    .filter(|ms| (low..=high).contains(ms))
                    .map(Duration::from_millis)
                    .ok_or_else(|| Error::config(&at, format!("must be {low} to {high}"))),
                _ => Err(Error::config(&at, "must be an integer")),
            }
        };
        match (key.as_str(), value) {
            ("url", Value::String(url)) => config = Some(JournalConfig::new(url)?),
            ("url", _) => return Err(Error::config(at, "must be a string")),
            ("wait_for_order_ms", value) => wait = millis(value, 0, 600_000)?,
            ("deadline_ms", value) => deadline = Some(millis(value, 100, 3_600_000)?),
            ("lease_margin_ms", value) => margin = millis(value, 10, 600_000)?,
            ("plan_fresh_for_ms", value) => fresh_for = millis(value, 0, 600_000)?,
            _ => {
                return Err(Error::config(
                    at,
                    "unknown setting; known settings: url, wait_for_order_ms, deadline_ms, lease_margin_ms, plan_fresh_for_ms",
                ));
            }
        }
    }
    let mut config =
        config.ok_or_else(|| Error::config("journal.url", "required setting is missing"))?;
    config.wait_for_order = wait;
    config.deadline = deadline;
    config.lease_margin = margin;
    config.plan_fresh_for = fresh_for;
    Ok(config)
}

fn sub_table<'a>(value: &'a Value, at: &str) -> Result<&'a Table> {
    value
        .as_table()
        .ok_or_else(|| Error::config(at, "must be a table"))
}

/// A setting every provider's table takes: see [`paygate_core::layer::FreshWebhooks`].
const WEBHOOK_MAX_AGE: &str = "webhook_max_age_secs";
const REFUNDS_SHOW_WITHIN: &str = "refunds_show_within_ms";

fn gateway(name: &str, table: &Table) -> Result<GatewayConfig> {
    let at = |key: &str| format!("gateways.{name}.{key}");
    IdRules::DEFAULT
        .no_dot()
        .check("gateway name", name)
        .map_err(|e| Error::config(format!("gateways.{name}"), e.to_string()))?;
    let provider = match table.get("provider") {
        Some(Value::String(p)) if !p.trim().is_empty() => p.trim().to_owned(),
        Some(_) => {
            return Err(Error::config(
                at("provider"),
                "must be a provider name (a string)",
            ));
        }
        None => return Err(Error::config(at("provider"), "required setting is missing")),
    };
    let environment = match table.get("environment") {
        Some(Value::String(e)) => {
            Environment::parse(e).map_err(|reason| Error::config(at("environment"), reason))?
        }
        Some(_) => return Err(Error::config(at("environment"), "must be a string")),
        None => {
            return Err(Error::config(
                at("environment"),
                "required setting is missing",
            ));
        }
    };
    let mut config = GatewayConfig::new(name, provider, environment);
    match table.get(WEBHOOK_MAX_AGE) {
        Some(Value::Integer(secs)) if *secs > 0 => {
            config = config.with_webhook_max_age(Duration::from_secs(secs.unsigned_abs()));
        }
        Some(_) => {
            return Err(Error::config(
                at(WEBHOOK_MAX_AGE),
                "must be a positive integer (seconds)",
            ));
        }
        None => {}
    }
    match table.get(REFUNDS_SHOW_WITHIN) {
        Some(Value::Integer(ms)) if (0..=600_000).contains(ms) => {
            config = config.with_refunds_show_within(Duration::from_millis(ms.unsigned_abs()));
        }
        Some(_) => {
            return Err(Error::config(
                at(REFUNDS_SHOW_WITHIN),
                "must be an integer from 0 to 600000 (milliseconds)",
            ));
        }
        None => {}
    }
    for (key, value) in table {
        if key == "provider"
            || key == "environment"
            || key == WEBHOOK_MAX_AGE
            || key == REFUNDS_SHOW_WITHIN
        {
            continue;
        }
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Integer(i) => i.to_string(),
            Value::Boolean(b) => b.to_string(),
            _ => {
                return Err(Error::config(
                    at(key),
                    "must be a string, integer or boolean",
                ));
            }
        };
        config = config.set(key.clone(), text);
    }
    Ok(config)
}

fn transport(table: &Table) -> Result<TransportSettings> {
    let mut settings = TransportSettings::default();
    let mut reader = Reader::new("transport", table);
    let connect_given = reader.positive("connect_timeout_ms")?;
    if let Some(ms) = connect_given {
        settings = settings.connect_timeout(Duration::from_millis(ms));
    }
    if let Some(ms) = reader.positive("timeout_ms")? {
        settings = settings.timeout(Duration::from_millis(ms));
    }
    if let Some(bytes) = reader.positive("max_response_bytes")? {
        let bytes = usize::try_from(bytes)
            .map_err(|_| Error::config("transport.max_response_bytes", "too large"))?;
        settings = settings.max_response_bytes(bytes);
    }
    if let Some(requests) = reader.positive("max_in_flight")? {
        let requests = usize::try_from(requests)
            .map_err(|_| Error::config("transport.max_in_flight", "too large"))?;
        settings = settings.max_in_flight(requests);
    }
    if let Some(path) = reader.text("ca_file")? {
        settings = settings.ca_file(path);
    }
    reader.finish()?;
    // Only a connect timeout given explicitly: the default one is simply bounded by a shorter
    // total.
    if connect_given.is_some() && settings.connect_timeout > settings.timeout {
        return Err(Error::config(
            "transport.connect_timeout_ms",
            format!(
                "{} ms is more than transport.timeout_ms ({} ms), which bounds the whole request",
                settings.connect_timeout.as_millis(),
                settings.timeout.as_millis()
            ),
        ));
    }
    Ok(settings)
}

/// The most attempts `[retry]` accepts for one read.
const MAX_ATTEMPTS: u64 = 10;

fn retry(table: &Table) -> Result<RetryPolicy> {
    let defaults = RetryPolicy::default();
    let mut reader = Reader::new("retry", table);
    let ms = |v: Option<u64>, default: Duration| v.map_or(default, Duration::from_millis);
    let attempts = reader.positive("max_attempts")?;
    let initial = ms(
        reader.positive("initial_backoff_ms")?,
        defaults.initial_backoff,
    );
    let max = ms(reader.positive("max_backoff_ms")?, defaults.max_backoff);
    let retry_after = ms(
        reader.positive("max_retry_after_ms")?,
        defaults.max_retry_after,
    );
    let elapsed = ms(reader.positive("max_elapsed_ms")?, defaults.max_elapsed);
    reader.finish()?;
    // Bounds that contradict each other would be silently clamped: refused, naming the key.
    if initial > max {
        return Err(Error::config(
            "retry.initial_backoff_ms",
            format!(
                "{} ms is more than retry.max_backoff_ms ({} ms)",
                initial.as_millis(),
                max.as_millis()
            ),
        ));
    }
    if retry_after > elapsed {
        return Err(Error::config(
            "retry.max_retry_after_ms",
            format!(
                "{} ms is more than retry.max_elapsed_ms ({} ms): a wait the provider asks for could never be honoured",
                retry_after.as_millis(),
                elapsed.as_millis()
            ),
        ));
    }
    let attempts = match attempts {
        Some(n) if n <= MAX_ATTEMPTS => u32::try_from(n).unwrap_or(defaults.max_attempts),
        Some(n) => {
            return Err(Error::config(
                "retry.max_attempts",
                format!(
                    "{n} is more than {MAX_ATTEMPTS}: past a few attempts a read only adds load on a provider that is failing"
                ),
            ));
        }
        None => defaults.max_attempts,
    };
    Ok(RetryPolicy::default()
        .max_attempts(attempts)
        .backoff(initial, max)
        .max_retry_after(retry_after)
        .max_elapsed(elapsed))
}

/// Reads positive integers and strings from a table and complains about keys it was not
/// asked for.
struct Reader<'a> {
    section: &'static str,
    table: &'a Table,
    read: BTreeSet<&'static str>,
}

impl<'a> Reader<'a> {
    fn new(section: &'static str, table: &'a Table) -> Self {
        Reader {
            section,
            table,
            read: BTreeSet::new(),
        }
    }

    fn positive(&mut self, key: &'static str) -> Result<Option<u64>> {
        self.read.insert(key);
        match self.table.get(key) {
            None => Ok(None),
            Some(Value::Integer(i)) if *i > 0 => Ok(Some(i.unsigned_abs())),
            Some(_) => Err(Error::config(
                format!("{}.{key}", self.section),
                "must be a positive integer",
            )),
        }
    }

    fn text(&mut self, key: &'static str) -> Result<Option<&'a str>> {
        self.read.insert(key);
        match self.table.get(key) {
            None => Ok(None),
            Some(Value::String(text)) if !text.trim().is_empty() => Ok(Some(text.as_str())),
            Some(_) => Err(Error::config(
                format!("{}.{key}", self.section),
                "must be a non-empty string",
            )),
        }
    }

    fn finish(self) -> Result<()> {
        match self.table.keys().find(|k| !self.read.contains(k.as_str())) {
            Some(unknown) => Err(Error::config(
                format!("{}.{unknown}", self.section),
                format!(
                    "unknown setting; known: {}",
                    self.read.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        RegistryConfig::from_toml_str(text).unwrap_err().to_string()
    }

    #[test]
    fn reads_gateways_transport_and_retry() {
        let cfg = RegistryConfig::from_toml_str(
            r#"
            [transport]
            timeout_ms = 5000
            max_in_flight = 64
            [retry]
            max_attempts = 5
            [gateways.payway-usd]
            provider = "payway"
            environment = "sandbox"
            merchant_id = "ec000002"
            page_size = 40
            [gateways.payway-khr]
            provider = "payway"
            environment = "http://127.0.0.1:9000/payway"
            "#,
        )
        .unwrap();
        assert_eq!(cfg.transport.timeout, Duration::from_secs(5));
        assert_eq!(cfg.transport.max_in_flight, 64);
        assert_eq!(cfg.retry.max_attempts, 5);
        let names: Vec<_> = cfg.gateways.iter().map(|g| g.name()).collect();
        assert_eq!(names, ["payway-khr", "payway-usd"]);
        let usd = &cfg.gateways[1];
        assert_eq!(usd.provider(), "payway");
        assert_eq!(usd.text("merchant_id").unwrap(), "ec000002");
        assert_eq!(usd.text("page_size").unwrap(), "40");
        assert!(matches!(
            cfg.gateways[0].environment(),
            Environment::Custom(_)
        ));
    }

    #[test]
    fn errors_name_table_and_key() {
        assert_eq!(
            err("[gateways.a]\nenvironment = \"sandbox\""),
            "configuration error at gateways.a.provider: required setting is missing"
        );
        assert_eq!(
            err("[gateways.a]\nprovider = \"payway\""),
            "configuration error at gateways.a.environment: required setting is missing"
        );
        assert!(
            err("[gateways.a]\nprovider = \"payway\"\nenvironment = \"live\"")
                .starts_with("configuration error at gateways.a.environment: expected")
        );
        assert_eq!(
            err("[gateways.a]\nprovider = \"payway\"\nenvironment = \"sandbox\"\nkeys = [1]"),
            "configuration error at gateways.a.keys: must be a string, integer or boolean"
        );
        assert!(
            err("[gateways.\"a/b\"]\nprovider = \"x\"\nenvironment = \"sandbox\"")
                .starts_with("configuration error at gateways.a/b: invalid gateway name")
        );
        assert_eq!(
            err("[transport]\ntimeout_ms = -1"),
            "configuration error at transport.timeout_ms: must be a positive integer"
        );
        assert!(
            err("[transport]\ntimeot_ms = 1")
                .starts_with("configuration error at transport.timeot_ms: unknown setting")
        );
        assert!(err("[retry]\nmax_attempts = \"3\"").contains("retry.max_attempts"));
        assert!(
            err("[retry]\nmax_retry_after_ms = 100000\nmax_elapsed_ms = 10")
                .starts_with("configuration error at retry.max_retry_after_ms: 100000 ms is more than retry.max_elapsed_ms (10 ms)")
        );
        assert!(
            err("[retry]\nmax_attempts = 100000")
                .starts_with("configuration error at retry.max_attempts: 100000 is more than 10")
        );
        assert!(
            err("[journal]\nurl = \"mysql://user:pw@db/x\"").starts_with(
                "configuration error at journal.url: must be sqlite://PATH or postgres://…"
            )
        );
        assert!(!err("[journal]\nurl = \"mysql://user:pw@db/x\"").contains("pw"));
        assert!(!err("[journal]\nurl = \"HUNTER2PASS:x\"").contains("HUNTER2"));
        assert_eq!(
            err("[transport]\nca_file = 5"),
            "configuration error at transport.ca_file: must be a non-empty string"
        );
        assert_eq!(
            err("[retry]\ninitial_backoff_ms = 5000\nmax_backoff_ms = 10"),
            "configuration error at retry.initial_backoff_ms: 5000 ms is more than retry.max_backoff_ms (10 ms)"
        );
        assert!(
            err("[transport]\nconnect_timeout_ms = 60000\ntimeout_ms = 1000")
                .starts_with("configuration error at transport.connect_timeout_ms: 60000 ms")
        );
        assert!(
            err("[gateway.a]\n").starts_with("configuration error at gateway: unknown section")
        );
        assert_eq!(
            err("gateways = 1"),
            "configuration error at gateways: must be a table"
        );
    }

    #[test]
    fn syntax_errors_never_echo_the_line() {
        let text = "[gateways.a]\nprovider = \"payway\"\napi_key = \"sk_live_SECRET_VALUE\n";
        let message = err(text);
        assert!(!message.contains("SECRET_VALUE"), "{message}");
        assert!(message.contains("invalid TOML at line 3"), "{message}");
    }

    #[test]
    fn a_missing_file_is_named() {
        let message = RegistryConfig::from_toml_file("/nonexistent/paygate.toml")
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "configuration error at /nonexistent/paygate.toml: cannot read the configuration file: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn each_table_reads_on_its_own_and_every_problem_is_listed() {
        let text = "[transport]\ntimeout_ms = 5000\n\n[journal]\nurl = \"env:PAYGATE_TEST_SURELY_UNSET\"\n\n\
                    [gateways.good]\nprovider = \"payway\"\nenvironment = \"sandbox\"\n\n\
                    [gateways.typo]\nprovider = \"finpay\"\nenvironment = \"sandboxx\"\n\n\
                    [gateways.bare]\nenvironment = \"sandbox\"\n\n[oops]\nx = 1\n";
        let path = std::env::temp_dir().join(format!("paygate-tables-{}.toml", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let (config, mut problems) = RegistryConfig::read_toml_file(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        // What reads well is kept.
        assert_eq!(config.transport.timeout, Duration::from_secs(5));
        let names: Vec<&str> = config.gateways.iter().map(GatewayConfig::name).collect();
        assert_eq!(names, ["good"]);
        assert!(config.journal.is_none());
        // Every broken table, each named.
        assert_eq!(problems.len(), 4, "{problems:?}");
        for table in ["journal", "gateways.typo", "gateways.bare", "oops"] {
            assert!(
                RegistryConfig::take_problem(&mut problems, table).is_some(),
                "{table}"
            );
        }
        assert!(problems.is_empty());
        // The strict reading fails on the first.
        assert!(RegistryConfig::from_toml_str(text).is_err());
    }
}
