//! Named gateways sharing one transport.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use paygate_core::layer::{FreshWebhooks, RefundsShowWithin};
use paygate_core::transport::{
    Dispatcher, ReqwestTransport, RetryPolicy, Transport, TransportSettings,
};
use paygate_core::{Error, GatewayConfig, GatewayFactory, IdRules, PaymentGateway, Result};

use crate::ShippedProvider;
use crate::config::{JournalConfig, RegistryConfig};

/// Named gateways (`"payway-usd"`, `"payway-khr"`, `"finpay"`…) used as
/// `Arc<dyn PaymentGateway>`, all sending through one shared transport and connection pool.
///
/// A merchant often holds several accounts of one provider, so instances are keyed by name,
/// not by provider.
#[derive(Clone)]
pub struct GatewayRegistry {
    gateways: BTreeMap<String, Arc<dyn PaymentGateway>>,
    dispatcher: Dispatcher,
    #[cfg(any(feature = "journal", feature = "journal-postgres"))]
    pub(crate) journal: Option<crate::journal_glue::RegistryJournal>,
}

impl GatewayRegistry {
    /// A builder.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::default()
    }

    /// A registry from a TOML file (see [`crate::config`]).
    pub fn from_toml_file(path: impl AsRef<Path>) -> Result<GatewayRegistry> {
        GatewayRegistry::builder().toml_file(path)?.build()
    }

    /// A registry from TOML text.
    pub fn from_toml_str(text: &str) -> Result<GatewayRegistry> {
        GatewayRegistry::builder().toml_str(text)?.build()
    }

    /// A registry from a TOML file, its `[journal]` opened (the one constructor for a
    /// configuration with a journal; the others refuse one).
    pub async fn open(path: impl AsRef<Path>) -> Result<GatewayRegistry> {
        GatewayRegistry::builder()
            .toml_file(path)?
            .open_journal()
            .await?
            .build()
    }

    /// The gateway named `name`, if any.
    pub fn get(&self, name: &str) -> Option<Arc<dyn PaymentGateway>> {
        self.gateways.get(name).cloned()
    }

    /// The gateway named `name`, or a config error listing the names there are.
    pub fn gateway(&self, name: &str) -> Result<Arc<dyn PaymentGateway>> {
        self.get(name).ok_or_else(|| {
            let known = self.names().collect::<Vec<_>>();
            Error::config(
                format!("gateways.{name}"),
                if known.is_empty() {
                    "no such gateway; none is configured".to_owned()
                } else {
                    format!("no such gateway; configured: {}", known.join(", "))
                },
            )
        })
    }

    /// The instance names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.gateways.keys().map(String::as_str)
    }

    /// Name and gateway pairs, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<dyn PaymentGateway>)> {
        self.gateways.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// How many gateways.
    pub fn len(&self) -> usize {
        self.gateways.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.gateways.is_empty()
    }

    /// The shared dispatcher (transport, retry policy, clock, randomness).
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }
}

impl fmt::Debug for GatewayRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayRegistry")
            .field("gateways", &self.gateways)
            .finish_non_exhaustive()
    }
}

/// Builds a [`GatewayRegistry`] from gateways made in code and/or configuration.
pub struct RegistryBuilder {
    dispatcher: Option<Dispatcher>,
    transport: Option<Arc<dyn Transport>>,
    transport_settings: TransportSettings,
    retry_policy: Option<RetryPolicy>,
    factories: BTreeMap<&'static str, Arc<dyn GatewayFactory>>,
    configs: Vec<GatewayConfig>,
    instances: Vec<(String, Arc<dyn PaymentGateway>)>,
    pub(crate) journal_config: Option<JournalConfig>,
    #[cfg(any(feature = "journal", feature = "journal-postgres"))]
    pub(crate) journal: Option<(
        Arc<dyn crate::journal_glue::WriteJournal>,
        crate::journal_glue::JournalSettings,
    )>,
}

