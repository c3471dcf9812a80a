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

    use paygate_core::secrecy::ExposeSecret;
    use paygate_core::{Error, PaymentGateway, Result};
    use paygate_journal::{Entry, Journaled, RecoveryOptions, RecoveryReport};
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
            let settings = JournalSettings::default().wait_for_order(config.wait_for_order);
            builder.journal = Some((journal, settings));
        }
        Ok(builder)
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

        /// Settles every unresolved journal entry (see `paygate::journal::recover`).
        pub async fn recover(&self, options: RecoveryOptions) -> Result<RecoveryReport> {
            let journal = self.registry_journal()?;
            let gateway = |name: &str| journal.journaled.get(name).map(|j| j.inner().clone());
            paygate_journal::recover(journal.journal.as_ref(), &gateway, options)
                .await
                .map_err(|e| journal_error(&e))
        }

        /// Sends again, same key, a journaled write that did not take effect (see
        /// `Journaled::retry`).
        pub async fn retry(&self, key: &str) -> Result<Entry> {
            let journal = self.registry_journal()?;
            let entry = journal
                .journal
                .entry(key)
                .await
                .map_err(|e| journal_error(&e))?
                .ok_or_else(|| {
                    Error::invalid("key", format!("no journal entry has the key {key}"))
                })?;
            let gateway = journal.journaled.get(&entry.gateway).ok_or_else(|| {
                Error::config(
                    format!("gateways.{}", entry.gateway),
                    "the entry's gateway is not configured",
                )
            })?;
            gateway.retry(key).await
        }
    }
}
