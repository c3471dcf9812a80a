//! The write journal in the registry: opening `[journal]`, wrapping every gateway in
//! `Journaled`, and recovery and retry by gateway name. Without the `journal` features a
//! configuration with a `[journal]` is refused, never ignored.

#[cfg(any(feature = "journal", feature = "journal-postgres"))]
pub(crate) use enabled::*;

#[cfg(not(any(feature = "journal", feature = "journal-postgres")))]
pub(crate) use disabled::*;

#[cfg(not(any(feature = "journal", feature = "journal-postgres")))]
mod disabled {
    use paygate_core::{Error, Result};

    use crate::RegistryBuilder;

    fn no_journal() -> Error {
        Error::config(
            "journal",
            "this build has no write journal: enable the paygate feature `journal` (SQLite) or `journal-postgres`",
        )
    }

    pub(crate) async fn open_configured(builder: RegistryBuilder) -> Result<RegistryBuilder> {
        check_opened(&builder)?;
        Ok(builder)
    }

    pub(crate) fn check_opened(builder: &RegistryBuilder) -> Result<()> {
        match builder.journal_config {
            Some(_) => Err(no_journal()),
            None => Ok(()),
        }
    }
}

#[cfg(any(feature = "journal", feature = "journal-postgres"))]
mod enabled {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use std::time::Duration;

    use paygate_core::secrecy::ExposeSecret;
    use paygate_core::{Error, PaymentGateway, Result};
    use paygate_journal::{Entry, EntryFilter, Journaled, RecoveryOptions, RecoveryReport};
    pub(crate) use paygate_journal::{JournalSettings, WriteJournal};

    use crate::{GatewayRegistry, RegistryBuilder};

    /// The journal a registry's gateways write through, and each gateway's wrapper.
    #[derive(Clone)]
    pub(crate) struct RegistryJournal {
        journal: Arc<dyn WriteJournal>,
        journaled: BTreeMap<String, Journaled>,
    }

    fn journal_error(failure: &paygate_journal::JournalFailure) -> Error {
        match failure {
            paygate_journal::JournalFailure::Unavailable(_) => {
                Error::from(paygate_core::JournalError::unavailable(failure.to_string()))
            }
            _ => Error::config("journal", failure.to_string()),
        }
    }

    pub(crate) async fn open_configured(mut builder: RegistryBuilder) -> Result<RegistryBuilder> {
        if let Some(config) = builder.journal_config.take() {
            let journal = paygate_journal::open(config.url.expose_secret())
                .await
                .map_err(|e| journal_error(&e))?;
            let settings = JournalSettings::default()
                .wait_for_order(config.wait_for_order)
                .lease_margin(config.lease_margin)
                .plan_fresh_for(config.plan_fresh_for)
                .deadline(config.deadline.unwrap_or_else(|| write_deadline(&builder)));
            builder.journal = Some((journal, settings));
        }
        Ok(builder)
    }

    /// How long a write may take, from its claim to its answer, under the builder's
    /// transport and retry settings: the read before it (its retries' whole budget), a wait
    /// for a connection slot, the connect and the total timeouts.
    fn write_deadline(builder: &RegistryBuilder) -> Duration {
        const SLOT_WAIT: Duration = Duration::from_secs(10);
        let transport = builder.configured_transport_settings();
        builder
            .retry_policy_or_default()
            .max_elapsed
            .saturating_add(SLOT_WAIT)
            .saturating_add(transport.connect_timeout)
            .saturating_add(transport.timeout)
    }

    pub(crate) fn check_opened(builder: &RegistryBuilder) -> Result<()> {
        match (&builder.journal_config, &builder.journal) {
            (Some(_), None) => Err(Error::config(
                "journal",
                "the configuration has a [journal]: build the registry with GatewayRegistry::open or RegistryBuilder::open_journal().await, so that no write goes unjournaled",
            )),
            _ => Ok(()),
        }
    }

    /// Every gateway wrapped in `Journaled`, when there is a journal.
    pub(crate) fn wrap(
        gateways: BTreeMap<String, Arc<dyn PaymentGateway>>,
        journal: Option<(Arc<dyn WriteJournal>, JournalSettings)>,
    ) -> (
        BTreeMap<String, Arc<dyn PaymentGateway>>,
        Option<RegistryJournal>,
    ) {
        let Some((journal, settings)) = journal else {
            return (gateways, None);
        };
        let journaled: BTreeMap<String, Journaled> = gateways
            .into_iter()
            .map(|(name, gateway)| {
                let wrapped =
                    Journaled::new(name.clone(), gateway, journal.clone()).with_settings(settings);
                (name, wrapped)
            })
            .collect();
        let gateways = journaled
            .iter()
            .map(|(name, j)| (name.clone(), Arc::new(j.clone()) as Arc<dyn PaymentGateway>))
            .collect();
        (gateways, Some(RegistryJournal { journal, journaled }))
    }

    impl RegistryBuilder {
        /// Journals every write of every gateway in `journal` (an in-code alternative to
        /// `[journal]`).
        pub fn journal(
            mut self,
            journal: Arc<dyn WriteJournal>,
            settings: JournalSettings,
        ) -> Self {
            self.journal = Some((journal, settings));
            self
        }
    }

    impl GatewayRegistry {
        /// The write journal, when the registry has one.
        pub fn journal(&self) -> Option<&Arc<dyn WriteJournal>> {
            self.journal.as_ref().map(|j| &j.journal)
        }