impl Default for RegistryBuilder {
    fn default() -> Self {
        let mut builder = RegistryBuilder {
            dispatcher: None,
            transport: None,
            transport_settings: TransportSettings::default(),
            retry_policy: None,
            factories: BTreeMap::new(),
            configs: Vec::new(),
            instances: Vec::new(),
            journal_config: None,
            #[cfg(any(feature = "journal", feature = "journal-postgres"))]
            journal: None,
        };
        for factory in crate::shipped_providers()
            .iter()
            .filter_map(ShippedProvider::factory)
        {
            builder = builder.factory(factory);
        }
        builder
    }
}

impl RegistryBuilder {
    /// Uses this dispatcher (transport, policy, clock, randomness) for configured gateways.
    pub fn dispatcher(mut self, dispatcher: Dispatcher) -> Self {
        self.dispatcher = Some(dispatcher);
        self
    }

    /// Uses this transport instead of the default `reqwest` one.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Limits for the default transport.
    pub fn transport_settings(mut self, settings: TransportSettings) -> Self {
        self.transport_settings = settings;
        self
    }

    /// The retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// Registers a factory for a provider (replacing one of the same name): how an app adds a
    /// provider of its own, or a test double, to configuration files.
    pub fn factory(mut self, factory: Arc<dyn GatewayFactory>) -> Self {
        self.factories.insert(factory.provider(), factory);
        self
    }

    /// Adds a gateway from configuration (built at [`RegistryBuilder::build`]).
    pub fn config(mut self, config: GatewayConfig) -> Self {
        self.configs.push(config);
        self
    }

    /// Adds a gateway built in code.
    pub fn gateway(mut self, name: impl Into<String>, gateway: Arc<dyn PaymentGateway>) -> Self {
        self.instances.push((name.into(), gateway));
        self
    }

    /// Adds everything a TOML text says: transport, retry and gateways.
    pub fn toml_str(self, text: &str) -> Result<Self> {
        Ok(self.registry_config(RegistryConfig::from_toml_str(text)?))
    }

    /// Adds everything a TOML file says.
    pub fn toml_file(self, path: impl AsRef<Path>) -> Result<Self> {
        Ok(self.registry_config(RegistryConfig::from_toml_file(path)?))
    }

    /// Adds a parsed configuration.
    pub fn registry_config(mut self, config: RegistryConfig) -> Self {
        self.transport_settings = config.transport;
        self.retry_policy = Some(config.retry);
        self.configs.extend(config.gateways);
        if config.journal.is_some() {
            self.journal_config = config.journal;
        }
        self
    }

    /// The transport settings the default transport will be built with.
    #[cfg(any(feature = "journal", feature = "journal-postgres"))]
    pub(crate) fn configured_transport_settings(&self) -> &TransportSettings {
        &self.transport_settings
    }

    /// The retry policy the gateways will use.
    #[cfg(any(feature = "journal", feature = "journal-postgres"))]
    pub(crate) fn retry_policy_or_default(&self) -> RetryPolicy {
        match &self.dispatcher {
            Some(dispatcher) => dispatcher.retry_policy().clone(),
            None => self.retry_policy.clone().unwrap_or_default(),
        }
    }

    /// Opens the configured `[journal]` (nothing to do without one). A configuration with a
    /// journal must come through here (or [`GatewayRegistry::open`]): `build` refuses to
    /// make gateways whose writes would not be journaled.
    pub async fn open_journal(self) -> Result<Self> {
        crate::journal_glue::open_configured(self).await
    }

    /// Builds every configured gateway. Fails on the first bad one, naming it.
    pub fn build(self) -> Result<GatewayRegistry> {
        self.assemble(true).map(|(registry, _)| registry)
    }

    /// Builds every configured gateway that can be built; each that cannot (a secret's
    /// variable unset, a bad key) is left out, and its error, naming its table, returned
    /// beside the registry. For tools that work on one gateway while another is broken.
    /// What concerns every gateway (the transport, the journal) still fails the whole build.
    pub fn build_available(self) -> Result<(GatewayRegistry, Vec<Error>)> {
        self.assemble(false)
    }

