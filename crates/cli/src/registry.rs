//! Which configuration and write journal a command runs with.

use paygate::config::{JournalConfig, RegistryConfig};
use paygate::{Error, GatewayRegistry};

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

/// The user's default journal: `$XDG_DATA_HOME/paygate/journal.db`, else
/// `$HOME/.local/share/paygate/journal.db`.
fn default_journal_url() -> Result<String, Error> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| std::path::PathBuf::from(h).join(".local/share"))
        })
        .ok_or_else(|| {
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

/// The gateways of the configuration file; with `journaled`, every write goes through the
/// chosen journal.
pub(crate) async fn registry(
    config: &std::path::Path,
    journal: &JournalChoice,
    journaled: bool,
) -> Result<GatewayRegistry, Error> {
    let mut registry_config = RegistryConfig::from_toml_file(config)?;
    registry_config.journal = match (journaled, journal) {
        (false, _) | (true, JournalChoice::Off) => None,
        (true, JournalChoice::Url(url)) => Some(JournalConfig::new(url)?),
        (true, JournalChoice::Default) => match registry_config.journal.take() {
            Some(configured) => Some(configured),
            None => Some(JournalConfig::new(&default_journal_url()?)?),
        },
    };
    GatewayRegistry::builder()
        .registry_config(registry_config)
        .open_journal()
        .await?
        .build()
}
