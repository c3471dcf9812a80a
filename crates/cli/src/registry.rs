//! Which configuration and write journal a command runs with.

use paygate::config::{JournalConfig, RegistryConfig};
use paygate::journal::{Entry, EntryFilter};
use paygate::secrecy::ExposeSecret;
use paygate::{Error, GatewayRegistry, JournalError, JournalErrorKind, Operation};

/// Which write journal a command uses.
#[derive(Debug, Clone)]
pub(crate) enum JournalChoice {
    /// The configuration's `[journal]`, else the user's default SQLite file.
    Default,
    /// `--journal URL`.
    Url(String),
    /// `--no-journal`.
    Off,
}

/// An XDG base directory: `$VAR` when it is an absolute path, else `$HOME/<fallback>`.
fn xdg_dir(var: &str, fallback: &str) -> Option<std::path::PathBuf> {
    // The XDG spec: a relative path in the variable is ignored.
    std::env::var_os(var)
        .map(std::path::PathBuf::from)
        .filter(|d| d.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| std::path::PathBuf::from(h).join(fallback))
        })
}

/// The configuration file: `--config` or `$PAYGATE_CONFIG` when given, else
/// `./paygate.toml` when it exists, else `$XDG_CONFIG_HOME/paygate/config.toml`
/// (`~/.config/paygate/config.toml`) when it exists, else `./paygate.toml` (whose absence
/// the error then names).
pub(crate) fn config_path(given: Option<&std::path::Path>) -> std::path::PathBuf {
    if let Some(given) = given {
        return given.to_path_buf();
    }
    let here = std::path::PathBuf::from("paygate.toml");
    if here.exists() {
        return here;
    }
    xdg_dir("XDG_CONFIG_HOME", ".config")
        .map(|dir| dir.join("paygate").join("config.toml"))
        .filter(|user| user.exists())
        .unwrap_or(here)
}

/// The user's default journal: `$XDG_DATA_HOME/paygate/journal.db`, else
/// `$HOME/.local/share/paygate/journal.db`.
fn default_journal_url() -> Result<String, Error> {
    let data = xdg_dir("XDG_DATA_HOME", ".local/share").ok_or_else(|| {
        Error::config(
            "journal",
            "no data directory (neither XDG_DATA_HOME nor HOME is set): give --journal URL or --no-journal",
        )
    })?;
    Ok(format!(
        "sqlite://{}",
        data.join("paygate").join("journal.db").display()
    ))
}

/// The gateways of the configuration file, and the problems of every table that cannot be
/// used (each naming its table); with `journaled`, every write goes through the chosen
/// journal. The file is read table by table: a broken table stops only what uses it — a
/// broken `[gateways.x]` a command on `x`, a broken `[journal]` a command that journals, a
/// broken `[transport]` or `[retry]` every command, since every gateway sends through them.
/// A command that names its gateway (`target`) builds that one only, so another table's
/// broken secret does not stop it; the others are built as far as they can be.
/// With `inspecting` (`config check`, `capabilities`), nothing is sent, so a broken
/// `[transport]` or `[retry]` is listed with the rest rather than stopping the command.
pub(crate) async fn registry(
    config: &std::path::Path,
    journal: &JournalChoice,
    journaled: bool,
    target: Option<&str>,
    inspecting: bool,
) -> Result<(GatewayRegistry, Vec<Error>), Error> {
    let (mut registry_config, mut problems) = RegistryConfig::read_toml_file(config)?;
    for shared in ["transport", "retry"] {
        if !inspecting && let Some(problem) = RegistryConfig::take_problem(&mut problems, shared) {
            return Err(problem);
        }
    }
    if let Some(name) = target
        && let Some(problem) =
            RegistryConfig::take_problem(&mut problems, &format!("gateways.{name}"))
    {
        return Err(problem);
    }
    // A broken [journal] stops only a command that journals; `config check` lists it.
    let journal_problem = if journaled {
        RegistryConfig::take_problem(&mut problems, "journal")
    } else {
        None
    };
    if registry_config.gateways.is_empty() && problems.is_empty() {
        return Err(Error::config(
            "gateways",
            format!(
                "{} defines no gateway: add a [gateways.<name>] table",
                config.display()
            ),
        ));
    }
    let only = target.filter(|name| registry_config.gateways.iter().any(|g| g.name() == *name));
    if let Some(name) = only {
        registry_config.gateways.retain(|g| g.name() == name);
        problems.clear();
    }
    registry_config.journal = match (journaled, journal) {
        (false, _) | (true, JournalChoice::Off) => None,
        (true, JournalChoice::Url(url)) => Some(JournalConfig::new(url)?),
        (true, JournalChoice::Default) => match (registry_config.journal.take(), journal_problem) {
            (_, Some(problem)) => return Err(problem),
            (Some(configured), None) => Some(configured),
            (None, None) => Some(JournalConfig::new(&default_journal_url()?)?),
        },
    };
    let builder = GatewayRegistry::builder()
        .registry_config(registry_config)
        .open_journal()
        .await?;
    if only.is_some() {
        return builder.build().map(|registry| (registry, Vec::new()));
    }
    let (registry, mut failures) = builder.build_available()?;
    problems.append(&mut failures);
    Ok((registry, problems))
}