    fn assemble(self, strict: bool) -> Result<(GatewayRegistry, Vec<Error>)> {
        crate::journal_glue::check_opened(&self)?;
        let dispatcher = match self.dispatcher {
            Some(d) => d,
            None => {
                let transport = match self.transport {
                    Some(t) => t,
                    None => Arc::new(ReqwestTransport::new(&self.transport_settings)?),
                };
                Dispatcher::new(transport).with_retry_policy(self.retry_policy.unwrap_or_default())
            }
        };
        let mut gateways: BTreeMap<String, Arc<dyn PaymentGateway>> = BTreeMap::new();
        let mut failures = Vec::new();
        for (name, gateway) in self.instances {
            insert(&mut gateways, name, gateway)?;
        }
        #[cfg(any(feature = "journal", feature = "journal-postgres"))]
        let journal = self.journal.clone();
        for config in &self.configs {
            let built = self
                .factories
                .get(config.provider())
                .ok_or_else(|| unknown_provider(config, &self.factories))
                .and_then(|factory| factory.build(config, &dispatcher))
                .and_then(|mut gateway| {
                    if let Some(lag) = config.refunds_show_within() {
                        gateway = Arc::new(RefundsShowWithin::new(gateway, lag));
                    }
                    if let Some(window) = config.webhook_max_age() {
                        gateway = Arc::new(FreshWebhooks::new(
                            gateway,
                            window,
                            dispatcher.clock().clone(),
                        ));
                    }
                    insert(&mut gateways, config.name().to_owned(), gateway)
                });
            match built {
                Ok(()) => {}
                Err(e) if strict => return Err(e),
                Err(e) => failures.push(e),
            }
        }
        #[cfg(any(feature = "journal", feature = "journal-postgres"))]
        let (gateways, journal) = crate::journal_glue::wrap(gateways, journal);
        // Outermost: each operation traced under the gateway's instance name.
        let gateways = gateways
            .into_iter()
            .map(|(name, gateway)| {
                let traced: Arc<dyn PaymentGateway> = Arc::new(
                    crate::instrumented::Instrumented::new(name.clone(), gateway),
                );
                (name, traced)
            })
            .collect();
        let registry = GatewayRegistry {
            gateways,
            dispatcher,
            #[cfg(any(feature = "journal", feature = "journal-postgres"))]
            journal,
        };
        Ok((registry, failures))
    }
}

/// Adds a gateway under `name`, which must be a valid name not taken yet.
fn insert(
    gateways: &mut BTreeMap<String, Arc<dyn PaymentGateway>>,
    name: String,
    gateway: Arc<dyn PaymentGateway>,
) -> Result<()> {
    IdRules::DEFAULT
        .no_dot()
        .check("gateway name", &name)
        .map_err(|e| Error::config(format!("gateways.{name}"), e.to_string()))?;
    if gateways.contains_key(&name) {
        return Err(Error::config(
            format!("gateways.{name}"),
            "a gateway of this name is already registered",
        ));
    }
    gateways.insert(name, gateway);
    Ok(())
}

fn unknown_provider(
    config: &GatewayConfig,
    factories: &BTreeMap<&'static str, Arc<dyn GatewayFactory>>,
) -> Error {
    let available = if factories.is_empty() {
        "none".to_owned()
    } else {
        factories.keys().copied().collect::<Vec<_>>().join(", ")
    };
    let provider = config.provider();
    let shipped = crate::shipped_providers()
        .iter()
        .any(|shipped| shipped.name() == provider);
    let reason = if shipped {
        format!(
            "provider {provider:?} is not available in this build (enable the `{provider}` feature of the paygate crate); available: {available}"
        )
    } else {
        format!("unknown provider {provider:?}; available: {available}")
    };
    Error::config(config.key_path("provider"), reason)
}

impl fmt::Debug for RegistryBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryBuilder")
            .field("factories", &self.factories.keys().collect::<Vec<_>>())
            .field("configs", &self.configs)
            .field(
                "instances",
                &self.instances.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}