        fn registry_journal(&self) -> Result<&RegistryJournal> {
            self.journal.as_ref().ok_or_else(|| {
                Error::config("journal", "this registry has no write journal ([journal])")
            })
        }

        /// The journaled gateway acting on `entry`'s account (an entry written before entries
        /// had accounts: the gateway of its name), or why there is none.
        fn gateway_for(&self, entry: &Entry) -> std::result::Result<&Journaled, String> {
            let journal = self
                .journal
                .as_ref()
                .ok_or_else(|| "this registry has no write journal".to_owned())?;
            if let Some(name) = entry.legacy_gateway() {
                return journal.journaled.get(name).ok_or_else(|| {
                    format!("the entry was written through gateway {name}, which is not configured")
                });
            }
            journal
                .journaled
                .values()
                .find(|j| j.account() == entry.account)
                .ok_or_else(|| {
                    format!(
                        "the entry belongs to account {}; no configured gateway acts on it ({})",
                        entry.account,
                        journal
                            .journaled
                            .iter()
                            .map(|(name, j)| format!("{name}: {}", j.account()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
        }

        /// Every entry with `key`, in any account, each with the configured gateway acting on
        /// its account (or why there is none).
        pub async fn journal_entries(
            &self,
            key: &str,
        ) -> Result<Vec<(Entry, std::result::Result<String, String>)>> {
            let journal = self.registry_journal()?;
            let entries = journal
                .journal
                .entries(&EntryFilter {
                    key: Some(key.to_owned()),
                    ..EntryFilter::default()
                })
                .await
                .map_err(|e| journal_error(&e))?;
            Ok(entries
                .into_iter()
                .map(|entry| {
                    let gateway = self.gateway_for(&entry).map(|j| j.name().to_owned());
                    (entry, gateway)
                })
                .collect())
        }

        /// The one entry with `key` on an account a configured gateway acts on, with that
        /// gateway; refused, with the mismatch named, when no such entry exists.
        async fn usable_entry(&self, key: &str) -> Result<(Entry, &Journaled)> {
            let found = self.journal_entries(key).await?;
            if found.is_empty() {
                return Err(Error::invalid(
                    "key",
                    format!("no journal entry has the key {key}"),
                ));
            }
            let mut usable = Vec::new();
            let mut elsewhere = Vec::new();
            for (entry, _) in found {
                match self.gateway_for(&entry) {
                    Ok(gateway) => usable.push((entry, gateway)),
                    Err(why) => elsewhere.push(format!("{}: {why}", entry.account)),
                }
            }
            match usable.len() {
                1 => usable
                    .pop()
                    .ok_or_else(|| Error::invalid("key", "no usable entry")),
                0 => Err(Error::invalid(
                    "key",
                    format!(
                        "the journal entry {key} belongs to no account this configuration acts on ({}); nothing was done",
                        elsewhere.join("; ")
                    ),
                )),
                _ => Err(Error::invalid(
                    "key",
                    format!(
                        "several configured accounts have an entry {key} ({}); nothing was done",
                        usable
                            .iter()
                            .map(|(e, g)| format!("{} via {}", e.account, g.name()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            }
        }

        /// Settles every unresolved journal entry whose lease has ended, and reports every
        /// one it leaves open (see `paygate::journal::recover`). An entry is read only
        /// through a gateway acting on its account.
        pub async fn recover(&self, options: RecoveryOptions) -> Result<RecoveryReport> {
            let journal = self.registry_journal()?;
            let options = if options.accounts.is_empty() {
                // This registry's accounts, and the entries its gateways' names wrote
                // before entries had accounts.
                let accounts = journal
                    .journaled
                    .iter()
                    .flat_map(|(name, j)| [j.account().to_owned(), Entry::legacy_account(name)]);
                options.accounts(accounts)
            } else {
                options
            };
            let gateway = |entry: &Entry| self.gateway_for(entry).map(|j| j.inner().clone());
            paygate_journal::recover(journal.journal.as_ref(), &gateway, options)
                .await
                .map_err(|e| journal_error(&e))
        }

        /// Sends again, same key, a journaled write that did not take effect (see
        /// `Journaled::retry`), through the gateway acting on the entry's account.
        pub async fn retry(&self, key: &str) -> Result<Entry> {
            let (_, gateway) = self.usable_entry(key).await?;
            gateway.retry(key).await
        }

        /// Settles by hand an entry nothing else can settle (see `Journaled::resolve`),
        /// through the gateway acting on its account.
        pub async fn resolve(&self, key: &str, applied: bool, note: &str) -> Result<Entry> {
            let (_, gateway) = self.usable_entry(key).await?;
            gateway.resolve(key, applied, note).await
        }

        /// The unresolved entries on `order_id` of the account `gateway` acts on: a write
        /// sent around the journal must not touch an order they hold.
        pub async fn unresolved_on_order(
            &self,
            gateway: &str,
            order_id: &str,
        ) -> Result<Vec<Entry>> {
            let journal = self.registry_journal()?;
            let Some(journaled) = journal.journaled.get(gateway) else {
                return Ok(Vec::new());
            };
            journal
                .journal
                .entries(&EntryFilter {
                    unresolved_only: true,
                    account: Some(journaled.account().to_owned()),
                    order_id: Some(order_id.to_owned()),
                    ..EntryFilter::default()
                })
                .await
                .map_err(|e| journal_error(&e))
        }
    }
}