/// `--no-journal` on a write: the journal that would otherwise have been used (the
/// configuration's `[journal]`, else the default file, when it exists) must hold no
/// unresolved entry on the order, for the gateway's account. A write sent around such an
/// entry could repeat it (the entry's write may have been applied), and would make recovery
/// misread the payment. Refused, naming the entries; nothing is sent.
pub(crate) async fn refuse_around_unresolved(
    config: &std::path::Path,
    registry: &GatewayRegistry,
    operation: Operation,
    gateway: &str,
    order_id: &str,
) -> Result<(), Error> {
    let (configured, mut problems) = RegistryConfig::read_toml_file(config)?;
    let configured = configured.journal;
    let refused = |detail: String| {
        Error::from(JournalError::new(
            JournalErrorKind::InProgress,
            operation,
            order_id,
            None,
            detail,
        ))
    };
    // A broken [journal] is a configuration error (exit 4): the journal this write would
    // otherwise use cannot be checked for unresolved writes on the order; nothing is sent.
    if let Some(problem) = RegistryConfig::take_problem(&mut problems, "journal") {
        return Err(problem);
    }
    let url = match configured {
        Some(journal) => journal.url.expose_secret().to_owned(),
        None => default_journal_url()?,
    };
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        && !std::path::Path::new(path).exists()
    {
        return Ok(());
    }

    let journal = paygate::journal::open(&url).await.map_err(|e| {
        refused(format!(
            "--no-journal: the journal could not be checked for unresolved writes on this order ({e}); nothing was sent"
        ))
    })?;
    let account = registry.gateway(gateway)?.account().fingerprint();
    let mut open = Vec::new();
    for account in [account, Entry::legacy_account(gateway)] {
        let entries = journal
            .entries(&EntryFilter {
                unresolved_only: true,
                account: Some(account),
                order_id: Some(order_id.to_owned()),
                ..EntryFilter::default()
            })
            .await
            .map_err(|e| {
                refused(format!(
                    "--no-journal: the journal could not be read ({e}); nothing was sent"
                ))
            })?;
        open.extend(entries);
    }
    if open.is_empty() {
        return Ok(());
    }
    Err(refused(format!(
        "--no-journal: the journal holds unresolved writes on this order ({}): one may have been applied, and a write sent around them could repeat it. Run `paygate journal recover`, or `paygate journal resolve KEY` once you know; nothing was sent",
        open.iter()
            .map(|e| format!("{} {} {}", e.key, e.operation, e.state))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}
